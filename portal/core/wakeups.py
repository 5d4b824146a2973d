"""Waking a request that waits for a worker's row, instead of it polling blind.

A kiosk or a page waiting for its capture used to look at the row every 20 ms:
on average half of that came on top of every answer, and each look was a
query. On PostgreSQL the worker now says "look again" with NOTIFY in the
transaction that finishes the row (delivered at its commit, never before), and
the waiting request LISTENs on the row's channel, so it looks the moment the
answer is there. The polling stays as it was, underneath: on SQLite, inside a
transaction, behind a pooler that drops notifications, or when a notification
is lost, the wait still ends at the next look.
"""

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psycopg
from django.db import Error, connection
from django.db.models import Model

Sleep = Callable[[float], bool]


def channel(model: type[Model], pk: int) -> str:
    """The channel of one row: its table and id (both safe as a PostgreSQL name)."""
    return f"{model._meta.db_table}_{int(pk)}"


def wake(name: str) -> None:
    """Tell whoever waits on channel `name` to look again; inside a transaction, at its commit."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_notify(%s, '')", [name])


@contextmanager
def listening(name: str) -> Iterator[Sleep]:
    """Yields `sleep(seconds)`: waits at most `seconds`, and returns True as
    soon as channel `name` is woken (False when the time ran out).

    Listen before the look whose answer decides whether to wait: a wake between
    the look and the sleep then ends the sleep at once instead of being missed.
    """
    pg = _listen(name)
    if pg is None:
        yield _sleep
        return
    try:
        yield lambda seconds: _notified(pg, seconds)
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute(f'UNLISTEN "{name}"')
        except Error:
            pass  # a connection that broke listens to nothing any more


def _sleep(seconds: float) -> bool:
    time.sleep(seconds)
    return False


def _listen(name: str):
    """The psycopg connection now listening on `name`, or None where a notification cannot arrive."""
    # notifications reach a session only between transactions, and a LISTEN inside one starts at its commit
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return None
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'LISTEN "{name}"')
    except Error:
        return None
    return connection.connection


def _notified(pg, seconds: float) -> bool:
    try:
        # read to the end: the generator holds the connection's lock until it finishes
        return bool(list(pg.notifies(timeout=max(seconds, 0.0), stop_after=1)))
    except psycopg.Error:
        # the connection broke: the caller's next look raises Django's error and says so
        return False
