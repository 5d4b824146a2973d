"""The kiosk in a real headless Chromium, its camera fed a real photo.

The portal runs as real processes (tests/e2e/stack.py); an admin registers
and pairs kiosks through the admin pages over HTTP; Chromium opens the
pairing link, keeps the token, and its fake camera shows a fixture photo
(written as a .y4m video here). Real dlib decides.
"""

import csv
import io
import re
import time

import pytest

from tests.e2e.camera import launch
from tests.e2e.stack import Browser, running_stack

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture(scope="module", params=["embedded", "production"])
def stack(request, tmp_path_factory):
    with running_stack(
        tmp_path_factory.mktemp(f"kiosk-{request.param}"), production=request.param == "production"
    ) as s:
        yield s


@pytest.fixture(scope="module")
def admin(stack):
    browser = Browser(stack.url)
    browser.sign_in_admin()
    browser.enroll_obama_and_biden()
    return browser


def register_kiosk(admin, name, mode="identify", direction="auto", liveness=False):
    fields = {"name": name, "location": "Lobby", "mode": mode, "direction": direction, "_continue": "1"}
    if liveness:
        fields["liveness"] = "on"
    response = admin.submit("/admin/kiosks/kiosk/add/", fields)
    assert response.status_code == 302, response.text[:2000]
    return int(re.search(r"/admin/kiosks/kiosk/(\d+)/change/", response.headers["Location"]).group(1))


def pairing_link(admin, kiosk_id):
    page = admin.submit(f"/admin/kiosks/kiosk/{kiosk_id}/pair/")
    assert page.status_code == 200, page.text[:2000]
    return re.search(r'id="pairing-link" href="([^"]+)"', page.text).group(1)


def open_kiosk(playwright, camera, link, network=None):
    """A Chromium whose camera shows `camera`, paired through the admin's link.

    `network`, if given, handles every attempt the kiosk sends (page.route)."""
    browser = launch(playwright, camera)
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    if network:
        page.route("**/kiosk/api/captures", network)
    page.goto(link)
    page.click("#pair-form button[type=submit]")
    page.wait_for_url("**/kiosk/")
    return browser, page


def result(page, timeout=30_000):
    page.wait_for_selector("#result:not([hidden])", timeout=timeout)
    panel = page.locator("#result")
    return panel.get_attribute("data-outcome"), page.locator("#result-message").inner_text()


def next_person(page):
    """Wait for the kiosk to reset, then tap the button (the still camera never changes by itself)."""
    page.wait_for_selector("#go:not([hidden])", timeout=15_000)
    page.click("#go")


def attendance(admin):
    rows = csv.DictReader(io.StringIO(admin.get("/attendance/export.csv").content.decode("utf-8-sig")))
    return [(r["person"], r["direction"], r["source"]) for r in rows]


def test_a_paired_kiosk_greets_obama_by_name_and_the_cooldown_holds(admin, playwright, cameras):
    kiosk = register_kiosk(admin, "Front door")
    browser, page = open_kiosk(playwright, cameras["obama"], pairing_link(admin, kiosk))
    try:
        # the name comes with the kiosk's settings, fetched with its token
        page.wait_for_function("() => document.getElementById('kiosk-name').textContent.startsWith('Front door')")
        page.wait_for_function("() => document.body.dataset.state === 'sending'", timeout=30_000)
        started = time.monotonic()
        outcome, message = result(page)
        print(f"\nkiosk: frames sent -> result shown in {time.monotonic() - started:.2f} s")
        assert outcome == "checked_in", message
        assert re.fullmatch(r"Good (morning|afternoon|evening), Barack Obama, checked in at \d\d:\d\d", message)
        assert page.locator("#result-photo").get_attribute("src").startswith("data:image/jpeg;base64,")
        assert attendance(admin).count(("Barack Obama", "in", "kiosk")) == 1
        at = message[-5:]

        next_person(page)
        outcome, message = result(page)
        assert outcome == "already" and message == f"Barack Obama, already checked in at {at}"
        assert [row for row in attendance(admin) if row[0] == "Barack Obama"] == [("Barack Obama", "in", "kiosk")]
    finally:
        browser.close()


def test_a_stranger_is_refused(admin, playwright, cameras):
    kiosk = register_kiosk(admin, "Staff entrance")
    browser, page = open_kiosk(playwright, cameras["stranger"], pairing_link(admin, kiosk))
    try:
        outcome, message = result(page)
        assert outcome == "not_recognized" and message == "Not recognized, please try again or see reception"
        assert page.locator("#result-photo").is_hidden()
        assert "Eileen Collins" not in [row[0] for row in attendance(admin)]
    finally:
        browser.close()


