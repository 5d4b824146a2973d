"""Writing access: the decision at a door, the door commands it causes, operator actions."""

import json
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.access import rules, texts
from portal.access.alerts import alert_raise, unknown_refusals_check
from portal.access.models import (
    AccessEvent,
    Alert,
    Door,
    DoorCommand,
    OperatorAction,
    PassbackReset,
    Visitor,
    Zone,
)
from portal.access.selectors import (
    door_facts,
    last_passage_side,
    organization_holidays,
    person_grants,
    zone_tz,
)
from portal.access.transports import channels_configured
from portal.access.visitors import visitor_arrival_claim

if TYPE_CHECKING:  # the annotations only: the module's imports stay as they were
    from portal.access.models import BadgePin
    from portal.kiosks.models import Kiosk
    from portal.people.models import Person
    from recognition.models import Capture

log = logging.getLogger(__name__)


def _visitor_of(person: "Person") -> Visitor | None:
    return Visitor.objects.filter(person=person).prefetch_related("doors").first()


def access_verdict(
    *,
    door: Door,
    person: "Person | None",
    at: datetime,
    live: bool | None = None,
    verify: bool = False,
    pin_ok: bool | None = None,
) -> rules.Verdict:
    """The rules' verdict for one attempt (before anti-passback).

    `pin_ok` is None for a face, True/False for a badge-and-PIN attempt.
    """
    visitor = _visitor_of(person) if person is not None else None
    return _verdict(door=door, person=person, visitor=visitor, at=at, live=live, verify=verify, pin_ok=pin_ok)


def _verdict(
    *,
    door: Door,
    person: "Person | None",
    visitor: Visitor | None,
    at: datetime,
    live: bool | None,
    verify: bool,
    pin_ok: bool | None,
) -> rules.Verdict:
    """access_verdict with the person's visitor pass (or None) already read."""
    facts = door_facts(door)
    if pin_ok is not None and door.mode != Door.Mode.FACE_OR_BADGE_PIN:
        return rules.Verdict(False, "pin_not_accepted", (rules.fill(rules.NOT_PIN_MODE, door=door.name),))
    if pin_ok is False:
        return rules.Verdict(False, "bad_pin", (rules.PIN_MISMATCH,))
    if live is False:
        return rules.Verdict(False, "not_live", (rules.DID_NOT_MOVE,))
    if facts.locked_down:
        return rules.Verdict(False, "locked_down", (rules.fill(rules.IS_LOCKED_DOWN, door=door.name),))
    if person is None:
        return rules.Verdict(False, "not_recognized", (rules.MATCHED_NOBODY,))
    if door.mode == Door.Mode.FACE_AND_BADGE and not verify:
        return rules.Verdict(False, "badge_required", (rules.fill(rules.NEEDS_BADGE, door=door.name),))
    if visitor is not None:
        local = zone_tz(door.zone)  # the pass's times in the explanation are the door's wall clock, not UTC
        return rules.visitor_decide(
            door=facts,
            door_ids={d.pk for d in visitor.doors.all()},
            valid_from=visitor.valid_from.astimezone(local),
            valid_until=visitor.valid_until.astimezone(local),
            at=at,
        )
    return rules.access_decide(
        door=facts,
        grants=person_grants(person),
        local=at.astimezone(zone_tz(door.zone)),
        holidays=organization_holidays(),
        active=person.active,
    )


def access_attempt_decide(
    *,
    door: Door,
    side: str,
    at: datetime,
    person: "Person | None" = None,
    kiosk: "Kiosk | None" = None,
    capture: "Capture | None" = None,
    distance: float | None = None,
    live: bool | None = None,
    verify: bool = False,
    pin_ok: bool | None = None,
    unknown_face: bytes | None = None,
) -> AccessEvent:
    """Decide one attempt at a door, log it as an AccessEvent and, when granted,
    write its unlock commands in the same transaction. Returns the event."""
    # the pass read once, for the verdict and the event
    visitor = _visitor_of(person) if person is not None else None
    verdict = _verdict(door=door, person=person, visitor=visitor, at=at, live=live, verify=verify, pin_ok=pin_ok)
    with transaction.atomic():
        violation = False
        # without anti-passback the last passage changes nothing (rules.passback_check): no lock, no reads
        if verdict.granted and person is not None and door.zone.anti_passback != Zone.Passback.OFF:
            # two readers deciding the same person at once must see each other's passage
            type(person).objects.select_for_update().filter(pk=person.pk).first()
            last = last_passage_side(zone=door.zone, person=person, before=at)
            allowed, violation = rules.passback_check(mode=door.zone.anti_passback, side=side, last_side=last)
            if not allowed:
                verdict = rules.Verdict(
                    False, "anti_passback", (rules.fill(rules.ALREADY_INSIDE, zone=door.zone.name),)
                )
            elif violation:
                verdict = rules.Verdict(True, "granted", (*verdict.why, rules.SECOND_ENTRY))
        event = AccessEvent.objects.create(
            at=at,
            door=door,
            zone_id=door.zone_id,
            direction=side,
            kiosk=kiosk,
            person=person,
            visitor=visitor,
            capture=capture,
            distance=distance,
            result=AccessEvent.Result.GRANTED if verdict.granted else AccessEvent.Result.DENIED,
            reason=verdict.reason,
            message=verdict.message,
            explanation=list(verdict.why),
            passback_violation=violation,
            # a stranger's face, for the repeated-stranger alert only (cleared after its window)
            unknown_face=unknown_face if verdict.reason == "not_recognized" else None,
        )
        if verdict.granted:
            door_command_issue(
                door=door, command=DoorCommand.Command.UNLOCK, seconds=door.unlock_seconds, event=event, at_once=True
            )
            if visitor is not None and visitor.arrived_at is None:
                visitor_arrival_claim(visitor=visitor, event=event)
        elif verdict.reason == "not_recognized":
            unknown_refusals_check(door=door, at=at, face=event.unknown_face)
    return event


