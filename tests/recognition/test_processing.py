"""Encoding enrollment photos and processing captures, against the database."""

from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from portal.attendance.models import AttendanceEvent
from recognition import decision, gallery
from recognition.models import Capture, FacePhoto, GalleryVersion
from tests import photos
from tests.factories import enroll, enrolled, make_person, recognize

pytestmark = pytest.mark.django_db


@pytest.fixture
def obama():
    return enrolled("Barack Obama", photos.OBAMA, employee_id="1042")


@pytest.fixture
def biden():
    return enrolled("Joe Biden", photos.BIDEN, employee_id="17")


def test_accepted_photo_stores_a_template_of_its_versions_size_with_its_encoding_version(obama, settings):
    photo = obama.photos.get()
    assert photo.status == FacePhoto.Status.ACCEPTED
    assert photo.model_name == settings.FACE_ENCODING_VERSION
    assert photo.vector.shape == (decision.calibration(photo.model_name).size,)
    assert len(photo.box) == 4


def test_photo_without_a_face_is_rejected_with_a_reason(tmp_path):
    faceless = tmp_path / "gradient.jpg"
    faceless.write_bytes(photos.no_face_jpeg())
    [photo] = enroll(make_person("Gradient"), faceless)
    assert photo.status == FacePhoto.Status.REJECTED
    assert "No face was found" in photo.reason
    assert photo.encoding is None


def test_group_photo_is_rejected_for_enrollment():
    [photo] = enroll(make_person("Two people"), photos.OBAMA_AND_BIDEN)
    assert photo.status == FacePhoto.Status.REJECTED
    assert "2 faces were found" in photo.reason


def test_the_same_photo_added_twice_is_stored_once(obama):
    enroll(obama, photos.OBAMA)
    assert obama.photos.count() == 1


def test_accepting_a_photo_changes_the_gallery_version():
    before = GalleryVersion.current()
    enrolled("Barack Obama", photos.OBAMA)
    assert GalleryVersion.current() > before


def test_recognized_face_creates_an_attendance_event(obama):
    capture = recognize(photos.read(photos.OBAMA_2))
    assert capture.status == Capture.Status.DONE
    [face] = capture.faces
    assert face["name"] == "Barack Obama" and face["decision"] == "match"
    event = AttendanceEvent.objects.get()
    assert event.person == obama and event.capture == capture
    assert event.direction == AttendanceEvent.Direction.IN
    assert event.distance == pytest.approx(face["distance"], abs=1e-3)
    assert capture.annotated.name


def test_unknown_face_creates_no_attendance_event(obama, biden):
    capture = recognize(photos.read(photos.STRANGER))
    [face] = capture.faces
    assert face["decision"] == "unknown" and face["person_id"] is None
    assert not AttendanceEvent.objects.exists()


def test_group_photo_names_every_face_and_records_both_people(obama, biden):
    capture = recognize(photos.read(photos.OBAMA_AND_BIDEN))
    assert [face["name"] for face in capture.faces] == ["Barack Obama", "Joe Biden"]
    assert set(AttendanceEvent.objects.values_list("person__name", flat=True)) == {"Barack Obama", "Joe Biden"}
    annotated = Image.open(capture.annotated.path)
    assert annotated.size == Image.open(photos.OBAMA_AND_BIDEN).size


def test_picture_without_faces_is_done_with_no_faces(obama):
    capture = recognize(photos.no_face_jpeg())
    assert capture.status == Capture.Status.DONE and capture.faces == []


def test_second_sighting_within_the_cooldown_records_no_second_event(obama, settings):
    settings.ATTENDANCE_COOLDOWN_SECONDS = 60
    recognize(photos.read(photos.OBAMA_2))
    second = recognize(photos.read(photos.OBAMA_3))
    assert second.faces[0]["event"] == "cooldown"
    assert AttendanceEvent.objects.count() == 1


@pytest.fixture
def noon(monkeypatch):
    """Midday: moving an event minutes back must not move it to the day before."""
    from django.utils import timezone

    fixed = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    monkeypatch.setattr(timezone, "now", lambda: fixed)
    return fixed


