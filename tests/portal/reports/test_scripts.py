"""Every report file carries names in six scripts as they are written."""

import csv
import io
import zipfile
from datetime import UTC, date, datetime

import openpyxl
import pypdf
import pytest
from django.urls import reverse

from portal.accounts.roles import VIEWER
from portal.attendance.services import attendance_days_close, attendance_event_record
from tests.factories import make_person, make_user
from tests.portal.api.conftest import token_client
from tests.scripts import NAMES

pytestmark = pytest.mark.django_db
DAY = date(2026, 3, 2)
QUERY = {"date_from": "2026-03-02", "date_to": "2026-03-02"}


@pytest.fixture
def people(db):
    made = []
    for n, (script, name) in enumerate(NAMES.items()):
        person = make_person(
            name, f"{script[:2].upper()}-{n:04d}", department="研发部" if script == "chinese" else None
        )
        attendance_event_record(person=person, at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC), source="upload")
        attendance_event_record(person=person, at=datetime(2026, 3, 2, 17, 0, tzinfo=UTC), source="upload")
        made.append(person)
    attendance_days_close(now=datetime(2026, 3, 3, 0, 5, tzinfo=UTC), lookback_days=1)
    return made


@pytest.fixture
def viewer(client):
    client.force_login(make_user("vera", role=VIEWER))
    return client


def download(client, fmt, **query):
    response = client.get(reverse("report-export", args=[fmt]), {**QUERY, **query})
    assert response.status_code == 200, response.content[:500]
    return response, b"".join(response.streaming_content)


def test_csv_starts_with_the_byte_order_mark_and_reads_back_every_name_as_utf8(viewer, people):
    _, data = download(viewer, "csv")
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert {row["Person"] for row in rows[:-1]} == set(NAMES.values())
    assert any(row["Department"] == "研发部" for row in rows)


def test_csv_without_the_byte_order_mark_when_asked(viewer, people):
    _, data = download(viewer, "csv", bom="0")
    assert data.startswith(b"Date,")
    assert "张伟" in data.decode("utf-8")


def test_api_csv_takes_bom_false_for_programs(people):
    api = token_client(VIEWER)
    with_bom = api.get("/api/v1/reports/export/csv/", QUERY)
    without = api.get("/api/v1/reports/export/csv/", {**QUERY, "bom": "false"})
    assert b"".join(with_bom.streaming_content).startswith(b"\xef\xbb\xbf")
    assert b"".join(without.streaming_content).startswith(b"Date,")
    assert api.get("/api/v1/reports/export/csv/", {**QUERY, "bom": "maybe"}).status_code == 400


def test_attendance_event_csv_has_the_byte_order_mark_too(client, people):
    from portal.accounts.roles import HR

    client.force_login(make_user("hana", role=HR))
    data = b"".join(client.get(reverse("attendance-csv")).streaming_content)
    assert data.startswith(b"\xef\xbb\xbf") and "김민준" in data.decode("utf-8-sig")


def test_xlsx_keeps_every_name(viewer, people):
    _, data = download(viewer, "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).active
    names = {row[2] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(NAMES.values()) <= names


def test_pdf_text_extracts_as_the_names_and_the_font_is_embedded(viewer, people):
    response, data = download(viewer, "pdf")
    assert response["Content-Type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "张伟 (employee ID CH-0003, 研发部)" in text
    assert "José Müller-Øberg" in text
    for name in NAMES.values():
        assert name in text
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            descendant = font.get_object()["/DescendantFonts"][0].get_object()
            assert "/FontFile2" in descendant["/FontDescriptor"]  # embedded, not a standard font
            assert str(descendant["/BaseFont"])[7] == "+"  # a subset


def test_a_pdf_too_long_for_one_file_comes_as_a_zip_of_one_pdf_per_person(viewer, people, settings):
    settings.REPORT_PDF_MAX_PAGES = 3
    response, data = download(viewer, "pdf")
    assert response["Content-Type"] == "application/zip"
    assert 'filename="attendance-20260302-20260302.zip"' in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(data))
    files = archive.namelist()
    assert len(files) == len(NAMES) + 1 and files[-1] == "all-people-totals.pdf"
    for person in people:
        (name,) = [f for f in files if f.startswith(person.employee_id)]
        assert person.name in name
        text = pypdf.PdfReader(io.BytesIO(archive.read(name))).pages[0].extract_text()
        assert person.name in text and "Page 1 of 1" in text
    totals = pypdf.PdfReader(io.BytesIO(archive.read("all-people-totals.pdf"))).pages[0].extract_text()
    assert "6 people" in totals and "6 present" in totals
