"""Every page of the role matrix on a 390 px phone, in a real headless Chromium (issue 25, 14).

Each role signs in (and anonymous visitors come too) and lists every page of
tests/portal/test_role_matrix.py that answers it with HTML, over the same database
as the Chinese completeness test (plus the objects the other pages show: a door, a
level, a camera, a request...). Chromium then opens each page once, in English and
in Chinese, as the most trusted role that sees it (the one shown the most links and
buttons), and each role's first page as that role (its own menu). On every page:

- the page is no wider than the phone (scrollWidth <= innerWidth): a wide table
  scrolls inside itself or becomes cards, never the page;
- every visible link, button, select, checkbox and radio button is at least
  32 px high, or is a checkbox or radio whose label is (the label is its hit area).

Every role opening every page it sees was about 500 visits of mostly the same pages
(8-15 minutes on a loaded 2-core machine); one role a page keeps each page's layout
checked at 390 px in both languages at a fraction of that.

The day page's Change and Void and the monthly summary's hint are checked apart.
"""

import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.access.models import AccessGroup, AccessLevel, Door, Zone
from portal.accounts.roles import ADMIN, EMPLOYEE, HR, MANAGER, RECEPTION, SECURITY, VIEWER
from portal.cameras.models import Camera
from portal.requests.services import request_missed_punch_submit
from recognition.models import VideoJob
from tests.e2e.camera import CHROMIUM
from tests.factories import make_user
from tests.portal.test_i18n_pages import _url, world  # noqa: F401  (the fixture, shared)
from tests.portal.test_role_matrix import EXPECTED, KIOSK, project_urls

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LANGUAGES = {"en": "en-US", "zh-hans": "zh-CN"}
ROLES = [None, EMPLOYEE, MANAGER, VIEWER, HR, RECEPTION, SECURITY, ADMIN]
# who opens a page that several roles see: the most trusted first (it is shown the most)
TRUST = [ADMIN, SECURITY, HR, RECEPTION, VIEWER, MANAGER, EMPLOYEE, None]
TAP = 32

# every visible target smaller than TAP px high, as "tag 'text' WxH"; a checkbox or radio
# counts its label's box (tapping the label ticks it)
SMALL_TARGETS = """(tap) => {
  const small = [];
  const targets = 'a[href], button, select, input[type=checkbox], input[type=radio], input[type=submit]';
  for (const el of document.querySelectorAll(targets)) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || getComputedStyle(el).visibility === 'hidden') continue;
    let height = box.height;
    if (el.type === 'checkbox' || el.type === 'radio') {
      const label = el.closest('label') || (el.id && document.querySelector(`label[for="${el.id}"]`));
      if (label) height = Math.max(height, label.getBoundingClientRect().height);
    }
    if (Math.round(height) < tap) {
      const text = (el.innerText || el.value || el.name || el.getAttribute('aria-label') || '').trim().slice(0, 30);
      const kind = el.tagName.toLowerCase() + (el.type ? `[${el.type}]` : '');
      small.push(`${kind} '${text}' ${Math.round(box.width)}x${Math.round(height)}`);
    }
  }
  return small;
}"""
TOO_WIDE = "document.documentElement.scrollWidth - window.innerWidth"


@pytest.fixture
def phone_world(world):  # noqa: F811  (the fixture imported above)
    """The Chinese completeness test's database, plus what the remaining pages show."""
    now = world["now"]
    zone, door = Zone.objects.get(name="总部"), Door.objects.get(name="正门")
    level = AccessLevel.objects.create(name="工作日", any_time=True, closed_on_holidays=True)
    level.doors.set([door])
    group = AccessGroup.objects.create(name="全体员工")
    group.levels.set([level])
    camera = Camera.objects.create(name="大门摄像头", url="rtsp://192.0.2.10/stream", door=door)
    video = VideoJob.objects.create(
        filename="大厅.mp4", status=VideoJob.Status.DONE, duration=12.0, result={"frames": 24, "tracks": 0, "fps": 2.0}
    )
    request = request_missed_punch_submit(
        person=world["person"], at=now - timedelta(hours=3), direction="in", reason="忘记打卡", user=None
    )
    world["pk"].update(
        {
            "access-zone": zone.pk,
            "access-door": door.pk,
            "access-level": level.pk,
            "access-group": group.pk,
            "camera": camera.pk,
            "camera-delete": camera.pk,
            "video": video.pk,
            "request": request.pk,
        }
    )
    return world


def _path(name, url, data):
    if name == "team-person":
        return reverse(name, kwargs={"person_id": data["person"].pk})
    if name == "request-new":
        return reverse(name, kwargs={"kind": "missed_punch"})
    return _url(name, url, data)


def _pages(client, data):
    """Every page of the role matrix that answers this client with HTML."""
    found = []
    for name, url in project_urls():
        if EXPECTED.get(name) == KIOSK or name.startswith("api:") or name == "javascript-catalog":
            continue
        path = _path(name, url, data)
        response = client.get(path)
        # a whole page; a fragment a page's script loads into itself (the dashboard's live part)
        # is checked inside that page
        html = response.status_code == 200 and response["Content-Type"].startswith("text/html")
        if html and b"<html" in response.content:
            found.append(path)
    return found


