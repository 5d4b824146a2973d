"""How much leave a request takes: working days only, halves and hours."""

from datetime import date
from decimal import Decimal

from portal.attendance.rules import Shift
from portal.requests.rules import DAYS, HALF, HOURS, Balance, days_taken, leave_days

# 2026-10-01 (Thursday) is a holiday; 2026-10-10 (Saturday) a swapped working day
SHIFT = Shift(holidays=frozenset({date(2026, 10, 1)}), extra_working_days=frozenset({date(2026, 10, 10)}))


def test_leave_over_a_weekend_and_a_holiday_counts_only_the_working_days():
    # Wednesday 30 Sep to Tuesday 6 Oct: Wed, (Thu holiday), Fri, (Sat, Sun), Mon, Tue
    taken = leave_days(shift=SHIFT, unit=DAYS, start_day=date(2026, 9, 30), end_day=date(2026, 10, 6))
    assert [d.day for d in taken] == [date(2026, 9, 30), date(2026, 10, 2), date(2026, 10, 5), date(2026, 10, 6)]
    assert days_taken(taken, shift=SHIFT) == Decimal("4.00")


def test_a_swapped_working_saturday_counts_as_a_leave_day():
    taken = leave_days(shift=SHIFT, unit=DAYS, start_day=date(2026, 10, 10), end_day=date(2026, 10, 11))
    assert [d.day for d in taken] == [date(2026, 10, 10)]


def test_leave_across_a_month_boundary_covers_both_months():
    taken = leave_days(shift=SHIFT, unit=DAYS, start_day=date(2026, 3, 30), end_day=date(2026, 4, 2))
    assert [d.day.month for d in taken] == [3, 3, 4, 4]


def test_half_a_day_is_half_the_shift_and_hours_count_as_they_are():
    half = leave_days(shift=SHIFT, unit=HALF, start_day=date(2026, 3, 2))
    assert half[0].seconds == 4 * 3600 and days_taken(half, shift=SHIFT) == Decimal("0.50")
    hours = leave_days(shift=SHIFT, unit=HOURS, start_day=date(2026, 3, 2), hours=Decimal("2"))
    assert hours[0].seconds == 2 * 3600 and days_taken(hours, shift=SHIFT) == Decimal("0.25")


def test_half_a_day_on_a_weekend_takes_nothing():
    assert leave_days(shift=SHIFT, unit=HALF, start_day=date(2026, 3, 7)) == []


def test_a_balance_allows_up_to_what_remains():
    balance = Balance(entitled=Decimal(5), used=Decimal(2), pending=Decimal("1.5"))
    assert balance.remaining == Decimal("1.5")
    assert balance.allows(Decimal("1.5")) and not balance.allows(Decimal(2))
