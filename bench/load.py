"""6. Load: many kiosks at once, and whether the web tier stays responsive.

`clients` simulated kiosks (20) each post 3-frame attempts of an enrolled
person to the kiosk API for `seconds` (60), one attempt after another: the
submit waits briefly for the result, then the kiosk polls, as
static/js/kiosk.js does. Meanwhile a probe asks /healthz every 250 ms. The
stack is the README's production one: gunicorn (2 processes, gthread), one
celery worker (--concurrency 2), celery beat (the reconciler), PostgreSQL,
Redis.

Reported: attempts finished, errors (any answer other than 200/202, or no
answer), attempt latency p50/p95 (post to result), /healthz p50/p95 under load.
"""

import subprocess
import sys
import threading
import time
import uuid
from collections import Counter

import requests

from bench import common, stack

# the figures before the web tier stopped blocking (sync gunicorn workers)
BEFORE = {"p50_s": 8.6, "p95_s": 9.9, "healthz_p95_s": 8.1}

PAIR = """
from portal.kiosks.services import kiosk_pair, kiosk_pairing_create, kiosk_register
for n in range({count}):
    kiosk = kiosk_register(name=f"Load kiosk {{n}}", liveness=False)  # the frames are one still photo
    _, code = kiosk_pairing_create(kiosk=kiosk)
    kiosk, token = kiosk_pair(code=code)
    print("TOKEN", token)
"""


def pair_kiosks(env, count):
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PAIR.format(count=count)],
        cwd=common.ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return [line.split()[1] for line in done.stdout.splitlines() if line.startswith("TOKEN ")]


def burst(path, frames=3):
    """Three frames of one person, shifted a little as a live camera would give them."""
    return [common.kiosk_frame(path, size=(480, 360), quality=80 + i) for i in range(frames)]


class LoadKiosk:
    """Posts like static/js/kiosk.js: the same attempt id again (backing off
    0.5 s to 5 s) while the server is unreachable or answers 429/5xx, then
    polls until the result."""

    def __init__(self, url, token, frames, refusals):
        self.url = url
        self.frames = frames
        self.refusals = refusals  # Counter: every answer that made the kiosk try again
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Kiosk {token}"

    def _call(self, method, path, deadline, **kwargs):
        delay = 0.5
        while True:
            try:
                response = self.session.request(method, self.url + path, timeout=30, **kwargs)
                if response.status_code != 429 and response.status_code < 500:
                    return response
                self.refusals[f"HTTP {response.status_code}"] += 1
            except requests.RequestException as exc:
                self.refusals[type(exc).__name__] += 1
            if time.perf_counter() + delay > deadline:
                return None
            time.sleep(delay)
            delay = min(delay * 2, 5)

    def attempt(self, timeout=60):
        """(seconds, error or None) for one attempt from post to result."""
        attempt_id = uuid.uuid4().hex
        files = [("frame", (f"frame-{i}.jpg", data, "image/jpeg")) for i, data in enumerate(self.frames)]
        start = time.perf_counter()
        deadline = start + timeout
        response = self._call("POST", "/kiosk/api/captures", deadline, data={"client_id": attempt_id}, files=files)
        while response is not None and response.status_code == 202 and time.perf_counter() < deadline:
            time.sleep(0.3)
            response = self._call("GET", f"/kiosk/api/captures/{attempt_id}", deadline)
        took = time.perf_counter() - start
        if response is None:
            return took, "gave up"
        return took, None if response.status_code == 200 else f"HTTP {response.status_code}"


def run(clients=20, seconds=60, people=1000, frames=3, worker_concurrency=2, threads=16, keep_logs=None):
    names, real, probes = common.enrolled(clients)
    matrix, _ = common.gallery_arrays(max(people, len(real)), real)
    latencies, errors, health, refusals = [], [], [], Counter()
    lock = threading.Lock()
    with stack.running(
        production=True, matrix=matrix, names=names, gunicorn_workers=2, threads=threads, keep_logs=keep_logs
    ) as running:
        running.start_worker(concurrency=worker_concurrency)
        running.start_beat(running.processes.logs)
        tokens = pair_kiosks(running.env, clients)
        kiosks = [
            LoadKiosk(running.url, token, burst(probes[i % len(probes)], frames), refusals)
            for i, token in enumerate(tokens)
        ]
        kiosks[0].attempt()  # the worker's pool loads the gallery
        stop = time.monotonic() + seconds

        def kiosk_loop(kiosk):
            while time.monotonic() < stop:
                took, error = kiosk.attempt()
                with lock:
                    (errors.append(error) if error else latencies.append(took))

        def probe():
            while time.monotonic() < stop:
                start = time.perf_counter()
                try:
                    ok = requests.get(running.url + "/healthz", timeout=30).ok
                except requests.RequestException:
                    ok = False
                health.append(time.perf_counter() - start)
                if not ok:
                    errors.append("healthz")
                time.sleep(0.25)

        workers = [threading.Thread(target=kiosk_loop, args=(k,)) for k in kiosks] + [threading.Thread(target=probe)]
        began = time.perf_counter()
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join()
        wall = time.perf_counter() - began
    results = {
        "clients": clients,
        "seconds": seconds,
        "frames_per_attempt": frames,
        "people_enrolled": len(matrix),
        "gunicorn": f"2 processes, gthread, {threads} threads each" if threads > 1 else "2 sync processes",
        "worker_concurrency": worker_concurrency,
        "attempts_finished": len(latencies),
        "attempts_per_second": round(len(latencies) / wall, 2),
        "errors": len(errors),
        "error_kinds": sorted(set(errors)),
        "answers_retried": dict(refusals),  # 429/5xx/no answer, asked again as the kiosk does
        "attempt_latency": common.summary_ms(latencies),
        "healthz_latency": common.summary_ms(health),
        "before": BEFORE,
    }
    report(results)
    return common.save("load", results)


def report(r):
    latency, health = r["attempt_latency"], r["healthz_latency"]
    print(f"\n== load: {r['clients']} kiosks, {r['frames_per_attempt']}-frame attempts for {r['seconds']} s")
    print(f"{'':34} {'now':>10} {'before':>10}")
    print(f"{'attempts/s':34} {r['attempts_per_second']:>10} {2.3:>10}")
    print(f"{'errors':34} {r['errors']:>10} {'-':>10}")
    print(f"{'answers retried (429/5xx/none)':34} {sum(r['answers_retried'].values()):>10} {'-':>10}")
    for label, value, before in (
        ("attempt p50 s", latency.get("median_ms"), BEFORE["p50_s"]),
        ("attempt p95 s", latency.get("p95_ms"), BEFORE["p95_s"]),
        ("/healthz p50 ms", health.get("median_ms"), None),
        ("/healthz p95 ms", health.get("p95_ms"), BEFORE["healthz_p95_s"] * 1000),
    ):
        now = None if value is None else (round(value / 1000, 2) if label.endswith(" s") else round(value, 1))
        print(f"{label:34} {now if now is not None else '-':>10} {before if before is not None else '-':>10}")
