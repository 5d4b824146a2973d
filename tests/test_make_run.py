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
    assert run_target_commands() == ["start_up", "runserver"]
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
