"""A database or broker outage: 503 with Retry-After in each client's format; a saved row is never a 500."""

import time
import uuid
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerDown

from portal.accounts.roles import HR
from portal.core.waits import wait_slot
from portal.recovery.outage import server_error
from portal.recovery.services import work_reconcile
from recognition import tasks
from recognition.models import Capture
from recognition.services import capture_submit
from tests import photos
from tests.factories import enrolled, make_user
from tests.portal.api.conftest import error_of, token_client
from tests.portal.kiosks.kiosk_helpers import auth, kiosk_frame, paired_kiosk, post_attempt

pytestmark = pytest.mark.django_db


def database_down(*args, **kwargs):
    raise OperationalError("connection to server at 127.0.0.1, port 5432 failed: Connection refused")


def broker_down(*args, **kwargs):
    raise BrokerDown("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


def broker_reconnecting(*args, **kwargs):
    # what kombu's Redis transport raised once while Redis restarted under 50 kiosks (the fault suite)
    raise AttributeError("'NoneType' object has no attribute 'client'")


def test_the_api_answers_503_with_retry_after_in_its_error_format_when_the_database_is_down(monkeypatch):
    api = token_client(HR)
    monkeypatch.setattr("portal.api.captures.capture_submit", database_down)
    image = photos.read(photos.OBAMA_2)
    response = api.post("/api/v1/recognize/", {"image": SimpleUploadedFile("a.jpg", image)})
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert error_of(response)["code"] == "unavailable"


def test_the_kiosk_api_answers_503_in_the_kiosks_format_when_the_database_is_down(client, monkeypatch):
    monkeypatch.setattr("portal.kiosks.views.kiosk_authenticate", database_down)
    response = client.get(reverse("kiosk-api-config"), **auth("any-token"))
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert response.json()["error"] == "unavailable"


def test_a_page_answers_a_human_503_when_the_database_is_down(client, monkeypatch):
    client.force_login(make_user("hilda", role=HR))
    monkeypatch.setattr("portal.web.views.render", database_down)
    response = client.get(reverse("recognize"))
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert "Briefly unavailable" in response.content.decode()


def test_an_outage_raised_outside_a_view_is_a_503_too_and_any_other_error_a_500():
    request = RequestFactory().get("/people/")
    try:
        database_down()
    except OperationalError:
        assert server_error(request).status_code == 503
    try:
        raise RuntimeError("bug")
    except RuntimeError:
        assert server_error(request).status_code == 500


@pytest.mark.parametrize("failure", [broker_down, broker_reconnecting])
def test_a_kiosk_attempt_saved_while_the_broker_is_down_answers_202_and_is_finished_later(
    client, monkeypatch, django_capture_on_commit_callbacks, settings, failure
):
    settings.KIOSK_RESULT_WAIT_SECONDS = 0
    enrolled("Barack Obama", photos.OBAMA_2, employee_id="1042")
    kiosk, token = paired_kiosk()
    frames = [kiosk_frame(photos.OBAMA)]
    client_id = uuid.uuid4().hex
    monkeypatch.setattr(tasks.process_capture, "apply_async", failure)
    with django_capture_on_commit_callbacks(execute=True):
        first = post_attempt(client, token, frames, client_id=client_id)
    assert first.status_code == 202
    capture = Capture.objects.get()
    assert capture.status == Capture.Status.QUEUED

    monkeypatch.undo()  # the broker is back; the reconciler's next pass sends the row
    Capture.objects.filter(pk=capture.pk).update(created_at=timezone.now() - timedelta(minutes=2))
    work_reconcile(grace=30)
    again = post_attempt(client, token, frames, client_id=client_id)  # the kiosk's retry, same attempt id
    assert again.status_code == 200 and again.json()["outcome"] == "checked_in"
    assert capture.events.count() == 1


def test_an_api_post_saved_while_the_broker_is_down_answers_202_not_500(
    monkeypatch, django_capture_on_commit_callbacks
):
    api = token_client(HR)
    monkeypatch.setattr(tasks.process_capture, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/recognize/", {"image": SimpleUploadedFile("a.jpg", photos.read(photos.OBAMA_2))})
    assert response.status_code == 202 and Capture.objects.get().status == Capture.Status.QUEUED


def test_a_client_past_its_cap_of_waits_is_answered_at_once(settings):
    settings.WAIT_PER_CLIENT_MAX = 1
    request = RequestFactory().get("/")
    request.user = make_user("hilda", role=HR)
    with wait_slot(request, 10) as first, wait_slot(request, 10) as second:
        assert first == 10 and second == 0
    with wait_slot(request, 10) as after:
        assert after == 10  # the slots were given back


def test_an_api_wait_on_a_stuck_capture_past_the_cap_does_not_hold_the_request(settings):
    settings.WAIT_PER_CLIENT_MAX = 0
    api = token_client(HR)
    capture = capture_submit(data=photos.read(photos.OBAMA_2), source=Capture.Source.API)
    start = time.monotonic()
    response = api.get(f"/api/v1/captures/{capture.pk}/?wait=10")
    assert response.status_code == 202 and time.monotonic() - start < 2


def test_waits_past_the_process_cap_answer_at_once_so_other_requests_find_a_thread(settings):
    settings.WAIT_THREADS_MAX = 2
    requests = []
    for name in ("ann", "bob", "cid"):
        request = RequestFactory().get("/")
        request.user = make_user(name, role=HR)
        requests.append(request)
    with wait_slot(requests[0], 5) as first, wait_slot(requests[1], 5) as second, wait_slot(requests[2], 5) as third:
        assert (first, second, third) == (5, 5, 0)
    with wait_slot(requests[2], 5) as later:
        assert later == 5
