"""The docs stay true: a short README, and a configuration table that names every variable the
settings read (and none they do not)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENV_READ = re.compile(r'(?:env_\w+\(\s*|os\.environ(?:\.get|\.setdefault)?[(\[]\s*|getenv\(\s*)"([A-Z][A-Z0-9_]+)"')
# read outside portal/settings.py, by the programs that use them
READ_ELSEWHERE = {"recognition/management/commands/ensure_admin.py", "portal/__init__.py"}
NOT_OURS = {"DJANGO_SETTINGS_MODULE"}


def variables_read():
    names = set(ENV_READ.findall((ROOT / "portal/settings.py").read_text()))
    for path in READ_ELSEWHERE:
        file = ROOT / path
        if file.exists():
            names |= set(ENV_READ.findall(file.read_text()))
    return names - NOT_OURS


def variables_documented():
    table = (ROOT / "docs/configuration.md").read_text()
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])}


def test_the_readme_is_short():
    assert len((ROOT / "README.md").read_text().splitlines()) <= 200


def test_every_variable_the_settings_read_is_in_the_configuration_table():
    missing = variables_read() - variables_documented()
    assert not missing, f"add to docs/configuration.md: {sorted(missing)}"


def test_the_configuration_table_names_no_variable_nobody_reads():
    stale = variables_documented() - variables_read()
    assert not stale, f"docs/configuration.md names what nothing reads: {sorted(stale)}"
