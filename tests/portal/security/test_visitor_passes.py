"""Visitor passes stay within the policy security set, whether given on the page, through the API or from
the review list: the attack (issue 21) was a reception token granting a pass to 2036 on Lab 2, and one
entirely in 2020, while the page capped passes at 30 days."""

from datetime import datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from portal.access.models import Door, OperatorAction, Visitor
from portal.accounts.roles import RECEPTION, SECURITY
from tests import photos
from tests.factories import make_person, make_user
from tests.portal.access.helpers import door_with_kiosk
from tests.portal.api.conftest import token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def host():
    return make_person("Joe Host", employee_id="host")


@pytest.fixture
def lobby():
    return door_with_kiosk("Lobby", zone="Ground floor", visitor_door=True, visitor_max_hours=12)[0]


@pytest.fixture
def lab():
    return door_with_kiosk("Lab 2")[0]  # not a visitor door


def api_register(client, host, doors, start, end):
    return client.post(
        reverse("api:visitor-list"),
        {
            "name": "Guest",
            "host": host.pk,
            "doors": [door.pk for door in doors],
            "valid_from": start.isoformat(),
            "valid_until": end.isoformat(),
            "photo": SimpleUploadedFile("g.jpg", photos.read(photos.OBAMA_2), "image/jpeg"),
        },
        format="multipart",
    )


def refused(response):
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "visitor_refused"
    return response.json()["error"]["message"]


def test_a_ten_year_reception_pass_through_the_api_is_refused(host, lobby):
    start = timezone.now()
    message = refused(api_register(token_client(RECEPTION), host, [lobby], start, start + timedelta(days=3650)))
    assert "at most 12 hours" in message
    assert not Visitor.objects.exists()


def test_a_pass_entirely_in_the_past_or_reversed_is_refused(host, lobby):
    reception = token_client(RECEPTION)
    old = timezone.make_aware(datetime(2020, 1, 6, 9))
    refused(api_register(reception, host, [lobby], old, old + timedelta(hours=2)))
    now = timezone.now()
    refused(api_register(reception, host, [lobby], now + timedelta(hours=2), now))
    assert not Visitor.objects.exists()


def test_reception_may_only_give_doors_security_made_visitor_doors(host, lobby, lab):
    start = timezone.now()
    message = refused(api_register(token_client(RECEPTION), host, [lobby, lab], start, start + timedelta(hours=2)))
    assert "Lab 2" in message and "Lobby" not in message
    assert not Visitor.objects.exists()


def test_security_may_give_any_door_but_not_a_longer_pass_than_the_doors_allow(host, lobby, lab):
    security = token_client(SECURITY, name="front desk system")
    start = timezone.now()
    assert api_register(security, host, [lab], start, start + timedelta(hours=20)).status_code == 201
    refused(api_register(security, host, [lab], start, start + timedelta(hours=25)))  # Lab 2: 24 hours, the default
    refused(api_register(security, host, [lab, lobby], start, start + timedelta(hours=13)))  # the shortest: 12
    # the pass is in the audit trail with who gave it, the doors and the period
    action = OperatorAction.objects.get(action="visitor registered")
    assert action.username == "token front desk system"
    assert "Lab 2" in action.detail and f"{timezone.localtime(start):%Y-%m-%d %H:%M}" in action.detail


def visitor_form(host, doors, hours, start=None):
    start = start or timezone.localtime()
    return {
        "name": "Guest",
        "host": host.pk,
        "doors": [door.pk for door in doors],
        "valid_from": start.strftime("%Y-%m-%dT%H:%M"),
        "hours": hours,
        "photo": SimpleUploadedFile("g.jpg", photos.read(photos.OBAMA_2), "image/jpeg"),
    }


def test_the_page_applies_the_same_policy_as_the_api(client, host, lobby, lab):
    client.force_login(make_user("desk", role=RECEPTION))
    long_pass = client.post(reverse("access-visitors"), visitor_form(host, [lobby], 24 * 30))
    assert long_pass.status_code == 200 and "at most 12 hours" in long_pass.content.decode()
    wrong_door = client.post(reverse("access-visitors"), visitor_form(host, [lab], 2))
    assert "security has not made them visitor doors" in wrong_door.content.decode()
    past = client.post(
        reverse("access-visitors"), visitor_form(host, [lobby], 2, start=timezone.localtime() - timedelta(days=3))
    )
    assert "before now" in past.content.decode()
    assert not Visitor.objects.exists()
    ok = client.post(reverse("access-visitors"), visitor_form(host, [lobby], 8))
    assert ok.status_code == 302
    assert OperatorAction.objects.filter(action="visitor registered", username="desk").count() == 1


def test_security_marks_a_visitor_door_and_caps_its_passes_on_the_doors_page_audited(client, lab):
    client.force_login(make_user("guard", role=SECURITY))
    response = client.post(reverse("access-door-visitors", args=[lab.pk]), {"visitor_door": "on", "max_hours": 4})
    assert response.status_code == 302
    lab.refresh_from_db()
    assert (lab.visitor_door, lab.visitor_max_hours) == (True, 4)
    action = OperatorAction.objects.get(action="visitor door policy")
    assert (action.username, action.door) == ("guard", lab) and "4 hours" in action.detail
    assert (
        "access-door-visitors"
        and reverse("access-door-visitors", args=[lab.pk]) in client.get(reverse("access-doors")).content.decode()
    )


def test_reception_may_not_change_which_doors_are_visitor_doors(client, lab):
    client.force_login(make_user("desk", role=RECEPTION))
    response = client.post(reverse("access-door-visitors", args=[lab.pk]), {"visitor_door": "on", "max_hours": 9999})
    assert response.status_code == 403
    assert not Door.objects.get(pk=lab.pk).visitor_door


def test_reception_ends_a_pass_now_through_the_api(host, lobby):
    client = token_client(RECEPTION)
    start = timezone.now() - timedelta(minutes=5)
    created = api_register(client, host, [lobby], start, start + timedelta(hours=4))
    assert created.status_code == 201, created.content
    ended = client.post(reverse("api:visitor-end", args=[created.json()["id"]]))
    assert ended.status_code == 200, ended.content
    assert datetime.fromisoformat(ended.json()["valid_until"]) <= timezone.now()
    assert OperatorAction.objects.filter(action="visitor pass ended").count() == 1
