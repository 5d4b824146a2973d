"""A database migrated before the migrations were squashed migrates onward with the squashed ones.

The migrations were regenerated with `squashmigrations` (issue 19). Each squashed migration keeps
`replaces`: a database that ran the originals has them recorded in django_migrations, Django
takes the squashed migration as applied and runs only what came after it. This builds such a
database with the tree of the last commit that had the originals (`git archive`), with a person,
a decided capture and a camera password in it, then migrates it with today's tree, on SQLite and
on PostgreSQL.
"""

import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# main just before the squashed migrations replaced the originals
BEFORE_SQUASH = "8081a6d8eeea23cc7c0c85a9af8356730ae222e7"

OLD_ROWS = """
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)  # in the same start as the rows: each costs seconds
from django.contrib.auth.models import Group
from portal.cameras.models import Camera
from portal.people.models import Person
from recognition.models import Capture
person = Person.objects.create(name="张伟", employee_id="CN-9")
Capture.objects.create(status="done", result={"faces": [{"name": "张伟", "person_id": person.pk, "decision": "match",
    "box": [1, 2, 3, 4], "distance": 0.3, "event_id": None, "event": None}], "gallery_size": 1})
Camera.objects.create(name="Gate", kind="rtsp", url="rtsp://10.0.0.5/s", password="secret")
print(Group.objects.count())
"""

NEW_READS = """
import json
from django.contrib.auth.models import Group
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from portal.cameras.models import Camera
from portal.people.models import Person
from recognition.models import Capture
person = Person.objects.get(employee_id="CN-9")
recorded = MigrationRecorder.Migration.objects.filter(name__contains="_squashed_").values_list("app", "name")
executor = MigrationExecutor(connection)
print(json.dumps({
    "search_key": person.search_key,
    "face": Capture.objects.get().face_result.first.name,
    "password": Camera.objects.get().password,
    "groups": Group.objects.count(),
    "squashed": sorted(f"{app}.{name}" for app, name in recorded),
    # what `migrate --check` looks at: nothing left to apply
    "unapplied": [str(m) for m, _ in executor.migration_plan(executor.loader.graph.leaf_nodes())],
}))
"""


def old_tree(folder):
    """The project's code as it was before the squash (only what `migrate` needs)."""
    known = subprocess.run(["git", "cat-file", "-e", f"{BEFORE_SQUASH}^{{commit}}"], cwd=ROOT, capture_output=True)
    if known.returncode != 0:
        pytest.skip("the commit before the squash is not in this clone's history (a shallow clone or an archive)")
    code = ["manage.py", "portal", "recognition"]
    archive = subprocess.run(["git", "archive", BEFORE_SQUASH, *code], cwd=ROOT, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def manage(cwd, url, media, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CELERY_", "DJANGO_"))}
    env.update(DATABASE_URL=url, MEDIA_ROOT=str(media))
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=1200
    )
    return done


def migrate_onward(tmp_path, url):
    old, media = old_tree(tmp_path / "old"), tmp_path / "media"
    done = manage(old, url, media, "shell", "-c", OLD_ROWS)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    groups_before = int(done.stdout.split()[-1])
    # today's tree: nothing to apply from the squashed migrations' originals, the rest applied
    done = manage(ROOT, url, media, "migrate", "--noinput")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert "squashed" not in done.stdout  # recorded as applied, never run again on these tables
    if url.startswith("sqlite"):  # the models against the migration files: the same whatever the database
        done = manage(ROOT, url, media, "makemigrations", "--check", "--dry-run")
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    # one Django start for the checks and the reads (each start costs seconds)
    done = manage(ROOT, url, media, "shell", "-c", NEW_READS)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["unapplied"] == []
    assert found["search_key"] == "张伟 | zhang wei | zhangwei | zw" and found["face"] == "张伟"
    assert found["password"] == "secret" and found["groups"] == groups_before >= 6
    squashed = {path.stem for path in ROOT.glob("**/migrations/*_squashed_*.py") if ".venv" not in path.parts}
    assert {name.split(".", 1)[1] for name in found["squashed"]} == squashed


@pytest.mark.slow
def test_a_sqlite_database_of_the_original_migrations_migrates_onward(tmp_path):
    migrate_onward(tmp_path, f"sqlite:///{tmp_path / 'portal.sqlite3'}")


@pytest.mark.slow
def test_a_postgresql_database_of_the_original_migrations_migrates_onward(tmp_path):
    from tests.e2e.stack import postgres_database

    with postgres_database() as url:
        migrate_onward(tmp_path, url)
