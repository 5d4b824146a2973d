"""Reading for the dashboard and the reports: plain numbers and rows."""

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import ExtractHour, ExtractMinute, TruncDate
from django.utils import timezone

from portal.attendance.models import DailySummary
from portal.attendance.rules import Shift
from portal.attendance.schedules import ShiftBook
from portal.attendance.selectors import daily_summary_list
from portal.people.models import Person
from portal.reports.forms import ReportFilterForm
from portal.reports.models import ReportExport


@dataclass
class Totals:
    """What the totals row of a report says; filled while rows stream past."""

    days: int = 0
    present: int = 0
    absent: int = 0
    late_days: int = 0
    late_minutes: int = 0
    early_minutes: int = 0
    worked_seconds: int = 0
    missing_checkouts: int = 0
    overtime_seconds: int = 0
    leave_days: int = 0  # days with some leave on them
    leave_seconds: int = 0
    approved_overtime_seconds: int = 0
    people: set[int] = field(default_factory=set)  # person ids

    def add(self, row):
        self.days += 1
        self.present += row.event_count > 0
        self.absent += row.absent
        self.late_days += row.late_minutes > 0
        self.late_minutes += row.late_minutes
        self.early_minutes += row.early_minutes
        self.worked_seconds += row.worked_seconds
        self.missing_checkouts += row.missing_checkout
        self.overtime_seconds += row.overtime_seconds
        self.leave_days += row.leave_seconds > 0
        self.leave_seconds += row.leave_seconds
        self.approved_overtime_seconds += row.approved_overtime_seconds
        self.people.add(row.person_id)
        return row


def report_totals(rows: QuerySet[DailySummary]) -> Totals:
    """The same totals as Totals, computed by the database (for the page)."""
    data = rows.aggregate(
        days=Count("id"),
        present=Count("id", filter=Q(event_count__gt=0)),
        absent=Count("id", filter=Q(absent=True)),
        late_days=Count("id", filter=Q(late_minutes__gt=0)),
        late_minutes=Sum("late_minutes", default=0),
        early_minutes=Sum("early_minutes", default=0),
        worked_seconds=Sum("worked_seconds", default=0),
        missing_checkouts=Count("id", filter=Q(missing_checkout=True)),
        overtime_seconds=Sum("overtime_seconds", default=0),
        leave_days=Count("id", filter=Q(leave_seconds__gt=0)),
        leave_seconds=Sum("leave_seconds", default=0),
        approved_overtime_seconds=Sum("approved_overtime_seconds", default=0),
    )
    # no ORDER BY: with the rows' own order, DISTINCT sorted every row of the period to find the people
    return Totals(**data, people=set(rows.order_by().values_list("person_id", flat=True).distinct()))


@dataclass
class Today:
    """Where people stand now: counts for everyone, a list of the latest movements only."""

    present: int = 0
    checked_out: int = 0
    late: int = 0
    absent: int = 0
    not_arrived: int = 0
    off: int = 0
    arrivals: dict[int, int] = field(default_factory=dict)  # local minute of the day (quarter hours) -> arrivals
    # (person, state, summary): the latest LIVE_ROWS seen today
    rows: list[tuple[Person, str, DailySummary]] = field(default_factory=list)
    day: date | None = None  # the local date
    seen: int = 0  # people with an event on their working day (rows is at most LIVE_ROWS of them)


LIVE_ROWS = 50


class _Groups:
    """The active staff split by the shift they follow (ShiftBook.groups), so that each group is
    counted in SQL. Each group has one working day at a given moment."""

    def __init__(self, book: ShiftBook, now: datetime, tz: tzinfo) -> None:
        self.book, self.now, self.tz = book, now, tz

    def each(self) -> Iterator[tuple[Q, Shift]]:
        """(people of the group as a Q on Person, its shift)."""
        return self.book.groups()

    def current_days(self) -> Q:
        """A Q on DailySummary: each person's row of their current working day."""
        by_day: dict[date, list[Q]] = {}
        for people, shift in self.each():
            by_day.setdefault(shift.day_of(self.now, self.tz), []).append(people)
        q = Q(pk__in=[])
        for day, groups in by_day.items():
            people = Q(pk__in=[])
            for g in groups:
                people |= g
            q |= Q(day=day, person__in=Person.objects.filter(people).values("pk"))
        return q


