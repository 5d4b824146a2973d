"""Real streams, a real database shared by processes, and runner processes, for the camera tests.

- RTSP: GStreamer's gst-rtsp-server (Debian's packages) in Debian's own
  Python (tests/cameras/rtsp_server.py);
- HTTP MJPEG: tests/cameras/mjpeg_server.py;
- a fresh PostgreSQL database (the machine's server, a database of its own),
  migrated and seeded by `manage.py` in subprocesses, as a deployment is;
- `manage.py cameras run` as separate processes that can be killed.

The test process reads and writes the same database through a second
database alias (ALIAS), with the ORM.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from django.db import connections

from portal.settings import database_from_url
from tests.e2e.stack import ROOT, free_port, postgres_database

ALIAS = "cameras_e2e"
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's, with python3-gi for GStreamer
HERE = Path(__file__).parent

SEED = """
from tests.factories import enrolled
from tests import photos
enrolled("Barack Obama", photos.OBAMA, employee_id="1042")
enrolled("Joe Biden", photos.BIDEN, employee_id="1043")
"""


def wait_until(check, timeout, what, every=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def _port_open(port):
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class Server:
    """A stream server process on a port, which a test may kill and start again."""

    def __init__(self, args, port, log):
        self.args, self.port, self.log = args, port, log
        self.process = None

    def start(self):
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(self.args, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        wait_until(lambda: _port_open(self.port), 20, f"{self.args[1]} on port {self.port}")
        return self

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        wait_until(lambda: not _port_open(self.port), 10, f"port {self.port} to close")


def rtsp_server(port, mounts, log, auth=None):
    """mounts: {name: mp4 path}."""
    args = [SYSTEM_PYTHON, str(HERE / "rtsp_server.py"), str(port)]
    if auth:
        args += ["--auth", auth]
    return Server(args + [f"{name}={path}" for name, path in mounts.items()], port, log)


def mjpeg_server(port, mounts, log, auth=None):
    """mounts: {name: folder of JPEG frames}."""
    args = [sys.executable, "-m", "tests.cameras.mjpeg_server", str(port)]
    if auth:
        args += ["--auth", auth]
    return Server(args + [f"{name}={path}" for name, path in mounts.items()], port, log)


@contextmanager
def shared_database(tmp):
    """A migrated, seeded PostgreSQL database, open to the test process as ALIAS: (url, env)."""
    with postgres_database() as url:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CELERY_", "DJANGO_"))}
        env.update(DATABASE_URL=url, MEDIA_ROOT=str(tmp / "media"), PYTHONUNBUFFERED="1", LOG_LEVEL="INFO")
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True, capture_output=True)
        subprocess.run([*manage, "shell", "-c", SEED], cwd=ROOT, env=env, check=True, capture_output=True)
        both = {"default": connections.settings["default"], ALIAS: database_from_url(url)}
        connections.settings[ALIAS] = connections.configure_settings(both)[ALIAS]
        try:
            yield url, env
        finally:
            connections[ALIAS].close()
            del connections.settings[ALIAS]


class Runners:
    """`manage.py cameras run` processes, each with its own log."""

    def __init__(self, env, tmp):
        self.env, self.tmp = env, tmp
        self.processes = {}

    def start(self, name, **settings):
        env = {**self.env, **{key: str(value) for key, value in settings.items()}}
        log = open(self.tmp / f"runner-{name}.log", "ab")  # noqa: SIM115 - closed in stop()
        process = subprocess.Popen(
            [sys.executable, "manage.py", "cameras", "run"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        self.processes[name] = (process, log)
        return process

    def kill(self, name):
        process, log = self.processes.pop(name)
        process.kill()
        process.wait(10)
        log.close()

    def stop(self, name):
        process, log = self.processes.pop(name)
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        log.close()
        return process.returncode

    def stop_all(self):
        for name in list(self.processes):
            self.stop(name)

    def log(self, name):
        return (self.tmp / f"runner-{name}.log").read_text(errors="replace")


__all__ = ["ALIAS", "Runners", "free_port", "mjpeg_server", "rtsp_server", "shared_database", "wait_until"]
