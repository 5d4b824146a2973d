"""The organization's logo (issue 25, item 11): uploaded on the settings page, checked by Pillow
and redrawn, shown in the header and on the PDFs beside the name, replaced and removed with its file."""

import io
from pathlib import Path

import pypdf
import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, PngImagePlugin

from portal.accounts.roles import ADMIN, HR, VIEWER
from portal.org import logo
from portal.org.models import Organization
from tests.factories import make_user
from tests.portal.reports.conftest import week  # noqa: F401 - the crafted week of two people

pytestmark = pytest.mark.django_db

SCRIPT = b"<script>alert('logo')</script>"


def signed_in(client, role):
    name = f"user-{role}"
    client.force_login(User.objects.filter(username=name).first() or make_user(name, role=role))
    return client


def png(size=(300, 100), colour=(200, 20, 20, 255), *, text=None):
    """A PNG; `text` goes into a tEXt chunk (what a crafted file would hide there)."""
    info = PngImagePlugin.PngInfo()
    if text:
        info.add_text("Comment", text)
    out = io.BytesIO()
    Image.new("RGBA", size, colour).save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def jpeg(size=(240, 120)):
    out = io.BytesIO()
    Image.new("RGB", size, (20, 120, 200)).save(out, format="JPEG")
    return out.getvalue()


def upload(client, data, name="logo.png", content_type="image/png", language="en"):
    return client.post(
        reverse("org-settings"),
        {"name": "Acme", "logo": SimpleUploadedFile(name, data, content_type=content_type)},
        HTTP_ACCEPT_LANGUAGE=language,
    )


def stored_files(settings):
    folder = Path(settings.MEDIA_ROOT) / "organization"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def logo_address(page):
    return page.split('class="brand-logo" src="', 1)[1].split('"', 1)[0].replace("&amp;", "&")


def test_an_uploaded_png_is_redrawn_without_what_it_carried_and_shown_in_every_signed_in_header(client, settings):
    admin = signed_in(client, ADMIN)
    crafted = png(size=(1600, 400), text="<svg onload=alert(1)>") + SCRIPT  # bytes after the image's end
    assert upload(admin, crafted).status_code == 302
    organization = Organization.objects.get(pk=1)
    assert organization.name == "Acme" and organization.logo.name.startswith("organization/logo-")
    page = admin.get(reverse("home")).content.decode()
    address = logo_address(page)
    assert address.startswith(reverse("org-logo") + "?v=logo-") and 'alt=""' in page
    # anyone signed in sees it (the header is on every page); nobody signed out
    answer = signed_in(client, VIEWER).get(address)
    stored = b"".join(answer.streaming_content)
    assert answer.status_code == 200 and answer["Content-Type"] == "image/png"
    assert answer["X-Content-Type-Options"] == "nosniff" and "sandbox" in answer["Content-Security-Policy"]
    assert b"<script" not in stored and b"svg" not in stored and b"tEXt" not in stored
    picture = Image.open(io.BytesIO(stored))
    assert picture.format == "PNG" and picture.size == (800, 200)  # shrunk into LOGO_BOX, shape kept
    assert picture.getpixel((400, 100)) == (200, 20, 20, 255)
    client.logout()
    assert "/login/" in client.get(address)["Location"]


def test_a_jpeg_is_taken_and_stored_as_a_png(client):
    admin = signed_in(client, ADMIN)
    assert upload(admin, jpeg(), name="logo.jpg", content_type="image/jpeg").status_code == 302
    answer = admin.get(reverse("org-logo"))
    picture = Image.open(io.BytesIO(b"".join(answer.streaming_content)))
    assert picture.format == "PNG" and picture.size == (240, 120) and picture.mode == "RGB"


def _svg():
    return b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>'


def _gif():
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, format="GIF")
    return out.getvalue()


