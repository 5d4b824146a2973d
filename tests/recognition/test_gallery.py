"""The incremental gallery: the change log, applying it, and decisions equal to a gallery loaded afresh."""

import os
import threading

import numpy as np
import pytest
from django.db import connection, transaction

from portal.people.services import face_photo_delete, person_delete, person_merge, person_set_active, person_update
from recognition import decision, gallery, versions
from recognition.models import FacePhoto, GalleryChange, GalleryVersion
from tests.factories import make_person

RULE = decision.CalibratedRule()


def synthetic_face(rng, dim=128):
    # dlib-like scale: two strangers about 1.0-1.4 apart, far beyond any threshold
    return (rng.normal(0, 0.09, dim)).astype(np.float32)


def near(rng, face, spread=0.03):
    return (face + rng.normal(0, spread, face.shape)).astype(np.float32)


def same_decisions(a, b, probes):
    for probe in probes:
        x, y = decision.decide(a, probe, RULE), decision.decide(b, probe, RULE)
        assert (x.person_id, x.best_person_id, x.accepted) == (y.person_id, y.best_person_id, y.accepted)
        assert x.distance == pytest.approx(y.distance, abs=1e-5)
        assert x.threshold == pytest.approx(y.threshold, abs=1e-5)


def test_a_gallery_changed_person_by_person_decides_like_one_built_afresh():
    rng = np.random.default_rng(7)
    faces = {pid: synthetic_face(rng) for pid in range(1, 301)}
    templates = {pid: [near(rng, f), near(rng, f)] for pid, f in faces.items() if pid <= 200}
    # a few look-alikes, so that thresholds tighten and the carried look-alike distances matter
    for pid in range(201, 211):
        faces[pid] = near(rng, faces[pid - 200], 0.025)
    held = gallery.Gallery.from_pairs([(p, t) for p, ts in templates.items() for t in ts], version=1)
    probes = [near(rng, faces[pid]) for pid in range(1, 301, 3)] + [synthetic_face(rng) for _ in range(20)]
    for probe in probes[:30]:
        decision.decide(held, probe, RULE)  # look-alike distances computed, to be carried over
    for step in range(12):
        changes = {}
        for pid in rng.choice(300, size=25, replace=False) + 1:
            pid = int(pid)
            if pid in templates and rng.random() < 0.4:
                del templates[pid]  # deactivated, erased or merged away
                changes[pid] = np.zeros((0, 128), dtype=np.float32)
            else:
                templates[pid] = templates.get(pid, []) + [near(rng, faces[pid])]
                changes[pid] = np.vstack(templates[pid])
        held = held.with_people(changes, version=step + 2, change_id=step + 2)
        fresh = gallery.Gallery.from_pairs([(p, t) for p, ts in templates.items() for t in ts])
        assert len(held) == len(fresh) and len(decision.people_of(held)) == len(templates)
        assert sorted(held.labels.tolist()) == sorted(fresh.labels.tolist())
        same_decisions(held, fresh, probes)


def test_an_sface_gallery_keeps_average_faces_of_length_one_changed_or_built_afresh():
    # SFace compares directions: a person of two photos must not sit nearer to every probe than one of one
    version = "opencv_zoo_sface_2021dec"
    rule = decision.rule_for(version=version)
    rng = np.random.default_rng(11)

    def unit(vector):
        return (vector / np.linalg.norm(vector)).astype(np.float32)

    faces = {pid: unit(rng.normal(size=128)) for pid in range(1, 41)}
    templates = {pid: [unit(f + rng.normal(0, 0.05, 128)) for _ in range(1 + pid % 2)] for pid, f in faces.items()}
    first = [(p, t) for p, ts in list(templates.items())[:30] for t in ts]
    held = gallery.Gallery.from_pairs(first, encoding_version=version)
    held = held.with_people({p: np.vstack(templates[p]) for p in range(31, 41)}, version=2, change_id=2)
    fresh = gallery.Gallery.from_pairs([(p, t) for p, ts in templates.items() for t in ts], encoding_version=version)
    for known in (held, fresh):
        people = decision.people_of(known)
        assert np.allclose(np.linalg.norm(people.centroids[: people.size], axis=1), 1.0, atol=1e-6)
    probes = [unit(f + rng.normal(0, 0.05, 128)) for f in faces.values()]
    for probe in probes:
        x, y = decision.decide(held, probe, rule), decision.decide(fresh, probe, rule)
        assert (x.person_id, x.accepted) == (y.person_id, y.accepted)
        assert x.distance == pytest.approx(y.distance, abs=1e-5)
    # dlib's average faces stay plain means
    plain = gallery.Gallery.from_pairs([(1, templates[1][0]), (1, templates[1][1])])
    assert np.linalg.norm(decision.people_of(plain).centroids[0]) < 0.999


