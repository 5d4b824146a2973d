"""The files a Chinese reader downloads are Chinese throughout (issue 25, item 15): the PDF
timesheet and monthly summary read back with pypdf, the CSV and XLSX headers and the words in
their cells (statuses, directions, sources, door results), and the report's period. An English
reader's CSVs keep the machine values scripts have read since the first export.

Each file's text goes through the pages' checker (test_i18n_pages.english_left: two English
words in a row, or one the catalogue holds on its own) and a list of the words that came back
before: "to" in a period, "Done", "Working day (swapped)", "Attendance portal" heading a PDF,
"in"/"kiosk"/"granted" in a cell.
"""

import csv
import io
import re
from datetime import date

import openpyxl
import pypdf
import pytest
from django.urls import reverse
from django.utils import timezone, translation

from portal.access.services import access_attempt_decide
from portal.accounts.roles import SECURITY, VIEWER
from portal.attendance.calendar import calendar_import
from portal.reports.exports import pdf_document
from portal.reports.services import report_period
from tests.factories import make_person, make_user
from tests.portal.access.helpers import door_with_kiosk, grant
from tests.portal.reports.conftest import week  # noqa: F401 (a fixture)
from tests.portal.test_i18n_pages import english_left

pytestmark = pytest.mark.django_db
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-Hans,zh;q=0.9"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
WEEK = {"date_from": "2026-03-02", "date_to": "2026-03-08"}
# what the fixtures put in the database: names are the user's, never translated
USER_DATA = ["Barack Obama", "Joe Biden", "Office", "Ana Lima", "Lab 2", "Main"]
# English that came back in Chinese files before: a period's "to", an export's status, a PDF's
# default heading, a swapped day, and the machine values of the event and door-log cells
CAME_BACK = re.compile(
    r"\bto\b|\bDone\b|Working day|swapped|Attendance portal"
    r"|^(?:in|out|kiosk|upload|manual|phone|camera|granted|denied|present|absent|late|yes|no)$",
    re.M,
)


@pytest.fixture(autouse=True)
def no_door_channels(settings):
    settings.DOOR_MQTT_HOST = ""
    settings.DOOR_WEBHOOK_URL = ""


def english_in(text):
    """English left in a file's text (one cell or PDF line a line)."""
    for data in USER_DATA:
        text = text.replace(data, " ")
    found = english_left(text.replace("<", " "))
    return sorted({*found, *(m.group(0) for m in CAME_BACK.finditer(text))})


def body(response):
    assert response.status_code == 200, response.content[:300]
    content = getattr(response, "streaming_content", None)
    return b"".join(content) if content is not None else response.content


def csv_text(data):
    return "\n".join("\n".join(row) for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def xlsx_text(data):
    book = openpyxl.load_workbook(io.BytesIO(data))
    lines = [sheet.title for sheet in book.worksheets]
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            lines += [str(v) for v in row if isinstance(v, str)]
    return "\n".join(lines)


def pdf_text(data):
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def files(client, week):  # noqa: F811
    """Every export a Chinese reader may download, as text: {name: text}, in the given language."""
    person = make_person("Ana Lima", "77")
    door, _kiosk, _token = door_with_kiosk("Lab 2", zone="Main")
    grant(person, doors=[door], any_time=True)
    calendar_import(country="CN", year=2026)  # the monthly summary's swapped working days
    with translation.override("en"):  # stored by a worker with no language of its own
        access_attempt_decide(door=door, side="entry", at=timezone.now(), person=person)
        access_attempt_decide(door=door, side="entry", at=timezone.now(), person=week[0])

    def download(headers):
        client.force_login(make_user(f"v-{len(headers['HTTP_ACCEPT_LANGUAGE'])}", role=VIEWER))
        got = {}
        for fmt in ("csv", "xlsx", "pdf"):
            got[f"report.{fmt}"] = body(client.get(reverse("report-export", args=[fmt]), WEEK, **headers))
        for fmt in ("xlsx", "pdf"):
            month = client.get(reverse("reports-monthly-export", args=[fmt]), {"month": "2026-02"}, **headers)
            got[f"monthly.{fmt}"] = body(month)
        client.force_login(make_user(f"h-{len(headers['HTTP_ACCEPT_LANGUAGE'])}", role="hr"))
        got["events.csv"] = body(client.get(reverse("attendance-csv"), **headers))
        client.force_login(make_user(f"s-{len(headers['HTTP_ACCEPT_LANGUAGE'])}", role=SECURITY))
        for fmt in ("csv", "xlsx"):
            got[f"access-log.{fmt}"] = body(client.get(reverse("access-log-export", args=[fmt]), **headers))
        return {
            name: {"csv": csv_text, "xlsx": xlsx_text, "pdf": pdf_text}[name.rsplit(".")[1]](data)
            for name, data in got.items()
        }

    return download


def test_every_file_a_chinese_reader_downloads_has_no_english_headers_or_values(files):
    chinese = files(ZH)
    left = {name: english_in(text) for name, text in chinese.items()}
    assert not {name: words for name, words in left.items() if words}, left
    # the period in the reader's words and date format, the portal's own name heading the PDF
    assert "2026年3月2日 至 2026年3月8日" in chinese["report.pdf"]
    assert "考勤门户：考勤表" in chinese["report.pdf"]
    access = chinese["access-log.csv"].split("\n")
    assert {"进入", "已允许", "已拒绝", "无权通过此门"} <= set(access), access


def test_an_english_readers_csvs_keep_the_machine_values(files):
    english = files(EN)
    events = english["events.csv"].split("\n")
    assert "in" in events and "upload" in events
    log = english["access-log.csv"].split("\n")
    assert {"granted", "denied", "entry", "no_access"} <= set(log)
    assert "2026-03-02 to 2026-03-08" in english["report.pdf"]


def test_the_checker_finds_a_machine_value_and_a_period_left_in_english():
    assert english_in("时间\nin\n张伟") == ["in"]
    assert english_in("2026年3月2日 to 2026年3月8日") == ["to"]
    assert english_in("调休上班\n已完成") == []
    assert english_in("Done") == ["Done"]


def test_a_period_reads_in_the_readers_date_format():
    filters = {"date_from": date(2026, 3, 1), "date_to": date(2026, 3, 31), "person": None, "department": None}
    with translation.override("zh-hans"):
        assert report_period(filters) == "2026年3月1日 至 2026年3月31日"
    with translation.override("en"):
        assert report_period(filters) == "2026-03-01 to 2026-03-31"


def pdf_cells(data):
    """The text pieces of a PDF's first page with where each starts: [(x, y, text)]."""
    found = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            found.append((round(tm[4], 1), round(tm[5], 1), text.strip()))

    pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text(visitor_text=visit)
    return found


def test_the_timesheet_gives_each_day_in_the_readers_format_clear_of_its_weekday(client, week):  # noqa: F811
    client.force_login(make_user("vera", role=VIEWER))
    for headers, language, day, weekday in ((ZH, "zh-hans", "2026年3月3日", "周二"), (EN, "en", "2026-03-03", "Tue")):
        cells = pdf_cells(body(client.get(reverse("report-export", args=["pdf"]), WEEK, **headers)))
        ((x, y, _),) = [cell for cell in cells if cell[2] == day]
        row = sorted((cx, text) for cx, cy, text in cells if cy == y and cx > x)
        assert row[0][1] == weekday, row  # the next cell on the day's line
        with translation.override(language):  # the PDF's own font measures the date
            width = pdf_document(io.BytesIO(), title="").width(day)
        assert x + width + 4 <= row[0][0], (day, x, width, row[0])
