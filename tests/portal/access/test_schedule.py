"""Doors unlocked on a schedule: open for everyone in the window, relocked after, never during a lockdown."""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from portal.access.models import AccessLevel, Door, DoorCommand, TimeWindow
from portal.access.rules import Level, Window, open_until
from portal.access.services import doors_relock_due, doors_schedule_apply
from tests.portal.access.helpers import door_with_kiosk

BERLIN = ZoneInfo("Europe/Berlin")


def test_open_until_is_the_end_of_the_window_open_now_overnight_included():
    level = Level("Lobby", windows=(Window(1, time(8), time(18)), Window(5, time(22), time(2))))
    monday_10 = datetime(2026, 3, 2, 10, tzinfo=BERLIN)
    assert open_until(level, local=monday_10) == datetime(2026, 3, 2, 18, tzinfo=BERLIN)
    friday_23 = datetime(2026, 3, 6, 23, tzinfo=BERLIN)
    assert open_until(level, local=friday_23) == datetime(2026, 3, 7, 2, tzinfo=BERLIN)
    assert open_until(level, local=datetime(2026, 3, 2, 19, tzinfo=BERLIN)) is None


@pytest.mark.django_db
def test_a_scheduled_door_opens_in_its_window_with_an_unlock_for_the_rest_of_it_and_relocks_after(settings):
    settings.DOOR_MQTT_HOST = "127.0.0.1"
    door, _, _ = door_with_kiosk("Lobby")
    door.zone.time_zone = "Europe/Berlin"
    door.zone.save()
    hours = AccessLevel.objects.create(name="Office hours", closed_on_holidays=False)
    TimeWindow.objects.create(level=hours, weekday=1, start=time(8), end=time(18))
    Door.objects.filter(pk=door.pk).update(unlock_schedule=hours)
    monday_10_berlin = datetime(2026, 3, 2, 9, tzinfo=UTC)
    assert doors_schedule_apply(now=monday_10_berlin) == [door]
    door.refresh_from_db()
    assert door.state == Door.State.UNLOCKED
    assert door.unlocked_until == datetime(2026, 3, 2, 17, tzinfo=UTC)
    command = DoorCommand.objects.get()
    assert (command.command, command.seconds) == ("unlock", 8 * 3600)
    assert doors_schedule_apply(now=monday_10_berlin) == []  # already open: no second command
    doors_relock_due(now=datetime(2026, 3, 2, 17, tzinfo=UTC))
    door.refresh_from_db()
    assert door.state == Door.State.NORMAL
    assert doors_schedule_apply(now=datetime(2026, 3, 2, 17, 30, tzinfo=UTC)) == []  # evening: stays locked


@pytest.mark.django_db
def test_a_locked_down_door_is_not_opened_by_its_schedule(settings):
    door, _, _ = door_with_kiosk("Lobby")
    always = AccessLevel.objects.create(name="Always", any_time=True, closed_on_holidays=False)
    Door.objects.filter(pk=door.pk).update(unlock_schedule=always, state=Door.State.LOCKED_DOWN)
    assert doors_schedule_apply() == []
    door.refresh_from_db()
    assert door.state == Door.State.LOCKED_DOWN
