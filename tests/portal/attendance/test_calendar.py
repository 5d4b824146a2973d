"""The organization's holiday calendar: imported per country and year, or entered by hand."""

import importlib
from datetime import date

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import translation

from portal.accounts.roles import HR
from portal.attendance.calendar import calendar_import
from portal.attendance.models import CalendarDay
from portal.attendance.rules import Shift
from portal.core.messages import Message, message_text
from tests.factories import make_user

pytestmark = pytest.mark.django_db
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-Hans,zh;q=0.9"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def kinds(year):
    return dict(CalendarDay.objects.filter(day__year=year).values_list("day", "kind"))


def test_a_swapped_working_day_makes_a_saturday_a_working_day_and_a_holiday_wins_over_it():
    saturday = date(2026, 2, 14)
    assert not Shift().is_working_day(saturday)
    assert Shift(extra_working_days=frozenset({saturday})).is_working_day(saturday)
    both = Shift(extra_working_days=frozenset({saturday}), holidays=frozenset({saturday}))
    assert not both.is_working_day(saturday)


def test_the_command_imports_chinas_holidays_and_swapped_working_days(capsys):
    call_command("holidays_import", "cn", "2026")
    days = kinds(2026)
    assert days[date(2026, 10, 1)] == "holiday" and days[date(2026, 2, 17)] == "holiday"
    assert days[date(2026, 2, 14)] == "workday" and days[date(2026, 2, 28)] == "workday"
    assert CalendarDay.objects.get(day=date(2026, 2, 14)).name == "Working day, swapped with 2026-02-20"
    assert "CN 2026:" in capsys.readouterr().out
    # again: the same days, nothing twice
    count = CalendarDay.objects.count()
    call_command("holidays_import", "CN", "2026")
    assert CalendarDay.objects.count() == count


def test_names_come_in_chinese_when_asked():
    call_command("holidays_import", "CN", "2026", "--language", "zh_CN")
    assert CalendarDay.objects.get(day=date(2026, 10, 1)).name == "国庆节"


def test_an_unknown_country_is_refused_with_a_message():
    with pytest.raises(CommandError, match="Unknown country 'XX'"):
        call_command("holidays_import", "XX", "2026")


def test_a_day_entered_by_hand_stays_when_the_year_is_imported_again():
    CalendarDay.objects.create(day=date(2026, 3, 6), kind="holiday", name="Company day")
    call_command("holidays_import", "CN", "2026")
    assert kinds(2026)[date(2026, 3, 6)] == "holiday"
    assert CalendarDay.objects.get(day=date(2026, 3, 6)).country == ""


def test_hr_imports_adds_and_removes_days_on_the_page(client):
    client.force_login(make_user("hana", role=HR))
    response = client.post(reverse("attendance-calendar-import"), {"country": "CN", "year": "2026"})
    assert response.status_code == 302 and response["Location"].endswith("?year=2026")
    page = client.get(response["Location"]).content.decode()
    assert "2026-02-14" in page and "working day" in page and "2026-10-01" in page
    client.post(reverse("attendance-calendar"), {"day": "2026-03-06", "kind": "holiday", "name": "Company day"})
    added = CalendarDay.objects.get(day=date(2026, 3, 6))
    assert added.name == "Company day" and added.country == ""
    client.post(reverse("attendance-calendar-delete", args=[added.pk]))
    assert not CalendarDay.objects.filter(day=date(2026, 3, 6)).exists()


def test_the_page_says_what_is_wrong_with_an_import(client):
    client.force_login(make_user("hana", role=HR))
    response = client.post(reverse("attendance-calendar-import"), {"country": "XX", "year": "2026"})
    assert response.status_code == 400 and "Unknown country" in response.content.decode()


def calendar_pages(client):
    """The 2026 calendar as a Chinese and as an English reader sees it."""
    return [
        client.get(reverse("attendance-calendar"), {"year": "2026"}, **headers).content.decode() for headers in (ZH, EN)
    ]


def test_imported_names_read_in_each_readers_language_whoever_imported_them(client):
    client.force_login(make_user("hana", role=HR))
    for importer, language in (("en", "en_US"), ("zh-hans", "zh_CN")):
        with translation.override(importer):
            calendar_import(country="CN", year=2026, language=language)
        chinese, english = calendar_pages(client)
        assert "调休上班，与 2026年2月20日 对调" in chinese and "国庆节" in chinese, importer
        assert "Working day" not in chinese and "National Day" not in chinese, importer
        assert "Working day, swapped with 2026-02-20" in english and "National Day" in english, importer
        assert "调休上班" not in english and "国庆节" not in english, importer


def in_both(value):
    with translation.override("zh-hans"):
        chinese = message_text(value)
    with translation.override("en"):
        return chinese, message_text(value)


def test_the_migration_makes_old_imported_names_messages_and_leaves_typed_ones():
    old = {  # as imports in English and in Chinese stored them, and one typed by hand
        date(2026, 2, 14): ("workday", "Working day, swapped with 2026-02-20", "CN"),
        date(2026, 2, 28): ("workday", "调休上班，与 2026-02-23 对调", "CN"),
        date(2026, 10, 10): ("workday", "Working day (swapped)", "CN"),
        date(2026, 10, 1): ("holiday", "National Day", "CN"),
        date(2026, 10, 2): ("holiday", "国庆节", "CN"),
        date(2026, 3, 6): ("holiday", "Company day", ""),
    }
    for day, (kind, name, country) in old.items():
        CalendarDay.objects.create(day=day, kind=kind, name=name, country=country)
    migration = importlib.import_module("portal.attendance.migrations.0013_calendar_names_as_messages")
    migration.to_messages(apps, None)
    names = {row.day: row.name for row in CalendarDay.objects.all()}
    assert all(isinstance(names[day], Message) for day in old if day != date(2026, 3, 6))
    assert in_both(names[date(2026, 2, 14)]) == (
        "调休上班，与 2026年2月20日 对调",
        "Working day, swapped with 2026-02-20",
    )
    assert in_both(names[date(2026, 2, 28)]) == (
        "调休上班，与 2026年2月23日 对调",
        "Working day, swapped with 2026-02-23",
    )
    assert in_both(names[date(2026, 10, 10)]) == ("调休上班", "Working day (swapped)")
    assert in_both(names[date(2026, 10, 1)]) == ("国庆节", "National Day")
    assert in_both(names[date(2026, 10, 2)]) == ("国庆节", "National Day")
    assert names[date(2026, 3, 6)] == "Company day"
    migration.to_english(apps, None)
    back = dict(CalendarDay.objects.values_list("day", "name"))
    assert back[date(2026, 2, 14)] == "Working day, swapped with 2026-02-20" and back[date(2026, 10, 2)] == "国庆节"
    assert not any(isinstance(name, Message) for name in back.values())
