"""What door agents report: the append-only door log, each door's live state, its alarms.

A report is verified (portal.access.signing, the agent's own function)
before it gets here. Times are the agent's: the order of what happened at
the door is the agent's clock's, so an unlock and the opening it allowed
are compared on one clock even when they arrive late, after an outage.

- forced open: the door opened with no unlock acted on, no exit button press
  and no operator unlock within the window;
- held open: open longer than the door's held_open_seconds
  (door_alarms_check, run by the listener every second).
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from portal.access import texts
from portal.access.alerts import alert_raise
from portal.access.models import Alert, Door, DoorReport, DoorStatus, ListenerLease

log = logging.getLogger(__name__)

# an opening this long after an unlock's pulse ended (or an exit press) still counts as allowed:
# people push the door a moment after the click
GRACE = timedelta(seconds=3)
EXIT_WINDOW = timedelta(seconds=10)
KINDS = {choice for choice, _ in DoorReport.Kind.choices}


class ReportRefused(ValueError):
    pass


def door_by_address(address: str) -> Door | None:
    door = Door.objects.filter(controller_id=address).first()
    if door is None and address.isdigit():
        door = Door.objects.filter(pk=int(address), controller_id="").first()
    return door


def _at(value) -> datetime:
    try:
        at = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ReportRefused("unreadable time") from None
    if at.tzinfo is None:
        raise ReportRefused("a time without its zone")
    return at


def door_report_record(*, address: str, report: dict, key: str, received_at: datetime | None = None):
    """Take one verified report from the agent at `address`. Returns the new DoorReport, or
    None for a heartbeat or a report already taken (same key: the agent sent it twice)."""
    received_at = received_at or timezone.now()
    if not isinstance(report, dict) or report.get("door") != address:
        raise ReportRefused("the report's door is not its topic's")
    door = door_by_address(address)
    if door is None:
        raise ReportRefused(f"no door with controller ID {address!r}")
    at = _at(report.get("at"))
    kind = report.get("kind")
    with transaction.atomic():
        status, _ = DoorStatus.objects.select_for_update().get_or_create(door=door)
        status.agent_seen_at = received_at
        if kind == "heartbeat":
            status.locked_down = bool(report.get("locked_down"))
            status.save()
            return None
        if kind not in KINDS:
            raise ReportRefused(f"unknown kind {kind!r}")
        try:
            with transaction.atomic():
                row = DoorReport.objects.create(
                    door=door,
                    key=key[:100],
                    kind=kind,
                    state=str(report.get("state") or "")[:20],
                    command=str(report.get("command") or "")[:20],
                    result=str(report.get("result") or "")[:20],
                    command_key=str(report.get("command_key") or "")[:100],
                    at=at,
                    received_at=received_at,
                )
        except IntegrityError:
            status.save()
            return None  # the same report again: taken once
        _status_apply(door, status, row, report)
        status.save()
    return row


def _status_apply(door, status, row, report):
    if row.kind == DoorReport.Kind.COMMAND and row.result == "acted":
        if row.command == "unlock":
            status.last_unlock_at = row.at
            try:
                status.last_unlock_seconds = max(float(report.get("seconds") or 0), 0.0)
            except (TypeError, ValueError):
                status.last_unlock_seconds = 0.0
        elif row.command in ("lockdown", "release"):
            status.locked_down = row.command == "lockdown"
    elif row.kind == DoorReport.Kind.EXIT:
        status.last_exit_at = row.at
    elif row.kind == DoorReport.Kind.TAMPER and row.state == "on":
        alert_raise(kind=Alert.Kind.TAMPER, door=door, message=texts.fill(texts.DOOR_TAMPER, door=door.name))
    elif row.kind == DoorReport.Kind.CONTACT:
        if row.state == "open" and status.contact != "open":
            status.contact, status.opened_at = "open", row.at
            if _allowed(door, status, row.at):
                status.alarm = DoorStatus.Alarm.NONE
            else:
                status.alarm = DoorStatus.Alarm.FORCED
                alert_raise(
                    kind=Alert.Kind.FORCED_OPEN, door=door, message=texts.fill(texts.DOOR_FORCED, door=door.name)
                )
        elif row.state == "closed":
            status.contact, status.opened_at, status.alarm = "closed", None, DoorStatus.Alarm.NONE


def _allowed(door, status, opened_at):
    """An unlock acted on, an exit press, or an operator's unlock covers this opening."""
    if status.last_unlock_at is not None:
        pulse_end = status.last_unlock_at + timedelta(seconds=status.last_unlock_seconds) + GRACE
        if status.last_unlock_at - GRACE <= opened_at <= pulse_end:
            return True
    exit_at = status.last_exit_at
    if exit_at is not None and exit_at - GRACE <= opened_at <= exit_at + EXIT_WINDOW:
        return True
    return door.state == Door.State.UNLOCKED  # an operator or the door's schedule holds it open


def door_alarms_check(*, now=None):
    """Doors open longer than their held_open_seconds become held open (one alert each time)."""
    now = now or timezone.now()
    raised = []
    open_doors = DoorStatus.objects.select_related("door").filter(contact="open", opened_at__isnull=False)
    for status in open_doors.exclude(alarm__in=[DoorStatus.Alarm.HELD, DoorStatus.Alarm.FORCED]):
        door = status.door
        if door.state == Door.State.UNLOCKED:
            continue  # held open on purpose
        if (now - status.opened_at).total_seconds() <= door.held_open_seconds:
            continue
        with transaction.atomic():
            if DoorStatus.objects.filter(pk=status.pk, contact="open", alarm=DoorStatus.Alarm.NONE).update(
                alarm=DoorStatus.Alarm.HELD
            ):
                alert_raise(
                    kind=Alert.Kind.HELD_OPEN,
                    door=door,
                    message=texts.fill(texts.DOOR_HELD, door=door.name, seconds=door.held_open_seconds),
                )
                raised.append(door)
    return raised


def agent_online(status: DoorStatus | None, *, now=None) -> bool:
    if status is None or status.agent_seen_at is None:
        return False
    now = now or timezone.now()
    return (now - status.agent_seen_at).total_seconds() <= settings.DOOR_AGENT_OFFLINE_SECONDS


LEASE = "door-reports"


def listener_lease_claim(*, holder: str, seconds: float) -> bool:
    """Take or renew the one lease on the door reports; False while another listener holds it."""
    now = timezone.now()
    if not ListenerLease.objects.filter(name=LEASE).exists():
        try:
            with transaction.atomic():
                ListenerLease.objects.create(name=LEASE)
        except IntegrityError:
            pass  # another listener made it first
    free = Q(holder=holder) | Q(expires__lt=now) | Q(expires__isnull=True)
    return bool(
        ListenerLease.objects.filter(free, name=LEASE).update(holder=holder, expires=now + timedelta(seconds=seconds))
    )


def listener_lease_release(*, holder: str) -> None:
    ListenerLease.objects.filter(name=LEASE, holder=holder).update(expires=None)
