"""Reading access facts out of the database for portal.access.rules."""

from datetime import date
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

from portal.access import rules
from portal.access.models import AccessEvent, AccessGroup, AccessLevel, PassbackReset
from portal.attendance.models import Schedule


def zone_tz(zone):
    return ZoneInfo(zone.time_zone) if zone.time_zone else timezone.get_default_timezone()


def door_facts(door):
    return rules.DoorFacts(
        id=door.pk, name=door.name, zone_id=door.zone_id, locked_down=door.state == door.State.LOCKED_DOWN
    )


def level_facts(level):
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


def person_grants(person):
    """Every (group, level) a person holds, directly or through their department."""
    groups = AccessGroup.objects.filter(
        Q(people=person) | (Q(departments=person.department_id) if person.department_id else Q(pk__in=[]))
    ).distinct()
    levels = AccessLevel.objects.filter(groups__in=groups).prefetch_related("doors", "zones", "windows").distinct()
    by_level = {level.pk: level_facts(level) for level in levels}
    return [
        rules.Grant(group=group.name, level=by_level[level_id])
        for group in groups.order_by("name")
        for level_id in group.levels.values_list("pk", flat=True)
    ]


def organization_holidays():
    """The holidays of the organization's default schedule (the attendance holiday calendar)."""
    default = Schedule.objects.filter(is_default=True).only("holidays").first()
    return frozenset(date.fromisoformat(d) for d in (default.holidays if default else []))


def last_passage_side(*, zone, person, before):
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


def access_explain(*, person, door, at):
    """The verdict, with its reasons, for `person` at `door` at instant `at` (for the question page)."""
    local = at.astimezone(zone_tz(door.zone))
    return rules.access_decide(
        door=door_facts(door),
        grants=person_grants(person),
        local=local,
        holidays=organization_holidays(),
        active=person.active,
    )
