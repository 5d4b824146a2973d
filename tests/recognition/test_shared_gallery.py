"""One gallery file per machine: processes map it, one publishes each next generation, a dead writer harms nothing."""

import inspect
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from recognition import decision, gallery, shared_gallery
from tests.recognition import test_gallery as plain

ROOT = Path(__file__).resolve().parents[2]
RULE = decision.CalibratedRule()


@pytest.fixture
def machine_file(settings, tmp_path):
    settings.GALLERY_SHARED_DIR = str(tmp_path / "shared")
    gallery.forget()
    yield tmp_path / "shared"
    gallery.forget()


@pytest.mark.parametrize("name", [
    "test_deactivating_a_person_is_applied_without_a_reload",
    "test_a_rolled_back_change_this_process_saw_makes_it_reload",
    "test_erasing_and_merging_people_reach_the_gallery",
    "test_pruning_the_log_keeps_the_last_change_and_a_process_behind_it_reloads",
])
def test_the_gallery_tests_pass_with_the_machines_file(machine_file, db, caplog, name):
    test = getattr(plain, name)
    test(**{k: v for k, v in {"db": db, "caplog": caplog}.items() if k in inspect.signature(test).parameters})
    known = gallery.current()
    assert known.generation.path == next(machine_file.glob("*/gallery"))
    assert not decision.people_of(known).centroids.flags.writeable  # mapped read-only: the one copy


def test_a_published_generation_decides_like_the_gallery_it_was_written_from(tmp_path):
    rng = np.random.default_rng(8)
    faces = {pid: plain.synthetic_face(rng) for pid in range(1, 201)}
    for pid in range(191, 201):
        faces[pid] = plain.near(rng, faces[pid - 190], 0.02)  # look-alikes: thresholds tighten
    templates = {pid: [plain.near(rng, f), plain.near(rng, f)] for pid, f in faces.items()}
    log = FakeLog(tmp_path / "log.json")
    for pid, rows in templates.items():
        log.append(pid, rows)
    shared = gallery.SharedGallery(tmp_path / "shared")
    held = shared.current(gallery.Gallery(), log.position(), log.position, log.refresh)
    mine = log.refresh(gallery.Gallery(), log.position())  # the same changes in a process's own memory
    probes = [plain.near(rng, f) for f in faces.values()] + [plain.synthetic_face(rng) for _ in range(30)]
    for probe in probes[:40]:
        decision.decide(held, probe, RULE)  # look-alike distances this process carries to the next generation
    for _ in range(6):
        for pid in rng.choice(200, size=15, replace=False) + 1:
            pid = int(pid)
            templates[pid] = [] if rng.random() < 0.3 else templates[pid] + [plain.near(rng, faces[pid])]
            log.append(pid, templates[pid])
        before = held.generation.header["generation"]
        held = shared.current(held, log.position(), log.position, log.refresh)
        assert held.generation.header["generation"] == before + 1
        assert held.generation.header["layout"] == 1  # changed in a copy, rows in their places
        mine = log.refresh(mine, log.position())
        fresh = gallery.Gallery.from_pairs([(p, t) for p, ts in templates.items() for t in ts])
        plain.same_decisions(held, fresh, probes)
        for probe in probes:
            # every field, to the last bit, as a gallery of the process's own changed the same way
            assert decision.decide(held, probe, RULE) == decision.decide(mine, probe, RULE)


class FakeLog:
    """The database's part, in a file: (person, templates) entries; version = how many."""

    def __init__(self, path):
        self.path = Path(path)

    def entries(self):
        return json.loads(self.path.read_text()) if self.path.exists() else []

    def append(self, pid, rows):
        entries = self.entries() + [[pid, [np.asarray(r, dtype=np.float32).tolist() for r in rows]]]
        written = self.path.with_suffix(".new")
        written.write_text(json.dumps(entries))
        os.replace(written, self.path)  # a reader never reads half of it

    def position(self):
        n = len(self.entries())
        return (n, n, "")

    def refresh(self, held, position):
        entries = self.entries()[: position[0]]
        latest = {}
        if held.version >= 0 and held.dim:
            for pid, rows in entries[held.version:]:
                latest[pid] = np.asarray(rows, dtype=np.float32).reshape(len(rows), held.dim)
            return held.with_people(latest, version=position[0], change_id=position[1])
        for pid, rows in entries:
            latest[pid] = rows
        pairs = [(pid, row) for pid, rows in latest.items() for row in rows]
        return gallery.Gallery.from_pairs(pairs, version=position[0], change_id=position[1])


