"""Liveness over a burst of frames, on real photos: a still picture fails, movement passes."""

import io

import numpy as np
import pytest
from PIL import Image

from recognition import burst, engine, imaging, liveness
from tests import photos


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


def check(frames):
    return burst.analyse([(frame, None) for frame in frames], rule=liveness.LivenessRule())


@pytest.mark.parametrize("path", [photos.OBAMA, photos.BIDEN])
def test_a_burst_of_identical_frames_is_not_live(path):
    attempt = check([kiosk_frame(path)] * 4)
    assert attempt.used == 4
    assert not attempt.liveness.live and attempt.liveness.reason == "still"


@pytest.mark.parametrize("path", [photos.OBAMA, photos.BIDEN])
def test_a_still_photo_seen_through_camera_noise_is_not_live(path):
    # each frame re-encoded with its own noise: what a camera sees of a printed photo held still
    frames = [kiosk_frame(path, noise=2.0, seed=i, quality=75 + 5 * i) for i in range(4)]
    verdict = check(frames).liveness
    assert not verdict.live, verdict
    assert verdict.motion < liveness.LivenessRule().min_motion


@pytest.mark.parametrize("path", [photos.OBAMA, photos.BIDEN])
def test_a_face_that_shifts_a_few_pixels_is_live(path):
    verdict = check([kiosk_frame(path, shift=(3 * i, 2 * i)) for i in range(4)]).liveness
    assert verdict.live and verdict.reason == "moved", verdict


def test_a_face_that_turns_a_little_is_live():
    verdict = check([kiosk_frame(photos.OBAMA, angle=2.0 * i) for i in range(4)]).liveness
    assert verdict.live and verdict.reason == "moved", verdict


def test_too_few_frames_with_a_face_is_not_live():
    empty = imaging.decode(photos.no_face_jpeg())
    verdict = check([kiosk_frame(photos.OBAMA), empty, empty, kiosk_frame(photos.OBAMA, shift=(9, 6))]).liveness
    assert not verdict.live and verdict.reason == "too_few_frames" and verdict.frames == 2


def test_eye_aspect_ratio_drops_when_the_eye_closes():
    open_eye = [(0, 0), (3, -2), (7, -2), (10, 0), (7, 2), (3, 2)]
    closed_eye = [(0, 0), (3, -0.3), (7, -0.3), (10, 0), (7, 0.3), (3, 0.3)]
    assert liveness.eye_aspect_ratio(open_eye) == pytest.approx(0.4)
    assert liveness.eye_aspect_ratio(closed_eye) == pytest.approx(0.06)


def test_a_blink_alone_passes():
    still = liveness.points_of(_features(eye_height=2.0))
    blink = liveness.points_of(_features(eye_height=0.3))
    verdict = liveness.check([still, still, blink, still])
    assert verdict.live and verdict.reason == "blinked" and verdict.motion < 0.06


def _features(eye_height):
    """Landmarks of a schematic face; only the eyes change between calls."""

    def eye(x):
        h = eye_height
        return [(x, 50), (x + 3, 50 - h), (x + 7, 50 - h), (x + 10, 50), (x + 7, 50 + h), (x + 3, 50 + h)]

    return {
        "chin": [(20 + 4 * i, 90) for i in range(17)],
        "left_eyebrow": [(30 + 3 * i, 40) for i in range(5)],
        "right_eyebrow": [(60 + 3 * i, 40) for i in range(5)],
        "nose_bridge": [(50, 50 + 5 * i) for i in range(4)],
        "nose_tip": [(44 + 3 * i, 72) for i in range(5)],
        "left_eye": eye(30),
        "right_eye": eye(60),
    }


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
