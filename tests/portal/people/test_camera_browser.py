"""Webcam enrollment in a real headless Chromium, its fake camera fed real photos.

The portal runs as real processes (tests/e2e/stack.py: gunicorn, PostgreSQL,
Redis and a separate worker), so the photo statuses on the page are updated
by its polling while the worker encodes. The camera video is written here
from three fixture photos of Obama, one second each, so that shots taken a
second apart show different photos.
"""

import pytest

from tests import photos
from tests.e2e.camera import camera_picture, launch, write_y4m
from tests.e2e.stack import ADMIN, running_stack

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with running_stack(tmp_path_factory.mktemp("enroll-camera"), production=True) as running:
        yield running


@pytest.fixture
def page(stack, tmp_path):
    from playwright.sync_api import sync_playwright

    camera = write_y4m(
        tmp_path / "camera.y4m",
        [camera_picture(p, face_share=2.4) for p in (photos.OBAMA, photos.OBAMA_2, photos.OBAMA_3)],
    )
    with sync_playwright() as playwright:
        browser = launch(playwright, camera)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.goto(stack.url + "/accounts/login/?next=/people/")
            page.fill("input[name=username]", ADMIN[0])
            page.fill("input[name=password]", ADMIN[1])
            page.click("main button[type=submit]")  # not the header's language switcher
            page.wait_for_url("**/people/")
            yield page
        finally:
            browser.close()


def test_three_webcam_shots_are_uploaded_and_their_statuses_update_by_themselves(page):
    page.click("text=Add a person")
    page.fill("input[name=name]", "Barack Obama")
    page.fill("input[name=employee_id]", "1042")
    page.click("button:has-text('Save')")
    page.wait_for_selector("#camera-start")
    assert "We recommend at least 3" in page.inner_text("#recommendation")

    page.click("#camera-start")
    page.wait_for_function("() => document.getElementById('camera-video').videoWidth > 0", timeout=15_000)
    assert "Look straight at the camera" in page.inner_text("#camera-guide")
    assert page.is_disabled("#camera-save")
    guides = []
    for _ in range(3):
        page.click("#camera-shoot")
        page.wait_for_timeout(1100)  # the video moves on to the next photo
        guides.append(page.inner_text("#camera-guide"))
    assert "Turn your head slightly to the left" in guides[0]
    assert page.locator("#camera-shots img").count() == 3
    assert page.inner_text("#camera-save") == "Save 3 photos" and page.is_enabled("#camera-save")

    with page.expect_navigation():
        page.click("#camera-save")
    page.wait_for_selector("#tiles .tile")
    # the worker encodes; the page polls and redraws the tiles without a reload
    page.wait_for_function(
        "() => [...document.querySelectorAll('#tiles .tile')].every(t => ['accepted', 'rejected', 'review']"
        ".includes(t.dataset.status))",
        timeout=90_000,
    )
    statuses = page.eval_on_selector_all("#tiles .tile", "tiles => tiles.map(t => t.dataset.status)")
    assert 1 <= len(statuses) <= 3 and "accepted" in statuses
    accepted = page.locator("#tiles .tile.status-accepted").first
    box = accepted.locator(".facebox")
    assert box.is_visible() and "left:" in box.get_attribute("style")
    assert int(page.inner_text("#accepted-count")) == statuses.count("accepted")
