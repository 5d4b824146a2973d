"""Is the face in a burst of frames alive? Movement or a blink, from landmarks.

A printed photo or a screen held still in front of the camera gives the same
landmarks in every frame (give or take the camera's noise); a person moves a
little, turns the head or blinks. We measure two things over the burst:

- motion: how far the 68-point landmarks move from the first frame, as a
  fraction of the distance between the eyes (so it does not depend on how
  close the person stands);
- blink: how much the eye aspect ratio (eye height over eye width,
  Soukupova and Cech 2016) changes.

Either one above its threshold passes. This stops a still photo; it does not
stop a photo moved by hand, a video played on a phone or a mask (see README).

Plain numpy over landmark points; `landmarks()` alone calls dlib.
"""

from dataclasses import dataclass

import numpy as np

# the features of face_recognition.face_landmarks we use, in a fixed order
# (the 48 points of jaw, brows, nose and eyes; the lips add nothing here)
FEATURES = ("chin", "left_eyebrow", "right_eyebrow", "nose_bridge", "nose_tip", "left_eye", "right_eye")
LEFT_EYE = slice(36, 42)
RIGHT_EYE = slice(42, 48)


@dataclass(frozen=True)
class LivenessRule:
    # frames in which a face must be found
    min_frames: int = 3
    # largest mean landmark movement, as a fraction of the eye distance: camera
    # noise on a still photo measured 0.01-0.03 (tests/recognition/test_liveness.py),
    # a head moved by 3 pixels 0.2 and more
    min_motion: float = 0.06
    # change of the eye aspect ratio: open eyes are about 0.3, closed below 0.15;
    # noise alone moved it by up to 0.08 on small faces
    min_blink: float = 0.12


@dataclass(frozen=True)
class Liveness:
    live: bool
    reason: str  # "moved", "blinked", "still" or "too_few_frames"
    motion: float
    blink: float
    frames: int


def landmarks(array, box):
    """The 48 points (x, y) of the face in `box` of an RGB array, as a (48, 2) array."""
    import face_recognition

    from recognition.encoders import DLIB_LOCK

    with DLIB_LOCK:  # a shared dlib model (see encoders.DLIB_LOCK)
        found = face_recognition.face_landmarks(array, face_locations=[tuple(box)], model="large")
    return points_of(found[0])


def points_of(features):
    return np.asarray([point for name in FEATURES for point in features[name]], dtype=np.float64)


def eye_aspect_ratio(eye):
    """(|p2-p6| + |p3-p5|) / (2 |p1-p4|) for the six points of one eye."""
    eye = np.asarray(eye, dtype=np.float64)
    vertical = np.linalg.norm(eye[1] - eye[5]) + np.linalg.norm(eye[2] - eye[4])
    horizontal = np.linalg.norm(eye[0] - eye[3])
    return float(vertical / (2.0 * horizontal)) if horizontal > 0 else 0.0


def eye_distance(points):
    return float(np.linalg.norm(points[LEFT_EYE].mean(axis=0) - points[RIGHT_EYE].mean(axis=0)))


def check(frames, rule=LivenessRule()):
    """frames: one (48, 2) landmark array per frame that showed a face, in order."""
    frames = [np.asarray(f, dtype=np.float64) for f in frames]
    if len(frames) < rule.min_frames:
        return Liveness(live=False, reason="too_few_frames", motion=0.0, blink=0.0, frames=len(frames))
    first = frames[0]
    scale = eye_distance(first) or 1.0
    motion = max(float(np.linalg.norm(f - first, axis=1).mean()) / scale for f in frames[1:])
    ears = [(eye_aspect_ratio(f[LEFT_EYE]) + eye_aspect_ratio(f[RIGHT_EYE])) / 2 for f in frames]
    blink = max(ears) - min(ears)
    if motion >= rule.min_motion:
        reason = "moved"
    elif blink >= rule.min_blink:
        reason = "blinked"
    else:
        reason = "still"
    return Liveness(
        live=reason != "still", reason=reason, motion=round(motion, 4), blink=round(blink, 4), frames=len(frames)
    )
