"""Enrollment photos over the API, encoded by the real engine."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from recognition.models import FacePhoto
from tests import photos
from tests.factories import make_person
from tests.portal.api.conftest import error_of

pytestmark = pytest.mark.django_db


def files(*items):
    return [SimpleUploadedFile(name, data, content_type="image/jpeg") for name, data in items]


def photos_url(person):
    return f"/api/v1/people/{person.pk}/photos/"


def test_upload_several_photos_then_list_them_with_status_and_reason(hr_api, run_workers):
    person = make_person("Barack Obama", employee_id="1042")
    upload = files(
        ("portrait.jpg", photos.read(photos.OBAMA)),
        ("speech.jpg", photos.read(photos.OBAMA_2)),
        ("group.jpg", photos.read(photos.OBAMA_AND_BIDEN)),
    )
    with run_workers():
        response = hr_api.post(photos_url(person), {"images": upload}, format="multipart")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["added"] == 3 and [p["status"] for p in body["photos"]] == ["queued"] * 3

    listed = hr_api.get(photos_url(person)).json()
    assert listed["count"] == 3
    statuses = {p["id"]: (p["status"], p["reason"]) for p in listed["results"]}
    group = body["photos"][2]["id"]
    assert statuses[group][0] == "rejected" and "2 faces" in statuses[group][1]
    assert [s for pk, (s, _) in statuses.items() if pk != group] == ["accepted", "accepted"]
    rejected = hr_api.get(photos_url(person), {"status": "rejected"}).json()["results"]
    assert [p["id"] for p in rejected] == [group]
    assert hr_api.get(f"/api/v1/people/{person.pk}/").json()["photos_accepted"] == 2

    image = hr_api.get(listed["results"][0]["image"])
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    assert b"".join(image.streaming_content) == photos.read(photos.OBAMA)


def test_the_same_picture_twice_is_stored_once(hr_api):
    person = make_person()
    data = photos.read(photos.OBAMA)
    first = hr_api.post(photos_url(person), {"images": files(("a.jpg", data))}, format="multipart").json()
    again = hr_api.post(photos_url(person), {"images": files(("b.jpg", data))}, format="multipart").json()
    assert first["added"] == 1 and again["added"] == 0
    assert again["photos"][0]["id"] == first["photos"][0]["id"] and FacePhoto.objects.count() == 1


@pytest.mark.parametrize(
    "bad, status, code",
    [
        (b"", 400, "empty"),
        (b"just some text, not a picture" * 10, 415, "not_image"),
        (photos.read(photos.OBAMA)[:20_000], 400, "truncated"),
    ],
)
def test_one_bad_file_refuses_the_upload_and_stores_nothing(hr_api, bad, status, code):
    person = make_person()
    upload = files(("good.jpg", photos.read(photos.OBAMA)), ("bad.jpg", bad))
    response = hr_api.post(photos_url(person), {"images": upload}, format="multipart")
    assert response.status_code == status
    error = error_of(response)
    assert error["code"] == code and list(error["fields"]) == ["images.1"]
    assert not FacePhoto.objects.exists()


def test_a_too_large_photo_is_a_413(hr_api, settings):
    settings.UPLOAD_MAX_BYTES = 100_000
    person = make_person()
    response = hr_api.post(
        photos_url(person), {"images": files(("big.jpg", photos.read(photos.OBAMA_3)))}, format="multipart"
    )
    assert response.status_code == 413 and error_of(response)["code"] == "too_large"


def test_a_json_body_or_no_file_is_refused_clearly(hr_api):
    person = make_person()
    assert hr_api.post(photos_url(person), {"images": "x"}, format="json").status_code == 415
    response = hr_api.post(photos_url(person), {}, format="multipart")
    assert response.status_code == 400 and "images" in error_of(response)["fields"]


def test_deleting_a_photo_removes_its_file(hr_api, run_workers):
    person = make_person()
    with run_workers():
        body = hr_api.post(
            photos_url(person), {"images": files(("a.jpg", photos.read(photos.OBAMA)))}, format="multipart"
        ).json()
    photo = FacePhoto.objects.get(pk=body["photos"][0]["id"])
    storage, name = photo.image.storage, photo.image.name
    with run_workers():
        assert hr_api.delete(f"{photos_url(person)}{photo.pk}/").status_code == 204
    assert not FacePhoto.objects.exists() and not storage.exists(name)


def test_photos_of_another_person_or_no_person_are_404(hr_api):
    person, other = make_person("A One", employee_id="1"), make_person("B Two", employee_id="2")
    hr_api.post(photos_url(person), {"images": files(("a.jpg", photos.read(photos.OBAMA)))}, format="multipart")
    photo = FacePhoto.objects.get()
    assert hr_api.get(f"{photos_url(other)}{photo.pk}/").status_code == 404
    assert hr_api.get("/api/v1/people/999/photos/").status_code == 404
    assert hr_api.post("/api/v1/people/999/photos/", {}, format="multipart").status_code == 404


def test_a_viewer_cannot_see_or_add_photos(viewer_api):
    person = make_person()
    assert viewer_api.get(photos_url(person)).status_code == 403
    response = viewer_api.post(photos_url(person), {"images": files(("a.jpg", photos.read(photos.OBAMA)))})
    assert response.status_code == 403 and not FacePhoto.objects.exists()
