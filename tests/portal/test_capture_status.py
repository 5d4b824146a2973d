"""The capture status endpoint's short wait (?wait=N), used by kiosks and the benchmarks."""

import time

import pytest
from django.urls import reverse

from portal.accounts.roles import HR
from recognition import services
from recognition.models import Capture
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client):
    client.force_login(make_user("hr", role=HR))
    return client


@pytest.fixture
def queued():
    return Capture.objects.create(image="captures/frame.jpg")


def status(client, capture, **params):
    return client.get(reverse("capture-status", args=[capture.pk]), params)


def test_status_waits_until_the_worker_finishes_the_capture(signed_in, queued, monkeypatch):
    sleeps = []

    def worker_finishes_while_we_sleep(seconds):
        sleeps.append(seconds)
        Capture.objects.filter(pk=queued.pk).update(status=Capture.Status.DONE, result={"faces": [{"name": "Ann"}]})

    monkeypatch.setattr(services.time, "sleep", worker_finishes_while_we_sleep)
    body = status(signed_in, queued, wait="5").json()
    assert body["status"] == "done" and body["faces"] == [{"name": "Ann"}]
    assert sleeps == [services.CAPTURE_WAIT_POLL_SECONDS]


def test_status_wait_gives_up_after_the_limit_with_the_capture_still_queued(signed_in, queued):
    start = time.monotonic()
    body = status(signed_in, queued, wait="0.2").json()
    assert body["status"] == "queued"
    assert 0.2 <= time.monotonic() - start < 2


def test_status_without_wait_answers_at_once(signed_in, queued, monkeypatch):
    monkeypatch.setattr(services.time, "sleep", lambda seconds: pytest.fail("must not wait"))
    assert status(signed_in, queued).json()["status"] == "queued"


@pytest.mark.parametrize("wait", ["soon", "-1", "11", "nan", "inf"])
def test_bad_wait_is_refused_with_a_clear_400(signed_in, queued, wait):
    response = status(signed_in, queued, wait=wait)
    assert response.status_code == 400
    assert "wait must be a number of seconds from 0 to 10" in response.json()["error"]
