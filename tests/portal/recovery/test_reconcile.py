"""The reconciler sends again what the broker lost and frees what a dead worker held."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerDown

from portal.attendance.models import RecomputeJob
from portal.people.models import ImportJob
from portal.recovery import registry
from portal.recovery.services import work_reconcile, worker_claims_release
from portal.reports.models import ReportExport
from recognition import tasks
from recognition.models import Capture, FacePhoto, ReencodeJob, VideoJob
from recognition.services import capture_submit, person_photo_add
from tests import photos
from tests.factories import enrolled, make_person, make_user

pytestmark = pytest.mark.django_db


def aged(capture, seconds, **fields):
    Capture.objects.filter(pk=capture.pk).update(created_at=timezone.now() - timedelta(seconds=seconds), **fields)
    capture.refresh_from_db()
    return capture


def test_every_kind_of_queued_work_is_in_the_registry():
    models = {job.model for job in registry.jobs()}
    assert models == {Capture, FacePhoto, ImportJob, ReportExport, ReencodeJob, VideoJob, RecomputeJob}


def test_a_capture_queued_past_the_grace_is_sent_again_and_finished(settings):
    enrolled("Barack Obama", photos.OBAMA)
    lost = aged(capture_submit(data=photos.read(photos.OBAMA_2)), 120)
    done = work_reconcile(grace=30)
    assert done.resent["Capture"] == 1
    lost.refresh_from_db()
    assert lost.status == Capture.Status.DONE and lost.events.count() == 1


def test_a_capture_queued_within_the_grace_or_sent_lately_is_left_to_its_message():
    fresh = capture_submit(data=photos.read(photos.OBAMA_2))
    resent = aged(capture_submit(data=photos.read(photos.OBAMA_2)), 120, sent_at=timezone.now())
    assert work_reconcile(grace=30).resent["Capture"] == 0
    for capture in (fresh, resent):
        capture.refresh_from_db()
        assert capture.status == Capture.Status.QUEUED


def test_a_capture_processing_past_the_hard_limit_is_reclaimed_and_finished():
    enrolled("Barack Obama", photos.OBAMA)
    long_ago = timezone.now() - timedelta(seconds=tasks.HARD_LIMIT + 60)
    stuck = aged(
        capture_submit(data=photos.read(photos.OBAMA_2)),
        300,
        status=Capture.Status.PROCESSING,
        claimed_at=long_ago,
        claimed_by="t1 worker@dead:99",
    )
    assert work_reconcile().reclaimed["Capture"] == 1
    stuck.refresh_from_db()
    assert stuck.status == Capture.Status.DONE and stuck.events.count() == 1


def test_a_capture_a_live_worker_claimed_lately_is_left_alone():
    busy = aged(
        capture_submit(data=photos.read(photos.OBAMA_2)),
        300,
        status=Capture.Status.PROCESSING,
        claimed_at=timezone.now(),
        claimed_by="t1 worker@box:99",
    )
    done = work_reconcile()
    assert done.total() == 0
    busy.refresh_from_db()
    assert busy.status == Capture.Status.PROCESSING


def test_an_enrollment_photo_whose_message_was_lost_is_encoded():
    photo, _ = person_photo_add(person=make_person(), data=photos.read(photos.OBAMA), queue=False)
    FacePhoto.objects.filter(pk=photo.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    assert work_reconcile().resent["FacePhoto"] == 1
    photo.refresh_from_db()
    assert photo.status == FacePhoto.Status.ACCEPTED


def test_an_export_left_running_by_a_dead_worker_is_written_again():
    export = ReportExport.objects.create(
        user=make_user("vera"), format="csv", filters={"date_from": "2026-03-02", "date_to": "2026-03-08"}, rows_total=0
    )
    from portal.reports.tasks import HARD_LIMIT

    ReportExport.objects.filter(pk=export.pk).update(
        status=ReportExport.Status.RUNNING, claimed_at=timezone.now() - timedelta(seconds=HARD_LIMIT + 60)
    )
    assert work_reconcile().reclaimed["ReportExport"] == 1
    export.refresh_from_db()
    assert export.status == ReportExport.Status.DONE and export.file


def test_a_restarted_worker_frees_at_once_what_its_previous_run_held():
    enrolled("Barack Obama", photos.OBAMA)
    mine = aged(
        capture_submit(data=photos.read(photos.OBAMA_2)),
        10,
        status=Capture.Status.PROCESSING,
        claimed_at=timezone.now() - timedelta(seconds=5),
        claimed_by="t1 worker@box:4242",
    )
    others = aged(
        capture_submit(data=photos.read(photos.OBAMA_2)),
        10,
        status=Capture.Status.PROCESSING,
        claimed_at=timezone.now() - timedelta(seconds=5),
        claimed_by="t2 worker@other:4242",
    )
    assert worker_claims_release(hostname="worker@box") == 1
    mine.refresh_from_db()
    others.refresh_from_db()
    assert mine.status == Capture.Status.DONE and others.status == Capture.Status.PROCESSING


def test_a_broker_that_is_down_leaves_the_row_queued_for_the_next_pass(monkeypatch):
    def down(*args, **kwargs):
        raise BrokerDown("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.process_capture, "apply_async", down)
    lost = aged(capture_submit(data=photos.read(photos.OBAMA_2)), 120)
    assert work_reconcile(grace=30).resent["Capture"] == 1
    lost.refresh_from_db()
    assert lost.status == Capture.Status.QUEUED and lost.sent_at is not None


def test_the_reconcile_command_reports_what_it_did(capsys):
    aged(capture_submit(data=photos.read(photos.OBAMA_2)), 120)
    call_command("reconcile")
    assert "Capture: sent again 1, reclaimed 0" in capsys.readouterr().out
