"""The review list under concurrent writers: no lock over the list, no deadlock, one entry per stranger."""

import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from django.db import connection
from django.utils import timezone

from portal.review.models import UnknownFace, UnknownSighting
from portal.review.services import unknown_face_record
from recognition.sightings import Sighting

ROOT = Path(__file__).resolve().parents[3]
WRITERS = 4


def stranger_sighting(face, rng):
    encoding = (face + rng.normal(0, 0.01, face.shape)).astype(np.float32)
    return Sighting(at=timezone.now(), source="camera", unknown_face=encoding.tobytes(), face_picture=b"jpeg")


@pytest.mark.django_db(transaction=True)
def test_concurrent_sightings_of_the_same_strangers_end_in_one_entry_each_without_deadlock():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serializes every writer: run on PostgreSQL (the test below)")
    rng = np.random.default_rng(5)
    # already open entries of other strangers, which nobody should have to wait for
    for _ in range(200):
        unknown_face_record(sighting=stranger_sighting(rng.normal(0, 0.09, 128), rng))
    strangers = [rng.normal(0, 0.09, 128) for _ in range(6)]
    start, errors = threading.Barrier(WRITERS), []

    def writer(seed):
        mine = np.random.default_rng(seed)
        try:
            start.wait(timeout=60)
            for _ in range(5):
                for face in strangers:  # every writer sees every new stranger, at the same moments
                    unknown_face_record(sighting=stranger_sighting(face, mine))
        except Exception as exc:  # noqa: BLE001 - a deadlock or a duplicate is what the test looks for
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(seed,)) for seed in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    assert UnknownFace.objects.count() == 200 + len(strangers)
    for face in strangers:
        entries = [e for e in UnknownFace.objects.all() if np.linalg.norm(e.vector - face) < 0.2]
        assert len(entries) == 1 and entries[0].seen == WRITERS * 5
    assert UnknownSighting.objects.count() == 200 + len(strangers) * WRITERS * 5


def test_the_concurrency_test_passes_on_postgresql(tmp_path):
    if connection.vendor == "postgresql":
        pytest.skip("already running on PostgreSQL")
    from tests.e2e.stack import postgres_database

    with postgres_database() as url:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CELERY_"))}
        env.update(DATABASE_URL=url, MEDIA_ROOT=str(tmp_path / "media"))
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__, "-k", "not on_postgresql"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and "skipped" not in done.stdout
