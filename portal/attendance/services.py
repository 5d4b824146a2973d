"""Writing attendance events."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from portal.attendance.models import AttendanceEvent


@dataclass(frozen=True)
class Recorded:
    event: AttendanceEvent
    created: bool  # False: inside the cooldown, `event` is the earlier one


def local_day_bounds(at):
    """Start and end (aware, UTC-comparable) of the organization's calendar day holding `at`."""
    local = timezone.localtime(at)
    start = timezone.make_aware(datetime.combine(local.date(), time.min), local.tzinfo)
    return start, start + timedelta(days=1)


def attendance_event_record(*, person, at, source, capture=None, distance=None, direction=None):
    """Record that `person` was seen at `at`.

    A person seen again within ATTENDANCE_COOLDOWN_SECONDS gets no second
    event: the earlier one is returned with created=False. Without an explicit
    direction the day alternates: first event a check-in, next a check-out.
    """
    cooldown = timedelta(seconds=settings.ATTENDANCE_COOLDOWN_SECONDS)
    with transaction.atomic():
        # lock the person's row: two workers seeing the same person at once
        # must not both decide they are first
        type(person).objects.select_for_update().filter(pk=person.pk).first()
        recent = (
            AttendanceEvent.objects.filter(person=person, at__gt=at - cooldown, at__lte=at + cooldown)
            .order_by("-at")
            .first()
        )
        if cooldown and recent is not None:
            return Recorded(event=recent, created=False)
        if direction is None:
            start, _ = local_day_bounds(at)
            earlier = AttendanceEvent.objects.filter(person=person, at__gte=start, at__lt=at).count()
            direction = AttendanceEvent.Direction.IN if earlier % 2 == 0 else AttendanceEvent.Direction.OUT
        event = AttendanceEvent.objects.create(
            person=person, at=at, direction=direction, source=source, capture=capture, distance=distance
        )
        return Recorded(event=event, created=True)