def door_command_issue(
    *,
    door: Door,
    command: str,
    seconds: int = 0,
    event: AccessEvent | None = None,
    user: User | None = None,
    at_once: bool = False,
) -> list[DoorCommand]:
    """Outbox rows, one per configured channel, in the caller's transaction;
    their delivery is queued once it commits (at_once: a person waits at the door, this
    process sends them itself first: portal.access.tasks.door_commands_enqueue)."""
    issued_at = timezone.now()
    rows = [
        DoorCommand.objects.create(
            door=door,
            command=command,
            seconds=seconds,
            channel=channel,
            event=event,
            issued_at=issued_at,
            issued_by=user,
        )
        for channel in channels_configured()
    ]
    if rows:
        from portal.access.tasks import door_commands_enqueue

        transaction.on_commit(lambda: door_commands_enqueue(rows, at_once=at_once))
    return rows


def _audit(
    user: User | None, action: str, *, door: Door | None = None, zone: Zone | None = None, detail: str = ""
) -> OperatorAction:
    return OperatorAction.objects.create(
        user=user,
        username=user.get_username() if user else "system",
        action=action,
        door=door,
        zone=zone,
        detail=detail,  # a Message or the operator's words; the column cuts what is too long
    )


def door_visitor_policy_set(*, door: Door, visitor_door: bool, max_hours: int, user: User | None) -> Door:
    """Security decides whether reception may give visitors this door, and the longest pass to it."""
    Door.objects.filter(pk=door.pk).update(visitor_door=visitor_door, visitor_max_hours=max_hours)
    door.visitor_door, door.visitor_max_hours = visitor_door, max_hours
    template = texts.VISITOR_DOOR_OPEN if visitor_door else texts.VISITOR_DOOR_CLOSED
    _audit(user, texts.VISITOR_POLICY, door=door, detail=texts.fill(template, hours=max_hours))
    return door


def door_unlock_operator(*, door: Door, minutes: int, user: User | None) -> Door:
    """An operator opens a door for `minutes` (the lock gets the seconds)."""
    with transaction.atomic():
        until = timezone.now() + timedelta(minutes=minutes)
        Door.objects.filter(pk=door.pk).exclude(state=Door.State.LOCKED_DOWN).update(
            state=Door.State.UNLOCKED, unlocked_until=until
        )
        door.refresh_from_db()
        if door.state == Door.State.LOCKED_DOWN:
            raise ValueError(_("%(door)s is locked down; end the lockdown first.") % {"door": door.name})
        door_command_issue(door=door, command=DoorCommand.Command.UNLOCK, seconds=minutes * 60, user=user)
        _audit(user, texts.UNLOCK, door=door, detail=texts.fill(texts.FOR_MINUTES, minutes=minutes))
    return door


def _lockdown_message(zone: Zone, user: User | None, reason: str) -> str:
    if user:
        template = texts.LOCKED_DOWN_BY_REASON if reason else texts.LOCKED_DOWN_BY
        return texts.fill(template, zone=zone.name, user=user.get_username(), reason=reason)
    template = texts.LOCKED_DOWN_BY_INTEGRATION_REASON if reason else texts.LOCKED_DOWN_BY_INTEGRATION
    return texts.fill(template, zone=zone.name, reason=reason)


def zone_lockdown(*, zone: Zone, user: User | None, reason: str = "") -> list[Door]:
    """Every door of the zone locked down: kiosks refuse everyone, locks get `lockdown`."""
    with transaction.atomic():
        doors = list(zone.doors.all())
        Door.objects.filter(zone=zone).update(state=Door.State.LOCKED_DOWN, unlocked_until=None)
        for door in doors:
            door_command_issue(door=door, command=DoorCommand.Command.LOCKDOWN, user=user)
        _audit(user, texts.LOCKDOWN, zone=zone, detail=reason)
        alert_raise(kind=Alert.Kind.LOCKDOWN, message=_lockdown_message(zone, user, reason), zone=zone)
    return doors


