import csv
from datetime import date, timedelta

from django.contrib import messages
from django.db import transaction
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from django.views.decorators.http import require_POST

from portal.accounts.roles import HR, role_required
from portal.attendance.calendar import CalendarError, calendar_import
from portal.attendance.forms import (
    AttendanceFilterForm,
    CalendarDayForm,
    CalendarImportForm,
    EventForm,
    ScheduleForm,
    VoidForm,
    first_of_this_month,
)
from portal.attendance.models import AttendanceEvent, CalendarDay, RecomputeJob, Schedule
from portal.attendance.recompute import schedule_recompute_start, summaries_recompute_start
from portal.attendance.schedules import shift_for_person
from portal.attendance.selectors import attendance_day_detail, attendance_event_list, recompute_jobs_recent
from portal.attendance.services import (
    CorrectionRefused,
    attendance_event_add,
    attendance_event_change,
    attendance_event_void,
)
from portal.core.messages import message_text
from portal.core.paging import PeekPage
from portal.core.spreadsheets import coded, spreadsheet_safe, wants_bom
from portal.people.models import Person


@role_required(HR)
def attendance(request):
    form = AttendanceFilterForm(request.GET or None)
    events = AttendanceEvent.objects.none()
    if form.is_bound and form.is_valid():
        events = attendance_event_list(**form.cleaned_data)
    elif not form.is_bound:
        events = attendance_event_list()
    page = PeekPage(events, request.GET.get("page"), 50)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "attendance/events.html", {"form": form, "page": page, "query": query.urlencode()})


class _Echo:
    def write(self, value):
        return value


@role_required(HR)
def attendance_csv(request):
    form = AttendanceFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "attendance/events.html", {"form": form, "page": None}, status=400)
    events = attendance_event_list(**(form.cleaned_data if form.is_bound else {}))
    writer = csv.writer(_Echo())

    bom = wants_bom(request.GET)

    def rows():
        yield ("\ufeff" if bom else "") + writer.writerow(
            [
                _("time"),
                _("person"),
                # the English header is a column name machines read: unchanged since the first export
                pgettext("column of an export", "employee_id"),
                _("department"),
                _("direction"),
                _("source"),
                _("distance"),
                _("voided"),
            ]
        )
        for event in events.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    timezone.localtime(event.at).isoformat(timespec="seconds"),
                    spreadsheet_safe(event.person.name),
                    spreadsheet_safe(event.person.employee_id),
                    spreadsheet_safe(event.person.department.name if event.person.department else ""),
                    coded(event.direction, event.get_direction_display()),
                    coded(event.source, event.get_source_display()),
                    "" if event.distance is None else f"{event.distance:.4f}",
                    _("yes") if event.voided else "",
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="attendance-{timezone.localdate():%Y%m%d}.csv"'
    return response


def _day(value):
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Http404(_("Not a date.")) from None


def _day_page(request, person, day, *, add_form=None, status=200, error=None):
    detail = attendance_day_detail(person=person, day=day)
    # a missed event most often is the morning's check-in: the person's own planned start
    local_start = timezone.localtime(detail["shift"].planned(day, timezone.get_current_timezone())[0])
    context = {
        "person": person,
        "day": day,
        **detail,
        "add_form": add_form or EventForm(initial={"at": local_start}),
        "void_form": VoidForm(),
        "directions": AttendanceEvent.Direction.choices,
        "prev_day": (day - timedelta(days=1)).isoformat(),
        "next_day": (day + timedelta(days=1)).isoformat(),
        "error": error,
    }
    return render(request, "attendance/day.html", context, status=status)


@role_required(HR)
def attendance_day(request, person_pk, day):
    person = get_object_or_404(Person, pk=person_pk)
    return _day_page(request, person, _day(day))


@role_required(HR)
@require_POST
def attendance_event_add_view(request, person_pk, day):
    person = get_object_or_404(Person, pk=person_pk)
    day = _day(day)
    form = EventForm(request.POST)
    if not form.is_valid():
        return _day_page(request, person, day, add_form=form, status=400)
    try:
        attendance_event_add(person=person, user=request.user, **form.cleaned_data)
    except CorrectionRefused as exc:
        return _day_page(request, person, day, add_form=form, status=400, error=exc.message)
    messages.success(request, _("Event added."))
    return redirect("attendance-day", person_pk=person.pk, day=day.isoformat())


def _event_day(event):
    return shift_for_person(event.person).day_of(event.at, timezone.get_current_timezone())


@role_required(HR)
@require_POST
def attendance_event_change_view(request, pk):
    event = get_object_or_404(AttendanceEvent.objects.select_related("person"), pk=pk)
    day = _event_day(event)
    form = EventForm(request.POST)
    if not form.is_valid():
        return _day_page(request, event.person, day, status=400, error=_errors(form))
    try:
        attendance_event_change(event=event, user=request.user, **form.cleaned_data)
    except CorrectionRefused as exc:
        return _day_page(request, event.person, day, status=400, error=exc.message)
    messages.success(request, _("Event changed."))
    event.refresh_from_db()
    return redirect("attendance-day", person_pk=event.person_id, day=_event_day(event).isoformat())


@role_required(HR)
@require_POST
def attendance_event_void_view(request, pk):
    event = get_object_or_404(AttendanceEvent.objects.select_related("person"), pk=pk)
    day = _event_day(event)
    form = VoidForm(request.POST)
    if not form.is_valid():
        return _day_page(request, event.person, day, status=400, error=_errors(form))
    try:
        attendance_event_void(event=event, user=request.user, reason=form.cleaned_data["reason"])
    except CorrectionRefused as exc:
        return _day_page(request, event.person, day, status=400, error=exc.message)
    messages.success(request, _("Event voided."))
    return redirect("attendance-day", person_pk=event.person_id, day=day.isoformat())


