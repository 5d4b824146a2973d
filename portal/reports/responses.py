"""Report files as HTTP responses, the same for the pages and the API."""

import tempfile

from django.http import FileResponse, StreamingHttpResponse

from portal.attendance.selectors import daily_summary_list
from portal.core.files import file_response
from portal.reports import exports
from portal.reports.selectors import Totals
from portal.reports.services import report_file_write, report_filename

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    # a PDF timesheet longer than REPORT_PDF_MAX_PAGES: one PDF per person
    "zip": "application/zip",
}


def report_download(*, fmt, filters, bom=True):
    """A small report written now: CSV streamed row by row, XLSX and PDF from a spooled file."""
    filename = report_filename(filters, fmt)
    if fmt == "csv":
        rows = exports.export_rows(daily_summary_list(**filters))
        response = StreamingHttpResponse(exports.csv_lines(rows, Totals(), bom=bom), content_type=CONTENT_TYPES[fmt])
    else:
        # small (callers send large ones to a worker): a spooled file stays in memory unless it grows
        out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024, suffix=f".{fmt}")
        report_file_write(fmt=fmt, filters=filters, out=out)
        out.seek(0)
        response = FileResponse(out, content_type=CONTENT_TYPES[filename.rsplit(".", 1)[-1]])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def export_file(export):
    """A finished large export's file, for its owner (the views check): never at a /media/ address."""
    filename = export.file.name.split("/", 1)[-1].split("-", 1)[-1]
    return file_response(
        export.file,
        download_name=filename,
        # a timesheet too long for one PDF comes as a ZIP of one PDF per person
        content_type=CONTENT_TYPES.get(filename.rsplit(".", 1)[-1], CONTENT_TYPES[export.format]),
        cache="private, no-store",
    )
