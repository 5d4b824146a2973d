"""Security walks an empty portal to a working door in a real Chromium, never opening /admin/ (issue 25, 1).

An admin has added and paired a kiosk and two people exist (the kiosk's pairing and
the staff directory are not Security's job). Security then adds, on the portal's own
pages: a zone, a door taking a face or a badge and PIN, a level Monday-Friday
08:00-18:00 closed on holidays (Monday typed, copied to Tuesday-Friday by the page's
button), a second level at any time for the guards, two groups, the kiosk as the
door's entry reader and two PINs. A badge and PIN at the kiosk is granted to the
guard and refused with a wrong PIN; "Who may pass?" opens the door to Ana on a
Wednesday at 10:00 and refuses her on China's national day once the year's holidays
are imported.
"""

import json
import subprocess
import sys
import urllib.parse

import pytest
import requests

from tests.e2e.camera import CHROMIUM
from tests.e2e.stack import ROOT, running_stack

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

SECURITY = ("sam", "sam's long security pass phrase")

PREPARE = """
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from portal.kiosks.services import kiosk_pair, kiosk_pairing_create, kiosk_register
from portal.people.models import Person
sam = get_user_model().objects.create_user(username=%(user)r, password=%(password)r)
sam.groups.add(Group.objects.get(name="Security"))
Person.objects.create(name="Ana Dvořák", employee_id="A-1")
Person.objects.create(name="Bo Guard", employee_id="G-1")
kiosk = kiosk_register(name="Main entrance kiosk", liveness=False)
_, code = kiosk_pairing_create(kiosk=kiosk)
_, token = kiosk_pair(code=code)
print("TOKEN=" + token)
"""

HOLIDAYS = """
from portal.attendance.calendar import calendar_import
print(calendar_import(country="CN", year=2026))
"""


def shell(stack, code):
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=stack.env,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done.stdout


