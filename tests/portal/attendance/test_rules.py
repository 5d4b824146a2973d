"""The attendance rules on crafted event sequences (no database)."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from portal.attendance.rules import IN, OUT, Shift, day_summarize

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2026, 3, 2)
LATER = datetime(2026, 3, 10, tzinfo=UTC)  # long after: the day is over


def at(day, clock, tz=UTC):
    return datetime.combine(day, time.fromisoformat(clock)).replace(tzinfo=tz).astimezone(UTC)


def summarize(events, shift=Shift(), day=MONDAY, now=LATER, tz=UTC):
    return day_summarize(shift=shift, day=day, events=events, now=now, tz=tz)


def test_arriving_7_minutes_late_with_5_minutes_grace_counts_7_minutes_late():
    facts = summarize([(at(MONDAY, "09:07"), IN), (at(MONDAY, "17:00"), OUT)], Shift(grace_minutes=5))
    assert facts.late_minutes == 7
    assert facts.worked_seconds == (8 * 60 - 7) * 60
    assert facts.early_minutes == 0 and not facts.missing_checkout and not facts.absent


def test_arriving_within_the_grace_is_not_late():
    facts = summarize([(at(MONDAY, "09:05"), IN), (at(MONDAY, "17:00"), OUT)], Shift(grace_minutes=5))
    assert facts.late_minutes == 0


def test_leaving_early_counts_the_minutes_before_the_scheduled_end():
    facts = summarize([(at(MONDAY, "08:55"), IN), (at(MONDAY, "16:20"), OUT)])
    assert facts.early_minutes == 40 and facts.late_minutes == 0


def test_hours_are_the_sum_of_in_out_pairs():
    events = [
        (at(MONDAY, "09:00"), IN),
        (at(MONDAY, "12:00"), OUT),
        (at(MONDAY, "12:30"), IN),
        (at(MONDAY, "17:15"), OUT),
    ]
    facts = summarize(events)
    assert facts.worked_seconds == (3 * 60 + 4 * 60 + 45) * 60
    assert facts.first_in == at(MONDAY, "09:00") and facts.last_out == at(MONDAY, "17:15")
    assert facts.event_count == 4


def test_missing_check_out_counts_to_the_schedule_end_and_is_flagged_once_the_day_is_over():
    events = [(at(MONDAY, "09:00"), IN), (at(MONDAY, "12:00"), OUT), (at(MONDAY, "13:00"), IN)]
    facts = summarize(events)
    assert facts.missing_checkout
    assert facts.worked_seconds == (3 + 4) * 3600  # 09-12, then 13-17 (schedule end)
    assert facts.early_minutes == 0 and not facts.present


def test_an_open_check_in_during_the_day_is_present_and_counts_up_to_now():
    facts = summarize([(at(MONDAY, "09:00"), IN)], now=at(MONDAY, "11:30"))
    assert facts.present and not facts.missing_checkout and not facts.closed
    assert facts.worked_seconds == 150 * 60


def test_a_check_in_after_the_schedule_end_left_open_counts_nothing():
    facts = summarize([(at(MONDAY, "18:00"), IN)])
    assert facts.missing_checkout and facts.worked_seconds == 0


def test_overnight_shift_crossing_midnight_is_one_day():
    night = Shift(start=time(22, 0), end=time(6, 0), grace_minutes=5)
    check_in, check_out = at(MONDAY, "22:10"), at(MONDAY + timedelta(days=1), "06:00")
    assert night.day_of(check_in, UTC) == MONDAY and night.day_of(check_out, UTC) == MONDAY
    assert night.day_starts_at == time(14, 0)
    facts = summarize([(check_in, IN), (check_out, OUT)], night)
    assert facts.worked_seconds == (7 * 60 + 50) * 60
    assert facts.late_minutes == 10 and facts.early_minutes == 0 and not facts.missing_checkout
    assert facts.planned_end == at(MONDAY + timedelta(days=1), "06:00")


def test_overnight_shift_missing_check_out_counts_to_the_morning_end():
    night = Shift(start=time(22, 0), end=time(6, 0))
    facts = summarize([(at(MONDAY, "22:00"), IN)], night)
    assert facts.missing_checkout and facts.worked_seconds == 8 * 3600


def test_holiday_is_not_a_working_day_and_nobody_is_absent():
    shift = Shift(holidays=frozenset({MONDAY}))
    facts = summarize([], shift)
    assert facts.holiday and not facts.scheduled and not facts.absent


def test_working_on_a_holiday_counts_hours_but_no_lateness():
    shift = Shift(holidays=frozenset({MONDAY}))
    facts = summarize([(at(MONDAY, "10:00"), IN), (at(MONDAY, "14:00"), OUT)], shift)
    assert facts.worked_seconds == 4 * 3600 and facts.late_minutes == 0 and facts.early_minutes == 0


def test_no_event_on_a_working_day_is_absent_and_on_a_weekend_is_not():
    assert summarize([]).absent
    assert not summarize([], day=date(2026, 3, 7)).absent  # a Saturday


def test_before_the_start_and_grace_nobody_is_absent_yet():
    assert not summarize([], now=at(MONDAY, "09:04")).absent
    assert summarize([], now=at(MONDAY, "09:06")).absent


def test_the_day_is_the_local_calendar_day_at_a_time_zone_boundary():
    # 23:30 UTC on Monday is 00:30 on Tuesday in Berlin: Tuesday's event
    late_evening = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
    assert Shift().day_of(late_evening, BERLIN) == MONDAY + timedelta(days=1)
    assert Shift().day_of(late_evening, UTC) == MONDAY
    # 08:07 in Berlin is 07:07 UTC: late by 7 minutes on Berlin's schedule, early on UTC's
    events = [(datetime(2026, 3, 2, 7, 7, tzinfo=UTC), IN), (datetime(2026, 3, 2, 16, 0, tzinfo=UTC), OUT)]
    berlin = summarize(events, Shift(start=time(8, 0), end=time(17, 0)), tz=BERLIN)
    assert berlin.late_minutes == 7 and berlin.early_minutes == 0
    assert berlin.planned_start == datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


def test_hours_are_real_hours_across_a_daylight_saving_change():
    # Berlin moves clocks forward at 02:00 on 2026-03-29: a 22:00-06:00 night lasts 7 hours
    night = Shift(start=time(22, 0), end=time(6, 0), working_days=frozenset(range(1, 8)))
    saturday = date(2026, 3, 28)
    events = [(at(saturday, "22:00", BERLIN), IN), (at(saturday + timedelta(days=1), "06:00", BERLIN), OUT)]
    facts = summarize(events, night, day=saturday, tz=BERLIN)
    assert facts.worked_seconds == 7 * 3600


def test_a_second_check_in_keeps_the_first_and_a_lone_check_out_adds_nothing():
    events = [
        (at(MONDAY, "08:00"), OUT),
        (at(MONDAY, "09:00"), IN),
        (at(MONDAY, "09:30"), IN),
        (at(MONDAY, "17:00"), OUT),
    ]
    facts = summarize(events)
    assert facts.worked_seconds == 8 * 3600 and facts.first_in == at(MONDAY, "09:00")


def test_by_time_of_day_an_overnight_shift_reads_its_cut_off_inside_its_own_day():
    from portal.attendance.rules import TIME_OF_DAY, punch_direction

    nights = Shift(start=time(22, 0), end=time(6, 0), punch_mode=TIME_OF_DAY, cutoff=time(2, 0))
    tuesday = MONDAY + timedelta(days=1)
    assert punch_direction(shift=nights, at=at(MONDAY, "21:50"), tz=UTC, earlier_count=0) == IN
    assert punch_direction(shift=nights, at=at(tuesday, "01:59"), tz=UTC, earlier_count=5) == IN
    assert punch_direction(shift=nights, at=at(tuesday, "06:05"), tz=UTC, earlier_count=0) == OUT


def test_overtime_is_the_time_beyond_an_overnight_shift_too():
    nights = Shift(start=time(22, 0), end=time(6, 0))
    tuesday = MONDAY + timedelta(days=1)
    facts = summarize([(at(MONDAY, "22:00"), IN), (at(tuesday, "07:30"), OUT)], nights)
    assert facts.worked_seconds == 9.5 * 3600 and facts.overtime_seconds == 1.5 * 3600
