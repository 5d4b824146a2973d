"""One gallery file per machine: processes map it, one writes each change in place, readers never see half of
one, a dead writer harms nothing."""

import functools
import inspect
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from django.core.exceptions import ImproperlyConfigured

from portal.settings import _gallery_shared_dir
from recognition import decision, gallery, shared_gallery
from tests.factories import make_person
from tests.recognition import test_gallery as plain

ROOT = Path(__file__).resolve().parents[2]
RULE = decision.CalibratedRule()


@pytest.fixture
def machine_file(settings, tmp_path):
    settings.GALLERY_SHARED_DIR = str(tmp_path / "shared")
    gallery.forget()
    yield tmp_path / "shared"
    gallery.forget()


@pytest.mark.parametrize(
    "name",
    [
        "test_deactivating_a_person_is_applied_without_a_reload",
        "test_a_rolled_back_change_this_process_saw_makes_it_reload",
        "test_erasing_and_merging_people_reach_the_gallery",
        "test_pruning_the_log_keeps_the_last_change_and_a_process_behind_it_reloads",
    ],
)
@pytest.mark.parametrize("cpu", ["x86_64", "aarch64"])  # changes written in place; whole new files
def test_the_gallery_tests_pass_with_the_machines_file(machine_file, db, caplog, monkeypatch, name, cpu):
    monkeypatch.setattr(shared_gallery.platform, "machine", lambda: cpu)
    test = getattr(plain, name)
    test(**{k: v for k, v in {"db": db, "caplog": caplog}.items() if k in inspect.signature(test).parameters})
    known = gallery.current()
    assert known.generation.path == next(machine_file.glob(f"*/{shared_gallery.NAME}"))
    assert not decision.people_of(known).centroids.flags.writeable  # mapped read-only: the one copy


def test_a_folder_that_cannot_hold_the_file_leaves_each_process_a_gallery_of_its_own(settings, tmp_path, db, caplog):
    (tmp_path / "a-file").write_text("not a folder")
    settings.GALLERY_SHARED_DIR = str(tmp_path / "a-file" / "shared")
    gallery.forget()
    try:
        rng = np.random.default_rng(13)
        ada = make_person("Ada", employee_id="1")
        face = plain.synthetic_face(rng)
        plain.accept(ada, face)
        with caplog.at_level("ERROR", logger="recognition.gallery"):
            known = gallery.current()
        assert "gallery file unusable" in caplog.text
        assert known.search(face, RULE).person_id == ada.pk and getattr(known, "generation", None) is None
        plain.accept(ada, plain.near(rng, face))  # and it follows the log as without the setting
        assert len(gallery.current()) == 2
    finally:
        gallery.forget()


def test_with_a_broker_the_machines_file_is_on_in_shared_memory_and_embedded_it_is_off(tmp_path):
    shm = tmp_path / "shm"
    shm.mkdir()
    assert _gallery_shared_dir("", broker=False, shm=str(shm)) == ""  # tasks in this process: nothing to share
    mine = shm / f"portal-gallery-{os.getuid()}"  # a folder per user: another user's never blocks start-up
    assert not mine.exists()
    assert _gallery_shared_dir("", broker=True, shm=str(tmp_path / "no-shm")) == ""
    assert _gallery_shared_dir("off", broker=True, shm=str(shm)) == ""
    folder = _gallery_shared_dir("", broker=True, shm=str(shm))
    assert folder == str(mine)
    assert mine.stat().st_mode & 0o777 == 0o700  # face encodings: its owner's alone
    assert _gallery_shared_dir(str(tmp_path / "mine"), broker=False, shm=str(shm)) == str(tmp_path / "mine")


