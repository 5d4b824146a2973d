"""Liveness over a burst of frames, on real photos: a flat picture fails however it is moved; a head that turns passes.

The recordings are tests/presentations.py's: a printed photo or a phone-like
screen moved, zoomed, rotated and tilted per frame (issue 21: 5 of 5 such
variants passed the motion test of before), and heads turned in 3D-ish
renders or real photos of one person in several poses.
"""

import io

import numpy as np
import pytest
from PIL import Image

from recognition import burst, engine, imaging, liveness
from tests import photos
from tests import presentations as rec


def kiosk_frame(path, *, shift=(0, 0), angle=0.0, noise=0.0, seed=0, quality=85):
    """The photo as a kiosk camera would send it: 640x480, grey borders, JPEG."""
    picture = imaging.decode(photos.read(path))
    picture.thumbnail((640, 480))
    frame = Image.new("RGB", (640, 480), (40, 40, 40))
    frame.paste(picture, ((640 - picture.width) // 2 + shift[0], (480 - picture.height) // 2 + shift[1]))
    if angle:
        frame = frame.rotate(angle, resample=Image.Resampling.BICUBIC, center=(320, 240))
    if noise:
        pixels = np.asarray(frame, dtype=np.float64) + np.random.default_rng(seed).normal(0, noise, (480, 640, 3))
        frame = Image.fromarray(pixels.clip(0, 255).astype(np.uint8))
    out = io.BytesIO()
    frame.save(out, format="JPEG", quality=quality)
    return imaging.decode(out.getvalue())


def check(frames, challenge=""):
    return burst.analyse([(frame, None) for frame in frames], rule=liveness.LivenessRule(), challenge=challenge)


@pytest.fixture(scope="module")
def obama():
    return rec.face_crop(photos.OBAMA)


@pytest.fixture(scope="module")
def biden():
    return rec.face_crop(photos.BIDEN)


@pytest.mark.parametrize("path", [photos.OBAMA, photos.BIDEN])
def test_a_burst_of_identical_frames_is_not_live(path):
    attempt = check([kiosk_frame(path)] * 4)
    assert attempt.used == 4
    assert not attempt.liveness.live and attempt.liveness.reason == "flat"


def test_a_still_photo_seen_through_camera_noise_is_not_live():
    # each frame re-encoded with its own noise: what a camera sees of a printed photo held still
    frames = [kiosk_frame(photos.OBAMA, noise=2.0, seed=i, quality=75 + 5 * i) for i in range(4)]
    verdict = check(frames).liveness
    assert not verdict.live, verdict


# the attack of issue 21: each of these opened Lab 2 when motion counted as life
@pytest.mark.parametrize(
    "shift, angle",
    [((1, 0), 0.0), ((3, 2), 0.0), ((0, 0), 1.5), ((2, 1), 2.0)],
    ids=["1px", "3px", "rotated 1.5deg", "shifted and turned 2deg"],
)
def test_a_photo_moved_a_little_per_frame_is_not_live(shift, angle):
    frames = [kiosk_frame(photos.OBAMA, shift=(shift[0] * i, shift[1] * i), angle=angle * i) for i in range(5)]
    verdict = check(frames).liveness
    assert not verdict.live and verdict.reason == "flat", verdict


@pytest.mark.parametrize(
    "motion",
    [
        rec.Motion(zoom=0.02),
        rec.Motion(tilt=15),
        rec.Motion(shift=20, zoom=0.1, rotate=8, tilt=25),
    ],
    ids=["zoomed 2%", "tilted 15deg", "moved, zoomed, rotated and tilted by hand"],
)
def test_a_printed_photo_moved_zoomed_rotated_or_tilted_is_not_live(obama, motion):
    verdict = check(rec.flat(obama, motion, seed=3)).liveness
    assert not verdict.live and verdict.reason == "flat", verdict


def test_a_phone_screen_moved_by_hand_is_not_live(biden):
    verdict = check(rec.screen(biden, rec.Motion(shift=20, zoom=0.1, rotate=8, tilt=25), seed=5)).liveness
    assert not verdict.live and verdict.reason == "flat", verdict


@pytest.mark.parametrize("yaw", [12.0, 20.0])
def test_a_head_that_turns_is_live(obama, yaw):
    verdict = check(rec.turning(obama, yaw=yaw, pitch=3.0, seed=2)).liveness
    assert verdict.live and verdict.reason == "parallax", verdict


def test_real_photos_of_one_person_in_different_poses_are_live():
    # three real photographs of Obama, years apart: a real 3D face in three poses
    pictures = [rec.face_crop(p, margin=0.4) for p in (photos.OBAMA, photos.OBAMA_2, photos.OBAMA_3)]
    verdict = check(rec.photos_of_one_person(pictures)).liveness
    assert verdict.live, verdict


def test_too_few_frames_with_a_face_is_not_live():
    empty = imaging.decode(photos.no_face_jpeg())
    verdict = check([kiosk_frame(photos.OBAMA), empty, empty, kiosk_frame(photos.OBAMA, shift=(9, 6))]).liveness
    assert not verdict.live and verdict.reason == "too_few_frames" and verdict.frames == 2


# --- the geometry itself ------------------------------------------------------------


def test_points_on_a_plane_seen_from_another_angle_show_no_parallax():
    rng = np.random.default_rng(1)
    face = rng.uniform(0, 100, (68, 2))
    face[36:48] = [[30 + 2 * i, 40] for i in range(6)] + [[60 + 2 * i, 40] for i in range(6)]
    tilt = np.array([[1.05, 0.1, 5], [-0.08, 0.97, -3], [0.0008, -0.0005, 1]])
    parallax, residual = liveness.frame_depth(face, liveness.project(tilt, face))
    assert parallax < 1e-6 and residual < 1e-6


def test_a_nose_that_moves_against_the_outline_is_parallax():
    face = _features(eye_height=2.0)
    turned = face.copy()
    turned[liveness.NOSE] += [4.0, 0.0]  # the nose, standing out of the face, moves further
    parallax, _ = liveness.frame_depth(face, turned)
    assert parallax == pytest.approx(4.0 / 30, rel=0.05)  # eyes 30 apart


def test_eye_aspect_ratio_drops_when_the_eye_closes():
    open_eye = [(0, 0), (3, -2), (7, -2), (10, 0), (7, 2), (3, 2)]
    closed_eye = [(0, 0), (3, -0.3), (7, -0.3), (10, 0), (7, 0.3), (3, 0.3)]
    assert liveness.eye_aspect_ratio(open_eye) == pytest.approx(0.4)
    assert liveness.eye_aspect_ratio(closed_eye) == pytest.approx(0.06)


def test_a_blink_alone_passes():
    still, blink = _features(eye_height=2.0), _features(eye_height=0.3)
    verdict = liveness.check([still, still, blink, still])
    assert verdict.live and verdict.reason == "blinked" and verdict.parallax < 0.01


def test_an_opening_mouth_alone_passes():
    still, speaking = _features(eye_height=2.0), _features(eye_height=2.0, mouth=8.0)
    verdict = liveness.check([still, speaking, still])
    assert verdict.live and verdict.reason == "mouth", verdict


def test_five_points_of_a_detector_like_yunet_are_enough_for_parallax():
    eyes_nose_mouth = np.array([[30, 40], [60, 40], [45, 55], [34, 70], [56, 70]], dtype=np.float64)
    shifted = eyes_nose_mouth * 1.1 + [7, -3]  # the whole picture moved and zoomed: flat
    halfway, turned = eyes_nose_mouth.copy(), eyes_nose_mouth.copy()
    halfway[2] += [2.5, 0]  # the nose tip against the eyes and mouth: a turn, over three frames
    turned[2] += [5, 0]
    assert not liveness.check([eyes_nose_mouth, shifted, eyes_nose_mouth * 0.95]).live
    assert liveness.check([eyes_nose_mouth, halfway, turned]).reason == "parallax"
    # one frame alone that differs is set aside: a slipped landmark, not a turn
    assert not liveness.check([eyes_nose_mouth, eyes_nose_mouth * 1.05, turned]).live


def _features(eye_height, mouth=0.0):
    """68 landmarks of a schematic face (iBUG layout); eyes and mouth open as asked."""

    def eye(x):
        h = eye_height
        return [(x, 50), (x + 3, 50 - h), (x + 7, 50 - h), (x + 10, 50), (x + 7, 50 + h), (x + 3, 50 + h)]

    outer_lips = [(38 + 2 * i, 78 + (i % 3)) for i in range(12)]
    inner = [(40, 80), (43, 80 - mouth / 2), (46, 80 - mouth / 2), (49, 80 - mouth / 2), (52, 80)]
    inner += [(49, 80 + mouth / 2), (46, 80 + mouth / 2), (43, 80 + mouth / 2)]
    points = (
        [(20 + 4 * i, 60 + 30 * np.sin(np.pi * i / 16)) for i in range(17)]  # the outline
        + [(25 + 3 * i, 40) for i in range(5)]  # brows
        + [(55 + 3 * i, 40) for i in range(5)]
        + [(45, 45 + 5 * i) for i in range(4)]  # nose bridge
        + [(39 + 3 * i, 66) for i in range(5)]  # nose tip
        + eye(25)
        + eye(55)
        + outer_lips
        + inner
    )
    return np.asarray(points, dtype=np.float64)


# --- an active challenge ------------------------------------------------------------


def test_a_head_turning_to_its_left_meets_turn_left_and_not_turn_right(obama):
    frames = rec.turning(obama, yaw=15.0, pitch=2.0, seed=4, direction=1.0)
    assert check(frames, challenge="turn_left").liveness.live
    refused = check(frames, challenge="turn_right").liveness
    assert not refused.live and refused.reason == "challenge_failed"


def test_a_photo_tilted_to_look_turned_does_not_meet_a_turn_challenge(obama):
    verdict = check(rec.flat(obama, rec.Motion(tilt=30), seed=6), challenge="turn_left").liveness
    assert not verdict.live, verdict


def test_a_blink_meets_the_blink_challenge_and_not_a_turn():
    still, blink = _features(eye_height=2.0), _features(eye_height=0.3)
    assert liveness.check([still, blink, still], challenge="blink").live
    assert liveness.check([still, blink, still], challenge="turn_left").reason == "challenge_failed"


# --- a camera's track -----------------------------------------------------------------


def test_a_track_of_a_still_picture_is_not_live_and_a_turning_head_is(obama):
    still = rec.points_of(rec.flat(obama, rec.Motion(), frames=6, seed=7))
    assert not liveness.check_track(still * 4).live  # 24 frames of a picture held up to the camera
    turning = rec.points_of(rec.turning(obama, yaw=15.0, frames=6, seed=8))
    assert liveness.check_track(turning).live


# --- the burst -------------------------------------------------------------------------


def test_frames_are_combined_into_one_face_of_the_person():
    frames = [kiosk_frame(photos.OBAMA, noise=2.0, seed=i) for i in range(3)]
    attempt = burst.analyse([(frame, None) for frame in frames])
    assert attempt.used == 3 and attempt.liveness is None
    enrolled = engine.find_faces(imaging.decode(photos.read(photos.OBAMA_2)))[0].encoding
    assert float(np.linalg.norm(attempt.face.encoding - enrolled)) < 0.5


def test_a_frame_showing_someone_else_is_left_out_of_the_average():
    frames = [kiosk_frame(photos.OBAMA), kiosk_frame(photos.BIDEN), kiosk_frame(photos.OBAMA, shift=(4, 0))]
    attempt = burst.analyse([(frame, None) for frame in frames])
    assert attempt.frames == 3 and attempt.used == 2
    biden = engine.find_faces(kiosk_frame(photos.BIDEN))[0].encoding
    assert float(np.linalg.norm(attempt.face.encoding - biden)) > 0.6
