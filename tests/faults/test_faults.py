"""Faults on the production stack: nothing stuck, nothing lost, nothing twice.

One stack (gunicorn, a celery worker, celery beat running the reconciler)
over a private PostgreSQL and a private Redis, which these tests stop and
restart. Each scenario has simulated kiosks submit attempts of a fixture
photo while a fault happens, then checks: every attempt ends done or failed
(with a message) within 60 s of the recovery, every recognized attempt has
exactly one attendance event, no client was told 500 for an attempt whose row
exists, and every kiosk got its answer. The figures go to
bench/results/faults.json (the README quotes them).
"""

import os
import signal
import tempfile
import time
from pathlib import Path

import pytest

from tests import photos
from tests.e2e.stack import running_stack, wait_until
from tests.faults.harness import Kiosks, Ledger, enroll_and_pair, figures
from tests.faults.servers import PrivatePostgres, PrivateRedis
from tests.portal.kiosks.kiosk_helpers import kiosk_frame

pytestmark = [pytest.mark.faults, pytest.mark.e2e]

RECOVERY_BOUND_SECONDS = 60
WORKER = "faults"


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    # not under pytest's tmp folder: the postgres user must be able to enter it
    folder = Path(tempfile.mkdtemp(prefix="faults-", dir="/tmp"))
    postgres, redis = PrivatePostgres(folder), PrivateRedis(folder)
    try:
        postgres.create()
        redis.start()
        yield postgres, redis
    finally:
        redis.kill()
        postgres.stop()
        import shutil

        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def stack(servers, tmp_path_factory):
    postgres, redis = servers
    tmp = tmp_path_factory.mktemp("faults")
    extra = {
        # the reconciler looks every 3 s and sends again what waited unsent 8 s
        "RECOVERY_INTERVAL_SECONDS": "3",
        "RECOVERY_QUEUED_GRACE_SECONDS": "8",
        # every recognized attempt records an event: exactly one is checkable
        "ATTENDANCE_COOLDOWN_SECONDS": "0",
        "KIOSK_RESULT_WAIT_SECONDS": "1",
        # ten simulated kiosks share one kiosk's token
        "API_THROTTLE_KIOSK": "100000/minute",
    }
    with running_stack(
        tmp, production=True, database_url=postgres.url, broker_url=redis.url, extra_env=extra, worker=False
    ) as running:
        running.kiosk_id, running.token = enroll_and_pair(running.env, photos.OBAMA)
        running.worker = running.start_worker(WORKER)
        running.start_beat(tmp)
        running.restarts = 0
        yield running


@pytest.fixture
def world(stack, servers):
    postgres, redis = servers
    if stack.worker.poll() is not None:  # an earlier scenario failed half way
        restart_worker(stack)
    return stack, postgres, redis, Ledger(postgres.url)


def restart_worker(stack):
    stack.restarts += 1
    stack.worker = stack.start_worker(WORKER, log=f"{WORKER}-{stack.restarts}")
    return time.time()


def pool_processes(proc):
    path = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


FRAME = None


def kiosks_for(stack, clients=10):
    global FRAME
    FRAME = FRAME or kiosk_frame(photos.OBAMA_2)
    return Kiosks(stack.url, stack.token, FRAME, clients=clients)


def check(out):
    assert out["stuck"] == 0, out
    assert out["rows"] == out["submitted"] == out["answered"], out
    assert out["failed_without_message"] == 0, out
    assert out["duplicates"] == 0 and out["recognized_without_one_event"] == 0, out
    assert out["told_500_with_a_row"] == 0, out
    assert out["seconds_to_recover"] <= RECOVERY_BOUND_SECONDS, out
    assert out["recognized"] >= out["finished"] - out["failed"] - 2, out  # the photo is Obama's


def test_a_pool_process_killed_mid_task_loses_no_attempt(world):
    stack, _, _, ledger = world
    kiosks, tag, count = kiosks_for(stack), "pool", 100
    kiosks.run(tag, count)
    recovered = None
    for target in (60, 85):  # late in the run: what is left after recovery is the faulted work
        ledger.wait_for(stack.kiosk_id, tag, ("done", "failed"), target)
        ledger.wait_for(stack.kiosk_id, tag, ("processing",), 1)
        for pid in pool_processes(stack.worker):
            os.kill(pid, signal.SIGKILL)
        recovered = time.time()
    kiosks.wait()
    check(figures("pool process killed (x2)", kiosks, ledger, stack.kiosk_id, tag, count, recovered))


def test_a_whole_worker_killed_and_started_again_loses_no_attempt(world):
    stack, _, _, ledger = world
    kiosks, tag, count = kiosks_for(stack), "worker", 60
    kiosks.run(tag, count)
    ledger.wait_for(stack.kiosk_id, tag, ("done", "failed"), 40)
    ledger.wait_for(stack.kiosk_id, tag, ("processing",), 1)
    os.killpg(stack.worker.pid, signal.SIGKILL)
    stack.worker.wait(timeout=10)
    time.sleep(2)
    recovered = restart_worker(stack)
    kiosks.wait()
    check(figures("whole worker killed, new one started", kiosks, ledger, stack.kiosk_id, tag, count, recovered))


def test_redis_restarted_with_work_queued_loses_no_attempt(world):
    stack, _, redis, ledger = world
    os.killpg(stack.worker.pid, signal.SIGTERM)  # the work piles up in the queue
    stack.worker.wait(timeout=60)
    count = 50
    kiosks, tag = kiosks_for(stack, clients=count), "redis"  # each kiosk posts one attempt and waits
    kiosks.run(tag, count)
    ledger.wait_for(stack.kiosk_id, tag, ("queued",), count)
    wait_until(lambda: redis.queued() >= count, 30, "the attempts in Redis")
    queued = redis.queued()
    redis.kill()
    redis.start()  # no persistence: the queue is gone (beat may already have sent a periodic task)
    assert redis.queued() < count <= queued
    recovered = restart_worker(stack)
    kiosks.wait()
    check(figures("Redis restarted with 50 queued", kiosks, ledger, stack.kiosk_id, tag, count, recovered))


def test_the_broker_stopped_during_submissions_loses_no_attempt(world):
    stack, _, redis, ledger = world
    kiosks, tag, count = kiosks_for(stack), "broker", 60
    kiosks.run(tag, count)
    ledger.wait_for(stack.kiosk_id, tag, ("done", "failed"), 30)
    redis.kill()
    time.sleep(3.5)
    redis.start()
    recovered = time.time()
    kiosks.wait()
    check(figures("Redis down 3.5 s during submissions", kiosks, ledger, stack.kiosk_id, tag, count, recovered))


def test_postgresql_stopped_for_ten_seconds_loses_no_attempt(world):
    stack, postgres, _, ledger = world
    kiosks, tag, count = kiosks_for(stack), "pg", 60
    kiosks.run(tag, count)
    ledger.wait_for(stack.kiosk_id, tag, ("done", "failed"), 30)
    postgres.down_for(10)
    recovered = time.time()
    kiosks.wait()
    out = figures("PostgreSQL down 10 s", kiosks, ledger, stack.kiosk_id, tag, count, recovered)
    check(out)
    assert out["statuses"].get("503", 0) > 0, out  # the outage was answered 503, not 500
