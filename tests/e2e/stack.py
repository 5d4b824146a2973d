"""Start the portal as real processes for end-to-end tests.

`production`: a fresh PostgreSQL database, Redis as the broker, gunicorn and
a separate `celery worker` process. `embedded`: SQLite and in-process tasks,
the defaults a new user gets. Both run exactly the commands the README gives.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager, nullcontext
from html.parser import HTMLParser
from pathlib import Path

import requests

from tests import photos

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
ADMIN = ("admin", "admin-password-for-tests")
GUNICORN_THREADS = 16


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_env(tmp):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CELERY_", "DJANGO_"))}
    env.update(
        DEBUG="1",
        MEDIA_ROOT=str(tmp / "media"),
        ADMIN_USERNAME=ADMIN[0],
        ADMIN_PASSWORD=ADMIN[1],
        PYTHONUNBUFFERED="1",
        ATTENDANCE_COOLDOWN_SECONDS="60",
    )
    return env


def manage(env, *args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True)


@contextmanager
def postgres_database():
    import psycopg

    name = f"portal_e2e_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_URL.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(POSTGRES_URL.replace("postgres://", "postgresql://"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def rerun_on_postgresql(test_file, tmp_path, *, timeout=900):
    """The file's other tests again, in a fresh PostgreSQL database, in a pytest of their own
    (the tests named *on_postgresql are the ones doing this, so they are left out); the finished run."""
    with postgres_database() as url:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CELERY_"))}
        env.update(DATABASE_URL=url, MEDIA_ROOT=str(tmp_path / "media"))
        return subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test_file), "-k", "not on_postgresql"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )


def assert_passes_on_postgresql(test_file, tmp_path, *, passed=None):
    """The file's other tests pass again in a fresh PostgreSQL database (rerun_on_postgresql), none
    skipped, `passed` of them when given; skipped when this run is on PostgreSQL already."""
    import pytest
    from django.db import connection

    if connection.vendor == "postgresql":
        pytest.skip("already running on PostgreSQL")
    done = rerun_on_postgresql(test_file, tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert (f"{passed} passed" if passed else " passed") in done.stdout, done.stdout[-3000:]
    assert "skipped" not in done.stdout, done.stdout[-3000:]


class Processes:
    def __init__(self, logs):
        self.logs = logs
        self.running = []

    def start(self, name, args, env):
        log = open(self.logs / f"{name}.log", "wb")
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.running.append((name, proc))
        return proc

    def log(self, name):
        return (self.logs / f"{name}.log").read_text(errors="replace")

    def stop(self):
        for _, proc in reversed(self.running):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for _, proc in self.running:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def wait_until(check, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise TimeoutError(f"gave up waiting for {what}")


class Stack:
    def __init__(self, url, processes, env):
        self.url = url
        self.processes = processes
        self.env = env

    def start_worker(self, name="worker", log=None, concurrency=1):
        """A `celery worker` named `name`@host; `log` names its log file (a restart keeps the name)."""
        log = log or name
        proc = self.processes.start(
            log,
            [
                str(BIN / "celery"),
                "-A",
                "portal",
                "worker",
                "--loglevel=INFO",
                f"--concurrency={concurrency}",
                "--hostname",
                f"{name}@%h",
                "--without-gossip",
                "--without-mingle",
            ],
            self.env,
        )
        wait_until(lambda: "ready." in self.processes.log(log) or proc.poll() is not None, 90, "the worker")
        assert proc.poll() is None, self.processes.log(log)
        return proc

    def start_beat(self, tmp):
        """`celery beat`: sends the periodic tasks, the reconciler among them."""
        return self.processes.start(
            "beat",
            [str(BIN / "celery"), "-A", "portal", "beat", "--loglevel=INFO", "--schedule", str(tmp / "beat-schedule")],
            self.env,
        )


def gunicorn_args(port, workers=2, threads=GUNICORN_THREADS):
    """The README's production command: gthread workers, so that a request
    waiting for a result holds a thread, not a whole process."""
    return [
        str(BIN / "gunicorn"),
        "portal.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--timeout",
        "120",
    ]


@contextmanager
def running_stack(tmp, *, production, database_url=None, broker_url=None, extra_env=None, worker=True):
    """The portal as processes; `database_url`/`broker_url` point a production
    stack at private servers (the fault tests stop and restart them)."""
    env = base_env(tmp)
    env.update(extra_env or {})
    processes = Processes(tmp)
    if database_url:
        database = nullcontext(database_url)
    else:
        database = postgres_database() if production else _sqlite(tmp)
    with database as database_url:
        env["DATABASE_URL"] = database_url
        if production:
            env["CELERY_BROKER_URL"] = broker_url or REDIS_URL
            # a queue of its own: nothing left over from another run reaches this worker
            env["CELERY_QUEUE"] = f"e2e-{uuid.uuid4().hex[:8]}"
            # the machine's gallery file, on as with any broker, in a folder that goes with the test's
            # (the default in /dev/shm would keep a file for every database the tests make and drop)
            env.setdefault("GALLERY_SHARED_DIR", str(tmp / "gallery"))
        manage(env, "migrate", "--noinput")
        manage(env, "ensure_admin")
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        server = processes.start("gunicorn", gunicorn_args(port), env)
        try:
            wait_until(lambda: _up(url) or server.poll() is not None, 60, "gunicorn")
            assert server.poll() is None, processes.log("gunicorn")
            stack = Stack(url, processes, env)
            if production and worker:
                stack.start_worker()
            yield stack
        finally:
            processes.stop()


@contextmanager
def _sqlite(tmp):
    yield f"sqlite:///{tmp / 'portal.sqlite3'}"


def _up(url):
    try:
        return requests.get(url + "/healthz", timeout=1).ok
    except requests.RequestException:
        return False


class _FormFields(HTMLParser):
    """The name/value pairs a browser would send for the page's inputs."""

    def __init__(self):
        super().__init__()
        self.fields = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name") and attrs.get("type") in ("hidden", None, "text", "number"):
            self.fields.setdefault(attrs["name"], attrs.get("value") or "")


