"""The portal in Simplified Chinese: every page of the role matrix, the scripts' words,
the kiosk, and a catalogue with nothing left untranslated.

The completeness check reads a page as a person sees it (text, and the attributes a
screen reader or a tooltip shows), drops what the test itself put in the database
(names, employee IDs, departments...), and looks for English left over: two or more
English words in a row, or one word that the catalogue itself holds as a phrase of
its own ("Doors", "Menu", "Save"), since that is exactly what a forgotten
{% translate %} leaves behind. The checker is tested on its own below: taking one
{% translate %} out of a real template makes it fail.
"""

import json
import re
import shutil
import subprocess
import sys
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation
from django.views.i18n import JSONCatalog

from portal.access.models import Door, Visitor, Zone
from portal.accounts.models import Preference
from portal.accounts.roles import ADMIN, EMPLOYEE, HR, MANAGER, RECEPTION, SECURITY, VIEWER
from portal.attendance.models import Schedule
from portal.attendance.services import attendance_event_add, attendance_event_record
from portal.clockin.models import AllowedNetwork, PhonePolicy, Site
from portal.kiosks.models import Kiosk
from portal.people.models import Department, ImportJob
from portal.reports.models import ReportExport
from recognition.models import Capture, FacePhoto
from tests.factories import make_person, make_user
from tests.portal.test_role_matrix import EXPECTED, project_urls

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
LOCALE = ROOT / "locale"

# What the fixture below puts in the database: shown on the pages, never translated.
USER_DATA = ["CN-0001", "CN-0002", "user-", "ada-zh", "dept-note"]

# Technical words that stay as they are in every language.
NOT_WORDS = {
    "employee_id,name,department,folder",
    "employee_id、name、department、folder",
    "HTTP MJPEG",
    "CSV",
    "XLSX",
    "PDF",
    "Excel",
    "ZIP",
    "API",
    "HH:MM",
    "Django",
    "HTTPS",
    "YYYY-MM-DD HH:MM",
}


# --- the checker ----------------------------------------------------------------------


