"""'No check-out yesterday': told once per day, in the bell and by e-mail (issue 22, 4)."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from portal.attendance.services import attendance_days_close, attendance_event_record
from portal.employees.models import Notification
from portal.employees.reminders import missing_checkouts_remind
from portal.employees.tasks import missing_checkouts_remind_task
from tests.factories import make_employee, make_person

pytestmark = pytest.mark.django_db
MONDAY = date(2026, 3, 2)


def at(day, clock):
    return datetime.combine(day, time.fromisoformat(clock)).replace(tzinfo=UTC)


@pytest.fixture
def monday(django_capture_on_commit_callbacks):
    """Wang checks in on Monday and never out; Li checks in and out; Zhao (no account) forgets too."""
    wang, wang_user = make_employee("Wang Fang", email="wang@example.com")
    li, _ = make_employee("Li Na", email="li@example.com")
    zhao = make_person("Zhao Lei")
    for person in (wang, li, zhao):
        type(person).objects.filter(pk=person.pk).update(created_at=at(MONDAY - timedelta(days=10), "00:00"))
        attendance_event_record(person=person, at=at(MONDAY, "09:00"), source="upload")
    attendance_event_record(person=li, at=at(MONDAY, "17:30"), source="upload")
    attendance_days_close(now=at(MONDAY + timedelta(days=1), "00:05"), lookback_days=2)
    return wang_user


def test_an_employee_without_a_check_out_yesterday_is_told_once_in_the_bell_and_by_email(
    monday, django_capture_on_commit_callbacks
):
    tuesday = at(MONDAY + timedelta(days=1), "01:20")
    with django_capture_on_commit_callbacks(execute=True):
        assert missing_checkouts_remind(now=tuesday) == 1
    note = Notification.objects.get(kind=Notification.Kind.MISSING_CHECKOUT)
    assert note.user == monday and note.params == {"day": "2026-03-02"}
    assert note.link == reverse("request-new", args=["missed_punch"])
    assert "No check-out was recorded on 2026-03-02" in note.text
    assert [m.to for m in mail.outbox] == [["wang@example.com"]]
    assert "/me/requests/new/missed_punch/" in mail.outbox[0].body
    # the hourly runs after it, and the next day's, tell nobody again
    with django_capture_on_commit_callbacks(execute=True):
        assert missing_checkouts_remind(now=tuesday + timedelta(hours=1)) == 0
        assert missing_checkouts_remind(now=tuesday + timedelta(days=1)) == 0
    assert Notification.objects.filter(kind=Notification.Kind.MISSING_CHECKOUT).count() == 1
    assert len(mail.outbox) == 1


def test_a_day_not_yet_closed_or_long_past_is_not_told(monday):
    # Monday's day is told neither on Monday itself (not closed yet) nor a week later
    assert missing_checkouts_remind(now=at(MONDAY, "23:00")) == 0
    assert missing_checkouts_remind(now=at(MONDAY + timedelta(days=7), "01:20")) == 0
    assert not Notification.objects.filter(kind=Notification.Kind.MISSING_CHECKOUT).exists()


def test_the_reminder_runs_hourly_from_celery_beat(monday):
    entry = settings.CELERY_BEAT_SCHEDULE["missing-checkouts-remind"]
    assert entry["task"] == missing_checkouts_remind_task.name
    assert missing_checkouts_remind_task.apply().get() == 0  # by the real clock, Monday is long past
