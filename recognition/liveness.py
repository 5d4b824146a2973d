"""Is the face in a burst of frames a face, or a flat picture of one? From landmarks alone.

A printed photo or a phone screen is a plane. However it is moved, zoomed,
rotated or tilted in front of the camera, the landmarks of one frame are
related to those of another by one plane-to-plane mapping, a homography,
up to the landmark detector's noise. A real head is not flat: when it turns
or nods, the nose (which stands out of the face) moves against the face's
outline and eyes (parallax), and eyes and mouth change shape on their own
(a blink, speech): neither is a homography. So over a burst we measure:

- parallax: a homography is fitted to the points that lie roughly on one
  surface (the outline, the brows, the eye corners), and we take how far the
  nose's points are from where that mapping puts them, as a fraction of the
  distance between the eyes (so it does not depend on how close one stands);
- planar residual: how badly one homography explains all the rigid points
  (outline and nose together), same unit: reported, not decided on (the
  detector's jitter on the outline weighs in it as much as depth does);
- blink: how much the eye aspect ratio (eye height over eye width,
  Soukupova and Cech 2016) changes; mouth: the same for the inner lips.

A face passes when its parallax is above what a flat picture gives, or when
it blinks or opens its mouth. A photo moved by hand gives no
parallax whatever it does; motion alone counts for nothing (before issue 21
it did, and a photo moved by 1 pixel a frame passed).

What it does not stop (docs/liveness.md): a video of the person replayed on
a screen (the head in the video turns and blinks), a 3D mask, a photo bent
around a cylinder and turned (partly: the bend is a surface, not a plane).

An active challenge (`challenge_met`) asks for one given movement (turn left,
turn right, blink) and checks the frames show it, on top of the test above.

Landmarks: dlib's 68 points (`landmarks()`), or the 5 points of a detector
such as YuNet (eyes, nose tip, mouth corners: parallax only, no blink).
Plain numpy over points; `landmarks()` alone calls dlib.
"""

from dataclasses import dataclass

import numpy as np

# dlib's 68-point layout (iBUG 300-W)
JAW = list(range(0, 17))
BROWS = list(range(17, 27))
NOSE = list(range(27, 36))
LEFT_EYE = slice(36, 42)  # the person's right eye, on the left of the picture
RIGHT_EYE = slice(42, 48)
EYE_CORNERS = [36, 39, 42, 45]
INNER_LIPS = list(range(60, 68))
# roughly one surface: what a flat picture and a real face share
SURFACE = JAW + BROWS + EYE_CORNERS
RIGID = SURFACE + NOSE
# YuNet's 5 points: right eye, left eye, nose tip, right and left mouth corner
FIVE_SURFACE = [0, 1, 3, 4]
FIVE_NOSE = [2]

CHALLENGES = ("turn_left", "turn_right", "blink")
# a camera track's landmarks kept for its test: the latest, about five seconds at 5 frames a second
TRACK_POINTS = 24
# of those, the frames compared pairwise (evenly spread): the pairs grow with the square
TRACK_SAMPLE = 10


@dataclass(frozen=True)
class LivenessRule:
    # frames in which a face must be found
    min_frames: int = 3
    # the nose against the face's surface, as a fraction of the eye distance, with the
    # frame that weighs most set aside; tuned with `python -m bench.liveness` on 266
    # recordings (docs/liveness.md): flat pictures up to 0.23, mostly below 0.05; heads
    # turning 8 degrees 0.04-0.07, 12 degrees and more 0.07 and above
    min_parallax: float = 0.05
    # change of the eye aspect ratio: open eyes are about 0.3, closed below 0.15
    min_blink: float = 0.12
    # change of the inner lips' aspect ratio (mouth opened): closed about 0, open 0.3 and more
    min_mouth: float = 0.2
    # an active challenge: the head's turn (nose position across the face, -1..1) it asks for
    min_turn: float = 0.12


@dataclass(frozen=True)
class Liveness:
    live: bool
    # "parallax", "blinked", "mouth", "flat" (a picture: no depth, nothing moved on its own),
    # "too_few_frames", or for a challenge "challenge_failed"
    reason: str
    parallax: float
    residual: float
    blink: float
    mouth: float
    frames: int
    turn: float = 0.0  # how far the head turned (negative: to the person's right)

    @property
    def motion(self):
        # kept for the stored results' shape of before issue 21: the depth figure
        return self.parallax


_predictor = None


