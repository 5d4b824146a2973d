"""One pass of a person, one decision, whatever the analysis rate; faces as small as asked for.

Real dlib on scenes made from the fixture photos (tests/cameras/clips.py): a face crossing a
640x360 picture from far (48 px, turned aside) to close, sampled at 1, 2 and 5 analysed frames a
second as a runner falling behind would get them. No database: recognition.tracking only.
"""

import numpy as np
import pytest
from PIL import Image

from recognition import decision, engine, tracking
from recognition.gallery import Gallery
from tests import photos
from tests.cameras import clips

RULE = decision.CalibratedRule()
OBAMA, BIDEN = 1, 2


@pytest.fixture(scope="module")
def gallery():
    """Obama enrolled from another photo than the one that walks; Biden from his."""
    obama = engine.find_faces(Image.open(photos.OBAMA_2).convert("RGB"))[0].encoding
    biden = engine.find_faces(Image.open(photos.BIDEN).convert("RGB"))[0].encoding
    return Gallery.from_pairs([(OBAMA, obama), (BIDEN, biden)])


@pytest.fixture(scope="module")
def sprites():
    return {"obama": clips.clips_sprite(photos.OBAMA), "stranger": clips.clips_sprite(photos.STRANGER)}


def runner_like(gate=None):
    """The finder, tracker and passes with the runner's default settings."""
    finder = tracking.FaceFinder(engine, min_face=40, floor=0.5)
    tracker = tracking.Tracker(max_gap=1.0, gap_frames=2, pass_window=4.0)
    return finder, tracking.Passes(tracker, margin=0.05, decide_after=3, min_frames=2, gate=gate)


def play(walkers, fps, gallery, *, seconds=6.0, gate=None):
    finder, passes = runner_like(gate)
    decided = []
    for t, frame in clips.sample(walkers, fps=fps, seconds=seconds):
        faces = finder(frame, t, hints=[track.box for track in passes.tracker.active])
        decided += [(t, one) for one in passes.update(t, faces, gallery, RULE)]
    decided += [(None, one) for one in passes.update(seconds + 30, [], gallery, RULE) + passes.finish(gallery, RULE)]
    return decided


def test_a_48_px_face_in_a_640x360_frame_is_found_and_named_and_a_42_px_one_by_zooming(gallery, sprites):
    empty = clips.background((640, 360))
    for width in (48, 42):
        face = sprites["obama"].resize(
            (round(sprites["obama"].width * width / clips.SPRITE_FACE), round(sprites["obama"].height * width / 200))
        )
        frame = empty.copy()
        frame.paste(face, (300, 140))
        # what the runner did before: half-size copies (CAMERA_DETECT_SCALE 0.5), no upsampling
        assert tracking.faces_in_frame(engine, frame, scale=0.5, min_face=40) == []
        finder = tracking.FaceFinder(engine, min_face=40, floor=0.5)
        assert finder.scale == 1.0 and finder.zoom > 2
        finder(empty, 0.0)  # the frame before: nobody there
        (found,) = finder(frame, 0.2)
        assert 300 < found.box[3] < 300 + face.width and 38 <= found.width <= 80
        match = decision.decide(gallery, found.encoding, RULE)
        assert match.accepted and match.person_id == OBAMA, width
    # the 42 px face is beyond the whole frame's pass: only the zoomed areas find it
    assert tracking.faces_in_frame(engine, frame, scale=1.0, min_face=40) == []


def test_the_detection_scale_follows_the_smallest_face_asked_for_and_never_goes_below_the_limit():
    assert tracking.detection_scale(60, floor=0.5) == 1.0
    assert tracking.detection_scale(160, floor=0.25) == 0.5
    assert tracking.detection_scale(400, floor=0.25) == 0.25
    assert tracking.zoom_for(160, 0.5) == 1.0 and tracking.zoom_for(40, 1.0) == pytest.approx(2.4)


@pytest.mark.parametrize("fps", [1, 2, 5])
def test_one_pass_of_an_enrolled_person_is_one_decision_at_1_2_and_5_analysed_frames_a_second(gallery, sprites, fps):
    walk = clips.far_then_close(sprites["obama"])  # 0.5 s to 4.5 s, turned for its first second
    decided = play([walk], fps, gallery)
    [(at, one)] = decided
    assert one.person_id == OBAMA and one.early
    # decided while still passing: once the turn (its first second) is over, at the next analysed frame
    assert at is not None and at <= walk.ends
    assert at - walk.begins <= walk.turn + 1.0 / fps + 1e-6


@pytest.mark.parametrize("fps", [1, 5])
def test_a_stranger_s_pass_is_one_stranger_decision_after_it_is_over(gallery, sprites, fps):
    walk = clips.far_then_close(sprites["stranger"])
    [(at, one)] = play([walk], fps, gallery)
    assert one.person_id is None and not one.early and one.frames >= 2
    assert at is None or at > walk.ends  # a stranger waits: a later piece may still be recognized


