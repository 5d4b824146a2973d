"""Faces followed across the frames of a stream or a video: one decision per person passing.

A camera or a video shows the same person in many frames. Deciding every
frame would give one event per frame and many weak answers; instead each
face found is attached to a *track* (the same face in earlier frames), the
track keeps its best few faces, and when it ends it is decided once from
those faces with the kiosk's rule (decision.decide_frames).

No Django here: the stream runner, the video worker, the tests and the
benchmarks run exactly this code. The engine (recognition.engine, or
anything with its detect/encode_many) is passed in, so this module loads no
model itself.

Association, frame to frame: a face joins the track whose last box it
overlaps (IoU) and whose last encoding is near enough, or, with no overlap
(a fast move, a frame skipped, a gap shorter than max_gap), a track whose
encoding is very near. Encoding distance is what keeps two people who cross
apart: their boxes overlap, their faces do not match. Pairs are taken
greedily, nearest first: with the handful of faces a frame shows, that is
what an optimal assignment would pick too, without scipy.
"""

import io
import itertools
from dataclasses import dataclass, field, replace

import numpy as np
from PIL import Image

from recognition import decision, encoders, quality

# Quality of a face for keeping (0-1, the product of three parts, so a face bad
# in any one way ranks low): width saturates at FULL_WIDTH pixels (encodings
# stop improving there: the chip is 150 pixels), sharpness (quality.py's
# Laplacian variance on a 64x64 copy) at FULL_SHARPNESS, a bit above the
# enrollment minimum, and frontalness is 1 with the nose midway between the eyes.
FULL_WIDTH = 150
FULL_SHARPNESS = 150.0
CROP_SIDE = 320  # the face picture kept with each face: large enough to enroll from (see portal.review)


@dataclass(frozen=True)
class Face:
    """One face in one frame."""

    box: tuple  # (top, right, bottom, left) in pixels of the full frame
    encoding: np.ndarray = field(repr=False)  # 128 float32
    quality: float  # 0-1, higher is better: size x sharpness x frontalness
    sharpness: float
    frontalness: float  # 0-1
    picture: bytes = field(repr=False, default=b"")  # JPEG of the face with some margin
    t: float = 0.0  # when: seconds (stream clock or position in the video)

    @property
    def width(self):
        return self.box[1] - self.box[3]


def frontalness(points):
    """0-1 from dlib's 5 landmarks (two corners of each eye, the base of the nose).

    A face turned aside puts the nose nearer one eye: the nose's position
    along the line between the eye centres is 0.5 for a frontal face.
    """
    points = np.asarray(points, dtype=np.float64)
    eye_a, eye_b = points[0:2].mean(axis=0), points[2:4].mean(axis=0)
    line = eye_b - eye_a
    length = float(line @ line)
    if length == 0:
        return 0.0
    along = float((points[4] - eye_a) @ line) / length
    return max(0.0, 1.0 - 2.0 * abs(along - 0.5))


def face_quality(width, sharpness, front):
    return min(1.0, width / FULL_WIDTH) * min(1.0, sharpness / FULL_SHARPNESS) * front


def face_picture(image, box):
    """A JPEG of the face at box in a PIL image, with half its height around it (as the portal's face thumbnails)."""
    top, right, bottom, left = box
    pad = (bottom - top) // 2
    side = max(bottom - top, right - left) + 2 * pad
    cx, cy, half = (left + right) // 2, (top + bottom) // 2, side // 2
    crop = image.crop((max(0, cx - half), max(0, cy - half), min(image.width, cx + half), min(image.height, cy + half)))
    crop.thumbnail((CROP_SIDE, CROP_SIDE))
    out = io.BytesIO()
    crop.save(out, format="JPEG", quality=85)
    return out.getvalue()


def _inside(box, region, width, height):
    """Is the box's centre in region (left, top, right, bottom, as fractions 0-1 of the frame)?"""
    top, right, bottom, left = box
    cx, cy = (left + right) / 2 / width, (top + bottom) / 2 / height
    r_left, r_top, r_right, r_bottom = region
    return r_left <= cx <= r_right and r_top <= cy <= r_bottom


def faces_in_frame(engine, rgb, *, scale=0.5, min_face=40, region=None, options=None, t=0.0):
    """The faces of one frame (an RGB uint8 array, or a PIL image), encoded in one batch.

    scale: detection runs on a copy this much smaller (HOG detection costs
    grow with the pixels; faces below about 40 pixels on the copy are missed).
    min_face: faces narrower than this (full-frame pixels) are dropped before
    encoding: too small to decide well, and each costs an encoding.
    region: (left, top, right, bottom) as fractions of the frame; faces whose
    centre is outside are dropped. options: engine.DetectOptions (the
    encoding version; max_side is set from scale).
    """
    image = rgb if isinstance(rgb, Image.Image) else Image.fromarray(np.asarray(rgb, dtype=np.uint8))
    width, height = image.size
    options = options if options is not None else engine.DetectOptions()
    # no upsampling pass on an empty frame: on a stream most frames are empty, and it costs 3-4x
    options = replace(options, max_side=max(1, round(max(width, height) * min(1.0, scale))), upsample_when_empty=False)
    boxes = [
        box
        for box in engine.detect(image, options)
        if box[1] - box[3] >= min_face and (region is None or _inside(box, region, width, height))
    ]
    if not boxes:
        return []
    encodings = engine.encode_many([(image, boxes)], options)[0]
    array = np.asarray(image, dtype=np.uint8)
    faces = []
    for box, encoding in zip(boxes, encodings, strict=True):
        sharp = quality.measure(image, box).sharpness
        front = frontalness(encoders.five_points(array, box))
        faces.append(
            Face(
                box=tuple(int(v) for v in box),
                encoding=np.asarray(encoding, dtype=np.float32),
                quality=face_quality(box[1] - box[3], sharp, front),
                sharpness=sharp,
                frontalness=front,
                picture=face_picture(image, box),
                t=t,
            )
        )
    return faces


