"""Reading access facts out of the database for portal.access.rules."""

import uuid
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import cast
from zoneinfo import ZoneInfo

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from portal.access import rules
from portal.access.door_reports import EXIT_WINDOW, GRACE, agent_online
from portal.access.models import (
    AccessEvent,
    AccessGroup,
    AccessLevel,
    Alert,
    Door,
    DoorCommand,
    DoorReport,
    DoorStatus,
    PassbackReset,
    TimeWindow,
    Visitor,
    Zone,
)
from portal.access.readers import zone_sees_exits
from portal.attendance.models import Schedule
from portal.attendance.schedules import organization_calendar
from portal.people.models import Person


def zone_tz(zone: Zone) -> tzinfo:
    return ZoneInfo(zone.time_zone) if zone.time_zone else timezone.get_default_timezone()


def door_facts(door: Door) -> rules.DoorFacts:
    return rules.DoorFacts(
        id=door.pk, name=door.name, zone_id=door.zone_id, locked_down=door.state == door.State.LOCKED_DOWN
    )


def level_facts(level: AccessLevel) -> rules.Level:
    return rules.Level(
        name=level.name,
        door_ids=frozenset(d.pk for d in level.doors.all()),
        zone_ids=frozenset(z.pk for z in level.zones.all()),
        windows=tuple(rules.Window(w.weekday, w.start, w.end) for w in level.windows.all()),
        any_time=level.any_time,
        closed_on_holidays=level.closed_on_holidays,
        valid_from=level.valid_from,
        valid_until=level.valid_until,
    )


def person_grants(person: Person) -> list[rules.Grant]:
    """Every (group, level) a person holds, directly or through their department."""
    groups = AccessGroup.objects.filter(
        Q(people=person) | (Q(departments=person.department_id) if person.department_id else Q(pk__in=[]))
    ).distinct()
    # one row per (group, level), in the groups' order and each group's levels' order: one query and
    # the levels' doors, zones and windows, not one more query per group; plain values, no model
    # instances (the ORM building whole doors and zones was half of this at a door)
    held = list(
        AccessLevel.objects.filter(groups__in=groups)
        .annotate(group_name=F("groups__name"))
        .order_by("group_name", "name")
        .values("id", "name", "any_time", "closed_on_holidays", "valid_from", "valid_until", "group_name")
    )
    if not held:
        return []
    ids = {row["id"] for row in held}
    doors: dict[int, set[int]] = defaultdict(set)
    for level_id, door_id in AccessLevel.doors.through.objects.filter(accesslevel_id__in=ids).values_list(
        "accesslevel_id", "door_id"
    ):
        doors[level_id].add(door_id)
    zones: dict[int, set[int]] = defaultdict(set)
    for level_id, zone_id in AccessLevel.zones.through.objects.filter(accesslevel_id__in=ids).values_list(
        "accesslevel_id", "zone_id"
    ):
        zones[level_id].add(zone_id)
    windows: dict[int, list[rules.Window]] = defaultdict(list)
    for level_id, weekday, start, end in (
        TimeWindow.objects.filter(level_id__in=ids)
        .order_by("level_id", "weekday", "start")  # a level's own order (TimeWindow.Meta)
        .values_list("level_id", "weekday", "start", "end")
    ):
        windows[level_id].append(rules.Window(weekday, start, end))
    by_level: dict[int, rules.Level] = {}
    grants = []
    for row in held:
        level_id = row["id"]
        if level_id not in by_level:
            by_level[level_id] = rules.Level(
                name=row["name"],
                door_ids=frozenset(doors[level_id]),
                zone_ids=frozenset(zones[level_id]),
                windows=tuple(windows[level_id]),
                any_time=row["any_time"],
                closed_on_holidays=row["closed_on_holidays"],
                valid_from=row["valid_from"],
                valid_until=row["valid_until"],
            )
        grants.append(rules.Grant(group=row["group_name"], level=by_level[level_id]))
    return grants


def organization_holidays() -> frozenset[date]:
    """The organization's holiday calendar (imported or typed on the calendar page), the same
    one schedules and the monthly summary read; with any date left on the default schedule."""
    default = Schedule.objects.filter(is_default=True).only("holidays").first()
    holidays, _ = organization_calendar()
    return holidays | frozenset(date.fromisoformat(d) for d in (default.holidays if default else []))


