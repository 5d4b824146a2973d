"""The person's day page, corrections over HTTP, schedules."""

from datetime import UTC, date, datetime

import pytest
from django.urls import reverse

from portal.accounts.roles import HR
from portal.attendance.models import AttendanceEvent, DailySummary, EventCorrection, Schedule
from portal.attendance.services import attendance_event_record
from tests.factories import make_person, make_user

pytestmark = pytest.mark.django_db
MONDAY = date(2026, 3, 2)


@pytest.fixture
def hr(client):
    client.force_login(make_user("hanna", role=HR))
    return client


@pytest.fixture
def person():
    person = make_person("Barack Obama", "1042")
    attendance_event_record(person=person, at=datetime(2026, 3, 2, 9, 7, tzinfo=UTC), source="upload")
    return person


def day_url(person, day=MONDAY):
    return reverse("attendance-day", args=[person.pk, day.isoformat()])


def test_day_page_shows_summary_events_and_forms(hr, person):
    page = hr.get(day_url(person)).content.decode()
    assert "Barack Obama" in page and "7 min" in page and "missing check-out" in page
    assert reverse("attendance-event-void", args=[AttendanceEvent.objects.get().pk]) in page
    assert "No corrections." in page


def test_hr_adds_a_missed_check_out_and_the_trail_shows_it_on_the_day(hr, person):
    response = hr.post(
        reverse("attendance-event-add", args=[person.pk, "2026-03-02"]),
        {"at": "2026-03-02T17:00", "direction": "out", "reason": "camera offline"},
    )
    assert response.status_code == 302 and response["Location"] == day_url(person)
    summary = DailySummary.objects.get(person=person, day=MONDAY)
    assert not summary.missing_checkout and summary.worked_seconds == (8 * 60 - 7) * 60
    page = hr.get(day_url(person)).content.decode()
    assert "camera offline" in page and "hanna" in page and "out at 2026-03-02 17:00:00" in page


def test_hr_changes_and_voids_with_reasons_and_before_after_stay_visible(hr, person):
    event = AttendanceEvent.objects.get()
    hr.post(
        reverse("attendance-event-change", args=[event.pk]),
        {"at": "2026-03-02T08:59", "direction": "in", "reason": "clock skew"},
    )
    assert DailySummary.objects.get(person=person, day=MONDAY).late_minutes == 0
    hr.post(reverse("attendance-event-void", args=[event.pk]), {"reason": "not him"})
    assert DailySummary.objects.get(person=person, day=MONDAY).event_count == 0
    page = hr.get(day_url(person)).content.decode()
    assert "in at 2026-03-02 09:07:00" in page and "in at 2026-03-02 08:59:00" in page
    assert "(voided)" in page and "clock skew" in page and "not him" in page
    assert EventCorrection.objects.count() == 2 and AttendanceEvent.objects.count() == 1


def test_a_correction_without_a_reason_is_refused_with_a_message(hr, person):
    event = AttendanceEvent.objects.get()
    response = hr.post(reverse("attendance-event-void", args=[event.pk]), {"reason": ""})
    assert response.status_code == 400 and "required" in response.content.decode()
    response = hr.post(
        reverse("attendance-event-add", args=[person.pk, "2026-03-02"]),
        {"at": "2026-03-02T17:00", "direction": "sideways", "reason": "x"},
    )
    assert response.status_code == 400
    assert not AttendanceEvent.objects.get().voided and AttendanceEvent.objects.count() == 1


def test_a_day_that_is_not_a_date_is_not_found(hr, person):
    assert hr.get(reverse("attendance-day", args=[person.pk, "2026-02-30"])).status_code == 404