class _Visible(HTMLParser):
    """The text a person sees, plus the attributes shown as tooltips, placeholders, labels."""

    SKIP = {"script", "style", "code", "pre", "svg"}
    SHOWN_ATTRS = {"title", "alt", "placeholder", "aria-label"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.skipping = [], []

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping.append(tag)
        attrs = dict(attrs)
        for name in self.SHOWN_ATTRS & attrs.keys():
            self.parts.append(attrs[name] or "")
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def visible_text(html):
    parser = _Visible()
    parser.feed(html)
    return "\n".join(parser.parts)


def _catalogue_words():
    """Single-word English phrases of the project's own catalogue ("Doors", "Save")."""
    words = set()
    for po in (LOCALE / "zh_Hans" / "LC_MESSAGES").glob("*.po"):
        for msgid in re.findall(r'^msgid "([A-Za-z][a-z]+)"$', po.read_text(encoding="utf-8"), re.M):
            words.add(msgid)
    return words


ENGLISH_RUN = re.compile(r"[A-Za-z][A-Za-z'’]*(?:-[A-Za-z]+)*(?:[ \t]+[A-Za-z][A-Za-z'’]*(?:-[A-Za-z]+)*)+")
WORD = re.compile(r"(?<![A-Za-z0-9_/.-])[A-Za-z][a-z]+(?![A-Za-z0-9_/.-])")


def english_left(html, *, known_words=None, allowed=()):
    """The English phrases of a page, as a sorted list (empty: nothing left)."""
    known_words = _catalogue_words() if known_words is None else known_words
    text = visible_text(html)
    text = re.sub(r"https?://\S+|(?<!\w)/[\w./?=&%-]*", " ", text)  # addresses and paths
    for data in [*USER_DATA, *sorted(NOT_WORDS, key=len, reverse=True)]:
        text = text.replace(data, " ")
    found = set()
    for line in text.splitlines():
        found.update(match.group(0) for match in ENGLISH_RUN.finditer(line))
        found.update(word for word in WORD.findall(line) if word in known_words)
    return sorted(found - set(allowed))


# --- the pages ------------------------------------------------------------------------


@pytest.fixture
def world():
    """One of everything a page lists, named in Chinese (names are user data)."""
    department = Department.objects.create(name="研发部")
    person = make_person("张伟", employee_id="CN-0001", department=department)
    other = make_person("李娜", employee_id="CN-0002", department=department)
    photo = FacePhoto.objects.create(person=person, image="photos/zw.jpg", status=FacePhoto.Status.ACCEPTED)
    FacePhoto.objects.create(person=other, image="photos/ln.jpg", status=FacePhoto.Status.REJECTED, reason="")
    schedule = Schedule.objects.filter(is_default=True).first() or Schedule.objects.first()
    zone = Zone.objects.create(name="总部")
    door = Door.objects.create(name="正门", zone=zone)
    kiosk = Kiosk.objects.create(name="前台终端", location="一楼大厅", door=door)
    hr = make_user("user-hr-data", role=HR)
    now = timezone.now()
    attendance_event_add(person=person, at=now - timedelta(hours=1), direction="in", reason="补卡", user=hr)
    capture = Capture.objects.create(
        image="captures/x.jpg",
        status=Capture.Status.DONE,
        submitted_by=hr,
        result={"faces": [{"name": "张伟", "person_id": person.pk, "distance": 0.3, "decision": "match"}]},
    )
    job = ImportJob.objects.create(archive="imports/x.zip", filename="员工.zip", status=ImportJob.Status.RUNNING)
    visitor = Visitor.objects.create(
        name="王芳", company="华为", host=person, valid_from=now, valid_until=now + timedelta(hours=4)
    )
    visitor.doors.set([door])
    # phone clock-in: a site, a network, a policy that shows the whole page, an event with its location
    site = Site.objects.create(name="总部大楼", latitude=31.2304, longitude=121.4737, radius_m=200)
    AllowedNetwork.objects.create(name="办公室无线", network="203.0.113.0/24")
    PhonePolicy.objects.create(department=None, place="either")
    attendance_event_record(
        person=person, at=now - timedelta(hours=2), source="phone", latitude=31.2305, longitude=121.4738, accuracy_m=15
    )
    return {
        "pk": {
            "people:person": person.pk,
            "people:edit": person.pk,
            "people:delete": person.pk,
            "people:photo-delete": photo.pk,
            "people:import": job.pk,
            "org-department": department.pk,
            "org-user": hr.pk,
            "org-kiosk": kiosk.pk,
            "org-kiosk-revoke": kiosk.pk,
            "attendance-schedule-edit": schedule.pk if schedule else None,
            "capture": capture.pk,
            "access-visitor": visitor.pk,
            "clockin-site": site.pk,
        },
        "person": person,
        "now": now,
    }


def sign_in(client, user, world):
    """Sign in, with an export of one's own (an export's page is its owner's only)."""
    client.force_login(user)
    export = ReportExport.objects.create(user=user, format="csv", filters={}, rows_total=10)
    world["pk"]["report-export-status"] = export.pk


def _url(name, url, world):
    pk = world["pk"].get(name)
    if pk is not None:
        return reverse(name, kwargs={"pk": pk})
    if name == "attendance-day":
        return reverse(name, kwargs={"person_pk": world["person"].pk, "day": f"{timezone.localdate():%Y-%m-%d}"})
    return url


def pages(client, world, **headers):
    """(url, html) of every page of the matrix this client may open."""
    found = []
    for name, url in project_urls():
        if EXPECTED.get(name) == "kiosk" or name.startswith("api:") or name == "javascript-catalog":
            continue
        url = _url(name, url, world)
        response = client.get(url, **headers)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            found.append((url, response.content.decode()))
    return found


def _report(leftovers):
    return "\n".join(f"{url}: {words}" for url, words in leftovers)


@pytest.mark.parametrize("role", [None, EMPLOYEE, MANAGER, VIEWER, HR, RECEPTION, SECURITY, ADMIN])
def test_every_page_a_role_opens_is_chinese_for_a_chinese_browser(client, world, role):
    if role:
        sign_in(client, make_user(f"user-{role}", role=role), world)
    shown = pages(client, world, HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert len(shown) >= (3 if role is None else 5)
    leftovers = [(url, english_left(html)) for url, html in shown]
    assert not [item for item in leftovers if item[1]], _report(item for item in leftovers if item[1])
    for url, html in shown:
        if "<html" in html:
            assert '<html lang="zh-hans">' in html, url


def test_a_user_who_chose_chinese_gets_every_page_in_chinese_whatever_the_browser(client, world):
    user = make_user("ada-zh", role=ADMIN)
    Preference.objects.create(user=user, language="zh-hans")
    sign_in(client, user, world)  # signing in brings the choice back
    shown = pages(client, world, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert len(shown) >= 30
    leftovers = [(url, english_left(html)) for url, html in shown]
    assert not [item for item in leftovers if item[1]], _report(item for item in leftovers if item[1])


def test_the_same_pages_in_english_keep_their_english_words(client, world):
    sign_in(client, make_user("ada-en", role=ADMIN), world)
    shown = dict(pages(client, world, HTTP_ACCEPT_LANGUAGE="en"))
    home = shown[reverse("home")]
    assert '<html lang="en">' in home and "Attendance portal" in home and "present now" in home
    assert "Sign out" in home and "Last 30 days" in home
    person = shown[reverse("people:person", args=[world["person"].pk])]
    assert "Employee ID CN-0001" in person and "Take photos with the camera" in person
    kiosks = shown[reverse("org-kiosks")]
    assert "Add a kiosk" in kiosks and "the browser's language" in kiosks
    day = shown[reverse("attendance-day", args=[world["person"].pk, f"{timezone.localdate():%Y-%m-%d}"])]
    assert "Add a missed event" in day and f"{timezone.localdate():%Y-%m-%d}" in day  # ISO dates, as before
    assert not any("年" in html for html in shown.values())


def test_dates_and_times_follow_the_language(client, world):
    client.force_login(make_user("ada-dates", role=HR))
    url = reverse("attendance-day", args=[world["person"].pk, f"{timezone.localdate():%Y-%m-%d}"])
    today = timezone.localdate()
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f"{today.year}年{today.month}月{today.day}日" in chinese
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"{today:%Y-%m-%d}" in english and "年" not in english


# --- the checker checked --------------------------------------------------------------


def _render_without(template_name, msgid, request_user):
    """A real template with one {% translate %} taken out, rendered in Chinese."""
    source = (ROOT / "templates" / template_name).read_text(encoding="utf-8")
    tag = '{% translate "' + msgid + '" %}'
    assert tag in source, tag
    request = RequestFactory().get("/")
    request.user = request_user
    with translation.override("zh-hans"):
        english = msgid.split('"')[0]  # without its context
        html = engines["django"].from_string(source.replace(tag, english)).render({"request": request}, request)
        whole = engines["django"].from_string(source).render({"request": request}, request)
    return whole, html


@pytest.mark.parametrize(
    "template_name, msgid",
    [
        ("base.html", 'Doors" context "main menu'),  # one word, held by the catalogue
        ("base.html", "Sign out"),
        ("org/overview.html", "Raw database records, for superusers."),
        ("org/overview.html", "Departments"),
        ("access/_nav.html", "Who may pass?"),
        ("registration/login.html", "User name"),
    ],
)
def test_the_checker_finds_one_translate_tag_taken_out(template_name, msgid):
    whole, broken = _render_without(template_name, msgid, make_user("root-check", superuser=True))
    assert not english_left(whole)
    assert msgid.split('"')[0].split()[0] in " ".join(english_left(broken))


def test_the_checker_leaves_alone_user_data_technical_words_and_addresses():
    html = (
        '<p>张伟 CN-0001 · 导出 CSV · <a href="/x">http://testserver/kiosk/pair/ABCD/</a></p>'
        "<pre>people.zip\n├── Barack_Obama/</pre><script>var a = 'Hello there';</script>"
    )
    assert english_left(html) == []
    assert english_left("<p>考勤 Doors</p>") == ["Doors"]
    assert english_left('<input placeholder="Type to find">') == ["Type to find"]


# --- the scripts ----------------------------------------------------------------------


def _script_msgids():
    found = set()
    for path in (ROOT / "static" / "js").glob("*.js"):
        text = path.read_text(encoding="utf-8")
        found.update(re.findall(r'\bn?gettext\("((?:[^"\\]|\\.)*)"', text))
        found.update((context, msgid) for context, msgid in re.findall(r'\bpgettext\("([^"]*)", "([^"]*)"', text))
    return found


def test_every_word_of_every_script_has_a_chinese_translation():
    request = RequestFactory().get("/jsi18n/")
    with translation.override("zh-hans"):
        catalog = JSONCatalog.as_view()(request)

    translations = json.loads(catalog.content)["catalog"]
    msgids = _script_msgids()
    assert len(msgids) > 40
    missing = []
    for msgid in msgids:
        key = f"{msgid[0]}\x04{msgid[1]}" if isinstance(msgid, tuple) else msgid
        value = translations.get(key)
        value = value[0] if isinstance(value, list) else value
        if not value or not re.search(r"[\u4e00-\u9fff]|zh-CN", value):
            missing.append(key)
    assert not missing, missing


def test_the_scripts_catalogue_is_a_script_file_in_the_asked_language(client):
    chinese = client.get(reverse("javascript-catalog") + "?language=zh-hans", HTTP_ACCEPT_LANGUAGE="en")
    assert chinese.status_code == 200 and "javascript" in chinese["Content-Type"]
    look = json.dumps("请看摄像头")[1:-1]  # "Look at the camera", as the script file writes it
    assert look in chinese.content.decode()
    english = client.get(reverse("javascript-catalog"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert look not in english


# --- the kiosk ------------------------------------------------------------------------


def test_a_kiosk_page_asked_in_chinese_is_chinese_and_loads_the_chinese_catalogue(client):
    page = client.get(reverse("kiosk") + "?language=zh-hans", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="zh-hans">' in page and 'data-language="zh-hans"' in page
    assert "请输入员工编号或刷工卡" in page and "jsi18n/?language=zh-hans" in page
    assert english_left(page) == []
    plain = client.get(reverse("kiosk"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in plain and 'data-language=""' in plain and "Check-in kiosk" in plain
    # an unknown language is the browser's
    assert '<html lang="en">' in client.get(reverse("kiosk") + "?language=xx").content.decode()


def test_a_kiosk_answers_in_its_own_language_whatever_its_browser_says(client):
    from portal.kiosks.services import kiosk_pair, kiosk_pairing_create

    kiosk = Kiosk.objects.create(name="前台终端", language="zh-hans")
    code = kiosk_pairing_create(kiosk=kiosk)[1]
    _, token = kiosk_pair(code=code)
    auth = {"HTTP_AUTHORIZATION": f"Kiosk {token}", "HTTP_ACCEPT_LANGUAGE": "en"}
    config = client.get(reverse("kiosk-api-config"), **auth)
    assert config.json()["language"] == "zh-hans" and config["Content-Language"] == "zh-hans"
    Kiosk.objects.filter(pk=kiosk.pk).update(language="")
    config = client.get(reverse("kiosk-api-config"), **auth)
    assert config.json()["language"] == "" and config["Content-Language"] == "en"


def test_the_kiosk_language_is_set_on_the_org_page_and_through_the_api(client):
    client.force_login(make_user("ada-kiosk", role=ADMIN))
    kiosk = Kiosk.objects.create(name="前台终端")
    page = client.get(reverse("org-kiosk", args=[kiosk.pk])).content.decode()
    assert 'name="language"' in page and 'value="zh-hans"' in page
    response = client.post(
        reverse("org-kiosk", args=[kiosk.pk]),
        {"name": kiosk.name, "mode": kiosk.mode, "direction": kiosk.direction, "liveness": "on", "language": "zh-hans"},
    )
    assert response.status_code in (200, 302)
    kiosk.refresh_from_db()
    assert kiosk.language == "zh-hans"
    created = client.post(reverse("api:kiosk-list"), {"name": "侧门终端", "language": "zh-hans"})
    assert created.status_code == 201 and Kiosk.objects.get(name="侧门终端").language == "zh-hans"
    api = reverse("api:kiosk-detail", args=[kiosk.pk])
    assert client.get(api).json()["language"] == "zh-hans"
    assert client.patch(api, {"language": "en"}, content_type="application/json").json()["language"] == "en"
    assert client.patch(api, {"language": "xx"}, content_type="application/json").status_code == 400


# --- the catalogue --------------------------------------------------------------------


# what makemessages reads, copied: the project's catalogues are never touched by the test
SOURCES = ["manage.py", "portal", "recognition", "templates", "static", "locale"]


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("xgettext") or not shutil.which("msgattrib"), reason="make gettext installs it")
def test_makemessages_leaves_nothing_untranslated_or_fuzzy(tmp_path):
    """makemessages in a copy of the project: every entry of every catalogue translated, none fuzzy."""
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
        else:
            shutil.copy2(source, tmp_path / name)
    for domain in ("django", "djangojs"):
        subprocess.run(
            [sys.executable, "manage.py", "makemessages", "--all", "-d", domain, "--add-location", "file", "-v0"],
            cwd=tmp_path,
            check=True,
        )
    problems = []
    for po in sorted((tmp_path / "locale").glob("*/LC_MESSAGES/*.po")):
        for option in ("--untranslated", "--only-fuzzy"):
            out = subprocess.run(
                ["msgattrib", option, "--no-wrap", str(po)], capture_output=True, text=True, check=True
            ).stdout
            name = po.relative_to(tmp_path)
            problems += [f"{name} {option}: {m}" for m in re.findall(r'^msgid "(.+)"$', out, re.M)]
    assert not problems, "\n".join(problems)


def test_the_admins_filter_widgets_speak_chinese(client):
    """The Django admin's two-box picker (groups' permissions, levels' doors) reads its words from
    the admin's script catalogue: "Available", "Choose all" stayed English for a Chinese superuser."""
    client.force_login(make_user("root-zh", superuser=True))
    page = client.get(reverse("admin:auth_group_add"), HTTP_ACCEPT_LANGUAGE="zh-Hans,zh;q=0.9").content.decode()
    assert '<html lang="zh-hans"' in page and "SelectFilter2.js" in page
    catalogue = client.get(reverse("admin:jsi18n"), HTTP_ACCEPT_LANGUAGE="zh-Hans,zh;q=0.9").content.decode()
    for english in ("Available %s", "Chosen %s", "Choose all", "Remove all"):
        key = json.dumps(english)
        assert key in catalogue and not re.search(re.escape(key) + r":\s*" + re.escape(key), catalogue), english
