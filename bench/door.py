"""Door latency: from a kiosk attempt's arrival to the unlock command at an MQTT subscriber.

`python -m bench.door [--attempts 100]`. The production stack of the
end-to-end tests (tests/e2e/stack.py: a fresh PostgreSQL database, Redis,
gunicorn, one `celery worker`) with door commands going to the machine's
Mosquitto (127.0.0.1:1883) under a topic of this run's own. One enrolled
person with access to one door; a paired kiosk at that door posts a burst of
3 frames to /kiosk/api/captures, as kiosk.js does, one attempt after the
other. A real paho subscriber notes when each unlock arrives; the figure is
arrival minus the moment the attempt's request was sent (median and p95 in ms).
"""

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack, closing
from pathlib import Path

import requests

from bench import common
from tests import photos
from tests.e2e.stack import Browser, manage, running_stack
from tests.portal.access.mqtt_helpers import Subscriber

SETUP = """
from portal.access.models import AccessGroup, AccessLevel, Door, Zone
from portal.kiosks.models import Kiosk
from portal.kiosks.services import kiosk_pair, kiosk_pairing_create, kiosk_register
from portal.people.models import Person
zone = Zone.objects.create(name="Bench zone")
# liveness off: the frames are one still photo
door = Door.objects.create(name="Bench door", zone=zone, unlock_seconds=3, controller_id="bench-door", liveness="off")
level = AccessLevel.objects.create(name="Always", any_time=True, closed_on_holidays=False)
level.doors.add(door)
group = AccessGroup.objects.create(name="Bench")
group.people.add(Person.objects.get(employee_id="1042"))
group.levels.add(level)
kiosk = kiosk_register(name="Bench kiosk", liveness=False)  # the frames are one still photo
Kiosk.objects.filter(pk=kiosk.pk).update(door=door, door_side="entry")
_, code = kiosk_pairing_create(kiosk=kiosk)
_, token = kiosk_pair(code=code)
print("TOKEN=" + token)
"""


def setup_door(env):
    import subprocess

    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SETUP],
        cwd=common.ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.split("TOKEN=")[1].strip()


BREAKDOWN = """
import json, statistics
from portal.access.models import DoorCommand
rows = [c for c in DoorCommand.objects.filter(status="sent").select_related("event__capture") if c.event_id]
ms = lambda d: d.total_seconds() * 1000
steps = {
    # the attempt stored (its row) -> a worker claims it: the commit, the broker, the worker's receipt
    "capture_row_to_worker": [ms(c.event.capture.claimed_at - c.event.capture.created_at) for c in rows],
    # reading the frames, detection, encoding, the search, the rules, the outbox row
    "worker_to_decision": [ms(c.issued_at - c.event.capture.claimed_at) for c in rows],
    "capture_row_to_decision": [ms(c.issued_at - c.event.capture.created_at) for c in rows],
    # the capture's result and picture saved before the commit
    "decision_to_capture_done": [ms(c.event.capture.finished_at - c.issued_at) for c in rows],
    # the commit, then the publish (from the worker itself, or a hop to the doors' queue first)
    "decision_to_broker_ack": [ms(c.sent_at - c.issued_at) for c in rows],
}
print("STEPS=" + json.dumps({k: round(statistics.median(v), 1) for k, v in steps.items() if v}))
"""


def breakdown(env):
    """Median ms of each step, from the rows' own timestamps."""
    import subprocess

    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", BREAKDOWN],
        cwd=common.ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.split("STEPS=")[1])


def attempt(url, token, frames):
    files = [("frame", (f"frame-{i}.jpg", data, "image/jpeg")) for i, data in enumerate(frames)]
    sent = time.time()
    response = requests.post(
        url + "/kiosk/api/captures",
        data={"client_id": uuid.uuid4().hex},
        files=files,
        headers={"Authorization": f"Kiosk {token}"},
        timeout=60,
    )
    return sent, response.json()


