"""The agent for real: signed commands over the machine's Mosquitto, a relay on gpiozero's mock pins."""

import time
from datetime import UTC, datetime, timedelta

import pytest

from doors_agent.signing import signature_verify
from tests.door_agent.agent_helpers import (
    SECRET,
    agent_config,
    command,
    relay_pulses,
    reports,
    running_agent,
    send,
    wait_until,
)
from tests.portal.access.mqtt_helpers import PrivateBroker, Subscriber, free_port


@pytest.fixture
def world(tmp_path):
    subscriber = Subscriber()
    try:
        with running_agent(agent_config(tmp_path, subscriber.prefix)) as (agent, factory):
            yield subscriber, agent, factory
    finally:
        subscriber.close()


def results(subscriber):
    return [(r["command"], r["result"]) for r in reports(subscriber, "command")]


def test_an_unlock_pulses_the_relay_for_its_seconds_and_is_reported(world):
    subscriber, agent, factory = world
    payload = command(seconds=2)
    send(subscriber.prefix, payload)
    [(_, seconds)] = wait_until(lambda: [p for p in relay_pulses(factory) if p[1] is not None], timeout=10)
    assert 1.9 <= seconds <= 2.5, seconds
    wait_until(lambda: results(subscriber))
    [report] = reports(subscriber, "command")
    assert (report["result"], report["command_key"], report["door"]) == ("acted", payload["key"], "lab-2")


def test_a_stale_command_is_not_acted_on_and_said_so(world):
    subscriber, agent, factory = world
    send(subscriber.prefix, command(issued_at=datetime.now(UTC) - timedelta(seconds=6)))
    assert wait_until(lambda: results(subscriber)) == [("unlock", "stale")]
    assert relay_pulses(factory) == []


def test_a_replayed_key_acts_once(world):
    subscriber, agent, factory = world
    payload = command(seconds=1)
    send(subscriber.prefix, payload)
    send(subscriber.prefix, payload)
    assert wait_until(lambda: len(results(subscriber)) == 2 and results(subscriber)) == [
        ("unlock", "acted"),
        ("unlock", "replayed"),
    ]
    time.sleep(1.5)
    assert len(relay_pulses(factory)) == 1


def test_lockdown_ignores_unlocks_until_release(world):
    subscriber, agent, factory = world
    send(subscriber.prefix, command(command="lockdown", seconds=0))
    send(subscriber.prefix, command(seconds=1))
    wait_until(lambda: len(results(subscriber)) == 2)
    send(subscriber.prefix, command(command="release", seconds=0))
    send(subscriber.prefix, command(seconds=1))
    assert wait_until(lambda: len(results(subscriber)) == 4 and results(subscriber)) == [
        ("lockdown", "acted"),
        ("unlock", "locked_down"),
        ("release", "acted"),
        ("unlock", "acted"),
    ]
    assert wait_until(lambda: len(relay_pulses(factory)) == 1)


def test_a_forged_or_unsigned_command_is_ignored(world):
    subscriber, agent, factory = world
    send(subscriber.prefix, command(), secret="a guess")
    send(subscriber.prefix, command(), raw=b'{"door":"lab-2","command":"unlock","seconds":60}')
    assert wait_until(lambda: results(subscriber)) == [("", "bad_signature")]  # said once, not per message
    time.sleep(0.5)
    assert relay_pulses(factory) == []


def test_door_inputs_are_reported_signed_in_order_with_the_agents_time(world):
    subscriber, agent, factory = world
    from doors_agent.sim import CONTACT_PIN, EXIT_PIN, TAMPER_PIN

    wait_until(lambda: reports(subscriber, "contact"))  # the state at start
    factory.pin(CONTACT_PIN).drive_high()  # opened
    factory.pin(CONTACT_PIN).drive_low()  # closed
    factory.pin(EXIT_PIN).drive_low()
    factory.pin(EXIT_PIN).drive_high()
    factory.pin(TAMPER_PIN).drive_low()
    wait_until(lambda: len(reports(subscriber, "tamper")) == 2)
    got = [(r["kind"], r["state"]) for r in reports(subscriber)]
    assert got == [
        ("contact", "closed"),  # the states at start
        ("tamper", "off"),
        ("contact", "open"),
        ("contact", "closed"),
        ("exit", "pressed"),
        ("tamper", "on"),
    ]
    seqs = [r["seq"] for r in reports(subscriber)]
    assert seqs == sorted(seqs)
    assert all(abs(datetime.fromisoformat(r["at"]).timestamp() - time.time()) < 30 for r in reports(subscriber))
    assert wait_until(lambda: relay_pulses(factory))  # the exit button opened the door locally
    # every report verifies with the same function the agent uses for commands
    import json

    for header, (_, _, payload) in zip(subscriber.signatures, subscriber.messages, strict=True):
        body = json.dumps(payload, separators=(",", ":")).encode()
        assert signature_verify(secret=SECRET, header=header, body=body) is not None


def test_reports_made_while_the_broker_is_down_arrive_in_order_when_it_is_back(tmp_path):
    from doors_agent.sim import CONTACT_PIN

    port = free_port()
    broker = PrivateBroker(port, tmp_path)  # not started: the network is down
    prefix = "outage-test"
    with running_agent(agent_config(tmp_path, prefix, port=port), wait_connected=False) as (agent, factory):
        for _ in range(5):
            factory.pin(CONTACT_PIN).drive_high()
            factory.pin(CONTACT_PIN).drive_low()
        assert len(agent.queue.pending()) == 12  # the states at start, then five openings and closings
        broker.start()
        try:
            subscriber = Subscriber(port=port, prefix=prefix)
            try:
                assert wait_until(lambda: len(reports(subscriber, "contact")) >= 11, timeout=30)
                got = reports(subscriber, "contact")
                assert [r["state"] for r in got] == ["closed"] + ["open", "closed"] * 5
                assert [r["seq"] for r in got] == [1] + list(range(3, 13))
                assert wait_until(lambda: agent.queue.pending() == [])
            finally:
                subscriber.close()
        finally:
            broker.stop()
