"""`manage.py doors listen`: door agents' reports in, door states and alarms out.

One process consumes (the lease in ListenerLease, like the camera runner's):
a second one waits and takes over within DOOR_LISTENER_LEASE_SECONDS of the
first one's death. MQTT's thread only queues the raw
message; this process's main thread verifies, writes the database and checks
the held-open alarms once a second, so the database is used from one thread.
"""

import json
import logging
import os
import queue
import re
import socket
import threading
import time

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from portal.access.door_reports import (
    ReportRefused,
    door_alarms_check,
    door_report_record,
    listener_lease_claim,
    listener_lease_release,
)
from portal.access.signing import message_verify

log = logging.getLogger(__name__)


def _topic_pattern(template):
    before, _, after = template.partition("{door}")
    return re.compile(re.escape(before) + r"(?P<door>[^/+#]+)" + re.escape(after) + r"\Z")


class ReportListener:
    def __init__(self, *, holder=None, lease_seconds=None, topic=None):
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}"
        self.lease_seconds = lease_seconds or settings.DOOR_LISTENER_LEASE_SECONDS
        self.template = topic or settings.DOOR_MQTT_REPORT_TOPIC
        self.pattern = _topic_pattern(self.template)
        self.inbox = queue.Queue()
        self.client = None
        self.held = False
        self.subscribed = threading.Event()
        self._next_lease = 0.0
        self._next_check = 0.0
        self.taken = self.refused = 0

    # --- the MQTT side (paho's thread: queue only) --------------------------------------

    def _connect(self):
        from portal.access.transports import mqtt_client

        # a session the broker keeps across its own restart: reports an agent sends again before this
        # listener is back are queued for it, not dropped (the broker acknowledged them to the agent)
        client = mqtt_client(client_id=f"portal-listener-{self.holder}"[:100], clean_session=False)
        client.on_connect = lambda c, u, f, rc, p: c.subscribe(self.template.format(door="+"), qos=1)
        client.on_subscribe = lambda *args: self.subscribed.set()
        client.on_disconnect = lambda *args: self.subscribed.clear()
        client.on_message = lambda c, u, message: self.inbox.put((message.topic, message.payload, timezone.now()))
        client.reconnect_delay_set(min_delay=1, max_delay=5)
        client.connect_async(settings.DOOR_MQTT_HOST, settings.DOOR_MQTT_PORT, keepalive=10)
        client.loop_start()
        self.client = client

    def _disconnect(self):
        if self.client is not None:
            # letting the reports go: the broker stops queueing them for this holder's session
            self.client.unsubscribe(self.template.format(door="+"))
            self.client.disconnect()
            self.client.loop_stop()
            self.client = None
            self.subscribed.clear()

    # --- the main thread ----------------------------------------------------------------

    def step(self, *, wait=0.2):
        """Renew the lease when due, take what arrived, check the alarms once a second."""
        now = time.monotonic()
        if now >= self._next_lease:
            close_old_connections()
            # renewed every quarter lease for two thirds of it: a dead holder's lease runs out in time
            self.held = listener_lease_claim(holder=self.holder, seconds=self.lease_seconds * 2 / 3)
            self._next_lease = now + self.lease_seconds / 4
            if self.held and self.client is None:
                log.info("door listener %s: consuming %s", self.holder, self.template.format(door="+"))
                self._connect()
            elif not self.held and self.client is not None:
                log.warning("door listener %s: lease lost, letting the reports go", self.holder)
                self._disconnect()
        deadline = time.monotonic() + wait
        while True:
            try:
                topic, payload, received_at = self.inbox.get(timeout=max(deadline - time.monotonic(), 0))
            except queue.Empty:
                break
            self._take(topic, payload, received_at)
        if self.held and time.monotonic() >= self._next_check:
            # after the inbox is empty: an opening and its closing that arrive together never look held
            door_alarms_check()
            self._next_check = time.monotonic() + 1.0

    def _take(self, topic, payload, received_at):
        match = self.pattern.match(topic)
        opened = message_verify(secret=settings.DOOR_MQTT_SECRET, message=payload, tolerance=30)
        if match is None or opened is None:
            self.refused += 1
            log.warning("door report on %r refused: it does not verify", topic[:200])
            return
        signed, body = opened
        try:
            report = json.loads(body)
            door_report_record(address=match["door"], report=report, key=signed.key, received_at=received_at)
        except (ValueError, ReportRefused) as exc:
            self.refused += 1
            log.warning("door report on %r refused: %s", topic[:200], str(exc)[:200])
            return
        self.taken += 1

    def run(self, stop: threading.Event):
        try:
            while not stop.is_set():
                self.step()
        finally:
            self._disconnect()
            listener_lease_release(holder=self.holder)
