"""Report exports: small ones answered at once, large ones written by a worker."""

import logging
import tempfile
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO, TypedDict

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files import File
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from portal.attendance.models import DailySummary
from portal.attendance.selectors import daily_summary_list
from portal.core.jobs import TRANSIENT, send
from portal.core.messages import Message
from portal.org.selectors import organization_logo, organization_name
from portal.people.models import Department, Person
from portal.reports import exports
from portal.reports.forms import ReportFilterForm
from portal.reports.jobs import ERASED_WHILE_WRITTEN, EXPORT, FAILED, FILTERS_INVALID
from portal.reports.models import ReportExport
from portal.reports.selectors import Totals, report_export_may_show

log = logging.getLogger(__name__)
CHUNK = 2000


class ReportFilters(TypedDict):
    """What ReportFilterForm.filters() gives: daily_summary_list's keyword arguments."""

    date_from: date
    date_to: date
    department: Department | None
    person: Person | None


def report_period(filters: ReportFilters) -> str:
    # in the reader's language: pages and PDF headers said "to" and "department" in Chinese too
    # dates as the reader writes them (2026年3月1日; ISO in English, as the portal always wrote them)
    text = _("%(start)s to %(end)s") % {
        "start": formats.date_format(filters["date_from"], "SHORT_DATE_FORMAT"),
        "end": formats.date_format(filters["date_to"], "SHORT_DATE_FORMAT"),
    }
    if person := filters.get("person"):
        text += _(", %(name)s") % {"name": person.name}
    elif department := filters.get("department"):
        text += _(", department %(name)s") % {"name": department.name}
    return text


def _person_counts(rows: QuerySet[DailySummary]) -> list[int]:
    """Rows per person, in the order the timesheet prints them."""
    return list(
        rows.order_by("person__sort_key", "person__name", "person__employee_id", "person_id")
        .values("person_id", "person__sort_key", "person__name", "person__employee_id")
        .annotate(n=Count("id"))
        .values_list("n", flat=True)
    )


def report_file_suffix(*, fmt: str, filters: ReportFilters) -> str:
    """The file's extension: the format's, or zip for a timesheet split into a PDF per person."""
    if fmt == ReportExport.Format.PDF and exports.pdf_split(_person_counts(daily_summary_list(**filters))):
        return "zip"
    return fmt


def report_filename(filters: ReportFilters, fmt: str) -> str:
    suffix = report_file_suffix(fmt=fmt, filters=filters)
    return f"attendance-{filters['date_from']:%Y%m%d}-{filters['date_to']:%Y%m%d}.{suffix}"


def report_file_write(
    *,
    fmt: str,
    filters: ReportFilters,
    out: str | IO[str] | IO[bytes],
    progress: Callable[[int], None] | None = None,
    bom: bool = True,
) -> Totals:
    """Write the rows the filters select to `out` (a path for xlsx, a file otherwise).

    `bom`: start a CSV with the UTF-8 byte-order mark, by which Excel knows the encoding.
    """
    rows = daily_summary_list(**filters)
    stream = exports.export_rows(rows, CHUNK)
    if fmt == ReportExport.Format.CSV:
        return exports.write_csv(stream, out, progress=progress, bom=bom)
    if fmt == ReportExport.Format.XLSX:
        return exports.write_xlsx(stream, out, progress=progress)
    if fmt == ReportExport.Format.PDF:
        counts = _person_counts(rows)
        common = {
            "organization": organization_name(),
            "logo": organization_logo(),
            "period": report_period(filters),
            "progress": progress,
        }
        if exports.pdf_split(counts):
            names = rows.order_by().values_list("person__name", "person__department__name").distinct()
            text = "".join({ch for pair in names.iterator() for part in pair if part for ch in part})
            return exports.write_pdf_zip(stream, out, person_counts=counts, people_text=text, **common)
        return exports.write_pdf(stream, out, person_counts=counts, **common)
    raise ValueError(_("Unknown export format %(format)r.") % {"format": fmt})


def report_export_request(*, user: User, fmt: str, query: Mapping[str, str], rows_total: int) -> ReportExport:
    """Queue an export of the rows the query string selects; the worker writes it."""
    export = ReportExport.objects.create(
        user=user,
        format=fmt,
        filters=dict(query.items()),
        rows_total=rows_total,
        language=translation.get_language() or "",
    )
    transaction.on_commit(lambda: send(EXPORT, export.pk))
    return export


def report_export_run(*, export: ReportExport) -> ReportExport:
    """Write the file of a claimed export, updating its progress as rows go by,
    in the language of the user who asked for it."""
    with translation.override(export.language or settings.LANGUAGE_CODE):
        return _export_write(export)


# an erasure of someone in the export during each write starts it again; after this many rewrites it fails
ERASURE_REWRITES = 2


