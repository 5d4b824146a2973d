"""The broker ACL of docs/door-agent.md on a private Mosquitto: who may publish and read door topics."""

import subprocess
import time
import uuid
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from tests.portal.access.mqtt_helpers import PrivateBroker, free_port

ACL = Path(__file__).resolve().parents[2] / "door-agent" / "mosquitto" / "acl.conf"
USERS = ("portal", "lab-2", "lab-3", "kiosk")


def test_the_documented_acl_is_the_file_shipped_with_the_agent():
    docs = (ACL.parents[2] / "docs" / "door-agent.md").read_text()
    block = docs.split("<!-- broker-acl -->")[1].split("<!-- /broker-acl -->")[0]
    assert block.strip().strip("`").strip() == ACL.read_text().strip()


@pytest.fixture
def broker(tmp_path):
    passwords = tmp_path / "passwords"
    for i, user in enumerate(USERS):
        subprocess.run(
            ["mosquitto_passwd", "-b", *(["-c"] if i == 0 else []), str(passwords), user, f"{user}-pw"], check=True
        )
    port = free_port()
    server = PrivateBroker(port, tmp_path)
    server.config.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous false\npassword_file {passwords}\nacl_file {ACL}\nuser root\n"
    )
    server.start()
    yield port
    server.stop()


class Client:
    def __init__(self, port, user, subscribe=()):
        self.received = []
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"{user}-{uuid.uuid4().hex[:6]}")
        if user:
            self.client.username_pw_set(user, f"{user}-pw")
        self.refused = None
        subscribed = []

        def connected(client, userdata, flags, reason_code, properties):
            self.refused = reason_code.is_failure
            for topic in subscribe:
                client.subscribe(topic, qos=1)

        self.client.on_connect = connected
        self.client.on_subscribe = lambda *args: subscribed.append(1)
        self.client.on_message = lambda c, u, m: self.received.append((m.topic, m.payload))
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        deadline = time.time() + 10
        while time.time() < deadline and (self.refused is None or len(subscribed) < len(subscribe)):
            if self.refused:
                break
            time.sleep(0.02)

    def publish(self, topic, payload=b"x"):
        self.client.publish(topic, payload, qos=1).wait_for_publish(5)

    def close(self):
        self.client.loop_stop()
        self.client.disconnect()


def test_only_the_portal_publishes_commands_and_each_agent_reads_only_its_own(broker):
    lab2 = Client(broker, "lab-2", subscribe=["portal/doors/lab-2/command"])
    lab3 = Client(broker, "lab-3", subscribe=["portal/doors/lab-3/command", "portal/doors/lab-2/command"])
    portal = Client(broker, "portal")
    kiosk = Client(broker, "kiosk")
    try:
        kiosk.publish("portal/doors/lab-3/command", b"kiosk forgery")
        lab2.publish("portal/doors/lab-3/command", b"lab-2 forgery")
        portal.publish("portal/doors/lab-2/command", b"for lab-2")
        portal.publish("portal/doors/lab-3/command", b"for lab-3")
        deadline = time.time() + 5
        while time.time() < deadline and not (lab2.received and lab3.received):
            time.sleep(0.05)
        time.sleep(0.5)
        assert lab2.received == [("portal/doors/lab-2/command", b"for lab-2")]
        assert lab3.received == [("portal/doors/lab-3/command", b"for lab-3")]  # nothing forged, nothing of lab-2's
    finally:
        for client in (lab2, lab3, portal, kiosk):
            client.close()


def test_an_agent_reports_only_for_its_own_door_and_anonymous_clients_are_refused(broker):
    portal = Client(broker, "portal", subscribe=["portal/doors/+/report"])
    lab2 = Client(broker, "lab-2")
    try:
        lab2.publish("portal/doors/lab-3/report", b"pretending to be lab-3")
        lab2.publish("portal/doors/lab-2/report", b"lab-2 report")
        deadline = time.time() + 5
        while time.time() < deadline and not portal.received:
            time.sleep(0.05)
        time.sleep(0.5)
        assert portal.received == [("portal/doors/lab-2/report", b"lab-2 report")]
        anonymous = Client(broker, None)
        assert anonymous.refused is True
        anonymous.close()
    finally:
        portal.close()
        lab2.close()
