"""Door agents' reports in the portal: a real agent on mock pins, the machine's Mosquitto, the listener.

The listener's MQTT thread only queues; its `step()` (run here in the test's thread, as the
`doors listen` process runs it in its main thread) verifies, writes and checks the alarms.
"""

import time
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from doors_agent.sim import CONTACT_PIN, EXIT_PIN
from portal.access.door_reports import ReportRefused, door_alarms_check, door_report_record
from portal.access.listener import ReportListener
from portal.access.models import AccessEvent, Alert, DoorReport, DoorStatus
from portal.access.services import access_attempt_decide
from tests.door_agent.agent_helpers import SECRET, agent_config, running_agent
from tests.factories import make_person, make_user
from tests.portal.access.helpers import door_with_kiosk, grant
from tests.portal.access.mqtt_helpers import PrivateBroker, free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def lab(db):
    door, kiosk, _ = door_with_kiosk("Lab 2", unlock_seconds=2, controller_id="lab-2", held_open_seconds=3)
    return door, kiosk


@pytest.fixture
def mqtt(settings):
    prefix = f"reports-{time.time_ns()}"
    settings.DOOR_MQTT_HOST, settings.DOOR_MQTT_PORT, settings.DOOR_MQTT_SECRET = "127.0.0.1", 1883, SECRET
    settings.DOOR_MQTT_TOPIC = prefix + "/doors/{door}/command"
    settings.DOOR_MQTT_REPORT_TOPIC = prefix + "/doors/{door}/report"
    settings.DOOR_WEBHOOK_URL = ""
    return prefix


