"""A worker keeps its database connection from one task to the next, under the rule a web request
follows (Django's close_old_connections): Celery's Django fixup closed it around every task, and
every capture at a door opened a new PostgreSQL connection first."""

import time
from types import SimpleNamespace

import pytest
from celery.fixups.django import DjangoWorkerFixup
from django.db import connection

from portal.celery import app, database_connections_kept_while_usable

pytestmark = pytest.mark.django_db(transaction=True)


def a_task(*, eager=False):
    return SimpleNamespace(request=SimpleNamespace(is_eager=eager))


def test_the_connection_a_task_used_is_the_next_tasks_while_it_is_young_and_usable():
    connection.ensure_connection()
    connection.close_at = None  # DATABASE_CONN_MAX_AGE not reached
    used = connection.connection
    fixup = DjangoWorkerFixup(app)  # Celery's own handlers, with the portal's settings
    for _ in range(3):
        fixup.on_task_prerun(sender=a_task())
        database_connections_kept_while_usable(task=a_task())
        fixup.on_task_postrun(sender=a_task())
        database_connections_kept_while_usable(task=a_task())
    assert connection.connection is used


def test_an_old_connection_or_one_left_in_a_transaction_is_closed_after_its_task():
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("Django never closes an in-memory SQLite database: its PostgreSQL run below")
    connection.ensure_connection()
    connection.close_at = time.monotonic() - 1  # older than DATABASE_CONN_MAX_AGE
    database_connections_kept_while_usable(task=a_task())
    assert connection.connection is None
    connection.ensure_connection()
    connection.close_at = None
    connection.set_autocommit(False)  # a task that left a transaction open
    database_connections_kept_while_usable(task=a_task())
    assert connection.connection is None


def test_a_task_run_in_the_callers_process_leaves_the_callers_connection_alone():
    connection.ensure_connection()
    connection.close_at = time.monotonic() - 1
    used = connection.connection
    database_connections_kept_while_usable(task=a_task(eager=True))
    assert connection.connection is used


@pytest.mark.slow  # a pytest of its own in a fresh database: the full tier only
def test_the_worker_connection_tests_pass_on_postgresql(tmp_path):
    from tests.e2e.stack import assert_passes_on_postgresql

    assert_passes_on_postgresql(__file__, tmp_path, passed=3)