def test_a_gallery_keeps_the_dimension_of_its_encodings():
    rng = np.random.default_rng(3)
    held = gallery.Gallery.from_pairs([(1, rng.normal(0, 0.1, 512)), (2, rng.normal(0, 0.1, 512))])
    assert held.dim == 512
    held = held.with_people({3: rng.normal(0, 0.1, (2, 512)).astype(np.float32)}, version=2, change_id=2)
    assert held.people == 3 and held.matrix.shape == (4, 512)
    with pytest.raises(ValueError):
        gallery.Gallery.from_pairs([(1, np.zeros(128)), (2, np.zeros(512))])  # never two versions in one


def accept(person, encoding):
    """A template accepted as the encoding worker does: the row and its log entry in one transaction."""
    with transaction.atomic():
        photo = FacePhoto.objects.create(
            person=person,
            sha256=os.urandom(16).hex(),
            status=FacePhoto.Status.ACCEPTED,
            encoding=np.asarray(encoding, dtype=np.float32).tobytes(),
            model_name=versions.active(),
        )
        GalleryVersion.bump(people=[person.pk])
    return photo


def test_renaming_or_moving_a_person_leaves_the_gallery_alone(db):
    person = make_person("Ada Lovelace", employee_id="1")
    accept(person, synthetic_face(np.random.default_rng(1)))
    before = GalleryVersion.position()
    person_update(person=person, name="Ada King", employee_id="1")
    assert GalleryVersion.position() == before


def test_deactivating_a_person_is_applied_without_a_reload(db, caplog):
    rng = np.random.default_rng(2)
    ada, bob = make_person("Ada", employee_id="1"), make_person("Bob", employee_id="2")
    face = synthetic_face(rng)
    accept(ada, face)
    accept(bob, synthetic_face(rng))
    assert gallery.current().search(face, RULE).person_id == ada.pk
    caplog.clear()
    with caplog.at_level("INFO", logger="recognition.gallery"):
        person_set_active(person=ada, active=False)
        assert list(GalleryChange.objects.filter(seq=GalleryVersion.current()).values_list("person_id", flat=True)) == [
            ada.pk
        ]
        assert gallery.current().search(face, RULE).person_id is None
        person_set_active(person=ada, active=True)
        assert gallery.current().search(face, RULE).person_id == ada.pk
    assert "gallery loaded" not in caplog.text


def test_a_rolled_back_change_this_process_saw_makes_it_reload(db):
    rng = np.random.default_rng(4)
    ada = make_person("Ada", employee_id="1")
    face = synthetic_face(rng)
    with pytest.raises(RuntimeError), transaction.atomic():
        accept(ada, face)
        assert gallery.current().search(face, RULE).person_id == ada.pk  # seen inside the transaction
        raise RuntimeError("rolled back")
    assert gallery.current().search(face, RULE).person_id is None
    accept(make_person("Bob", employee_id="2"), synthetic_face(rng))  # the same version number again
    assert gallery.current().search(face, RULE).person_id is None and len(gallery.current()) == 1


def test_erasing_and_merging_people_reach_the_gallery(db):
    rng = np.random.default_rng(5)
    ada, bob, twin = (make_person(n, employee_id=str(i)) for i, n in enumerate(["Ada", "Bob", "Ada again"]))
    ada_face, bob_face = synthetic_face(rng), synthetic_face(rng)
    accept(ada, ada_face)
    bob_photo = accept(bob, bob_face)
    accept(twin, near(rng, ada_face, 0.01))
    gallery.current()
    person_merge(source=twin, target=ada)
    assert gallery.current().people == 2 and (gallery.current().labels == ada.pk).sum() == 2
    face_photo_delete(photo=bob_photo)
    assert gallery.current().search(bob_face, RULE).person_id is None
    accept(bob, bob_face)
    person_delete(person=ada)
    known = gallery.current()
    assert known.search(ada_face, RULE).person_id is None and known.search(bob_face, RULE).person_id == bob.pk
    same_decisions(known, gallery.load(GalleryVersion.current()), [ada_face, bob_face])


