"""The monthly summary (月度汇总): per person, the month's figures and a grid of symbols.

Read from the stored daily summaries, so it says what the reports say:

- attendance days (出勤天数): days with at least one event, days off included;
- scheduled days (应出勤天数): working days of the person's schedule, after
  holidays and swapped working days (调休) of the organization's calendar;
- late (迟到) and early leave (早退): how many days and how many minutes;
- absent (旷工): working days with no event once they had begun;
- missing punches (缺卡): days whose last check-in has no check-out;
- overtime (加班): on a working day, the time worked beyond the scheduled
  shift; on a day off or a holiday, all the time worked;
- leave (请假): days of approved leave (a half day counts 0.5), and overtime
  approved by request (portal.requests).

The grid gives each day one symbol or a few (a late day with overtime:
迟加). Symbols, titles and the legend come from the translation catalogue, in the
active language; `zh=True/False` asks for Chinese or English whatever is active.
"""

from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import translation
from django.utils.translation import gettext_lazy, pgettext_lazy

from portal.attendance.models import CalendarDay, DailySummary
from portal.people.models import Person, staff_only

# mark -> (symbol, meaning); a symbol is one character, translated per language (迟 / L)
MARKS = {
    "present": (pgettext_lazy("month grid symbol: present", "√"), gettext_lazy("present, on time")),
    "late": (pgettext_lazy("month grid symbol: late", "L"), gettext_lazy("late")),
    "early": (pgettext_lazy("month grid symbol: left early", "E"), gettext_lazy("left early")),
    "missing": (pgettext_lazy("month grid symbol: missing punch", "M"), gettext_lazy("missing punch (no check-out)")),
    "absent": (pgettext_lazy("month grid symbol: absent", "A"), gettext_lazy("absent")),
    "overtime": (pgettext_lazy("month grid symbol: overtime", "+"), gettext_lazy("overtime")),
    "rest": (pgettext_lazy("month grid symbol: day off", "·"), gettext_lazy("day off")),
    "holiday": (pgettext_lazy("month grid symbol: public holiday", "H"), gettext_lazy("public holiday")),
    "leave": (pgettext_lazy("month grid symbol: on leave", "V"), gettext_lazy("on leave")),
}
# a day header's note for the organization's calendar, and what it means
DAY_NOTES = {
    CalendarDay.Kind.HOLIDAY: (pgettext_lazy("month grid day note: holiday", "H"), gettext_lazy("public holiday")),
    CalendarDay.Kind.WORKDAY: (
        pgettext_lazy("month grid day note: swapped working day", "W"),
        gettext_lazy("swapped working day"),
    ),
}


def language(zh):
    """Chinese or English for a block (zh True/False), or the active language (None)."""
    return nullcontext() if zh is None else translation.override("zh-hans" if zh else "en")


def chinese():
    return (translation.get_language() or "").lower().startswith("zh")


def symbol(mark, *, zh=None):
    with language(zh):
        return str(MARKS[mark][0])


def legend(*, zh=None):
    with language(zh):
        marks = [(str(sym), str(meaning)) for sym, meaning in MARKS.values()]
        notes = [
            (str(DAY_NOTES[kind][0]), str(DAY_NOTES[kind][1]))
            for kind in (CalendarDay.Kind.WORKDAY, CalendarDay.Kind.HOLIDAY)
        ]
    return marks, notes


@dataclass
class Figures:
    scheduled_days: int = 0
    attendance_days: int = 0
    late_count: int = 0
    late_minutes: int = 0
    early_count: int = 0
    early_minutes: int = 0
    absent_days: int = 0
    missing_punches: int = 0
    overtime_minutes: int = 0
    worked_seconds: int = 0
    leave_days: float = 0.0
    approved_overtime_seconds: int = 0

    @property
    def approved_overtime_hours(self):
        return round(self.approved_overtime_seconds / 3600, 2)

    @property
    def overtime_hours(self):
        return round(self.overtime_minutes / 60, 2)

    @property
    def worked_hours(self):
        return round(self.worked_seconds / 3600, 2)


@dataclass
class PersonMonth:
    person: Person
    marks: list  # per day of the month: a list of marks, empty when nothing is known yet
    figures: Figures = field(default_factory=Figures)

    def symbols(self, *, zh=None):
        with language(zh):
            return ["".join(str(MARKS[m][0]) for m in marks) for marks in self.marks]


@dataclass
class Month:
    first: date
    days: list  # every date of the month
    notes: dict  # date -> CalendarDay.Kind for the organization's calendar
    people: list  # PersonMonth, by name

    def day_notes(self, *, zh=None):
        with language(zh):
            return [str(DAY_NOTES[self.notes[d]][0]) if d in self.notes else "" for d in self.days]

    @property
    def label(self):
        return f"{self.first:%Y-%m}"


