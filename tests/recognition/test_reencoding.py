"""Moving a gallery to another encoding version: in the background, with progress, never mixing versions."""

import numpy as np
import pytest

from recognition import encoders, gallery, sface, versions
from recognition.models import FacePhoto, GalleryVersion, ReencodeJob
from recognition.reencoding import reencode_run, reencode_start
from tests import photos
from tests.factories import enroll, enrolled, make_user, recognize

pytestmark = pytest.mark.django_db

PLAIN, MIRROR = encoders.PLAIN, encoders.MIRROR


@pytest.fixture
def plain_gallery(settings):
    """Obama (two photos) and Biden enrolled while the portal wanted the plain version."""
    settings.FACE_ENCODING_VERSION = PLAIN
    obama = enrolled("Barack Obama", photos.OBAMA, photos.OBAMA_2, employee_id="1042")
    biden = enrolled("Joe Biden", photos.BIDEN, employee_id="17")
    assert versions.active() == PLAIN
    return obama, biden


def identified(path):
    capture = recognize(photos.read(path))
    return [face["name"] for face in capture.result["faces"]]


def loaded_versions():
    rows = FacePhoto.objects.filter(status=FacePhoto.Status.ACCEPTED, model_name=gallery.current().encoding_version)
    return set(rows.values_list("model_name", flat=True))


def test_a_gallery_moves_to_another_version_and_is_searched_correctly_before_during_and_after(plain_gallery, settings):
    obama, _ = plain_gallery
    settings.FACE_ENCODING_VERSION = MIRROR
    # before: nothing changed yet, the plain version is searched
    assert gallery.current().encoding_version == PLAIN
    assert identified(photos.OBAMA_3) == ["Barack Obama"]

    job = ReencodeJob.objects.create(target=MIRROR, total=3, status=ReencodeJob.Status.RUNNING)
    assert reencode_run(job=job, seconds=0, batch=1) is False
    job.refresh_from_db()
    assert (job.done, job.total, job.percent) == (1, 3, 33)
    # during: one photo has its mirror encoding beside the plain one; searches stay plain and whole
    assert FacePhoto.objects.filter(next_model_name=MIRROR).count() == 1
    assert gallery.current().encoding_version == PLAIN and len(gallery.current()) == 3
    assert identified(photos.OBAMA_3) == ["Barack Obama"]
    # a photo added meanwhile is encoded in both versions
    [added] = enroll(obama, photos.OBAMA_3)
    assert (added.model_name, added.next_model_name) == (PLAIN, MIRROR)

    while not reencode_run(job=job, seconds=0, batch=1):
        pass
    job.refresh_from_db()
    assert job.status == ReencodeJob.Status.DONE and job.percent == 100
    # after: every photo is mirror, the gallery reloaded in it, the probe encoded in it
    assert versions.active() == MIRROR
    assert set(FacePhoto.objects.exclude(encoding=None).values_list("model_name", flat=True)) == {MIRROR}
    assert not FacePhoto.objects.exclude(next_encoding=None).exists()
    assert gallery.current().encoding_version == MIRROR and len(gallery.current()) == 4
    assert identified(photos.OBAMA_AND_BIDEN) == ["Barack Obama", "Joe Biden"]
    assert identified(photos.STRANGER) == [None]


@pytest.mark.parametrize("detector", ["hog", "yunet"])
def test_a_switch_from_dlib_to_sface_reencodes_every_photo_and_never_mixes_versions(plain_gallery, settings, detector):
    settings.FACE_DETECTOR = detector
    settings.FACE_ENCODING_VERSION = sface.VERSION
    job = ReencodeJob.objects.create(target=sface.VERSION, total=3, status=ReencodeJob.Status.RUNNING)
    while not reencode_run(job=job, seconds=0, batch=1):
        # meanwhile the gallery is dlib's alone, and searched as dlib's
        assert gallery.current().encoding_version == PLAIN and loaded_versions() == {PLAIN}
        assert identified(photos.OBAMA_3) == ["Barack Obama"]
    assert versions.active() == sface.VERSION
    assert set(FacePhoto.objects.exclude(encoding=None).values_list("model_name", flat=True)) == {sface.VERSION}
    current = gallery.current()
    assert current.encoding_version == sface.VERSION and len(current) == 3
    assert np.allclose(np.linalg.norm(current.matrix, axis=1), 1.0, atol=1e-5)  # SFace's, not dlib's
    assert identified(photos.OBAMA_AND_BIDEN) == ["Barack Obama", "Joe Biden"]
    assert identified(photos.OBAMA_3) == ["Barack Obama"]
    assert identified(photos.STRANGER) == [None]


