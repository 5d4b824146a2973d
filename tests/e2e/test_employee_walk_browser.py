"""An employee's own side walked for real in Chromium, in English and in Chinese (issue 22, "Done when").

HR invites an employee by e-mail from the accounts page; the message is caught by a
real SMTP server started here (aiosmtpd) and its link followed on a phone-sized page,
where the employee chooses a password, signs in, and asks for a missed punch and a
day of annual leave. The department's manager, in a browser of their own, approves
both on the approvals page and sees the leave on My team. The employee's calendar
then shows the leave and the added event, their own API token reads their two
requests only, and HR's monthly summary (月度汇总) counts the leave day. The same walk
again with every browser in Chinese. (Clocking in from a phone has its own test.)
"""

import email
import email.policy
import re
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta

import pytest
import requests
from django.utils import translation

from tests.e2e.camera import CHROMIUM
from tests.e2e.stack import ROOT, free_port, running_stack, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

HR = ("hana", "hana's long HR pass phrase")
MANAGER = ("M-1", "the manager's long pass phrase")
PHONE = {"width": 390, "height": 844}

PREPARE = """
from datetime import timedelta
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from portal.employees.services import manager_add
from portal.people.models import Department, Person
from portal.requests.models import ApprovalFlow, LeaveEntitlement, LeaveType
from portal.employees.models import EmployeeAccount

users = get_user_model()
hr = users.objects.create_user(username=%(hr)r, password=%(hr_password)r)
hr.groups.add(Group.objects.get(name="HR manager"))
sales = Department.objects.create(name="Sales")
long_ago = timezone.now() - timedelta(days=60)
for name, employee_id in [("Ana Lopez", "E-101"), ("李娜", "E-102"), ("Max Chen", "M-1")]:
    Person.objects.create(name=name, employee_id=employee_id, department=sales)
Person.objects.update(created_at=long_ago)
max_user = users.objects.create_user(username="M-1", password=%(manager_password)r, email="max@example.com")
EmployeeAccount.objects.create(user=max_user, person=Person.objects.get(employee_id="M-1"))
manager_add(department=sales, person=Person.objects.get(employee_id="M-1"))
for kind in ("missed_punch", "leave"):
    ApprovalFlow.objects.update_or_create(kind=kind, defaults={"flow": "manager"})
annual = LeaveType.objects.get(code="annual")
today = timezone.localdate()
for year in (today.year, today.year + 1):
    LeaveEntitlement.objects.create(leave_type=annual, year=year, department=sales, days=5)
print("ANNUAL=%%d" %% annual.pk)
"""


