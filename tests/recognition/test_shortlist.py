"""The 8-bit short list gives exactly the exact scan's decisions (no database, no dlib)."""

import threading

import numpy as np
import pytest

from recognition import decision, gallery, shortlist

RULE = decision.CalibratedRule()


def crowded_gallery(rng, people=12_000, dim=128):
    """Two templates a person; a quarter of the people in tight groups (look-alikes, twins), where
    the 8-bit copy cannot tell the nearest apart and the exact scan must decide."""
    faces = rng.normal(0, 0.09, (people, dim)).astype(np.float32)
    groups = people // 4
    faces[:groups] = faces[rng.integers(0, 300, groups)] + rng.normal(0, 0.02, (groups, dim)).astype(np.float32)
    templates = np.repeat(faces, 2, axis=0) + rng.normal(0, 0.03, (2 * people, dim)).astype(np.float32)
    return faces, templates, np.repeat(np.arange(1, people + 1), 2)


def probes_of(rng, faces, count=300):
    picked = faces[rng.integers(0, len(faces), count)]
    return list(picked + rng.normal(0, 0.035, picked.shape).astype(np.float32)) + list(
        rng.normal(0, 0.09, (50, faces.shape[1])).astype(np.float32)
    )


def exact_twin(known):
    """The same gallery searched by the exact scan alone."""
    return gallery.Gallery(known.matrix.copy(), known.labels.copy())


def assert_identical(fast, slow, probes, monkeypatch, bitwise=True, **options):
    got = [decision.decide(fast, p, RULE, **options) for p in probes]
    with monkeypatch.context() as patch:
        patch.setattr(shortlist, "MIN_PEOPLE", 10**9)
        want = [decision.decide(slow, p, RULE, **options) for p in probes]
    if bitwise:
        assert got == want  # every field: person, distances, thresholds
    # a gallery changed in place holds its people in other rows than a fresh one: the float32
    # products may differ in the last bit, the decisions not
    for a, b in zip(got, want, strict=True):
        assert (a.person_id, a.best_person_id, a.accepted) == (b.person_id, b.best_person_id, b.accepted)
        assert a.distance == pytest.approx(b.distance, abs=1e-6)


@pytest.fixture(autouse=True)
def built_at_once(monkeypatch):
    monkeypatch.setattr(shortlist, "BUILD_IN_BACKGROUND", False)


def test_the_short_list_is_built_beside_the_searches_which_meanwhile_scan_exactly(monkeypatch):
    monkeypatch.setattr(shortlist, "MIN_PEOPLE", 5_000)
    monkeypatch.setattr(shortlist, "BUILD_IN_BACKGROUND", True)
    rng = np.random.default_rng(20)
    faces, templates, labels = crowded_gallery(rng, people=6_000)
    known = gallery.Gallery(templates, labels)
    probe = probes_of(rng, faces, 1)[0]
    first = decision.decide(known, probe, RULE)  # answered now, by the exact scan
    for builder in [t for t in threading.enumerate() if t.name == "gallery-short-list"]:
        builder.join(timeout=300)  # (none left: it finished already)
    assert decision.people_of(known).short_list is not None
    assert decision.decide(known, probe, RULE) == first


def test_the_short_list_decides_every_probe_as_the_exact_scan(monkeypatch):
    monkeypatch.setattr(shortlist, "MIN_PEOPLE", 5_000)
    rng = np.random.default_rng(21)
    faces, templates, labels = crowded_gallery(rng)
    known = gallery.Gallery(templates, labels)
    probes = probes_of(rng, faces)
    assert_identical(known, exact_twin(known), probes, monkeypatch)
    assert_identical(known, exact_twin(known), probes[:50], monkeypatch, spread=0.01, exclude=int(labels[0]))
    short = decision.people_of(known).short_list
    # the bound holds for most probes: the short list really answers, the exact scan only backs it up
    assert short is not None and short.proven > 0.8 * (short.proven + short.fallbacks)


def test_the_short_list_stays_exact_while_people_change(monkeypatch):
    monkeypatch.setattr(shortlist, "MIN_PEOPLE", 5_000)
    rng = np.random.default_rng(22)
    faces, templates, labels = crowded_gallery(rng)
    known = gallery.Gallery(templates, labels)
    probes = probes_of(rng, faces, 100)
    decision.decide(known, probes[0], RULE)  # built now, on the first search
    built = decision.people_of(known).short_list
    for step in range(3):
        changed = rng.choice(len(faces), 200, replace=False) + 1
        changes = {
            int(pid): (faces[pid - 1] + rng.normal(0, 0.03, (2, faces.shape[1]))).astype(np.float32)
            for pid in changed[:150]
        }
        changes.update({int(pid): np.zeros((0, faces.shape[1]), dtype=np.float32) for pid in changed[150:]})
        known = known.with_people(changes, version=step + 2, change_id=step + 2)
        assert decision.people_of(known).short_list is built  # appended people are scanned beside it
        assert_identical(known, exact_twin(known), probes, monkeypatch, bitwise=False)


@pytest.mark.parametrize("people", [10, 4_000])
def test_small_galleries_use_the_exact_scan_alone(people):
    rng = np.random.default_rng(23)
    known = gallery.Gallery(rng.normal(0, 0.09, (people, 128)), np.arange(people))
    decision.decide(known, rng.normal(0, 0.09, 128), RULE)
    assert decision.people_of(known).short_list is None