def test_next_sighting_after_the_cooldown_is_a_check_out(obama, settings, noon):
    settings.ATTENDANCE_COOLDOWN_SECONDS = 60
    first = recognize(photos.read(photos.OBAMA_2))
    # past the cooldown and the schedule's 10 minutes between a check-in and a check-out
    AttendanceEvent.objects.filter(capture=first).update(at=first.created_at - timedelta(minutes=15))
    recognize(photos.read(photos.OBAMA_3))
    assert list(AttendanceEvent.objects.order_by("at").values_list("direction", flat=True)) == ["in", "out"]


def test_a_sighting_minutes_after_the_check_in_is_reported_as_too_soon_and_records_nothing(obama, settings, noon):
    settings.ATTENDANCE_COOLDOWN_SECONDS = 60
    first = recognize(photos.read(photos.OBAMA_2))
    AttendanceEvent.objects.filter(capture=first).update(at=first.created_at - timedelta(minutes=5))
    second = recognize(photos.read(photos.OBAMA_3))
    assert second.faces[0]["event"] == "too_soon" and AttendanceEvent.objects.count() == 1


def test_recognize_without_recording_attendance_records_nothing(obama):
    capture = recognize(photos.read(photos.OBAMA_2), record_attendance=False)
    assert capture.faces[0]["name"] == "Barack Obama"
    assert not AttendanceEvent.objects.exists()


def test_inactive_person_is_not_recognized(obama):
    recognize(photos.read(photos.OBAMA_2), record_attendance=False)  # gallery loaded with Obama
    obama.active = False
    obama.save()
    capture = recognize(photos.read(photos.OBAMA_2))
    assert capture.faces[0]["decision"] == "unknown"


def test_deleting_a_photo_removes_the_template_from_the_gallery(obama):
    assert len(gallery.current()) == 1
    obama.photos.get().delete()
    assert len(gallery.current()) == 0


def test_capture_with_a_damaged_stored_file_fails_with_a_message(obama):
    data = photos.read(photos.OBAMA_2)
    capture = recognize(data[: len(data) // 3])
    assert capture.status == Capture.Status.FAILED
    assert "damaged or incomplete" in capture.error


def test_verification_accepts_obama_as_obama_and_records_his_attendance(obama, biden):
    capture = recognize(photos.read(photos.OBAMA_2), claimed_person=obama)
    assert capture.result["verified"] is True
    assert capture.faces[0]["name"] == "Barack Obama" and capture.faces[0]["decision"] == "verified"
    assert AttendanceEvent.objects.get().person == obama


def test_verification_refuses_biden_claiming_to_be_obama_without_naming_him(obama, biden):
    capture = recognize(photos.read(photos.BIDEN), claimed_person=obama)
    assert capture.result["verified"] is False and capture.result["reason"] == "no_match"
    assert "Joe Biden" not in str(capture.result)
    assert capture.result["distance"] > 0.5
    assert not AttendanceEvent.objects.exists()


def test_verification_of_a_person_without_templates_says_not_enrolled(obama):
    capture = recognize(photos.read(photos.OBAMA_2), claimed_person=make_person("New Hire"))
    assert capture.result == {"faces": [], "verified": False, "gallery_size": 1, "reason": "not_enrolled"}


def test_verification_without_a_face_says_no_face(obama):
    capture = recognize(photos.no_face_jpeg(), claimed_person=obama)
    assert capture.result["verified"] is False and capture.result["reason"] == "no_face"


def test_a_template_accepted_here_is_appended_to_this_processs_gallery_without_a_reload(obama, caplog):
    biden = make_person("Joe Biden", employee_id="17")  # a new person changes the gallery's number too
    before = gallery.current()
    caplog.clear()
    with caplog.at_level("INFO", logger="recognition.gallery"):
        enroll(biden, photos.BIDEN)
        now = gallery.current()
    assert "gallery loaded" not in caplog.text
    assert len(now) == len(before) + 1 and now.version == GalleryVersion.current()
    reloaded = gallery.load(GalleryVersion.current())
    assert sorted(now.labels.tolist()) == sorted(reloaded.labels.tolist()) == sorted([obama.pk, biden.pk])
    assert now.search(now.matrix[-1]).person_id == reloaded.search(now.matrix[-1]).person_id == biden.pk


def test_a_change_by_another_process_still_reloads_the_gallery(obama):
    gallery.current()
    GalleryVersion.bump()  # as another worker would
    enrolled("Joe Biden", photos.BIDEN, employee_id="17")
    assert len(gallery.current()) == 2 and gallery.current().version == GalleryVersion.current()
