"""Events, corrections, summaries and closing days against the database."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from portal.accounts.roles import HR
from portal.attendance.models import AttendanceEvent, DailySummary, EventCorrection, Schedule
from portal.attendance.schedules import shift_for_person
from portal.attendance.services import (
    CorrectionRefused,
    attendance_days_close,
    attendance_event_add,
    attendance_event_change,
    attendance_event_record,
    attendance_event_void,
    daily_summary_recompute,
)
from tests.factories import make_person, make_user

pytestmark = pytest.mark.django_db
MONDAY = date(2026, 3, 2)


def utc(day, clock):
    return datetime.combine(day, time.fromisoformat(clock)).replace(tzinfo=UTC)


def seen(person, day, clock):
    return attendance_event_record(person=person, at=utc(day, clock), source="upload")


def summary(person, day=MONDAY):
    return DailySummary.objects.get(person=person, day=day)


@pytest.fixture
def hr():
    return make_user("hanna", role=HR)


def test_recording_alternates_and_keeps_the_summary_current():
    person = make_person()
    assert seen(person, MONDAY, "09:07").event.direction == "in"
    assert summary(person).late_minutes == 7 and summary(person).event_count == 1
    assert seen(person, MONDAY, "17:00").event.direction == "out"
    assert summary(person).worked_seconds == (8 * 60 - 7) * 60


def test_a_voided_event_counts_neither_for_alternation_nor_for_the_cooldown(hr, settings):
    settings.ATTENDANCE_COOLDOWN_SECONDS = 600
    person = make_person()
    first = seen(person, MONDAY, "09:00").event
    attendance_event_void(event=first, reason="a visitor was taken for him", user=hr)
    again = seen(person, MONDAY, "09:02")  # within the cooldown of the voided one
    assert again.created and again.event.direction == "in"


def test_cooldown_still_applies_to_live_events(settings):
    settings.ATTENDANCE_COOLDOWN_SECONDS = 60
    person = make_person()
    first = seen(person, MONDAY, "09:00")
    second = seen(person, MONDAY, "09:00:30")
    assert not second.created and second.event == first.event


def test_overnight_check_out_after_midnight_joins_the_evening_check_in():
    person = make_person("Night Nurse", department="Ward")
    Schedule.objects.create(
        name="Nights", department=person.department, start=time(22, 0), end=time(6, 0), working_days=[1, 2, 3, 4, 5]
    )
    assert seen(person, MONDAY, "21:58").event.direction == "in"
    assert seen(person, MONDAY + timedelta(days=1), "06:03").event.direction == "out"
    night = summary(person)
    assert night.worked_seconds == (8 * 60 + 5) * 60 and not night.missing_checkout
    assert not DailySummary.objects.filter(person=person, day=MONDAY + timedelta(days=1)).exists()


def test_the_day_is_the_local_day_in_the_organizations_time_zone(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    person = make_person()
    seen(person, MONDAY, "23:30")  # 00:30 on Tuesday in Berlin
    assert summary(person, MONDAY + timedelta(days=1)).event_count == 1
    assert not DailySummary.objects.filter(person=person, day=MONDAY).exists()


def test_schedule_is_the_persons_then_the_departments_then_the_default():
    default = Schedule.objects.get(is_default=True)
    default.holidays = ["2026-12-25"]
    default.save()
    plain = make_person("Plain", department="Sales")
    dept = make_person("Dept", department="Support")
    own = make_person("Own", department="Support")
    Schedule.objects.create(name="Support", department=dept.department, start=time(7, 0), end=time(15, 0))
    Schedule.objects.create(name="Own", person=own, start=time(10, 0), end=time(18, 0), holidays=["2026-05-01"])
    assert shift_for_person(plain).start == time(9, 0)
    assert shift_for_person(dept).start == time(7, 0)
    assert shift_for_person(own).start == time(10, 0)
    assert shift_for_person(own).holidays == {date(2026, 12, 25), date(2026, 5, 1)}
    assert shift_for_person(dept).holidays == {date(2026, 12, 25)}


def test_corrections_keep_who_when_before_and_after_and_delete_nothing(hr):
    person = make_person()
    wrong = seen(person, MONDAY, "09:30").event
    seen(person, MONDAY, "12:00")  # out
    added = attendance_event_add(
        person=person, at=utc(MONDAY, "17:00"), direction="out", reason="camera was down", user=hr
    ).event
    changed = attendance_event_change(event=wrong, at=utc(MONDAY, "08:58"), direction="in", reason="badge log", user=hr)
    assert summary(person).first_in == utc(MONDAY, "08:58") and summary(person).late_minutes == 0
    voided = attendance_event_void(event=added, reason="he left at noon", user=hr)
    assert summary(person).last_out == utc(MONDAY, "12:00")
    assert summary(person).worked_seconds == (3 * 60 + 2) * 60

    trail = list(EventCorrection.objects.order_by("at", "id"))
    assert [(c.action, c.username, c.reason) for c in trail] == [
        ("add", "hanna", "camera was down"),
        ("change", "hanna", "badge log"),
        ("void", "hanna", "he left at noon"),
    ]
    assert trail[0].before is None and trail[0].after["direction"] == "out"
    assert changed.before == {"at": "2026-03-02T09:30:00+00:00", "direction": "in", "voided": False}
    assert changed.after == {"at": "2026-03-02T08:58:00+00:00", "direction": "in", "voided": False}
    assert voided.before["voided"] is False and voided.after["voided"] is True
    assert AttendanceEvent.objects.filter(person=person).count() == 3  # nothing deleted
    assert AttendanceEvent.objects.get(pk=added.pk).voided


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_correction_without_a_reason_is_refused(hr, reason):
    person = make_person()
    with pytest.raises(CorrectionRefused, match="reason"):
        attendance_event_add(person=person, at=utc(MONDAY, "09:00"), direction="in", reason=reason, user=hr)
    assert not AttendanceEvent.objects.exists() and not EventCorrection.objects.exists()


def test_voided_events_cannot_be_changed_or_voided_again(hr):
    event = seen(make_person(), MONDAY, "09:00").event
    attendance_event_void(event=event, reason="wrong person", user=hr)
    with pytest.raises(CorrectionRefused, match="already voided"):
        attendance_event_void(event=event, reason="again", user=hr)
    with pytest.raises(CorrectionRefused, match="cannot be changed"):
        attendance_event_change(event=event, at=utc(MONDAY, "09:01"), direction="in", reason="x", user=hr)


def test_an_event_in_the_future_is_refused(hr):
    with pytest.raises(CorrectionRefused, match="future"):
        attendance_event_add(
            person=make_person(), at=datetime.now(UTC) + timedelta(hours=2), direction="in", reason="x", user=hr
        )


def test_moving_an_event_to_another_day_recomputes_both_days(hr):
    person = make_person()
    event = seen(person, MONDAY, "09:00").event
    attendance_event_change(
        event=event, at=utc(MONDAY + timedelta(days=1), "09:00"), direction="in", reason="typo", user=hr
    )
    assert summary(person).event_count == 0 and summary(person).absent
    assert summary(person, MONDAY + timedelta(days=1)).event_count == 1


def test_closing_days_marks_absences_and_missing_check_outs_once():
    present, forgot, absent = make_person("Present"), make_person("Forgot"), make_person("Absent")
    for person in (present, forgot, absent):
        type(person).objects.filter(pk=person.pk).update(created_at=utc(MONDAY - timedelta(days=30), "00:00"))
    seen(present, MONDAY, "09:00")
    seen(present, MONDAY, "17:00")
    seen(forgot, MONDAY, "09:00")
    for person in (present, forgot):  # as they were at noon, while the day ran
        daily_summary_recompute(person=person, day=MONDAY, now=utc(MONDAY, "12:00"))
    assert summary(forgot).present and not summary(forgot).missing_checkout and not summary(forgot).closed
    now = utc(MONDAY + timedelta(days=1), "00:05")
    written = attendance_days_close(now=now, lookback_days=1)
    assert written == 3  # Monday for three people; Tuesday is not over
    assert not summary(forgot).present
    assert summary(forgot).missing_checkout and summary(forgot).worked_seconds == 8 * 3600
    assert summary(absent).absent and summary(absent).closed
    assert not summary(present).absent and summary(present).worked_seconds == 8 * 3600
    assert attendance_days_close(now=now, lookback_days=1) == 0  # nothing left to close


def test_closing_days_writes_days_off_and_skips_days_before_a_person_existed():
    person = make_person()
    type(person).objects.filter(pk=person.pk).update(created_at=utc(MONDAY - timedelta(days=1), "12:00"))
    attendance_days_close(now=utc(MONDAY + timedelta(days=1), "00:05"), lookback_days=3)
    days = dict(DailySummary.objects.filter(person=person).values_list("day", "absent"))
    assert days == {MONDAY - timedelta(days=1): False, MONDAY: True}  # Sunday off, Monday absent


def test_closing_days_finds_the_open_days_in_queries_that_do_not_grow_with_the_headcount(
    django_assert_max_num_queries,
):
    from portal.attendance.models import Schedule

    night = make_person("Night Owl")
    Schedule.objects.create(name="Nights", person=night, start=time(22, 0), end=time(6, 0))
    people = [make_person(f"Person {n}") for n in range(30)] + [night]
    type(night).objects.update(created_at=utc(MONDAY - timedelta(days=1), "12:00"))
    now = utc(MONDAY + timedelta(days=1), "12:00")
    # Sunday and Monday for the 30 by day; the night's day begins at 14:00: only its Sunday is over
    assert attendance_days_close(now=now, lookback_days=2) == 2 * 30 + 1
    closed = DailySummary.objects.filter(closed=True)
    assert set(closed.filter(person=night).values_list("day", flat=True)) == {MONDAY - timedelta(days=1)}
    assert closed.filter(person__in=people[:30], day=MONDAY).count() == 30
    with django_assert_max_num_queries(12):  # the schedules, the calendar, then one query per day and shift start
        assert attendance_days_close(now=now, lookback_days=2) == 0


def test_close_days_command_fills_in_past_days(capsys):
    from django.core.management import call_command

    person = make_person()
    type(person).objects.filter(pk=person.pk).update(created_at=datetime.now(UTC) - timedelta(days=30))
    call_command("close_days", "--days", "3")
    assert "3 daily summaries closed" in capsys.readouterr().out  # the three days before today
    assert DailySummary.objects.filter(person=person, closed=True).count() == 3


# --- punch rules and overtime ---------------------------------------------------


def department_schedule(person, **fields):
    return Schedule.objects.create(name=f"{person.department.name} hours", department=person.department, **fields)


def test_alternating_a_second_sighting_minutes_after_the_check_in_changes_nothing():
    person = make_person(department="Office")
    department_schedule(person, punch_mode="alternate", min_interval_minutes=10)
    checked_in = seen(person, MONDAY, "09:00").event
    again = seen(person, MONDAY, "09:04")  # walked past the kiosk again
    assert not again.created and again.too_soon and again.event == checked_in
    assert AttendanceEvent.objects.filter(person=person).count() == 1
    assert seen(person, MONDAY, "09:11").event.direction == "out"  # past the interval: a real check-out


def test_by_time_of_day_before_the_cut_off_is_a_check_in_and_after_it_a_check_out():
    person = make_person(department="Office")
    department_schedule(person, punch_mode="time_of_day", punch_cutoff=time(12, 0))
    assert seen(person, MONDAY, "08:55").event.direction == "in"
    assert seen(person, MONDAY, "10:30").event.direction == "in"  # the clock decides, not the count
    assert seen(person, MONDAY, "17:02").event.direction == "out"
    assert seen(person, MONDAY, "17:30").event.direction == "out"  # never flips back to in
    assert summary(person).worked_seconds == (17 * 60 + 2 - (8 * 60 + 55)) * 60


def test_by_time_of_day_a_check_out_just_after_the_check_in_still_waits_for_the_interval():
    person = make_person(department="Office")
    department_schedule(person, punch_mode="time_of_day", punch_cutoff=time(12, 0), min_interval_minutes=10)
    seen(person, MONDAY, "11:55")
    too_soon = seen(person, MONDAY, "12:03")
    assert not too_soon.created and too_soon.too_soon
    assert seen(person, MONDAY, "12:06").event.direction == "out"


def test_overtime_on_a_working_day_is_the_time_beyond_the_shift():
    person = make_person()  # the default: Monday to Friday 09:00-17:00
    seen(person, MONDAY, "08:30")
    seen(person, MONDAY, "19:00")
    day = summary(person)
    assert day.worked_seconds == 10.5 * 3600 and day.overtime_seconds == 2.5 * 3600
    assert day.status == "present"


def test_every_hour_on_a_day_off_is_overtime_and_the_day_says_so():
    person = make_person()
    saturday = MONDAY + timedelta(days=5)
    seen(person, saturday, "08:00")
    seen(person, saturday, "20:00")
    day = summary(person, saturday)
    assert not day.scheduled and day.worked_seconds == 12 * 3600 and day.overtime_seconds == 12 * 3600
    assert day.status == "worked on a day off"