def until(listener, check, timeout=15.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        listener.step(wait=0.05)
        if check():
            return True
    return check()


@pytest.fixture
def listening(mqtt, lab, tmp_path):
    listener = ReportListener(holder="test-listener")
    listener.step(wait=0)
    assert listener.held and listener.subscribed.wait(10)
    with running_agent(agent_config(tmp_path, mqtt)) as (agent, factory):
        # the agent's state at start arrives first
        assert until(listener, lambda: DoorStatus.objects.filter(door=lab[0], contact="closed").exists())
        yield listener, agent, factory
    listener._disconnect()


def ana_let_in(listener, door, kiosk, django_capture_on_commit_callbacks):
    """Ana, allowed through the door at any time, is granted at its kiosk; the agent reports the unlock done."""
    ana = make_person("Ana", employee_id="ana")
    grant(ana, doors=[door], any_time=True, closed_on_holidays=False)
    with django_capture_on_commit_callbacks(execute=True):  # the unlock goes out once the decision commits
        access_attempt_decide(door=door, side="entry", at=timezone.now(), person=ana, kiosk=kiosk)
    assert until(listener, lambda: DoorReport.objects.filter(kind="command", result="acted").exists())


def test_a_door_opened_with_no_unlock_is_forced_open_on_the_doors_page(listening, lab, client):
    listener, agent, factory = listening
    factory.pin(CONTACT_PIN).drive_high()
    assert until(listener, lambda: Alert.objects.filter(kind="door_forced_open").exists())
    assert DoorStatus.objects.get(door=lab[0]).alarm == "forced"
    client.force_login(make_user("guard", role="security"))
    page = client.get(reverse("access-door-states")).content.decode()
    assert "forced open" in page and "online" in page
    assert "Lab 2 was forced open" in client.get(reverse("access-doors")).content.decode()


def test_a_granted_attempt_opens_the_door_without_an_alarm_and_the_log_says_how_soon(
    listening, lab, client, django_capture_on_commit_callbacks
):
    listener, agent, factory = listening
    door, kiosk = lab
    ana_let_in(listener, door, kiosk, django_capture_on_commit_callbacks)
    factory.pin(CONTACT_PIN).drive_high()  # the person pushes the door
    assert until(listener, lambda: DoorStatus.objects.filter(door=door, contact="open").exists())
    factory.pin(CONTACT_PIN).drive_low()
    assert until(listener, lambda: DoorStatus.objects.filter(door=door, contact="closed").exists())
    assert DoorStatus.objects.get(door=door).alarm == ""
    assert not Alert.objects.filter(kind__in=["door_forced_open", "door_held_open"]).exists()
    client.force_login(make_user("guard", role="security"))
    page = client.get(reverse("access-log")).content.decode()
    assert "door opened" in page and "s later" in page


def test_a_door_left_open_after_an_exit_press_is_held_open_after_its_seconds(listening, lab):
    listener, agent, factory = listening
    factory.pin(EXIT_PIN).drive_low()
    factory.pin(EXIT_PIN).drive_high()
    factory.pin(CONTACT_PIN).drive_high()
    assert until(listener, lambda: DoorStatus.objects.filter(door=lab[0], contact="open").exists())
    assert DoorStatus.objects.get(door=lab[0]).alarm == ""  # the exit button allowed it
    assert until(listener, lambda: Alert.objects.filter(kind="door_held_open").exists(), timeout=20)
    assert DoorStatus.objects.get(door=lab[0]).alarm == "held"
    assert not Alert.objects.filter(kind="door_forced_open").exists()


def test_a_granted_attempt_the_door_never_opens_for_says_not_opened(
    listening, lab, client, django_capture_on_commit_callbacks
):
    listener, agent, factory = listening
    door, kiosk = lab
    ana_let_in(listener, door, kiosk, django_capture_on_commit_callbacks)
    client.force_login(make_user("guard", role="security"))
    AccessEvent.objects.update(at=timezone.now() - timedelta(seconds=30))  # its window is over
    DoorReport.objects.update(
        at=timezone.now() - timedelta(seconds=30), received_at=timezone.now() - timedelta(seconds=30)
    )
    assert "not opened" in client.get(reverse("access-log")).content.decode()


def report(kind, **fields):
    return {"door": "lab-2", "kind": kind, "at": datetime.now(UTC).isoformat(), **fields}


def test_the_same_report_twice_is_taken_once_and_a_report_for_another_door_is_refused(lab):
    assert door_report_record(address="lab-2", report=report("contact", state="open"), key="a-1") is not None
    assert door_report_record(address="lab-2", report=report("contact", state="open"), key="a-1") is None
    assert DoorReport.objects.count() == 1
    with pytest.raises(ReportRefused):
        door_report_record(address="lab-3", report=report("contact", state="open"), key="a-2")
    with pytest.raises(ReportRefused):
        door_report_record(address="lab-2", report={**report("contact"), "at": "yesterday"}, key="a-3")


def test_an_open_door_is_held_only_after_its_seconds_and_an_operator_unlock_is_never_forced(lab, settings):
    door, _ = lab
    door_report_record(address="lab-2", report=report("contact", state="open"), key="b-1")
    assert DoorStatus.objects.get(door=door).alarm == "forced"
    door_report_record(address="lab-2", report=report("contact", state="closed"), key="b-2")
    door.state = "unlocked"
    door.save()
    door_report_record(address="lab-2", report=report("contact", state="open"), key="b-3")
    assert DoorStatus.objects.get(door=door).alarm == ""
    assert door_alarms_check(now=timezone.now() + timedelta(seconds=60)) == []  # held open on purpose


def test_reports_an_agent_sends_before_the_listener_is_back_from_a_broker_restart_are_not_lost(
    mqtt, settings, lab, tmp_path
):
    port = free_port()
    broker = PrivateBroker(port, tmp_path).start()
    settings.DOOR_MQTT_PORT = port
    listener = ReportListener(holder="test-listener")
    listener.step(wait=0)
    assert listener.subscribed.wait(10)
    with running_agent(agent_config(tmp_path, mqtt, port=port)) as (agent, factory):
        assert until(listener, lambda: DoorStatus.objects.filter(door=lab[0], contact="closed").exists())
        listener.client.loop_stop()  # the portal's listener is slow to come back (a loaded machine)
        broker.stop()
        broker.start()
        factory.pin(CONTACT_PIN).drive_high()
        deadline = time.time() + 60
        while agent.queue.pending() and time.time() < deadline:  # the broker took the report from the agent
            time.sleep(0.1)
        assert not agent.queue.pending()
        listener.client.loop_start()
        assert until(listener, lambda: DoorReport.objects.filter(kind="contact", state="open").exists(), timeout=60)
    listener._disconnect()
    broker.stop()


def test_the_agent_offline_is_shown_offline_and_its_reports_arrive_in_order_afterwards(
    mqtt, settings, lab, tmp_path, client
):
    port = free_port()
    broker = PrivateBroker(port, tmp_path).start()
    settings.DOOR_MQTT_PORT = port
    listener = ReportListener(holder="test-listener")
    listener.step(wait=0)
    assert listener.subscribed.wait(10)
    client.force_login(make_user("guard", role="security"))
    states = reverse("access-door-states")
    with running_agent(agent_config(tmp_path, mqtt, port=port)) as (agent, factory):
        assert until(listener, lambda: DoorStatus.objects.filter(door=lab[0], contact="closed").exists())
        assert "online" in client.get(states).content.decode()
        broker.stop()
        down = time.time()
        for _ in range(3):  # the door moves while the network is away
            factory.pin(CONTACT_PIN).drive_high()
            factory.pin(CONTACT_PIN).drive_low()
        while time.time() - down < 31:
            listener.step(wait=0.5)
        assert "offline" in client.get(states).content.decode()
        broker.start()
        assert until(listener, lambda: DoorReport.objects.filter(kind="contact").count() == 7, timeout=60)
        assert until(listener, lambda: "online" in client.get(states).content.decode(), timeout=30)
    listener._disconnect()
    broker.stop()
    contacts = DoorReport.objects.filter(kind="contact").order_by("received_at", "id")
    assert [r.state for r in contacts] == ["closed"] + ["open", "closed"] * 3
    assert [r.at for r in contacts] == sorted(r.at for r in contacts)
    # each opening was forced (no unlock), and said so even though it arrived late
    assert Alert.objects.filter(kind="door_forced_open").count() >= 1


def test_a_report_that_does_not_verify_is_refused(mqtt, lab):
    listener = ReportListener(holder="test-listener")
    listener._take(f"{mqtt}/doors/lab-2/report", b'{"door":"lab-2","kind":"contact","state":"open"}', timezone.now())
    assert (listener.taken, listener.refused) == (0, 1)
    assert not DoorReport.objects.exists()


def test_a_second_listener_waits_while_the_first_holds_the_lease(mqtt, lab):
    first, second = ReportListener(holder="one"), ReportListener(holder="two")
    first.step(wait=0)
    second.step(wait=0)
    assert (first.held, second.held) == (True, False)
    first._disconnect()


def test_a_forced_opening_reaches_the_alert_webhook_signed(lab, settings, django_capture_on_commit_callbacks):
    from tests.portal.access.controllers import Receiver

    receiver = Receiver("alert-secret")
    settings.ALERT_WEBHOOK_URL, settings.ALERT_WEBHOOK_SECRET = receiver.url, "alert-secret"
    try:
        with django_capture_on_commit_callbacks(execute=True):
            door_report_record(address="lab-2", report=report("contact", state="open"), key="c-1")
        deadline = time.time() + 15
        while time.time() < deadline and not receiver.arrivals:
            time.sleep(0.05)
        [(_, payload)] = receiver.arrivals
        assert payload["kind"] == "door_forced_open" and payload["door"] == "lab-2"
        assert "forced open" in payload["message"]
    finally:
        receiver.close()
