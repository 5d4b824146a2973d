"""The access API: the log with filters, doors and operator commands, the question, on site, visitors."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from portal.access.models import Door, DoorCommand, OperatorAction, Visitor
from portal.access.services import access_attempt_decide
from portal.accounts.roles import RECEPTION, SECURITY
from tests import photos
from tests.factories import make_person
from tests.portal.access.helpers import door_with_kiosk, grant
from tests.portal.api.conftest import error_of, token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def security_api(db):
    return token_client(SECURITY)


@pytest.fixture
def ana():
    return make_person("Ana", employee_id="ana")


def test_the_access_log_lists_attempts_with_reasons_and_filters_by_result(security_api, ana):
    door, kiosk, _ = door_with_kiosk("Lab 2")
    grant(ana, doors=[door], windows=[(d, time(8), time(18)) for d in range(1, 6)])
    access_attempt_decide(door=door, side="entry", at=datetime(2026, 3, 2, 10, tzinfo=UTC), person=ana, kiosk=kiosk)
    access_attempt_decide(door=door, side="entry", at=datetime(2026, 3, 7, 22, tzinfo=UTC), person=ana, kiosk=kiosk)
    body = security_api.get(reverse("api:access-event-list"), {"result": "denied"}).json()
    [denied] = body["results"]
    assert (denied["door"], denied["person"]["name"], denied["reason"], denied["message"]) == (
        "Lab 2",
        "Ana",
        "outside_hours",
        "Outside your hours",
    )
    assert denied["explanation"]
    dated = security_api.get(reverse("api:access-event-list"), {"date_from": "2026-03-02", "date_to": "2026-03-02"})
    assert [e["result"] for e in dated.json()["results"]] == ["granted"]


def test_the_question_endpoint_answers_with_the_verdict_and_why(security_api, ana):
    door, _, _ = door_with_kiosk("Lab 2")
    grant(ana, doors=[door], windows=[(6, time(20), time(23))], group="Weekend lab")
    answer = security_api.get(
        reverse("api:access-explain"), {"person": ana.pk, "door": door.pk, "at": "2026-03-07T22:00"}
    ).json()
    assert answer["granted"] is True and "Weekend lab" in answer["why"][0]
    refused = security_api.get(
        reverse("api:access-explain"), {"person": ana.pk, "door": door.pk, "at": "2026-03-07T23:30"}
    ).json()
    assert (refused["granted"], refused["message"]) == (False, "Outside your hours")


def test_an_integration_unlocks_a_door_and_locks_down_a_zone_audited(security_api, settings):
    settings.DOOR_MQTT_HOST = "127.0.0.1"
    door, _, _ = door_with_kiosk("Lab 2")
    unlocked = security_api.post(reverse("api:door-unlock", args=[door.pk]), {"minutes": 5}, format="json")
    assert unlocked.status_code == 200 and unlocked.json()["state"] == "unlocked"
    assert DoorCommand.objects.get().seconds == 300
    locked = security_api.post(reverse("api:zone-lockdown", args=[door.zone.pk]), {"reason": "fire"}, format="json")
    assert [d["state"] for d in locked.json()] == ["locked_down"]
    refused = security_api.post(reverse("api:door-unlock", args=[door.pk]), {"minutes": 5}, format="json")
    assert refused.status_code == 409 and error_of(refused)["code"] == "locked_down"
    security_api.post(reverse("api:zone-release", args=[door.zone.pk]))
    assert Door.objects.get().state == "normal"
    assert OperatorAction.objects.count() == 3
    alerts = security_api.get(reverse("api:access-alert-list")).json()["results"]
    assert alerts[0]["kind"] == "lockdown"


def test_on_site_lists_the_people_inside_each_zone(security_api, ana):
    door, kiosk, _ = door_with_kiosk("Lab 2")
    grant(ana, doors=[door], any_time=True, closed_on_holidays=False)
    access_attempt_decide(door=door, side="entry", at=timezone.now() - timedelta(minutes=3), person=ana, kiosk=kiosk)
    [zone] = security_api.get(reverse("api:access-on-site")).json()
    assert zone["zone"] == "Research" and [p["name"] for p in zone["people"]] == ["Ana"]


def test_reception_registers_a_visitor_through_the_api_but_may_not_read_the_access_log(run_workers):
    reception = token_client(RECEPTION)
    door, _, _ = door_with_kiosk("Lobby", visitor_door=True)
    host = make_person("Host", employee_id="host")
    start = timezone.now()
    with run_workers():
        created = reception.post(
            reverse("api:visitor-list"),
            {
                "name": "Guest",
                "host": host.pk,
                "doors": [door.pk],
                "valid_from": start.isoformat(),
                "valid_until": (start + timedelta(hours=3)).isoformat(),
                "photo": SimpleUploadedFile("g.jpg", photos.read(photos.OBAMA_2), "image/jpeg"),
            },
            format="multipart",
        )
    assert created.status_code == 201, created.content
    assert Visitor.objects.get().person.photos.get().status == "accepted"
    assert reception.get(reverse("api:access-event-list")).status_code == 403
