"""A person's erasure and the report exports: the files that may show them go, the others stay, and an
export being written while they are erased ends without them."""

import csv
import io
import os
import threading
from datetime import date

import pytest
from django.db import connection

from portal.accounts.roles import VIEWER
from portal.attendance.services import attendance_days_close, attendance_event_record
from portal.people.models import Department
from portal.people.services import people_bulk_update, person_delete
from portal.reports import exports
from portal.reports.models import ReportExport
from portal.reports.services import report_export_run
from portal.reports.tasks import report_export_task
from tests.factories import make_person, make_user
from tests.portal.reports.conftest import utc

pytestmark = pytest.mark.django_db
WEEK = {"date_from": "2026-03-02", "date_to": "2026-03-08"}
FEBRUARY = {"date_from": "2026-02-09", "date_to": "2026-02-15"}  # before Obama and Biden joined


@pytest.fixture
def office(week):
    """The week's two people (Office) and Yang Liwei (Sales), who also worked a day in February."""
    obama, biden = week
    yang = make_person("Yang Liwei", "2003", department="Sales")
    type(yang).objects.filter(pk=yang.pk).update(created_at=utc(date(2026, 2, 1), "00:00"))
    for day in (date(2026, 2, 9), date(2026, 3, 3)):
        attendance_event_record(person=yang, at=utc(day, "09:00"), source="upload")
        attendance_event_record(person=yang, at=utc(day, "17:00"), source="upload")
    attendance_days_close(now=utc(date(2026, 2, 16), "00:05"), lookback_days=7)
    attendance_days_close(now=utc(date(2026, 3, 9), "00:05"), lookback_days=7)
    return obama, biden, yang


def written(filters, fmt="csv"):
    """An export written by the task, as a worker would."""
    user = make_user(f"vera-{ReportExport.objects.count()}", role=VIEWER)
    export = ReportExport.objects.create(user=user, format=fmt, filters=filters)
    report_export_task(export.pk)
    export.refresh_from_db()
    assert export.status == "done" and export.file
    return export


def names_in(export):
    text = export.file.open("rb").read().decode("utf-8-sig")
    return {row["Person"] for row in csv.DictReader(io.StringIO(text)) if row["Date"] != "Total"}


def erase(person, run_on_commit):
    with run_on_commit(execute=True):
        person_delete(person=person)


def test_an_erasure_expires_the_exports_that_show_the_person_and_keeps_the_others(
    office, django_capture_on_commit_callbacks
):
    obama, biden, yang = office
    office_id, sales_id = obama.department_id, yang.department_id
    everyone = written(WEEK)
    his_department = written(WEEK | {"department": str(office_id)})
    other_department = written(WEEK | {"department": str(sales_id)})
    other_person = written(WEEK | {"person": str(biden.pk)}, fmt="pdf")
    before_he_joined = written(FEBRUARY)
    assert "Barack Obama" in names_in(everyone) and "Barack Obama" in names_in(his_department)
    assert names_in(other_department) == {"Yang Liwei"} and names_in(before_he_joined) == {"Yang Liwei"}
    paths = {e.pk: e.file.path for e in (everyone, his_department, other_department, other_person, before_he_joined)}

    erase(obama, django_capture_on_commit_callbacks)

    for gone in (everyone, his_department):
        gone.refresh_from_db()
        assert gone.status == "expired" and not gone.file and not os.path.exists(paths[gone.pk])
    for kept in (other_department, other_person, before_he_joined):
        kept.refresh_from_db()
        assert kept.status == "done" and os.path.exists(paths[kept.pk]) and kept.file.path == paths[kept.pk]
    assert names_in(other_department) == {"Yang Liwei"}


def test_a_report_of_the_person_alone_expires_even_without_rows(office, django_capture_on_commit_callbacks):
    obama, _, _ = office
    # a PDF timesheet names its person in its heading, whatever the period holds
    empty = written(FEBRUARY | {"person": str(obama.pk)}, fmt="pdf")
    erase(obama, django_capture_on_commit_callbacks)
    empty.refresh_from_db()
    assert empty.status == "expired" and not empty.file


def test_an_export_of_the_department_they_left_since_expires(office, django_capture_on_commit_callbacks):
    obama, _, yang = office
    office_export = written(WEEK | {"department": str(obama.department_id)})
    assert "Barack Obama" in names_in(office_export)
    # moved with the people page's bulk action: the report of Office now finds no row of his
    people_bulk_update(ids=[obama.pk], action="department", department=yang.department)
    obama.refresh_from_db()
    erase(obama, django_capture_on_commit_callbacks)
    office_export.refresh_from_db()
    assert office_export.status == "expired"


def test_an_export_whose_filters_no_longer_read_expires(office, django_capture_on_commit_callbacks):
    obama, _, _ = office
    temporary = Department.objects.create(name="Temporary")
    export = written(WEEK | {"department": str(temporary.pk)})
    temporary.delete()  # what the file held cannot be told any more
    erase(obama, django_capture_on_commit_callbacks)
    export.refresh_from_db()
    assert export.status == "expired"


