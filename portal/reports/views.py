import tempfile
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from portal.accounts.roles import ADMIN, VIEWER, has_role, role_required
from portal.attendance.selectors import daily_summary_list
from portal.attendance.services import attendance_absences_mark
from portal.core.messages import message_text
from portal.core.spreadsheets import wants_bom
from portal.org.selectors import first_day_steps
from portal.reports import charts
from portal.reports.forms import MonthlyForm, ReportFilterForm, TimesheetForm
from portal.reports.models import ReportExport
from portal.reports.monthly import column_titles, figure_values, legend, monthly_summary
from portal.reports.monthly_files import write_monthly_pdf, write_monthly_xlsx
from portal.reports.responses import CONTENT_TYPES, export_file, report_download
from portal.reports.selectors import dashboard_today, presence_history, report_totals
from portal.reports.services import report_export_request, report_period

PAGE_ROWS = 500


def _absences_current(last_day):
    """Today's absences stored before a report that covers today reads the summaries: the
    dashboard counts them from the start of the shift, and both must say the same."""
    if last_day >= timezone.localdate() - timedelta(days=1):
        attendance_absences_mark()


@role_required(VIEWER)
def dashboard(request):
    today = dashboard_today()
    context = {
        "today": today,
        "arrivals_chart": charts.arrivals_chart(today.arrivals),
        "history_chart": charts.history_chart(presence_history()),
        "first_day": first_day_steps(request.user),
    }
    return render(request, "reports/dashboard.html", context)


@role_required(VIEWER)
@require_GET
def dashboard_live(request):
    """The counters and the live list, for the dashboard's script to swap in."""
    today = dashboard_today()
    context = {"today": today, "arrivals_chart": charts.arrivals_chart(today.arrivals)}
    return render(request, "reports/_live.html", context)


@role_required(VIEWER)
def reports(request):
    form = ReportFilterForm.from_query(request.GET)
    if not form.is_valid():
        return render(request, "reports/reports.html", {"form": form}, status=400)
    _absences_current(form.cleaned_data["date_to"])
    rows = daily_summary_list(**form.filters())
    totals = report_totals(rows)
    context = {
        "form": form,
        "rows": rows[:PAGE_ROWS],
        "more": max(totals.days - PAGE_ROWS, 0),
        "totals": totals,
        "query": form.data.urlencode(),
        "period": report_period(form.filters()),
    }
    return render(request, "reports/reports.html", context)


@role_required(VIEWER)
def timesheet(request):
    form = TimesheetForm(request.GET or None, initial={"month": f"{timezone.localdate():%Y-%m}"})
    context = {"form": form}
    status = 200
    if form.is_bound and form.is_valid():
        first, last = form.period()
        _absences_current(last)
        filters = {"date_from": first, "date_to": last, "person": form.cleaned_data["person"], "department": None}
        rows = daily_summary_list(**filters)
        query = urlencode({"date_from": first.isoformat(), "date_to": last.isoformat(), "person": filters["person"].pk})
        context.update(rows=rows, totals=report_totals(rows), period=report_period(filters), query=query)
    elif form.is_bound:
        status = 400
    return render(request, "reports/timesheet.html", context, status=status)


@role_required(VIEWER)
def monthly_report(request):
    """月度汇总: each person's figures for the month and a grid of symbols, with a legend."""
    form = MonthlyForm.from_query(request.GET)
    if not form.is_valid():
        return render(request, "reports/monthly.html", {"form": form}, status=400)
    _absences_current((form.first() + timedelta(days=31)).replace(day=1))
    month = monthly_summary(first=form.first(), **_monthly_filters(form))
    marks, notes = legend()
    context = {
        "form": form,
        "month": month,
        "titles": column_titles(),
        "rows": [(m, figure_values(m.figures), m.symbols()) for m in month.people],
        "day_headers": list(zip(month.days, month.day_notes(), strict=True)),
        "legend": marks + notes,
        "query": form.data.urlencode(),
    }
    return render(request, "reports/monthly.html", context)


def _monthly_filters(form):
    return {"department": form.cleaned_data.get("department"), "person": form.cleaned_data.get("person")}


MONTHLY_WRITERS = {"xlsx": write_monthly_xlsx, "pdf": write_monthly_pdf}


@role_required(VIEWER)
@require_GET
def monthly_export(request, fmt):
    """The monthly summary as the page shows it (a month has at most 31 rows per person: written at once)."""
    if fmt not in MONTHLY_WRITERS:
        raise Http404(_("Unknown format."))
    form = MonthlyForm.from_query(request.GET)
    if not form.is_valid():
        return render(request, "reports/monthly.html", {"form": form}, status=400)
    month = monthly_summary(first=form.first(), **_monthly_filters(form))
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024, suffix=f".{fmt}")
    MONTHLY_WRITERS[fmt](month, out)
    out.seek(0)
    return FileResponse(
        out, as_attachment=True, filename=f"monthly-{month.label}.{fmt}", content_type=CONTENT_TYPES[fmt]
    )


@role_required(VIEWER)
@require_GET
def report_export(request, fmt):
    """Exactly the rows the report filters show: at once when small, else by a worker."""
    if fmt not in CONTENT_TYPES:
        raise Http404(_("Unknown format."))
    form = ReportFilterForm.from_query(request.GET)
    if not form.is_valid():
        return render(request, "reports/reports.html", {"form": form}, status=400)
    filters = form.filters()
    _absences_current(filters["date_to"])
    count = daily_summary_list(**filters).count()
    if count > settings.REPORT_EXPORT_INLINE_ROWS:
        export = report_export_request(user=request.user, fmt=fmt, query=form.data, rows_total=count)
        return redirect("report-export-status", pk=export.pk)
    return report_download(fmt=fmt, filters=filters, bom=wants_bom(request.GET))


def _own_export(request, pk):
    export = get_object_or_404(ReportExport, pk=pk)
    if export.user_id != request.user.pk and not has_role(request.user, ADMIN):
        raise PermissionDenied(_("This export belongs to someone else."))
    return export


@role_required(VIEWER)
def report_export_status(request, pk):
    export = _own_export(request, pk)
    export.error = message_text(export.error)  # a stored message (a sentence before codes), in the reader's language
    return render(request, "reports/export_status.html", {"export": export})


@role_required(VIEWER)
@require_GET
def report_export_progress(request, pk):
    export = _own_export(request, pk)
    return JsonResponse(
        {
            "status": export.status,
            "rows_done": export.rows_done,
            "rows_total": export.rows_total,
            "percent": export.percent,
            "error": message_text(export.error),
            "download": reverse("report-export-download", args=[export.pk])
            if export.status == ReportExport.Status.DONE
            else None,
        }
    )


@role_required(VIEWER)
@require_GET
def report_export_download(request, pk):
    export = _own_export(request, pk)
    if export.status != ReportExport.Status.DONE or not export.file:
        raise Http404(_("This export is not ready."))
    return export_file(export)