FIELDS = [
    "person_id",
    "day",
    "scheduled",
    "holiday",
    "planned_start",
    "planned_end",
    "worked_seconds",
    "late_minutes",
    "early_minutes",
    "missing_checkout",
    "absent",
    "event_count",
    "leave_seconds",
    "approved_overtime_seconds",
]


def overtime_minutes(row):
    """Overtime of one day: beyond the shift on a working day, everything on a day off."""
    worked = row["worked_seconds"] // 60
    if not row["scheduled"]:
        return worked
    planned = int((row["planned_end"] - row["planned_start"]).total_seconds() // 60)
    return max(0, worked - planned)


def day_marks(row):
    if row["absent"]:
        return ["absent"]
    if row.get("leave_seconds") and not row["event_count"]:
        return ["leave"]
    if not row["event_count"]:
        if row["holiday"]:
            return ["holiday"]
        return [] if row["scheduled"] else ["rest"]  # a working day not begun yet: nothing to say
    marks = []
    if row["scheduled"]:
        marks += ["late"] if row["late_minutes"] else []
        marks += ["early"] if row["early_minutes"] else []
        marks += ["missing"] if row["missing_checkout"] else []
        marks = marks or ["present"]
    elif row["missing_checkout"]:
        marks.append("missing")
    if row.get("leave_seconds"):
        marks.append("leave")  # part of the day on leave, part worked
    if overtime_minutes(row):
        marks.append("overtime")
    return marks


def month_days(first):
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def monthly_summary(*, first, department=None, person=None):
    """The month starting on `first` for everyone (active, or with days in it), a department or a person."""
    days = month_days(first)
    rows = DailySummary.objects.filter(staff_only(), day__gte=days[0], day__lte=days[-1])
    people = Person.objects.staff().select_related("department").order_by("sort_key", "name", "employee_id", "pk")
    if person:
        people, rows = people.filter(pk=person.pk), rows.filter(person=person)
    elif department:
        people, rows = people.filter(department=department), rows.filter(person__department=department)
    by_person = {}
    for row in rows.order_by().values(*FIELDS).iterator(chunk_size=2000):
        by_person.setdefault(row["person_id"], {})[row["day"]] = row
    index = {d: n for n, d in enumerate(days)}
    result = []
    for someone in people:
        mine = by_person.get(someone.pk)
        if mine is None and not someone.active:
            continue
        month = PersonMonth(person=someone, marks=[[] for _ in days])
        f = month.figures
        for day, row in sorted((mine or {}).items()):
            month.marks[index[day]] = day_marks(row)
            f.scheduled_days += row["scheduled"]
            f.attendance_days += row["event_count"] > 0
            f.late_count += row["late_minutes"] > 0
            f.late_minutes += row["late_minutes"]
            f.early_count += row["early_minutes"] > 0
            f.early_minutes += row["early_minutes"]
            f.absent_days += row["absent"]
            f.missing_punches += row["missing_checkout"]
            f.overtime_minutes += overtime_minutes(row)
            f.worked_seconds += row["worked_seconds"]
            f.approved_overtime_seconds += row["approved_overtime_seconds"]
            if row["leave_seconds"]:
                planned = (row["planned_end"] - row["planned_start"]).total_seconds() or 1
                f.leave_days = round(f.leave_days + row["leave_seconds"] / planned, 2)
        result.append(month)
    notes = dict(CalendarDay.objects.filter(day__gte=days[0], day__lte=days[-1]).values_list("day", "kind"))
    return Month(first=first, days=days, notes=notes, people=result)


# --- the figures' column titles ----------------------------------

COLUMNS = [  # (attribute, title)
    ("scheduled_days", gettext_lazy("Scheduled days")),
    ("attendance_days", gettext_lazy("Attendance days")),
    ("late_count", gettext_lazy("Late (times)")),
    ("late_minutes", pgettext_lazy("monthly summary column", "Late (min)")),
    ("early_count", gettext_lazy("Early leave (times)")),
    ("early_minutes", gettext_lazy("Early leave (min)")),
    ("absent_days", gettext_lazy("Absent days")),
    ("missing_punches", gettext_lazy("Missing punches")),
    ("overtime_hours", gettext_lazy("Overtime (h)")),
    ("worked_hours", gettext_lazy("Worked (h)")),
    ("leave_days", gettext_lazy("Leave (days)")),
    ("approved_overtime_hours", gettext_lazy("Approved overtime (h)")),
]


def column_titles(*, zh=None):
    with language(zh):
        return [str(c[1]) for c in COLUMNS]


def figure_values(figures):
    return [getattr(figures, c[0]) for c in COLUMNS]