def dashboard_today(*, now: datetime | None = None, live_rows: int = LIVE_ROWS) -> Today:
    """Where everyone stands now, each on their own working day (see rules).

    Counted by the database per shift group, never person by person: the time and the answer's
    size do not grow with the headcount (issue 24); the live list is the latest movements only.
    """
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    groups = _Groups(ShiftBook(), now, tz)
    staff = Person.objects.staff().filter(active=True)
    seen = DailySummary.objects.filter(
        groups.current_days(), event_count__gt=0, person__active=True, person__visitor=None
    )
    counted = seen.aggregate(
        n_in=Count("id", filter=Q(present=True)),
        n_out=Count("id", filter=Q(present=False)),
        n_late=Count("id", filter=Q(late_minutes__gt=0)),
    )
    result = Today(present=counted["n_in"], checked_out=counted["n_out"], late=counted["n_late"])
    result.seen, result.day = result.present + result.checked_out, timezone.localdate(now)
    for people, shift in groups.each():
        unseen = staff.filter(people).exclude(pk__in=seen.values("person_id")).count()
        if not unseen:
            continue
        day = shift.day_of(now, tz)
        if not shift.is_working_day(day):
            result.off += unseen
        elif now >= shift.planned(day, tz)[0] + timedelta(minutes=shift.grace_minutes):
            result.absent += unseen
        else:
            result.not_arrived += unseen
    arrivals = (
        seen.exclude(first_in=None)
        .annotate(hour=ExtractHour("first_in", tzinfo=tz), minute=ExtractMinute("first_in", tzinfo=tz))
        .values("hour", "minute")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in arrivals:
        quarter = row["hour"] * 60 + row["minute"] // 15 * 15
        result.arrivals[quarter] = result.arrivals.get(quarter, 0) + row["n"]
    latest = seen.select_related("person", "person__department").order_by("-computed_at", "-id")[:live_rows]
    result.rows = [(s.person, "in" if s.present else "out", s) for s in latest]
    return result


def presence_history(*, days: int = 30, now: datetime | None = None) -> list[tuple[date, int, int, int]]:
    """Per day of the last `days` (today excluded): scheduled people, present, late.

    The scheduled count comes from the schedules, not from stored rows, so a
    day that was never closed still shows its absences. Present and late are
    counted from the day's summaries once and kept in the cache until a summary
    of that day is written again (its latest `computed_at`, one index probe a day)
    or the staff changes: counting a month's summaries took 1.3 s at 10,000
    people, on every load of the dashboard (issue 24).
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    dates = [today - timedelta(days=n) for n in range(days, 0, -1)]
    # people joined by each day, per shift group: a few rows per group, not one per person
    groups = _Groups(ShiftBook(), now, timezone.get_current_timezone())
    staff = Person.objects.staff().filter(active=True)
    joined = []
    for people, shift in groups.each():
        rows = (
            staff.filter(people)
            .annotate(joined=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
            .values("joined")
            .annotate(n=Count("id"))
            .order_by()
        )
        joined.append((shift, [(r["joined"], r["n"]) for r in rows]))
    counts = _day_counts(dates, staff=repr(sorted((str(s), rows) for s, rows in joined)))
    history = []
    for day in dates:
        scheduled = sum(n for shift, rows in joined if shift.is_working_day(day) for since, n in rows if since <= day)
        present, late = counts[day]
        history.append((day, scheduled, present, late))
    return history


HISTORY_CACHE_SECONDS = 3 * 24 * 3600


def _day_counts(dates: list[date], *, staff: str) -> dict[date, tuple[int, int]]:
    """{day: (present, late)} of the active staff's summaries, from the cache where that day's latest
    summary write and the staff are those the counts were made with."""
    if not dates:
        return {}
    with connection.cursor() as cursor:
        table = DailySummary._meta.db_table
        probes = ", ".join(f"(SELECT max(computed_at) FROM {table} WHERE day = %s)" for _ in dates)
        cursor.execute(f"SELECT {probes}", dates)
        stamps = cursor.fetchone()
    keys = {
        day: f"presence-day:{day}:" + hashlib.sha256(f"{stamp}|{staff}".encode()).hexdigest()[:24]
        for day, stamp in zip(dates, stamps, strict=True)
    }
    found = cache.get_many(list(keys.values()))
    counts: dict[date, tuple[int, int]] = {day: tuple(found[key]) for day, key in keys.items() if key in found}
    missing = [day for day in dates if day not in counts]
    if missing:
        fresh = {day: (0, 0) for day in missing}
        rows = (
            DailySummary.objects.filter(day__in=missing, person__active=True, person__visitor=None, scheduled=True)
            .values("day")
            .annotate(present=Count("id", filter=Q(event_count__gt=0)), late=Count("id", filter=Q(late_minutes__gt=0)))
            .order_by()
        )
        fresh.update({row["day"]: (row["present"], row["late"]) for row in rows})
        cache.set_many({keys[day]: value for day, value in fresh.items()}, HISTORY_CACHE_SECONDS)
        counts.update(fresh)
    return counts


def report_export_may_show(*, export: ReportExport, person: Person) -> bool:
    """Whether the export's file may show `person` (a person being erased, whose rows are still there).

    Decided by the report's own query (the stored filters, as the worker reads them) restricted to
    them: one query an export, not a look at the file. Yes whenever that cannot be told."""
    form = ReportFilterForm(export.filters)
    if not form.is_valid():
        return True  # its department or person deleted since, ...: what was written cannot be told
    filters = form.filters()
    # a record merged into another is the same human: their rows moved to the target
    same = {pk for pk in (person.pk, person.merged_into_id) if pk is not None}
    chosen = filters["person"]
    if chosen is not None and (chosen.pk in same or chosen.merged_into_id == person.pk):
        return True  # a report of them alone names them in its title (a PDF's heading), rows or not
    department = filters["department"]
    if department is not None and person.department_id != department.pk and person.updated_at >= export.created_at:
        # departments keep no history: moved since the export was asked for, they may have been in this one
        filters["department"] = None
    return daily_summary_list(**filters).filter(person_id__in=same).exists()
