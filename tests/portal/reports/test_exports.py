"""Each export format opened back with its own library; its numbers equal the summaries."""

import csv
import io
from datetime import timedelta

import openpyxl
import pypdf
import pytest
from django.urls import reverse

from portal.accounts.roles import VIEWER
from portal.reports.exports import ROWS_PER_PAGE, hm, pdf_page_count
from tests.factories import make_user
from tests.portal.reports.conftest import MONDAY, summaries

pytestmark = pytest.mark.django_db
WEEK = {"date_from": "2026-03-02", "date_to": "2026-03-08"}


@pytest.fixture
def viewer(client):
    client.force_login(make_user("vera", role=VIEWER))
    return client


def download(client, fmt, **query):
    response = client.get(reverse("report-export", args=[fmt]), {**WEEK, **query})
    assert response.status_code == 200, response.content[:500]
    return b"".join(response.streaming_content)


def test_the_week_has_the_crafted_facts(week):
    obama, biden = week
    rows = {(s.person.name, s.day): s for s in summaries()}
    assert len(rows) == 14
    assert rows[("Barack Obama", MONDAY)].late_minutes == 7
    assert rows[("Barack Obama", MONDAY + timedelta(days=1))].early_minutes == 30
    assert rows[("Barack Obama", MONDAY + timedelta(days=2))].missing_checkout
    assert rows[("Joe Biden", MONDAY + timedelta(days=2))].absent
    assert rows[("Joe Biden", MONDAY + timedelta(days=5))].status == "day off"


def test_csv_has_one_row_per_summary_and_totals_that_add_up(viewer, week):
    text = download(viewer, "csv").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    *days, total = rows
    expected = list(summaries())
    assert [(r["Person"], r["Date"]) for r in days] == [(s.person.name, s.day.isoformat()) for s in expected]
    for row, s in zip(days, expected, strict=True):
        assert int(row["Late (min)"]) == s.late_minutes and int(row["Early (min)"]) == s.early_minutes
        assert row["Worked"] == hm(s.worked_seconds) and row["Status"] == s.status
        assert (row["Missing check-out"] == "yes") == s.missing_checkout
    assert total["Date"] == "Total"
    assert total["Worked"] == hm(sum(s.worked_seconds for s in expected))
    assert int(total["Late (min)"]) == sum(s.late_minutes for s in expected) == 7 + 20 + 6
    assert total["Status"] == "9 present, 1 absent"


def test_csv_follows_the_person_filter(viewer, week):
    obama, _ = week
    rows = list(csv.DictReader(io.StringIO(download(viewer, "csv", person=obama.pk).decode("utf-8-sig"))))
    assert {r["Person"] for r in rows[:-1]} == {"Barack Obama"} and len(rows) == 8


def test_xlsx_is_a_typed_spreadsheet_with_widths_and_a_totals_row(viewer, week):
    book = openpyxl.load_workbook(io.BytesIO(download(viewer, "xlsx")))
    sheet = book.active
    header, *days, total = list(sheet.iter_rows(values_only=True))
    assert header[0] == "Date" and header[7] == "Worked"
    assert sheet.column_dimensions["C"].width == 26
    expected = list(summaries())
    assert len(days) == len(expected)
    first = sheet["A2"]
    assert first.is_date and first.value.date() == MONDAY
    assert sheet["H2"].number_format == "[h]:mm" and sheet["F2"].is_date
    for row, s in zip(days, expected, strict=True):
        assert row[2] == s.person.name and row[0].date() == s.day
        assert row[7] == timedelta(seconds=s.worked_seconds)
        assert row[9] == s.late_minutes and row[10] == s.early_minutes
    assert total[0] == "Total"
    assert total[7] == timedelta(seconds=sum(s.worked_seconds for s in expected))
    assert total[9] == 33 and total[11] == 1


def test_pdf_is_a_printable_timesheet_with_the_organization_period_pages_and_totals(viewer, week, settings):
    settings.ORGANIZATION_NAME = "Acme Widgets"
    reader = pypdf.PdfReader(io.BytesIO(download(viewer, "pdf")))
    pages = [page.extract_text() for page in reader.pages]
    assert len(pages) == 3  # one per person, then the grand totals
    assert all("Acme Widgets" in p and "Period: 2026-03-02 to 2026-03-08" in p for p in pages)
    assert [f"Page {n} of 3" in p for n, p in enumerate(pages, 1)] == [True] * 3
    assert "Barack Obama" in pages[0] and "Joe Biden" in pages[1]
    obama = list(summaries(person__name="Barack Obama"))
    worked = hm(sum(s.worked_seconds for s in obama))
    total_line = next(line for line in pages[0].splitlines() if line.startswith("Total"))
    assert worked in total_line and f"{sum(s.late_minutes for s in obama)} min" in total_line
    assert "1 missing out" in total_line
    everyone = list(summaries())
    assert hm(sum(s.worked_seconds for s in everyone)) in pages[2] and "2 people" in pages[2]
    for s in obama:  # every day is a line with its worked time
        assert any(
            line.startswith(s.day.isoformat()) and hm(s.worked_seconds) in line for line in pages[0].splitlines()
        )


def test_pdf_page_count_is_what_is_printed():
    assert pdf_page_count([]) == 1
    assert pdf_page_count([5]) == 1
    assert pdf_page_count([ROWS_PER_PAGE]) == 2  # the totals line spills over
    assert pdf_page_count([3, 3]) == 3


def test_a_bad_filter_or_format_is_refused(viewer, week):
    assert (
        viewer.get(
            reverse("report-export", args=["csv"]), {"date_from": "2026-03-09", "date_to": "2026-03-01"}
        ).status_code
        == 400
    )
    assert (
        viewer.get(
            reverse("report-export", args=["csv"]), {"date_from": "2025-01-01", "date_to": "2026-03-01"}
        ).status_code
        == 400
    )
    assert viewer.get(reverse("report-export", args=["docx"]), WEEK).status_code == 404


def test_writers_also_take_summary_instances(week):
    from portal.reports.exports import csv_lines, export_rows
    from portal.reports.selectors import Totals

    fast = list(csv_lines(export_rows(summaries()), Totals()))
    slow = list(csv_lines(summaries().iterator(), Totals()))
    assert fast == slow and len(fast) == 16


def test_overtime_and_a_worked_day_off_are_in_the_csv_and_the_xlsx(viewer, week):
    from portal.attendance.services import attendance_event_record
    from tests.portal.reports.conftest import utc

    obama, _ = week
    saturday = MONDAY + timedelta(days=5)
    attendance_event_record(person=obama, at=utc(saturday, "08:00"), source="upload")
    attendance_event_record(person=obama, at=utc(saturday, "14:00"), source="upload")
    text = download(viewer, "csv").decode("utf-8-sig")  # the byte-order mark for Excel
    rows = {(r["Person"], r["Date"]): r for r in csv.DictReader(io.StringIO(text))}
    assert rows[("Barack Obama", "2026-03-05")]["Overtime"] == "0:30"  # 09:00-17:30 on a Thursday
    assert rows[("Barack Obama", "2026-03-07")]["Overtime"] == "6:00"
    assert rows[("Barack Obama", "2026-03-07")]["Status"] == "worked on a day off"
    sheet = openpyxl.load_workbook(io.BytesIO(download(viewer, "xlsx"))).active
    header, *lines = list(sheet.iter_rows(values_only=True))
    column = header.index("Overtime")
    # totals: his 0:30 + 6:00 and Biden's 0:15 (08:50-17:05 on Monday)
    assert lines[-1][column] == timedelta(hours=6, minutes=45)