@contextmanager
def chromium():
    # started once the database work is done: Django refuses it beside Playwright's event loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


def _signed_in(role, data):
    """(session cookie or None, the pages this role opens) for a new user of `role`."""
    client = Client()
    if role:
        client.force_login(make_user(f"phone-{role}", role=role))
    cookie = client.cookies["sessionid"].value if "sessionid" in client.cookies else None
    return cookie, _pages(client, data)


def _phone(browser, live_server, cookie, language):
    context = browser.new_context(viewport=PHONE, locale=LANGUAGES[language])
    if cookie:
        context.add_cookies([{"name": "sessionid", "value": cookie, "url": live_server.url}])
    return context


def _one_role_a_page(pages):
    """{role: its paths to open}: every page once, as the most trusted role that sees it, and
    each role's first page as that role (the menu it is shown)."""
    chosen, taken = {role: [] for role in TRUST}, set()
    for role in TRUST:
        for path in pages[role]:
            if path not in taken:
                chosen[role].append(path)
                taken.add(path)
    for role in TRUST:
        if pages[role][0] not in chosen[role]:
            chosen[role].insert(0, pages[role][0])
    return chosen


def test_one_role_a_page_opens_every_page_once_and_each_roles_first_page():
    pages = {role: ["/"] for role in TRUST}
    pages.update({ADMIN: ["/", "/a/", "/s/"], SECURITY: ["/", "/s/"], EMPLOYEE: ["/me/", "/"], None: ["/login/"]})
    chosen = _one_role_a_page(pages)
    assert chosen[ADMIN] == ["/", "/a/", "/s/"] and chosen[SECURITY] == chosen[HR] == ["/"]
    assert chosen[EMPLOYEE] == ["/me/"] and chosen[None] == ["/login/"]


def test_every_page_of_the_role_matrix_fits_a_phone_with_large_enough_targets(live_server, phone_world):
    signed_in = {role: _signed_in(role, phone_world) for role in ROLES}
    for role, (_, paths) in signed_in.items():
        assert len(paths) >= (3 if role is None else 5), (role, paths)
    chosen = _one_role_a_page({role: paths for role, (_, paths) in signed_in.items()})
    every_page = {path for _, paths in signed_in.values() for path in paths}
    assert {path for paths in chosen.values() for path in paths} == every_page
    visits = {role: (signed_in[role][0], chosen[role]) for role in ROLES}
    problems, opened, started = [], 0, time.monotonic()
    with chromium() as browser:
        for role, (cookie, paths) in visits.items():
            for language in LANGUAGES:
                context = _phone(browser, live_server, cookie, language)
                page = context.new_page()
                for path in paths:
                    page.goto(live_server.url + path)
                    opened += 1
                    where = f"{role or 'anonymous'} {language} {path}"
                    wider = page.evaluate(TOO_WIDE)
                    if wider > 0:
                        problems.append(f"{where}: {wider} px wider than the phone")
                    small = page.evaluate(SMALL_TARGETS, TAP)
                    if small:
                        problems.append(f"{where}: targets under {TAP} px: {', '.join(small)}")
                context.close()
    print(f"{opened} pages opened in {time.monotonic() - started:.0f} s")
    assert opened >= 2 * len(every_page)
    assert not problems, "\n".join(problems)


# each Change and Void button: (its right edge, the window's width, how far its table scrolls sideways)
CORRECTION_BUTTONS = """() => [...document.querySelectorAll(
    "form[action*='/change/'] button, form[action*='/void/'] button")].map(b => {
  const table = b.closest('table');
  return [b.innerText, b.getBoundingClientRect().right, window.innerWidth, table.scrollWidth - table.clientWidth];
})"""


def test_the_day_pages_change_and_void_and_the_monthly_summarys_days_on_a_phone(live_server, phone_world):
    cookie, _ = _signed_in(HR, phone_world)
    day = timezone.localtime(phone_world["now"]).date()
    day_page = reverse("attendance-day", kwargs={"person_pk": phone_world["person"].pk, "day": f"{day:%Y-%m-%d}"})
    monthly = reverse("reports-monthly") + f"?month={day:%Y-%m}"
    with chromium() as browser:
        for language in LANGUAGES:
            page = _phone(browser, live_server, cookie, language).new_page()
            page.goto(live_server.url + day_page)
            buttons = page.evaluate(CORRECTION_BUTTONS)
            assert len(buttons) >= 4, buttons  # two events, each with Change and Void
            for text, right, width, table_scrolls in buttons:
                assert right <= width and table_scrolls <= 0, (language, text, right, width, table_scrolls)
            # the monthly summary's days scroll inside the table, and a hint says so on a phone only
            page.goto(live_server.url + monthly)
            assert page.evaluate(TOO_WIDE) <= 0
            assert page.is_visible("#days-hint")
            hint = page.inner_text("#days-hint")
            assert ("Swipe" in hint) if language == "en" else ("滑动" in hint), hint
            days = page.evaluate("document.querySelector('table.monthly').scrollWidth")
            assert days > PHONE["width"]  # the days are there, a swipe away
            page.set_viewport_size({"width": 1366, "height": 900})
            page.goto(live_server.url + monthly)
            assert not page.is_visible("#days-hint")
            page.context.close()
