"""Enrollment checks and look-alike decisions on real photos, against the database."""

import os
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import ImageEnhance, ImageFilter

from portal.attendance.models import AttendanceEvent
from portal.people import services
from portal.people.models import MergeRecord, Person
from recognition import decision, engine, gallery, imaging, versions
from recognition.models import FacePhoto
from recognition.services import person_photo_add
from tests import photos
from tests.factories import enroll, enrolled, make_person, make_user, recognize

pytestmark = pytest.mark.django_db


def variant(tmp_path, name, change):
    """A copy of the Obama portrait changed by `change(image, face_width)`."""
    image = imaging.decode(photos.read(photos.OBAMA))
    [box] = engine.detect(image)
    path = tmp_path / f"{name}.jpg"
    path.write_bytes(photos.jpeg(change(image, box[1] - box[3])))
    return path


def test_blurry_photo_is_rejected_as_blurry(tmp_path):
    path = variant(tmp_path, "blurry", lambda im, w: im.filter(ImageFilter.GaussianBlur(0.03 * w)))
    [photo] = enroll(make_person("Barack Obama"), path)
    assert photo.status == FacePhoto.Status.REJECTED and photo.reason_code == "blurry"
    assert "The face is blurry" in photo.reason and photo.encoding is None


def test_dark_photo_is_rejected_as_too_dark(tmp_path):
    path = variant(tmp_path, "dark", lambda im, w: ImageEnhance.Brightness(im).enhance(0.2))
    [photo] = enroll(make_person("Barack Obama"), path)
    assert photo.reason_code == "too_dark" and "The face is too dark" in photo.reason


def test_too_small_photo_is_rejected_as_too_small(tmp_path):
    def shrink(im, w):
        scale = 50 / w
        return im.resize((round(im.width * scale), round(im.height * scale)))

    [photo] = enroll(make_person("Barack Obama"), variant(tmp_path, "small", shrink))
    assert photo.reason_code == "too_small" and "The face is too small" in photo.reason