def last_passage_side(*, zone: Zone, person: Person, before: datetime) -> str | None:
    """The side (entry/exit) of the person's last granted passage in the zone since the last reset."""
    reset = (
        PassbackReset.objects.filter(Q(person=person) | Q(person=None), zone=zone, at__lte=before)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    last = AccessEvent.objects.filter(zone=zone, person=person, result=AccessEvent.Result.GRANTED, at__lte=before)
    if reset:
        last = last.filter(at__gt=reset)
    return last.order_by("-at", "-id").values_list("direction", flat=True).first()


def access_explain(*, person: Person, door: Door, at: datetime) -> rules.Verdict:
    """The verdict, with its reasons, for `person` at `door` at instant `at` (for the question page)."""
    local = at.astimezone(zone_tz(door.zone))
    return rules.access_decide(
        door=door_facts(door),
        grants=person_grants(person),
        local=local,
        holidays=organization_holidays(),
        active=person.active,
    )


def access_event_list(
    *,
    door: Door | None = None,
    zone: Zone | None = None,
    person: Person | None = None,
    result: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AccessEvent]:
    """Access events, newest first, filtered; dates are local days, inclusive."""
    events = AccessEvent.objects.select_related("door", "zone", "person", "visitor", "kiosk")
    if door:
        events = events.filter(door=door)
    if zone:
        events = events.filter(zone=zone)
    if person:
        events = events.filter(person=person)
    if result:
        events = events.filter(result=result)
    tz = timezone.get_current_timezone()
    if date_from:
        events = events.filter(at__gte=datetime.combine(date_from, time.min, tz))
    if date_to:
        events = events.filter(at__lt=datetime.combine(date_to + timedelta(days=1), time.min, tz))
    return events


def zone_on_site(*, zone: Zone, now: datetime | None = None, hours: int = 24) -> list[AccessEvent]:
    """Who is inside `zone` now: by the last granted passage in the last `hours`.

    With exit readers, the last passage's side says it. A zone without exit
    readers cannot see anyone leave, so there the person's attendance decides:
    inside if their last attendance event since that entry is not a check-out.

    Where a door agent reports the door's contact, the door has the last word:
    a granted passage the door never opened for did not happen (a granted exit
    is a way out only once the door opened; an entry likewise).
    """
    from portal.attendance.models import AttendanceEvent

    now = now or timezone.now()
    recent = AccessEvent.objects.filter(
        zone=zone, result=AccessEvent.Result.GRANTED, at__gt=now - timedelta(hours=hours), at__lte=now
    ).exclude(person=None)
    events = events_door_opened(recent.select_related("person", "visitor", "door").order_by("at", "id"), now=now)
    last = {}
    for event in events:
        if event.door_opened != "not_opened":  # type: ignore[attr-defined]  # no column: events_door_opened sets it
            last[event.person_id] = event
    has_exits = zone_sees_exits(zone)
    inside = []
    for event in last.values():
        if has_exits:
            if event.direction == AccessEvent.Direction.ENTRY:
                inside.append(event)
            continue
        assert event.person_id is not None  # recent leaves out events without a person
        out = (
            AttendanceEvent.objects.filter(person_id=event.person_id, voided=False, at__gte=event.at)
            .order_by("-at")
            .values_list("direction", flat=True)
            .first()
        )
        if out != AttendanceEvent.Direction.OUT:
            inside.append(event)
    # recent leaves out events without a person
    return sorted(inside, key=lambda e: cast(Person, e.person).name)


@dataclass(frozen=True)
class DoorEvidence:
    """What a zone's doors saw that no reader put a name to, since `since`: exits by the exit
    button (someone listed may have left) and forced openings (someone unlisted may be inside)."""

    since: datetime
    exit_presses: int = 0
    last_exit_at: datetime | None = None
    exit_doors: tuple[str, ...] = ()
    forced: tuple[tuple[str, datetime], ...] = ()  # ((door name, at), ...), oldest first

    @property
    def any(self) -> bool:
        return bool(self.exit_presses or self.forced)


def zone_door_evidence(
    *, zone: Zone, inside: Iterable[AccessEvent], now: datetime | None = None, hours: int = 24
) -> DoorEvidence:
    """The door agents' evidence about who is inside `zone`, for the on-site and muster lists.

    Exit presses count from the earliest listed entry (before it nobody listed was inside);
    presses within the exit window of the one before are one exit (people press twice).
    Forced openings count over the whole window: whoever came in stays unknown."""
    now = now or timezone.now()
    window_start = now - timedelta(hours=hours)
    since = min((event.at for event in inside), default=now)
    presses = DoorReport.objects.filter(
        door__zone=zone, kind=DoorReport.Kind.EXIT, at__gte=since, at__lte=now
    ).select_related("door")
    exits, last, doors = 0, None, []
    for press in presses.order_by("at"):
        if last is None or press.at - last > EXIT_WINDOW:
            exits += 1
        last = press.at
        if press.door.name not in doors:
            doors.append(press.door.name)
    forced = tuple(
        Alert.objects.filter(kind=Alert.Kind.FORCED_OPEN, door__zone=zone, at__gte=window_start, at__lte=now)
        .order_by("at")
        .values_list("door__name", "at")
    )
    return DoorEvidence(since=since, exit_presses=exits, last_exit_at=last, exit_doors=tuple(doors), forced=forced)


@dataclass(frozen=True)
class VisitorFace:
    """Where a visitor's photo stands: "accepted" (the pass works at doors), "checking",
    "refused" (with the photo check's reason, stored in English) or "none" (erased, or never given)."""

    state: str
    reason: str = ""


def visitor_face_state(visitor: Visitor) -> VisitorFace:
    """A pass is valid at a door only once a face of its photo is accepted (the kiosk
    recognizes nobody else): this says whether it is, for the reception's list."""
    from recognition.models import FacePhoto

    photos = list(cast(Person, visitor.person).photos.all()) if visitor.person_id else []
    statuses = {photo.status for photo in photos}
    if FacePhoto.Status.ACCEPTED in statuses:
        return VisitorFace("accepted")
    if statuses & {FacePhoto.Status.QUEUED, FacePhoto.Status.ENCODING, FacePhoto.Status.REVIEW}:
        return VisitorFace("checking")
    refused = [photo for photo in photos if photo.status == FacePhoto.Status.REJECTED]
    if refused:
        return VisitorFace("refused", refused[-1].reason)
    return VisitorFace("none")


def door_states(*, now: datetime | None = None) -> list[tuple[Door, DoorStatus | None, bool]]:
    """Every door with its agent's live state: [(door, status or None, online)], by zone and name."""
    now = now or timezone.now()
    statuses = {s.door_id: s for s in DoorStatus.objects.all()}
    return [
        (door, statuses.get(door.pk), agent_online(statuses.get(door.pk), now=now))
        for door in Door.objects.select_related("zone")
    ]


def events_door_opened(events: Iterable[AccessEvent], *, now: datetime | None = None) -> list[AccessEvent]:
    """For granted events whose door agent acted on the unlock: seconds from the unlock to the
    door opening (agent's clock), or "not_opened" once the unlock's time is over. Set as
    `event.door_opened` (None: no agent report, nothing known). Only a door whose agent
    reports its contact can say "not opened": a door without a sensor says nothing."""
    now = now or timezone.now()
    events = list(events)
    event: AccessEvent | None  # each event below, then the one a report's command was for
    for event in events:
        # door_opened is no column: set here for the pages and zone_on_site
        event.door_opened = None  # type: ignore[attr-defined]
    # looked up below with keys.get(...), which is None for a key it does not hold
    granted: dict[int | None, AccessEvent] = {e.pk: e for e in events if e.result == AccessEvent.Result.GRANTED}
    if not granted:
        return events
    keys = dict(DoorCommand.objects.filter(event_id__in=granted).values_list("key", "event_id"))
    acted = list(
        DoorReport.objects.filter(
            kind=DoorReport.Kind.COMMAND, result="acted", command_key__in=[str(k) for k in keys]
        ).order_by("at")
    )
    sensing = set(
        DoorStatus.objects.filter(door_id__in={r.door_id for r in acted})
        .exclude(contact="")
        .values_list("door_id", flat=True)
    )
    if not sensing:
        return events
    # every opening that could follow one of these unlocks, in one query
    longest = max(e.door.unlock_seconds for e in granted.values())
    openings: dict[int, list[datetime]] = {}
    for door_id, at in (
        DoorReport.objects.filter(
            door_id__in=sensing,
            kind=DoorReport.Kind.CONTACT,
            state="open",
            at__gte=acted[0].at - GRACE,
            at__lte=acted[-1].at + timedelta(seconds=longest) + GRACE,
        )
        .order_by("at")
        .values_list("door_id", "at")
    ):
        openings.setdefault(door_id, []).append(at)
    for report in acted:
        event = granted.get(keys.get(uuid.UUID(report.command_key)))
        if event is None or event.door_opened is not None or report.door_id not in sensing:  # type: ignore[attr-defined]
            continue
        seconds = event.door.unlock_seconds
        times = openings.get(report.door_id, [])
        first = bisect_left(times, report.at - GRACE)
        end = report.at + timedelta(seconds=seconds) + GRACE
        if first < len(times) and times[first] <= end:
            event.door_opened = max((times[first] - report.at).total_seconds(), 0.0)  # type: ignore[attr-defined]
        elif now > report.received_at + timedelta(seconds=seconds) + GRACE:
            event.door_opened = "not_opened"  # type: ignore[attr-defined]
    return events
