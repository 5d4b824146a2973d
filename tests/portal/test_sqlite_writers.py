"""The embedded setup's SQLite with several writers at once (requests, in-process tasks, beat's schedule)."""

import subprocess
import sys

import pytest

from tests.e2e.stack import ROOT, base_env

# two transactions that read, then write while the other has read: SQLite cannot let the second wait
# (a deadlock), so begun DEFERRED one fails at once with "database is locked"
READ_THEN_WRITE = """
import threading, time
import django; django.setup()
from django.db import connection, transaction
from portal.people.models import Department
errors = []
def work(i):
    try:
        with transaction.atomic():
            Department.objects.count()
            time.sleep(0.3)
            Department.objects.create(name=f"d{i}")
    except Exception as exc:
        errors.append(repr(exc))
    finally:
        connection.close()
threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
[t.start() for t in threads]
[t.join() for t in threads]
print("errors:", errors, "departments:", Department.objects.count())
"""


@pytest.mark.slow
def test_two_transactions_that_read_then_write_at_once_both_succeed(tmp_path):
    env = base_env(tmp_path)
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'portal.sqlite3'}", DJANGO_SETTINGS_MODULE="portal.settings")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    done = subprocess.run(
        [sys.executable, "-c", READ_THEN_WRITE], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    assert done.stdout.strip() == "errors: [] departments: 2", done.stdout + done.stderr