class Mailbox:
    """What the SMTP server received, as parsed messages."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        with self.lock:
            self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"

    def to(self, address):
        with self.lock:
            return [m for m in self.messages if address in str(m["To"])]


@pytest.fixture(scope="module")
def smtp():
    from aiosmtpd.controller import Controller

    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port, box
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def stack(tmp_path_factory, smtp):
    port, _ = smtp
    tmp = tmp_path_factory.mktemp("employee-walk")
    with running_stack(tmp, production=False, extra_env={"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port)}) as up:
        done = subprocess.run(
            [
                sys.executable,
                "manage.py",
                "shell",
                "-c",
                PREPARE % {"hr": HR[0], "hr_password": HR[1], "manager_password": MANAGER[1]},
            ],
            cwd=ROOT,
            env=up.env,
            check=True,
            capture_output=True,
            text=True,
            timeout=300,
        )
        up.annual = int(done.stdout.split("ANNUAL=")[1].split()[0])
        yield up


def working_day(start, step):
    """The first Monday-Friday from `start` going `step` days at a time (the default schedule)."""
    day = start
    while day.weekday() >= 5:
        day += timedelta(days=step)
    return day


def words(language, *texts):
    """The page's words in `language`, read from the portal's own catalogue."""
    with translation.override(language):
        return [translation.gettext(t) for t in texts]


def counted(language, singular, plural, count):
    with translation.override(language):
        return translation.ngettext(singular, plural, count) % {"count": count}


def sign_in(page, url, username, password):
    page.goto(url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, page.inner_text("main")


@pytest.mark.parametrize(
    "language, locale, name, employee_id",
    [("en", "en-US", "Ana Lopez", "E-101"), ("zh-hans", "zh-CN", "李娜", "E-102")],
    ids=["english", "chinese"],
)
def test_invited_by_email_an_employee_asks_and_the_manager_approves_from_their_own_browser(
    stack, smtp, playwright, language, locale, name, employee_id
):
    _, mailbox = smtp
    told = len(mailbox.to("max@example.com"))
    address = f"{employee_id.lower()}@example.com"
    password = f"{employee_id} chooses a long pass phrase"
    today = datetime.now(UTC).date()  # the stack's TIME_ZONE is UTC
    missed_day = working_day(today - timedelta(days=1), -1)
    leave_day = working_day(today + timedelta(days=1), 1)
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
    try:
        hr = chromium.new_context(locale=locale, viewport={"width": 1280, "height": 900}).new_page()
        phone = chromium.new_context(locale=locale, viewport=PHONE, is_mobile=True, has_touch=True).new_page()
        manager = chromium.new_context(locale=locale, viewport=PHONE, is_mobile=True, has_touch=True).new_page()
        for page in (hr, phone, manager):
            page.set_default_timeout(60_000)

        # HR invites by e-mail from the accounts page
        sign_in(hr, stack.url, *HR)
        hr.goto(stack.url + f"/employees/accounts/?q={employee_id}")
        hr.check(f"input[name=people][aria-label='{name}']")
        hr.fill("main input[type=email]", address)
        hr.click("main button.primary")
        hr.wait_for_load_state()
        assert counted(language, "%(count)d invitation sent.", "%(count)d invitations sent.", 1) in hr.inner_text(
            "main"
        )

        # the invitation arrives at the SMTP server; its link leads to choosing a password
        wait_until(lambda: mailbox.to(address), 30, "the invitation e-mail")
        body = mailbox.to(address)[0].get_body(preferencelist=("plain",)).get_content()
        link = re.search(r"https?://\S+/accounts/set-password/\S+", body).group(0)
        assert link.startswith(stack.url)
        phone.goto(link)
        phone.fill("#id_new_password1", password)
        phone.fill("#id_new_password2", password)
        phone.click("main button.primary")
        phone.wait_for_url("**/accounts/set-password/done/")
        sign_in(phone, stack.url, employee_id, password)
        assert phone.url.endswith("/me/")
        (mine,) = words(language, "My attendance")
        assert mine in phone.inner_text("h1")

        # a missed punch (补卡) and a day of annual leave (请假)
        phone.goto(stack.url + "/me/requests/new/missed_punch/")
        phone.fill("#id_at", f"{missed_day.isoformat()}T09:02")
        phone.select_option("#id_direction", "in")
        phone.fill("#id_reason", "The kiosk was down")
        phone.click("main button.primary")
        phone.wait_for_url(re.compile(r".*/requests/\d+/$"))
        punch_id = int(phone.url.rstrip("/").rsplit("/", 1)[1])
        phone.goto(stack.url + "/me/requests/new/leave/")
        phone.select_option("#id_leave_type", str(stack.annual))
        phone.select_option("#id_unit", "days")
        phone.fill("#id_start_day", leave_day.isoformat())
        phone.fill("#id_end_day", leave_day.isoformat())
        phone.fill("#id_reason", "Family visit")
        phone.click("main button.primary")
        phone.wait_for_url(re.compile(r".*/requests/\d+/$"))
        leave_id = int(phone.url.rstrip("/").rsplit("/", 1)[1])
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

        # the manager is told of each by e-mail too, and approves both from their own phone
        wait_until(lambda: len(mailbox.to("max@example.com")) >= told + 2, 30, "the manager's e-mails")
        sign_in(manager, stack.url, *MANAGER)
        manager.goto(stack.url + "/requests/?status=pending")
        for pk in (punch_id, leave_id):
            manager.check(f"input[name=ids][value='{pk}']")
        manager.click("main form[method=post] button.primary")
        manager.wait_for_load_state()
        done = counted(language, "%(count)d request approved.", "%(count)d requests approved.", 2)
        assert done in manager.inner_text("main")
        approved, status = words(language, "approved", "Status")
        for pk in (punch_id, leave_id):
            manager.goto(stack.url + f"/requests/{pk}/")
            assert manager.locator("main p", has_text=status).locator("strong").first.inner_text() == approved

        # the employee's calendar: the leave day marked, the missed punch an event of the month
        phone.goto(stack.url + f"/me/?month={leave_day:%Y-%m}")
        leave_cell = phone.locator(".month-calendar .day:not(.blank)").nth(leave_day.day - 1)
        assert "mark-leave" in leave_cell.get_attribute("class")
        phone.goto(stack.url + f"/me/?month={missed_day:%Y-%m}")
        punch_cell = phone.locator(".month-calendar .day:not(.blank)").nth(missed_day.day - 1)
        marks = punch_cell.get_attribute("class").split()
        assert "mark-absent" not in marks and {"mark-late", "mark-missing", "mark-present"} & set(marks), marks
        events = phone.inner_text("table.grid")
        (manual,) = words(language, "Manual")
        assert manual in events and "09:02" in events
        phone.goto(stack.url + "/notifications/")
        assert approved in phone.inner_text("main")

        # the manager's My team page: the leave on its day, on a phone without sideways scrolling
        manager.goto(stack.url + f"/team/?day={leave_day.isoformat()}")
        (annual,) = words(language, "Annual leave")
        row = manager.locator("table.team-days tbody tr", has_text=name).inner_text()
        assert annual in row, row
        assert manager.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

        # the employee's own API token reads their two requests, and nobody else's
        phone.goto(stack.url + "/me/tokens/")
        phone.fill("#id_name", "my phone")
        phone.click("main button.primary")
        key = phone.inner_text("#token-key").strip()
        mine = requests.get(
            stack.url + "/api/v1/requests/", headers={"Authorization": f"Bearer {key}"}, timeout=30
        ).json()["results"]
        assert sorted(r["id"] for r in mine) == sorted([punch_id, leave_id])
        people = requests.get(stack.url + "/api/v1/people/", headers={"Authorization": f"Bearer {key}"}, timeout=30)
        assert people.status_code == 403

        # HR's monthly summary counts the leave day in its Leave (days) column
        hr.goto(stack.url + f"/reports/monthly/?month={leave_day:%Y-%m}")
        titles = [t.strip() for t in hr.locator("table.monthly thead th").all_inner_texts()]
        (leave_title,) = words(language, "Leave (days)")
        row = hr.locator("table.monthly tbody tr", has_text=name)
        values = [v.strip() for v in row.locator("td").all_inner_texts()]
        assert float(values[titles.index(leave_title)]) == 1.0
        first_day = len(titles) - hr.locator("table.monthly thead th.day").count()
        with translation.override(language):
            symbol = translation.pgettext("month grid symbol: on leave", "V")
        assert symbol in values[first_day + leave_day.day - 1]
    finally:
        chromium.close()
