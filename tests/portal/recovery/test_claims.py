"""The one claim rule: a redelivery after a dead process is processed, a duplicate while a live one works is not."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from celery.exceptions import Retry
from django.db import OperationalError
from django.utils import timezone

from portal.core.jobs import claim, claim_token, retry_countdown
from recognition import tasks
from recognition.models import Capture
from recognition.services import capture_submit
from tests import photos
from tests.factories import enrolled

pytestmark = pytest.mark.django_db


def delivery(task_id, hostname="worker@box"):
    return SimpleNamespace(id=task_id, hostname=hostname)


def left_processing_by(token, seconds_ago=5):
    capture = capture_submit(data=photos.read(photos.OBAMA_2))
    Capture.objects.filter(pk=capture.pk).update(
        status=Capture.Status.PROCESSING, claimed_by=token, claimed_at=timezone.now() - timedelta(seconds=seconds_ago)
    )
    return capture


def test_the_claim_records_the_delivery_and_the_process():
    capture = capture_submit(data=photos.read(photos.OBAMA_2))
    token = claim_token(delivery("task-1"))
    assert claim(tasks.CAPTURE, capture.pk, token=token)
    capture.refresh_from_db()
    assert capture.status == Capture.Status.PROCESSING and capture.claimed_by == token
    assert token.startswith("task-1 worker@box:")


def test_the_same_message_redelivered_after_its_pool_process_died_is_claimed_again_at_once():
    dead = left_processing_by("task-1 worker@box:4242")
    assert claim(tasks.CAPTURE, dead.pk, token=claim_token(delivery("task-1")))


def test_another_message_for_a_row_a_live_process_holds_is_refused():
    busy = left_processing_by("task-1 worker@box:4242")
    assert not claim(tasks.CAPTURE, busy.pk, token=claim_token(delivery("task-2")))
    assert not claim(tasks.CAPTURE, busy.pk, token="")


def test_a_redelivered_task_after_a_pool_process_death_finishes_the_capture():
    enrolled("Barack Obama", photos.OBAMA)
    dead = left_processing_by("task-7 worker@box:4242")
    tasks.process_capture.apply(args=[dead.pk], task_id="task-7", throw=True)
    dead.refresh_from_db()
    assert dead.status == Capture.Status.DONE and dead.faces[0]["name"] == "Barack Obama"
    assert dead.events.count() == 1


def test_a_transient_database_error_retries_in_seconds_not_minutes(monkeypatch):
    capture = capture_submit(data=photos.read(photos.OBAMA_2))

    def database_went_away(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("recognition.processing.capture_process", database_went_away)
    with pytest.raises(Retry) as retry:
        tasks.process_capture.apply(args=[capture.pk], throw=True)
    assert retry.value.when == 1
    assert [retry_countdown(n) for n in range(7)] == [1, 2, 4, 8, 16, 30, 30]
    capture.refresh_from_db()
    assert capture.status == Capture.Status.QUEUED and capture.sent_at is not None
