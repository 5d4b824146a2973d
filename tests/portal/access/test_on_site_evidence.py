"""Who is on site, with the doors' own evidence: a granted passage the door never opened for did not
happen, and what no reader names (exit-button exits, forced openings) is shown beside the lists."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.access.door_reports import door_report_record
from portal.access.models import DoorCommand
from portal.access.selectors import zone_door_evidence, zone_on_site
from portal.access.services import access_attempt_decide
from portal.accounts.roles import SECURITY
from tests.factories import make_person, make_user
from tests.portal.access.helpers import door_with_kiosk, grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def doors(settings):
    # a channel, so that a granted attempt writes the unlock the agent acts on (never delivered here)
    settings.DOOR_MQTT_HOST, settings.DOOR_WEBHOOK_URL = "127.0.0.1", ""
    entry, entry_kiosk, _ = door_with_kiosk("Lab 2", controller_id="lab-2", unlock_seconds=2)
    exit_door, exit_kiosk, _ = door_with_kiosk("Lab 2 exit", side="exit", controller_id="lab-2-exit", unlock_seconds=2)
    return entry, entry_kiosk, exit_door, exit_kiosk


@pytest.fixture
def ana(doors):
    ana = make_person("Ana", employee_id="A-1")
    grant(ana, zones=[doors[0].zone], any_time=True, closed_on_holidays=False)
    return ana


def agent_says(door, kind, at, key, **fields):
    """A verified report from the door's agent, received a moment after `at`."""
    report = {"door": door.controller_id, "kind": kind, "at": at.isoformat(), **fields}
    return door_report_record(address=door.controller_id, report=report, key=key, received_at=at + timedelta(seconds=1))


def passage(door, kiosk, person, at, *, opened):
    """A granted attempt; the agent acts on its unlock, and the door opens a second later or never."""
    event = access_attempt_decide(door=door, side=kiosk.door_side, at=at, person=person, kiosk=kiosk)
    command = DoorCommand.objects.get(event=event)
    agent_says(
        door,
        "command",
        at,
        f"acted-{event.pk}",
        command="unlock",
        result="acted",
        command_key=str(command.key),
        seconds=2,
    )
    if opened:
        agent_says(door, "contact", at + timedelta(seconds=1), f"open-{event.pk}", state="open")
        agent_says(door, "contact", at + timedelta(seconds=3), f"closed-{event.pk}", state="closed")
    return event


def test_a_granted_exit_the_door_never_opened_for_leaves_the_person_on_site(doors, ana):
    entry, entry_kiosk, exit_door, exit_kiosk = doors
    now = timezone.now()
    for door in (entry, exit_door):  # both agents report their door contact
        agent_says(door, "contact", now - timedelta(hours=1), f"start-{door.pk}", state="closed")
    passage(entry, entry_kiosk, ana, now - timedelta(minutes=10), opened=True)
    passage(exit_door, exit_kiosk, ana, now - timedelta(minutes=5), opened=False)
    assert [e.person for e in zone_on_site(zone=entry.zone, now=now)] == [ana]
    # the next time she goes out, the door opens: she is out
    passage(exit_door, exit_kiosk, ana, now - timedelta(minutes=2), opened=True)
    assert zone_on_site(zone=entry.zone, now=now) == []


def test_a_granted_entry_the_door_never_opened_for_does_not_put_anyone_inside(client, doors, ana):
    entry, entry_kiosk, _, _ = doors
    now = timezone.now()
    agent_says(entry, "contact", now - timedelta(hours=1), "start", state="closed")
    passage(entry, entry_kiosk, ana, now - timedelta(minutes=5), opened=False)
    assert zone_on_site(zone=entry.zone, now=now) == []
    client.force_login(make_user("guard", role=SECURITY))
    assert "Research: 0 inside" in client.get(reverse("access-muster")).content.decode()


def test_a_door_without_a_contact_sensor_says_nothing_about_opening(client, doors, ana):
    """An agent that acts on unlocks but reports no contact cannot tell 'not opened': the passage counts."""
    entry, entry_kiosk, _, _ = doors
    passage(entry, entry_kiosk, ana, timezone.now() - timedelta(minutes=5), opened=False)
    assert [e.person for e in zone_on_site(zone=entry.zone)] == [ana]
    client.force_login(make_user("guard", role=SECURITY))
    assert "not opened" not in client.get(reverse("access-log")).content.decode()


def test_exit_button_exits_and_forced_openings_are_shown_beside_the_on_site_and_muster_lists(client, doors, ana):
    entry, entry_kiosk, exit_door, _ = doors
    now = timezone.now()
    agent_says(exit_door, "contact", now - timedelta(hours=1), "start", state="closed")
    passage(entry, entry_kiosk, ana, now - timedelta(minutes=30), opened=True)
    # an exit before anyone listed came in is nobody's; two presses a second apart are one exit
    agent_says(exit_door, "exit", now - timedelta(minutes=40), "x-0", state="pressed")
    for key, minutes_ago, seconds in (("x-1", 20, 0), ("x-2", 20, 1), ("x-3", 10, 0)):
        agent_says(exit_door, "exit", now - timedelta(minutes=minutes_ago, seconds=-seconds), key, state="pressed")
    # opened with no unlock, no exit press, no operator: forced
    agent_says(exit_door, "contact", now - timedelta(minutes=3), "forced", state="open")
    later = timezone.now()  # the alert's own time is the portal's, just now
    evidence = zone_door_evidence(zone=entry.zone, inside=zone_on_site(zone=entry.zone, now=later), now=later)
    assert (evidence.exit_presses, evidence.exit_doors) == (2, ("Lab 2 exit",))
    assert [door for door, _ in evidence.forced] == ["Lab 2 exit"]
    client.force_login(make_user("guard", role=SECURITY))
    for name in ("access-on-site", "access-muster"):
        page = client.get(reverse(name)).content.decode()
        assert "Lab 2 exit was forced open at" in page and "someone not listed may be inside" in page
        assert "The exit button was used 2 times since the first listed entry (Lab 2 exit" in page
        assert "Ana" in page
    # the API says the same
    from tests.portal.api.conftest import token_client

    [zone] = token_client(SECURITY).get(reverse("api:access-on-site")).json()
    assert [p["name"] for p in zone["people"]] == ["Ana"] and zone["exit_button_exits"] == 2
    assert [f["door"] for f in zone["forced_open"]] == ["Lab 2 exit"]


def test_a_zone_whose_doors_saw_nothing_unnamed_shows_no_warning(client, doors, ana):
    entry, entry_kiosk, _, _ = doors
    passage(entry, entry_kiosk, ana, timezone.now() - timedelta(minutes=5), opened=True)
    client.force_login(make_user("guard", role=SECURITY))
    page = client.get(reverse("access-on-site")).content.decode()
    assert "door-evidence" not in page and "Ana" in page