def test_hr_creates_a_department_override_and_edits_the_default(hr):
    person = make_person("Night Nurse", department="Ward")
    response = hr.post(
        reverse("attendance-schedule-new"),
        {
            "name": "Nights",
            "department": person.department.pk,
            "working_days": ["1", "2", "3"],
            "start": "22:00",
            "end": "06:00",
            "grace_minutes": "10",
            "holidays": "2026-12-24\n2026-12-25",
            "punch_mode": "time_of_day",
            "punch_cutoff": "02:00",
            "min_interval_minutes": "10",
        },
    )
    assert response.status_code == 302
    nights = Schedule.objects.get(name="Nights")
    assert nights.working_days == [1, 2, 3] and nights.holidays == ["2026-12-24", "2026-12-25"]
    assert nights.punch_mode == "time_of_day" and f"{nights.punch_cutoff:%H:%M}" == "02:00"
    default = Schedule.objects.get(is_default=True)
    response = hr.post(
        reverse("attendance-schedule-edit", args=[default.pk]),
        {
            "name": default.name,
            "working_days": ["1", "2", "3", "4", "5"],
            "start": "08:30",
            "end": "17:00",
            "grace_minutes": "5",
            "punch_mode": "alternate",
            "punch_cutoff": "12:00",
            "min_interval_minutes": "10",
        },
    )
    assert response.status_code == 302
    default.refresh_from_db()
    assert default.is_default and f"{default.start:%H:%M}" == "08:30"
    page = hr.get(reverse("attendance-schedules")).content.decode()
    assert "department: Ward" in page and "organization default" in page


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"holidays": "christmas"}, "is not a date"),
        ({"department": None}, "either a department or a person"),
    ],
)
def test_a_bad_schedule_is_explained(hr, fields, message):
    dept = make_person("A", department="Ward").department
    data = {
        "name": "X",
        "department": dept.pk,
        "working_days": ["1"],
        "start": "09:00",
        "end": "17:00",
        "grace_minutes": "5",
        "holidays": "",
    }
    data.update({k: v for k, v in fields.items() if v is not None})
    for key in [k for k, v in fields.items() if v is None]:
        data.pop(key)
    response = hr.post(reverse("attendance-schedule-new"), data)
    assert response.status_code == 400 and message in response.content.decode()
    assert not Schedule.objects.filter(name="X").exists()


def test_events_page_and_csv_mark_voided_events(hr, person):
    event = AttendanceEvent.objects.get()
    hr.post(reverse("attendance-event-void", args=[event.pk]), {"reason": "not him"})
    assert "(voided)" in hr.get(reverse("attendance")).content.decode()
    text = b"".join(hr.get(reverse("attendance-csv")).streaming_content).decode("utf-8-sig")
    assert text.splitlines()[1].endswith(",yes")


def test_a_running_day_is_shown_as_of_now(hr):
    from django.utils import timezone

    person = make_person("Early Bird")
    attendance_event_record(person=person, at=timezone.now(), source="upload")
    page = hr.get(day_url(person, timezone.localdate())).content.decode()
    assert "in now" in page and "(day not over)" in page


def test_changing_only_the_direction_keeps_the_time_to_the_second(hr, settings):
    """Issue 25, 19: the form shows minutes; sending the shown minute back must not drop the seconds."""
    settings.TIME_ZONE = "UTC"
    ana = make_person("Ana Staff", "e1")
    event = attendance_event_record(
        person=ana, at=datetime(2026, 3, 2, 9, 12, 37, tzinfo=UTC), source="upload", direction="in"
    ).event
    response = hr.post(
        reverse("attendance-event-change", args=[event.pk]),
        {"at": "2026-03-02T09:12", "direction": "out", "reason": "pressed the wrong button"},
    )
    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.at, event.direction) == (datetime(2026, 3, 2, 9, 12, 37, tzinfo=UTC), "out")
    correction = EventCorrection.objects.get()
    assert correction.before["at"] == correction.after["at"]
    page = hr.get(day_url(ana)).content.decode()
    assert f"event {event.pk}" not in page


def test_a_missed_event_defaults_to_the_departments_start(hr, settings):
    settings.TIME_ZONE = "UTC"
    ana = make_person("Ana Staff", "e1", department="Sales")
    Schedule.objects.create(name="Sales hours", department=ana.department, start="09:30", end="18:00")
    page = hr.get(day_url(ana)).content.decode()
    assert 'value="2026-03-02 09:30"' in page or 'value="2026-03-02T09:30"' in page, page[page.find("id_at") - 300 :][
        :600
    ]


def test_the_events_list_pages_without_counting_every_event(hr, person):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for hour in range(10, 22):
        for minute in range(0, 60, 12):
            attendance_event_record(person=person, at=datetime(2026, 3, 2, hour, minute, tzinfo=UTC), source="upload")
    total = AttendanceEvent.objects.count()
    assert total > 50
    with CaptureQueriesContext(connection) as queries:
        first = hr.get(reverse("attendance")).content.decode()
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    # ten million rows one day (the header's bell counts only the user's own unread notifications)
    assert not [sql for sql in counts if "attendanceevent" in sql.lower()], counts
    assert "Page 1" in first and "page=2" in first and "of" not in first.split("Page 1")[1][:10]
    last = hr.get(reverse("attendance"), {"page": 2}).content.decode()
    assert "Page 2" in last and "page=3" not in last and "page=1" in last
    assert hr.get(reverse("attendance"), {"page": "x"}).status_code == 200
