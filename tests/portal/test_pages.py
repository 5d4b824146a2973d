"""The recognize and attendance pages through Django's test client."""

import csv
import io
from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.accounts.roles import HR, VIEWER
from portal.attendance.models import AttendanceEvent
from recognition.models import Capture
from tests import photos
from tests.factories import enrolled, make_person, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client):
    client.force_login(make_user("hr", role=HR))
    return client


def upload(client, data, name="photo.jpg", **fields):
    return client.post(reverse("recognize"), {"image": SimpleUploadedFile(name, data), **fields})


def test_anonymous_visitor_is_sent_to_sign_in(client):
    for name in ["home", "recognize", "attendance", "attendance-csv"]:
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_uploaded_photo_is_recognized_and_shown_with_its_events(signed_in, django_capture_on_commit_callbacks):
    enrolled("Barack Obama", photos.OBAMA, employee_id="1042")
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(signed_in, photos.read(photos.OBAMA_2), record_attendance="on")
    capture = Capture.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("capture", args=[capture.pk])
    page = signed_in.get(response["Location"]).content.decode()
    assert "1 face found" in page and "Barack Obama" in page
    assert reverse("media-capture", args=[capture.pk, "annotated"]) in page
    status = signed_in.get(reverse("capture-status", args=[capture.pk])).json()
    assert status["status"] == "done" and status["faces"][0]["name"] == "Barack Obama"
    assert signed_in.get(reverse("media-capture", args=[capture.pk, "annotated"]))["Content-Type"] == "image/jpeg"


def test_queued_capture_page_says_it_is_working_and_polls(signed_in):
    upload(signed_in, photos.read(photos.OBAMA_2))  # on_commit not run: stays queued
    page = signed_in.get(reverse("capture", args=[Capture.objects.get().pk])).content.decode()
    assert "Looking for faces" in page and "js/capture.js" in page


@pytest.mark.parametrize(
    "data, status, message",
    [
        (b"", 400, "empty"),
        (b"just some text, not a picture" * 10, 415, "not an image"),
        (photos.read(photos.OBAMA)[:20_000], 400, "damaged or incomplete"),
    ],
)
def test_bad_upload_is_refused_with_a_clear_message_and_stores_nothing(signed_in, data, status, message):
    response = upload(signed_in, data)
    assert response.status_code == status
    assert message in response.content.decode()
    assert not Capture.objects.exists()


def test_too_large_upload_is_refused_with_413(signed_in, settings):
    settings.UPLOAD_MAX_BYTES = 100_000
    response = upload(signed_in, photos.read(photos.OBAMA_3))
    assert response.status_code == 413 and "the limit is" in response.content.decode()


def test_a_viewer_cannot_see_captures_or_photos(client, signed_in):
    upload(signed_in, photos.read(photos.OBAMA_2))
    capture = Capture.objects.get()
    client.force_login(make_user("someone", role=VIEWER))
    assert client.get(reverse("capture", args=[capture.pk])).status_code == 403
    assert client.get(reverse("media-capture", args=[capture.pk, "image"])).status_code == 403
    assert client.get(reverse("recognize")).status_code == 403


def test_no_address_serves_the_media_folder_by_path(signed_in):
    upload(signed_in, photos.read(photos.OBAMA_2))
    capture = Capture.objects.get()
    assert signed_in.get("/media/" + capture.image.name).status_code == 404
    assert signed_in.get("/media/../manage.py").status_code == 404
    assert signed_in.get("/media/%2e%2e/manage.py").status_code == 404


def events_for_filters():
    obama, biden = make_person("Barack Obama", "1042"), make_person("Joe Biden", "17")
    for person, day in [(obama, 1), (obama, 2), (biden, 2), (obama, 3)]:
        AttendanceEvent.objects.create(
            person=person,
            at=datetime(2026, 3, day, 8, 30, tzinfo=UTC),
            direction="in",
            source="upload",
            distance=0.31,
        )
    return obama, biden


def rows_shown(page):
    """The events listed (the list pages without counting the whole table, so rows, not a total)."""
    body = page.content.decode()
    return body[body.index("<tbody>") : body.index("</tbody>")].count("<tr")


def test_attendance_page_filters_by_date_range_and_person(signed_in):
    obama, _ = events_for_filters()
    page = signed_in.get(reverse("attendance"), {"date_from": "2026-03-02", "date_to": "2026-03-03"})
    assert rows_shown(page) == 3
    page = signed_in.get(
        reverse("attendance"), {"date_from": "2026-03-02", "date_to": "2026-03-03", "person": obama.pk}
    )
    assert rows_shown(page) == 2


def test_csv_export_has_exactly_the_filtered_events(signed_in):
    obama, _ = events_for_filters()
    response = signed_in.get(reverse("attendance-csv"), {"date_from": "2026-03-02", "person": obama.pk})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [(r["person"], r["time"][:10], r["direction"], r["distance"]) for r in rows] == [
        ("Barack Obama", "2026-03-03", "in", "0.3100"),
        ("Barack Obama", "2026-03-02", "in", "0.3100"),
    ]


def test_reversed_date_range_is_explained(signed_in):
    page = signed_in.get(reverse("attendance"), {"date_from": "2026-03-05", "date_to": "2026-03-01"})
    assert "The start date is after the end date" in page.content.decode()


def test_recognize_page_leaves_attendance_off_unless_asked(signed_in, django_capture_on_commit_callbacks):
    enrolled("Barack Obama", photos.OBAMA, employee_id="1042")
    page = signed_in.get(reverse("recognize")).content.decode()
    assert 'name="record_attendance"' in page and "checked" not in page.split('name="record_attendance"')[1][:40]
    with django_capture_on_commit_callbacks(execute=True):
        upload(signed_in, photos.read(photos.OBAMA_2))
    capture = Capture.objects.get()
    assert capture.faces[0]["name"] == "Barack Obama" and capture.faces[0]["event"] is None
    assert not AttendanceEvent.objects.exists()


def test_an_uploaded_event_records_who_uploaded_and_when_the_photo_was_taken(
    signed_in, django_capture_on_commit_callbacks
):
    from PIL import Image

    enrolled("Barack Obama", photos.OBAMA, employee_id="1042")
    exif = Image.Exif()
    exif.get_ifd(0x8769)[36867] = "2026:03:02 08:15:00"  # DateTimeOriginal
    data = photos.jpeg(Image.open(photos.OBAMA_2), exif=exif)
    with django_capture_on_commit_callbacks(execute=True):
        upload(signed_in, data, record_attendance="on")
    event = AttendanceEvent.objects.get()
    capture = Capture.objects.get()
    assert event.recorded_by.username == "hr" and event.at == capture.created_at
    assert event.photo_taken_at == datetime(2026, 3, 2, 8, 15, tzinfo=UTC)  # TIME_ZONE is UTC in tests
    page = signed_in.get(reverse("capture", args=[capture.pk])).content.decode()
    assert "Photo uploaded by hr" in page
    assert "Upload by hr (photo taken 2026-03-02 08:15)" in page
