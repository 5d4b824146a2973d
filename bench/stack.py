"""The portal as real processes, with a big gallery, for the benchmarks.

Built on the end-to-end tests' process helpers (tests/e2e/stack.py): a fresh
PostgreSQL database, Redis, gunicorn and `celery worker` processes started
with the README's commands, or the embedded default (SQLite, tasks run inside
gunicorn). Production settings (DEBUG=0) as a real deployment would run.
"""

import re
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import requests

from bench import common
from bench.common import ROOT, children, rss_mb
from tests.e2e.stack import (
    ADMIN,
    BIN,
    REDIS_URL,
    Processes,
    _up,
    base_env,
    free_port,
    postgres_database,
    wait_until,
)


def bench_env(tmp):
    env = base_env(tmp)
    env.update(
        DEBUG="0",
        SECRET_KEY="bench-" + uuid.uuid4().hex,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        SECURE_HSTS_SECONDS="0",
        LOG_LEVEL="INFO",
    )
    return env


def seed(env, matrix, names, load=False, migrate=True):
    """Migrate, create the admin, insert the gallery in bulk; returns the seed script's figures."""
    import json
    import subprocess

    common.RESULTS.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(suffix=".npz", dir=common.RESULTS) as handle:
        np.savez(handle, encodings=matrix, names=np.array(names))
        handle.flush()
        args = [sys.executable, "-m", "bench.seed", handle.name]
        args += (["--load"] if load else []) + (["--migrate"] if migrate else [])
        done = subprocess.run(args, cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


# where database_child passes the run's options to its child
CHILD_OPTIONS = "BENCH_CHILD_OPTIONS"


def database_child(module, options):
    """`module`.child() in a Python of its own on a fresh PostgreSQL database (dropped afterwards).

    For the benchmarks that time Django code in one process (no gunicorn, no worker) on data
    made for them: the child reads `options` with child_options() and prints its figures as
    JSON on its last line, which this returns.
    """
    import json
    import subprocess

    with tempfile.TemporaryDirectory(prefix=f"{module.replace('.', '-')}-") as tmp, postgres_database() as url:
        env = bench_env(Path(tmp))
        env.update(DATABASE_URL=url, DJANGO_SETTINGS_MODULE="portal.settings")
        env[CHILD_OPTIONS] = json.dumps(options)
        done = subprocess.run(
            [sys.executable, "-c", f"from {module} import child; child()"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
    return json.loads(done.stdout.strip().splitlines()[-1])


def child_options():
    """In database_child's child: Django set up, the fresh database migrated; the run's options."""
    import json
    import os

    import django

    django.setup()
    from django.core.management import call_command

    options = json.loads(os.environ[CHILD_OPTIONS])
    call_command("migrate", verbosity=0)
    return options


class BenchStack:
    def __init__(self, url, processes, env):
        self.url = url
        self.processes = processes
        self.env = env
        self.workers = []

    def start_worker(self, concurrency=1, name=None):
        name = name or f"worker{len(self.workers) + 1}"
        args = [
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
            "--without-heartbeat",
        ]
        proc = self.processes.start(name, args, self.env)
        wait_until(lambda: "ready." in self.processes.log(name) or proc.poll() is not None, 90, "the worker")
        assert proc.poll() is None, self.processes.log(name)
        # the pool's children are up once the parent says ready
        wait_until(lambda: len(children(proc.pid)) >= concurrency, 30, "the worker's pool")
        self.workers.append((name, proc))
        return proc

    def start_beat(self, folder):
        """`celery beat`, as production runs it: the reconciler among its tasks."""
        args = [str(BIN / "celery"), "-A", "portal", "beat", "--loglevel=INFO", "--schedule", str(folder / "beat")]
        return self.processes.start("beat", args, self.env)

    def stop_worker(self, proc):
        import os
        import signal

        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)

    def worker_rss(self, proc):
        """(parent MB, [child MB...]) of a worker."""
        return rss_mb(proc.pid), [rss_mb(pid) for pid in children(proc.pid)]

    def gallery_loads(self, name):
        return len(re.findall(r"gallery loaded", self.processes.log(name)))


@contextmanager
def running(*, production, matrix, names, gunicorn_workers=2, threads=4, keep_logs=None):
    """A stack with `matrix` enrolled (row i is person i, named names[i] or Synthetic i)."""
    with tempfile.TemporaryDirectory(prefix="bench-", dir="/tmp") as tmp:
        tmp = Path(tmp)
        env = bench_env(tmp)
        processes = Processes(tmp)
        with postgres_database() if production else _sqlite(tmp) as database_url:
            env["DATABASE_URL"] = database_url
            if production:
                env["CELERY_BROKER_URL"] = REDIS_URL
                env["CELERY_QUEUE"] = f"bench-{uuid.uuid4().hex[:8]}"
                # the machine's gallery file, as with any broker, removed with the run's folder
                env.setdefault("GALLERY_SHARED_DIR", str(tmp / "gallery"))
            seeded = seed(env, matrix, names)
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            args = [
                str(BIN / "gunicorn"),
                "portal.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(gunicorn_workers),
                "--timeout",
                "120",
            ]
            if threads > 1:
                args += ["--threads", str(threads)]  # status waits are mostly sleeping
            server = processes.start("gunicorn", args, env)
            try:
                wait_until(lambda: _up(url) or server.poll() is not None, 60, "gunicorn")
                assert server.poll() is None, processes.log("gunicorn")
                stack = BenchStack(url, processes, env)
                stack.seeded = seeded
                yield stack
            finally:
                processes.stop()
                if keep_logs:
                    keep_logs.mkdir(parents=True, exist_ok=True)
                    for log in tmp.glob("*.log"):
                        (keep_logs / log.name).write_bytes(log.read_bytes())


@contextmanager
def _sqlite(tmp):
    yield f"sqlite:///{tmp / 'portal.sqlite3'}"


class Kiosk:
    """A client that posts frames and waits for the attendance event, as a kiosk would."""

    def __init__(self, url, wait=5.0):
        self.url = url
        self.wait = wait
        self.session = requests.Session()
        self.sign_in()

    def sign_in(self):
        page = self.session.get(self.url + "/admin/login/", timeout=30)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        response = self.session.post(
            self.url + "/admin/login/",
            data={"csrfmiddlewaretoken": token, "username": ADMIN[0], "password": ADMIN[1], "next": "/admin/"},
            headers={"Referer": self.url + "/admin/login/"},
            allow_redirects=False,
            timeout=30,
        )
        assert response.status_code == 302, response.text[:500]
        self.session.get(self.url + "/recognize/", timeout=30)  # sets the CSRF cookie
        self.csrf = self.session.cookies["csrftoken"]

    def capture(self, frame, timeout=60):
        """Post one frame; returns (seconds until the result is visible, status JSON).

        The status also gets the client's wall-clock times, "_posted" and
        "_seen", for timeline() to split the latency into its steps.
        """
        posted = time.time()
        start = time.perf_counter()
        response = self.session.post(
            self.url + "/recognize/",
            data={"record_attendance": "on"},
            files={"image": ("frame.jpg", frame, "image/jpeg")},
            headers={"X-CSRFToken": self.csrf, "Referer": self.url + "/recognize/"},
            allow_redirects=False,
            timeout=timeout,
        )
        assert response.status_code == 302, (response.status_code, response.text[:1000])
        status_url = self.url + response.headers["Location"] + "status/"
        deadline = start + timeout
        while True:
            status = self.session.get(status_url, params={"wait": self.wait}, timeout=timeout).json()
            if status["status"] in ("done", "failed") or time.perf_counter() > deadline:
                took = time.perf_counter() - start
                status.update(_posted=posted, _seen=time.time())
                return took, status


STEPS = ("post_to_row_created", "row_created_to_claimed", "claimed_to_finished", "finished_to_client")


def timeline(database_url, statuses):
    """Where each capture's time went, from the row's timestamps: medians in ms per step.

    created_at is set when the web request inserts the row; claimed_at when a
    worker claims it (after the file is written, the transaction committed and
    the task passed through the broker); finished_at when the worker saved the
    result; the client's clock (same machine) gives the two ends.
    """
    import statistics

    rows = dict(_capture_times(database_url, [s["id"] for s in statuses]))
    steps = {name: [] for name in STEPS}
    for status in statuses:
        created, claimed, finished = rows[status["id"]]
        points = [status["_posted"], created, claimed, finished, status["_seen"]]
        for name, a, b in zip(STEPS, points, points[1:], strict=False):
            steps[name].append((b - a) * 1000)
    return {name: round(statistics.median(values), 1) for name, values in steps.items() if values}


def _capture_times(database_url, ids):
    from datetime import UTC, datetime

    query = "SELECT id, created_at, claimed_at, finished_at FROM recognition_capture WHERE id IN ({})"
    if database_url.startswith("sqlite:///"):
        import sqlite3

        with sqlite3.connect(database_url[len("sqlite:///") :]) as conn:
            rows = conn.execute(query.format(",".join("?" * len(ids))), ids).fetchall()

        def seconds(value):
            return datetime.fromisoformat(value).replace(tzinfo=UTC).timestamp()
    else:
        import psycopg

        with psycopg.connect(database_url.replace("postgres://", "postgresql://", 1)) as conn:
            rows = conn.execute(query.format(",".join(["%s"] * len(ids))), ids).fetchall()

        def seconds(value):
            return value.timestamp()

    for pk, *times in rows:
        yield pk, [seconds(t) for t in times]
