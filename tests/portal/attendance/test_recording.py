"""Recording an event: the queries it costs, the summary it keeps, the person's lock under writers at once.

Every capture that recognizes someone records an event in the worker's transaction, so its
queries are the worker's time (docs/benchmarks.md, issue 20). The counts below are pinned:
a change that adds a query back fails here, on SQLite and on PostgreSQL (the last test).
"""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from portal.accounts.roles import HR
from portal.attendance.models import ApprovedDay, AttendanceEvent, CalendarDay, DailySummary, Schedule
from portal.attendance.services import (
    SUMMARY_FIELDS,
    attendance_event_add,
    attendance_event_record,
    attendance_event_void,
    daily_summary_recompute,
)
from tests.concurrency import at_once
from tests.factories import make_person, make_user

MONDAY = date(2026, 3, 2)
# the schedules that may apply, the calendar, the person's lock, the events near `at`, the event,
# the approved days, the summary's upsert
RECORDED = 7
# the same four reads up to the events near `at`, which show it is inside the cooldown or too soon
NOT_RECORDED = 4


def utc(day, clock):
    return datetime.combine(day, time.fromisoformat(clock)).replace(tzinfo=UTC)


def recorded_in(person, at, **extra):
    """(Recorded, the SQL it ran), as a worker records it: inside the capture's transaction."""
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        recorded = attendance_event_record(person=person, at=at, source="upload", **extra)
    return recorded, [q["sql"] for q in queries.captured_queries]


def stored(person, day=MONDAY):
    return DailySummary.objects.filter(person=person, day=day).values(*SUMMARY_FIELDS).get()


@pytest.fixture
def office_person():
    """Someone whose shift comes from their department on top of the default with its holidays,
    with a calendar and an approved request: every read the shift and the summary can need."""
    person = make_person("Ada", department="Office")
    Schedule.objects.filter(is_default=True).update(holidays=["2026-12-25"])
    Schedule.objects.create(name="Office hours", department=person.department, start=time(8, 0), end=time(16, 0))
    CalendarDay.objects.create(day=date(2026, 1, 1), kind=CalendarDay.Kind.HOLIDAY)
    ApprovedDay.objects.create(person=person, day=MONDAY, request_id=1, overtime_seconds=3600)
    return person


@pytest.mark.django_db
def test_an_event_costs_seven_queries_and_no_savepoint_whatever_the_day_holds(office_person, settings):
    settings.ATTENDANCE_COOLDOWN_SECONDS = 60
    first, sql = recorded_in(office_person, utc(MONDAY, "08:02"))
    assert first.created and len(sql) == RECORDED, sql
    assert not [s for s in sql if "SAVEPOINT" in s]
    for hour in range(9, 15):  # a busy day: the count stays
        recorded, sql = recorded_in(office_person, utc(MONDAY, f"{hour:02}:00"))
        assert recorded.created and len(sql) == RECORDED, sql
    _, sql = recorded_in(office_person, utc(MONDAY, "15:00"), direction="out")
    assert len(sql) == RECORDED, sql


@pytest.mark.django_db
def test_a_sighting_inside_the_cooldown_or_too_soon_costs_four_queries_and_writes_nothing(office_person, settings):
    settings.ATTENDANCE_COOLDOWN_SECONDS = 60
    first, _ = recorded_in(office_person, utc(MONDAY, "08:02"))
    again, sql = recorded_in(office_person, utc(MONDAY, "08:02:30"))
    assert not again.created and not again.too_soon and again.event == first.event
    assert len(sql) == NOT_RECORDED and not [s for s in sql if s.startswith(("INSERT", "UPDATE"))], sql
    soon, sql = recorded_in(office_person, utc(MONDAY, "08:05"))  # the default 10 minutes
    assert soon.too_soon and soon.event == first.event
    assert len(sql) == NOT_RECORDED and not [s for s in sql if s.startswith(("INSERT", "UPDATE"))], sql


@pytest.mark.django_db
def test_the_summary_kept_while_recording_is_the_one_recomputed_from_the_database(office_person, settings):
    settings.ATTENDANCE_COOLDOWN_SECONDS = 0
    hr = make_user("hanna", role=HR)
    seen = [
        attendance_event_record(person=office_person, at=utc(MONDAY, clock), source="upload").event
        for clock in ("07:50", "12:00", "12:30", "16:20")
    ]
    attendance_event_void(event=seen[1], reason="a colleague was taken for her", user=hr)
    # two events at the same instant: which comes first decides the hours, as in the database's order
    attendance_event_add(person=office_person, at=utc(MONDAY, "13:00"), direction="out", reason="door log", user=hr)
    attendance_event_record(person=office_person, at=utc(MONDAY, "13:00"), source="upload", direction="in")
    attendance_event_record(person=office_person, at=utc(MONDAY, "17:45"), source="upload")
    kept = stored(office_person)
    daily_summary_recompute(person=office_person, day=MONDAY)
    assert kept == stored(office_person)
    assert kept["event_count"] == 6 and kept["approved_overtime_seconds"] == 3600


def seen_at(person, day, clock):
    """What worker n does: record `person` at `clock` on `day` (n filled in)."""
    return lambda n: attendance_event_record(person=person, at=utc(day, clock.format(n=n)), source="camera")


@pytest.mark.django_db(transaction=True)
def test_workers_recording_one_person_at_once_make_one_event_and_a_summary_of_every_event(settings):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serializes every writer: run on PostgreSQL (the test below)")
    person = make_person("Grace")
    settings.ATTENDANCE_COOLDOWN_SECONDS = 60
    for round_ in range(5):
        day = MONDAY + timedelta(days=7 * round_)
        # four workers see her within the cooldown: one event
        _, errors = at_once(4, seen_at(person, day, "08:00:0{n}"))
        assert not errors, errors
        assert AttendanceEvent.objects.filter(person=person, at__date=day).count() == 1
        # four workers at once, each with a sighting of its own an hour apart: four events, all in the summary
        _, errors = at_once(4, seen_at(person, day, "1{n}:00"))
        assert not errors, errors
        kept = stored(person, day)
        assert kept["event_count"] == 5
        daily_summary_recompute(person=person, day=day)
        assert kept == stored(person, day)


@pytest.mark.slow  # a pytest of its own in a fresh database: the full tier only
def test_the_recording_tests_pass_on_postgresql(tmp_path):
    from tests.e2e.stack import assert_passes_on_postgresql

    assert_passes_on_postgresql(__file__, tmp_path, passed=4)