def test_a_gallery_folder_that_cannot_be_made_stops_start_up(tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    with pytest.raises(ImproperlyConfigured, match="GALLERY_SHARED_DIR.*cannot be made"):
        _gallery_shared_dir(str(tmp_path / "a-file" / "shared"), broker=True)
    with pytest.raises(ImproperlyConfigured, match="GALLERY_SHARED_DIR=off"):
        _gallery_shared_dir(str(tmp_path / "a-file"), broker=False)
    # the settings module itself: the worker never starts
    done = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.GALLERY_SHARED_DIR)"],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "DATABASE_URL": "postgres://u@db:5432/portal",
            "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
            "GALLERY_SHARED_DIR": str(tmp_path / "a-file" / "x"),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0 and "ImproperlyConfigured: GALLERY_SHARED_DIR" in done.stderr, done.stderr[-2000:]


def test_two_databases_never_share_a_gallery_file(tmp_path):
    from django.db.backends.sqlite3.base import DatabaseWrapper

    folders = set()
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "portal.sqlite3").write_bytes(b"")  # the same file name, two databases
        folders.add(gallery._database_folder(DatabaseWrapper({"NAME": str(tmp_path / name / "portal.sqlite3")})))
    assert len(folders) == 2


def test_a_published_generation_decides_like_the_gallery_it_was_written_from(tmp_path):
    rng = np.random.default_rng(8)
    faces, templates, log = people_in_a_log(rng, tmp_path, people=200, lookalikes=10)
    shared = gallery.SharedGallery(tmp_path / "shared")
    held = shared.current(gallery.Gallery(), log.position(), log.position, log.refresh)
    mine = log.refresh(gallery.Gallery(), log.position())  # the same changes in a process's own memory
    probes = [plain.near(rng, f) for f in faces.values()] + [plain.synthetic_face(rng) for _ in range(30)]
    for probe in probes[:40]:
        decision.decide(held, probe, RULE)  # look-alike distances this process carries to the next generation
    first = held.generation.inode
    for _ in range(6):
        for pid in rng.choice(200, size=15, replace=False) + 1:
            pid = int(pid)
            templates[pid] = [] if rng.random() < 0.3 else templates[pid] + [plain.near(rng, faces[pid])]
            log.append(pid, templates[pid])
        before = held.state["generation"]
        held = shared.current(held, log.position(), log.position, log.refresh)
        assert held.state["generation"] == before + 1
        assert held.generation.inode == first  # changed in place, rows in their places
        assert held.generation.header["layout"] == 1
        mine = log.refresh(mine, log.position())
        fresh = gallery.Gallery.from_pairs([(p, t) for p, ts in templates.items() for t in ts])
        plain.same_decisions(held, fresh, probes)
        for probe in probes:
            # every field, to the last bit, as a gallery of the process's own changed the same way
            assert decision.decide(held, probe, RULE) == decision.decide(mine, probe, RULE)