def test_two_people_crossing_each_other_are_two_decisions(gallery, sprites):
    size = (640, 360)
    walkers = [
        clips.Walker(sprites["obama"], 0.5, 3.5, (100, 170), (540, 190), (110, 130)),
        clips.Walker(sprites["stranger"], 0.5, 3.5, (540, 190), (100, 170), (110, 130)),
    ]
    decided = play(walkers, 2, gallery, seconds=5.0)
    assert sorted((one.person_id or 0) for _, one in decided) == [0, OBAMA], size


def test_a_gate_that_says_no_keeps_the_pass_from_being_decided_early(gallery, sprites):
    walk = clips.far_then_close(sprites["obama"])
    asked = []
    decided = play([walk], 2, gallery, gate=lambda track: asked.append(track.frames) or False)
    [(at, one)] = decided
    assert asked and not one.early and one.person_id == OBAMA
    # the gate may let it through on a later frame: then that frame decides
    later = play([walk], 2, gallery, gate=lambda track: track.frames >= 3)
    [(_, one)] = later
    assert one.early and one.frames >= 3


# --- pieces of a pass, with real encodings -------------------------------------------------------


@pytest.fixture(scope="module")
def encodings():
    found = {}
    named = {"obama": photos.OBAMA, "obama_3": photos.OBAMA_3, "stranger": photos.STRANGER, "biden": photos.BIDEN}
    for name, path in named.items():
        found[name] = engine.find_faces(Image.open(path).convert("RGB"))[0].encoding
    # a doubtful view of Obama (turned, blurred): near his other frames, too far from his enrolled face
    rng = np.random.default_rng(7)
    away = rng.normal(size=128).astype(np.float32)
    found["doubtful"] = found["obama"] + 0.42 * away / np.linalg.norm(away)
    return found


def face(encoding, x, t):
    return tracking.Face(
        box=(100, x + 80, 180, x), encoding=encoding, quality=0.5, sharpness=100.0, frontalness=0.8, t=t
    )


def test_a_track_lost_for_two_analysed_frames_at_one_a_second_goes_on(encodings):
    tracker = tracking.Tracker(max_gap=1.0, gap_frames=2)
    tracker.update(0.0, [face(encodings["obama"], 50, 0.0)])
    tracker.update(1.0, [])
    tracker.update(2.0, [])  # 2 s and 2 analysed frames unseen
    tracker.update(3.0, [face(encodings["obama"], 350, 3.0)])  # and 300 px farther on
    (track,) = tracker.finish()
    assert track.frames == 2
    # with the gap in seconds only, the same pass was two tracks
    seconds_only = tracking.Tracker(max_gap=1.0)
    seconds_only.update(0.0, [face(encodings["obama"], 50, 0.0)])
    ended = seconds_only.update(1.0, []) + seconds_only.update(2.0, [])
    seconds_only.update(3.0, [face(encodings["obama"], 350, 3.0)])
    assert len(ended + seconds_only.finish()) == 2


def test_a_runner_waiting_for_its_stream_between_two_analysed_frames_keeps_the_track(encodings):
    # a runner starved of CPU at about one analysed frame a second: its reader is late too, so the
    # analyser waits (TrackAnalysis.idle) several times between two frames; those waits used to
    # count as analysed frames that missed the face, and one pass became several tracks
    tracker = tracking.Tracker(max_gap=1.0, gap_frames=2)
    tracker.update(0.0, [face(encodings["obama"], 50, 0.0)])
    tracker.update(1.0, [face(encodings["obama"], 150, 1.0)])
    ended = []
    for t in (1.2, 1.4, 1.6, 1.8, 2.0, 2.2, 2.4):
        ended += tracker.update(t, [], analysed=False)
    ended += tracker.update(2.6, [face(encodings["obama"], 310, 2.6)])  # the next analysed frame
    assert ended == []
    (track,) = tracker.finish()
    assert track.frames == 3


def test_a_stream_that_stops_still_ends_its_tracks_on_time(encodings):
    tracker = tracking.Tracker(max_gap=1.0, gap_frames=2)
    tracker.update(0.0, [face(encodings["obama"], 50, 0.0)])
    tracker.update(1.0, [face(encodings["obama"], 150, 1.0)])
    waits = [1.0 + 0.2 * i for i in range(1, 21)]  # no frame for 4 s
    ended_at = next(t for t in waits if tracker.update(t, [], analysed=False))
    # three frames' worth of waiting at its rate of one a second
    assert 4.0 <= ended_at <= 4.3