def test_security_sets_up_a_working_door_from_an_empty_portal_without_the_admin(tmp_path, playwright):
    (tmp_path / "stack").mkdir()
    with running_stack(tmp_path / "stack", production=False, extra_env={"TIME_ZONE": "Asia/Shanghai"}) as stack:
        out = shell(stack, PREPARE % {"user": SECURITY[0], "password": SECURITY[1]})
        token = out.split("TOKEN=")[1].split()[0]
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        visited = []
        try:
            page = chromium.new_context(viewport={"width": 1366, "height": 900}).new_page()
            page.set_default_timeout(60_000)
            page.on("request", lambda r: visited.append(r.url))

            def submit():
                page.click("main button.primary[type=submit]")
                page.wait_for_load_state()

            page.goto(stack.url + "/accounts/login/")
            page.fill("#id_username", SECURITY[0])
            page.fill("#id_password", SECURITY[1])
            page.click("main button[type=submit]")
            page.wait_for_url(stack.url + "/access/**")

            # from the Doors page, which is empty, to the setup page
            page.goto(stack.url + "/access/")
            page.click("main a:has-text('set up doors')")
            assert "Who may pass?" in page.inner_text("main")

            page.click("text=Add a zone")
            page.fill("#id_name", "HQ")
            page.fill("#id_time_zone", "Asia/Shanghai")
            submit()

            page.click("text=Add a door")
            page.fill("#id_name", "Main entrance")
            page.select_option("#id_zone", label="HQ")
            page.select_option("#id_mode", "face_or_pin")
            submit()

            page.click("text=Add a level")
            page.fill("#id_name", "Office hours")
            page.check("label:has-text('Main entrance') input")
            assert page.is_checked("#id_closed_on_holidays")
            page.fill("#id_w1_0_start", "08:00")
            page.fill("#id_w1_0_end", "18:00")
            page.click("text=Copy Monday to Tuesday to Friday")
            assert page.input_value("#id_w5_0_end") == "18:00" and page.input_value("#id_w6_0_start") == ""
            submit()
            setup = page.inner_text("main")
            for day in ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]:
                assert f"{day} 08:00–18:00" in setup
            assert "Saturday" not in setup

            page.click("text=Add a level")
            page.fill("#id_name", "Guards")
            page.check("label:has-text('Main entrance') input")
            page.check("#id_any_time")
            page.uncheck("#id_closed_on_holidays")
            submit()

            for group, person, level in [("Staff", "Ana Dvořák", "Office hours"), ("Guards", "Bo Guard", "Guards")]:
                page.click("text=Add a group")
                page.fill("#id_name", group)
                page.select_option("#id_people", label=f"{person} ({'A-1' if person.startswith('Ana') else 'G-1'})")
                page.check(f"fieldset:has(legend:has-text('Access levels')) label:has-text('{level}') input")
                submit()

            page.click("text=Attach kiosks to doors")
            row = page.locator("tr", has_text="Main entrance kiosk")
            row.locator("select[name$='-door']").select_option(label="Main entrance")
            row.locator("select[name$='-door_side']").select_option("entry")
            row.locator("button[type=submit]").click()
            page.wait_for_load_state()
            assert "Main entrance kiosk reads for Main entrance." in page.inner_text("main")

            page.goto(stack.url + "/access/setup/")
            page.click("text=Badge PINs")
            # the picker finds people as the people search does: no accents needed
            for typed, label, pin in [("dvorak", "Ana Dvořák (A-1)", "246800"), ("GUARD", "Bo Guard (G-1)", "135700")]:
                page.fill(".picker-search", typed)
                chosen = page.eval_on_selector("#id_person", "s => s.options[s.selectedIndex].text")
                assert chosen == label, chosen
                page.fill("#id_pin", pin)
                page.fill("#id_pin_again", pin)
                submit()
            assert "Ana Dvořák" in page.inner_text("main") and "Bo Guard" in page.inner_text("main")

            # the kiosk: a badge and PIN, granted to the guard at any hour, refused with a wrong PIN
            def badge(employee_id, pin):
                answer = requests.post(
                    stack.url + "/kiosk/api/badge",
                    data={"employee_id": employee_id, "pin": pin},
                    headers={"Authorization": f"Kiosk {token}"},
                    timeout=120,
                )
                assert answer.status_code == 200, answer.text
                return answer.json()

            granted = badge("G-1", "135700")
            assert (granted["outcome"], granted["access"]) == ("door_open", "granted"), granted
            refused = badge("A-1", "0000")
            assert (refused["outcome"], refused["reason"]) == ("denied", "bad_pin"), refused
            page.goto(stack.url + "/access/log/")
            log = page.inner_text("main")
            assert "Bo Guard" in log and "Wrong badge or PIN" in log

            # Who may pass? Ana on a Wednesday at 10:00, then on the national day once it is imported
            def may_pass(at):
                page.goto(stack.url + "/access/setup/")
                page.select_option("aside #id_person", label="Ana Dvořák (A-1)")
                page.select_option("aside #id_door", label="Main entrance")
                page.fill("aside #id_at", at)
                page.click("aside button[type=submit]")
                page.wait_for_load_state()
                return page.inner_text("section.verdict")

            assert "Yes: the door opens" in may_pass("2026-09-30T10:00")
            assert "Yes: the door opens" in may_pass("2026-10-01T10:00")
            shell(stack, HOLIDAYS)
            verdict = may_pass("2026-10-01T10:00")
            assert "No: Outside your hours" in verdict and "2026-10-01 is a holiday" in verdict, verdict
            assert "Yes: the door opens" in may_pass("2026-09-30T10:00")

            # every access page fits a 390 px phone (issue 25, 14; issue 26's pages)
            page.set_viewport_size({"width": 390, "height": 844})
            too_wide = []
            for path in [
                "/access/", "/access/log/", "/access/on-site/", "/access/muster/", "/access/setup/",
                "/access/readers/", "/access/pins/", "/access/explain/", "/access/visitors/",
            ]:  # fmt: skip
                page.goto(stack.url + path)
                wider = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                if wider > 0:
                    too_wide.append(f"{path}: {wider} px too wide")
            assert not too_wide, "access pages wider than a 390 px phone:\n" + "\n".join(too_wide)
        finally:
            chromium.close()
        opened = [urllib.parse.urlsplit(url).path for url in visited]
        assert not [path for path in opened if path.startswith("/admin")], json.dumps(opened)
