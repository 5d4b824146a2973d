"""Large exports: queued, written by the task (called as a function), followed, downloaded."""

import csv
import io
import os

import openpyxl
import pytest
from django.urls import reverse

from portal.accounts.roles import VIEWER
from portal.reports import exports
from portal.reports.forms import ReportFilterForm
from portal.reports.models import ReportExport
from portal.reports.services import report_export_run, report_file_write
from portal.reports.tasks import report_export_task
from tests.factories import make_user
from tests.portal.reports.conftest import summaries

pytestmark = pytest.mark.django_db
WEEK = {"date_from": "2026-03-02", "date_to": "2026-03-08"}


@pytest.fixture
def viewer(client):
    client.force_login(make_user("vera", role=VIEWER))
    return client


def test_an_export_larger_than_the_inline_limit_is_queued_and_followed(
    viewer, week, settings, django_capture_on_commit_callbacks
):
    settings.REPORT_EXPORT_INLINE_ROWS = 5
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = viewer.get(reverse("report-export", args=["xlsx"]), WEEK)
    export = ReportExport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("report-export-status", args=[export.pk])
    assert export.status == "queued" and export.rows_total == 14 and len(callbacks) == 1
    assert viewer.get(reverse("report-export-progress", args=[export.pk])).json()["download"] is None

    report_export_task(export.pk)  # what the worker does

    progress = viewer.get(reverse("report-export-progress", args=[export.pk])).json()
    assert progress["status"] == "done" and progress["percent"] == 100 and progress["rows_done"] == 14
    page = viewer.get(reverse("report-export-status", args=[export.pk])).content.decode()
    assert reverse("report-export-download", args=[export.pk]) in page
    file = viewer.get(progress["download"])
    assert file["Content-Disposition"].endswith('filename="attendance-20260302-20260308.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(file.streaming_content))).active
    assert sheet.max_row == 1 + 14 + 1


def test_the_task_claims_once_and_a_redelivery_does_nothing(week):
    user = make_user("vera", role=VIEWER)
    export = ReportExport.objects.create(user=user, format="csv", filters=WEEK, rows_total=14)
    report_export_task(export.pk)
    export.refresh_from_db()
    first = export.finished_at
    report_export_task(export.pk)
    export.refresh_from_db()
    assert export.status == "done" and export.finished_at == first
    rows = list(csv.DictReader(io.StringIO(export.file.open("rb").read().decode("utf-8-sig"))))
    assert len(rows) == 15 and rows[-1]["Date"] == "Total"
    assert [r["Person"] for r in rows[:-1]] == [s.person.name for s in summaries()]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_progress_is_reported_while_rows_are_written(week, monkeypatch, tmp_path, fmt):
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 4)
    form = ReportFilterForm(WEEK)
    assert form.is_valid()
    seen = []
    out = str(tmp_path / "x.xlsx") if fmt == "xlsx" else (io.StringIO() if fmt == "csv" else io.BytesIO())
    totals = report_file_write(fmt=fmt, filters=form.filters(), out=out, progress=seen.append)
    assert seen == [4, 8, 12] and totals.days == 14


def test_bad_stored_filters_fail_the_export_with_a_message(db):
    export = ReportExport.objects.create(
        user=make_user("vera", role=VIEWER), format="csv", filters={"date_from": "nope"}, status="running"
    )
    report_export_run(export=export)
    export.refresh_from_db()
    assert export.status == "failed" and "no longer valid" in export.error


def test_someone_elses_export_is_not_shown(client, week):
    export = ReportExport.objects.create(user=make_user("vera", role=VIEWER), format="csv", filters=WEEK)
    client.force_login(make_user("other", role=VIEWER))
    assert client.get(reverse("report-export-status", args=[export.pk])).status_code == 403
    assert client.get(reverse("report-export-download", args=[export.pk])).status_code == 403


def test_old_export_files_are_removed_and_the_rows_kept(week, settings):
    from datetime import timedelta

    from django.utils import timezone

    from portal.reports.tasks import report_exports_expire_task

    user = make_user("vera", role=VIEWER)
    old, new = (ReportExport.objects.create(user=user, format="csv", filters=WEEK) for _ in range(2))
    for export in (old, new):
        report_export_task(export.pk)
    ReportExport.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
    path = ReportExport.objects.get(pk=old.pk).file.path
    assert report_exports_expire_task() == 1
    old.refresh_from_db()
    new.refresh_from_db()
    assert old.status == "expired" and not old.file and not os.path.exists(path)
    assert new.status == "done" and os.path.exists(new.file.path)