def landmarks(array, box):
    """dlib's 68 points (x, y) of the face in `box` (top, right, bottom, left) of an RGB array: a (68, 2) array."""
    import dlib
    import face_recognition_models

    from recognition.encoders import DLIB_LOCK

    global _predictor
    top, right, bottom, left = (int(v) for v in box)
    with DLIB_LOCK:  # a shared dlib model (see encoders.DLIB_LOCK)
        if _predictor is None:
            _predictor = dlib.shape_predictor(face_recognition_models.pose_predictor_model_location())
        shape = _predictor(np.ascontiguousarray(array), dlib.rectangle(left, top, right, bottom))
    return np.asarray([(shape.part(i).x, shape.part(i).y) for i in range(68)], dtype=np.float64)


def homography(src, dst):
    """The 3x3 mapping that takes points src (N, 2) nearest to dst (N, 2), N >= 4 (normalised DLT)."""
    a, ta = _normalise(src)
    b, tb = _normalise(dst)
    rows = []
    for (x, y), (u, v) in zip(a, b, strict=True):
        rows.append([-x, -y, -1, 0, 0, 0, u * x, u * y, u])
        rows.append([0, 0, 0, -x, -y, -1, v * x, v * y, v])
    _, _, vt = np.linalg.svd(np.asarray(rows))
    h = vt[-1].reshape(3, 3)
    h = np.linalg.inv(tb) @ h @ ta
    return h / h[2, 2] if abs(h[2, 2]) > 1e-12 else h


def project(h, points):
    points = np.asarray(points, dtype=np.float64)
    mapped = np.c_[points, np.ones(len(points))] @ h.T
    w = mapped[:, 2:3]
    w = np.where(np.abs(w) < 1e-12, 1e-12, w)
    return mapped[:, :2] / w


def _normalise(points):
    points = np.asarray(points, dtype=np.float64)
    centre = points.mean(axis=0)
    spread = np.sqrt(((points - centre) ** 2).sum(axis=1)).mean() or 1.0
    s = np.sqrt(2) / spread
    t = np.array([[s, 0, -s * centre[0]], [0, s, -s * centre[1]], [0, 0, 1]])
    return np.c_[points, np.ones(len(points))] @ t.T[:, :2], t


def eye_aspect_ratio(eye):
    """(|p2-p6| + |p3-p5|) / (2 |p1-p4|) for the six points of one eye."""
    eye = np.asarray(eye, dtype=np.float64)
    vertical = np.linalg.norm(eye[1] - eye[5]) + np.linalg.norm(eye[2] - eye[4])
    horizontal = np.linalg.norm(eye[0] - eye[3])
    return float(vertical / (2.0 * horizontal)) if horizontal > 0 else 0.0


def mouth_aspect_ratio(points):
    """Inner lips: opening (mean of three heights) over the width between the corners."""
    lips = np.asarray(points, dtype=np.float64)[INNER_LIPS]
    width = np.linalg.norm(lips[0] - lips[4])
    height = np.linalg.norm(lips[1] - lips[7]) + np.linalg.norm(lips[2] - lips[6]) + np.linalg.norm(lips[3] - lips[5])
    return float(height / (3.0 * width)) if width > 0 else 0.0


def eye_distance(points):
    points = np.asarray(points, dtype=np.float64)
    if len(points) == 5:
        return float(np.linalg.norm(points[0] - points[1]))
    return float(np.linalg.norm(points[LEFT_EYE].mean(axis=0) - points[RIGHT_EYE].mean(axis=0)))


def turn(points):
    """Where the nose tip sits across the face, -1..1: 0 frontal; positive when the head turns to
    the person's left (the nose moves to the right of an unmirrored camera picture)."""
    points = np.asarray(points, dtype=np.float64)
    if len(points) == 5:
        a, b, nose = points[0], points[1], points[2]
    else:
        a, b, nose = points[0], points[16], points[30]  # the outline's ends at the ears, the nose tip
    line = b - a
    length = float(line @ line)
    if length == 0:
        return 0.0
    return float(2.0 * ((nose - a) @ line) / length - 1.0)