def form_fields(html):
    parser = _FormFields()
    parser.feed(html)
    return parser.fields


class Browser:
    """A signed-in user talking to the portal over HTTP, like a browser."""

    def __init__(self, url):
        self.url = url
        self.session = requests.Session()

    def get(self, path, **kwargs):
        response = self.session.get(self.url + path, timeout=60, **kwargs)
        response.raise_for_status()
        return response

    def submit(self, path, data=None, files=None, allow_redirects=False):
        """GET the page's form, then POST it with the CSRF token and hidden fields."""
        fields = form_fields(self.get(path).text)
        fields.update(data or {})
        return self.session.post(
            self.url + path,
            data=fields,
            files=files,
            timeout=120,
            allow_redirects=allow_redirects,
            headers={"Referer": self.url + path},
        )

    def sign_in_admin(self):
        response = self.submit("/admin/login/", {"username": ADMIN[0], "password": ADMIN[1], "next": "/admin/"})
        assert response.status_code == 302, response.text[:500]

    def add_person(self, name, employee_id, photo_paths):
        files = [("new_photos", (p.name, p.read_bytes(), "image/jpeg")) for p in photo_paths]
        fields = {"name": name, "employee_id": employee_id, "active": "on", "_continue": "1"}
        response = self.submit("/admin/people/person/add/", fields, files)
        assert response.status_code == 302, response.text[:2000]
        match = re.search(r"/admin/people/person/(\d+)/change/", response.headers["Location"])
        return int(match.group(1))

    def photo_statuses(self, person_id):
        page = self.get(f"/admin/people/person/{person_id}/change/").text
        return [s.lower() for s in re.findall(r'<td class="field-status">\s*<p>(\w+)</p>', page)]

    def wait_for_encoding(self, person_id, timeout=90):
        wait_until(
            lambda: (s := self.photo_statuses(person_id)) and all(x in ("accepted", "rejected") for x in s),
            timeout,
            f"the photos of person {person_id}",
        )
        return self.photo_statuses(person_id)

    def enroll_obama_and_biden(self):
        """Obama (two photos) and Biden (one) added on the admin pages, every photo accepted; their ids."""
        obama = self.add_person("Barack Obama", "1042", [photos.OBAMA_2, photos.OBAMA_3])
        biden = self.add_person("Joe Biden", "17", [photos.BIDEN])
        assert self.wait_for_encoding(obama) == ["accepted", "accepted"]
        assert self.wait_for_encoding(biden) == ["accepted"]
        return obama, biden

    def recognize(self, path, timeout=90):
        files = {"image": (path.name, path.read_bytes(), "image/jpeg")}
        response = self.submit("/recognize/", {"record_attendance": "on"}, files)
        assert response.status_code == 302, response.text[:2000]
        capture_path = response.headers["Location"]
        status = {}

        def finished():
            status.update(self.get(capture_path + "status/").json())
            return status["status"] in ("done", "failed")

        wait_until(finished, timeout, "the recognition")
        return capture_path, status
