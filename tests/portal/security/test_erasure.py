"""Erasing a person leaves no file and no line that names them."""

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from portal.accounts.roles import ADMIN, HR
from portal.attendance.models import AttendanceEvent
from portal.people.models import ImportJob, Person
from recognition.models import Capture, CaptureFrame, FacePhoto
from tests import photos
from tests.factories import enrolled, make_user, recognize
from tests.portal.kiosks.kiosk_helpers import attempt, kiosk_frame, paired_kiosk

pytestmark = pytest.mark.django_db


def files():
    return {p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()}


def test_erasing_a_person_removes_every_picture_and_name_that_points_at_them(
    client, django_capture_on_commit_callbacks
):
    obama = enrolled("Barack Obama", photos.OBAMA, employee_id="1042")
    biden = enrolled("Joe Biden", photos.BIDEN, employee_id="17")
    _, token = paired_kiosk()
    # a kiosk greeting shows the thumbnails cut from the enrolled face
    frames = [kiosk_frame(photos.OBAMA_2), kiosk_frame(photos.OBAMA_2, shift=(4, 0))]
    answer = attempt(client, token, frames, django_capture_on_commit_callbacks).json()
    assert answer["name"] == "Barack Obama" and answer["photo"].startswith("data:image/jpeg")
    thumbnails = {Path(f.path) for photo in obama.photos.all() for f in (photo.thumb_small, photo.thumb_medium)}
    assert len(thumbnails) == 2
    group = recognize(photos.read(photos.OBAMA_AND_BIDEN))
    assert {f["name"] for f in group.faces} == {"Barack Obama", "Joe Biden"}
    stranger = recognize(photos.read(photos.STRANGER))
    ImportJob.objects.create(filename="staff.zip", status="done", report={"people_created": [str(obama)]})
    naming = [c for c in Capture.objects.all() if "Barack Obama" in str(c.result)]
    assert len(naming) == 2
    their_files = {Path(photo.image.path) for photo in obama.photos.all()} | set(thumbnails)
    for capture in naming:
        their_files |= {Path(capture.image.path), Path(capture.annotated.path)}
        their_files |= {Path(frame.image.path) for frame in capture.frames.all()}
    assert their_files <= files() and len(their_files) >= 7

    client.force_login(make_user("hr", role=HR))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("people:delete", args=[obama.pk]))
    assert response.status_code == 302

    assert not Person.objects.filter(pk=obama.pk).exists()
    assert not (their_files & files()), sorted(str(p) for p in their_files & files())
    assert not FacePhoto.objects.filter(person_id=obama.pk).exists()
    assert not AttendanceEvent.objects.filter(person_id=obama.pk).exists()
    for capture in Capture.objects.all():
        text = str(capture.result)
        assert "Barack Obama" not in text and f"'person_id': {obama.pk}," not in text
    assert "Barack Obama" not in str(ImportJob.objects.get().report)
    assert not CaptureFrame.objects.filter(capture__in=naming).exists()
    # everyone else keeps their records
    group.refresh_from_db()
    assert "Joe Biden" in [f["name"] for f in group.faces] and "erased" in [f["decision"] for f in group.faces]
    stranger.refresh_from_db()
    assert Path(stranger.image.path).is_file() and biden.photos.get().image
    assert Path(biden.photos.get().image.path).is_file()


@pytest.mark.parametrize("way", ["api", "admin-bulk"])
def test_every_way_of_deleting_a_person_erases_their_pictures(client, way, django_capture_on_commit_callbacks):
    obama = enrolled("Barack Obama", photos.OBAMA, employee_id="1042")
    capture = recognize(photos.read(photos.OBAMA_2), record_attendance=False)
    picture = Path(capture.image.path)
    # the Django admin is for superusers; the API for admins
    client.force_login(make_user("boss", superuser=True) if way == "admin-bulk" else make_user("boss", role=ADMIN))
    with django_capture_on_commit_callbacks(execute=True):
        if way == "api":
            assert client.delete(reverse("api:person-detail", args=[obama.pk])).status_code == 204
        else:
            client.post(
                reverse("admin:people_person_changelist"),
                {"action": "delete_selected", "_selected_action": [obama.pk], "post": "yes"},
            )
    assert not Person.objects.exists()
    # the Django admin's history of the deletion does not keep the name either
    assert not LogEntry.objects.filter(object_repr__contains="Obama").exists()
    capture.refresh_from_db()
    assert not picture.exists() and "Barack Obama" not in str(capture.result)
