"""Days already summarized, recomputed after a schedule or the calendar changed (RecomputeJob)."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.db import DatabaseError
from django.urls import reverse
from django.utils import timezone

from portal.accounts.roles import HR, VIEWER
from portal.attendance.models import CalendarDay, DailySummary, RecomputeJob, Schedule
from portal.attendance.recompute import summaries_recompute_run, summaries_recompute_start
from portal.attendance.services import attendance_days_close, attendance_event_record
from portal.attendance.tasks import summaries_recompute_task
from portal.recovery.services import work_reconcile
from tests.factories import make_person, make_user

pytestmark = pytest.mark.django_db
EVERY_DAY = [1, 2, 3, 4, 5, 6, 7]


@pytest.fixture
def day():
    """Yesterday: its working day is over, so closing stores it closed."""
    return timezone.localdate() - timedelta(days=1)


@pytest.fixture
def hr(client):
    client.force_login(make_user("hanna", role=HR))
    return client


@pytest.fixture(autouse=True)
def every_day_a_working_day():
    # whatever weekday yesterday was, it is a working day from 09:00 to 17:00 with 5 minutes' grace
    Schedule.objects.filter(is_default=True).update(working_days=EVERY_DAY, start=time(9), end=time(17))


def staff(name, department=None, *, joined_days_ago=30):
    person = make_person(name, department=department)
    # closing days starts from the day a person was added: these joined a month ago
    type(person).objects.filter(pk=person.pk).update(created_at=timezone.now() - timedelta(days=joined_days_ago))
    person.refresh_from_db()
    return person


def checked_in(person, day, clock):
    at = datetime.combine(day, time.fromisoformat(clock), tzinfo=timezone.get_current_timezone())
    attendance_event_record(person=person, at=at.astimezone(UTC), source="upload")


def summary(person, day):
    return DailySummary.objects.get(person=person, day=day)


def schedule_post(client, schedule, django_capture_on_commit_callbacks, **changes):
    schedule.refresh_from_db()  # its times as the database gives them back
    fields = {
        "name": schedule.name,
        "working_days": [str(d) for d in schedule.working_days],
        "start": f"{schedule.start:%H:%M}",
        "end": f"{schedule.end:%H:%M}",
        "grace_minutes": str(schedule.grace_minutes),
        "punch_mode": schedule.punch_mode,
        "punch_cutoff": f"{schedule.punch_cutoff:%H:%M}",
        "min_interval_minutes": str(schedule.min_interval_minutes),
        **({"department": schedule.department_id} if schedule.department_id else {}),
        **({"person": schedule.person_id} if schedule.person_id else {}),
        **changes,
    }
    # the job is queued once the save commits; the embedded setup runs it there, in-process
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("attendance-schedule-edit", args=[schedule.pk]), fields, follow=True)


def test_a_start_moved_later_makes_a_closed_late_day_not_late(hr, day, django_capture_on_commit_callbacks):
    person = staff("Ada Lovelace")
    mine = Schedule.objects.create(name="Ada", person=person, working_days=EVERY_DAY, start=time(9), end=time(17))
    checked_in(person, day, "09:20")
    attendance_days_close()
    before = summary(person, day)
    assert before.late_minutes == 20 and before.closed

    response = schedule_post(hr, mine, django_capture_on_commit_callbacks, start="09:30", recompute_from=day)

    after = summary(person, day)
    assert after.late_minutes == 0 and after.closed and after.missing_checkout  # closed as closing stores it
    job = RecomputeJob.objects.get()
    assert (job.scope, job.person, job.status, job.done, job.total) == ("person", person, "done", 1, 1)
    page = response.content.decode()
    assert f"from {day.isoformat()} to today of 1 person are recomputed in the background" in page


def test_a_schedule_change_whose_recompute_cannot_be_queued_is_not_saved(
    hr, day, monkeypatch, django_capture_on_commit_callbacks
):
    """The change and its job commit together: never a new schedule with stale stored days and no job."""
    person = staff("Ada Lovelace")
    mine = Schedule.objects.create(name="Ada", person=person, working_days=EVERY_DAY, start=time(9), end=time(17))

    def database_down(**kwargs):
        raise DatabaseError("the database went away")

    monkeypatch.setattr("portal.attendance.views.schedule_recompute_start", database_down)
    with pytest.raises(DatabaseError):
        schedule_post(hr, mine, django_capture_on_commit_callbacks, start="09:30", recompute_from=day)
    mine.refresh_from_db()
    assert mine.start == time(9) and not RecomputeJob.objects.exists()


def test_only_the_people_the_changed_schedule_concerns_are_recomputed(hr, day, django_capture_on_commit_callbacks):
    ops_only = staff("Ops Only", "Ops")
    ops_own = staff("Ops Own", "Ops")
    elsewhere = staff("Elsewhere", "Sales")
    nobody = staff("No Department")
    ops = Schedule.objects.create(name="Ops", department=ops_only.department, working_days=EVERY_DAY)
    Schedule.objects.create(name="Own", person=ops_own, working_days=EVERY_DAY, start=time(9), end=time(17))
    for person in (ops_only, ops_own, elsewhere, nobody):
        checked_in(person, day, "09:20")
    attendance_days_close()
    assert {s.late_minutes for s in DailySummary.objects.filter(day=day)} == {20}
    # marked: a recompute of anyone else would write their 20 minutes back
    DailySummary.objects.filter(day=day).exclude(person=ops_only).update(late_minutes=99)

    schedule_post(hr, ops, django_capture_on_commit_callbacks, start="09:30", recompute_from=day)

    assert summary(ops_only, day).late_minutes == 0
    for untouched in (ops_own, elsewhere, nobody):
        assert summary(untouched, day).late_minutes == 99
    job = RecomputeJob.objects.get()
    assert (job.scope, job.department, job.done) == ("department", ops.department, 1)


def test_the_default_concerns_only_people_without_a_more_specific_schedule(hr, day, django_capture_on_commit_callbacks):
    plain, in_ops, own = staff("Plain"), staff("In Ops", "Ops"), staff("Own")
    Schedule.objects.create(name="Ops", department=in_ops.department, working_days=EVERY_DAY)
    Schedule.objects.create(name="Own", person=own, working_days=EVERY_DAY)
    for person in (plain, in_ops, own):
        checked_in(person, day, "09:20")
    DailySummary.objects.filter(day=day).exclude(person=plain).update(late_minutes=99)

    default = Schedule.objects.get(is_default=True)
    schedule_post(hr, default, django_capture_on_commit_callbacks, start="09:30", recompute_from=day)

    assert [summary(p, day).late_minutes for p in (plain, in_ops, own)] == [0, 99, 99]
    assert RecomputeJob.objects.get().done == 1


def test_days_before_the_chosen_day_keep_their_summary(hr, day, django_capture_on_commit_callbacks):
    person = staff("Ada Lovelace")
    mine = Schedule.objects.create(name="Ada", person=person, working_days=EVERY_DAY)
    earlier = day - timedelta(days=1)
    checked_in(person, earlier, "09:20")
    checked_in(person, day, "09:20")

    schedule_post(hr, mine, django_capture_on_commit_callbacks, start="09:30", recompute_from=day)

    assert (summary(person, earlier).late_minutes, summary(person, day).late_minutes) == (20, 0)


def test_a_holiday_added_to_the_calendar_turns_an_absence_into_a_holiday(hr, day, django_capture_on_commit_callbacks):
    person = staff("Ada Lovelace")
    attendance_days_close()
    assert summary(person, day).absent and summary(person, day).closed

    with django_capture_on_commit_callbacks(execute=True):
        response = hr.post(
            reverse("attendance-calendar"), {"day": day.isoformat(), "kind": "holiday", "name": "Founders"}, follow=True
        )

    after = summary(person, day)
    assert after.holiday and not after.absent and after.closed and after.status == "holiday"
    job = RecomputeJob.objects.get()
    assert (job.scope, job.day_from, job.done) == ("everyone", day, 1)
    assert "are recomputed in the background" in response.content.decode()

    # and removed again: the day is an absence once more
    with django_capture_on_commit_callbacks(execute=True):
        hr.post(reverse("attendance-calendar-delete", args=[CalendarDay.objects.get().pk]))
    assert summary(person, day).absent and not summary(person, day).holiday


def test_a_redelivered_job_goes_on_after_its_last_chunk_and_counts_nobody_twice(day):
    people = [staff(f"Person {n}") for n in range(3)]
    for person in people:
        checked_in(person, day, "09:20")
    Schedule.objects.filter(is_default=True).update(start=time(9, 30))
    job = summaries_recompute_start(scope=RecomputeJob.Scope.EVERYONE, day_from=day)

    # a first delivery writes one chunk of one person, then its worker dies
    RecomputeJob.objects.filter(pk=job.pk).update(status="running", claimed_by="t1 worker@dead:99")
    assert summaries_recompute_run(job=job, seconds=0, chunk=1) is False
    job.refresh_from_db()
    assert (job.done, job.total, job.last_person) == (1, 3, people[0].pk)
    assert [summary(p, day).late_minutes for p in people] == [0, 20, 20]

    # the broker hands the same message again (same task id): it goes on from the cursor
    summaries_recompute_task.apply(args=[job.pk], task_id="t1")
    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.days) == ("done", 3, 3, 3)
    assert [summary(p, day).late_minutes for p in people] == [0, 0, 0]

    # a duplicate message after the end changes nothing
    finished = job.finished_at
    summaries_recompute_task(job.pk)
    job.refresh_from_db()
    assert (job.done, job.days, job.finished_at) == (3, 3, finished)
    assert DailySummary.objects.filter(day=day).count() == 3


def test_a_job_queued_twice_is_run_once(day):
    person = staff("Ada Lovelace")
    checked_in(person, day, "09:20")
    job = summaries_recompute_start(scope=RecomputeJob.Scope.EVERYONE, day_from=day)
    summaries_recompute_task(job.pk)
    summaries_recompute_task(job.pk)
    job.refresh_from_db()
    assert (job.status, job.done, job.days) == ("done", 1, 1)


def test_the_schedules_page_shows_a_running_and_a_finished_recompute(hr, day):
    RecomputeJob.objects.create(scope="everyone", day_from=day, day_to=day, status="running", total=40, done=12)
    RecomputeJob.objects.create(scope="default", day_from=day, day_to=day, status="done", total=7, done=7)
    page = hr.get(reverse("attendance-schedules")).content.decode()
    assert "Days already summarized, recomputed" in page
    assert "12 of 40 people" in page and "Running" in page
    assert "7 of 7 people" in page and "Done" in page

    zh = hr.get(reverse("attendance-schedules"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "12 / 40 人" in zh


def test_a_future_day_recomputes_nothing_and_says_so(hr, django_capture_on_commit_callbacks):
    default = Schedule.objects.get(is_default=True)
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = schedule_post(hr, default, django_capture_on_commit_callbacks, recompute_from=tomorrow)
    assert not RecomputeJob.objects.exists()
    assert "stay as they are" in response.content.decode()


def test_a_day_further_back_than_the_setting_allows_is_refused(hr, settings, django_capture_on_commit_callbacks):
    settings.ATTENDANCE_RECOMPUTE_MAX_DAYS = 10
    default = Schedule.objects.get(is_default=True)
    long_ago = timezone.localdate() - timedelta(days=11)
    response = schedule_post(hr, default, django_capture_on_commit_callbacks, recompute_from=long_ago)
    assert response.status_code == 400 and not RecomputeJob.objects.exists()
    assert "can be recomputed from" in response.content.decode()


def test_only_hr_changes_a_schedule_and_starts_a_recompute(client, day, django_capture_on_commit_callbacks):
    client.force_login(make_user("vera", role=VIEWER))
    default = Schedule.objects.get(is_default=True)
    response = schedule_post(client, default, django_capture_on_commit_callbacks, start="10:00", recompute_from=day)
    assert response.status_code == 403
    assert not RecomputeJob.objects.exists()
    default.refresh_from_db()
    assert default.start == time(9)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("attendance-calendar"), {"day": day.isoformat(), "kind": "holiday", "name": "x"})
    assert not RecomputeJob.objects.exists() and not CalendarDay.objects.exists()


def test_a_job_the_broker_lost_is_sent_again_by_the_reconciler_and_finished(day):
    person = staff("Ada Lovelace")
    checked_in(person, day, "09:20")
    Schedule.objects.filter(is_default=True).update(start=time(9, 30))
    lost = RecomputeJob.objects.create(scope="everyone", day_from=day, day_to=timezone.localdate(), total=1)
    RecomputeJob.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(seconds=120))

    assert work_reconcile(grace=30).resent["RecomputeJob"] == 1

    lost.refresh_from_db()
    assert (lost.status, lost.done) == ("done", 1) and summary(person, day).late_minutes == 0


@pytest.mark.slow  # a pytest of its own in a fresh database: the full tier only
def test_the_recompute_tests_pass_on_postgresql(tmp_path):
    # the job's row and each chunk's people are locked (SELECT ... FOR UPDATE): SQLite ignores that
    from tests.e2e.stack import assert_passes_on_postgresql

    assert_passes_on_postgresql(__file__, tmp_path, passed=13)
