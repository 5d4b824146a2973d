"""Uploads are never served as active content; every stored file is served
only through the view of what it belongs to, to those allowed to read it."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from portal.accounts.roles import ADMIN, HR, VIEWER
from portal.reports.models import ReportExport
from portal.reports.services import report_export_run
from recognition import imaging
from recognition.models import Capture, FacePhoto
from tests import photos
from tests.factories import make_person, make_user

pytestmark = pytest.mark.django_db
SCRIPT = b"<html><script>fetch('/api/v1/tokens/',{method:'POST'})</script></html>"


def jpeg_with_a_script():
    """A valid JPEG whose comment segment is an HTML page (the reported attack)."""
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 150, 120)).save(out, format="JPEG")
    data = out.getvalue()
    comment = b"\xff\xfe" + (len(SCRIPT) + 2).to_bytes(2, "big") + SCRIPT
    return data[:2] + comment + data[2:]


@pytest.fixture
def hr(client):
    client.force_login(make_user("hr", role=HR))
    return client


def test_a_picture_named_html_is_stored_and_served_as_a_jpeg_never_as_a_page(hr):
    data = jpeg_with_a_script()
    assert imaging.decode(data).size == (64, 64)  # a picture the portal accepts
    hr.post(reverse("recognize"), {"image": SimpleUploadedFile("x.html", data, content_type="text/html")})
    capture = Capture.objects.get()
    assert capture.image.name.endswith(".jpg")
    response = hr.get(reverse("media-capture", args=[capture.pk, "image"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline;")
    assert "sandbox" in response["Content-Security-Policy"]


def test_an_enrollment_photo_named_html_is_served_by_the_api_as_a_jpeg(hr):
    person = make_person("Barack Obama", "1042")
    files = {"images": SimpleUploadedFile("x.html", jpeg_with_a_script(), content_type="text/html")}
    response = hr.post(reverse("api:photo-list", args=[person.pk]), files)
    assert response.status_code == 201
    photo = FacePhoto.objects.get()
    assert photo.image.name.endswith(".jpg")
    image = hr.get(reverse("api:photo-image", args=[person.pk, photo.pk]))
    assert image["Content-Type"] == "image/jpeg" and image["X-Content-Type-Options"] == "nosniff"
    page = hr.get(reverse("media-photo", args=[photo.pk]))
    assert page["Content-Type"] == "image/jpeg" and page["X-Content-Type-Options"] == "nosniff"


def test_a_stored_file_of_an_unknown_type_is_only_ever_a_download(hr):
    # files stored before suffixes were chosen by the server keep the client's
    photo = FacePhoto.objects.create(person=make_person("Old Upload", "9"), sha256="0" * 64)
    photo.image.save("legacy.html", io.BytesIO(SCRIPT), save=True)
    response = hr.get(reverse("media-photo", args=[photo.pk]))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")


def test_postscript_is_refused_unread_although_pillow_knows_it():
    eps = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n%%EndComments\nshowpage\n"
    with pytest.raises(imaging.ImageRejected) as refused:
        imaging.decode(eps)
    assert refused.value.code == "not_image"


@pytest.mark.parametrize("fmt, suffix", [("PNG", ".png"), ("WEBP", ".webp"), ("GIF", ".gif"), ("BMP", ".bmp")])
def test_each_accepted_format_is_stored_with_its_own_suffix(fmt, suffix):
    out = io.BytesIO()
    Image.new("RGB", (32, 32)).save(out, format=fmt)
    assert imaging.stored_name(out.getvalue(), "photo") == "photo" + suffix


@pytest.mark.parametrize(
    "filename, photo, video",
    [
        ("face.JPG", ".jpg", ".bin"),
        ("walk.Mp4", ".bin", ".mp4"),
        ("page.html", ".bin", ".bin"),
        ("no-suffix", ".bin", ".bin"),
        ("clip.webm", ".bin", ".webm"),
        ("photo.webp", ".webp", ".bin"),
    ],
)
def test_a_stored_picture_or_video_keeps_a_suffix_of_its_own_kind_only(filename, photo, video):
    from types import SimpleNamespace

    from recognition.models import photo_path, video_path

    assert photo_path(SimpleNamespace(person_id=7), filename).endswith(photo)
    assert video_path(SimpleNamespace(), filename).endswith(video)


def test_the_media_folder_has_no_address_of_its_own(hr):
    hr.post(reverse("recognize"), {"image": SimpleUploadedFile("p.jpg", photos.read(photos.OBAMA_2))})
    capture = Capture.objects.get()
    assert hr.get("/media/" + capture.image.name).status_code == 404


def test_kiosk_attempt_pictures_are_for_admins_only(client):
    from tests.portal.kiosks.kiosk_helpers import paired_kiosk

    kiosk, _ = paired_kiosk()
    capture = Capture.objects.create(kiosk=kiosk, source=Capture.Source.KIOSK, status=Capture.Status.DONE)
    capture.image.save("frame-0.jpg", io.BytesIO(photos.read(photos.OBAMA_2)), save=True)
    url = reverse("media-capture", args=[capture.pk, "image"])
    client.force_login(make_user("hr", role=HR))
    assert client.get(url).status_code == 404
    client.force_login(make_user("boss", role=ADMIN))
    assert client.get(url).status_code == 200


def _finished_export(owner):
    export = ReportExport.objects.create(
        user=owner, format="csv", filters={"date_from": "2026-03-02", "date_to": "2026-03-08"}, status="running"
    )
    return report_export_run(export=export)


def test_an_export_is_downloaded_by_its_owner_only_and_never_at_a_media_address(client):
    owner, other = make_user("owner", role=VIEWER), make_user("other-hr", role=HR)
    export = _finished_export(owner)
    assert export.status == "done" and export.file.name.startswith("exports/")
    client.force_login(other)
    assert client.get("/media/" + export.file.name).status_code == 404  # the guessable address
    assert client.get(reverse("report-export-download", args=[export.pk])).status_code == 403
    client.force_login(owner)
    response = client.get(reverse("report-export-download", args=[export.pk]))
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff" and "no-store" in response["Cache-Control"]
    client.force_login(make_user("boss", role=ADMIN))
    assert client.get(reverse("report-export-download", args=[export.pk])).status_code == 200


def test_behind_nginx_the_view_decides_and_the_proxy_sends_the_bytes(hr, settings):
    settings.MEDIA_SENDFILE = "x-accel-redirect"
    settings.MEDIA_ACCEL_PREFIX = "/protected-media/"
    hr.post(reverse("recognize"), {"image": SimpleUploadedFile("p.jpg", photos.read(photos.OBAMA_2))})
    capture = Capture.objects.get()
    response = hr.get(reverse("media-capture", args=[capture.pk, "image"]))
    assert response["X-Accel-Redirect"] == "/protected-media/" + capture.image.name
    assert response.content == b"" and response["X-Content-Type-Options"] == "nosniff"
    settings.MEDIA_SENDFILE = "x-sendfile"
    response = hr.get(reverse("media-capture", args=[capture.pk, "image"]))
    assert response["X-Sendfile"] == capture.image.path
    client_viewer = hr
    client_viewer.force_login(make_user("vera", role=VIEWER))
    refused = client_viewer.get(reverse("media-capture", args=[capture.pk, "image"]))
    assert refused.status_code == 403 and "X-Sendfile" not in refused