def test_the_switched_encodings_are_the_mirror_encodings_of_the_same_faces(
    plain_gallery, settings, django_capture_on_commit_callbacks
):
    before = {p.pk: p.vector.copy() for p in FacePhoto.objects.exclude(encoding=None)}
    settings.FACE_ENCODING_VERSION = MIRROR
    with django_capture_on_commit_callbacks(execute=True):
        job = reencode_start()
    job.refresh_from_db()
    assert job.status == ReencodeJob.Status.DONE  # in-process tasks: the job ran on commit
    for photo in FacePhoto.objects.exclude(encoding=None):
        moved = float(np.linalg.norm(photo.vector - before[photo.pk]))
        assert 0.005 < moved < 0.2, moved  # the same face, a little nearer the middle of face space


def test_a_photo_whose_file_is_gone_leaves_the_gallery_instead_of_mixing_versions(
    plain_gallery, settings, django_capture_on_commit_callbacks
):
    obama, _ = plain_gallery
    lost = obama.photos.first()
    lost.image.storage.delete(lost.image.name)
    settings.FACE_ENCODING_VERSION = MIRROR
    with django_capture_on_commit_callbacks(execute=True):
        job = reencode_start()
    job.refresh_from_db()
    lost.refresh_from_db()
    assert job.status == ReencodeJob.Status.DONE and job.missing == 1
    assert lost.status == FacePhoto.Status.REJECTED and lost.encoding is None
    assert "could not be re-encoded" in lost.reason
    assert set(FacePhoto.objects.exclude(encoding=None).values_list("model_name", flat=True)) == {MIRROR}


def test_nothing_to_do_starts_no_job(plain_gallery, settings):
    settings.FACE_ENCODING_VERSION = PLAIN
    assert reencode_start() is None
    assert not ReencodeJob.objects.exists()


def test_a_second_start_returns_the_job_already_running(plain_gallery, settings, django_capture_on_commit_callbacks):
    settings.FACE_ENCODING_VERSION = MIRROR
    with django_capture_on_commit_callbacks(execute=False):
        first = reencode_start()
        second = reencode_start()
    assert first.pk == second.pk and ReencodeJob.objects.count() == 1


def test_an_admin_starts_the_reencoding_from_the_encodings_page_and_sees_its_progress(
    client, plain_gallery, settings, django_capture_on_commit_callbacks
):
    settings.FACE_ENCODING_VERSION = MIRROR
    client.force_login(make_user("root", superuser=True))
    page = client.get("/encodings/").content.decode()
    assert PLAIN in page and "Re-encode every photo into" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/encodings/reencode/")
    assert response.status_code == 302
    job = ReencodeJob.objects.get()
    status = client.get(f"/encodings/jobs/{job.pk}/status/").json()
    assert status["status"] == "done" and status["percent"] == 100 and status["target"] == MIRROR
    page = client.get("/encodings/").content.decode()
    assert "Every stored encoding is in the version the settings ask for." in page
    assert GalleryVersion.encoding_version_now() == MIRROR


def test_a_fresh_portal_starts_in_the_version_the_settings_ask_for(settings):
    settings.FACE_ENCODING_VERSION = MIRROR
    obama = enrolled("Barack Obama", photos.OBAMA)
    assert obama.photos.get().model_name == MIRROR
    assert versions.active() == MIRROR


