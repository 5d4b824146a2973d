"""The evaluation on the fixture photos arranged as a tiny labelled set: real dlib, no database."""

import json
import shutil

import pytest
from django.core.management import call_command

from recognition import decision, evaluation
from tests import photos


@pytest.fixture(scope="module")
def faces_dir(tmp_path_factory):
    """known/obama (3 photos), known/biden (1), unknown/eileen_collins (1)."""
    root = tmp_path_factory.mktemp("faces")
    layout = {
        "known/obama": [photos.OBAMA, photos.OBAMA_2, photos.OBAMA_3],
        "known/biden": [photos.BIDEN],
        "unknown/eileen_collins": [photos.STRANGER],
    }
    for folder, paths in layout.items():
        (root / folder).mkdir(parents=True)
        for i, path in enumerate(paths, start=1):
            shutil.copy(path, root / folder / f"{i}{path.suffix}")
    return root


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def encoded(faces_dir, cache_dir):
    found = evaluation.dataset(faces_dir)
    encodings, stats = evaluation.encode_photos(found, cache_dir=cache_dir)
    return found, encodings, stats


@pytest.fixture(scope="module")
def report(encoded):
    found, encodings, _ = encoded
    return evaluation.evaluate(found, encodings, per_person=1, thresholds=[0.3, 0.46, 0.6])


def test_the_folder_is_read_as_known_people_and_strangers(encoded):
    found, _, _ = encoded
    assert [(p.person, p.known) for p in found] == [("biden", True)] + [("obama", True)] * 3 + [
        ("eileen_collins", False)
    ]


def test_every_fixture_photo_has_a_face_and_a_second_run_comes_from_the_cache(encoded, cache_dir):
    found, encodings, stats = encoded
    assert all(e is not None for e in encodings) and stats["no_face"] == []
    again, stats = evaluation.encode_photos(found, cache_dir=cache_dir)
    assert stats["cached"] == len(found) and stats["encoded"] == 0
    assert all((a == b).all() for a, b in zip(again, encodings, strict=True))


def test_the_first_photo_of_each_person_is_enrolled_and_the_rest_are_probes(report):
    assert report["people_enrolled"] == 2 and report["templates"] == 2
    assert report["genuine_probes"] == 2 and report["stranger_probes"] == 1


@pytest.mark.parametrize("kind", ["calibrated", "plain"])
def test_the_counts_of_every_operating_point_add_up(report, kind):
    for point in report["curves"][kind]:
        genuine, strangers = point["counts"]["genuine"], point["counts"]["strangers"]
        assert genuine["accepted"] + genuine["wrong_person"] + genuine["refused"] == genuine["total"] == 2
        assert strangers["accepted"] + strangers["refused"] == strangers["total"] == 1
        assert point["genuine_acceptance"] + point["wrong_person_acceptance"] + point["genuine_refused"] == 1


def test_the_same_person_is_accepted_and_the_stranger_refused_at_the_chosen_point(report):
    chosen = report["chosen"]
    assert chosen["threshold"] == decision.CalibratedRule().threshold
    assert chosen["genuine_acceptance"] == 1.0 and chosen["wrong_person_acceptance"] == 0
    assert chosen["stranger_acceptance"] == 0
    assert report["rank1_accuracy"] == 1.0


def test_a_lower_threshold_never_accepts_more(report):
    points = report["curves"]["calibrated"]
    assert points[0]["threshold"] < points[1]["threshold"] < points[2]["threshold"]
    for low, high in zip(points, points[1:], strict=False):
        assert low["genuine_acceptance"] <= high["genuine_acceptance"]
        assert low["stranger_acceptance"] <= high["stranger_acceptance"]
    assert points[0]["genuine_acceptance"] == 0  # 0.3 is stricter than any Obama pair here


def test_the_command_prints_the_figures_and_writes_a_plot_and_json(
    faces_dir, cache_dir, tmp_path, monkeypatch, capsys, settings
):
    monkeypatch.setattr(evaluation, "CACHE_DIR", cache_dir)
    settings.FACE_DETECTOR = "hog"  # the detector the fixture above cached with
    call_command(
        "evaluate",
        str(faces_dir),
        "--per-person",
        "1",
        "--thresholds",
        "0.4",
        "0.5",
        "--out",
        str(tmp_path),
        "--encoding",
        "dlib_face_recognition_resnet_model_v1",  # the version the fixture above cached
    )
    out = capsys.readouterr().out
    assert "5 from the cache, 0 encoded" in out
    assert "rank-1 accuracy" in out and "balanced" in out
    written = json.loads((tmp_path / f"accuracy-{faces_dir.name}-k1.json").read_text())
    assert [p["threshold"] for p in written["curves"]["calibrated"]] == [0.4, 0.5]
    assert (tmp_path / f"accuracy-{faces_dir.name}-k1.png").read_bytes()[:4] == b"\x89PNG"


def test_a_folder_without_known_people_is_refused_with_a_message(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no known/ folder"):
        call_command("evaluate", str(tmp_path))
