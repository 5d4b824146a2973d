"""A fresh install walked as its new admin in a real Chromium, never opening the Django admin.

The admin signs in on the portal's own page; creates a department with its
working hours, invites an HR manager, adds a kiosk and pairs a second
browser (whose fake camera shows Obama) with it; enrolls Obama into the
department from a ZIP; and sees his check-in on the dashboard. Then every
page is photographed at 1366 and 390 px wide (into a temporary folder, never
committed) and at 390 px no page may be wider than the screen.
"""

import io
import os
import re
import zipfile
from pathlib import Path

import pytest
from django.utils import timezone

from tests import photos
from tests.e2e.camera import camera_picture, launch, write_y4m
from tests.e2e.stack import ADMIN, running_stack

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

WIDTHS = {"desktop": (1366, 900), "phone": (390, 844)}
# ORGPAGES_SCREENSHOTS=/some/folder keeps the screenshots for a person to look at
SHOTS = os.environ.get("ORGPAGES_SCREENSHOTS")


def obama_zip():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("Barack_Obama/1.jpg", photos.read(photos.OBAMA_2))
        archive.writestr("Barack_Obama/2.jpg", photos.read(photos.OBAMA_3))
    return out.getvalue()


def overflow(page):
    """How many pixels the page is wider than the window (0: fits)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_a_new_admin_sets_up_the_organization_and_sees_a_kiosk_check_in(tmp_path, playwright):
    camera = write_y4m(tmp_path / "obama.y4m", [camera_picture(photos.OBAMA)])
    shots = Path(SHOTS) if SHOTS else tmp_path / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    visited = []
    (tmp_path / "stack").mkdir()
    with running_stack(tmp_path / "stack", production=False) as stack:
        chromium = launch(playwright, camera)
        try:
            context = chromium.new_context(viewport={"width": 1366, "height": 900})
            page = context.new_page()
            page.on("request", lambda r: visited.append(r.url))

            def go(path):
                page.goto(stack.url + path)
                assert page.title(), path

            # sign in on the portal's own page
            go("/accounts/login/")
            page.fill("#id_username", ADMIN[0])
            page.fill("#id_password", ADMIN[1])
            page.click("main button[type=submit]")  # not the header's language switcher
            page.wait_for_url(stack.url + "/")

            # a department with its own hours, every day, alternating check-in and check-out
            go("/org/")
            page.click("text=Departments")
            page.click("text=Add a department")
            page.fill("#id_name", "Ward 3")
            page.check("#id_own_schedule")
            for day in range(7):
                page.check(f"#id_working_days_{day}")
            page.fill("#id_start", "07:00")
            page.fill("#id_end", "19:00")
            page.select_option("#id_punch_mode", "alternate")
            page.click("main button.primary[type=submit]")
            assert "Ward 3" in page.inner_text("main") and "07:00–19:00" in page.inner_text("main")

            # an HR manager, invited with a one-time link
            go("/org/users/invite/")
            page.fill("#id_username", "hanna")
            page.select_option("#id_role", "hr")
            page.click("main button.primary[type=submit]")
            link = page.get_attribute("#password-link", "href")
            assert "/accounts/set-password/" in link
            # ... which she opens in her own browser to choose a password, then signs in as HR
            hanna = chromium.new_context(viewport={"width": 390, "height": 844}).new_page()
            hanna.goto(link)
            hanna.fill("#id_new_password1", "hanna's own long pass phrase")
            hanna.fill("#id_new_password2", "hanna's own long pass phrase")
            hanna.click("main button[type=submit]")
            hanna.click("text=Sign in")
            hanna.fill("#id_username", "hanna")
            hanna.fill("#id_password", "hanna's own long pass phrase")
            hanna.click("main button[type=submit]")
            hanna.wait_for_url(stack.url + "/")
            hanna.goto(stack.url + "/org/")
            assert "Departments" in hanna.inner_text("main") and "Users and roles" not in hanna.inner_text("main")
            hanna.context.close()

            # a kiosk: liveness is on by default; this test's camera shows a still photo, so it goes off here
            go("/org/kiosks/new/")
            assert page.is_checked("#id_liveness")
            assert "Does not stop a video" in page.inner_text("main")
            page.fill("#id_name", "Front door")
            page.fill("#id_location", "Lobby")
            page.uncheck("#id_liveness")
            page.click("main button.primary[type=submit]")
            kiosk_url = page.url
            page.click("main form button:has-text('Pair a browser')")
            pairing = page.get_attribute("#pairing-link", "href")

            # enroll Obama into the department from a ZIP
            go("/people/import/")
            page.set_input_files(
                "#id_archive", {"name": "ward3.zip", "mimeType": "application/zip", "buffer": obama_zip()}
            )
            page.select_option("#id_department", label="Ward 3")
            page.click("main button.primary[type=submit]")
            page.wait_for_url(re.compile(r".*/people/import/\d+/$"))
            page.wait_for_function("() => document.body.innerText.includes('people created')", timeout=120_000)
            go("/people/?q=Obama")
            assert "Ward 3" in page.inner_text("main")
            page.click("text=Barack Obama")
            person_url = page.url

            # the kiosk: a second browser opens the pairing link; its camera shows Obama
            kiosk_page = chromium.new_page(viewport={"width": 1024, "height": 768})
            kiosk_page.goto(pairing)
            kiosk_page.click("#pair-form button[type=submit]")
            kiosk_page.wait_for_url("**/kiosk/")
            assert kiosk_page.inner_text("#go") in ("Tap to check in or out", "")
            kiosk_page.wait_for_selector("#result:not([hidden])", timeout=60_000)
            outcome = kiosk_page.get_attribute("#result", "data-outcome")
            message = kiosk_page.inner_text("#result-message")
            assert outcome == "checked_in", message
            assert "Barack Obama, checked in at" in message

            # the dashboard shows him present
            go("/")
            page.wait_for_function("() => document.body.innerText.includes('Barack Obama')")
            row = page.locator("tr", has_text="Barack Obama").inner_text()
            assert "present" in row and "Ward 3" in row

            pk = re.search(r"/people/(\d+)/", person_url).group(1)
            today = timezone.localdate().isoformat()
            pages = [
                "/", "/recognize/", "/reports/", f"/reports/timesheet/?person={pk}", "/attendance/",
                f"/attendance/day/{pk}/{today}/", "/attendance/schedules/", "/attendance/schedules/new/",
                "/people/", "/people/new/", f"/people/{pk}/", f"/people/{pk}/edit/", "/people/import/",
                "/org/", "/org/departments/", "/org/departments/new/", "/org/users/", "/org/users/invite/",
                "/org/kiosks/", "/org/kiosks/new/", kiosk_url.removeprefix(stack.url), "/org/tokens/",
            ]  # fmt: skip
            too_wide = []
            for name, (width, height) in WIDTHS.items():
                page.set_viewport_size({"width": width, "height": height})
                for path in pages:
                    go(path)
                    slug = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
                    page.screenshot(path=str(shots / f"{name}-{slug}.png"), full_page=True)
                    if name == "phone" and overflow(page) > 0:
                        too_wide.append(f"{path}: {overflow(page)} px too wide")
            assert not too_wide, "pages wider than a 390 px phone:\n" + "\n".join(too_wide)

            # on the phone the menu hides behind its button
            go("/")
            assert not page.is_visible("#site-nav") and page.is_visible(".menu-button")
            page.click(".menu-button")
            assert page.is_visible("#site-nav a[href='/org/']")
            assert not [url for url in visited if "/admin/" in url]
        finally:
            chromium.close()
    assert len(list(shots.glob("*.png"))) == 2 * len(pages)
