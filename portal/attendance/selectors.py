"""Reading attendance events."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from portal.attendance.models import AttendanceEvent


def attendance_event_list(*, date_from=None, date_to=None, person=None):
    """Events between two local calendar dates (both included), newest first."""
    events = AttendanceEvent.objects.select_related("person", "person__department")
    tz = timezone.get_current_timezone()
    if date_from:
        events = events.filter(at__gte=timezone.make_aware(datetime.combine(date_from, time.min), tz))
    if date_to:
        end = timezone.make_aware(datetime.combine(date_to + timedelta(days=1), time.min), tz)
        events = events.filter(at__lt=end)
    if person:
        events = events.filter(person=person)
    return events.order_by("-at", "-id")