CHILD = """
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
import django; django.setup()
import numpy as np
from pathlib import Path
from recognition import decision, gallery, shared_gallery
from tests.recognition.test_shared_gallery import FakeLog

folder, log, probe = Path(sys.argv[1]), FakeLog(sys.argv[2]), np.load(sys.argv[3])
wanted, mode = int(sys.argv[4]), sys.argv[5]
shared = gallery.SharedGallery(folder)
if mode == "die-publishing":
    def publish(self, generation):
        print("publishing", generation.path, flush=True)
        sys.stdin.read()  # killed here, the copy changed and not renamed
    shared_gallery.Store.publish = publish
held = gallery.Gallery()
def refresh(held, position):
    if mode == "reader":
        raise AssertionError("the reader was asked to publish")
    return log.refresh(held, position)
held = shared.current(held, log.position(), log.position, refresh)
print("ready", held.generation.header["generation"], flush=True)
import time
deadline = time.monotonic() + 300
while time.monotonic() < deadline:
    held = shared.current(held, log.position(), log.position, refresh)
    if decision.decide(held, probe).person_id == wanted:
        print("seen", held.generation.header["generation"], flush=True)
        break
"""


def child(tmp_path, log, probe, wanted, mode):
    np.save(tmp_path / "probe.npy", probe)
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tmp_path / "shared"), str(log.path), str(tmp_path / "probe.npy"),
         str(wanted), mode],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def small_log(tmp_path, rng):
    log = FakeLog(tmp_path / "log.json")
    faces = {pid: plain.synthetic_face(rng) for pid in range(1, 31)}
    for pid, face in faces.items():
        log.append(pid, [plain.near(rng, face), plain.near(rng, face)])
    return log


def test_a_change_one_process_publishes_is_seen_by_another_within_its_poll(tmp_path):
    rng = np.random.default_rng(9)
    log = small_log(tmp_path, rng)
    shared = gallery.SharedGallery(tmp_path / "shared")
    held = shared.current(gallery.Gallery(), log.position(), log.position, log.refresh)
    newcomer = plain.synthetic_face(rng)
    reader = child(tmp_path, log, plain.near(rng, newcomer, 0.01), 99, "reader")
    try:
        assert reader.stdout.readline().split() == ["ready", "1"]
        # this process is the writer: it holds the lock from before the change is logged to its publication
        assert shared.store.lock(wait=True)
        try:
            log.append(99, [plain.near(rng, newcomer), plain.near(rng, newcomer)])
            held = shared._publish(held, log.position(), log.refresh)
        finally:
            shared.store.unlock()
        assert held.generation.header["generation"] == 2
        assert reader.stdout.readline().split() == ["seen", "2"], reader.stderr.read()
        assert reader.wait(timeout=60) == 0, reader.stderr.read()
    finally:
        reader.kill()
        reader.wait()


def test_a_writer_killed_while_publishing_leaves_the_old_generation_readable(tmp_path):
    rng = np.random.default_rng(10)
    log = small_log(tmp_path, rng)
    shared = gallery.SharedGallery(tmp_path / "shared")
    held = shared.current(gallery.Gallery(), log.position(), log.position, log.refresh)
    probes = [plain.synthetic_face(rng) for _ in range(10)]
    before = [decision.decide(held, p, RULE) for p in probes]
    newcomer = plain.synthetic_face(rng)
    log.append(99, [plain.near(rng, newcomer), plain.near(rng, newcomer)])
    writer = child(tmp_path, log, newcomer, 99, "die-publishing")
    try:
        line = writer.stdout.readline().split()
        assert line[0] == "publishing", writer.stderr.read()
        assert Path(line[1]).exists() and Path(line[1]).name.startswith(shared_gallery.TEMPORARY)
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    # the old generation, whole, as it was
    old = gallery.SharedGallery(tmp_path / "shared")
    again = old.current(gallery.Gallery(), (30, 30, ""), lambda: (30, 30, ""), log.refresh)
    assert again.generation.header["generation"] == 1
    assert [decision.decide(again, p, RULE) for p in probes] == before
    assert decision.decide(again, newcomer, RULE).person_id != 99
    # the dead writer's lock went with it: the next process publishes, and removes its copy
    held = shared.current(held, log.position(), log.position, log.refresh)
    assert held.generation.header["generation"] == 2
    assert decision.decide(held, newcomer, RULE).person_id == 99
    assert not list((tmp_path / "shared").glob(shared_gallery.TEMPORARY + "*"))