def test_with_media_in_a_bucket_an_export_is_written_there_downloaded_and_expired(viewer, week, settings, monkeypatch):
    from datetime import timedelta
    from pathlib import Path

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from tests.media_bucket import use_bucket

    bucket = use_bucket(settings, monkeypatch)
    vera = get_user_model().objects.get(username="vera")  # the viewer signed in
    export = ReportExport.objects.create(user=vera, format="csv", filters=WEEK)
    report_export_task(export.pk)
    export.refresh_from_db()
    assert export.status == "done" and bucket.names() == [f"media/{export.file.name}"]
    assert not [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]
    file = viewer.get(reverse("report-export-download", args=[export.pk]))
    rows = list(csv.DictReader(io.StringIO(b"".join(file.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 15 and rows[-1]["Date"] == "Total"
    ReportExport.objects.filter(pk=export.pk).update(created_at=timezone.now() - timedelta(days=8))
    from portal.reports.tasks import report_exports_expire_task

    assert report_exports_expire_task() == 1 and bucket.names() == []


@pytest.mark.parametrize("worker_language", ["zh-hans", "en"])
def test_a_failed_export_reads_in_each_readers_language_whatever_the_workers(
    viewer, week, monkeypatch, worker_language
):
    import json

    from django.db import connection
    from django.utils import translation

    from portal.reports import services

    def broken(**kwargs):
        raise ValueError("Worksheet name 'x' is too long")

    monkeypatch.setattr(services, "report_file_write", broken)
    user = ReportExport._meta.get_field("user").related_model.objects.get(username="vera")
    export = ReportExport.objects.create(user=user, format="csv", filters=WEEK, rows_total=14, language=worker_language)
    with translation.override(worker_language):
        report_export_run(export=export)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT error FROM {ReportExport._meta.db_table} WHERE id = %s", [export.pk])
        kept = json.loads(cursor.fetchone()[0])
    assert kept == {"code": "export.failed", "params": {"error": "Worksheet name 'x' is too long"}}
    english = "The export failed: Worksheet name &#x27;x&#x27; is too long"
    chinese = "导出失败：Worksheet name &#x27;x&#x27; is too long"
    for accept, words in (("en", english), ("zh-Hans,zh;q=0.9", chinese)):
        page = viewer.get(reverse("report-export-status", args=[export.pk]), HTTP_ACCEPT_LANGUAGE=accept)
        assert words in page.content.decode()
        text = words.replace("&#x27;", "'")
        progress = viewer.get(reverse("report-export-progress", args=[export.pk]), HTTP_ACCEPT_LANGUAGE=accept)
        assert progress.json()["status"] == "failed" and progress.json()["error"] == text
        api = viewer.get(reverse("api:report-export-detail", args=[export.pk]), HTTP_ACCEPT_LANGUAGE=accept)
        assert api.status_code == 200 and api.json()["error"] == text


def test_stored_filters_no_longer_valid_read_in_chinese_with_the_errors_as_a_value(viewer):
    from django.utils import translation

    user = ReportExport._meta.get_field("user").related_model.objects.get(username="vera")
    export = ReportExport.objects.create(user=user, format="csv", filters={"date_from": "nope"}, status="running")
    with translation.override("zh-hans"):
        report_export_run(export=export)
    export.refresh_from_db()
    assert export.error.code == "export.filters_invalid" and "Enter a valid date." in export.error.params["errors"]
    progress = viewer.get(reverse("report-export-progress", args=[export.pk]), HTTP_ACCEPT_LANGUAGE="zh-Hans").json()
    assert progress["error"].startswith("筛选条件已失效：")


def test_an_export_that_took_too_long_reads_in_the_readers_language(viewer):
    from portal.core.jobs import give_up
    from portal.reports.jobs import EXPORT

    user = ReportExport._meta.get_field("user").related_model.objects.get(username="vera")
    export = ReportExport.objects.create(user=user, format="csv", filters=WEEK, status="running")
    give_up(EXPORT, export.pk, EXPORT.too_long)
    url = reverse("report-export-progress", args=[export.pk])
    assert viewer.get(url, HTTP_ACCEPT_LANGUAGE="en").json()["error"].startswith("The export took too long")
    chinese = "导出耗时过长；请选择更短的期间或更少的人员。"
    assert viewer.get(url, HTTP_ACCEPT_LANGUAGE="zh-Hans").json()["error"] == chinese
