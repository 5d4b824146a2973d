"""/healthz says whether this process can reach PostgreSQL (here: its database) and the broker, and answers
503 when one is down (issue 21: it answered 200 with PostgreSQL or Redis down); /livez only says it runs."""

import os
import socket

import pytest

pytestmark = pytest.mark.django_db
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_healthz_reports_the_database_and_the_broker(client, settings):
    settings.CELERY_BROKER_URL = REDIS_URL
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json() == {"ok": True, "database": "up", "broker": "up"}


def test_healthz_answers_503_when_the_broker_is_down_and_livez_still_200(client, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/0"
    answer = client.get("/healthz")
    assert answer.status_code == 503
    assert answer.json() == {"ok": False, "database": "up", "broker": "down"}
    assert client.get("/livez").json() == {"ok": True}


def test_without_a_broker_tasks_run_in_process_and_healthz_says_so(client, settings):
    settings.CELERY_BROKER_URL = ""
    assert client.get("/healthz").json()["broker"] == "eager"
