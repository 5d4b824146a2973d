"""A door channel down, the other delivering on time, on the production stack.

PostgreSQL, Redis and one `celery worker` per channel queue (the production
layout of docs/door-agent.md: `-Q <queue>-doors-mqtt` and `-Q
<queue>-doors-webhook`). Granted attempts are decided one after another
while one channel is down (MQTT: nothing listens on its port; webhook: a
controller that accepts connections and never answers); every command of
the other channel must arrive, verified, well inside DOOR_COMMAND_MAX_AGE_SECONDS.
"""

import subprocess
import sys
import time
from datetime import datetime

import pytest

from tests.e2e.stack import BIN, ROOT, running_stack, wait_until
from tests.portal.access.controllers import Receiver, blackhole
from tests.portal.access.mqtt_helpers import Subscriber, free_port

pytestmark = [pytest.mark.faults, pytest.mark.e2e]

MAX_AGE = 5.0
ATTEMPTS = 5
MQTT_SECRET, WEBHOOK_SECRET = "faults-mqtt-secret", "faults-webhook-secret"
DECIDE = """
import time
from django.utils import timezone
from portal.access.models import AccessGroup, AccessLevel, Door, Zone
from portal.access.services import access_attempt_decide
from portal.people.models import Person
door = Door.objects.create(name="Lab 2", zone=Zone.objects.create(name="Research"), controller_id="lab-2")
level = AccessLevel.objects.create(name="Always", any_time=True, closed_on_holidays=False)
level.doors.add(door)
group = AccessGroup.objects.create(name="Staff")
ana = Person.objects.create(name="Ana", employee_id="ana")
group.people.add(ana)
group.levels.add(level)
for _ in range(%d):
    access_attempt_decide(door=door, side="entry", at=timezone.now(), person=ana)
    time.sleep(0.5)
print("DECIDED")
"""
STATUSES = """
from portal.access.models import DoorCommand
for c in DoorCommand.objects.order_by("id"):
    print("ROW", c.channel, c.status, (c.sent_at - c.issued_at).total_seconds() if c.sent_at else -1)
"""


def shell(env, code):
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def rows(env):
    found = {}
    for line in shell(env, STATUSES).splitlines():
        if line.startswith("ROW "):
            _, channel, status, lag = line.split()
            found.setdefault(channel, []).append((status, float(lag)))
    return found


def start_channel_workers(stack):
    prefix = stack.env["CELERY_QUEUE"] + "-doors"
    for channel in ("mqtt", "webhook"):
        proc = stack.processes.start(
            channel,
            [str(BIN / "celery"), "-A", "portal", "worker", "--loglevel=INFO", "--concurrency=1",
             "-Q", f"{prefix}-{channel}", "--hostname", f"{channel}@%h", "--without-gossip", "--without-mingle"],
            stack.env,
        )  # fmt: skip
        wait_until(lambda c=channel, p=proc: "ready." in stack.processes.log(c) or p.poll() is not None, 90, channel)
        assert proc.poll() is None, stack.processes.log(channel)


def channels_env(**extra):
    return {
        "DOOR_COMMAND_MAX_AGE_SECONDS": str(MAX_AGE),
        "DOOR_MQTT_HOST": "127.0.0.1",
        "DOOR_MQTT_SECRET": MQTT_SECRET,
        "DOOR_WEBHOOK_SECRET": WEBHOOK_SECRET,
        **extra,
    }


def test_with_the_mqtt_broker_down_every_webhook_unlock_arrives_on_time(tmp_path):
    receiver = Receiver(WEBHOOK_SECRET)
    env = channels_env(DOOR_MQTT_PORT=str(free_port()), DOOR_WEBHOOK_URL=receiver.url)  # nothing on that port
    try:
        with running_stack(tmp_path, production=True, worker=False, extra_env=env) as stack:
            start_channel_workers(stack)
            assert "DECIDED" in shell(stack.env, DECIDE % ATTEMPTS)
            wait_until(lambda: len(receiver.arrivals) >= ATTEMPTS, 30, "the webhook's unlocks")
            ages = [at - datetime.fromisoformat(p["issued_at"]).timestamp() for at, p in receiver.arrivals]
            assert len(ages) == ATTEMPTS and max(ages) < 1.5, ages  # not one waited behind MQTT's retries
            time.sleep(MAX_AGE + 1)  # MQTT's commands run out of time
            found = rows(stack.env)
            assert [s for s, _ in found["webhook"]] == ["sent"] * ATTEMPTS
            assert [s for s, _ in found["mqtt"]] == ["expired"] * ATTEMPTS
    finally:
        receiver.close()


def test_with_the_webhook_hanging_every_mqtt_unlock_arrives_on_time(tmp_path):
    subscriber = Subscriber()
    try:
        with blackhole() as url:
            env = channels_env(DOOR_MQTT_PORT="1883", DOOR_MQTT_TOPIC=subscriber.topic, DOOR_WEBHOOK_URL=url)
            with running_stack(tmp_path, production=True, worker=False, extra_env=env) as stack:
                start_channel_workers(stack)
                assert "DECIDED" in shell(stack.env, DECIDE % ATTEMPTS)
                messages = subscriber.wait_for(ATTEMPTS, timeout=30)
                assert len(messages) == ATTEMPTS
                ages = subscriber.ages()
                assert max(ages) < 1.5, ages  # not one waited behind the webhook's hanging posts
                time.sleep(MAX_AGE + 1)
                found = rows(stack.env)
                assert [s for s, _ in found["mqtt"]] == ["sent"] * ATTEMPTS
                assert [s for s, _ in found["webhook"]] == ["expired"] * ATTEMPTS
    finally:
        subscriber.close()
