"""My attendance: an employee's own today, month and events (phone first)."""

import tempfile
from datetime import date, timedelta

from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from portal.attendance.selectors import attendance_day_detail, attendance_event_list
from portal.employees.access import employee_required
from portal.reports.monthly import COLUMNS, MARKS, figure_values, monthly_summary
from portal.reports.monthly_files import write_monthly_pdf


def month_first(value):
    if not value:
        return timezone.localdate().replace(day=1)
    try:
        return date.fromisoformat(f"{value}-01")
    except ValueError:
        raise Http404("bad month") from None


def person_month(*, person, first):
    """Today, the month's calendar, figures and events of one person: what My attendance
    shows, and what a manager reads of each of their people (portal.requests.team)."""
    today = timezone.localdate()
    detail = attendance_day_detail(person=person, day=today)
    month = monthly_summary(first=first, person=person)
    mine = month.people[0] if month.people else None
    days = []
    for n, day in enumerate(month.days):
        marks = mine.marks[n] if mine else []
        days.append({"day": day, "marks": [(m, MARKS[m][0], MARKS[m][1]) for m in marks], "note": month.notes.get(day)})
    last = month.days[-1]
    events = attendance_event_list(date_from=first, date_to=last, person=person).filter(voided=False)
    seconds = detail["summary"].worked_seconds if detail["summary"] else 0
    return {
        "worked": f"{seconds // 3600}:{seconds % 3600 // 60:02d}",
        "person": person,
        "today": today,
        "detail": detail,
        "first": first,
        "previous": (first.replace(day=1) - timedelta(days=1)).replace(day=1),
        "next": last + timedelta(days=1),
        "lead": range(first.isoweekday() - 1),
        "days": days,
        "figures": list(zip([str(c[1]) for c in COLUMNS], figure_values(mine.figures), strict=True)) if mine else [],
        "events": events,
    }


@employee_required
@require_GET
def me(request):
    context = person_month(person=request.person, first=month_first(request.GET.get("month")))
    return render(request, "employees/me.html", context)


@employee_required
@require_GET
def me_pdf(request):
    """My month as the monthly summary's PDF, with only me in it."""
    first = month_first(request.GET.get("month"))
    month = monthly_summary(first=first, person=request.person)
    out = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024, suffix=".pdf")
    write_monthly_pdf(month, out)
    out.seek(0)
    name = f"attendance-{request.person.employee_id}-{month.label}.pdf"
    return FileResponse(out, as_attachment=True, filename=name, content_type="application/pdf")
