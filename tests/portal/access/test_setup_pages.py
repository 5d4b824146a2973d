"""Security sets doors up on the portal's own pages (issue 25, 1): a zone, a door, a level with a
weekly grid, a group, a kiosk as the door's reader and a badge PIN; no portal page links into the
Django admin, which stays for superusers."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from portal.access.badges import badge_route
from portal.access.models import AccessGroup, AccessLevel, BadgePin, Door, OperatorAction, Zone
from portal.access.selectors import access_explain
from portal.access.setup_forms import weekdays_fill
from portal.accounts.roles import SECURITY
from portal.attendance.calendar import calendar_import
from portal.kiosks.models import Kiosk
from tests.factories import make_person, make_user
from tests.portal.kiosks.kiosk_helpers import paired_kiosk

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def security(client):
    client.force_login(make_user("sam", role=SECURITY))
    return client


def post(client, name, data, *args):
    response = client.post(reverse(name, args=args), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    return response


def test_security_sets_up_a_working_door_without_the_admin(security):
    ana = make_person("Ana Staff", employee_id="e1")
    kiosk, _ = paired_kiosk("Main entrance kiosk")
    setup_page = security.get(reverse("access-setup")).content.decode()
    assert "/admin/" not in setup_page and "Who may pass?" in setup_page

    post(security, "access-zone-new", {"name": "HQ", "anti_passback": "off", "time_zone": "Asia/Shanghai"})
    zone = Zone.objects.get(name="HQ")
    post(
        security,
        "access-door-new",
        {"name": "Main entrance", "zone": zone.pk, "mode": "face_or_pin", "unlock_seconds": 5},
    )
    door = Door.objects.get(name="Main entrance")
    level_data = {"name": "Office hours", "doors": [door.pk], "closed_on_holidays": "on"}
    weekdays_fill(level_data, days=[1, 2, 3, 4, 5], start=datetime(1, 1, 1, 8).time(), end=datetime(1, 1, 1, 18).time())
    post(security, "access-level-new", level_data)
    level = AccessLevel.objects.get(name="Office hours")
    assert sorted((w.weekday, f"{w.start:%H:%M}", f"{w.end:%H:%M}") for w in level.windows.all()) == [
        (d, "08:00", "18:00") for d in range(1, 6)
    ]
    post(security, "access-group-new", {"name": "Staff", "people": [ana.pk], "levels": [level.pk]})
    assert list(AccessGroup.objects.get(name="Staff").people.all()) == [ana]
    post(security, "access-reader", {f"k{kiosk.pk}-door": door.pk, f"k{kiosk.pk}-door_side": "entry"}, kiosk.pk)
    kiosk.refresh_from_db()
    assert (kiosk.door, kiosk.door_side) == (door, "entry")
    post(security, "access-pins", {"person": ana.pk, "pin": "471100", "pin_again": "471100"})
    assert BadgePin.objects.filter(person=ana).exists()

    # the setup page lists it all, the level's week in words
    page = security.get(reverse("access-setup")).content.decode()
    assert "Main entrance kiosk" in page and "Monday 08:00–18:00" in page
    # a refused and (inside the hours) a granted attempt, then the national day refuses the level
    monday_10 = datetime(2026, 9, 28, 10, tzinfo=SHANGHAI)
    assert badge_route(kiosk=kiosk, employee_id="e1", pin="0000", at=monday_10).reason == "bad_pin"
    assert badge_route(kiosk=kiosk, employee_id="e1", pin="471100", at=monday_10).result == "granted"
    saturday = datetime(2026, 9, 26, 10, tzinfo=SHANGHAI)
    assert badge_route(kiosk=kiosk, employee_id="e1", pin="471100", at=saturday).reason == "outside_hours"
    calendar_import(country="CN", year=2026)
    assert not access_explain(person=ana, door=door, at=datetime(2026, 10, 1, 10, tzinfo=SHANGHAI)).granted
    assert OperatorAction.objects.filter(action__in=["zone added", "door added", "PIN set", "reader set"]).count() == 4


def test_every_access_page_is_free_of_admin_links(security):
    zone = Zone.objects.create(name="HQ")
    Door.objects.create(name="Lobby", zone=zone)
    names = ["access-doors", "access-setup", "access-log", "access-explain", "access-readers", "access-pins"]
    names += ["access-zone-new", "access-door-new", "access-level-new", "access-group-new", "access-visitors"]
    for name in names:
        page = security.get(reverse(name)).content.decode()
        assert "/admin/" not in page, name


@pytest.mark.parametrize(
    "data, message",
    [
        ({"w1_0_start": "08:00"}, "Give both times of a window"),
        ({}, "Give at least one window"),
        ({"w1_0_start": "08:00", "w1_0_end": "25:00"}, "Enter a valid time"),
    ],
)
def test_a_bad_level_is_explained(security, data, message):
    door = Door.objects.create(name="Lobby", zone=Zone.objects.create(name="HQ"))
    response = security.post(reverse("access-level-new"), {"name": "L", "doors": [door.pk], **data})
    assert response.status_code == 400 and message in response.content.decode()
    assert not AccessLevel.objects.exists()


def test_a_zone_with_a_wrong_time_zone_is_refused(security):
    response = security.post(
        reverse("access-zone-new"), {"name": "HQ", "anti_passback": "off", "time_zone": "Mars/Base"}
    )
    assert response.status_code == 400 and "is not a time zone" in response.content.decode()


def test_two_different_pins_are_refused_and_a_pin_is_removed(security):
    ana = make_person("Ana Staff", employee_id="e1")
    response = security.post(reverse("access-pins"), {"person": ana.pk, "pin": "471100", "pin_again": "471200"})
    assert response.status_code == 400 and "The two PINs differ" in response.content.decode()
    post(security, "access-pins", {"person": ana.pk, "pin": "471100", "pin_again": "471100"})
    post(security, "access-pin-remove", {}, ana.pk)
    assert not BadgePin.objects.exists()


def test_a_kiosk_can_leave_its_door(security):
    kiosk, _ = paired_kiosk("K")
    kiosk.door = Door.objects.create(name="Lobby", zone=Zone.objects.create(name="HQ"))
    kiosk.save()
    post(security, "access-reader", {f"k{kiosk.pk}-door": "", f"k{kiosk.pk}-door_side": "entry"}, kiosk.pk)
    assert Kiosk.objects.get(pk=kiosk.pk).door is None


def test_person_pickers_carry_every_spelling_the_people_search_finds(security):
    make_person("张伟", employee_id="CN-1")
    make_person("Zoë Dvořák", employee_id="CZ-1")
    page = security.get(reverse("access-pins")).content.decode()
    assert re.search(r'data-search="[^"]*zhang wei[^"]*\bzw\b[^"]* cn-1"', page)
    assert re.search(r'data-search="[^"]*zoe dvorak[^"]* cz-1"', page)
