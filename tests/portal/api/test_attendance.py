"""Attendance events over the API: filters as on the attendance page, pages, roles."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.attendance.models import AttendanceEvent
from portal.attendance.services import attendance_event_record
from tests.factories import make_person

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/attendance/events/"


@pytest.fixture
def events(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    obama = make_person("Barack Obama", employee_id="1042", department="Oval")
    biden = make_person("Joe Biden", employee_id="17")
    # 23:30 UTC on 1 March is 00:30 on 2 March in Berlin: the local day counts
    attendance_event_record(person=obama, at=datetime(2026, 3, 1, 8, 0, tzinfo=UTC), source="upload", distance=0.31)
    attendance_event_record(person=obama, at=datetime(2026, 3, 1, 23, 30, tzinfo=UTC), source="api", distance=0.3)
    attendance_event_record(person=biden, at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC), source="manual")
    return obama, biden


def test_events_are_listed_newest_first_with_the_person(hr_api, events):
    body = hr_api.get(EVENTS).json()
    assert body["count"] == 3
    first = body["results"][0]
    assert first["person"] == {"id": events[1].pk, "name": "Joe Biden", "employee_id": "17"}
    assert first["source"] == "manual" and first["distance"] is None and first["direction"] == "in"


def test_dates_are_the_organizations_local_days(hr_api, events):
    day = hr_api.get(EVENTS, {"date_from": "2026-03-02", "date_to": "2026-03-02"}).json()["results"]
    assert sorted(e["person"]["name"] for e in day) == ["Barack Obama", "Joe Biden"]
    first_day = hr_api.get(EVENTS, {"date_to": "2026-03-01"}).json()["results"]
    assert [e["source"] for e in first_day] == ["upload"]


def test_filters_by_person_employee_id_department_source_and_direction(hr_api, events):
    obama, biden = events
    assert hr_api.get(EVENTS, {"person": obama.pk}).json()["count"] == 2
    assert hr_api.get(EVENTS, {"employee_id": "17"}).json()["count"] == 1
    assert hr_api.get(EVENTS, {"department": "oval"}).json()["count"] == 2
    assert hr_api.get(EVENTS, {"source": "api"}).json()["count"] == 1
    assert hr_api.get(EVENTS, {"direction": "in"}).json()["count"] == 3  # each person's first event that day


@pytest.mark.parametrize("query", [{"date_from": "yesterday"}, {"person": "abc"}, {"source": "telepathy"}])
def test_a_bad_filter_is_a_400(hr_api, events, query):
    response = hr_api.get(EVENTS, query)
    assert response.status_code == 400 and set(response.json()["error"]["fields"]) == set(query)


def test_one_event_and_the_roles(hr_api, viewer_api, anonymous_api, events):
    listed = hr_api.get(EVENTS).json()["results"]
    assert hr_api.get(f"{EVENTS}{listed[0]['id']}/").json() == listed[0]
    assert viewer_api.get(EVENTS).status_code == 403
    assert anonymous_api.get(EVENTS).status_code == 401


# --- corrections -------------------------------------------------------------------


def test_hr_adds_a_missed_event_with_a_reason_and_the_trail_names_the_token(hr_api, events):
    obama, _ = events
    response = hr_api.post(
        EVENTS,
        {"person": obama.pk, "at": "2026-03-03T09:10:00Z", "direction": "in", "reason": "Camera was down"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["source"] == "manual" and body["person"]["id"] == obama.pk and body["voided"] is False
    [trail] = body["corrections"]
    assert trail["action"] == "add" and trail["reason"] == "Camera was down" and trail["before"] is None
    assert trail["username"] == "token:hr integration"
    day = hr_api.get("/api/v1/attendance/summaries/", {"date_from": "2026-03-03", "date_to": "2026-03-03"}).json()
    assert [(row["person"]["id"], row["event_count"]) for row in day["results"]] == [(obama.pk, 1)]


def test_a_tokens_correction_writes_its_trail_once_with_the_tokens_name(hr_api, events):
    """The trail names the token as it is inserted, in the correction's transaction: never rewritten after."""
    obama, _ = events
    with CaptureQueriesContext(connection) as done:
        response = hr_api.post(
            EVENTS,
            {"person": obama.pk, "at": "2026-03-03T09:10:00Z", "direction": "in", "reason": "Camera was down"},
            format="json",
        )
    assert response.status_code == 201, response.json()
    trail = [q["sql"] for q in done.captured_queries if '"attendance_eventcorrection"' in q["sql"]]
    assert [q.split()[0] for q in trail if not q.startswith("SELECT")] == ["INSERT"]
    assert "token:hr integration" in next(q for q in trail if q.startswith("INSERT"))


def test_correct_then_void_keeps_every_step_in_the_trail(hr_api, events):
    event = AttendanceEvent.objects.get(source="upload")
    url = f"{EVENTS}{event.pk}/"
    changed = hr_api.post(url + "correct/", {"at": "2026-03-01T07:45:00Z", "direction": "in", "reason": "Clock"})
    assert changed.status_code == 200, changed.json()
    assert changed.json()["at"].startswith("2026-03-01T08:45:00")  # shown in Berlin time
    voided = hr_api.post(url + "void/", {"reason": "Duplicate of a badge swipe"}).json()
    assert voided["voided"] is True
    assert [(c["action"], c["before"]["at"][11:16]) for c in voided["corrections"]] == [
        ("change", "08:00"),
        ("void", "07:45"),
    ]
    assert hr_api.get(EVENTS, {"voided": "true"}).json()["count"] == 1


@pytest.mark.parametrize(
    "path, body, field",
    [
        ("void/", {"reason": "  "}, "reason"),
        ("void/", {}, "reason"),
        ("correct/", {"at": "soon", "direction": "in", "reason": "x"}, "at"),
        ("correct/", {"at": "2026-03-01T08:00:00Z", "direction": "sideways", "reason": "x"}, "direction"),
    ],
)
def test_a_correction_without_a_reason_or_with_bad_values_is_a_400(hr_api, events, path, body, field):
    event = AttendanceEvent.objects.get(source="upload")
    response = hr_api.post(f"{EVENTS}{event.pk}/{path}", body, format="json")
    assert response.status_code == 400 and field in response.json()["error"]["fields"]
    assert not event.corrections.exists()


def test_what_the_service_refuses_is_a_400_with_its_message(hr_api, events):
    event = AttendanceEvent.objects.get(source="upload")
    hr_api.post(f"{EVENTS}{event.pk}/void/", {"reason": "wrong"})
    again = hr_api.post(f"{EVENTS}{event.pk}/void/", {"reason": "wrong again"})
    assert again.status_code == 400
    assert again.json()["error"] == {
        "code": "correction_refused",
        "message": "This event is already voided.",
        "fields": {},
    }
    future = hr_api.post(
        EVENTS, {"person": events[0].pk, "at": "2999-01-01T00:00:00Z", "direction": "in", "reason": "x"}
    )
    assert future.status_code == 400 and "future" in future.json()["error"]["message"]


def test_a_viewer_cannot_correct_attendance(viewer_api, events):
    event = AttendanceEvent.objects.get(source="upload")
    assert viewer_api.post(f"{EVENTS}{event.pk}/void/", {"reason": "x"}).status_code == 403
    assert not AttendanceEvent.objects.filter(voided=True).exists()
