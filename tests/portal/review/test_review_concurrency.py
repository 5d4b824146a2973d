"""The review list under concurrent writers: no lock over the list, no deadlock, one entry per stranger.

And the open entries a process holds (portal.review.open_faces) see what other connections
open, change and close, even a transaction that commits after a later one.
"""

import threading

import numpy as np
import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from portal.review import open_faces
from portal.review.models import UnknownFace, UnknownSighting
from portal.review.services import review_dismiss, unknown_face_record
from recognition.models import GalleryVersion
from recognition.sightings import Sighting
from tests.concurrency import at_once

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

    def writer(seed):
        mine = np.random.default_rng(seed)
        for _ in range(5):
            for face in strangers:  # every writer sees every new stranger, at the same moments
                unknown_face_record(sighting=stranger_sighting(face, mine))

    _, errors = at_once(WRITERS, writer, timeout=300)  # a deadlock or a duplicate is what the test looks for
    assert not errors, errors
    assert UnknownFace.objects.count() == 200 + len(strangers)
    for face in strangers:
        entries = [e for e in UnknownFace.objects.all() if np.linalg.norm(e.vector - face) < 0.2]
        assert len(entries) == 1 and entries[0].seen == WRITERS * 5
    assert UnknownSighting.objects.count() == 200 + len(strangers) * WRITERS * 5


@pytest.fixture
def held(monkeypatch):
    """The encoding version now, with this process holding no open entries yet (as a fresh worker)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite reads every open entry per sighting: run on PostgreSQL (the test below)")
    # the tables are emptied between these tests without a write the held copy would see
    monkeypatch.setattr(open_faces, "_held", {})
    return GalleryVersion.encoding_version_now() or settings.FACE_ENCODING_VERSION


def entry_of(face, version):
    now = timezone.now()
    return UnknownFace.objects.create(
        encoding=face.tobytes(), encoding_version=version, seen=1, first_seen=now, last_seen=now, picture=b"jpeg"
    )


class Elsewhere(threading.Thread):
    """work() on a connection of its own (a thread's), committed when it returns."""

    def __init__(self, work):
        super().__init__()
        self.work, self.value, self.error = work, None, None

    def run(self):
        try:
            self.value = self.work()
        except Exception as exc:  # noqa: BLE001 - handed to the test, which fails on it
            self.error = exc
        finally:
            connection.close()

    def result(self):
        self.join(timeout=60)
        assert not self.is_alive() and self.error is None, self.error
        return self.value


def elsewhere(work):
    thread = Elsewhere(work)
    thread.start()
    return thread.result()


def faces(seed, count):
    rng = np.random.default_rng(seed)
    return [rng.normal(0, 0.09, 128).astype(np.float32) for _ in range(count)]


@pytest.mark.django_db(transaction=True)
def test_the_held_open_entries_see_what_other_connections_open_change_and_close(held):
    one, two, moved, *probes = faces(11, 10)
    first = entry_of(one, held)
    assert open_faces.nearest(version=held, encoding=one) == open_faces.Nearest(first.pk, 0.0)
    second = elsewhere(lambda: entry_of(two, held))
    assert open_faces.nearest(version=held, encoding=two) == open_faces.Nearest(second.pk, 0.0)
    elsewhere(lambda: UnknownFace.objects.filter(pk=second.pk).update(encoding=moved.tobytes()))
    assert open_faces.nearest(version=held, encoding=moved) == open_faces.Nearest(second.pk, 0.0)
    elsewhere(lambda: review_dismiss(entry=UnknownFace.objects.get(pk=first.pk)))
    assert open_faces.nearest(version=held, encoding=one).pk == second.pk
    elsewhere(lambda: [entry_of(face, held) for face in probes[:4]])
    # the same entry at the same distance as reading every open entry now
    for face in [one, two, moved, *probes]:
        open_now = UnknownFace.objects.filter(status=UnknownFace.Status.OPEN, encoding_version=held)
        ids, distances = open_faces.read_all(open_now, face)
        best = int(np.argmin(distances))
        assert open_faces.nearest(version=held, encoding=face) == open_faces.Nearest(ids[best], distances[best])


@pytest.mark.django_db(transaction=True)
def test_an_entry_committed_after_a_later_one_was_read_is_still_seen(held):
    slow_face, quick_face = faces(12, 2)
    assert open_faces.nearest(version=held, encoding=slow_face) is None
    opened, commit = threading.Event(), threading.Event()

    def slow():
        with transaction.atomic():
            entry = entry_of(slow_face, held)  # stamped now, committed only when told
            opened.set()
            assert commit.wait(timeout=60)
        return entry

    slow_writer = Elsewhere(slow)
    slow_writer.start()
    try:
        assert opened.wait(timeout=60)
        quick = elsewhere(lambda: entry_of(quick_face, held))  # a later transaction, committed first
        assert open_faces.nearest(version=held, encoding=slow_face).pk == quick.pk
    finally:
        commit.set()
    late = slow_writer.result()
    # a "highest stamp read so far" would have gone past the slow entry's lower stamp
    assert open_faces.nearest(version=held, encoding=slow_face) == open_faces.Nearest(late.pk, 0.0)


@pytest.mark.django_db(transaction=True)
def test_a_sighting_of_an_entry_gone_without_a_trace_opens_a_new_one(held):
    face = faces(13, 1)[0]
    rng = np.random.default_rng(3)
    gone = unknown_face_record(sighting=stranger_sighting(face, rng))
    # deleted by retention or erasure: a delete leaves no stamped row, the held copy still proposes it
    elsewhere(lambda: UnknownFace.objects.filter(pk=gone.pk).delete())
    entry = unknown_face_record(sighting=stranger_sighting(face, rng))
    assert entry.pk != gone.pk and UnknownFace.objects.get().pk == entry.pk


@pytest.mark.slow  # a pytest of its own in a fresh database: the full tier only
def test_the_concurrency_test_passes_on_postgresql(tmp_path):
    from tests.e2e.stack import assert_passes_on_postgresql

    assert_passes_on_postgresql(__file__, tmp_path)
