"""The whole loop: a granted kiosk attempt (real dlib, real photos) opens the agent's relay
through the machine's Mosquitto, for the door's unlock seconds."""

import pytest

from tests import photos
from tests.door_agent.agent_helpers import SECRET, agent_config, relay_pulses, reports, running_agent, wait_until
from tests.factories import enrolled
from tests.portal.access.helpers import door_with_kiosk, grant
from tests.portal.access.mqtt_helpers import Subscriber
from tests.portal.kiosks.kiosk_helpers import attempt, kiosk_frame


@pytest.fixture
def loop(settings, tmp_path):
    subscriber = Subscriber()
    settings.KIOSK_RESULT_WAIT_SECONDS = 0
    settings.DOOR_WEBHOOK_URL = ""
    settings.DOOR_MQTT_HOST, settings.DOOR_MQTT_PORT = "127.0.0.1", 1883
    settings.DOOR_MQTT_TOPIC = subscriber.topic
    settings.DOOR_MQTT_SECRET = SECRET
    try:
        with running_agent(agent_config(tmp_path, subscriber.prefix, door="lab-2")) as (agent, factory):
            yield subscriber, factory
    finally:
        subscriber.close()


def test_a_granted_kiosk_attempt_pulses_the_agents_relay_for_the_doors_unlock_seconds(
    client, db, loop, django_capture_on_commit_callbacks
):
    subscriber, factory = loop
    obama = enrolled("Barack Obama", photos.OBAMA_2, employee_id="1042")
    door, _, token = door_with_kiosk("Lab 2", unlock_seconds=2, controller_id="lab-2")
    grant(obama, doors=[door], any_time=True, closed_on_holidays=False)
    frames = [kiosk_frame(photos.OBAMA, shift=(i * 3, 0)) for i in range(3)]
    answer = attempt(client, token, frames, django_capture_on_commit_callbacks).json()
    assert answer["outcome"] == "door_open"
    [(_, seconds)] = wait_until(lambda: [p for p in relay_pulses(factory) if p[1] is not None], timeout=15)
    assert 1.9 <= seconds <= 2.6, seconds
    [acted] = wait_until(lambda: reports(subscriber, "command"))
    assert acted["result"] == "acted" and acted["door"] == "lab-2"


def test_a_stranger_refused_at_the_kiosk_opens_nothing(client, db, loop, django_capture_on_commit_callbacks):
    subscriber, factory = loop
    enrolled("Barack Obama", photos.OBAMA_2, employee_id="1042")
    door, _, token = door_with_kiosk("Lab 2", unlock_seconds=2, controller_id="lab-2")
    frames = [kiosk_frame(photos.OBAMA, shift=(i * 3, 0)) for i in range(3)]  # known, but no access
    answer = attempt(client, token, frames, django_capture_on_commit_callbacks).json()
    assert answer["outcome"] != "door_open"
    import time

    time.sleep(1.0)
    assert relay_pulses(factory) == [] and reports(subscriber, "command") == []
