"""Recognition and 1:1 verification over the API, on the real engine."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.attendance.models import AttendanceEvent
from recognition import versions
from recognition.models import Capture
from tests import photos
from tests.factories import enrolled
from tests.portal.api.conftest import error_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def obama_and_biden(db):
    obama = enrolled("Barack Obama", photos.OBAMA, photos.OBAMA_3, employee_id="1042")
    biden = enrolled("Joe Biden", photos.BIDEN, employee_id="17")
    return obama, biden


def picture(path=None, data=None):
    return SimpleUploadedFile(path.name if path else "upload.jpg", data if data is not None else photos.read(path))


def test_group_photo_gives_202_then_both_people_with_boxes_and_events(hr_api, run_workers, obama_and_biden):
    obama, biden = obama_and_biden
    with run_workers():
        response = hr_api.post("/api/v1/recognize/", {"image": picture(photos.OBAMA_AND_BIDEN)})
    assert response.status_code == 202, response.json()
    submitted = response.json()
    assert submitted["status"] == "queued" and submitted["faces"] == [] and submitted["annotated_image"] is None
    assert response["Location"] == submitted["url"]

    result = hr_api.get(submitted["url"])
    assert result.status_code == 200
    body = result.json()
    assert body["status"] == "done" and body["source"] == "api"
    faces = body["faces"]
    assert [f["person"]["name"] if f["person"] else None for f in faces] == ["Barack Obama", "Joe Biden"]
    assert [f["person"]["id"] for f in faces] == [obama.pk, biden.pk]
    assert all(f["decision"] == "match" and 0 <= f["distance"] <= versions.match_rule().threshold for f in faces)
    assert all(f["box"]["right"] > f["box"]["left"] and f["box"]["bottom"] > f["box"]["top"] for f in faces)
    assert [f["event"]["status"] for f in faces] == ["created", "created"]
    events = AttendanceEvent.objects.filter(capture_id=body["id"])
    assert {e.person_id for e in events} == {obama.pk, biden.pk} and {e.source for e in events} == {"api"}

    annotated = hr_api.get(body["annotated_image"])
    assert annotated.status_code == 200 and annotated["Content-Type"] == "image/jpeg"
    assert len(b"".join(annotated.streaming_content)) > 10_000


def test_a_stranger_is_unknown_and_records_nothing(hr_api, run_workers, obama_and_biden):
    with run_workers():
        url = hr_api.post("/api/v1/recognize/", {"image": picture(photos.STRANGER)}).json()["url"]
    faces = hr_api.get(url).json()["faces"]
    assert [(f["person"], f["decision"], f["event"]) for f in faces] == [(None, "unknown", None)]
    assert faces[0]["distance"] > 0.5
    assert not AttendanceEvent.objects.exists()


def test_record_attendance_false_records_nothing(hr_api, run_workers, obama_and_biden):
    with run_workers():
        url = hr_api.post("/api/v1/recognize/", {"image": picture(photos.OBAMA_2), "record_attendance": "false"})
    faces = hr_api.get(url.json()["url"]).json()["faces"]
    assert faces[0]["person"]["name"] == "Barack Obama" and faces[0]["event"] is None
    assert not AttendanceEvent.objects.exists()


def test_wait_returns_the_result_directly_when_a_worker_finishes_in_time(hr_api, obama_and_biden, monkeypatch):
    from recognition import services
    from recognition.tasks import process_capture

    naps = []

    def worker_finishes_during_the_wait(seconds):
        naps.append(seconds)
        process_capture(Capture.objects.get().pk)

    monkeypatch.setattr(services.time, "sleep", worker_finishes_during_the_wait)
    response = hr_api.post("/api/v1/recognize/?wait=5", {"image": picture(photos.OBAMA_2)})
    assert response.status_code == 200 and len(naps) == 1
    body = response.json()
    assert body["status"] == "done" and body["faces"][0]["person"]["name"] == "Barack Obama"
    assert response["Location"] == body["url"]


def test_wait_gives_up_after_the_time_asked_and_answers_202(hr_api, obama_and_biden, settings):
    response = hr_api.post("/api/v1/recognize/", {"image": picture(photos.OBAMA_2)})  # stays queued
    started = time.monotonic()
    again = hr_api.get(response.json()["url"] + "?wait=1")
    assert again.status_code == 202 and again.json()["status"] == "queued" and again["Retry-After"] == "1"
    assert 0.9 <= time.monotonic() - started < 3


def test_wait_is_bounded_by_the_server(hr_api, settings, obama_and_biden):
    settings.API_WAIT_MAX_SECONDS = 1
    url = hr_api.post("/api/v1/recognize/", {"image": picture(photos.OBAMA_2)}).json()["url"]
    started = time.monotonic()
    assert hr_api.get(url + "?wait=600").status_code == 202
    assert time.monotonic() - started < 3
    assert error_of(hr_api.get(url + "?wait=-1"))["fields"] == {
        "wait": ["Ensure this value is greater than or equal to 0."]
    }


@pytest.mark.parametrize(
    "data, status, code",
    [
        (b"", 400, "empty"),
        (b"not a picture at all" * 20, 415, "not_image"),
        (b"\xff\xd8\xff\xe0" + b"0" * 500, 400, "truncated"),
    ],
)
def test_a_bad_picture_gets_a_clear_4xx_and_stores_nothing(hr_api, data, status, code):
    response = hr_api.post("/api/v1/recognize/", {"image": picture(data=data)})
    assert response.status_code == status
    error = error_of(response)
    assert error["code"] == code and "image" in error["fields"]
    assert not Capture.objects.exists()


def test_too_many_pixels_is_a_413(hr_api, settings):
    settings.UPLOAD_MAX_PIXELS = 10_000
    response = hr_api.post("/api/v1/recognize/", {"image": picture(photos.OBAMA_2)})
    assert response.status_code == 413 and error_of(response)["code"] == "too_many_pixels"


def test_capture_list_pages_and_filters(hr_api, run_workers, obama_and_biden):
    with run_workers():
        for path in (photos.OBAMA_2, photos.STRANGER):
            hr_api.post("/api/v1/recognize/", {"image": picture(path)})
    listed = hr_api.get("/api/v1/captures/", {"status": "done"}).json()
    assert listed["count"] == 2 and {c["status"] for c in listed["results"]} == {"done"}
    assert hr_api.get("/api/v1/captures/", {"status": "queued"}).json()["count"] == 0


def test_a_viewer_cannot_recognize(viewer_api):
    assert viewer_api.post("/api/v1/recognize/", {"image": picture(photos.OBAMA_2)}).status_code == 403
    assert viewer_api.get("/api/v1/captures/").status_code == 403
    assert not Capture.objects.exists()


# --- 1:1 ---------------------------------------------------------------------


def verify(client, run_workers, path, **claim):
    with run_workers():
        response = client.post("/api/v1/verify/", {"image": picture(path), **claim})
    assert response.status_code == 202, response.json()
    return client.get(response.json()["url"]).json()


def test_obama_is_verified_as_obama(hr_api, run_workers, obama_and_biden):
    obama, _ = obama_and_biden
    body = verify(hr_api, run_workers, photos.OBAMA_2, person=obama.pk)
    assert body["verified"] is True and body["reason"] == "match"
    assert body["distance"] <= versions.match_rule().threshold
    assert body["person"] == {"id": obama.pk, "name": "Barack Obama", "employee_id": "1042"}
    assert body["faces"][0]["decision"] == "verified" and body["faces"][0]["event"]["status"] == "created"


def test_obama_claiming_to_be_biden_is_refused_without_naming_obama(hr_api, run_workers, obama_and_biden):
    _, biden = obama_and_biden
    body = verify(hr_api, run_workers, photos.OBAMA_2, employee_id="17")
    assert body["verified"] is False and body["reason"] == "no_match"
    assert body["person"]["id"] == biden.pk and body["distance"] > 0.5
    assert body["faces"][0]["person"] is None and body["faces"][0]["decision"] == "refused"
    assert "Obama" not in str(body) and "1042" not in str(body)
    assert not AttendanceEvent.objects.exists()
    annotated = hr_api.get(body["annotated_image"])
    assert annotated.status_code == 200
    # a verification is not a recognition: it is not listed or readable as one
    assert hr_api.get(f"/api/v1/captures/{body['id']}/").status_code == 404
    assert hr_api.get("/api/v1/captures/").json()["count"] == 0


@pytest.mark.parametrize(
    "claim, field",
    [
        ({}, "non_field_errors"),
        ({"person": 1, "employee_id": "17"}, "non_field_errors"),
        ({"person": 9999}, "person"),
        ({"employee_id": "nobody"}, "employee_id"),
    ],
)
def test_verify_needs_exactly_one_existing_claim(hr_api, obama_and_biden, claim, field):
    response = hr_api.post("/api/v1/verify/", {"image": picture(photos.OBAMA_2), **claim})
    assert response.status_code == 400
    error = error_of(response)
    assert field == "non_field_errors" or field in error["fields"]
    assert not Capture.objects.exists()
