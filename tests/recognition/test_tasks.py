"""The Celery tasks: claims, redelivery, failure, run as plain functions."""

import pytest

from recognition import tasks
from recognition.models import Capture, FacePhoto
from recognition.services import capture_submit, person_photo_add
from tests import photos
from tests.factories import enrolled, make_person

pytestmark = pytest.mark.django_db


def test_encode_task_encodes_a_queued_photo():
    photo, _ = person_photo_add(person=make_person(), data=photos.read(photos.OBAMA), queue=False)
    tasks.encode_photo.run(photo.pk)
    photo.refresh_from_db()
    assert photo.status == FacePhoto.Status.ACCEPTED


def test_a_redelivered_task_does_nothing_the_second_time():
    enrolled("Barack Obama", photos.OBAMA)
    capture = capture_submit(data=photos.read(photos.OBAMA_2))
    assert capture.status == Capture.Status.QUEUED  # on_commit has not run inside the test transaction
    tasks.process_capture.run(capture.pk)
    capture.refresh_from_db()
    first_finish = capture.finished_at
    tasks.process_capture.run(capture.pk)
    capture.refresh_from_db()
    assert capture.finished_at == first_finish
    assert capture.events.count() == 1


def test_task_for_a_deleted_row_is_a_no_op():
    tasks.process_capture.run(987654)
    tasks.encode_photo.run(987654)


def test_unexpected_error_marks_the_capture_failed_instead_of_leaving_it_processing(monkeypatch):
    capture = capture_submit(data=photos.read(photos.OBAMA_2))

    def broken(**kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr("recognition.processing.capture_process", broken)
    tasks.process_capture.run(capture.pk)
    capture.refresh_from_db()
    assert capture.status == Capture.Status.FAILED
    assert "internal error" in capture.error


def test_on_commit_queues_the_task_in_process_by_default(django_capture_on_commit_callbacks):
    enrolled("Barack Obama", photos.OBAMA)
    with django_capture_on_commit_callbacks(execute=True):
        capture = capture_submit(data=photos.read(photos.OBAMA_2))
    capture.refresh_from_db()
    assert capture.status == Capture.Status.DONE
    assert capture.faces[0]["name"] == "Barack Obama"


def test_a_capture_left_processing_by_a_dead_worker_is_claimed_again_when_redelivered():
    from datetime import timedelta

    from django.utils import timezone

    enrolled("Barack Obama", photos.OBAMA)
    capture = capture_submit(data=photos.read(photos.OBAMA_2))
    long_ago = timezone.now() - timedelta(seconds=tasks.HARD_LIMIT + 60)
    Capture.objects.filter(pk=capture.pk).update(status=Capture.Status.PROCESSING, claimed_at=long_ago)
    tasks.process_capture.run(capture.pk)
    capture.refresh_from_db()
    assert capture.status == Capture.Status.DONE and capture.faces[0]["name"] == "Barack Obama"


def test_a_capture_another_worker_is_processing_now_is_left_alone():
    from django.utils import timezone

    capture = capture_submit(data=photos.read(photos.OBAMA_2))
    Capture.objects.filter(pk=capture.pk).update(status=Capture.Status.PROCESSING, claimed_at=timezone.now())
    tasks.process_capture.run(capture.pk)
    capture.refresh_from_db()
    assert capture.status == Capture.Status.PROCESSING and capture.result is None


def test_a_transient_database_error_hands_the_row_back_and_retries(monkeypatch):
    from celery.exceptions import Retry
    from django.db import OperationalError

    capture = capture_submit(data=photos.read(photos.OBAMA_2))

    def database_went_away(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("recognition.processing.capture_process", database_went_away)
    with pytest.raises(Retry):
        tasks.process_capture.apply(args=[capture.pk], throw=True)
    capture.refresh_from_db()
    assert capture.status == Capture.Status.QUEUED  # free for the retry to claim


class Killed(BaseException):
    """What SIGKILL does to a pool process: nothing after it runs, no handler sees it."""


def test_a_worker_killed_after_the_router_recorded_leaves_nothing_recorded_twice(monkeypatch, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.ATTENDANCE_COOLDOWN_SECONDS = 0  # every recognition its own event, as in the fault scenarios
    enrolled("Barack Obama", photos.OBAMA)
    capture = capture_submit(data=photos.read(photos.OBAMA_2))

    def killed_while_drawing(image, labels):
        raise Killed  # the attendance event is written; the capture is not yet done

    with monkeypatch.context() as patch:
        patch.setattr("recognition.processing.annotated_jpeg", killed_while_drawing)
        with pytest.raises(Killed):
            tasks.process_capture.run(capture.pk)
    assert capture.events.count() == 0  # what the router wrote went with the dead worker's transaction
    long_ago = timezone.now() - timedelta(seconds=tasks.HARD_LIMIT + 60)
    Capture.objects.filter(pk=capture.pk).update(claimed_at=long_ago)  # the broker hands the message out again
    tasks.process_capture.run(capture.pk)
    capture.refresh_from_db()
    assert capture.status == Capture.Status.DONE and capture.events.count() == 1
