"""Door inputs: the contact, the request-to-exit button, tamper, a fire signal.

Each input calls `changed(active: bool)` on every change. From a GPIO pin
(gpiozero), or from the MQTT state topic of an existing sensor (a Zigbee or
Shelly door sensor publishing JSON).
"""

from __future__ import annotations

import json
import logging

log = logging.getLogger(__name__)


class GpioInput:
    """A switch on a pin, pulled up by default: closed (to ground) is active."""

    def __init__(self, *, pin, changed, pull_up=True, bounce_time=None, pin_factory=None):
        from gpiozero import DigitalInputDevice

        self.device = DigitalInputDevice(pin, pull_up=pull_up, bounce_time=bounce_time, pin_factory=pin_factory)
        self.device.when_activated = lambda: changed(True)
        self.device.when_deactivated = lambda: changed(False)

    @property
    def active(self):
        return bool(self.device.is_active)

    def close(self):
        self.device.close()


class MqttInput:
    """A sensor's state topic: `field` of its JSON (or the whole payload) compared with `active_value`.

    zigbee2mqtt's door sensor: topic `zigbee2mqtt/<name>`, field `contact`,
    true when closed; a Shelly BLU/Gen2 door sensor: its `.../status` JSON.
    """

    def __init__(self, *, topic, changed, field=None, active_value=True):
        self.topic, self.field, self.active_value, self.changed = topic, field, active_value, changed
        self.active = None

    def message(self, payload: bytes):
        try:
            value = json.loads(payload)
            if self.field is not None:
                value = value[self.field]
        except (ValueError, KeyError, TypeError):
            log.warning("input %s: unreadable state %r", self.topic, payload[:100])
            return
        active = value == self.active_value
        if active != self.active:
            self.active = active
            self.changed(active)
