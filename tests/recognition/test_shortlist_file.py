"""The machine's gallery file has one short list, built by one process and mapped by every process,
with exactly the exact scan's decisions (no database, no dlib)."""

import json

import numpy as np
import pytest

from recognition import decision, gallery, shortlist, shortlist_file
from tests.recognition import test_gallery as plain
from tests.recognition.test_shared_gallery import FakeLog

RULE = decision.CalibratedRule()
PEOPLE = 3_000


@pytest.fixture(autouse=True)
def small_and_at_once(monkeypatch):
    monkeypatch.setattr(shortlist, "MIN_PEOPLE", 1_000)
    monkeypatch.setattr(shortlist, "BUILD_IN_BACKGROUND", False)
    shortlist_file.forget()
    yield
    shortlist_file.forget()


def filled_log(tmp_path, rng):
    faces = {pid: plain.synthetic_face(rng) for pid in range(1, PEOPLE + 1)}
    for pid in range(PEOPLE - 200, PEOPLE + 1):
        faces[pid] = plain.near(rng, faces[pid - 1000], 0.02)  # look-alikes: the exact scan must decide
    log = FakeLog(tmp_path / "log.json")
    entries = [[pid, [plain.near(rng, f).tolist(), plain.near(rng, f).tolist()]] for pid, f in faces.items()]
    log.path.write_text(json.dumps(entries))  # all at once: FakeLog.append rewrites the file each time
    return log, faces


def exact(known, probes):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(shortlist, "MIN_PEOPLE", 10**9)
        return [decision.decide(known, p, RULE) for p in probes]


def test_one_process_builds_the_machines_short_list_and_another_maps_it(tmp_path, monkeypatch):
    rng = np.random.default_rng(31)
    log, faces = filled_log(tmp_path, rng)
    folder = tmp_path / "shared"
    held = gallery.SharedGallery(folder).current(gallery.Gallery(), log.position(), log.position, log.refresh)
    probes = [plain.near(rng, f) for f in list(faces.values())[-300:]] + [plain.synthetic_face(rng) for _ in range(50)]

    got = [decision.decide(held, p, RULE) for p in probes]  # the first search builds it
    assert got == exact(held, probes)  # every field
    pointer = json.loads((folder / shortlist_file.POINTER).read_text())
    assert pointer["layout"] == held.generation.header["written"] and pointer["size"] == PEOPLE
    short = shortlist.for_people(decision.people_of(held))
    assert short is not None and short.proven > 0
    index = folder / pointer["index"]
    maps = open("/proc/self/maps").read()
    assert str(index) in maps  # its codes are the file's pages, not this process's memory

    # another process: maps the published one, never builds
    shortlist_file.forget()

    def no_build(*args, **kwargs):
        raise AssertionError("a second process built the machine's short list again")

    monkeypatch.setattr(shortlist.ShortList, "__init__", no_build)
    other = gallery.SharedGallery(folder).current(gallery.Gallery(), log.position(), log.position, log.refresh)
    assert [decision.decide(other, p, RULE) for p in probes] == got
    assert shortlist.for_people(decision.people_of(other)).proven > 0


def test_changes_are_scanned_beside_it_and_a_new_layout_never_uses_the_old_one(tmp_path, monkeypatch):
    rng = np.random.default_rng(32)
    log, faces = filled_log(tmp_path, rng)
    folder = tmp_path / "shared"
    shared = gallery.SharedGallery(folder)
    held = shared.current(gallery.Gallery(), log.position(), log.position, log.refresh)
    decision.decide(held, plain.synthetic_face(rng), RULE)
    built = json.loads((folder / shortlist_file.POINTER).read_text())

    # people changed, erased and added: a new generation of the same layout, the changes scanned exactly
    entries = log.entries()
    for pid in range(1, 40):
        entries.append([pid, [] if pid % 3 == 0 else [plain.near(rng, faces[pid + 1]).tolist()]])
    for pid in range(PEOPLE + 1, PEOPLE + 20):
        faces[pid] = plain.synthetic_face(rng)
        entries.append([pid, [plain.near(rng, faces[pid]).tolist()]])
    log.path.write_text(json.dumps(entries))  # one write: FakeLog.append rewrites the whole file each time
    held = shared.current(held, log.position(), log.position, log.refresh)
    assert held.generation.header["written"] == built["layout"]
    probes = [plain.near(rng, faces[pid]) for pid in [*range(1, 60), *range(PEOPLE - 60, PEOPLE + 20)]]
    assert [decision.decide(held, p, RULE) for p in probes] == exact(held, probes)
    assert json.loads((folder / shortlist_file.POINTER).read_text()) == built  # not rebuilt for a few rows
    fresh = gallery.Gallery.from_pairs([(pid, row) for pid, rows in _latest(log).items() for row in rows])
    plain.same_decisions(held, fresh, probes)

    # a short list of another layout (rows elsewhere) is never used: it would prove the wrong rows
    people = decision.people_of(held)
    people.layout = built["layout"] + 1  # another whole file
    shortlist_file.forget()
    monkeypatch.setattr(shortlist_file, "_build_soon", lambda *args: None)  # the old index alone on disk
    assert shortlist.for_people(people) is None


def _latest(log):
    latest = {}
    for pid, rows in log.entries():
        latest[pid] = rows
    return latest
