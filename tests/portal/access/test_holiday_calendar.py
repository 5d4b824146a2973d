"""One holiday calendar (issue 25, 3): the imported national holidays close a level marked
closed on holidays, at the door and on the "Who may pass?" page; the default schedule has no
second holiday list, and what was typed into it moved into the calendar."""

import importlib
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps as global_apps
from django.urls import reverse

from portal.access.models import TimeWindow
from portal.access.selectors import access_explain
from portal.accounts.roles import HR, SECURITY
from portal.attendance.calendar import calendar_import
from portal.attendance.models import CalendarDay, Schedule
from tests.factories import make_person, make_user
from tests.portal.access.helpers import door_with_kiosk, grant

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def office(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    door, _, _ = door_with_kiosk("Main entrance")
    ana = make_person("Ana Staff", employee_id="e1")
    level = grant(ana, doors=[door], windows=[(d, time(8), time(18)) for d in range(1, 6)], closed_on_holidays=True)
    return ana, door, level


def test_an_imported_national_holiday_refuses_a_level_closed_on_holidays(office):
    ana, door, _ = office
    national_day = datetime(2026, 10, 1, 10, tzinfo=SHANGHAI)  # a Thursday, 国庆节
    assert access_explain(person=ana, door=door, at=national_day).granted
    calendar_import(country="CN", year=2026)
    verdict = access_explain(person=ana, door=door, at=national_day)
    assert (verdict.granted, verdict.reason) == (False, "outside_hours")
    assert "2026-10-01 is a holiday" in " ".join(verdict.why)
    assert access_explain(person=ana, door=door, at=datetime(2026, 10, 9, 10, tzinfo=SHANGHAI)).granted


def test_a_level_open_on_holidays_still_opens_on_the_national_day(office):
    ana, door, level = office
    level.closed_on_holidays = False
    level.save()
    calendar_import(country="CN", year=2026)
    assert access_explain(person=ana, door=door, at=datetime(2026, 10, 1, 10, tzinfo=SHANGHAI)).granted


def test_the_who_may_pass_page_says_the_holiday_refuses(client, office):
    ana, door, _ = office
    calendar_import(country="CN", year=2026)
    client.force_login(make_user("sam", role=SECURITY))
    page = client.get(reverse("access-explain"), {"person": ana.pk, "door": door.pk, "at": "2026-10-01T10:00"})
    assert "is a holiday" in page.content.decode()
    assert TimeWindow.objects.count() == 5


def test_the_default_schedule_has_no_second_holiday_list(client):
    client.force_login(make_user("hanna", role=HR))
    default = Schedule.objects.get(is_default=True)
    page = client.get(reverse("attendance-schedule-edit", args=[default.pk])).content.decode()
    assert 'name="holidays"' not in page


def test_dates_typed_into_the_default_schedule_move_into_the_calendar():
    Schedule.objects.filter(is_default=True).update(holidays=["2026-12-24", "2026-10-01"])
    CalendarDay.objects.create(day="2026-10-01", kind=CalendarDay.Kind.HOLIDAY, name="国庆节", country="CN")
    # the data migration of 0010_default_holidays_to_calendar, squashed with the others since
    migration = importlib.import_module(
        "portal.attendance.migrations.0001_initial_squashed_0011_requests_leave_and_phone"
    )
    migration.forward(global_apps, None)
    days = dict(CalendarDay.objects.values_list("day", "name"))
    assert {str(d): n for d, n in days.items()} == {"2026-10-01": "国庆节", "2026-12-24": ""}
    assert Schedule.objects.get(is_default=True).holidays == []