def iou(a, b):
    """Intersection over union of two (top, right, bottom, left) boxes."""
    top, bottom = max(a[0], b[0]), min(a[2], b[2])
    left, right = max(a[3], b[3]), min(a[1], b[1])
    inter = max(0, bottom - top) * max(0, right - left)
    if inter == 0:
        return 0.0
    area_a = (a[2] - a[0]) * (a[1] - a[3])
    area_b = (b[2] - b[0]) * (b[1] - b[3])
    return inter / float(area_a + area_b - inter)


@dataclass
class Track:
    """The same face over consecutive frames."""

    id: int
    first_seen: float
    last_seen: float
    frames: int = 0
    faces: list = field(default_factory=list)  # the best faces, best first
    box: tuple = ()  # where it was last seen
    encoding: np.ndarray = field(default=None, repr=False)  # its last encoding
    reported: bool = False  # handed out early (confident); not handed out again

    @property
    def best(self):
        return self.faces[0] if self.faces else None

    def combined(self):
        """(mean encoding, spread, faces used) of the best faces: decision.combine_frames."""
        return decision.combine_frames([face.encoding for face in self.faces])

    def _add(self, t, face, keep):
        self.last_seen = t
        self.frames += 1
        self.box = face.box
        self.encoding = face.encoding
        self.faces.append(face)
        # ties keep the earlier face: the first good view is as good as a later one
        self.faces.sort(key=lambda f: f.quality, reverse=True)
        del self.faces[keep:]


class Tracker:
    """Follows faces across frames; hands out each track once, when it ends or is sure.

    max_gap: seconds a track may go unseen before it ends (a face hidden for a
    moment, a frame without a detection).
    iou_min: the overlap with a track's last box that counts as the same place.
    max_distance: the largest encoding distance for a face to join a track it
    overlaps (decision.SAME_FACE, dlib's same-person bound).
    reid_distance: the largest encoding distance for a face to join a track
    it does not overlap (moved fast, or came back within max_gap): stricter,
    since place says nothing then.
    keep: the best faces a track keeps for its decision.
    confident_after: a track seen in this many frames is handed out at once
    (then followed, but not handed out again when it ends); None: only at its end.
    """

    def __init__(
        self,
        *,
        max_gap=1.0,
        iou_min=0.2,
        max_distance=decision.SAME_FACE,
        reid_distance=0.45,
        keep=3,
        confident_after=None,
    ):
        self.max_gap = max_gap
        self.iou_min = iou_min
        self.max_distance = max_distance
        self.reid_distance = reid_distance
        self.keep = keep
        self.confident_after = confident_after
        self.active = []
        self._ids = itertools.count(1)

    def update(self, t, faces):
        """Faces seen at time t (seconds); returns the tracks handed out now."""
        done = [track for track in self.active if t - track.last_seen > self.max_gap]
        self.active = [track for track in self.active if track not in done]
        for track, face in self._assign(faces):
            if track is None:
                track = Track(id=next(self._ids), first_seen=t, last_seen=t)
                self.active.append(track)
            track._add(t, face, self.keep)
        out = [track for track in done if not track.reported]
        if self.confident_after is not None:
            for track in self.active:
                if not track.reported and track.frames >= self.confident_after:
                    track.reported = True
                    out.append(track)
        return out

    def finish(self):
        """The stream or video ended: every track still followed ends now."""
        out = [track for track in self.active if not track.reported]
        self.active = []
        return out

    def _assign(self, faces):
        """(track or None, face) for every face: greedy on encoding distance, nearest pair first."""
        pairs = []
        for ti, track in enumerate(self.active):
            for fi, face in enumerate(faces):
                distance = float(np.linalg.norm(track.encoding - face.encoding))
                overlap = iou(track.box, face.box)
                near = distance <= self.max_distance and overlap >= self.iou_min
                if near or distance <= self.reid_distance:
                    pairs.append((distance, -overlap, ti, fi))
        pairs.sort()
        taken_tracks, matched = set(), {}
        for _, _, ti, fi in pairs:
            if ti in taken_tracks or fi in matched:
                continue
            taken_tracks.add(ti)
            matched[fi] = self.active[ti]
        return [(matched.get(fi), face) for fi, face in enumerate(faces)]


def decide_track(gallery, track, rule=decision.CalibratedRule()):
    """One decision for a track: its best faces combined as a kiosk attempt's frames (decision.decide_frames).

    Returns a decision.Match: person_id None for a stranger, distance to the nearest person.
    """
    return decision.decide_frames(gallery, [face.encoding for face in track.faces], rule)
