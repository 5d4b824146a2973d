"""The Shelly and Tasmota adapters against local devices that behave as their documented APIs do."""

import time
import uuid

import paho.mqtt.client as mqtt
import pytest

from doors_agent.outputs import RelayError, ShellyRelay, TasmotaRelay
from tests.door_agent.agent_helpers import wait_until
from tests.door_agent.fake_devices import FakeShelly, FakeTasmota


@pytest.fixture
def shelly():
    device = FakeShelly(switches=2)
    yield device
    device.close()


def test_a_shelly_pulse_is_switch_set_with_toggle_after_and_the_shelly_switches_itself_off(shelly):
    relay = ShellyRelay(url=shelly.url, switch_id=1)
    relay.pulse(1.5)
    assert shelly.requests == [("/rpc/Switch.Set", {"id": "1", "on": "true", "toggle_after": "1.5"})]
    [seconds] = wait_until(lambda: shelly.switches[1].pulses(), timeout=5)
    assert 1.4 <= seconds <= 2.0
    assert shelly.switches[0].history == []


def test_a_shelly_lockdown_switches_off_and_cancels_a_pulse(shelly):
    relay = ShellyRelay(url=shelly.url)
    relay.pulse(5)
    relay.hold(False)
    assert shelly.switches[0].on is False
    time.sleep(0.3)
    assert [on for _, on in shelly.switches[0].history] == [True, False]


def test_a_shelly_that_refuses_or_is_unreachable_raises_a_relay_error(shelly):
    with pytest.raises(RelayError):
        ShellyRelay(url=shelly.url, switch_id=7).pulse(1)  # no such switch: 400
    with pytest.raises(RelayError):
        ShellyRelay(url="http://127.0.0.1:9", timeout=0.5).pulse(1)


@pytest.fixture
def tasmota():
    device = FakeTasmota(f"door-{uuid.uuid4().hex[:6]}")
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    client.connect("127.0.0.1", 1883)
    client.loop_start()
    yield device, client
    client.loop_stop()
    client.disconnect()
    device.close()


def test_tasmota_pulse_time_uses_tenths_up_to_11_1_seconds_then_seconds_plus_100():
    assert [TasmotaRelay.pulse_time(s) for s in (0.5, 2, 11.1, 12, 300)] == [5, 20, 111, 112, 400]


def test_a_tasmota_pulse_sets_pulsetime_then_power_on_and_the_device_switches_itself_off(tasmota):
    device, client = tasmota
    TasmotaRelay(client=client, topic=device.topic).pulse(1.5)
    assert wait_until(lambda: device.commands == [("PULSETIME1", "15"), ("POWER1", "ON")], timeout=5)
    [seconds] = wait_until(lambda: device.relays[1].pulses(), timeout=5)
    assert 1.4 <= seconds <= 2.0


def test_a_tasmota_lockdown_clears_the_pulse_and_switches_off(tasmota):
    device, client = tasmota
    relay = TasmotaRelay(client=client, topic=device.topic)
    relay.pulse(5)
    relay.hold(False)
    assert wait_until(lambda: len(device.commands) == 4, timeout=5)
    assert device.commands[2:] == [("PULSETIME1", "0"), ("POWER1", "OFF")]
    time.sleep(0.3)
    assert device.relays[1].on is False
