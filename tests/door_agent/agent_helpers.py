"""The door agent run for real in the test process: the machine's Mosquitto, gpiozero's mock pins."""

import json
import time
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime

import paho.mqtt.publish as publish
from gpiozero.pins.mock import MockFactory

from doors_agent.agent import Agent
from doors_agent.signing import message_sign
from doors_agent.sim import CONTACT_PIN, EXIT_PIN, RELAY_PIN, TAMPER_PIN, sim_config

SECRET = "agent-test-secret"


def agent_config(tmp_path, prefix, *, door="lab-2", port=1883, **extra):
    """The simulated door's wiring (`doors_agent sim`), on the test's own topics, with short ages and beats."""
    return sim_config(
        door=door,
        port=port,
        secret=SECRET,
        state_dir=tmp_path / "agent-state",
        broker={"command_topic": prefix + "/doors/{door}/command", "report_topic": prefix + "/doors/{door}/report"},
        **{"max_age": 5.0, "heartbeat_seconds": 1.0, **extra},
    )


@contextmanager
def running_agent(config, *, wait_connected=True):
    factory = MockFactory()
    agent = Agent(config, pin_factory=factory)
    # after the agent set its inputs up (pulled up): the door is shut, nothing pressed
    factory.pin(CONTACT_PIN).drive_low()
    factory.pin(EXIT_PIN).drive_high()
    factory.pin(TAMPER_PIN).drive_high()
    agent.start()
    try:
        if wait_connected:
            assert agent.connected.wait(20), "the agent did not connect"
        yield agent, factory
    finally:
        agent.stop()


def command(door="lab-2", command="unlock", seconds=2, issued_at=None, key=None):
    return {
        "door": door,
        "command": command,
        "seconds": seconds,
        "event_id": None,
        "issued_at": (issued_at or datetime.now(UTC)).isoformat(),
        "key": key or str(uuid.uuid4()),
    }


def send(prefix, payload, *, secret=SECRET, door="lab-2", port=1883, raw=None):
    body = json.dumps(payload, separators=(",", ":")).encode()
    message = raw if raw is not None else message_sign(secret=secret, body=body, key=payload["key"])
    publish.single(f"{prefix}/doors/{door}/command", message, qos=1, hostname="127.0.0.1", port=port)


def relay_pulses(factory):
    """[(seconds after the previous change it went on, seconds it stayed on)] from the mock pin's history."""
    states = factory.pin(RELAY_PIN).states
    pulses = []
    for before, after in zip(states, states[1:], strict=False):
        if after.state and not before.state:
            pulses.append([after.timestamp, None])
        elif before.state and not after.state and pulses:
            pulses[-1][1] = after.timestamp
    return [tuple(p) for p in pulses]


def wait_until(check, timeout=10.0, step=0.02):
    deadline = time.time() + timeout
    while time.time() < deadline:
        result = check()
        if result:
            return result
        time.sleep(step)
    return check()


def reports(subscriber, kind=None):
    return [
        p for _, topic, p in subscriber.messages
        if topic.endswith("/report") and p.get("kind") != "heartbeat" and (kind is None or p.get("kind") == kind)
    ]  # fmt: skip
