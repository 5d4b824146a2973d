"""HR's phone clock-in page (sites, networks, policies), the employee's Clock in page, and the day page."""

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.accounts.roles import HR
from portal.attendance.services import attendance_event_record
from portal.clockin.models import AllowedNetwork, PhonePolicy, Site
from portal.people.models import Department
from tests.factories import make_employee, make_user

pytestmark = pytest.mark.django_db


def test_hr_adds_sites_and_networks_and_sets_each_departments_policy(client):
    sales = Department.objects.create(name="Sales")
    client.force_login(make_user("hr", role=HR))
    page = reverse("clockin-settings")
    for name, lat in (("Head office", 31.2304), ("Depot", 31.3)):
        added = client.post(
            page,
            {"what": "site", "site-name": name, "site-latitude": lat, "site-longitude": 121.47, "site-radius_m": 200},
        )
        assert added.status_code == 302
    assert list(Site.objects.values_list("name", flat=True)) == ["Depot", "Head office"]
    bad = client.post(page, {"what": "network", "network-name": "Wi-Fi", "network-network": "203.0.113.0/33"})
    assert bad.status_code == 400 and "is not an address or a range" in bad.content.decode()
    client.post(page, {"what": "network", "network-name": "Wi-Fi", "network-network": "203.0.113.9/24"})
    assert AllowedNetwork.objects.get().network == "203.0.113.0/24"
    far = client.post(
        page, {"what": "site", "site-name": "Moon", "site-latitude": 91, "site-longitude": 0, "site-radius_m": 5}
    )
    assert far.status_code == 400 and not Site.objects.filter(name="Moon").exists()
    saved = client.post(
        page,
        {
            "what": "policies",
            "pdefault-place": "off",
            f"p{sales.pk}-place": "either",
            f"p{sales.pk}-face_required": "on",
        },
    )
    assert saved.status_code == 302
    policy = PhonePolicy.objects.get(department=sales)
    assert (policy.place, policy.face_required, policy.liveness) == ("either", True, False)
    assert PhonePolicy.objects.get(department=None).place == "off"
    shown = client.get(page).content.decode()
    assert "Head office" in shown and "203.0.113.0/24" in shown


def test_the_clock_in_page_says_when_the_location_is_read(client):
    _, user = make_employee("Ana Employee")
    client.force_login(user)
    off = client.get(reverse("clock-in")).content.decode()
    assert "Clocking in from a phone is off for your department." in off and 'id="go"' not in off
    PhonePolicy.objects.create(department=None, place="location")
    page = client.get(reverse("clock-in")).content.decode()
    assert 'id="go"' in page and 'id="video"' in page
    assert "Your location is read only at the moment you press Clock in" in page
    chinese = client.get(reverse("clock-in"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "只有在你按下“打卡”的那一刻才会读取你的位置" in chinese


def test_hr_sees_where_a_phone_event_was_clocked_from_on_the_day_page(client):
    person, _ = make_employee("Ana Employee")
    at = timezone.now()
    attendance_event_record(
        person=person, at=at, source="phone", latitude=31.23041, longitude=121.47372, accuracy_m=14.6
    )
    client.force_login(make_user("hr", role=HR))
    day = client.get(reverse("attendance-day", args=[person.pk, f"{timezone.localdate(at):%Y-%m-%d}"]))
    assert "at 31.23041, 121.47372 (±15 m)" in day.content.decode()
