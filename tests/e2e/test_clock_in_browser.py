"""Clocking in from a phone in a real headless Chromium: a 390 px page, the front
camera fed the employee's real photo (a .y4m), Playwright's geolocation.

The portal runs as real processes (tests/e2e/stack.py, the embedded setup);
HR sets up the site and the policy on its own page over HTTP; real dlib
verifies the selfie against the employee's own enrolled face.
"""

import math
import re

import pytest
from django.utils import timezone

from portal.clockin.rules import EARTH_RADIUS_M
from tests import photos, presentations
from tests.e2e.camera import launch, write_y4m
from tests.e2e.stack import ADMIN, Browser, manage, running_stack

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

HEAD = (31.2304, 121.4737)
PASSWORD = "phone-clock-in-test-7"
LINK = """
from django.contrib.auth import get_user_model
from portal.employees.models import EmployeeAccount
from portal.people.models import Person
user = get_user_model().objects.create_user(username="obama", password="{password}")
EmployeeAccount.objects.create(user=user, person=Person.objects.get(employee_id="1042"))
"""


def north(metres):
    return {"latitude": HEAD[0] + math.degrees(metres / EARTH_RADIUS_M), "longitude": HEAD[1], "accuracy": 12}


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with running_stack(tmp_path_factory.mktemp("clock-in"), production=False) as s:
        yield s


@pytest.fixture(scope="module")
def hr(stack):
    browser = Browser(stack.url)
    browser.sign_in_admin()
    obama, _biden = browser.enroll_obama_and_biden()
    fields = {"what": "site", "site-name": "Head office", "site-latitude": HEAD[0], "site-longitude": HEAD[1]}
    assert browser.submit("/org/clock-in/", {**fields, "site-radius_m": 200}).status_code == 302
    # everyone: location required, face required; liveness off because the fake camera shows a still photo
    policy = {"what": "policies", "pdefault-place": "location", "pdefault-face_required": "on"}
    assert browser.submit("/org/clock-in/", policy).status_code == 302
    manage(stack.env, "shell", "-c", LINK.format(password=PASSWORD))
    browser.obama = obama
    return browser


def phone(playwright, stack, camera, language):
    browser = launch(playwright, camera)
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        locale=language,
        geolocation=north(20),
        permissions=["geolocation", "camera"],
    )
    page = context.new_page()
    page.goto(stack.url + "/accounts/login/")
    page.fill("#id_username", "obama")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    page.goto(stack.url + "/me/clock-in/")
    return browser, context, page


def press(page):
    page.wait_for_selector("#go:not([disabled])", timeout=30_000)
    page.click("#go")
    page.wait_for_selector("#result:not([hidden])", timeout=60_000)
    return page.locator("#result").get_attribute("data-outcome"), page.locator("#result").inner_text()


def test_clocking_in_inside_the_site_and_refused_outside_it_in_english_and_chinese(stack, hr, playwright, cameras):
    browser, context, page = phone(playwright, stack, cameras["obama"], "en-US")
    try:
        assert "Your location is read only at the moment you press Clock in" in page.inner_text("main")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        outcome, message = press(page)
        assert outcome == "checked_in", message
        assert re.fullmatch(r"Checked in at \d\d:\d\d \(Head office\)", message)

        context.set_geolocation(north(340))
        outcome, message = press(page)
        assert outcome == "too_far"
        assert message == "You are 340 m from Head office; clock-in is allowed within 200 m"
    finally:
        browser.close()

    browser, context, page = phone(playwright, stack, cameras["obama"], "zh-CN")
    try:
        assert "只有在你按下“打卡”的那一刻才会读取你的位置" in page.inner_text("main")
        context.set_geolocation(north(340))
        outcome, message = press(page)
        assert (outcome, message) == ("too_far", "你距离Head office 340 米；需在 200 米范围内打卡")
        context.set_geolocation(north(20))
        outcome, message = press(page)
        assert outcome == "already" and message.startswith("已于"), message  # within the cooldown
    finally:
        browser.close()

    # HR sees the phone event with where it was clocked from, on the day page
    events = hr.get("/attendance/export.csv").content.decode("utf-8-sig")
    assert events.count("phone") == 1
    day = re.search(r"/attendance/day/\d+/(\d{4}-\d\d-\d\d)/", hr.get(f"/people/{hr.obama}/").text)
    assert day, "the person page links to the day"
    shown = hr.get(f"/attendance/day/{hr.obama}/{day.group(1)}/").text
    assert re.search(r"at 31\.2305\d, 121\.47370 \(±12 m\)", shown), shown[-3000:]


def test_someone_elses_face_is_refused_in_the_browser(stack, hr, playwright, cameras):
    browser, _, page = phone(playwright, stack, cameras["biden"], "en-US")
    try:
        outcome, message = press(page)
        assert (outcome, message) == ("no_match", "The face does not match")
    finally:
        browser.close()


def test_with_liveness_a_still_photo_is_refused_and_a_turning_head_is_taken(stack, hr, playwright, cameras, tmp_path):
    policy = {"what": "policies", "pdefault-place": "location", "pdefault-face_required": "on"}
    assert hr.submit("/org/clock-in/", {**policy, "pdefault-liveness": "on"}).status_code == 302
    browser, _, page = phone(playwright, stack, cameras["obama"], "en-US")
    try:
        assert press(page)[0] == "not_live"
    finally:
        browser.close()
    # his head turning one way and back, over and over: the frames the page takes see it turn
    head = presentations.face_crop(photos.OBAMA)
    sweep = presentations.turning(head, yaw=20.0, frames=10, seed=1, direction=1)
    turning = write_y4m(tmp_path / "turning.y4m", sweep + sweep[::-1], frames_each=1)
    browser, _, page = phone(playwright, stack, turning, "en-US")
    try:
        outcome, message = press(page)
        # checked in already by the test above: within the cooldown it says so, verified and live
        assert outcome in ("checked_in", "checked_out", "already"), message
    finally:
        browser.close()
    assert hr.submit("/org/clock-in/", policy).status_code == 302


def test_hrs_pages_fit_a_phone(stack, hr, playwright, cameras, tmp_path):
    browser = launch(playwright, cameras["obama"])
    try:
        page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
        page.goto(stack.url + "/accounts/login/")
        page.fill("#id_username", ADMIN[0])
        page.fill("#id_password", ADMIN[1])
        page.click("main button[type=submit]")
        page.wait_for_load_state()
        for path in ("/org/clock-in/", f"/attendance/day/{hr.obama}/{timezone.localdate():%Y-%m-%d}/"):
            page.goto(stack.url + path)
            page.screenshot(path=str(tmp_path / (path.strip("/").replace("/", "-") + ".png")), full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
    finally:
        browser.close()