def test_resized_copy_of_an_enrolled_photo_is_a_near_duplicate(tmp_path):
    obama = enrolled("Barack Obama", photos.OBAMA)
    copy = variant(tmp_path, "copy", lambda im, w: im.resize((im.width * 3 // 4, im.height * 3 // 4)))
    [photo] = enroll(obama, copy)
    assert photo.reason_code == "near_duplicate" and "adds nothing" in photo.reason
    assert obama.photos.filter(status=FacePhoto.Status.ACCEPTED).count() == 1


def test_another_photo_of_the_same_person_is_accepted_and_its_size_and_box_kept():
    obama = enrolled("Barack Obama", photos.OBAMA)
    [photo] = enroll(obama, photos.OBAMA_2)
    assert photo.status == FacePhoto.Status.ACCEPTED
    assert (photo.width, photo.height) == (626, 1200) and len(photo.box) == 4


@pytest.fixture
def obama_and_biden():
    obama = enrolled("Barack Obama", photos.OBAMA, photos.OBAMA_3, employee_id="1042")
    biden = enrolled("Joe Biden", photos.BIDEN, employee_id="17")
    return obama, biden


def test_obama_added_to_bidens_record_is_flagged_as_looking_like_obama(obama_and_biden):
    obama, biden = obama_and_biden
    [photo] = enroll(biden, photos.OBAMA_2)
    assert photo.status == FacePhoto.Status.REVIEW and photo.lookalike == obama
    assert "looks like Barack Obama, employee 1042" in photo.reason
    assert photo.lookalike_distance < decision.calibration(versions.active()).lookalike_distance
    # not in the gallery: Obama's face is not taken for Biden meanwhile
    assert (gallery.current().labels == biden.pk).sum() == 1
    capture = recognize(photos.read(photos.OBAMA_2), record_attendance=False)
    assert capture.faces[0]["name"] == "Barack Obama"


def test_biden_added_to_bidens_record_is_not_flagged(obama_and_biden):
    _, biden = obama_and_biden
    enroll(biden, photos.OBAMA_AND_BIDEN)  # rejected: two faces
    assert not FacePhoto.objects.filter(status=FacePhoto.Status.REVIEW).exists()


def test_keeping_a_flagged_photo_enrolls_it_for_its_person(obama_and_biden):
    _, biden = obama_and_biden
    [photo] = enroll(biden, photos.OBAMA_2)
    admin = make_user("boss", superuser=True)
    services.face_photo_decide(photo=photo, decision=services.KEEP, user=admin)
    photo.refresh_from_db()
    assert photo.status == FacePhoto.Status.ACCEPTED and photo.decision == "kept" and photo.decided_by == admin
    assert (gallery.current().labels == biden.pk).sum() == 2


def test_merging_moves_photos_and_attendance_to_the_lookalike_and_hides_the_duplicate(obama_and_biden):
    obama, _ = obama_and_biden
    twin = make_person("B. Obama", employee_id="9999")
    [photo] = enroll(twin, photos.OBAMA_2)
    assert photo.status == FacePhoto.Status.REVIEW and photo.lookalike == obama
    AttendanceEvent.objects.create(person=twin, at=photo.created_at, source="upload")
    kept = services.face_photo_decide(photo=photo, decision=services.MERGE)
    assert kept == obama
    twin.refresh_from_db()
    assert twin.merged_into == obama and not twin.active
    photo.refresh_from_db()
    assert photo.person == obama and photo.status == FacePhoto.Status.ACCEPTED and photo.decision == "merged"
    assert AttendanceEvent.objects.get().person == obama


def test_undoing_a_merge_puts_every_photo_and_event_back_where_it_was(obama_and_biden):
    obama, _ = obama_and_biden
    twin = make_person("B. Obama", employee_id="9999")
    [flagged] = enroll(twin, photos.OBAMA_2)
    # a copy of a photo obama already has stays with the twin through the merge
    duplicate, _ = person_photo_add(person=twin, data=photos.read(photos.OBAMA), filename="dup.jpg", queue=False)
    obama_event = AttendanceEvent.objects.create(person=obama, at=flagged.created_at, source="kiosk", direction="in")
    twin_events = [
        AttendanceEvent.objects.create(person=twin, at=flagged.created_at + timedelta(hours=h), source="upload")
        for h in (1, 2)
    ]
    before_photos = {p.pk: (p.person_id, p.status, p.decision) for p in FacePhoto.objects.all()}
    before_events = dict(AttendanceEvent.objects.values_list("pk", "person_id"))
    services.face_photo_decide(photo=flagged, decision=services.MERGE)
    assert set(AttendanceEvent.objects.filter(person=obama).values_list("pk", flat=True)) == {
        obama_event.pk,
        *(e.pk for e in twin_events),
    }
    record = MergeRecord.objects.get()
    services.person_merge_undo(record=record)
    after_photos = {p.pk: (p.person_id, p.status, p.decision) for p in FacePhoto.objects.all()}
    assert after_photos == before_photos and duplicate.pk in after_photos
    assert dict(AttendanceEvent.objects.values_list("pk", "person_id")) == before_events
    twin.refresh_from_db()
    assert twin.active and twin.merged_into is None
    assert (gallery.current().labels == twin.pk).sum() == 0  # the flagged photo waits for a decision again
    with pytest.raises(services.MergeRefused, match="already undone"):
        services.person_merge_undo(record=record)


def test_a_merge_cannot_be_undone_after_the_undo_period(obama_and_biden, settings):
    obama, _ = obama_and_biden
    twin = make_person("B. Obama", employee_id="9999")
    services.person_merge(source=twin, target=obama)
    record = MergeRecord.objects.get()
    MergeRecord.objects.filter(pk=record.pk).update(
        created_at=timezone.now() - timedelta(days=settings.PEOPLE_MERGE_UNDO_DAYS + 1)
    )
    with pytest.raises(services.MergeRefused, match="can be undone for"):
        services.person_merge_undo(record=MergeRecord.objects.get())
    # and the merged record, kept for the undo, then goes for good
    assert services.person_merges_expire() == 1
    assert not Person.objects.filter(pk=twin.pk).exists() and Person.objects.filter(pk=obama.pk).exists()


def test_erasing_a_person_erases_the_records_merged_into_them_with_the_photos_they_kept(
    obama_and_biden, django_capture_on_commit_callbacks
):
    obama, biden = obama_and_biden
    twin = make_person("B. Obama", employee_id="9999")
    [flagged] = enroll(twin, photos.OBAMA_2)
    # a copy of a photo obama already has stays with the twin, hidden, through the merge
    duplicate, _ = person_photo_add(person=twin, data=photos.read(photos.OBAMA), filename="dup.jpg", queue=False)
    older = make_person("Obama, B.", employee_id="9998")  # merged into the twin before the twin was merged
    services.person_merge(source=older, target=twin)
    services.face_photo_decide(photo=flagged, decision=services.MERGE)
    duplicate.refresh_from_db()
    assert duplicate.person == twin and Person.objects.get(pk=twin.pk).merged_into == obama
    kept_file = duplicate.image.path
    with django_capture_on_commit_callbacks(execute=True):
        services.person_delete(person=obama)
    assert not Person.objects.filter(pk__in=[obama.pk, twin.pk, older.pk]).exists()
    assert not FacePhoto.objects.filter(pk=duplicate.pk).exists() and not MergeRecord.objects.exists()
    assert not os.path.exists(kept_file)
    assert Person.objects.filter(pk=biden.pk).exists()


def test_discarding_a_flagged_photo_deletes_it(obama_and_biden):
    _, biden = obama_and_biden
    [photo] = enroll(biden, photos.OBAMA_2)
    services.face_photo_decide(photo=photo, decision=services.DISCARD)
    assert not FacePhoto.objects.filter(pk=photo.pk).exists()


def test_a_decision_on_a_photo_not_in_review_is_refused(obama_and_biden):
    obama, _ = obama_and_biden
    with pytest.raises(ValueError, match="not waiting"):
        services.face_photo_decide(photo=obama.photos.first(), decision=services.KEEP)


def test_thumbnails_are_made_at_upload_and_the_small_one_becomes_the_face_once_found():
    from PIL import Image

    person = make_person("Barack Obama")
    uploaded, _ = person_photo_add(person=person, data=photos.read(photos.OBAMA), filename="p.jpg", queue=False)
    assert uploaded.thumb_small and uploaded.thumb_medium
    with uploaded.thumb_medium.open("rb") as handle:
        assert max(Image.open(handle).size) == imaging.THUMB_MEDIUM
    [photo] = enroll(make_person("Joe Biden"), photos.BIDEN)
    photo.refresh_from_db()
    with photo.thumb_small.open("rb") as handle:
        small = imaging.decode(handle.read())
    # the face fills the small thumbnail: a face is found in it, big
    [box] = engine.detect(small)
    assert max(small.size) <= imaging.THUMB_SMALL and (box[2] - box[0]) > small.height / 3
