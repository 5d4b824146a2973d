"""Attendance events over the API: filters as on the attendance page, pages, roles."""

from datetime import UTC, datetime

import pytest

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
