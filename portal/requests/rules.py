"""How much leave a request takes, as plain Python (no Django): a shift and the
request's dates in, the leave of each day out.

Only working days of the person's shift count: a week's leave over a weekend
and a public holiday takes the working days in it, and a swapped working day
(调休) counts. A day of leave is the shift's planned length; half a day is
half of it; hours count as they are, never more than the day.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

DAYS, HALF, HOURS = "days", "half", "hours"


@dataclass(frozen=True)
class LeaveDay:
    day: date
    seconds: int


def leave_days(*, shift, unit, start_day, end_day=None, hours=None):
    """The working days a leave covers and the seconds of leave on each."""
    planned = shift.planned_seconds
    if unit == DAYS:
        days, day = [], start_day
        while day <= (end_day or start_day):
            if shift.is_working_day(day):
                days.append(LeaveDay(day, planned))
            day += timedelta(days=1)
        return days
    if not shift.is_working_day(start_day):
        return []
    if unit == HALF:
        return [LeaveDay(start_day, planned // 2)]
    if unit == HOURS:
        return [LeaveDay(start_day, min(int(Decimal(hours) * 3600), planned))]
    raise ValueError(f"unknown unit {unit!r}")


def days_taken(days, *, shift):
    """The leave in days (two decimals): what a balance counts."""
    total = Decimal(sum(d.seconds for d in days)) / Decimal(shift.planned_seconds)
    return total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Balance:
    entitled: Decimal
    used: Decimal
    pending: Decimal

    @property
    def remaining(self):
        return self.entitled - self.used - self.pending

    def allows(self, days):
        return days <= self.remaining
