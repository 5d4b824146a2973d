"""Reading attendance: events, a person's day, daily summaries."""

from datetime import date, datetime, time, timedelta, tzinfo
from typing import TypedDict

from django.db.models import QuerySet
from django.utils import timezone

from portal.attendance.models import AttendanceEvent, DailySummary, EventCorrection, RecomputeJob
from portal.attendance.rules import NOTHING_APPROVED, Approved, Shift, day_summarize
from portal.attendance.schedules import shift_for_person
from portal.core.messages import message_text
from portal.people.models import Department, Person, staff_only


class DayDetail(TypedDict):
    """What a person's day page shows."""

    shift: Shift
    window: tuple[datetime, datetime]  # [start, end) of the working day
    summary: DailySummary | None  # None: a day still running with nothing to show yet
    events: list[AttendanceEvent]  # voided ones too
    corrections: list[EventCorrection]


def attendance_event_list(
    *, date_from: date | None = None, date_to: date | None = None, person: Person | None = None
) -> QuerySet[AttendanceEvent]:
    """Events between two local calendar dates (both included), newest first; voided ones too."""
    events = AttendanceEvent.objects.select_related("person", "person__department", "recorded_by")
    tz = timezone.get_current_timezone()
    if date_from:
        events = events.filter(at__gte=timezone.make_aware(datetime.combine(date_from, time.min), tz))
    if date_to:
        end = timezone.make_aware(datetime.combine(date_to + timedelta(days=1), time.min), tz)
        events = events.filter(at__lt=end)
    if person:
        events = events.filter(person=person)
    return events.order_by("-at", "-id")


def attendance_day_detail(*, person: Person, day: date) -> DayDetail:
    """Everything the person's day page shows: shift, summary, events, audit trail."""
    tz = timezone.get_current_timezone()
    shift = shift_for_person(person)
    start, end = shift.window(day, tz)
    events = list(AttendanceEvent.objects.filter(person=person, at__gte=start, at__lt=end).order_by("at", "id"))
    ids = {e.pk for e in events}
    # the trail also shows changes that moved an event out of this day
    corrections = [
        c
        for c in EventCorrection.objects.filter(event__person=person).select_related("event").order_by("at", "id")
        if c.event_id in ids or (c.before and start <= datetime.fromisoformat(c.before["at"]) < end)
    ]
    return {
        "shift": shift,
        "window": (start, end),
        "summary": _summary_now(person, day, shift, events, tz),
        "events": events,
        "corrections": corrections,
    }


def daily_summary_list(
    *, date_from: date, date_to: date, department: Department | None = None, person: Person | None = None
) -> QuerySet[DailySummary]:
    """Stored daily summaries in a date range, by person then day."""
    rows = DailySummary.objects.filter(staff_only(), day__gte=date_from, day__lte=date_to).select_related(
        "person", "person__department"
    )
    if department:
        rows = rows.filter(person__department=department)
    if person:
        rows = rows.filter(person=person)
    return rows.order_by("person__sort_key", "person__name", "person__employee_id", "day")


def _summary_now(
    person: Person, day: date, shift: Shift, events: list[AttendanceEvent], tz: tzinfo
) -> DailySummary | None:
    """The stored summary; for a day still running, its values as of now (not stored)."""
    stored = DailySummary.objects.filter(person=person, day=day).first()
    if stored is not None and stored.closed:
        return stored
    from_requests = stored and Approved(
        leave_type=stored.leave_type,
        leave_seconds=stored.leave_seconds,
        overtime_seconds=stored.approved_overtime_seconds,
    )
    facts = day_summarize(
        shift=shift,
        day=day,
        events=[(e.at, e.direction) for e in events if not e.voided],
        now=timezone.now(),
        tz=tz,
        approved=from_requests or NOTHING_APPROVED,
    )
    if stored is None and not facts.event_count:
        return None
    return DailySummary(person=person, **vars(facts))


def recompute_jobs_recent(*, finished: int = 3) -> list[RecomputeJob]:
    """What the schedules and calendar pages show: every recompute still to finish, then the
    latest `finished` ones, newest first; a failed one's error in the reader's language."""
    jobs = RecomputeJob.objects.select_related("person", "department").order_by("-created_at", "-id")
    waiting = [RecomputeJob.Status.QUEUED, RecomputeJob.Status.RUNNING]
    shown = [*jobs.filter(status__in=waiting), *jobs.exclude(status__in=waiting)[:finished]]
    for job in shown:
        job.error = message_text(job.error)
    return shown