def test_verify_mode_refuses_the_wrong_employee_id(admin, playwright, cameras):
    kiosk = register_kiosk(admin, "Server room", mode="verify")
    browser, page = open_kiosk(playwright, cameras["obama"], pairing_link(admin, kiosk))
    try:
        page.wait_for_selector("#keypad:not([hidden])", timeout=30_000)
        page.click("button[data-key='1']")
        page.click("button[data-key='7']")
        page.click("#keypad button.ok")
        outcome, message = result(page)
        assert outcome == "not_verified" and message == "This face does not match employee 17"
        assert "Obama" not in page.content() and "Biden" not in page.content()
        assert "Joe Biden" not in [row[0] for row in attendance(admin)]
    finally:
        browser.close()


def test_an_answer_lost_on_the_way_is_asked_again_and_counted_once(admin, playwright, cameras):
    sent = []

    def flaky_network(route):
        sent.append(route.request.post_data_buffer)
        if len(sent) == 1:
            route.fetch()  # the server takes the attempt ...
            route.abort("connectionreset")  # ... and its answer never arrives
        elif len(sent) == 2:
            route.abort("connectionrefused")  # the server is unreachable for a moment
        else:
            route.continue_()

    kiosk = register_kiosk(admin, "Loading dock")
    browser, page = open_kiosk(playwright, cameras["biden"], pairing_link(admin, kiosk), network=flaky_network)
    try:
        page.wait_for_selector("#offline:not([hidden])", timeout=30_000)
        assert page.locator("#offline").inner_text() == "Cannot reach the server. Trying again…"
        outcome, message = result(page)
        assert outcome == "checked_in" and "Joe Biden, checked in at" in message
        assert page.locator("#offline").is_hidden()
        assert len(sent) == 3 and len({_client_id(body) for body in sent}) == 1
        assert [row for row in attendance(admin) if row[0] == "Joe Biden"] == [("Joe Biden", "in", "kiosk")]
    finally:
        browser.close()


def test_a_kiosk_that_gets_no_answer_gives_up_after_its_bound_and_says_so(admin, playwright, cameras):
    import json

    def short_bound(route):
        config = json.loads(route.fetch().text())
        config["give_up_seconds"] = 5  # the server's KIOSK_GIVE_UP_SECONDS, shortened for the test
        route.fulfill(json=config)

    kiosk = register_kiosk(admin, "Back door")
    browser = launch(playwright, cameras["biden"])
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    page.route("**/kiosk/api/config", short_bound)
    page.route("**/kiosk/api/captures", lambda route: route.abort("connectionrefused"))
    try:
        page.goto(pairing_link(admin, kiosk))
        page.click("#pair-form button[type=submit]")
        page.wait_for_url("**/kiosk/")
        # a function, not a string: the page's CSP forbids eval
        page.wait_for_function("() => document.body.dataset.state === 'sending'", timeout=30_000)
        started = time.monotonic()
        outcome, message = result(page, timeout=20_000)
        assert outcome == "timeout" and message == "No answer yet. Please try again in a moment"
        assert 3 <= time.monotonic() - started <= 12
    finally:
        browser.close()


def test_a_liveness_kiosk_refuses_a_photo_held_still(admin, playwright, cameras):
    # the fake camera shows one still photo: exactly what liveness must stop
    kiosk = register_kiosk(admin, "Pharmacy", liveness=True)
    before = attendance(admin)
    browser, page = open_kiosk(playwright, cameras["obama"], pairing_link(admin, kiosk))
    try:
        outcome, message = result(page)
        assert outcome == "not_live" and message == "Please turn your head a little and try again"
        assert attendance(admin) == before
    finally:
        browser.close()


def _client_id(body):
    return re.search(rb'name="client_id"\r\n\r\n([^\r]+)', body).group(1)


def test_a_revoked_kiosk_says_so(admin, playwright, cameras):
    kiosk = register_kiosk(admin, "Old lobby")
    browser, page = open_kiosk(playwright, cameras["stranger"], pairing_link(admin, kiosk))
    try:
        assert admin.submit(f"/admin/kiosks/kiosk/{kiosk}/revoke/").status_code == 302
        page.reload()
        page.wait_for_selector("#blocked:not([hidden])", timeout=15_000)
        assert page.locator("#blocked-title").inner_text() == "This kiosk has been revoked"
    finally:
        browser.close()