def _export_write(export: ReportExport) -> ReportExport:
    for _attempt in range(1 + ERASURE_REWRITES):
        # a mark an erasure left before this write began is committed with the erasure: this write no longer
        # reads the person (an erasure still running holds the row, and this update waits for its end)
        ReportExport.objects.filter(pk=export.pk).update(person_erased_at=None)
        done = _export_write_once(export)
        if done is not None:
            return done
        log.info("export %s: someone in it was erased while it was written", export.pk)
    return _fail(export, ERASED_WHILE_WRITTEN)


def _export_write_once(export: ReportExport) -> ReportExport | None:
    """The export written, done or failed; None when an erasure marked it while it was written."""
    form = ReportFilterForm(export.filters)  # again each time: the erased person may have been the filter
    if not form.is_valid():
        with translation.override("en"):  # a value of the stored message, whoever's language the worker has
            errors = form.errors.as_text()
        return _fail(export, FILTERS_INVALID % {"errors": errors})
    filters = form.filters()
    bom = export.filters.get("bom") not in {"0", "false"}

    def progress(done: int) -> None:
        ReportExport.objects.filter(pk=export.pk).update(rows_done=done)

    # written to a local temporary file, then handed to the media storage (a folder or a bucket)
    with tempfile.TemporaryDirectory(prefix="export-") as folder:
        path = Path(folder) / f"{export.pk}-{report_filename(filters, export.format)}"
        try:
            if export.format == ReportExport.Format.XLSX:
                totals = report_file_write(fmt=export.format, filters=filters, out=str(path), progress=progress)
            else:
                text = export.format == ReportExport.Format.CSV
                with open(path, "w", newline="", encoding="utf-8") if text else open(path, "wb") as out:
                    totals = report_file_write(fmt=export.format, filters=filters, out=out, progress=progress, bom=bom)
        except TRANSIENT:
            raise  # the database went away: the task hands the row back and retries
        except Exception as exc:
            log.exception("export %s failed", export.pk)
            return _fail(export, FAILED % {"error": exc})
        with transaction.atomic():
            # the row locked: an erasure either marked it before (seen here) or waits and then finds it done,
            # and expires its file if it may show the person (report_exports_forget)
            marked = ReportExport.objects.select_for_update().values_list("person_erased_at", flat=True)
            if marked.get(pk=export.pk) is not None:
                return None
            with open(path, "rb") as handle:
                export.file.save(path.name, File(handle), save=False)
            export.status = ReportExport.Status.DONE
            export.rows_done = export.rows_total = totals.days
            export.finished_at = timezone.now()
            export.save(update_fields=["file", "status", "rows_done", "rows_total", "finished_at"])
    return export


def _fail(export: ReportExport, message: Message) -> ReportExport:
    export.status = ReportExport.Status.FAILED
    export.error = message
    export.finished_at = timezone.now()
    export.save(update_fields=["status", "error", "finished_at"])
    return export


def report_exports_expire(*, now: datetime | None = None) -> int:
    """Remove export files older than REPORT_EXPORT_KEEP_DAYS; the rows stay as a log."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.REPORT_EXPORT_KEEP_DAYS)
    old = ReportExport.objects.filter(created_at__lt=cutoff).exclude(status=ReportExport.Status.EXPIRED)
    expired = 0
    for export in old.exclude(status__in=[ReportExport.Status.QUEUED, ReportExport.Status.RUNNING]):
        _expire(export)
        expired += 1
    return expired


def _expire(export: ReportExport, *, on_commit: bool = False) -> None:
    name, storage = export.file.name, export.file.storage
    export.file = ""
    export.status = ReportExport.Status.EXPIRED
    export.save(update_fields=["file", "status"])
    if name and on_commit:
        # inside an erasure: a refused one (a protected row) rolls back, and the file stays with its row
        transaction.on_commit(lambda: storage.delete(name))
    elif name:
        storage.delete(name)


def report_exports_forget(*, person: Person) -> tuple[int, int]:
    """A person's erasure, for the exports that may show them (report_export_may_show): a file
    written cannot be edited, so it goes (the row stays as a log, EXPIRED); an export queued or
    running is marked, and its worker writes the file again without them. The others keep their
    files. Called while the person's rows are still there. Returns (expired, marked)."""
    now = timezone.now()
    unfinished = [ReportExport.Status.QUEUED, ReportExport.Status.RUNNING]
    # marked first: a worker finishing after this mark sees it; one that finished before it is done
    # by the time the finished ones are read below (its row lock made the mark wait), and expires there
    marked = 0
    for export in ReportExport.objects.filter(status__in=unfinished).only("id", "filters", "created_at"):
        if report_export_may_show(export=export, person=person):
            marked += ReportExport.objects.filter(pk=export.pk, status__in=unfinished).update(person_erased_at=now)
    expired = 0
    for export in ReportExport.objects.filter(status=ReportExport.Status.DONE):
        if report_export_may_show(export=export, person=person):
            _expire(export, on_commit=True)
            expired += 1
    return expired, marked
