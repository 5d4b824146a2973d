"""DATABASE_POOL_MAX turns on Django's psycopg pool; the portal works through it on PostgreSQL."""

import os
import subprocess
import sys
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def settings_with(env):
    code = "from django.conf import settings; d = settings.DATABASES['default']; print(d['CONN_MAX_AGE'], d['OPTIONS'])"
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout.strip()


def test_the_pool_is_off_unless_asked_for():
    assert "pool" not in settings_with({"DATABASE_URL": "postgres://u@db:5432/portal"})
    pooled = settings_with({"DATABASE_URL": "postgres://u@db:5432/portal", "DATABASE_POOL_MAX": "4"})
    assert pooled.startswith("0 ") and "'max_size': 4" in pooled


def test_queries_go_through_the_pool_on_postgresql(tmp_path):
    if connection.vendor == "postgresql":
        return
    from tests.e2e.stack import postgres_database

    with postgres_database() as url:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CELERY_"))}
        env.update(DATABASE_URL=url, DATABASE_POOL_MAX="2", DJANGO_SETTINGS_MODULE="portal.settings")
        code = (
            "import django; django.setup()\n"
            "from django.db import connection\n"
            "from concurrent.futures import ThreadPoolExecutor\n"
            "def ask(_):\n"
            "    with connection.cursor() as c:\n"
            "        c.execute('SELECT 1'); value = c.fetchone()[0]\n"
            "    connection.close()  # back to the pool\n"
            "    return value\n"
            "print(sum(ThreadPoolExecutor(6).map(ask, range(30))), connection.pool.get_stats()['pool_max'])\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["30", "2"]
