"""`make run` does the periodic work at each start: every command it names must run on a fresh database."""

import re
import shlex
from pathlib import Path

import pytest
from django.core.management import call_command

MAKEFILE = Path(__file__).resolve().parents[1] / "Makefile"


def run_target_commands():
    text = MAKEFILE.read_text()
    recipe = re.search(r"^run:.*?\n((?:\t.*\n|#.*\n|\n)+)", text, re.M).group(1)
    commands = [shlex.split(line.split("manage.py", 1)[1]) for line in recipe.splitlines() if "manage.py" in line]
    return [c for c in commands if c[0] not in ("migrate", "runserver")]


def test_the_run_target_names_the_periodic_commands():
    names = [c[0] for c in run_target_commands()]
    assert {"ensure_admin", "close_days", "reconcile", "reencode"} <= set(names), names


@pytest.mark.django_db
@pytest.mark.parametrize("command", run_target_commands(), ids=lambda c: c[0])
def test_every_command_make_run_starts_with_runs_on_a_fresh_database(command, capsys):
    call_command(*command)
