"""Readable actors for the access tests: a zone, a door, a kiosk reading for it, a level."""

from datetime import time

from portal.access.models import AccessGroup, AccessLevel, Door, TimeWindow, Zone
from tests.portal.kiosks.kiosk_helpers import paired_kiosk


def door_with_kiosk(name="Lab 2", *, zone="Research", side="entry", kiosk_name=None, **door_fields):
    """liveness is off unless asked: the frames of most tests are one still photo (the product's default is on)."""
    door_fields.setdefault("liveness", Door.Liveness.OFF)
    zone, _ = Zone.objects.get_or_create(name=zone)
    door = Door.objects.create(name=name, zone=zone, **door_fields)
    kiosk, token = paired_kiosk(kiosk_name or f"{name} {side}", direction="in" if side == "entry" else "out")
    kiosk.door, kiosk.door_side = door, side
    kiosk.save()
    return door, kiosk, token


def grant(person, *, doors=(), zones=(), windows=(), any_time=False, group="Staff", **level_fields):
    """Give `person` a level (through a group) on doors or zones."""
    level = AccessLevel.objects.create(
        name=f"{group} level {AccessLevel.objects.count() + 1}", any_time=any_time, **level_fields
    )
    level.doors.set(doors)
    level.zones.set(zones)
    for weekday, start, end in windows:
        TimeWindow.objects.create(level=level, weekday=weekday, start=start, end=end)
    group, _ = AccessGroup.objects.get_or_create(name=group)
    if person is not None:
        group.people.add(person)
    group.levels.add(level)
    return level


ALWAYS = [(d, time(0), time(0)) for d in range(1, 8)]  # overnight windows covering every hour
