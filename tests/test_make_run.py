"""`make run` does the periodic work at each start, in one process (`start_up`): every command it
names must run on a fresh database, and a generated admin password is printed last, framed."""

import re
from pathlib import Path

import pytest
from django.core.management import call_command

from portal.web.management.commands.start_up import PERIODIC

MAKEFILE = Path(__file__).resolve().parents[1] / "Makefile"


def run_target_commands():
    text = MAKEFILE.read_text()
    recipe = re.search(r"^run:.*?\n((?:\t.*\n|#.*\n|\n)+)", text, re.M).group(1)
    return [line.split("manage.py", 1)[1].split()[0] for line in recipe.splitlines() if "manage.py" in line]


def test_the_run_target_starts_in_one_process_then_serves():
    assert run_target_commands() == ["start_up", "serve"]  # serve: runserver and the periodic work
    names = [c[0] for c in PERIODIC]
    assert {"close_days", "reconcile", "reencode", "visitors_erase"} <= set(names), names


@pytest.mark.django_db
@pytest.mark.parametrize("command", PERIODIC, ids=lambda c: c[0])
def test_every_command_make_run_starts_with_runs_on_a_fresh_database(command, capsys):
    call_command(*command)


@pytest.mark.django_db(transaction=True)  # migrate runs outside a test's transaction (SQLite)
def test_start_up_prints_the_generated_admin_password_last_in_a_frame(capsys, monkeypatch):
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    monkeypatch.setenv("ADMIN_USERNAME", "admin")
    call_command("start_up", "--url", "http://127.0.0.1:8000/")
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("+---") and lines[-1] == lines[0]
    assert any("password:" in line for line in lines[1:-1])
    assert "Portal: http://127.0.0.1:8000/" in lines[-3]
    assert len({len(line) for line in lines}) == 1  # a box: every line as wide


QUEUED_EXPORT = """
from django.contrib.auth import get_user_model
from portal.reports.models import ReportExport
user = get_user_model().objects.create_user("hr", password="x")
month = {"date_from": "2026-03-01", "date_to": "2026-03-31"}
print(ReportExport.objects.create(user=user, format="csv", filters=month).pk)
"""


@pytest.mark.slow
def test_the_server_of_make_run_goes_on_with_the_periodic_work_while_it_serves(tmp_path):
    """An export queued but never handed over (a crash between its commit and the hand-over) is sent again
    by the reconciler, which only beat's schedule runs: here the serving process's own."""
    import sqlite3
    import subprocess
    import sys

    from tests.e2e.stack import ROOT, Processes, _up, base_env, free_port, wait_until

    env = base_env(tmp_path)
    database = tmp_path / "portal.sqlite3"
    env.update(DATABASE_URL=f"sqlite:///{database}", RECOVERY_INTERVAL_SECONDS="1", RECOVERY_QUEUED_GRACE_SECONDS="1")
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput"], cwd=ROOT, env=env, check=True, capture_output=True)
    made = subprocess.run([*manage, "shell", "-c", QUEUED_EXPORT], cwd=ROOT, env=env, check=True, capture_output=True)
    export_id = int(made.stdout.split()[-1])
    processes, port = Processes(tmp_path), free_port()
    server = processes.start("serve", [*manage, "serve", "--noreload", f"127.0.0.1:{port}"], env)
    try:
        wait_until(lambda: _up(f"http://127.0.0.1:{port}") or server.poll() is not None, 120, "the server")
        assert server.poll() is None, processes.log("serve")

        def status():
            with sqlite3.connect(database) as db:
                return db.execute("SELECT status FROM reports_reportexport WHERE id = ?", [export_id]).fetchone()[0]

        wait_until(lambda: status() == "done", 120, "the reconciler to send the export, in the server's process")
        assert "periodic work in this process" in processes.log("serve")
    finally:
        processes.stop()