def _errors(form):
    return " ".join(" ".join(errors) for errors in form.errors.values())


def _recompute_said(jobs, asked):
    """What the success message says will happen to the days already summarized."""
    if not jobs:
        return _("Days already summarized stay as they are: %(day)s is in the future.") % {"day": asked.isoformat()}
    people = sum(job.total for job in jobs)
    return ngettext(
        "The days already summarized from %(day)s to today of %(count)s person are recomputed in the background.",
        "The days already summarized from %(day)s to today of %(count)s people are recomputed in the background.",
        people,
    ) % {"day": min(job.day_from for job in jobs).isoformat(), "count": people}


def _everyone_recompute(request, day_from):
    """After a calendar change: everyone's stored days from `day_from`."""
    job = summaries_recompute_start(scope=RecomputeJob.Scope.EVERYONE, day_from=day_from, started_by=request.user)
    return _recompute_said([job] if job else [], day_from)


@role_required(HR)
def schedules(request):
    items = Schedule.objects.select_related("department", "person").order_by("-is_default", "name")
    return render(request, "attendance/schedules.html", {"schedules": items, "recomputes": recompute_jobs_recent()})


@role_required(HR)
def schedule_edit(request, pk=None):
    schedule = get_object_or_404(Schedule, pk=pk) if pk else Schedule()
    # read before the form: validating it writes the new scope onto the instance
    was = (schedule.person_id, schedule.department_id)
    status = 200
    if request.method == "POST":
        form = ScheduleForm(request.POST, instance=schedule)
        if form.is_valid():
            day_from = form.cleaned_data["recompute_from"] or first_of_this_month()
            # the change and its recompute job commit together: never a new schedule with stale stored days
            with transaction.atomic():
                form.save()
                jobs = schedule_recompute_start(schedule=schedule, day_from=day_from, started_by=request.user, was=was)
            messages.success(
                request,
                _("Schedule “%(name)s” saved. %(after)s")
                % {"name": schedule.name, "after": _recompute_said(jobs, day_from)},
            )
            return redirect("attendance-schedules")
        status = 400
    else:
        form = ScheduleForm(instance=schedule)
    return render(request, "attendance/schedule_form.html", {"form": form, "schedule": schedule}, status=status)


def _calendar_page(request, *, year, import_form=None, day_form=None, status=200):
    days = list(CalendarDay.objects.filter(day__year=year))
    for day in days:  # an imported name in the reader's language, whoever imported it
        day.name = message_text(day.name)
    context = {
        "year": year,
        "days": days,
        "years": [year - 1, year, year + 1],
        "import_form": import_form or CalendarImportForm(initial={"year": year, "country": "CN"}),
        "day_form": day_form or CalendarDayForm(),
        "recomputes": recompute_jobs_recent(),
    }
    return render(request, "attendance/calendar.html", context, status=status)


def _year(value):
    try:
        year = int(value)
    except (TypeError, ValueError):
        return timezone.localdate().year
    return year if 1950 <= year <= 2100 else timezone.localdate().year


@role_required(HR)
def calendar(request):
    """The organization's holidays and swapped working days of a year; add a day by hand."""
    year = _year(request.GET.get("year"))
    if request.method == "POST":
        form = CalendarDayForm(request.POST, instance=CalendarDay.objects.filter(day=request.POST.get("day")).first())
        if not form.is_valid():
            return _calendar_page(request, year=year, day_form=form, status=400)
        day = form.save(commit=False)
        day.country = ""
        with transaction.atomic():
            day.save()
            after = _everyone_recompute(request, form.cleaned_data.get("recompute_from") or day.day)
        messages.success(request, _("%(day)s saved. %(after)s") % {"day": day, "after": after})
        return redirect(f"{reverse('attendance-calendar')}?year={day.day.year}")
    return _calendar_page(request, year=year)


@role_required(HR)
@require_POST
def calendar_import_view(request):
    form = CalendarImportForm(request.POST)
    year = _year(request.POST.get("year"))
    if not form.is_valid():
        return _calendar_page(request, year=year, import_form=form, status=400)
    options = {name: value for name, value in form.cleaned_data.items() if name != "recompute_from"}
    try:
        with transaction.atomic():
            done = calendar_import(**options)
            # by default from the first day of that year: a future year's days are not summarized yet
            after = _everyone_recompute(request, form.cleaned_data.get("recompute_from") or date(done.year, 1, 1))
    except CalendarError as exc:
        form.add_error(None, exc.message)
        return _calendar_page(request, year=year, import_form=form, status=400)
    messages.success(
        request,
        _("%(country)s %(year)s: %(holidays)s holidays and %(workdays)s swapped working days imported. %(after)s")
        % {
            "country": done.country,
            "year": done.year,
            "holidays": done.holidays,
            "workdays": done.workdays,
            "after": after,
        },
    )
    return redirect(f"{reverse('attendance-calendar')}?year={done.year}")


@role_required(HR)
@require_POST
def calendar_day_delete(request, pk):
    day = get_object_or_404(CalendarDay, pk=pk)
    with transaction.atomic():
        day.delete()
        after = _everyone_recompute(request, day.day)
    messages.success(request, _("%(day)s removed. %(after)s") % {"day": day, "after": after})
    return redirect(f"{reverse('attendance-calendar')}?year={day.day.year}")
