"""One door: what the agent does with a verified command and with its inputs.

Fail-secure: the lock opens only for a verified, fresh command, the exit
button, or (fail-safe doors only) a fire signal. A `lockdown` locks it and
unlocks are ignored until `release`. Every decision and every input change
is reported, with this machine's time.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from doors_agent.outputs import Relay, RelayError
from doors_agent.signing import Signed

log = logging.getLogger(__name__)


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat()


class Door:
    def __init__(
        self,
        *,
        door_id: str,
        relay: Relay,
        report,
        max_age: float = 5.0,
        remember: float = 60.0,
        exit_seconds: float = 5.0,
        fail_safe: bool = False,
        state_file: Path | None = None,
        clock=time.time,
    ):
        self.id, self.relay, self.report = door_id, relay, report
        self.max_age, self.remember, self.exit_seconds = max_age, remember, exit_seconds
        self.fail_safe, self.clock = fail_safe, clock
        self.state_file = state_file
        self.locked_down = False
        self.lock_side_issued = 0.0  # the newest lockdown/release applied: an older one changes nothing
        self.seen: dict[str, float] = {}
        self.contact: str | None = None
        self.fire = False
        self._lock = threading.Lock()
        self._load()

    # --- commands -----------------------------------------------------------------

    def command(self, payload: dict, signed: Signed) -> str:
        """Act on one verified command at most once; the result is reported and returned."""
        with self._lock:
            result = self._decide(payload, signed)
            self._save()
        self.report(
            {
                "kind": "command",
                "command": str(payload.get("command", ""))[:20],
                "result": result,
                "command_key": signed.key,
                "seconds": payload.get("seconds"),
                "at": _iso(self.clock()),
            }
        )
        if result != "acted":
            log.warning("door %s: %s %s not acted on: %s", self.id, payload.get("command"), signed.key, result)
        return result

    def _decide(self, payload, signed):
        now = self.clock()
        self.seen = {k: at for k, at in self.seen.items() if now - at <= self.remember}
        if payload.get("key") != signed.key or payload.get("door") != self.id:
            return "mismatch"
        if signed.key in self.seen:
            return "replayed"
        try:
            issued = datetime.fromisoformat(payload["issued_at"]).timestamp()
            command = payload["command"]
            seconds = float(payload.get("seconds") or 0)
        except (KeyError, TypeError, ValueError):
            return "unreadable"
        if command == "unlock":
            if not 0 <= now - issued <= self.max_age:
                return "stale"  # nobody is at the door any more: never open late
            self.seen[signed.key] = now
            if self.locked_down:
                return "locked_down"
            if not 0 < seconds <= 24 * 3600:
                return "unreadable"
            return self._drive(lambda: self.relay.pulse(seconds))
        if command in ("lockdown", "release"):
            # late is better than never for these, but an older one never undoes a newer one
            self.seen[signed.key] = now
            if issued < self.lock_side_issued:
                return "superseded"
            self.lock_side_issued = issued
            self.locked_down = command == "lockdown"
            if self.locked_down:
                return self._drive(lambda: self.relay.hold(False))
            return "acted"
        return "unknown_command"

    def _drive(self, action):
        try:
            action()
        except RelayError as exc:
            log.error("door %s: the relay failed: %s", self.id, exc)
            return "relay_failed"
        return "acted"

    # --- inputs -------------------------------------------------------------------

    def contact_changed(self, is_open: bool) -> None:
        state = "open" if is_open else "closed"
        if state == self.contact:
            return
        self.contact = state
        self.report({"kind": "contact", "state": state, "at": _iso(self.clock())})

    def exit_pressed(self, pressed: bool) -> None:
        if not pressed:
            return
        # free egress: the exit button opens even a locked-down door (people must be able to leave)
        result = self._drive(lambda: self.relay.pulse(self.exit_seconds))
        self.report({"kind": "exit", "state": "pressed", "result": result, "at": _iso(self.clock())})

    def tamper_changed(self, active: bool) -> None:
        self.report({"kind": "tamper", "state": "on" if active else "off", "at": _iso(self.clock())})

    def fire_changed(self, active: bool) -> None:
        """Only on fail-safe doors: the fire signal holds the door unlocked while it lasts."""
        self.fire = active
        if self.fail_safe:
            self._drive(lambda: self.relay.hold(active))
        self.report({"kind": "fire", "state": "on" if active else "off", "at": _iso(self.clock())})

    def heartbeat(self) -> dict:
        return {
            "kind": "heartbeat",
            "locked_down": self.locked_down,
            "contact": self.contact,
            "at": _iso(self.clock()),
        }

    def stop(self) -> None:
        """Fail-secure: locked at exit; fail-safe doors are left unlocked."""
        try:
            self.relay.hold(self.fail_safe)
        except RelayError as exc:
            log.error("door %s: could not set the relay at exit: %s", self.id, exc)
        self.relay.close()

    # --- what survives a restart: keys acted on, lockdown ---------------------------

    def _save(self):
        if self.state_file is None:
            return
        state = {"seen": self.seen, "locked_down": self.locked_down, "lock_side_issued": self.lock_side_issued}
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(state))
        tmp.replace(self.state_file)

    def _load(self):
        if self.state_file is None or not self.state_file.exists():
            return
        try:
            state = json.loads(self.state_file.read_text())
            self.seen = {str(k): float(v) for k, v in state.get("seen", {}).items()}
            self.locked_down = bool(state.get("locked_down"))
            self.lock_side_issued = float(state.get("lock_side_issued", 0.0))
        except (ValueError, TypeError, AttributeError):
            log.warning("door %s: unreadable state file, starting locked and not locked down", self.id)
        if self.locked_down:
            self.relay.hold(False)
