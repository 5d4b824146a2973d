"""Lock outputs: one small class per kind of relay, behind pulse() and hold().

pulse(seconds): unlock for that long, then lock again by itself (the relay's
own timer where it has one, so that the door relocks even if this program
dies mid-pulse). hold(unlocked): lock now, cancelling a pulse (a lockdown),
or stay unlocked (fail-safe on a fire input or at exit).
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

log = logging.getLogger(__name__)


class RelayError(Exception):
    pass


class Relay:
    kind = ""

    def pulse(self, seconds: float) -> None:
        raise NotImplementedError

    def hold(self, unlocked: bool) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


class LogRelay(Relay):
    """No hardware: says what it would do. For trials, and the simulated door."""

    kind = "log"

    def __init__(self, name="relay"):
        self.name = name
        self.unlocked = False
        self.unlocked_until = 0.0
        self._timer = None
        self._lock = threading.Lock()

    def pulse(self, seconds):
        with self._lock:
            self._cancel()
            self.unlocked, self.unlocked_until = True, time.time() + seconds
            self._timer = threading.Timer(seconds, self._relock)
            self._timer.daemon = True
            self._timer.start()
        log.info("%s: unlocked for %.1f s", self.name, seconds)

    def hold(self, unlocked):
        with self._lock:
            self._cancel()
            self.unlocked, self.unlocked_until = unlocked, 0.0
        log.info("%s: held %s", self.name, "unlocked" if unlocked else "locked")

    def _relock(self):
        with self._lock:
            self.unlocked = False
        log.info("%s: locked", self.name)

    def _cancel(self):
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def close(self):
        with self._lock:
            self._cancel()


class GpioRelay(Relay):
    """A relay on a GPIO pin, through gpiozero (any of its pin factories, the mock one in tests).

    The pulse's end is a timer in this process: a Raspberry Pi relay has no
    timer of its own. The pin starts and ends low (locked) unless fail-safe
    asks otherwise.
    """

    kind = "gpio"

    def __init__(self, *, pin, active_high=True, pin_factory=None):
        from gpiozero import OutputDevice

        self.device = OutputDevice(pin, active_high=active_high, initial_value=False, pin_factory=pin_factory)
        self._timer = None
        self._lock = threading.Lock()

    def pulse(self, seconds):
        with self._lock:
            self._cancel()
            self.device.on()
            self._timer = threading.Timer(seconds, self._off)
            self._timer.daemon = True
            self._timer.start()

    def _off(self):
        with self._lock:
            self.device.off()

    def hold(self, unlocked):
        with self._lock:
            self._cancel()
            self.device.value = bool(unlocked)

    def _cancel(self):
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def close(self):
        with self._lock:
            self._cancel()
        self.device.close()


class ShellyRelay(Relay):
    """A Shelly Gen2+ relay over its HTTP RPC: `Switch.Set` with `toggle_after`, so the
    Shelly switches itself off after the pulse even if this agent is gone."""

    kind = "shelly"

    def __init__(self, *, url, switch_id=0, timeout=2.0, password=None):
        self.url, self.switch_id, self.timeout = url.rstrip("/"), switch_id, timeout

    def _call(self, **params):
        query = urllib.parse.urlencode({"id": self.switch_id, **params})
        try:
            with urllib.request.urlopen(f"{self.url}/rpc/Switch.Set?{query}", timeout=self.timeout) as response:
                answer = json.loads(response.read() or b"{}")
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise RelayError(f"Shelly {self.url}: {exc}") from None
        if not isinstance(answer, dict) or "was_on" not in answer:
            raise RelayError(f"Shelly {self.url}: unexpected answer {answer!r}")
        return answer

    def pulse(self, seconds):
        self._call(on="true", toggle_after=f"{max(seconds, 0.1):g}")

    def hold(self, unlocked):
        self._call(on="true" if unlocked else "false")


class TasmotaRelay(Relay):
    """A Tasmota relay over MQTT: `cmnd/<topic>/PulseTime<n>` then `cmnd/<topic>/POWER<n> ON`;
    the device switches itself off after PulseTime."""

    kind = "tasmota"

    def __init__(self, *, client, topic, relay=1):
        self.client, self.topic, self.relay = client, topic, relay

    @staticmethod
    def pulse_time(seconds: float) -> int:
        """Tasmota's encoding: 1-111 are tenths of a second, 112-64900 are seconds plus 100."""
        if seconds <= 11.1:
            return max(1, round(seconds * 10))
        return min(64900, round(seconds) + 100)

    def _send(self, command, value):
        info = self.client.publish(f"cmnd/{self.topic}/{command}{self.relay}", str(value), qos=1)
        if info.rc != 0:
            raise RelayError(f"Tasmota {self.topic}: publish failed ({info.rc})")

    def pulse(self, seconds):
        self._send("PulseTime", self.pulse_time(seconds))
        self._send("POWER", "ON")

    def hold(self, unlocked):
        self._send("PulseTime", 0)  # no self-timed end: held
        self._send("POWER", "ON" if unlocked else "OFF")


def relay_build(spec: dict, *, client=None, pin_factory=None, name="relay") -> Relay:
    kind = spec.get("kind", "log")
    if kind == "log":
        return LogRelay(name)
    if kind == "gpio":
        return GpioRelay(pin=spec["pin"], active_high=spec.get("active_high", True), pin_factory=pin_factory)
    if kind == "shelly":
        return ShellyRelay(url=spec["url"], switch_id=spec.get("id", 0), timeout=spec.get("timeout", 2.0))
    if kind == "tasmota":
        return TasmotaRelay(client=client, topic=spec["topic"], relay=spec.get("relay", 1))
    raise ValueError(f"unknown relay kind {kind!r} (log, gpio, shelly, tasmota)")
