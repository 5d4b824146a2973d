"""Imports and report exports run through the one claim rule (portal.core.jobs.run_claimed):
a transient database error hands the row back and the task retries, as a capture does."""

import pytest
from celery.exceptions import Retry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError

from portal.accounts.roles import VIEWER
from portal.people import imports, services
from portal.people.models import ImportJob, Person
from portal.people.tasks import run_import
from portal.reports import services as report_services
from portal.reports.models import ReportExport
from portal.reports.tasks import report_export_task
from tests.factories import make_user
from tests.portal.people.test_imports import people_zip
from tests.portal.reports.conftest import week  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db
WEEK = {"date_from": "2026-03-02", "date_to": "2026-03-08"}


def once_then_real(monkeypatch, module, name):
    """`module.name` raises a dropped connection the first time, then works."""
    real, calls = getattr(module, name), []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, flaky)


def test_an_import_hit_by_a_database_error_is_retried_not_failed(monkeypatch, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        job = services.import_job_submit(file=SimpleUploadedFile("people.zip", people_zip()), filename="people.zip")
    once_then_real(monkeypatch, imports, "people_import")
    with pytest.raises(Retry):
        run_import.apply(args=[job.pk], throw=True)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.QUEUED and not job.error  # handed back for the retry
    run_import.apply(args=[job.pk], throw=True)  # the retry
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.report["people_created_count"] == 2
    assert Person.objects.filter(employee_id="1042").count() == 1


@pytest.mark.usefixtures("week")
def test_an_export_hit_by_a_database_error_is_retried_not_failed(monkeypatch):
    export = ReportExport.objects.create(user=make_user("vera", role=VIEWER), format="csv", filters=WEEK, rows_total=14)
    once_then_real(monkeypatch, report_services, "report_file_write")
    with pytest.raises(Retry):
        report_export_task.apply(args=[export.pk], throw=True)
    export.refresh_from_db()
    assert export.status == ReportExport.Status.QUEUED and not export.error
    report_export_task.apply(args=[export.pk], throw=True)
    export.refresh_from_db()
    assert export.status == ReportExport.Status.DONE and export.rows_done == 14
