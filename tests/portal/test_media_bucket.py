"""Media in an S3-compatible bucket (MEDIA_S3_BUCKET) against a real local S3 server (moto's, over
HTTP): settings that cannot work stop start-up, files go to the bucket and nowhere else, protected
pictures are still served only after the role check (streamed, or a short signed address), camera
pictures are replaced in place. The erasure with a bucket: tests/portal/security/test_erasure_everywhere.py;
videos: tests/portal/api/test_videos.py; exports: tests/portal/reports/test_tasks.py."""

from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from portal.accounts.roles import HR, VIEWER
from portal.cameras.pictures import camera_picture_delete, camera_picture_read, camera_picture_write
from portal.settings import _media_bucket
from portal.web.checks import media_bucket_reachable
from tests import photos
from tests.factories import enrolled, make_user, recognize
from tests.media_bucket import s3_endpoint, use_bucket

pytestmark = pytest.mark.django_db


def local_files():
    return [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()]


@pytest.mark.parametrize(
    "env, sendfile, signed, says",
    [
        ({}, "x-accel-redirect", 0, "MEDIA_SENDFILE"),
        ({"MEDIA_S3_ACCESS_KEY_ID": "k"}, "", 0, "MEDIA_S3_SECRET_ACCESS_KEY"),
        ({"MEDIA_S3_ENDPOINT_URL": "minio:9000"}, "", 0, "MEDIA_S3_ENDPOINT_URL"),
        ({}, "", 8 * 24 * 3600, "7 days"),
    ],
)
def test_a_bucket_configuration_that_cannot_work_stops_start_up(monkeypatch, env, sendfile, signed, says):
    for name in ("MEDIA_S3_ACCESS_KEY_ID", "MEDIA_S3_SECRET_ACCESS_KEY", "MEDIA_S3_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=says):
        _media_bucket("photos", sendfile=sendfile, signed=signed)


def test_the_start_up_check_says_when_the_bucket_cannot_be_reached(settings, monkeypatch):
    use_bucket(settings, monkeypatch)
    assert media_bucket_reachable() == []
    settings.MEDIA_S3_BUCKET = "no-such-bucket"
    settings.STORAGES = {**settings.STORAGES, **_media_bucket("no-such-bucket", sendfile="", signed=0)}
    errors = media_bucket_reachable()
    assert [e.id for e in errors] == ["portal.E004"] and "no-such-bucket" in errors[0].msg
    monkeypatch.setenv("MEDIA_S3_SECRET_ACCESS_KEY", "wrong")
    monkeypatch.setenv("MEDIA_S3_ENDPOINT_URL", s3_endpoint().rsplit(":", 1)[0] + ":9")  # nothing listens
    settings.STORAGES = {**settings.STORAGES, **_media_bucket("no-such-bucket", sendfile="", signed=0)}
    assert [e.id for e in media_bucket_reachable()] == ["portal.E004"]


def test_enrollment_photos_and_captures_go_to_the_bucket_and_are_served_only_after_the_role_check(
    client, settings, monkeypatch
):
    bucket = use_bucket(settings, monkeypatch, prefix="portal-media")
    person = enrolled("Barack Obama", photos.OBAMA)
    photo = person.photos.get()
    capture = recognize(photos.read(photos.OBAMA_2))
    stored = bucket.names()
    for field in (photo.image, photo.thumb_small, photo.thumb_medium, capture.image, capture.annotated):
        assert f"portal-media/{field.name}" in stored
    assert local_files() == []  # nothing in the media folder
    assert bucket.read(f"portal-media/{photo.image.name}") == photos.read(photos.OBAMA)

    address = reverse("media-photo", args=[photo.pk])
    assert client.get(address).status_code == 302 and "login" in client.get(address)["Location"]
    client.force_login(make_user("vera", role=VIEWER))
    assert client.get(address).status_code == 403
    client.force_login(make_user("hr", role=HR))
    answer = client.get(address)
    assert answer.status_code == 200 and answer["Content-Type"] == "image/jpeg"
    assert answer["X-Content-Type-Options"] == "nosniff"
    assert b"".join(answer.streaming_content) == photos.read(photos.OBAMA)
    small = client.get(address, {"size": "small"})
    assert b"".join(small.streaming_content)[:3] == b"\xff\xd8\xff"
    annotated = client.get(reverse("media-capture", args=[capture.pk, "annotated"]))
    assert annotated.status_code == 200 and b"".join(annotated.streaming_content)[:3] == b"\xff\xd8\xff"
    # an object gone from the bucket is a 404, not an error
    bucket.client.delete_object(Bucket=bucket.name, Key=f"portal-media/{photo.image.name}")
    assert client.get(address).status_code == 404


def test_with_signed_addresses_the_portal_checks_the_role_then_redirects_for_a_short_while(
    client, settings, monkeypatch
):
    bucket = use_bucket(settings, monkeypatch, signed=120)
    photo = enrolled("Barack Obama", photos.OBAMA).photos.get()
    address = reverse("media-photo", args=[photo.pk])
    client.force_login(make_user("vera", role=VIEWER))
    assert client.get(address).status_code == 403
    client.force_login(make_user("hr", role=HR))
    answer = client.get(address)
    assert answer.status_code == 302 and "no-store" in answer["Cache-Control"]
    target = answer["Location"]
    assert target.startswith(s3_endpoint()) and bucket.name in target and "X-Amz-Expires=120" in target
    # the bucket answers the signed address with the bytes, typed and disposed as the portal said
    fetched = requests.get(target, timeout=30)
    assert fetched.status_code == 200 and fetched.content == photos.read(photos.OBAMA)
    assert fetched.headers["Content-Type"] == "image/jpeg"
    assert fetched.headers["Content-Disposition"].startswith("inline; filename=")
    # and nothing without the signature: the objects are private
    assert requests.get(target.split("?")[0], timeout=30).status_code == 403
    bucket.client.delete_object(Bucket=bucket.name, Key=f"media/{photo.image.name}")
    assert client.get(address).status_code == 404


def test_a_cameras_latest_picture_is_one_object_replaced_in_place_and_deleted(settings, monkeypatch):
    bucket = use_bucket(settings, monkeypatch)
    assert camera_picture_read(7) is None
    camera_picture_write(7, b"\xff\xd8 first")
    camera_picture_write(7, b"\xff\xd8 second")
    assert bucket.names() == ["media/cameras/live/7.jpg"]
    assert camera_picture_read(7) == b"\xff\xd8 second"
    camera_picture_delete(7)
    assert bucket.names() == [] and camera_picture_read(7) is None
    assert local_files() == []
