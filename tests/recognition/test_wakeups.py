"""A request waiting for its capture answers at the worker's commit (PostgreSQL's NOTIFY), not at its next look."""

import threading
import time

import pytest
from django.core.files.base import ContentFile
from django.db import connection

from portal.core import wakeups
from portal.core.jobs import claim
from recognition import services
from recognition.jobs import CAPTURE
from recognition.models import Capture
from recognition.processing import capture_process
from recognition.services import capture_wait
from tests import photos
from tests.factories import enrolled

# the waiting request looks at the row only this often: only a wake-up ends its wait sooner
LOOK_SECONDS = 20


@pytest.fixture(autouse=True)
def slow_looks(monkeypatch):
    # an older capture's looks start at half the longest gap: that one too
    monkeypatch.setattr(services, "CAPTURE_WAIT_POLL_MAX_SECONDS", 2 * LOOK_SECONDS)


def waiting_in_another_thread(capture):
    """A request (its own thread, its own connection) waiting for the capture; returns (thread, what it got)."""
    got = {}

    def request():
        try:
            started = time.monotonic()
            got["capture"] = capture_wait(capture=Capture.objects.get(pk=capture.pk), seconds=30, poll=LOOK_SECONDS)
            got["seconds"] = time.monotonic() - started
        finally:
            connection.close()

    thread = threading.Thread(target=request)
    thread.start()
    return thread, got


def listening(name, timeout=30):
    """Until another session listens on channel `name` (its last statement, now idle), as the server sees it."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND query = %s AND state = 'idle'",
                [f'LISTEN "{name}"'],
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.01)
    return False


@pytest.mark.django_db(transaction=True)
def test_a_waiting_request_answers_when_the_worker_commits_not_at_its_next_look():
    if connection.vendor != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's: run on PostgreSQL (the test below)")
    enrolled("Barack Obama", photos.OBAMA)
    capture = Capture.objects.create()
    capture.image.save("capture.jpg", ContentFile(photos.read(photos.OBAMA_2)))
    thread, got = waiting_in_another_thread(capture)
    assert listening(wakeups.channel(Capture, capture.pk))
    assert claim(CAPTURE, capture.pk)
    capture_process(capture=Capture.objects.get(pk=capture.pk))
    thread.join(timeout=60)
    assert got["capture"].status == Capture.Status.DONE
    assert got["capture"].faces[0]["name"] == "Barack Obama"
    assert got["seconds"] < LOOK_SECONDS


@pytest.mark.django_db(transaction=True)
def test_a_capture_the_worker_cannot_read_wakes_the_waiting_request_too():
    if connection.vendor != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's: run on PostgreSQL (the test below)")
    capture = Capture.objects.create(image="captures/gone.jpg")  # no file: the worker fails it
    thread, got = waiting_in_another_thread(capture)
    assert listening(wakeups.channel(Capture, capture.pk))
    assert claim(CAPTURE, capture.pk)
    capture_process(capture=Capture.objects.get(pk=capture.pk))
    thread.join(timeout=60)
    assert got["capture"].status == Capture.Status.FAILED and got["seconds"] < LOOK_SECONDS


@pytest.mark.slow  # a pytest of its own in a fresh database: the full tier only
def test_the_wakeup_tests_pass_on_postgresql(tmp_path):
    from tests.e2e.stack import assert_passes_on_postgresql

    assert_passes_on_postgresql(__file__, tmp_path, passed=2)
