"""The embedded portal runs Celery beat's schedule itself (portal.core.periodic)."""

import logging
import time
from datetime import timedelta

import pytest
from celery.schedules import crontab, maybe_schedule
from django.conf import settings
from django.utils import timezone

from portal.celery import app
from portal.core import periodic

pytestmark = pytest.mark.django_db  # each run ends by closing this thread's old connections, as a task does


def entry(name, seconds, run):
    return periodic.Entry(name, run, maybe_schedule(timedelta(seconds=seconds), app=app))


def test_an_entry_runs_once_its_interval_has_passed_and_not_before():
    ran = []
    # intervals far apart from the test's own steps: a loaded machine's pause between two lines is not an interval
    soon, later = entry("soon", 1.0, lambda: ran.append("soon")), entry("later", 3600, lambda: ran.append("later"))
    work = periodic.Periodic([soon, later])
    assert 0.1 <= work.run_due() <= 1.0 and ran == []  # nothing due at the start (start_up did it all)
    time.sleep(1.1)
    work.run_due()
    assert ran == ["soon"]
    assert work.run_due() > 0 and ran == ["soon"]  # not twice in one interval


def test_a_failing_entry_is_logged_and_the_others_still_run(caplog):
    ran = []

    def broken():
        raise RuntimeError("the database is down")

    work = periodic.Periodic([entry("broken", 0.01, broken), entry("after", 0.01, lambda: ran.append(1))])
    time.sleep(0.02)
    with caplog.at_level(logging.ERROR, logger="portal.core.periodic"):
        work.run_due()
    assert ran == [1] and "periodic broken failed" in caplog.text
    time.sleep(0.02)
    work.run_due()
    assert ran == [1, 1]  # and the next interval runs again


def test_a_daily_entry_waits_for_its_time_and_the_look_is_never_longer_than_five_minutes():
    # half a day from now, whenever the test runs: a fixed hour would be minutes away once a day
    hour = (timezone.localtime().hour + 12) % 24
    daily = periodic.Entry("daily", lambda: None, crontab(hour=hour, minute=0, app=app))
    assert periodic.Periodic([daily]).run_due() == periodic.MAX_WAIT_SECONDS


def test_every_entry_of_the_beat_schedule_runs_as_its_registered_task():
    work = periodic.from_settings(app)
    assert [e.name for e in work.entries] == list(settings.CELERY_BEAT_SCHEDULE)
    sweep = next(e for e in work.entries if e.name == "door-commands-sweep")
    sweep.run()  # the task itself, in this process: no broker
