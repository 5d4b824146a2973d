"""Approved leave and overtime in the period reports: the page, CSV, XLSX and PDF
(issue 22: "the reports get leave and overtime columns")."""

import csv
import io
from datetime import timedelta

import openpyxl
import pypdf
import pytest
from django.urls import reverse

from portal.accounts.roles import VIEWER
from portal.attendance.services import attendance_approved_set
from tests.factories import make_user
from tests.portal.reports.conftest import MONDAY

pytestmark = pytest.mark.django_db
WEEK = {"date_from": "2026-03-02", "date_to": "2026-03-08"}
WEDNESDAY, THURSDAY = MONDAY + timedelta(days=2), MONDAY + timedelta(days=3)


@pytest.fixture
def approved(week, client):
    """Biden's absent Wednesday becomes a day of annual leave; Obama's Thursday gets 2 h of agreed overtime."""
    obama, biden = week
    attendance_approved_set(person=biden, request_id=1, days=[(WEDNESDAY, "Annual leave", 8 * 3600, 0)])
    attendance_approved_set(person=obama, request_id=2, days=[(THURSDAY, "", 0, 2 * 3600)])
    client.force_login(make_user("vera", role=VIEWER))
    return client


def download(client, fmt, **headers):
    response = client.get(reverse("report-export", args=[fmt]), WEEK, **headers)
    assert response.status_code == 200, response.content[:500]
    return b"".join(response.streaming_content)


def test_the_csv_says_which_leave_how_long_and_the_approved_overtime(approved):
    text = download(approved, "csv").decode("utf-8-sig")
    rows = {(r["Person"], r["Date"]): r for r in csv.DictReader(io.StringIO(text))}
    leave = rows[("Joe Biden", WEDNESDAY.isoformat())]
    assert (leave["Status"], leave["Leave"], leave["Leave hours"]) == ("on leave", "Annual leave", "8.00")
    assert rows[("Barack Obama", THURSDAY.isoformat())]["Approved overtime"] == "2:00"
    assert rows[("Barack Obama", MONDAY.isoformat())]["Leave"] == ""
    total = next(r for r in rows.values() if r["Date"] == "Total")
    assert (total["Leave"], total["Leave hours"], total["Approved overtime"]) == ("1 days on leave", "8.00", "2:00")
    assert total["Status"] == "9 present, 0 absent"  # a day on leave is not an absence


def test_the_xlsx_has_typed_leave_and_overtime_columns(approved):
    sheet = openpyxl.load_workbook(io.BytesIO(download(approved, "xlsx"))).active
    header, *lines = list(sheet.iter_rows(values_only=True))
    by_day = {(line[2], line[0].date() if hasattr(line[0], "date") else line[0]): line for line in lines[:-1]}
    leave = by_day[("Joe Biden", WEDNESDAY)]
    assert leave[header.index("Leave")] == "Annual leave" and leave[header.index("Leave hours")] == 8
    assert by_day[("Barack Obama", THURSDAY)][header.index("Approved overtime")] == timedelta(hours=2)
    assert lines[-1][header.index("Approved overtime")] == timedelta(hours=2)


def test_the_pdf_timesheet_prints_the_leave_and_the_approved_overtime(approved):
    pages = [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(download(approved, "pdf"))).pages]
    obama, biden = pages[0], pages[1]
    thursday = next(line for line in obama.splitlines() if line.startswith(THURSDAY.isoformat()))
    assert "2:00" in thursday
    wednesday = next(line for line in biden.splitlines() if line.startswith(WEDNESDAY.isoformat()))
    assert "on leave" in wednesday and "8:00" in wednesday and "Annual leave" in wednesday


def test_in_chinese_the_leave_type_and_the_status_are_chinese_on_the_page_and_in_the_csv(approved):
    chinese = {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9"}
    text = download(approved, "csv", **chinese).decode("utf-8-sig")
    assert "年假" in text and "Annual leave" not in text
    page = approved.get(reverse("reports"), WEEK, **chinese).content.decode()
    assert "年假" in page and "on leave" not in page
    english = approved.get(reverse("reports"), WEEK).content.decode()
    assert "Annual leave 8:00" in english and "Approved overtime" in english
