"""Kiosks that keep trying, and what the database says afterwards.

A simulated kiosk posts an attempt with its own attempt id and, like
static/js/kiosk.js, retries the same id while the server cannot answer
(connection refused, 503), then polls until the attempt is finished. Every
answer's status is counted, so a test can tell whether any client was told
500 for an attempt whose row exists.
"""

import json
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import requests

from tests.e2e.stack import ROOT

SETUP = """
from portal.attendance.models import Schedule
from portal.kiosks.services import kiosk_pair, kiosk_pairing_create, kiosk_register
from portal.people.models import Person
from recognition.processing import face_photo_encode
from recognition.services import person_photo_add
person = Person.objects.create(name="Barack Obama", employee_id="1042")
photo, _ = person_photo_add(person=person, data=open({photo!r}, "rb").read(), queue=False)
face_photo_encode(photo=photo)
photo.refresh_from_db()
assert photo.status == "accepted", photo.reason
kiosk = kiosk_register(name="Fault door", liveness=False)  # the frames are one still photo
_, code = kiosk_pairing_create(kiosk=kiosk)
kiosk, token = kiosk_pair(code=code)
# every attempt an event (with the cooldown at 0): no minimum between a check-in and a check-out
Schedule.objects.update(min_interval_minutes=0)
print("TOKEN", kiosk.pk, token)
"""


def enroll_and_pair(env, photo):
    """Obama enrolled (encoded in this process) and a paired kiosk: (kiosk id, token)."""
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SETUP.format(photo=str(photo))],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    line = next(x for x in done.stdout.splitlines() if x.startswith("TOKEN "))
    _, kiosk_id, token = line.split()
    return int(kiosk_id), token


class Kiosks:
    """`clients` kiosks (threads) working through `count` attempts of one frame each."""

    def __init__(self, url, token, frame, *, clients=10):
        self.url = url
        self.token = token
        self.frame = frame
        self.clients = clients
        self.statuses = Counter()  # every HTTP status (or "refused") any client was answered
        self.told_500 = []  # attempt ids answered 500
        self.answers = {}  # attempt id -> the final answer's JSON
        self.lock = threading.Lock()

    def run(self, tag, count, *, give_up_after=240):
        """Start posting in the background; returns the thread pool's futures."""
        self.pool = ThreadPoolExecutor(self.clients)
        deadline = time.monotonic() + give_up_after
        ids = [f"{tag}{i:04d}{uuid.uuid4().hex[:6]}" for i in range(count)]
        self.futures = [self.pool.submit(self._attempt, attempt_id, deadline) for attempt_id in ids]
        return ids

    def wait(self):
        for future in self.futures:
            future.result()
        self.pool.shutdown()

    def _note(self, attempt_id, status):
        with self.lock:
            self.statuses[status] += 1
            if status == 500:
                self.told_500.append(attempt_id)

    def _attempt(self, attempt_id, deadline):
        session = requests.Session()
        session.headers["Authorization"] = f"Kiosk {self.token}"
        posted = False
        while time.monotonic() < deadline:
            try:
                if posted:
                    response = session.get(f"{self.url}/kiosk/api/captures/{attempt_id}", timeout=30)
                else:
                    response = session.post(
                        f"{self.url}/kiosk/api/captures",
                        data={"client_id": attempt_id},
                        files=[("frame", ("frame-0.jpg", self.frame, "image/jpeg"))],
                        timeout=30,
                    )
            except requests.RequestException:
                self._note(attempt_id, "refused")
                time.sleep(0.5)
                continue
            self._note(attempt_id, response.status_code)
            if response.status_code == 200:
                with self.lock:
                    self.answers[attempt_id] = response.json()
                return
            if response.status_code == 202:
                posted = True
                time.sleep(0.3)
            elif response.status_code == 404 and posted:
                posted = False  # cannot happen: a 202 means the row exists; post again to find out
            else:
                time.sleep(0.5)  # 503 (Retry-After) or worse: the same attempt id again


class Ledger:
    """What the private database says about one scenario's attempts."""

    def __init__(self, database_url):
        self.dsn = database_url.replace("postgres://", "postgresql://", 1)

    def rows(self, kiosk_id, tag):
        query = """
            SELECT c.client_id, c.status, c.error, c.result, extract(epoch FROM c.finished_at),
                   (SELECT count(*) FROM attendance_attendanceevent e WHERE e.capture_id = c.id)
            FROM recognition_capture c WHERE c.client_id LIKE %s
        """
        try:
            with psycopg.connect(self.dsn, connect_timeout=3) as conn:
                return conn.execute(query, [f"k{kiosk_id}:{tag}%"]).fetchall()
        except psycopg.OperationalError:
            return None  # the database is down just now

    def count(self, kiosk_id, tag, *statuses):
        rows = self.rows(kiosk_id, tag)
        return None if rows is None else sum(1 for r in rows if r[1] in statuses)

    def wait_for(self, kiosk_id, tag, statuses, at_least, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if (self.count(kiosk_id, tag, *statuses) or 0) >= at_least:
                return
            time.sleep(0.1)
        raise TimeoutError(f"fewer than {at_least} attempts {statuses}")


def figures(name, kiosks, ledger, kiosk_id, tag, submitted, recovered_at):
    """The scenario's outcome: submitted, finished, stuck, duplicates, seconds to recover."""
    rows = ledger.rows(kiosk_id, tag)
    finished = [r for r in rows if r[1] in ("done", "failed")]
    recognized = [r for r in rows if r[1] == "done" and any(f.get("person_id") for f in (r[3] or {}).get("faces", []))]
    scoped = {r[0].split(":", 1)[1] for r in rows}
    last = max((r[4] for r in finished if r[4] is not None), default=recovered_at)
    out = {
        "scenario": name,
        "submitted": submitted,
        "rows": len(rows),
        "finished": len(finished),
        "failed": sum(1 for r in rows if r[1] == "failed"),
        "failed_without_message": sum(1 for r in rows if r[1] == "failed" and not r[2]),
        "stuck": len(rows) - len(finished),
        "recognized": len(recognized),
        "duplicates": sum(1 for r in rows if r[5] > 1),
        "recognized_without_one_event": sum(1 for r in recognized if r[5] != 1),
        "seconds_to_recover": round(max(0.0, float(last) - recovered_at), 1),
        "answered": len(kiosks.answers),
        "told_500_with_a_row": sum(1 for a in kiosks.told_500 if a in scoped),
        "statuses": {str(k): v for k, v in sorted(kiosks.statuses.items(), key=str)},
    }
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    path = results / "faults.json"
    saved = json.loads(path.read_text()) if path.exists() else {}
    saved[name] = out
    Path(path).write_text(json.dumps(saved, indent=2))
    print(json.dumps(out))
    return out
