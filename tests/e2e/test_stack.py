"""End to end over HTTP: admin enrolls, a user uploads, attendance comes out.

Production stack (PostgreSQL, Redis, a separate celery worker process) and the
embedded default (SQLite, tasks in-process), with real dlib on real photos.
"""

import csv
import io
from pathlib import Path

import pytest

from tests import photos
from tests.e2e.stack import Browser, running_stack

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module", params=["production", "embedded"])
def stack(request, tmp_path_factory):
    with running_stack(tmp_path_factory.mktemp(request.param), production=request.param == "production") as running:
        yield running


@pytest.fixture(scope="module")
def admin(stack):
    browser = Browser(stack.url)
    browser.sign_in_admin()
    obama = browser.add_person("Barack Obama", "1042", [photos.OBAMA, photos.OBAMA_2])
    biden = browser.add_person("Joe Biden", "17", [photos.BIDEN, photos.OBAMA_AND_BIDEN])
    assert browser.wait_for_encoding(obama) == ["accepted", "accepted"]
    assert sorted(browser.wait_for_encoding(biden)) == ["accepted", "rejected"]
    return browser


def attendance_rows(browser):
    text = browser.get("/attendance/export.csv").content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_uploaded_photo_of_an_enrolled_person_records_attendance(admin):
    page, status = admin.recognize(photos.OBAMA_3)
    assert status["status"] == "done"
    assert [face["name"] for face in status["faces"]] == ["Barack Obama"]
    assert status["faces"][0]["event"] == "created"
    rows = attendance_rows(admin)
    assert [(r["person"], r["employee_id"], r["direction"], r["source"]) for r in rows] == [
        ("Barack Obama", "1042", "in", "upload")
    ]
    html = admin.get(page).text
    assert "Barack Obama" in html and "1 face found" in html
    annotated = admin.get(html.split('class="photo" src="')[1].split('"')[0])
    assert annotated.headers["Content-Type"] == "image/jpeg" and len(annotated.content) > 10_000


def test_group_photo_names_both_and_a_stranger_is_unknown(admin):
    _, group = admin.recognize(photos.OBAMA_AND_BIDEN)
    assert [face["name"] for face in group["faces"]] == ["Barack Obama", "Joe Biden"]
    _, stranger = admin.recognize(photos.STRANGER)
    assert [face["decision"] for face in stranger["faces"]] == ["unknown"]
    people = [r["person"] for r in attendance_rows(admin)]
    assert people.count("Joe Biden") == 1 and "Eileen Collins" not in people


def test_bad_upload_gets_a_clear_4xx_and_the_portal_keeps_working(admin):
    response = admin.submit("/recognize/", files={"image": ("notes.jpg", b"not an image at all" * 50, "image/jpeg")})
    assert response.status_code == 415 and "not an image" in response.text
    _, status = admin.recognize(photos.OBAMA_2)
    assert status["faces"][0]["name"] == "Barack Obama"


def test_the_separate_worker_searches_the_machines_gallery_file(admin, stack):
    if "CELERY_BROKER_URL" not in stack.env:
        return  # embedded: tasks in the web process, a gallery of its own (nothing to share)
    _, status = admin.recognize(photos.OBAMA_2)
    assert status["faces"][0]["name"] == "Barack Obama"
    files = list(Path(stack.env["GALLERY_SHARED_DIR"]).glob("*/gallery-v2"))
    assert len(files) == 1 and "portal_e2e_" in files[0].parent.name  # this stack's database's folder
    assert "gallery published" in stack.processes.log("worker")
