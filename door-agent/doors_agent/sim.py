"""A door without hardware: mock GPIO pins, a relay, and a door that people open.

The relay is a GPIO relay on gpiozero's mock pins; the simulated door opens
`open_delay` seconds after the relay unlocks it and closes `close_after`
seconds later; `force()` opens it with no unlock (someone pulls it), and
`exit()` presses the request-to-exit button. The agent sees only pins,
exactly as on a Raspberry Pi.
"""

from __future__ import annotations

import threading
import time

RELAY_PIN, CONTACT_PIN, EXIT_PIN, TAMPER_PIN = 17, 27, 22, 23


def sim_config(*, door="lab-2", host="127.0.0.1", port=1883, secret, state_dir, **extra) -> dict:
    return {
        "secret": secret,
        "state_dir": str(state_dir),
        "pins": "mock",
        **extra,
        "broker": {"host": host, "port": port, **extra.pop("broker", {})},
        "door": [
            {
                "id": door,
                "relay": {"kind": "gpio", "pin": RELAY_PIN},
                "contact": {"kind": "gpio", "pin": CONTACT_PIN},
                "exit": {"kind": "gpio", "pin": EXIT_PIN},
                "tamper": {"kind": "gpio", "pin": TAMPER_PIN},
            }
        ],
    }


class SimulatedDoor:
    """Watches the relay pin and moves the door contact pin like a person would."""

    def __init__(self, factory, *, open_delay=0.5, close_after=3.0, on_change=print):
        self.relay = factory.pin(RELAY_PIN)
        self.contact = factory.pin(CONTACT_PIN)
        self.exit_pin = factory.pin(EXIT_PIN)
        self.tamper_pin = factory.pin(TAMPER_PIN)
        self.open_delay, self.close_after, self.on_change = open_delay, close_after, on_change
        self.contact.drive_low()  # closed (a reed switch to ground)
        self.exit_pin.drive_high()  # not pressed (pulled up)
        self.tamper_pin.drive_high()
        self._stop = threading.Event()
        self._door_open = False
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join(2)

    def _open_for(self, seconds, why):
        self.contact.drive_high()
        self._door_open = True
        self.on_change(f"door opened ({why})")
        if self._stop.wait(seconds):
            return
        self.contact.drive_low()
        self._door_open = False
        self.on_change("door closed")

    def _watch(self):
        was = False
        while not self._stop.wait(0.02):
            unlocked = bool(self.relay.state)
            if unlocked and not was:
                self.on_change("relay: unlocked")
                if not self._door_open and not self._stop.wait(self.open_delay):
                    threading.Thread(
                        target=self._open_for, args=(self.close_after, "after an unlock"), daemon=True
                    ).start()
            elif was and not unlocked:
                self.on_change("relay: locked")
            was = unlocked

    def force(self, seconds=None):
        threading.Thread(target=self._open_for, args=(seconds or self.close_after, "forced"), daemon=True).start()

    def press_exit(self):
        self.exit_pin.drive_low()
        time.sleep(0.1)
        self.exit_pin.drive_high()

    def tamper(self, on=True):
        (self.tamper_pin.drive_low if on else self.tamper_pin.drive_high)()