@pytest.mark.django_db(transaction=True)
def test_workers_follow_enrolments_renames_deactivations_erasures_and_merges_exactly():
    """Churn while worker threads (each its own connection and gallery) keep searching;
    afterwards every worker decides every probe as a gallery loaded afresh does."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite locks the whole database: run on PostgreSQL (the test below)")
    rng = np.random.default_rng(11)
    people, faces = [], {}
    for i in range(40):
        person = make_person(f"Person {i}", employee_id=f"E{i}")
        faces[person.pk] = synthetic_face(rng)
        accept(person, near(rng, faces[person.pk]))
        people.append(person)
    stop, held, errors = threading.Event(), {}, []

    def worker(name):
        try:
            mine = gallery.Gallery()
            while not stop.is_set():
                mine = gallery.refreshed(mine, GalleryVersion.position())
                for pid in list(faces)[:5]:
                    decision.decide(mine, faces[pid], RULE)
            held[name] = gallery.refreshed(mine, GalleryVersion.position())
        except Exception as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    try:
        for i, person in enumerate(people[:30]):
            match i % 6:
                case 0:
                    accept(person, near(rng, faces[person.pk]))
                case 1:
                    person_update(person=person, name=f"Renamed {i}")
                case 2:
                    person_set_active(person=person, active=False)
                case 3:
                    person_delete(person=person)
                case 4:
                    person_merge(source=person, target=people[i + 1])
                case 5:
                    newcomer = make_person(f"Newcomer {i}", employee_id=f"N{i}")
                    faces[newcomer.pk] = synthetic_face(rng)
                    accept(newcomer, near(rng, faces[newcomer.pk]))
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
    assert not errors, errors
    fresh = gallery.load(GalleryVersion.current())
    probes = [near(rng, face) for face in faces.values()] + [synthetic_face(rng) for _ in range(10)]
    assert len(held) == 3
    for mine in held.values():
        assert (mine.version, len(mine), mine.people) == (fresh.version, len(fresh), fresh.people)
        same_decisions(mine, fresh, probes)


@pytest.mark.slow  # a pytest of its own in a fresh database: the full tier only
def test_the_churn_test_passes_on_postgresql(tmp_path):
    """The churn test again in a fresh PostgreSQL database, where the writers really run side by side."""
    from tests.e2e.stack import assert_passes_on_postgresql

    assert_passes_on_postgresql(__file__, tmp_path)


def test_postgresql_finds_the_captures_that_name_a_person_through_an_index(db):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no such index (the PostgreSQL run above checks this)")
    from recognition.models import Capture

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # an empty table: the plan as at millions of captures
    plan = Capture.objects.filter(result__faces__contains=[{"person_id": 1}]).explain()
    assert "recognition_capture_faces_gin" in plan


def test_pruning_the_log_keeps_the_last_change_and_a_process_behind_it_reloads(db):
    from datetime import timedelta

    from django.utils import timezone

    from recognition.services import gallery_changes_prune

    rng = np.random.default_rng(6)
    ada, bob = make_person("Ada", employee_id="1"), make_person("Bob", employee_id="2")
    ada_face, bob_face = synthetic_face(rng), synthetic_face(rng)
    accept(ada, ada_face)
    behind = gallery.current()
    accept(bob, bob_face)
    GalleryChange.objects.update(created_at=timezone.now() - timedelta(days=30))
    assert gallery_changes_prune() == 1
    assert list(GalleryChange.objects.values_list("seq", flat=True)) == [GalleryVersion.current()]
    caught_up = gallery.refreshed(behind, GalleryVersion.position())  # its entry is gone: a reload
    assert caught_up.search(bob_face, RULE).person_id == bob.pk and caught_up.people == 2
