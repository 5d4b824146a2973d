from datetime import UTC, date, datetime, time, timedelta

import pytest

from portal.attendance.models import DailySummary
from portal.attendance.services import attendance_days_close, attendance_event_record
from tests.factories import make_person

MONDAY = date(2026, 3, 2)


def utc(day, clock):
    return datetime.combine(day, time.fromisoformat(clock)).replace(tzinfo=UTC)


@pytest.fixture
def week(db):
    """Two people over one closed week (Mon 2 - Sun 8 March 2026) with lateness,
    an early departure, a missing check-out and an absence."""
    obama = make_person("Barack Obama", "1042", department="Office")
    biden = make_person("Joe Biden", "17", department="Office")
    for person in (obama, biden):
        type(person).objects.filter(pk=person.pk).update(created_at=utc(MONDAY - timedelta(days=10), "00:00"))
    plan = {
        obama: {
            0: ("09:07", "17:00"),
            1: ("08:55", "16:30"),
            2: ("09:00", None),
            3: ("09:00", "17:30"),
            4: ("09:20", "17:00"),
        },
        biden: {0: ("08:50", "17:05"), 1: ("09:00", "17:00"), 3: ("09:06", "17:00"), 4: ("09:00", "12:00")},
    }
    for person, days in plan.items():
        for offset, (arrive, leave) in days.items():
            day = MONDAY + timedelta(days=offset)
            attendance_event_record(person=person, at=utc(day, arrive), source="upload")
            if leave:
                attendance_event_record(person=person, at=utc(day, leave), source="upload")
    attendance_days_close(now=utc(MONDAY + timedelta(days=7), "00:05"), lookback_days=7)
    return obama, biden


def summaries(**filters):
    return DailySummary.objects.filter(**filters).select_related("person").order_by("person__name", "day")
