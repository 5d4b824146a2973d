"""Daily summaries and report exports over the API: the reports page's filters and files."""

import csv
import io
from datetime import UTC, datetime

import openpyxl
import pytest

from portal.accounts.roles import ADMIN, VIEWER
from portal.api.services import api_token_create
from portal.attendance.services import attendance_event_record
from portal.reports.models import ReportExport
from tests.factories import make_person, make_user
from tests.portal.api.conftest import error_of, token_client

pytestmark = pytest.mark.django_db

SUMMARIES = "/api/v1/attendance/summaries/"
MARCH = {"date_from": "2026-03-01", "date_to": "2026-03-31"}


@pytest.fixture
def march(db):
    obama = make_person("Barack Obama", employee_id="1042", department="Oval")
    biden = make_person("Joe Biden", employee_id="17", department="VP")
    for person, hour in ((obama, 8), (biden, 9)):
        attendance_event_record(person=person, at=datetime(2026, 3, 2, hour, 0, tzinfo=UTC), source="upload")
        attendance_event_record(person=person, at=datetime(2026, 3, 2, hour + 8, 0, tzinfo=UTC), source="upload")
    return obama, biden


def test_a_viewer_reads_daily_summaries_with_the_reports_filters(viewer_api, march):
    obama, biden = march
    body = viewer_api.get(SUMMARIES, MARCH).json()
    assert body["count"] == 2
    row = body["results"][0]
    assert row["person"]["name"] == "Barack Obama" and row["day"] == "2026-03-02"
    assert row["status"] == "present" and row["worked_seconds"] == 8 * 3600 and row["event_count"] == 2
    only = viewer_api.get(SUMMARIES, {**MARCH, "department": biden.department_id}).json()["results"]
    assert [r["person"]["id"] for r in only] == [biden.pk]
    assert viewer_api.get(SUMMARIES, {**MARCH, "person": obama.pk}).json()["count"] == 1


@pytest.mark.parametrize(
    "query, field",
    [
        ({"date_from": "2026-03-31", "date_to": "2026-03-01"}, "non_field_errors"),
        ({"date_from": "2024-01-01", "date_to": "2026-01-01"}, "non_field_errors"),
        ({"person": 99999}, "person"),
        ({"person": "10000000000000000000000"}, "person"),
        ({"date_from": "March"}, "date_from"),
    ],
)
def test_bad_report_filters_are_a_400(viewer_api, march, query, field):
    response = viewer_api.get(SUMMARIES, query)
    assert response.status_code == 400
    error = error_of(response)
    assert field in error["fields"] or (field == "non_field_errors" and error["message"])


def test_csv_xlsx_and_pdf_exports_hold_the_filtered_rows(viewer_api, march):
    csv_response = viewer_api.get("/api/v1/reports/export/csv/", MARCH, HTTP_ACCEPT="text/csv")
    assert csv_response.status_code == 200 and csv_response["Content-Type"].startswith("text/csv")
    assert 'filename="attendance-20260301-20260331.csv"' in csv_response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(csv_response.streaming_content).decode("utf-8-sig"))))
    assert [r[2] for r in rows[1:3]] == ["Barack Obama", "Joe Biden"]

    xlsx = viewer_api.get("/api/v1/reports/export/xlsx/", MARCH)
    assert xlsx.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    names = [cell.value for cell in book.active["C"]]
    assert "Barack Obama" in names and "Joe Biden" in names

    pdf = viewer_api.get("/api/v1/reports/export/pdf/", {**MARCH, "person": march[1].pk})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")

    assert viewer_api.get("/api/v1/reports/export/doc/").status_code == 404


def test_a_large_export_is_written_by_a_worker_and_followed(settings, march, run_workers):
    settings.REPORT_EXPORT_INLINE_ROWS = 1
    boss = make_user("boss", superuser=True)
    _, key = api_token_create(name="reports", role=VIEWER, created_by=boss)
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    with run_workers():
        response = client.get("/api/v1/reports/export/csv/", MARCH)
    assert response.status_code == 202
    job = response.json()
    assert job["format"] == "csv" and job["rows_total"] == 2 and response["Location"] == job["url"]
    done = client.get(job["url"]).json()
    assert done["status"] == "done" and done["percent"] == 100
    file = client.get(done["download"])
    assert file.status_code == 200 and b"Joe Biden" in b"".join(file.streaming_content)
    assert ReportExport.objects.get().user == boss

    # someone else's export is not theirs to read; an admin may
    other = token_client(VIEWER, "other")
    assert other.get(job["url"]).status_code == 403
    assert token_client(ADMIN, "admin").get(job["url"]).status_code == 200


def test_a_large_export_needs_a_token_with_an_owner(settings, viewer_api, march):
    settings.REPORT_EXPORT_INLINE_ROWS = 1
    response = viewer_api.get("/api/v1/reports/export/csv/", MARCH)
    assert response.status_code == 400 and error_of(response)["code"] == "export_needs_owner"
    assert not ReportExport.objects.exists()


def test_reports_need_a_role(client, anonymous_api, march):
    assert anonymous_api.get(SUMMARIES).status_code == 401
    client.force_login(make_user("nobody"))
    assert client.get(SUMMARIES).status_code == 403
    assert client.get("/api/v1/reports/export/csv/").status_code == 403