def test_on_a_cpu_other_than_x86_64_every_change_is_a_whole_new_file_and_decides_like_a_fresh_gallery(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(shared_gallery.platform, "machine", lambda: "aarch64")
    assert not shared_gallery.writes_in_place()

    def in_place(self, **state):
        raise AssertionError("a file readers map was written in place")

    monkeypatch.setattr(shared_gallery.Generation, "begin", in_place)
    monkeypatch.setattr(shared_gallery.Generation, "commit", in_place)
    rng = np.random.default_rng(14)
    faces, templates, log = people_in_a_log(rng, tmp_path, people=120, lookalikes=10)
    shared = gallery.SharedGallery(tmp_path / "shared")
    held = shared.current(gallery.Gallery(), log.position(), log.position, log.refresh)
    mine = log.refresh(gallery.Gallery(), log.position())
    probes = [plain.near(rng, f) for f in faces.values()] + [plain.synthetic_face(rng) for _ in range(20)]
    for probe in probes[:30]:
        decision.decide(held, probe, RULE)  # look-alike distances carried to the next file
    for _ in range(4):
        old, old_bytes = held, bytes(held.generation._map)
        for pid in rng.choice(120, size=10, replace=False) + 1:
            pid = int(pid)
            templates[pid] = [] if rng.random() < 0.3 else templates[pid] + [plain.near(rng, faces[pid])]
            log.append(pid, templates[pid])
        held = shared.current(held, log.position(), log.position, log.refresh)
        assert held.state["generation"] == old.state["generation"] + 1 and held.state["dirty"] == 0
        assert held.generation.inode != old.generation.inode  # a new file (the old one still mapped here)
        assert bytes(old.generation._map) == old_bytes  # the file a reader maps is never written again
        assert not decision.people_of(held).centroids.flags.writeable
        mine = log.refresh(mine, log.position())
        fresh = gallery.Gallery.from_pairs([(p, t) for p, ts in templates.items() for t in ts])
        plain.same_decisions(held, fresh, probes)
        for probe in probes:
            assert decision.decide(held, probe, RULE) == decision.decide(mine, probe, RULE)
    assert not list((tmp_path / "shared").glob(shared_gallery.TEMPORARY + "*"))


def people_in_a_log(rng, tmp_path, *, people, lookalikes):
    """`people` synthetic people with two templates each, the last `lookalikes` of them near the
    first ones (thresholds tighten), each added to a FakeLog: (faces, templates, log)."""
    faces = {pid: plain.synthetic_face(rng) for pid in range(1, people + 1)}
    for pid in range(people - lookalikes + 1, people + 1):
        faces[pid] = plain.near(rng, faces[pid - (people - lookalikes)], 0.02)
    templates = {pid: [plain.near(rng, f), plain.near(rng, f)] for pid, f in faces.items()}
    log = FakeLog(tmp_path / "log.json")
    for pid, rows in templates.items():
        log.append(pid, rows)
    return faces, templates, log


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
            for pid, rows in entries[held.version :]:
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
from portal.settings import _gallery_shared_dir
from recognition import decision, gallery, shared_gallery
from tests.recognition.test_shared_gallery import FakeLog

folder, log, probe = Path(sys.argv[1]), FakeLog(sys.argv[2]), np.load(sys.argv[3])
wanted, mode = int(sys.argv[4]), sys.argv[5]
shared = gallery.SharedGallery(folder)
if mode == "die-committing":
    def commit(self, **state):
        print("committing", self.path, flush=True)
        sys.stdin.read()  # killed here: the rows written in place, the record not
    shared_gallery.Generation.commit = commit
held = gallery.Gallery()
def refresh(held, position):
    if mode == "reader":
        raise AssertionError("the reader was asked to publish")
    return log.refresh(held, position)
held = shared.current(held, log.position(), log.position, refresh)
print("ready", held.state["generation"], flush=True)
import time
deadline = time.monotonic() + 300
while time.monotonic() < deadline:
    held = shared.current(held, log.position(), log.position, refresh)
    if decision.decide(held, probe).person_id == wanted:
        print("seen", held.state["generation"], flush=True)
        break
"""


def child(tmp_path, log, probe, wanted, mode):
    np.save(tmp_path / "probe.npy", probe)
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            CHILD,
            str(tmp_path / "shared"),
            str(log.path),
            str(tmp_path / "probe.npy"),
            str(wanted),
            mode,
        ],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
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
        assert held.state["generation"] == 2
        assert reader.stdout.readline().split() == ["seen", "2"], reader.stderr.read()
        assert reader.wait(timeout=60) == 0, reader.stderr.read()
    finally:
        reader.kill()
        reader.wait()


def test_a_writer_killed_while_writing_in_place_leaves_the_old_generation_deciding_and_is_replaced(tmp_path):
    rng = np.random.default_rng(10)
    log = small_log(tmp_path, rng)
    shared = gallery.SharedGallery(tmp_path / "shared")
    held = shared.current(gallery.Gallery(), log.position(), log.position, log.refresh)
    probes = [plain.synthetic_face(rng) for _ in range(10)]
    before = [decision.decide(held, p, RULE) for p in probes]
    newcomer = plain.synthetic_face(rng)
    log.append(99, [plain.near(rng, newcomer), plain.near(rng, newcomer)])
    writer = child(tmp_path, log, newcomer, 99, "die-committing")
    try:
        line = writer.stdout.readline().split()
        assert line[0] == "committing", writer.stderr.read()
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    file = shared_gallery.Store(tmp_path / "shared").open()
    assert file.state()["dirty"] == 1 and file.state()["generation"] == 1
    # the newcomer's rows are in the file, past the sizes of the record every reader reads
    assert 99 in file.arrays["ids"][file.state()["p_size"] :].tolist()
    old = gallery.SharedGallery(tmp_path / "shared")
    again = old.current(gallery.Gallery(), (30, 30, ""), lambda: (30, 30, ""), log.refresh)
    assert again.state["generation"] == 1
    assert [decision.decide(again, p, RULE) for p in probes] == before
    assert decision.decide(again, newcomer, RULE).person_id != 99
    # the dead writer's lock went with it: the next process writes the file afresh instead of trusting it
    held = shared.current(held, log.position(), log.position, log.refresh)
    assert held.state["generation"] == 2 and held.state["dirty"] == 0
    assert held.generation.inode != file.inode
    # a layout of its own: the machine's short list of the old file's rows is never used with it
    assert held.generation.header["layout"] != file.header["layout"]
    assert decision.decide(held, newcomer, RULE).person_id == 99
    fresh = log.refresh(gallery.Gallery(), log.position())
    assert [decision.decide(held, p, RULE) for p in probes] == [decision.decide(fresh, p, RULE) for p in probes]
    assert not list((tmp_path / "shared").glob(shared_gallery.TEMPORARY + "*"))


# --- a writer changing the file in place, a reader checking every row it can see, in two processes ----------
#
# Step s of the churn enrols person s and, every third step, erases person s // 3: at log position v the
# people are exactly v // 3 + 1 .. v, each with two templates that follow from their id, so a reader can
# tell a whole row from a torn one without asking the writer.

CHURN_START, CHURN_STEPS = 3000, 900  # 2,000 people; step 763 uses up the spare template rows (a new file)


@functools.cache  # the reader checks every row many times over
def churn_templates(pid):
    rng = np.random.default_rng(pid)
    face = plain.synthetic_face(rng)
    return np.vstack([plain.near(rng, face), plain.near(rng, face)])


def churn_alive(v):
    return range(v // 3 + 1, v + 1)


def churn_refresh(held, position):
    v = position[0]
    if held.version < 0 or not held.dim:
        pairs = [(pid, row) for pid in churn_alive(v) for row in churn_templates(pid)]
        return gallery.Gallery.from_pairs(pairs, version=v, change_id=v)
    changes = {}
    for step in range(held.version + 1, v + 1):
        changes[step] = churn_templates(step)
        if step % 3 == 0:
            changes[step // 3] = np.zeros((0, held.dim), dtype=np.float32)
    return held.with_people(changes, version=v, change_id=v)


def churn_check(held, rows=None):
    """What a reader may see at the record it read: every row whole, exactly that record's people,
    less (at most) those whose erasure the writer has begun since. rows: check only the last so many
    rows one by one (the newest, being written around them; many more checks a second)."""
    state = held.state
    v = state["version"]
    people = decision.people_of(held)
    size = people.size
    ids = np.array(people.ids[:size])
    live = np.isfinite(people.sq_norms[:size])
    seen = ids[live]
    assert len(np.unique(seen)) == len(seen), "a person live in two rows"
    alive = set(churn_alive(v))
    assert (state["p_live"], state["t_live"]) == (len(alive), 2 * len(alive))
    assert set(seen.tolist()) <= alive, "a row past the record's people is visible"
    later = held.generation.state()["version"]  # the erasures begun after the record, at most one step on
    missing = alive - set(seen.tolist())
    assert all(3 * pid <= later + 1 for pid in missing), f"people missing at {v}: {sorted(missing)[:5]}"
    for row in np.flatnonzero(live)[-rows if rows else 0 :]:
        pid = int(ids[row])
        expected = decision._averages(churn_templates(pid), np.zeros(2, dtype=np.int64), np.array([2]))[0]
        assert np.array_equal(people.centroids[row], expected), f"row {row} (person {pid}) torn"
        assert people.templates[row] == 2
    t_size = held._t_size
    labels = np.array(held._t_labels[:t_size])
    matrix = np.array(held._t_matrix[:t_size])
    for row in np.flatnonzero(labels >= 0)[-2 * rows if rows else 0 :]:
        expected = churn_templates(int(labels[row]))
        assert (matrix[row] == expected).all(axis=1).any(), f"template row {row} torn"
    return v


CHURN_READER = """
import json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
import django; django.setup()
from pathlib import Path
from recognition import gallery
from tests.recognition.test_shared_gallery import churn_check

folder = Path(sys.argv[1])
shared, held = gallery.SharedGallery(folder / "shared"), gallery.Gallery()
checks, generations, files = 0, set(), set()
print("ready", flush=True)
while True:
    stop = (folder / "stop").exists()  # one last check after the writer's end
    if not shared.holds(held):
        held = shared._mapped(held)
    churn_check(held, rows=None if checks % 25 == 0 else 16)
    checks += 1
    generations.add(held.state["generation"])
    files.add(held.generation.inode)
    if stop:
        break
print(json.dumps({"checks": checks, "generations": len(generations), "files": len(files),
                  "version": held.version}), flush=True)
"""

CHURN_WRITER = """
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
import django; django.setup()
from pathlib import Path
from recognition import gallery
from tests.recognition.test_shared_gallery import churn_refresh

folder, start, steps = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
shared, held = gallery.SharedGallery(folder / "shared"), gallery.Gallery()
for v in range(start, start + steps + 1):
    position = (v, v, "")
    held = shared.current(held, position, lambda: position, churn_refresh)
    assert held.version == v
"""


def test_a_reader_in_another_process_never_sees_half_of_a_change_written_in_place(tmp_path):
    shared = gallery.SharedGallery(tmp_path / "shared")
    first = (CHURN_START, CHURN_START, "")
    held = shared.current(gallery.Gallery(), first, lambda: first, churn_refresh)
    churn_check(held)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    reader = subprocess.Popen(
        [sys.executable, "-c", CHURN_READER, str(tmp_path)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout.readline().strip() == "ready", reader.stderr.read()
        writer = subprocess.run(
            [sys.executable, "-c", CHURN_WRITER, str(tmp_path), str(CHURN_START), str(CHURN_STEPS)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert writer.returncode == 0, writer.stderr[-3000:]
        (tmp_path / "stop").touch()
        out, err = reader.communicate(timeout=120)
        assert reader.returncode == 0, err[-3000:]
    finally:
        reader.kill()
        reader.wait()
    seen = json.loads(out.strip().splitlines()[-1])
    assert seen["version"] == CHURN_START + CHURN_STEPS
    # it read while the writer wrote: many records, and the new file the spare rows' end called for
    assert seen["generations"] >= 10 and seen["files"] >= 2, seen
    # the end state decides as a gallery loaded afresh
    end = (CHURN_START + CHURN_STEPS,) * 2 + ("",)
    held = shared.current(held, end, lambda: end, churn_refresh)
    fresh = churn_refresh(gallery.Gallery(), end)
    rng = np.random.default_rng(12)
    probes = [plain.near(rng, churn_templates(pid)[0]) for pid in rng.choice(churn_alive(end[0]), 50)]
    probes += [plain.near(rng, churn_templates(pid)[0]) for pid in range(1, 40)]  # erased people
    plain.same_decisions(held, fresh, probes + [plain.synthetic_face(rng) for _ in range(20)])
