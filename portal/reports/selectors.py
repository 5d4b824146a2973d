"""Reading for the dashboard and the reports: plain numbers and rows."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, Q, Sum
from django.utils import timezone

from portal.attendance.models import DailySummary
from portal.attendance.schedules import ShiftBook
from portal.people.models import Person


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
    people: set = field(default_factory=set)

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
        self.people.add(row.person_id)
        return row


def report_totals(rows):
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
    )
    # no ORDER BY: with the rows' own order, DISTINCT sorted every row of the period to find the people
    return Totals(**data, people=set(rows.order_by().values_list("person_id", flat=True).distinct()))


@dataclass
class Today:
    present: list = field(default_factory=list)
    checked_out: list = field(default_factory=list)
    late: list = field(default_factory=list)
    absent: list = field(default_factory=list)
    not_arrived: list = field(default_factory=list)
    off: int = 0
    arrivals: list = field(default_factory=list)  # local first-in times of the day
    rows: list = field(default_factory=list)  # (person, state, summary) for the live list


def dashboard_today(*, now=None):
    """Where everyone stands now, each on their own working day (see rules)."""
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    book = ShiftBook()
    people = list(Person.objects.staff().filter(active=True).select_related("department"))
    today = timezone.localdate(now)
    summaries = {
        (s.person_id, s.day): s
        for s in DailySummary.objects.filter(
            day__in=[today - timedelta(days=1), today], person__active=True, person__visitor=None
        )
    }
    result = Today()
    for person in people:
        shift = book.for_person(person)
        day = shift.day_of(now, tz)
        summary = summaries.get((person.pk, day))
        if summary and summary.event_count:
            state = "in" if summary.present else "out"
            (result.present if summary.present else result.checked_out).append(person)
            if summary.late_minutes:
                result.late.append(person)
            if summary.first_in:
                result.arrivals.append(timezone.localtime(summary.first_in, tz))
        elif shift.is_working_day(day):
            start, _ = shift.planned(day, tz)
            if now >= start + timedelta(minutes=shift.grace_minutes):
                state = "absent"
                result.absent.append(person)
            else:
                state = "expected"
                result.not_arrived.append(person)
        else:
            result.off += 1
            continue
        result.rows.append((person, state, summary))
    order = {"in": 0, "out": 1, "absent": 2, "expected": 3}
    result.rows.sort(key=lambda r: (order[r[1]], r[0].name))
    return result


def presence_history(*, days=30, now=None):
    """Per day of the last `days` (today excluded): scheduled people, present, late.

    The scheduled count comes from the schedules, not from stored rows, so a
    day that was never closed still shows its absences.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    dates = [today - timedelta(days=n) for n in range(days, 0, -1)]
    book = ShiftBook()
    people = list(Person.objects.staff().filter(active=True).only("id", "department_id", "created_at"))
    counts = {
        row["day"]: row
        for row in DailySummary.objects.filter(day__in=dates, person__active=True, person__visitor=None, scheduled=True)
        .values("day")
        .annotate(present=Count("id", filter=Q(event_count__gt=0)), late=Count("id", filter=Q(late_minutes__gt=0)))
    }
    history = []
    for day in dates:
        scheduled = sum(
            1 for p in people if timezone.localdate(p.created_at) <= day and book.for_person(p).is_working_day(day)
        )
        row = counts.get(day, {})
        history.append((day, scheduled, row.get("present", 0), row.get("late", 0)))
    return history
