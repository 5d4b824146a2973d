"""Which shift applies to whom: person override, else department, else the default.

Public holidays entered on the organization default apply to everyone; an
override adds its own holidays to them. The organization's calendar
(CalendarDay: imported holidays and swapped working days) applies to every
schedule.
"""

from datetime import date

from django.db.models import Q

from portal.attendance.models import CalendarDay, Schedule
from portal.attendance.rules import Shift


def organization_calendar():
    """(holidays, extra working days) of the organization's calendar."""
    days = {CalendarDay.Kind.HOLIDAY: set(), CalendarDay.Kind.WORKDAY: set()}
    for day, kind in CalendarDay.objects.values_list("day", "kind"):
        days[kind].add(day)
    return frozenset(days[CalendarDay.Kind.HOLIDAY]), frozenset(days[CalendarDay.Kind.WORKDAY])


def shift_from_schedule(schedule, extra_holidays=(), extra_working_days=()):
    return Shift(
        working_days=frozenset(int(d) for d in schedule.working_days),
        start=schedule.start,
        end=schedule.end,
        grace_minutes=schedule.grace_minutes,
        holidays=frozenset(date.fromisoformat(d) for d in schedule.holidays) | frozenset(extra_holidays),
        punch_mode=schedule.punch_mode,
        cutoff=schedule.punch_cutoff,
        min_interval_minutes=schedule.min_interval_minutes,
        extra_working_days=frozenset(extra_working_days),
    )


class ShiftBook:
    """Every schedule loaded once, for computing many people's days."""

    def __init__(self):
        schedules = list(Schedule.objects.all())
        default = next((s for s in schedules if s.is_default), None)
        holidays, workdays = organization_calendar()
        self.default = (
            shift_from_schedule(default, holidays, workdays)
            if default
            else Shift(holidays=holidays, extra_working_days=workdays)
        )
        common = self.default.holidays
        self.by_person = {s.person_id: shift_from_schedule(s, common, workdays) for s in schedules if s.person_id}
        self.by_department = {
            s.department_id: shift_from_schedule(s, common, workdays) for s in schedules if s.department_id
        }

    def for_person(self, person):
        return self.by_person.get(person.pk) or self.by_department.get(person.department_id) or self.default

    def groups(self):
        """(a Q on Person, its shift) for every group of people who share a shift: each person with
        their own schedule, each department with one, everybody else. What is counted or chosen
        per group by the database does not grow with the headcount in Python (issue 24)."""
        own = set(self.by_person)
        not_own = ~Q(pk__in=own)
        for pk in own:
            yield Q(pk=pk), self.by_person[pk]
        departments = set(self.by_department)
        for dept in departments:
            yield Q(department_id=dept) & not_own, self.by_department[dept]
        yield (Q(department_id=None) | ~Q(department_id__in=departments)) & not_own, self.default


def shift_for_person(person):
    """The shift of one person: two reads, the schedules that may apply to them and the calendar."""
    may_apply = Q(person_id=person.pk) | Q(is_default=True)
    if person.department_id:
        may_apply |= Q(department_id=person.department_id)
    schedules = list(Schedule.objects.filter(may_apply).order_by())
    own = next((s for s in schedules if s.person_id == person.pk), None)
    dept = next((s for s in schedules if person.department_id and s.department_id == person.department_id), None)
    default = next((s for s in schedules if s.is_default), None)
    holidays, workdays = organization_calendar()
    common = (shift_from_schedule(default).holidays if default else frozenset()) | holidays
    if own or dept:
        return shift_from_schedule(own or dept, common, workdays)
    if default:
        return shift_from_schedule(default, holidays, workdays)
    return Shift(holidays=holidays, extra_working_days=workdays)
