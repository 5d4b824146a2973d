"""The calibrated decision rule and frame combination, on synthetic encodings (no dlib, no database)."""

import numpy as np
import pytest

from recognition import decision
from recognition.gallery import Gallery

RULE = decision.CalibratedRule(threshold=0.46, lookalike_distance=0.5)


def point(*values):
    """A 128-d encoding whose first coordinates are values, the rest zero."""
    vector = np.zeros(128, dtype=np.float32)
    vector[: len(values)] = values
    return vector


def gallery(*pairs):
    return Gallery.from_pairs(pairs)


def test_a_person_is_represented_by_the_average_of_their_templates():
    known = gallery((1, point(0.3)), (1, point(-0.3)), (2, point(2.0)))
    match = decision.decide(known, point(0.0), RULE)
    # 0.3 from either template, 0 from their average
    assert match.accepted and match.person_id == 1
    assert match.distance == pytest.approx(0.0, abs=1e-6)


def test_a_face_within_the_threshold_of_a_person_nobody_resembles_is_accepted():
    known = gallery((1, point(0.0)), (2, point(2.0)))
    match = decision.decide(known, point(0.45), RULE)
    assert match.accepted and match.person_id == 1
    assert match.threshold == pytest.approx(0.46)


def test_a_face_beyond_the_threshold_is_refused_but_names_the_best_candidate():
    known = gallery((1, point(0.0)), (2, point(2.0)))
    match = decision.decide(known, point(0.47), RULE)
    assert not match.accepted and match.person_id is None
    assert match.best_person_id == 1 and match.distance == pytest.approx(0.47)


def test_a_person_with_a_look_alike_enrolled_gets_a_stricter_threshold():
    # person 2 sits 0.44 from person 1: 0.06 nearer than the look-alike distance
    known = gallery((1, point(0.0)), (2, point(0.0, 0.44)))
    assert decision.people_of(known).nearest_other(0)[0] == pytest.approx(0.44)
    match = decision.decide(known, point(-0.42), RULE)
    assert match.threshold == pytest.approx(0.46 - 0.06)
    assert not match.accepted and match.best_person_id == 1
    assert decision.decide(known, point(-0.39), RULE).person_id == 1


def test_a_person_alone_in_the_gallery_gets_the_full_threshold():
    known = gallery((5, point(0.0)))
    match = decision.decide(known, point(0.455), RULE)
    assert match.accepted and match.person_id == 5 and match.second_distance is None
    assert match.threshold == pytest.approx(0.46)


def test_excluding_a_person_asks_whether_the_face_is_someone_else():
    known = gallery((1, point(0.0)), (2, point(2.0)))
    assert decision.decide(known, point(0.1), RULE, exclude=1).best_person_id == 2
    assert not decision.decide(known, point(0.1), RULE, exclude=1).accepted


def test_an_empty_gallery_matches_nobody():
    assert decision.decide(Gallery(), point(0.0), RULE) == decision.NO_MATCH


def test_the_gallery_search_runs_the_rule_it_is_given():
    known = gallery((1, point(0.3)), (1, point(-0.3)), (2, point(2.0)))
    assert known.search(point(0.0), RULE).distance == pytest.approx(0.0, abs=1e-6)
    # the plain rule still measures to the nearest template
    from recognition import engine

    assert known.search(point(0.0), engine.DecisionRule(threshold=0.5)).distance == pytest.approx(0.3)


def test_modes_map_to_thresholds_and_an_explicit_threshold_wins():
    assert decision.rule_for(mode="strict").threshold < decision.rule_for(mode="balanced").threshold
    assert decision.rule_for(mode="balanced").threshold < decision.rule_for(mode="lenient").threshold
    assert decision.rule_for(mode="strict", threshold=0.42).threshold == 0.42
    with pytest.raises(ValueError):
        decision.rule_for(mode="paranoid")


def test_frames_of_one_face_are_averaged_and_their_spread_added_back():
    known = gallery((1, point(0.0)), (2, point(2.0)))
    frames = [point(0.3, 0.1), point(0.3, -0.1)]
    mean, spread, used = decision.combine_frames(frames)
    assert used == 2 and mean == pytest.approx(point(0.3))
    assert spread == pytest.approx(0.01)
    match = decision.decide_frames(known, frames, RULE)
    # sqrt(0.3^2 + 0.01): each frame's own distance, not the shrunken distance of the mean
    assert match.accepted and match.person_id == 1
    assert match.distance == pytest.approx(np.sqrt(0.09 + 0.01))


def test_averaging_frames_does_not_let_a_stranger_in_that_each_frame_would_not():
    known = gallery((1, point(0.0)), (2, point(2.0)))
    # each frame is 0.47 from person 1 (refused); their plain mean is only 0.4 away
    frames = [point(0.4, 0.25), point(0.4, -0.25)]
    assert all(not decision.decide(known, frame, RULE).accepted for frame in frames)
    assert decision.decide(known, decision.combine_frames(frames)[0], RULE).accepted
    assert not decision.decide_frames(known, frames, RULE).accepted


def test_a_frame_showing_someone_else_is_left_out_of_the_average():
    known = gallery((1, point(0.0)), (2, point(2.0)))
    frames = [point(0.1), point(0.12), point(1.9), None]
    _, _, used = decision.combine_frames(frames)
    assert used == 2
    assert decision.decide_frames(known, frames, RULE).person_id == 1


def test_no_frames_with_a_face_match_nobody():
    known = gallery((1, point(0.0)))
    assert decision.decide_frames(known, [None, None], RULE) == decision.NO_MATCH


def test_lookalikes_name_each_persons_nearest_other_person():
    matrix = np.vstack([point(0.0), point(0.4), point(3.0)])
    found = decision.lookalikes(matrix, [1, 2, 3])
    assert found[1] == (pytest.approx(0.4), 2)
    assert found[3] == (pytest.approx(2.6), 2)
    assert decision.lookalikes(matrix[:1], [1]) == {1: (float("inf"), None)}


def test_distance_to_a_person_is_to_their_average_face_and_none_for_nobody():
    rows = np.zeros((3, 128), dtype=np.float32)
    rows[0, 0], rows[1, 0], rows[2, 1] = 0.2, 0.4, 0.9  # person 1 averages to 0.3 on axis 0
    known = Gallery(matrix=rows, labels=np.array([1, 1, 2]))
    probe = np.zeros(128, dtype=np.float32)
    assert decision.distance_to(known, probe, 1) == pytest.approx(0.3)
    assert decision.distance_to(known, probe, 1, spread=0.16) == pytest.approx(0.5)
    assert decision.distance_to(known, probe, 99) is None


def test_confidence_is_half_at_the_threshold_and_says_not_a_match_beyond_it():
    from recognition.decision import confidence

    assert confidence(0.46, 0.46) == (50, "fairly sure: check the photo")
    assert confidence(0.30, 0.46) == (90, "very sure")
    assert confidence(0.40, 0.46)[1] == "sure"
    assert confidence(0.50, 0.46) == (40, "not a match")
    assert confidence(0.0, 0.46)[0] == 100 and confidence(0.9, 0.46)[0] == 0
