"""A real MQTT subscriber, and a private Mosquitto the tests may stop and start."""

import json
import socket
import subprocess
import threading
import time
import uuid
from datetime import datetime

import paho.mqtt.client as mqtt


class Subscriber:
    """Subscribes to `prefix/#` and keeps (arrival time, topic, payload) of every message."""

    def __init__(self, host="127.0.0.1", port=1883, prefix=None, session=None):
        # With `session` (a client id) the broker keeps the subscription and queues QoS 1 messages
        # while this client is away, so a subscriber that reconnects misses nothing published meanwhile.
        self.prefix = prefix or f"test-{uuid.uuid4().hex[:10]}"
        self.messages = []
        self.signatures = []
        self._ready = threading.Event()
        self._arrived = threading.Condition()
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=session or f"sub-{uuid.uuid4().hex[:8]}",
            clean_session=session is None,
        )
        self.client.on_connect = lambda c, u, f, rc, p: c.subscribe(f"{self.prefix}/#", qos=1)
        self.client.on_subscribe = lambda *args: self._ready.set()
        self.client.on_message = self._message
        self.client.connect(host, port)
        self.client.loop_start()
        assert self._ready.wait(5), "the subscriber could not subscribe"

    @property
    def topic(self):
        return self.prefix + "/doors/{door}/command"

    def _message(self, client, userdata, message):
        # a door command is signed: its signature line, then the JSON body (portal.access.signing)
        head, _, body = message.payload.partition(b"\n")
        if not head.startswith(b"t="):  # unsigned (a test's forgery): all of it is the body
            head, body = b"", message.payload
        try:
            payload = json.loads(body)
        except ValueError:
            payload = {"unreadable": body[:100].decode(errors="replace")}
        with self._arrived:
            self.signatures.append(head.decode(errors="replace"))
            self.messages.append((time.time(), message.topic, payload))
            self._arrived.notify_all()

    def wait_for(self, count, timeout=5.0):
        deadline = time.time() + timeout
        with self._arrived:
            while len(self.messages) < count and time.time() < deadline:
                self._arrived.wait(deadline - time.time())
        return list(self.messages)

    def ages(self):
        """Seconds between each command's issue and its arrival here."""
        return [
            arrived - datetime.fromisoformat(payload["issued_at"]).timestamp() for arrived, _, payload in self.messages
        ]

    def close(self):
        self.client.loop_stop()
        self.client.disconnect()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateBroker:
    """A Mosquitto of the test's own on `port` (never the machine's), started and stopped at will.

    It saves its sessions when stopped and reads them when started again, so a persistent
    subscriber's queued messages survive the restart as they would on a production broker.
    """

    def __init__(self, port, tmp_path):
        self.port = port
        self.config = tmp_path / "mosquitto.conf"
        self.config.write_text(
            f"listener {port} 127.0.0.1\nallow_anonymous true\n"
            f"persistence true\npersistence_location {tmp_path}/\n"
            # started as root, mosquitto would become the `mosquitto` user and could not
            # write its sessions into the test's own (root-only) folder
            "user root\n"
        )
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["/usr/sbin/mosquitto", "-c", str(self.config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.1).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("private mosquitto did not start")

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(5)
            self.process = None


def certificates(folder):
    """A private CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl."""

    def run(*args):
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=test door CA",
        "-keyout", "ca.key", "-out", "ca.crt")  # fmt: skip
    (folder / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    for name, extra in (("server", ["-extfile", "san.ext"]), ("client", [])):
        run("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}", "-keyout", f"{name}.key",
            "-out", f"{name}.csr")  # fmt: skip
        run("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
            "-days", "2", "-out", f"{name}.crt", *extra)  # fmt: skip
    return folder


class TlsBroker(PrivateBroker):
    """A private Mosquitto with a TLS listener that demands a client certificate from the
    test's CA, and a plain one (on `plain_port`) for the test's own subscriber."""

    def __init__(self, port, plain_port, tmp_path):
        self.port, self.plain_port = port, plain_port
        certificates(tmp_path)
        self.config = tmp_path / "mosquitto.conf"
        self.config.write_text(
            "allow_anonymous true\nuser root\n"
            f"listener {port} 127.0.0.1\ncafile {tmp_path}/ca.crt\ncertfile {tmp_path}/server.crt\n"
            f"keyfile {tmp_path}/server.key\nrequire_certificate true\n"
            f"listener {plain_port} 127.0.0.1\n"
        )
        self.process = None

    def start(self):
        """Started once both listeners answer: Mosquitto opens them one after the other."""
        super().start()
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.plain_port), timeout=0.1).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("private mosquitto's plain listener did not start")
