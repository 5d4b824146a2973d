"""The attendance rules, as plain Python: a shift and a day's events in, a summary out.

No Django here, so the rules can be read (and tested) on their own. Every
datetime handed in or out is aware; arithmetic is done in UTC because Python
subtracts two aware datetimes sharing one tzinfo by wall clock, which is
wrong across a daylight-saving change.

Which day an event belongs to:
- a day shift (end after start, e.g. 09:00-17:00): the organization's local
  calendar day, midnight to midnight;
- an overnight shift (end at or before start, e.g. 22:00-06:00): the shift
  belongs to the day it starts on, and that person's day runs from halfway
  through the off-duty gap to the same time the next day (22:00-06:00: from
  14:00 to 14:00), so the check-out at 06:00 joins the check-in of the
  evening before.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

IN, OUT = "in", "out"
MINUTES_PER_DAY = 24 * 60
# how a sighting with no asked direction becomes a check-in or a check-out
ALTERNATE = "alternate"  # first of the day in, next out, next in, ...
TIME_OF_DAY = "time_of_day"  # before the cut-off in, from it on out


def _minutes(t):
    return t.hour * 60 + t.minute


def local_at(day, clock, tz):
    """`clock` on `day` in time zone `tz`, as UTC."""
    return datetime.combine(day, clock).replace(tzinfo=tz).astimezone(UTC)


@dataclass(frozen=True)
class Shift:
    working_days: frozenset = frozenset({1, 2, 3, 4, 5})  # ISO weekdays, Monday = 1
    start: time = time(9, 0)
    end: time = time(17, 0)
    grace_minutes: int = 5
    holidays: frozenset = field(default_factory=frozenset)
    punch_mode: str = ALTERNATE
    cutoff: time = time(12, 0)
    # a check-out this soon after the check-in is a second sighting, not a departure
    min_interval_minutes: int = 10
    # days off made working days, e.g. China's 调休: a Saturday worked to bridge a holiday
    extra_working_days: frozenset = field(default_factory=frozenset)

    @property
    def overnight(self):
        return self.end <= self.start

    @property
    def day_starts_at(self):
        """Local clock time at which this shift's working day begins."""
        if not self.overnight:
            return time(0, 0)
        gap = (_minutes(self.start) - _minutes(self.end)) % MINUTES_PER_DAY
        middle = (_minutes(self.end) + gap // 2) % MINUTES_PER_DAY
        return time(middle // 60, middle % 60)

    def window(self, day, tz):
        """[start, end) in UTC of the working day `day`."""
        return local_at(day, self.day_starts_at, tz), local_at(day + timedelta(days=1), self.day_starts_at, tz)

    def day_of(self, at, tz):
        """The working day an instant belongs to."""
        local = at.astimezone(tz).replace(tzinfo=None)
        cut = self.day_starts_at
        return (local - timedelta(hours=cut.hour, minutes=cut.minute)).date()

    def planned(self, day, tz):
        """Scheduled start and end of the shift that begins on `day`, in UTC."""
        end_day = day + timedelta(days=1) if self.overnight else day
        return local_at(day, self.start, tz), local_at(end_day, self.end, tz)

    def is_holiday(self, day):
        return day in self.holidays

    def is_working_day(self, day):
        if self.is_holiday(day):
            return False
        return day.isoweekday() in self.working_days or day in self.extra_working_days

    @property
    def planned_seconds(self):
        minutes = (_minutes(self.end) - _minutes(self.start)) % MINUTES_PER_DAY or MINUTES_PER_DAY
        return minutes * 60


def punch_direction(*, shift, at, tz, earlier_count):
    """The direction of a sighting at `at` that asked for none.

    alternate: the day's first live event is a check-in, the next a
    check-out, and so on (`earlier_count` events before this one).
    time_of_day: before the cut-off a check-in, from it on a check-out; both
    clocks are read from the start of the working day, so an overnight
    shift's cut-off (e.g. 02:00 for 22:00-06:00) falls inside its day.
    """
    if shift.punch_mode == TIME_OF_DAY:
        start = _minutes(shift.day_starts_at)
        local = _minutes(at.astimezone(tz))
        return IN if (local - start) % MINUTES_PER_DAY < (_minutes(shift.cutoff) - start) % MINUTES_PER_DAY else OUT
    return IN if earlier_count % 2 == 0 else OUT


def too_soon(*, shift, direction, last, at):
    """True when a check-out at `at` follows the last check-in by less than the
    minimum interval: the person was seen twice, they did not leave."""
    if direction != OUT or last is None:
        return False
    last_at, last_direction = last
    return last_direction == IN and at - last_at < timedelta(minutes=shift.min_interval_minutes)


@dataclass(frozen=True)
class DayFacts:
    day: date
    scheduled: bool
    holiday: bool
    planned_start: datetime
    planned_end: datetime
    first_in: datetime | None
    last_out: datetime | None
    worked_seconds: int
    late_minutes: int
    early_minutes: int
    missing_checkout: bool
    present: bool
    absent: bool
    event_count: int
    closed: bool
    # hours beyond the shift on a working day; every hour on a day off or a holiday
    overtime_seconds: int = 0
    # approved leave on this day (portal.requests): its type's name and how long
    leave_type: str = ""
    leave_seconds: int = 0
    # overtime approved by request, whatever the events say
    approved_overtime_seconds: int = 0


@dataclass(frozen=True)
class Approved:
    """What approved requests say about one day: leave taken, overtime agreed."""

    leave_type: str = ""
    leave_seconds: int = 0
    overtime_seconds: int = 0


NOTHING_APPROVED = Approved()


def day_summarize(*, shift, day, events, now, tz, approved=NOTHING_APPROVED):
    """Summarize one person's working day.

    `events`: (at, direction) pairs of the day, voided ones already left out.
    Hours are the sum of check-in/check-out pairs. A second check-in while
    already in keeps the first; a check-out with no check-in adds nothing. A
    check-in left open counts to the scheduled end of the shift (never
    negative); while the day is still running it counts up to now, and only
    once the day is over is it flagged as a missing check-out.

    A day with approved leave is never absent, late or early: the leave
    explains the missing hours (half a day off is not a late arrival).
    """
    events = sorted(events, key=lambda item: item[0])
    _, window_end = shift.window(day, tz)
    planned_start, planned_end = shift.planned(day, tz)
    closed = now >= window_end
    scheduled = shift.is_working_day(day)

    worked = timedelta()
    open_at = None
    first_in = last_out = None
    for at, direction in events:
        if direction == IN:
            first_in = first_in or at
            if open_at is None:
                open_at = at
        else:
            last_out = at
            if open_at is not None:
                worked += at - open_at
                open_at = None
    missing_checkout = False
    if open_at is not None:
        until = planned_end if closed else min(now, planned_end)
        worked += max(until - open_at, timedelta())
        missing_checkout = closed

    late = early = 0
    if scheduled and first_in is not None and first_in > planned_start + timedelta(minutes=shift.grace_minutes):
        # late is counted from the scheduled start: the grace only decides whether it counts
        late = int((first_in - planned_start).total_seconds() // 60)
    if scheduled and open_at is None and last_out is not None and last_out < planned_end:
        early = int((planned_end - last_out).total_seconds() // 60)
    started = now >= planned_start + timedelta(minutes=shift.grace_minutes)
    on_leave = scheduled and approved.leave_seconds > 0
    if on_leave:
        late = early = 0
    worked_seconds = int(worked.total_seconds())
    overtime = max(worked_seconds - shift.planned_seconds, 0) if scheduled else worked_seconds
    return DayFacts(
        day=day,
        scheduled=scheduled,
        holiday=shift.is_holiday(day),
        planned_start=planned_start,
        planned_end=planned_end,
        first_in=first_in,
        last_out=last_out,
        worked_seconds=worked_seconds,
        overtime_seconds=overtime,
        late_minutes=late,
        early_minutes=early,
        missing_checkout=missing_checkout,
        present=open_at is not None and not closed,
        absent=scheduled and not events and (closed or started) and not on_leave,
        event_count=len(events),
        closed=closed,
        leave_type=approved.leave_type if on_leave else "",
        leave_seconds=approved.leave_seconds if on_leave else 0,
        approved_overtime_seconds=approved.overtime_seconds,
    )