def frame_depth(reference, points):
    """(parallax, residual) of one frame's points against the reference frame's, in eye distances."""
    reference = np.asarray(reference, dtype=np.float64)
    points = np.asarray(points, dtype=np.float64)
    scale = (eye_distance(reference) + eye_distance(points)) / 2 or 1.0
    if len(points) == 5:
        h = homography(reference[FIVE_SURFACE], points[FIVE_SURFACE])
        nose = float(np.linalg.norm(project(h, reference[FIVE_NOSE]) - points[FIVE_NOSE], axis=1).mean())
        return nose / scale, nose / scale
    h = homography(reference[SURFACE], points[SURFACE])
    # the nose's points together: a turn moves them all one way, the detector's jitter
    # moves each its own way and mostly cancels out in the mean
    parallax = float(np.linalg.norm((project(h, reference[NOSE]) - points[NOSE]).mean(axis=0)))
    h_all = homography(reference[RIGID], points[RIGID])
    residual = float(np.sqrt((np.linalg.norm(project(h_all, reference[RIGID]) - points[RIGID], axis=1) ** 2).mean()))
    return parallax / scale, residual / scale


def measure(frames):
    """The figures of a burst (no decision): parallax, residual, blink, mouth, turn."""
    frames = [np.asarray(f, dtype=np.float64) for f in frames]
    # every frame against every other (a turn away and back shows at either end); then the
    # largest pair left once the one frame that weighs most is set aside: a single frame whose
    # landmarks slipped (blur, a glint) pairs badly with all the others, and must not make a
    # photo look deep
    n = len(frames)
    pairs = {(i, j): frame_depth(frames[i], frames[j]) for i in range(n) for j in range(i + 1, n)}

    def without_one(figure):
        best = [max((v[figure] for (i, j), v in pairs.items() if k not in (i, j)), default=0.0) for k in range(n)]
        return min(best) if best else 0.0

    parallax, residual = without_one(0), without_one(1)
    blink = mouth = 0.0
    if frames and len(frames[0]) == 68:
        ears = [(eye_aspect_ratio(f[LEFT_EYE]) + eye_aspect_ratio(f[RIGHT_EYE])) / 2 for f in frames]
        mars = [mouth_aspect_ratio(f) for f in frames]
        # a blink is a dip below the eyes' usual opening, a word an opening above the mouth's usual
        blink = float(np.median(ears) - min(ears))
        mouth = float(max(mars) - np.median(mars))
    turns = [turn(f) for f in frames]
    swing = max(turns, key=lambda t: abs(t - turns[0])) - turns[0] if turns else 0.0
    return parallax, residual, blink, mouth, swing


def check(frames, rule=LivenessRule(), challenge=""):
    """frames: one landmark array per frame that showed the face, in order: (68, 2) from
    `landmarks()`, or (5, 2) from a five-point detector.

    challenge: "" for the passive test, or one of CHALLENGES: the frames must also show it.
    """
    frames = [np.asarray(f, dtype=np.float64) for f in frames]
    if len(frames) < rule.min_frames:
        return Liveness(
            live=False, reason="too_few_frames", parallax=0.0, residual=0.0, blink=0.0, mouth=0.0, frames=len(frames)
        )
    parallax, residual, blink, mouth, swing = measure(frames)
    if parallax >= rule.min_parallax:
        reason = "parallax"
    elif blink >= rule.min_blink:
        reason = "blinked"
    elif mouth >= rule.min_mouth:
        reason = "mouth"
    else:
        reason = "flat"
    if reason != "flat" and challenge and not challenge_met(challenge, swing=swing, blink=blink, rule=rule):
        reason = "challenge_failed"
    return Liveness(
        live=reason not in ("flat", "challenge_failed"),
        reason=reason,
        parallax=round(parallax, 4),
        residual=round(residual, 4),
        blink=round(blink, 4),
        mouth=round(mouth, 4),
        frames=len(frames),
        turn=round(swing, 4),
    )


def challenge_met(challenge, *, swing, blink, rule=LivenessRule()):
    """Did the frames show what the kiosk asked for? swing: the head's turn over the burst (`turn`)."""
    if challenge == "turn_left":
        return swing >= rule.min_turn
    if challenge == "turn_right":
        return swing <= -rule.min_turn
    if challenge == "blink":
        return blink >= rule.min_blink
    return False


def check_track(points, rule=LivenessRule()):
    """A camera track's landmarks (oldest first, as tracking.Track.points keeps them): the
    kiosk burst's test over frames spread evenly across the track. A door camera decides
    access only for a track that passes; a still picture, or a photo carried past, does not."""
    points = list(points)
    if len(points) > TRACK_SAMPLE:
        step = (len(points) - 1) / (TRACK_SAMPLE - 1)
        points = [points[round(i * step)] for i in range(TRACK_SAMPLE)]
    return check(points, rule)