def start(exits, early, frames):
    """A stack of its own (its MQTT topic), set up and warmed up. early: today's way (the first sure
    frame decides, the worker publishes the unlock itself); not early: the way before issue 23 (every
    frame decoded and encoded, the unlock published by a task on the doors' queue)."""
    subscriber = exits.enter_context(closing(Subscriber()))
    env = {
        "KIOSK_EARLY_DECISION": "1" if early else "0",
        "DOOR_COMMAND_SEND_AT_ONCE": "1" if early else "0",
        "DOOR_MQTT_TOPIC": subscriber.topic,
    }
    tmp = exits.enter_context(tempfile.TemporaryDirectory())
    stack = exits.enter_context(running_stack(Path(tmp), production=True, extra_env=env))
    admin = Browser(stack.url)
    admin.sign_in_admin()
    person = admin.add_person("Barack Obama", "1042", [photos.OBAMA_2, photos.OBAMA_3])
    assert admin.wait_for_encoding(person) == ["accepted", "accepted"]
    token = setup_door(stack.env)
    attempt(stack.url, token, frames)  # warm-up: the worker loads the gallery
    subscriber.wait_for(1, timeout=10)
    return {"early": early, "stack": stack, "subscriber": subscriber, "token": token, "latencies": [],
            "answers": [], "missing": 0}  # fmt: skip


def one_attempt(side, frames):
    subscriber = side["subscriber"]
    before = len(subscriber.messages)
    sent, answer = attempt(side["stack"].url, side["token"], frames)
    side["answers"].append(answer.get("outcome"))
    got = subscriber.wait_for(before + 1, timeout=10)
    if len(got) <= before:
        side["missing"] += 1
    else:
        side["latencies"].append(got[before][0] - sent)


def figures_of(side, attempts):
    manage(side["stack"].env, "check")  # the stack is still healthy
    return {
        "kiosk_early_decision": side["early"],
        "sent_at_once_by_the_worker": side["early"],
        "load_average": [round(x, 1) for x in os.getloadavg()],
        "attempt_to_mqtt": common.summary_ms(side["latencies"]),
        "attempts": attempts,
        "door_open_answers": side["answers"].count("door_open"),
        "commands_missing": side["missing"],
        "max_age_ok": all(age <= 5.0 for age in side["subscriber"].ages()),
        "median_ms_per_step": breakdown(side["stack"].env),
    }


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.door", description=__doc__)
    p.add_argument("--attempts", type=int, default=100)
    p.add_argument(
        "--compare",
        action="store_true",
        help="a second stack beside, the way before (KIOSK_EARLY_DECISION=0: every frame encoded; "
        "DOOR_COMMAND_SEND_AT_ONCE=0: the unlock through the doors' queue), attempts taking turns between the "
        "two (the same load on both): the ratio of the medians",
    )
    p.add_argument("--results", default=str(common.RESULTS))
    args = p.parse_args(argv)
    # base_env copies this process's environment into the portal's processes
    os.environ.update(
        DOOR_MQTT_HOST="127.0.0.1",
        DOOR_MQTT_SECRET="bench-mqtt-secret",
        DOOR_MQTT_PORT="1883",
        KIOSK_RESULT_WAIT_SECONDS="5",
    )
    frames = [common.kiosk_frame(photos.OBAMA, quality=85 - i) for i in range(3)]
    load_at_start = [round(x, 1) for x in os.getloadavg()]
    with ExitStack() as exits:
        sides = [start(exits, early, frames) for early in ([False, True] if args.compare else [True])]
        for _ in range(args.attempts):
            for side in sides:
                one_attempt(side, frames)
        runs = [figures_of(side, args.attempts) for side in sides]
    figures = dict(runs[-1], load_average_at_start=load_at_start)
    if args.compare:
        before, after = runs[0]["attempt_to_mqtt"]["median_ms"], runs[-1]["attempt_to_mqtt"]["median_ms"]
        figures["before"] = runs[0]
        figures["median_ratio_to_before"] = round(after / before, 2) if before else None
    print(json.dumps(figures, indent=2))
    Path(args.results).mkdir(parents=True, exist_ok=True)
    (Path(args.results) / "door.json").write_text(json.dumps(figures, indent=2))
    return figures


if __name__ == "__main__":
    main()