def test_a_doubtful_first_piece_and_a_recognized_second_piece_are_one_decision_and_no_stranger(gallery, encodings):
    assert not decision.decide(gallery, encodings["doubtful"], RULE).accepted
    assert np.linalg.norm(encodings["doubtful"] - encodings["obama"]) < decision.SAME_FACE
    tracker = tracking.Tracker(max_gap=1.0, gap_frames=2, pass_window=4.0)
    passes = tracking.Passes(tracker, margin=0.05, decide_after=3, min_frames=2)
    decided = []
    for i in range(3):  # turned aside: not recognized
        decided += passes.update(i * 0.5, [face(encodings["doubtful"], 50 + 20 * i, i * 0.5)], gallery, RULE)
    for t in (1.5, 2.0, 2.5, 3.0):  # hidden longer than the gap: its track ends
        decided += passes.update(t, [], gallery, RULE)
    assert decided == [] and not tracker.active
    for i in range(3):  # facing the camera now: a new track, the same pass
        decided += passes.update(3.5 + i * 0.5, [face(encodings["obama"], 400, 3.5 + i * 0.5)], gallery, RULE)
    for t in range(5, 20):
        decided += passes.update(float(t), [], gallery, RULE)
    decided += passes.finish(gallery, RULE)
    [one] = decided
    assert one.person_id == OBAMA and one.first_seen == 0.0


def test_a_later_piece_of_a_recognized_pass_gives_nothing_more(gallery, encodings):
    tracker = tracking.Tracker(max_gap=1.0, gap_frames=2, pass_window=4.0)
    passes = tracking.Passes(tracker, margin=0.05, decide_after=3, min_frames=2)
    decided = []
    for i in range(3):
        decided += passes.update(i * 0.5, [face(encodings["obama"], 50, i * 0.5)], gallery, RULE)
    for t in (1.5, 2.0, 2.5, 3.0):
        decided += passes.update(t, [], gallery, RULE)
    for name, t in (("obama_3", 3.5), ("doubtful", 4.0), ("obama_3", 4.5)):  # back again, partly turned
        decided += passes.update(t, [face(encodings[name], 300, t)], gallery, RULE)
    decided += passes.finish(gallery, RULE)
    [one] = decided
    assert one.person_id == OBAMA and one.early


def test_someone_else_taken_for_a_piece_of_a_decided_pass_is_decided_at_once_on_their_own(gallery, encodings):
    # SFace's same-face bound (1.2) is wide: a far, turned first face of the next person can join the
    # pass of the person before. Here the bound is made that wide in dlib's units.
    assert np.linalg.norm(encodings["biden"] - encodings["obama"]) < 1.0
    tracker = tracking.Tracker(max_gap=1.0, gap_frames=2, pass_window=4.0, pass_distance=1.0)
    passes = tracking.Passes(tracker, margin=0.05, decide_after=3, min_frames=2)
    decided = []
    for i in range(3):
        decided += passes.update(i * 0.5, [face(encodings["obama"], 50, i * 0.5)], gallery, RULE)
    for t in (1.5, 2.0, 2.5, 3.0):  # gone
        decided += passes.update(t, [], gallery, RULE)
    decided += passes.update(3.5, [face(encodings["biden"], 400, 3.5)], gallery, RULE)  # seen once
    assert tracker.active[0].pass_id == tracker.active[0].id  # a pass of his own now
    for t in range(4, 20):
        decided += passes.update(float(t), [], gallery, RULE)
    decided += passes.finish(gallery, RULE)
    assert [(one.person_id, one.early) for one in decided] == [(OBAMA, True), (BIDEN, True)]


def test_the_confident_margin_is_read_on_the_encoding_versions_scale():
    # SFace's distances run twice as wide as dlib's: 0.05 in dlib's units is 0.1 there
    version = "opencv_zoo_sface_2021dec"
    rule = decision.rule_for(version=version)
    rng = np.random.default_rng(5)
    enrolled = rng.normal(size=128)
    enrolled /= np.linalg.norm(enrolled)
    known = Gallery.from_pairs([(OBAMA, enrolled)], encoding_version=version)
    away = rng.normal(size=128)
    away -= (away @ enrolled) * enrolled
    away /= np.linalg.norm(away)

    def at(distance):  # a unit encoding this far from the enrolled one
        angle = 2 * np.arcsin(distance / 2)
        return (np.cos(angle) * enrolled + np.sin(angle) * away).astype(np.float32)

    def early(distance):
        passes = tracking.Passes(tracking.Tracker(version=version), margin=0.05, decide_after=0)
        return passes.update(0.0, [face(at(distance), 50, 0.0)], known, rule)

    assert early(rule.threshold - 0.07) == []  # inside by more than dlib's 0.05, not by SFace's 0.1
    [one] = early(rule.threshold - 0.12)
    assert one.person_id == OBAMA


def test_a_moving_area_larger_than_the_budget_keeps_its_top_where_a_walking_person_s_face_is():
    # a far person walking, analysed twice a second: the picture changed from head to feet over a stride
    kept = tracking.merge_areas([(100, 50, 250, 350)], 640, 360, margin=40, budget=40_000)
    assert kept == [(60, 10, 290, 10 + 40_000 // 230)]
    # too wide for even a face's height within the budget: not searched enlarged
    assert tracking.merge_areas([(0, 0, 640, 360)], 640, 360, margin=40, budget=40_000) == []
