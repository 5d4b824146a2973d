"""The agent: the broker connection, its doors, the report sender and the heartbeat.

Configuration is a TOML file (see door-agent/agent.example.toml); the
secret may come from the environment instead (DOORS_AGENT_SECRET).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import tomllib
from pathlib import Path

from doors_agent.door import Door
from doors_agent.inputs import GpioInput, MqttInput
from doors_agent.outputs import relay_build
from doors_agent.reports import ReportQueue
from doors_agent.signing import message_sign, message_verify

log = logging.getLogger("doors_agent")

DEFAULTS = {
    "state_dir": "/var/lib/doors-agent",
    "max_age": 5.0,
    "tolerance": 30.0,
    "heartbeat_seconds": 10.0,
    "fail_safe": False,
    "pins": "default",
}
BROKER_DEFAULTS = {
    "host": "127.0.0.1",
    "port": 1883,
    "username": "",
    "password": "",
    "tls": False,
    "ca_file": "",
    "cert_file": "",
    "key_file": "",
    "command_topic": "portal/doors/{door}/command",
    "report_topic": "portal/doors/{door}/report",
}


def config_load(path: str | Path) -> dict:
    with open(path, "rb") as source:
        return tomllib.load(source)


class Agent:
    def __init__(self, config: dict, *, pin_factory=None):
        self.config = {**DEFAULTS, **config}
        self.broker = {**BROKER_DEFAULTS, **config.get("broker", {})}
        self.secret = os.environ.get("DOORS_AGENT_SECRET") or self.config.get("secret", "")
        if not self.secret:
            raise ValueError("no secret: set `secret` in the configuration or DOORS_AGENT_SECRET")
        if not config.get("door"):
            raise ValueError("no [[door]] in the configuration")
        if pin_factory is None and self.config["pins"] == "mock":
            from gpiozero.pins.mock import MockFactory

            pin_factory = MockFactory()
        self.pin_factory = pin_factory
        self.queue = ReportQueue(Path(self.config["state_dir"]))
        self.client = self._client()
        self.doors: dict[str, Door] = {}
        self.command_topics: dict[str, Door] = {}
        self.input_topics: dict[str, list[MqttInput]] = {}
        self.inputs = []
        for spec in config["door"]:
            self._door_add(spec)
        self._stop = threading.Event()
        self._threads = []
        self._bad_reported = 0.0
        self.connected = threading.Event()

    # --- setup ----------------------------------------------------------------------

    def _client(self):
        import paho.mqtt.client as mqtt

        client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=f"doors-agent-{self.queue.agent_id}",
            # the broker keeps commands sent during a short drop; stale ones are refused by age
            clean_session=False,
        )
        if self.broker["username"]:
            client.username_pw_set(self.broker["username"], self.broker["password"])
        if self.broker["tls"]:
            client.tls_set(
                ca_certs=self.broker["ca_file"] or None,
                certfile=self.broker["cert_file"] or None,
                keyfile=self.broker["key_file"] or None,
            )
        client.reconnect_delay_set(min_delay=1, max_delay=5)
        client.on_connect = self._connected
        client.on_disconnect = lambda *args: self.connected.clear()
        client.on_message = self._message
        client.on_subscribe = self._subscribed
        return client

    def _door_add(self, spec: dict):
        door_id = str(spec["id"])
        state_dir = Path(self.config["state_dir"])
        relay = relay_build(
            spec.get("relay", {"kind": "log"}), client=self.client, pin_factory=self.pin_factory, name=door_id
        )
        door = Door(
            door_id=door_id,
            relay=relay,
            report=lambda report, d=door_id: self.queue.append({**report, "door": d}),
            max_age=float(self.config["max_age"]),
            remember=2 * max(float(self.config["tolerance"]), float(self.config["max_age"])),
            exit_seconds=float(spec.get("exit_seconds", 5)),
            fail_safe=bool(spec.get("fail_safe", self.config["fail_safe"])),
            state_file=state_dir / f"door-{len(self.doors)}.json",
        )
        self.doors[door_id] = door
        self.command_topics[self.broker["command_topic"].format(door=door_id)] = door
        contact = spec.get("contact")
        if contact:
            open_when = contact.get("open_when", "inactive")  # a reed switch: closed to ground when shut
            self._input(contact, lambda active, d=door, w=open_when: d.contact_changed(active == (w == "active")))
        for name, handler in (
            ("exit", door.exit_pressed),
            ("tamper", door.tamper_changed),
            ("fire", door.fire_changed),
        ):
            if spec.get(name):
                self._input(spec[name], handler)

    def _input(self, spec: dict, changed):
        if spec.get("kind", "gpio") == "gpio":
            device = GpioInput(
                pin=spec["pin"],
                changed=changed,
                pull_up=spec.get("pull_up", True),
                bounce_time=spec.get("bounce_time"),
                pin_factory=self.pin_factory,
            )
            self.inputs.append((device, changed))
        else:
            device = MqttInput(
                topic=spec["topic"],
                changed=changed,
                field=spec.get("field"),
                active_value=spec.get("active_value", True),
            )
            self.input_topics.setdefault(spec["topic"], []).append(device)

    # --- running ----------------------------------------------------------------------

    def start(self):
        for device, changed in self.inputs:  # the state at start is a report too
            changed(device.active)
        self.client.connect_async(self.broker["host"], int(self.broker["port"]), keepalive=10)
        self.client.loop_start()
        for target in (self._send_reports, self._heartbeats):
            thread = threading.Thread(target=target, daemon=True, name=target.__name__)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self):
        self._stop.set()
        for thread in self._threads:
            thread.join(10)
        for door in self.doors.values():
            door.stop()
        for device, _ in self.inputs:
            device.close()
        self.client.disconnect()
        self.client.loop_stop()

    def _connected(self, client, userdata, flags, reason_code, properties):
        if reason_code.is_failure:
            log.error("the broker refused the connection: %s", reason_code)
            return
        topics = [(topic, 1) for topic in self.command_topics] + [(topic, 1) for topic in self.input_topics]
        client.subscribe(topics)
        log.info("connected to %s:%s", self.broker["host"], self.broker["port"])

    def _subscribed(self, client, userdata, mid, reason_codes, properties):
        # ready once the broker has the subscriptions: a command published from now on reaches us
        self.connected.set()

    def _message(self, client, userdata, message):
        door = self.command_topics.get(message.topic)
        if door is None:
            for device in self.input_topics.get(message.topic, []):
                device.message(message.payload)
            return
        opened = message_verify(secret=self.secret, message=message.payload, tolerance=float(self.config["tolerance"]))
        if opened is None:
            log.warning("door %s: a command that does not verify (forged, altered or old): ignored", door.id)
            if time.time() - self._bad_reported > 60:  # said once a minute, not once per forged message
                self._bad_reported = time.time()
                door.report({"kind": "command", "command": "", "result": "bad_signature", "at": _now_iso()})
            return
        signed, body = opened
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            payload = {}
        door.command(payload, signed)

    def _send_reports(self):
        """Oldest first, one at a time, each acknowledged by the broker before the next."""
        topic = self.broker["report_topic"]
        while not self._stop.is_set():
            if not self.connected.wait(0.5):
                continue
            pending = self.queue.pending()
            if not pending:
                self.queue.wait(0.5)
                continue
            for report in pending:
                body = json.dumps(report, separators=(",", ":")).encode()
                message = message_sign(secret=self.secret, body=body, key=report["key"])
                info = self.client.publish(topic.format(door=report["door"]), message, qos=1)
                try:
                    info.wait_for_publish(timeout=5)
                except (RuntimeError, ValueError):
                    break
                if not info.is_published():
                    break
                self.queue.done(report["seq"])
                if self._stop.is_set():
                    return

    def _heartbeats(self):
        topic = self.broker["report_topic"]
        count = 0
        while not self._stop.wait(0 if count == 0 else float(self.config["heartbeat_seconds"])):
            count += 1
            if not self.connected.is_set():
                continue
            for index, door in enumerate(self.doors.values()):
                # not queued: a heartbeat says "here now"; a late one would say nothing true
                body = json.dumps({**door.heartbeat(), "door": door.id}, separators=(",", ":")).encode()
                key = f"hb-{self.queue.agent_id}-{int(time.time() * 1000)}-{index}"
                self.client.publish(topic.format(door=door.id), message_sign(secret=self.secret, body=body, key=key))


def _now_iso():
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat()
