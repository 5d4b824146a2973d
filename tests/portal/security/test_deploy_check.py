"""`manage.py check --deploy` is clean with the README's production settings."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # each test boots Django in a subprocess

ROOT = Path(__file__).resolve().parents[3]
# the environment of the README's "Production" section
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "attendance.example.com",
    "DATABASE_URL": "postgres://portal:secret@db:5432/portal",
    "CELERY_BROKER_URL": "redis://redis:6379/0",
    "CACHE_URL": "redis://redis:6379/1",
    "MEDIA_SENDFILE": "x-accel-redirect",
    "TRUSTED_PROXIES": "1",
}


def manage(*args, env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_deploy_check_is_clean_with_the_production_settings(tmp_path):
    done = manage("check", "--deploy", "--fail-level", "WARNING", env={**PRODUCTION, "MEDIA_ROOT": str(tmp_path)})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues (0 silenced)" in done.stdout


def test_the_deploy_check_catches_a_weak_production_setting(tmp_path):
    # the check above can fail: a short secret key is reported
    done = manage("check", "--deploy", "--fail-level", "WARNING", env={**PRODUCTION, "SECRET_KEY": "short"})
    assert done.returncode != 0 and "security.W009" in done.stdout + done.stderr