def _bomb():
    # 6000 x 6000 of one colour: a few kB of PNG, 36 million pixels once decoded
    out = io.BytesIO()
    Image.new("1", (6000, 6000)).save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    "data, name, content_type, message",
    [
        (_svg(), "logo.svg", "image/svg+xml", "A logo must be a PNG or JPEG picture."),
        (_svg(), "logo.png", "image/png", "A logo must be a PNG or JPEG picture."),  # the name lies
        (b"<html><script>x</script></html>", "logo.png", "image/png", "A logo must be a PNG or JPEG picture."),
        (_gif(), "logo.gif", "image/gif", "A logo must be a PNG or JPEG picture."),
        (png()[:200], "logo.png", "image/png", "A logo must be a PNG or JPEG picture."),  # cut short
        (_bomb(), "logo.png", "image/png", "The logo&#x27;s picture is too large."),
        (b"\x89PNG" + b"\0" * (2 * 1024 * 1024), "logo.png", "image/png", "The logo is larger than 2 MB."),
    ],
    ids=["svg", "svg-named-png", "html", "gif", "truncated", "decompression-bomb", "over-2-MB"],
)
def test_anything_but_a_png_or_jpeg_picture_of_a_sensible_size_is_refused_and_nothing_stored(
    client, settings, data, name, content_type, message
):
    admin = signed_in(client, ADMIN)
    answer = upload(admin, data, name=name, content_type=content_type)
    assert answer.status_code == 400 and message in answer.content.decode()
    assert not Organization.objects.get(pk=1).logo and stored_files(settings) == []


def test_a_refused_logo_is_explained_in_chinese(client):
    admin = signed_in(client, ADMIN)
    page = upload(admin, _svg(), name="logo.svg", content_type="image/svg+xml", language="zh-hans").content.decode()
    assert "标志必须是 PNG 或 JPEG 图片。" in page
    form = admin.get(reverse("org-settings"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "标志" in form and "PNG 或 JPEG 图片，最大 2 MB" in form


def test_a_new_logo_replaces_the_old_file_and_removing_it_deletes_it(
    client, settings, django_capture_on_commit_callbacks
):
    admin = signed_in(client, ADMIN)
    with django_capture_on_commit_callbacks(execute=True):
        upload(admin, png(colour=(255, 0, 0, 255)))
    first = stored_files(settings)
    with django_capture_on_commit_callbacks(execute=True):
        upload(admin, png(colour=(0, 255, 0, 255)))
    second = stored_files(settings)
    assert len(first) == len(second) == 1 and first != second
    page = admin.get(reverse("org-settings")).content.decode()
    assert 'id="current-logo"' in page and 'id="id_remove_logo"' in page
    # saving the name alone keeps the logo
    admin.post(reverse("org-settings"), {"name": "Acme 2"})
    assert stored_files(settings) == second and Organization.objects.get(pk=1).logo
    with django_capture_on_commit_callbacks(execute=True):
        assert admin.post(reverse("org-settings"), {"name": "Acme 2", "remove_logo": "on"}).status_code == 302
    assert stored_files(settings) == [] and not Organization.objects.get(pk=1).logo
    assert 'class="brand-logo"' not in admin.get(reverse("home")).content.decode()
    assert admin.get(reverse("org-logo")).status_code == 404
    # HR may not change it
    assert upload(signed_in(client, HR), png()).status_code == 403


def _images_per_page(content):
    return [len(page.images) for page in pypdf.PdfReader(io.BytesIO(content)).pages]


def test_the_pdfs_print_the_logo_beside_the_name_on_every_page(client, week):  # noqa: F811
    admin = signed_in(client, ADMIN)
    query = {"date_from": "2026-03-02", "date_to": "2026-03-08"}

    def pdfs():
        timesheet = admin.get(reverse("report-export", args=["pdf"]), query)
        monthly = admin.get(reverse("reports-monthly-export", args=["pdf"]), {"month": "2026-03"})
        return b"".join(timesheet.streaming_content), b"".join(monthly.streaming_content)

    timesheet, monthly = pdfs()
    assert set(_images_per_page(timesheet)) == {0} and set(_images_per_page(monthly)) == {0}
    upload(admin, png())
    timesheet, monthly = pdfs()
    assert len(_images_per_page(timesheet)) >= 2 and set(_images_per_page(timesheet)) == {1}
    assert set(_images_per_page(monthly)) == {1}
    first = pypdf.PdfReader(io.BytesIO(timesheet)).pages[0]
    assert "Acme: timesheet" in first.extract_text()
    printed = Image.open(io.BytesIO(first.images[0].data))
    assert printed.size == (300, 100)


def test_the_logo_module_takes_pixels_only(settings):
    cleaned = logo.logo_clean(png(size=(100, 50), text="secret") + SCRIPT)
    assert cleaned.startswith(b"\x89PNG") and b"secret" not in cleaned and SCRIPT not in cleaned
    assert logo.logo_size(cleaned) == (100, 50)
