"""Local stand-ins for a Shelly and a Tasmota relay that behave as their documented APIs do.

Shelly Gen2+ (HTTP RPC): `GET /rpc/Switch.Set?id=<n>&on=<true|false>[&toggle_after=<s>]`
answers `{"was_on": <bool>}`; with `toggle_after` the switch flips back by
itself after that many seconds. An unknown id answers 404 with an error.

Tasmota (MQTT): `cmnd/<topic>/PulseTime<n> <v>` sets the pulse (1-111:
tenths of a second, 112-64900: seconds + 100, 0: none) and answers
`stat/<topic>/RESULT {"PulseTime<n>":{"Set":v,"Remaining":0}}`;
`cmnd/<topic>/POWER<n> ON|OFF` switches, answers `stat/<topic>/RESULT
{"POWER<n>":"ON"}` and `stat/<topic>/POWER<n> ON`, and with a PulseTime
switches itself OFF after it (publishing the same).
"""

import json
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import paho.mqtt.client as mqtt


class Output:
    """An output's history: [(time, on)]."""

    def __init__(self):
        self.on = False
        self.history = []
        self._timer = None
        self._lock = threading.Lock()

    def set(self, on, flip_after=None):
        with self._lock:
            was = self.on
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            self.on = on
            self.history.append((time.time(), on))
            if flip_after:
                self._timer = threading.Timer(flip_after, self.set, args=(not on,))
                self._timer.daemon = True
                self._timer.start()
            return was

    def pulses(self):
        """Seconds each ON lasted."""
        found, since = [], None
        for at, on in self.history:
            if on and since is None:
                since = at
            elif not on and since is not None:
                found.append(at - since)
                since = None
        return found


class FakeShelly:
    def __init__(self, switches=1):
        self.switches = [Output() for _ in range(switches)]
        self.requests = []
        shelly = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                url = urllib.parse.urlsplit(self.path)
                params = dict(urllib.parse.parse_qsl(url.query))
                shelly.requests.append((url.path, params))
                if url.path != "/rpc/Switch.Set":
                    return self._answer(404, {"code": 404, "message": "No handler for " + url.path})
                try:
                    switch = shelly.switches[int(params["id"])]
                    on = {"true": True, "false": False}[params["on"]]
                    toggle_after = float(params["toggle_after"]) if "toggle_after" in params else None
                except (KeyError, ValueError, IndexError):
                    return self._answer(400, {"code": -103, "message": "Invalid argument"})
                self._answer(200, {"was_on": switch.set(on, flip_after=toggle_after)})

            def _answer(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class FakeTasmota:
    def __init__(self, topic, port=1883, relays=1):
        self.topic = topic
        self.relays = {n: Output() for n in range(1, relays + 1)}
        self.pulse_time = dict.fromkeys(self.relays, 0)
        self.commands = []
        ready = threading.Event()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"tasmota-{uuid.uuid4().hex[:6]}")
        self.client.on_connect = lambda c, u, f, rc, p: c.subscribe(f"cmnd/{topic}/#", qos=1)
        self.client.on_subscribe = lambda *args: ready.set()
        self.client.on_message = self._command
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        assert ready.wait(10)

    def _stat(self, suffix, value):
        self.client.publish(f"stat/{self.topic}/{suffix}", value)

    def _command(self, client, userdata, message):
        name = message.topic.rsplit("/", 1)[1].upper()
        value = message.payload.decode().strip().upper()
        self.commands.append((name, value))
        base, index = name.rstrip("0123456789"), name[len(name.rstrip("0123456789")) :]
        relay = int(index or 1)
        if relay not in self.relays:
            return
        if base == "PULSETIME":
            self.pulse_time[relay] = int(value)
            self._stat("RESULT", json.dumps({f"PulseTime{relay}": {"Set": int(value), "Remaining": 0}}))
        elif base == "POWER":
            on = {"ON": True, "1": True, "TRUE": True, "OFF": False, "0": False, "FALSE": False}[value]
            code = self.pulse_time[relay]
            seconds = code / 10 if code <= 111 else code - 100
            output = self.relays[relay]
            output.set(on, flip_after=seconds if on and code else None)
            if on and code:
                threading.Timer(seconds, self._stat, args=(f"POWER{relay}", "OFF")).start()
            self._stat("RESULT", json.dumps({f"POWER{relay}": "ON" if on else "OFF"}))
            self._stat(f"POWER{relay}", "ON" if on else "OFF")

    def close(self):
        self.client.loop_stop()
        self.client.disconnect()
