"""Report files as HTTP responses, the same for the pages and the API."""

import tempfile

from django.http import FileResponse, StreamingHttpResponse

from portal.attendance.selectors import daily_summary_list
from portal.reports import exports
from portal.reports.selectors import Totals
from portal.reports.services import report_file_write, report_filename
from portal.web.files import file_response

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def report_download(*, fmt, filters):
    """A small report written now: CSV streamed row by row, XLSX and PDF from a spooled file."""
    if fmt == "csv":
        rows = exports.export_rows(daily_summary_list(**filters))
        response = StreamingHttpResponse(exports.csv_lines(rows, Totals()), content_type=CONTENT_TYPES[fmt])
    else:
        # small (callers send large ones to a worker): a spooled file stays in memory unless it grows
        out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024, suffix=f".{fmt}")
        report_file_write(fmt=fmt, filters=filters, out=out)
        out.seek(0)
        response = FileResponse(out, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{report_filename(filters, fmt)}"'
    return response


def export_file(export):
    """A finished large export's file, for its owner (the views check): never at a /media/ address."""
    return file_response(
        export.file,
        download_name=export.file.name.split("/", 1)[-1].split("-", 1)[-1],
        content_type=CONTENT_TYPES[export.format],
        cache="private, no-store",
    )