def test_an_export_queued_at_the_erasure_is_marked_and_written_once_without_them(
    office, django_capture_on_commit_callbacks, monkeypatch
):
    obama, _, _ = office
    user = make_user("vera", role=VIEWER)
    export = ReportExport.objects.create(user=user, format="csv", filters=WEEK)
    other = ReportExport.objects.create(user=user, format="csv", filters=FEBRUARY)
    erase(obama, django_capture_on_commit_callbacks)
    export.refresh_from_db()
    other.refresh_from_db()
    assert export.person_erased_at is not None and other.person_erased_at is None
    writes = []
    real = exports.write_csv
    monkeypatch.setattr(exports, "write_csv", lambda rows, out, **kw: writes.append(1) or real(rows, out, **kw))
    report_export_task(export.pk)
    export.refresh_from_db()
    assert export.status == "done" and len(writes) == 1 and export.person_erased_at is None
    assert names_in(export) == {"Joe Biden", "Yang Liwei"}


@pytest.mark.django_db(transaction=True)
def test_an_erasure_committed_while_the_export_is_written_makes_the_worker_write_it_again_without_them(
    office, monkeypatch
):
    obama, _, _ = office
    export = ReportExport.objects.create(user=make_user("vera", role=VIEWER), format="csv", filters=WEEK)
    seen = []
    real = exports.write_csv

    def erased_meanwhile(rows, out, **kw):
        rows = list(rows)  # read: Obama's days among them, the first time
        seen.append({row.person_name for row in rows})
        if len(seen) == 1:
            person_delete(person=obama)  # committed, while this export runs
        return real(iter(rows), out, **kw)

    monkeypatch.setattr(exports, "write_csv", erased_meanwhile)
    report_export_task(export.pk)
    export.refresh_from_db()
    assert "Barack Obama" in seen[0] and "Barack Obama" not in seen[1] and len(seen) == 2
    assert export.status == "done" and names_in(export) == {"Joe Biden", "Yang Liwei"}
    assert export.rows_total == 7 + 7 and export.person_erased_at is None


@pytest.mark.django_db(transaction=True)
def test_an_export_disturbed_by_an_erasure_at_every_write_fails_with_a_message(office, monkeypatch):
    from django.utils import translation

    from portal.core.messages import message_text

    people = list(office)
    export = ReportExport.objects.create(user=make_user("vera", role=VIEWER), format="csv", filters=WEEK)
    real = exports.write_csv

    def erased_meanwhile(rows, out, **kw):
        rows = list(rows)
        person_delete(person=people.pop(0))
        return real(iter(rows), out, **kw)

    monkeypatch.setattr(exports, "write_csv", erased_meanwhile)
    report_export_task(export.pk)
    export.refresh_from_db()
    assert not people and export.status == "failed" and not export.file
    assert export.error.code == "export.erased_while_written"
    with translation.override("zh-hans"):
        assert message_text(export.error) == "导出写入期间，其中的人员被删除；请重新导出。"


@pytest.mark.django_db(transaction=True)
def test_a_worker_and_an_erasure_on_two_connections_end_with_no_file_showing_them(office, monkeypatch):
    """Two connections, as a worker process and the web process: the erasure commits while the worker,
    having read Obama's days, is still writing them."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serializes every writer: run on PostgreSQL (the test below)")
    obama, _, _ = office
    export = ReportExport.objects.create(
        user=make_user("vera", role=VIEWER), format="csv", filters=WEEK, status="running"
    )
    read, erased, errors, seen = threading.Event(), threading.Event(), [], []
    real = exports.write_csv

    def paused(rows, out, **kw):
        rows = list(rows)
        seen.append({row.person_name for row in rows})
        read.set()
        erased.wait(timeout=60)
        return real(iter(rows), out, **kw)

    def worker():
        try:
            report_export_run(export=ReportExport.objects.get(pk=export.pk))
        except Exception as exc:  # noqa: BLE001 - shown by the assert below
            errors.append(exc)
        finally:
            connection.close()

    monkeypatch.setattr(exports, "write_csv", paused)
    thread = threading.Thread(target=worker)
    thread.start()
    assert read.wait(timeout=60)
    person_delete(person=obama)
    erased.set()
    thread.join(timeout=120)
    assert not errors, errors
    export.refresh_from_db()
    assert "Barack Obama" in seen[0] and export.status == "done"
    assert names_in(export) == {"Joe Biden", "Yang Liwei"}


@pytest.mark.slow  # a pytest of its own in a fresh database: the full tier only
def test_the_erasure_tests_pass_on_postgresql(tmp_path):
    from tests.e2e.stack import assert_passes_on_postgresql

    assert_passes_on_postgresql(__file__, tmp_path)


def test_erasing_someone_in_no_export_keeps_every_file(office, django_capture_on_commit_callbacks):
    exports_before = [written(WEEK), written(FEBRUARY)]
    newcomer = make_person("Liu Yang", "3001", department="Sales")
    erase(newcomer, django_capture_on_commit_callbacks)
    for export in exports_before:
        export.refresh_from_db()
        assert export.status == "done" and os.path.exists(export.file.path)