def test_a_photo_that_cannot_be_read_is_counted_once_however_many_slices_the_job_takes(plain_gallery, settings):
    obama, _ = plain_gallery
    lost = obama.photos.first()
    lost.image.storage.delete(lost.image.name)
    settings.FACE_ENCODING_VERSION = MIRROR
    ReencodeJob.objects.create(target=MIRROR, total=3, status=ReencodeJob.Status.RUNNING)
    # each slice reads the job afresh, as a task in another worker would
    while not reencode_run(job=ReencodeJob.objects.get(), seconds=0, batch=1):
        pass
    job = ReencodeJob.objects.get()
    assert job.status == ReencodeJob.Status.DONE and job.missing == 1
    lost.refresh_from_db()
    assert lost.status == FacePhoto.Status.REJECTED and lost.next_model_name == ""


def test_the_reencode_command_moves_every_photo_and_says_so(plain_gallery, settings, capsys):
    from django.core.management import call_command

    settings.FACE_ENCODING_VERSION = MIRROR
    call_command("reencode", verbosity=0)
    assert "Re-encoded 3 photos into" in capsys.readouterr().out
    assert versions.active() == MIRROR
    call_command("reencode", verbosity=0)
    assert "nothing to do" in capsys.readouterr().out


def test_the_reencode_command_leaves_a_job_the_workers_are_running_alone(plain_gallery, settings, capsys):
    from django.core.management import call_command

    settings.FACE_ENCODING_VERSION = MIRROR
    running = ReencodeJob.objects.create(target=MIRROR, total=3, status=ReencodeJob.Status.RUNNING)
    call_command("reencode", verbosity=0)
    assert f"Job {running.pk} is already re-encoding" in capsys.readouterr().out
    assert ReencodeJob.objects.count() == 1 and versions.active() == PLAIN


def test_a_fresh_install_encodes_with_sface_and_finds_faces_with_yunet():
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if k not in ("FACE_ENCODING_VERSION", "FACE_DETECTOR")}
    code = "from django.conf import settings; print(settings.FACE_ENCODING_VERSION, settings.FACE_DETECTOR)"
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        env={**env, "DJANGO_SETTINGS_MODULE": "portal.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.split() == [sface.VERSION, "yunet"]


def test_an_upgrade_from_dlibs_default_reencodes_in_the_background_and_searches_dlib_meanwhile(
    settings, django_capture_on_commit_callbacks
):
    from recognition import tasks

    # installed before SFace became the default: dlib's mirror version, found by HOG
    settings.FACE_ENCODING_VERSION, settings.FACE_DETECTOR = MIRROR, "hog"
    enrolled("Barack Obama", photos.OBAMA, photos.OBAMA_2, employee_id="1042")
    enrolled("Joe Biden", photos.BIDEN, employee_id="17")
    # the upgrade: the new defaults, and the workers start
    settings.FACE_ENCODING_VERSION, settings.FACE_DETECTOR = sface.VERSION, "yunet"
    with django_capture_on_commit_callbacks(execute=False) as queued:
        tasks.reencode_when_the_version_changed()
    job = ReencodeJob.objects.get()
    assert (job.target, job.total, len(queued)) == (sface.VERSION, 3, 1)
    # queued, not yet run: people are still recognised, in dlib's version, with YuNet's boxes
    assert versions.active() == MIRROR and gallery.current().encoding_version == MIRROR
    assert identified(photos.OBAMA_3) == ["Barack Obama"]
    assert identified(photos.STRANGER) == [None]
    job.status = ReencodeJob.Status.RUNNING
    job.save(update_fields=["status"])
    while not reencode_run(job=job, seconds=0, batch=1):
        assert gallery.current().encoding_version == MIRROR and loaded_versions() == {MIRROR}
        assert identified(photos.OBAMA_3) == ["Barack Obama"]
    assert versions.active() == sface.VERSION
    assert identified(photos.OBAMA_AND_BIDEN) == ["Barack Obama", "Joe Biden"]
    assert identified(photos.STRANGER) == [None]
    # a worker started after the switch finds nothing to do
    tasks.reencode_when_the_version_changed()
    assert ReencodeJob.objects.count() == 1