def zone_lockdown_end(*, zone: Zone, user: User | None) -> list[Door]:
    with transaction.atomic():
        doors = list(zone.doors.filter(state=Door.State.LOCKED_DOWN))
        Door.objects.filter(pk__in=[d.pk for d in doors]).update(state=Door.State.NORMAL)
        for door in doors:
            door_command_issue(door=door, command=DoorCommand.Command.RELEASE, user=user)
        _audit(user, texts.LOCKDOWN_END, zone=zone)
        # the lockdown's alert ends with it (found by its zone: the zone may have been renamed since;
        # an alert raised before alerts had a zone, by its message, which starts with the zone's name)
        named = json.dumps(zone.name, ensure_ascii=False)  # as portal.core.messages keeps it
        said = {"message__startswith": '{"code":"access.locked_down_by', "message__contains": f'"zone":{named}'}
        Alert.objects.filter(
            Q(zone=zone)
            | Q(zone=None, message__startswith=f"{zone.name} locked down by")  # a sentence written before codes
            | Q(zone=None, **said),
            kind=Alert.Kind.LOCKDOWN,
            acknowledged_at=None,
        ).update(acknowledged_at=timezone.now())
    return doors


def passback_reset(*, zone: Zone, user: User | None, person: "Person | None" = None) -> PassbackReset:
    """Forget who is inside `zone` for anti-passback (everyone, or one person)."""
    reset = PassbackReset.objects.create(zone=zone, person=person, by=user)
    _audit(user, texts.PASSBACK_RESET, zone=zone, detail=person.name if person else texts.EVERYONE)
    return reset


def doors_schedule_apply(*, now: datetime | None = None) -> list[Door]:
    """Doors with an unlock schedule: open one whose window has begun, with an
    unlock for the seconds left in the window (its controller relocks it by
    itself at the end; doors_relock_due puts the state back). Locked-down
    doors are left alone. Returns the doors opened."""
    from portal.access.selectors import level_facts

    now = now or timezone.now()
    holidays = organization_holidays()
    opened = []
    doors = Door.objects.filter(unlock_schedule__isnull=False).exclude(state=Door.State.LOCKED_DOWN)
    for door in doors.select_related("zone", "unlock_schedule"):
        assert door.unlock_schedule is not None  # the query asks for doors with a schedule
        level = level_facts(door.unlock_schedule)
        until = rules.open_until(level, local=now.astimezone(zone_tz(door.zone)), holidays=holidays)
        if until is None or (door.unlocked_until is not None and door.unlocked_until >= until):
            continue
        with transaction.atomic():
            changed = (
                Door.objects.filter(pk=door.pk)
                .exclude(state=Door.State.LOCKED_DOWN)
                .update(state=Door.State.UNLOCKED, unlocked_until=until)
            )
            if changed:
                seconds = int((until - now).total_seconds())
                door_command_issue(door=door, command=DoorCommand.Command.UNLOCK, seconds=seconds)
                opened.append(door)
    return opened


def doors_relock_due(*, now: datetime | None = None) -> int:
    """Doors an operator unlocked whose time is over go back to normal."""
    now = now or timezone.now()
    return Door.objects.filter(state=Door.State.UNLOCKED, unlocked_until__lte=now).update(
        state=Door.State.NORMAL, unlocked_until=None
    )


def pin_pattern() -> str:
    """BADGE_PIN_MIN_LENGTH to 12 digits: a short PIN is guessed however slow the guessing."""
    return rf"^[0-9]{{{settings.BADGE_PIN_MIN_LENGTH},12}}$"


def badge_pin_set(*, person: "Person", pin: str) -> "BadgePin":
    """Give `person` a PIN (BADGE_PIN_MIN_LENGTH to 12 digits) for face-or-badge-and-PIN doors."""
    import re

    from django.contrib.auth.hashers import make_password

    from portal.access.models import BadgePin

    if not re.match(pin_pattern(), pin or ""):
        raise ValueError(_("A PIN is %(least)s to 12 digits.") % {"least": settings.BADGE_PIN_MIN_LENGTH})
    return BadgePin.objects.update_or_create(person=person, defaults={"pin_hash": make_password(pin)})[0]


def badge_pin_check(*, employee_id: str | None, pin: str | None) -> tuple["Person | None", bool]:
    """(person or None, whether the PIN is theirs). Always hashes once, so timing does not tell
    whether an employee ID exists."""
    from django.contrib.auth.hashers import check_password, make_password

    from portal.access.models import BadgePin
    from portal.people.models import Person

    person = Person.objects.filter(employee_id__iexact=(employee_id or "").strip()).first()
    record = BadgePin.objects.filter(person=person).first() if person else None
    if record is None:
        make_password(pin or "")  # the same work as a check
        return person, False
    return person, check_password(pin or "", record.pin_hash)
