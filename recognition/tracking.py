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

from recognition import decision, encoders, liveness, quality

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
    encoding: np.ndarray = field(repr=False)  # float32, the encoding version's size
    quality: float  # 0-1, higher is better: size x sharpness x frontalness
    sharpness: float
    frontalness: float  # 0-1
    picture: bytes = field(repr=False, default=b"")  # JPEG of the face with some margin
    t: float = 0.0  # when: seconds (stream clock or position in the video)
    # the 68 landmarks (liveness.landmarks), asked for at doors: the track's liveness test reads them
    points: np.ndarray | None = field(repr=False, default=None)

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


# dlib's HOG detector looks through an 80x80 window: a face narrower than about this many
# pixels on the copy it searches is not found without upsampling. YuNet finds faces from about 20.
DETECTOR_MIN_FACE = 80
DETECTOR_MIN_FACES = {"hog": DETECTOR_MIN_FACE, "yunet": 20}
# the most a zoomed area is enlarged (a 40 px face becomes 96 px: found with margin)
MAX_ZOOM = 3.0


def detection_scale(min_face, *, floor=0.1, detector="hog"):
    """The scale of the copy a frame is searched on: as small as it can be while the smallest face
    asked for (min_face pixels of the frame) still fills the detector's window; never below floor
    (a limit set by the admin), never above 1 (smaller faces are found by zooming into areas,
    not by enlarging whole frames)."""
    return max(floor, min(1.0, DETECTOR_MIN_FACES.get(detector, DETECTOR_MIN_FACE) / max(1, min_face)))


def zoom_for(min_face, scale, detector="hog"):
    """How much an area must be enlarged for faces of min_face pixels to be found; 1: not needed."""
    smallest_found = DETECTOR_MIN_FACES.get(detector, DETECTOR_MIN_FACE) / scale  # frame pixels
    if min_face >= smallest_found:
        return 1.0
    return min(MAX_ZOOM, 1.2 * DETECTOR_MIN_FACES.get(detector, DETECTOR_MIN_FACE) / max(1, min_face))


def faces_in_frame(
    engine, rgb, *, scale=0.5, min_face=40, region=None, options=None, t=0.0, zoom_areas=(), zoom=1.0, landmarks=False
):
    """The faces of one frame (an RGB uint8 array, or a PIL image), encoded in one batch.

    scale: detection runs on a copy this much smaller (HOG detection costs
    grow with the pixels; faces below about DETECTOR_MIN_FACE pixels on the copy are missed).
    min_face: faces narrower than this (full-frame pixels) are dropped before
    encoding: too small to decide well, and each costs an encoding.
    region: (left, top, right, bottom) as fractions of the frame; faces whose
    centre is outside are dropped. options: engine.DetectOptions (the
    encoding version; max_side is set from scale).
    zoom_areas: (left, top, right, bottom) pixel areas searched again enlarged `zoom` times, for
    faces too small for the whole frame's pass (where something moved, where a face was last seen).
    landmarks: also find each face's 68 landmarks (Face.points) for a door's liveness test (a few ms a face).
    """
    image = rgb if isinstance(rgb, Image.Image) else Image.fromarray(np.asarray(rgb, dtype=np.uint8))
    width, height = image.size
    options = options if options is not None else engine.DetectOptions()
    # no upsampling pass on an empty frame: on a stream most frames are empty, and it costs 3-4x
    options = replace(options, max_side=max(1, round(max(width, height) * min(1.0, scale))), upsample_when_empty=False)
    found = list(engine.detect(image, options))
    if zoom > 1.0:
        # an area around a face this pass found (the moving person it belongs to) is not searched
        # again: enlarging costs, and it pays only where something moves with no face found
        areas = [area for area in zoom_areas if not any(_centre_in(box, _as_box(area)) for box in found)]
        for box in _zoomed(engine, image, areas, zoom, options):
            if all(iou(box, other) < 0.3 and not _centre_in(box, other) for other in found):
                found.append(box)
    boxes = [
        box for box in found if box[1] - box[3] >= min_face and (region is None or _inside(box, region, width, height))
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
                points=liveness.landmarks(array, box) if landmarks else None,
            )
        )
    return faces


def _zoomed(engine, image, areas, zoom, options):
    """Boxes (frame pixels) found in each area enlarged zoom times."""
    boxes = []
    for left, top, right, bottom in areas:
        crop = image.crop((left, top, right, bottom))
        big = crop.resize((round(crop.width * zoom), round(crop.height * zoom)), Image.Resampling.BILINEAR)
        for b_top, b_right, b_bottom, b_left in engine.detect(big, replace(options, max_side=max(big.size))):
            boxes.append(
                (
                    top + round(b_top / zoom),
                    left + round(b_right / zoom),
                    top + round(b_bottom / zoom),
                    left + round(b_left / zoom),
                )
            )
    return boxes


def _as_box(area):
    left, top, right, bottom = area
    return (top, right, bottom, left)


def _centre_in(box, other):
    top, right, bottom, left = other
    cx, cy = (box[1] + box[3]) / 2, (box[0] + box[2]) / 2
    return left <= cx <= right and top <= cy <= bottom


class Motion:
    """Where a stream's picture changed since the last analysed frame, on a copy 1/CELL the size.

    Cheap (a difference of two small grey pictures): it tells the zoomed pass where a small face
    may be, so that only those areas are enlarged, not whole frames.
    """

    CELL = 8  # pixels of the frame per cell of the grey copy
    THRESHOLD = 18  # grey levels: more than a stream's compression noise
    # a cut (an edited video going from one shot to the next) changes nearly the whole picture at
    # once; a person walking, even close, changes their own outline and what they uncover
    CUT_SHARE = 0.7

    def __init__(self):
        self.previous = None
        self.changed = 0.0  # the share of the picture that changed since the last frame (0-1)

    @property
    def cut(self):
        """Did the picture change as a whole since the last frame (a cut to another shot)?"""
        return self.changed >= self.CUT_SHARE

    def areas(self, image):
        """Bounding boxes (left, top, right, bottom; frame pixels) of the changed parts, largest first."""
        width, height = image.size
        grey = np.asarray(image.convert("L").resize((max(1, width // self.CELL), max(1, height // self.CELL))))
        grey = grey.astype(np.int16)
        previous, self.previous = self.previous, grey
        if previous is None or previous.shape != grey.shape:
            self.changed = 0.0
            return []
        mask = np.abs(grey - previous) > self.THRESHOLD
        self.changed = float(mask.mean())
        return [
            (left * self.CELL, top * self.CELL, (right + 1) * self.CELL, (bottom + 1) * self.CELL)
            for left, top, right, bottom in _components(mask)
        ]


def _components(mask):
    """Bounding boxes (left, top, right, bottom; cells) of the 8-connected parts of a boolean mask, largest first."""
    seen = np.zeros_like(mask, dtype=bool)
    rows, cols = mask.shape
    boxes = []
    for y0, x0 in zip(*np.nonzero(mask), strict=True):
        if seen[y0, x0]:
            continue
        seen[y0, x0] = True
        stack, box, size = [(y0, x0)], [x0, y0, x0, y0], 0
        while stack:
            y, x = stack.pop()
            size += 1
            box = [min(box[0], x), min(box[1], y), max(box[2], x), max(box[3], y)]
            for ny in (y - 1, y, y + 1):
                for nx in (x - 1, x, x + 1):
                    if 0 <= ny < rows and 0 <= nx < cols and mask[ny, nx] and not seen[ny, nx]:
                        seen[ny, nx] = True
                        stack.append((ny, nx))
        boxes.append((size, tuple(int(v) for v in box)))
    return [box for _, box in sorted(boxes, reverse=True)]


def merge_areas(areas, width, height, *, margin, budget):
    """Areas grown by margin, clipped to the frame, overlapping ones merged; kept in order until their
    pixels reach budget (the zoomed pass must cost at most about what the whole frame's pass does).

    An area larger than what is left of the budget keeps its top part: a person walking changes the
    picture from head to feet (and, analysed at 1-2 frames a second, over a stride's width), and
    the face is at the top. Without this, the very areas where a far person walks were dropped."""
    grown = []
    for left, top, right, bottom in areas:
        box = [max(0, left - margin), max(0, top - margin), min(width, right + margin), min(height, bottom + margin)]
        for other in list(grown):
            if box[0] < other[2] and other[0] < box[2] and box[1] < other[3] and other[1] < box[3]:
                grown.remove(other)
                box = [min(box[0], other[0]), min(box[1], other[1]), max(box[2], other[2]), max(box[3], other[3])]
        grown.append(box)
    kept, used = [], 0
    for box in grown:
        across = box[2] - box[0]
        rows = min(box[3] - box[1], int((budget - used) // max(1, across)))
        if rows < 2 * margin:  # too little left to hold a face of the smallest size with its margin
            continue
        kept.append((box[0], box[1], box[2], box[1] + rows))
        used += across * rows
    return kept


class FaceFinder:
    """The faces of one stream's frames, as small as min_face, without enlarging whole frames.

    The whole frame is searched at detection_scale (the smallest copy on which min_face still
    fills the detector's window, but no smaller than floor); when min_face is below what that
    pass finds, the areas where the picture moved and around faces seen lately (hints) are
    searched again enlarged. Keeps the previous frame: one finder per stream.
    """

    def __init__(self, engine, *, min_face, floor=0.1, scale=None, region=None, options=None):
        self.engine = engine
        self.min_face = min_face
        self.floor = floor
        self.fixed_scale = scale  # the whole frame's pass at this scale whatever min_face (a video, by its size)
        self._plan("hog")
        self.region = region
        self.options = options
        self.motion = Motion()
        self.moved = False  # did the last frame differ from the one before (a camera's health)
        self.cut = False  # did the last frame change as a whole (a video's cut: Tracker.update's cut)
        self.zoomed_pixels = 0  # pixels searched enlarged (before zooming), for the benchmark
        self.landmarks = False  # also each face's 68 landmarks (a door's liveness test)

    def _plan(self, detector):
        """The scale and zoom for a detector (options.detector: FACE_DETECTOR): YuNet needs no zoom."""
        if self.fixed_scale is None:
            self.scale = detection_scale(self.min_face, floor=self.floor, detector=detector)
        else:
            self.scale = min(1.0, self.fixed_scale)
        self.zoom = zoom_for(self.min_face, self.scale, detector)

    def __call__(self, rgb, t=0.0, *, hints=(), options=None):
        image = rgb if isinstance(rgb, Image.Image) else Image.fromarray(np.asarray(rgb, dtype=np.uint8))
        options = options if options is not None else self.options
        self._plan(getattr(options, "detector", "hog"))
        moving = self.motion.areas(image)
        self.moved = bool(moving)
        self.cut = self.motion.cut
        areas = []
        if self.zoom > 1.0:
            width, height = image.size
            # where faces were just seen first (a still face moves too little to show), then what moved;
            # the enlarged areas cost at most what the whole frame's pass does
            hinted = [(box[3], box[0], box[1], box[2]) for box in hints]
            budget = width * height * self.scale * self.scale / (self.zoom * self.zoom)
            areas = merge_areas([*hinted, *moving], width, height, margin=self.min_face, budget=budget)
            self.zoomed_pixels += sum((r - left) * (b - top) for left, top, r, b in areas)
        return faces_in_frame(
            self.engine,
            image,
            scale=self.scale,
            min_face=self.min_face,
            region=self.region,
            options=options,
            t=t,
            zoom_areas=areas,
            zoom=self.zoom,
            landmarks=self.landmarks,
        )


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
    pass_id: int = 0  # the person's pass this track is a piece of (Tracker: pass_window)
    last_frame: int = 0  # the tracker's analysed-frame count when last seen
    velocity: tuple = None  # (x, y) pixels a second of the box's centre, once seen twice
    newest: Face = None  # the face added last
    # landmarks of the frames seen, for liveness (only when faces_in_frame was asked for them)
    points: list = field(default_factory=list, repr=False)
    same_face: float = decision.SAME_FACE  # the encoding version's (decision.Calibration)

    @property
    def best(self):
        return self.faces[0] if self.faces else None

    def combined(self):
        """(mean encoding, spread, faces used) of the best faces: decision.combine_frames."""
        return decision.combine_frames([face.encoding for face in self.faces], self.same_face)

    def _add(self, t, face, keep, frame):
        if self.box and t > self.last_seen:
            (x0, y0), (x1, y1) = _centre(self.box), _centre(face.box)
            self.velocity = ((x1 - x0) / (t - self.last_seen), (y1 - y0) / (t - self.last_seen))
        self.last_seen = t
        self.last_frame = frame
        self.frames += 1
        self.box = face.box
        self.encoding = face.encoding
        self.newest = face
        if face.points is not None:
            self.points.append(face.points)
            del self.points[: -liveness.TRACK_POINTS]
        self.faces.append(face)
        # ties keep the earlier face: the first good view is as good as a later one
        self.faces.sort(key=lambda f: f.quality, reverse=True)
        del self.faces[keep:]

    def expected(self, t):
        """Where the box's centre should be at t, going on as it moved."""
        x, y = _centre(self.box)
        if self.velocity is None:
            return x, y
        return x + self.velocity[0] * (t - self.last_seen), y + self.velocity[1] * (t - self.last_seen)


def _centre(box):
    return (box[1] + box[3]) / 2, (box[0] + box[2]) / 2


class Tracker:
    """Follows faces across frames; hands out each track once, when it ends or is sure.

    max_gap: seconds a track may go unseen before it ends (a face hidden for a
    moment, a frame without a detection).
    gap_frames: ... and the analysed frames it may miss: a track ends only when both are passed, so that
    analysis falling behind (1 frame a second on a loaded machine) does not cut a pass into pieces.
    iou_min: the overlap with a track's last box that counts as the same place.
    reach: how far (face widths) from where its motion says a face should be now still counts as
    the same place; twice as far for a track seen once (its motion not known yet), and one more
    each missed frame.
    max_distance: the largest encoding distance for a face to join a track it
    overlaps or is where expected (default: the encoding version's same-face bound, decision.Calibration).
    reid_distance: the largest encoding distance for a face to join a track
    it does not overlap (moved fast, or came back within max_gap): stricter,
    since place says nothing then (default: the version's).
    version: the encoding version of the faces (default: dlib's plain one): every distance's default.
    keep: the best faces a track keeps for its decision.
    confident_after: a track seen in this many frames is handed out at once
    (then followed, but not handed out again when it ends); None: only at its end.
    pass_window: seconds after a track was last seen during which a new track of a face within
    pass_distance of it is a piece of the same pass (Track.pass_id): the same person, turned
    or hidden for longer than the gap. Tracks seen at the same time are never one pass.
    """

    def __init__(
        self,
        *,
        max_gap=1.0,
        gap_frames=0,
        iou_min=0.2,
        reach=1.5,
        max_distance=None,
        reid_distance=None,
        keep=3,
        confident_after=None,
        pass_window=0.0,
        pass_distance=None,
        version=None,
    ):
        measured = decision.calibration(version)
        max_distance = measured.same_face if max_distance is None else max_distance
        reid_distance = measured.reid_distance if reid_distance is None else reid_distance
        pass_distance = measured.same_face if pass_distance is None else pass_distance
        self.max_gap = max_gap
        self.gap_frames = gap_frames
        self.iou_min = iou_min
        self.reach = reach
        self.max_distance = max_distance
        self.reid_distance = reid_distance
        self.keep = keep
        self.confident_after = confident_after
        self.pass_window = pass_window
        self.pass_distance = pass_distance
        self.active = []
        self.recent = []  # ended tracks, within pass_window: a new piece of their pass may come
        self.frame = 0  # analysed frames so far
        self._analysed_at = None  # when the last analysed frame was taken
        self._spacing = None  # seconds between analysed frames lately
        self._ids = itertools.count(1)

    def update(self, t, faces, *, cut=False, analysed=True):
        """Faces seen at time t (seconds) in the next analysed frame; returns the tracks handed out now.

        cut: the picture changed as a whole since the last analysed frame (FaceFinder.cut: an
        edited video's cut to another shot). Every track ends there: a face in the same place
        after a cut is no evidence of the same person, and two look-alikes nearer than
        max_distance would otherwise be one track, one of them never listed.
        analysed=False: no frame, only time going on (a runner waiting for its stream): tracks end
        on time, but the wait is not a frame that missed them. Counted as one, a runner starved of
        CPU (its reader late as well) cut a pass into pieces between two analysed frames.
        """
        if analysed:
            self.frame += 1
            if self._analysed_at is not None and t > self._analysed_at:
                # the analysis rate lately: what an idle wait is worth in frames (_gone)
                step = t - self._analysed_at
                self._spacing = step if self._spacing is None else 0.7 * self._spacing + 0.3 * step
            self._analysed_at = t
        done = [track for track in self.active if cut or self._gone(track, t, analysed)]
        self.active = [track for track in self.active if track not in done]
        self.recent = [track for track in self.recent if t - track.last_seen <= self.pass_window] + done
        for track, face in self._assign(t, faces):
            if track is None:
                track = Track(id=next(self._ids), first_seen=t, last_seen=t, same_face=self.max_distance)
                track.pass_id = self._pass_of(t, face) or track.id
                self.active.append(track)
            track._add(t, face, self.keep, self.frame)
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
        self.recent += self.active
        self.active = []
        return out

    def _gone(self, track, t, analysed=True):
        # analysed frames without it (this one not yet: its faces are assigned after this)
        missed = self.frame - track.last_frame - analysed
        if not analysed and self._spacing and self._analysed_at is not None:
            # and the frames the analysis would have made by now at its recent rate: a stream that
            # stopped still ends its tracks on time
            missed += int((t - self._analysed_at) / self._spacing)
        return t - track.last_seen > self.max_gap and missed > self.gap_frames

    def _pass_of(self, t, face):
        """The pass of the nearest face among tracks not seen now (ended lately, or lost a moment ago)."""
        best, chosen = self.pass_distance, None
        for track in [*self.recent, *self.active]:
            if track.last_seen >= t or t - track.last_seen > self.pass_window:
                continue
            for other in [*track.faces, track.newest]:
                distance = float(np.linalg.norm(other.encoding - face.encoding))
                if distance <= best:
                    best, chosen = distance, track.pass_id
        return chosen

    def _assign(self, t, faces):
        """(track or None, face) for every face: greedy on encoding distance, nearest pair first."""
        pairs = []
        for ti, track in enumerate(self.active):
            for fi, face in enumerate(faces):
                distance = float(np.linalg.norm(track.encoding - face.encoding))
                overlap = iou(track.box, face.box)
                near = distance <= self.max_distance and (
                    overlap >= self.iou_min or self._expected_here(track, t, face)
                )
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

    def _expected_here(self, track, t, face):
        if self.reach <= 0:
            return False
        ex, ey = track.expected(t)
        x, y = _centre(face.box)
        width = max(track.box[1] - track.box[3], face.width)
        missed = max(0, self.frame - track.last_frame - 1)
        allowed = width * (self.reach * (2 if track.velocity is None else 1) + missed)
        return (x - ex) ** 2 + (y - ey) ** 2 <= allowed * allowed


@dataclass(frozen=True)
class Decided:
    """One pass decided: who (person_id None: a stranger), from which faces, and when."""

    track: Track  # the pass's track with its best face (its picture and box)
    match: object  # decision.Match
    person_id: object  # the person, None for a stranger
    pass_id: int
    frames: int  # analysed frames of the pass so far
    first_seen: float
    early: bool  # while the person is still in view (a door opens now)
    face: Face = None  # the face the decision's picture shows


@dataclass
class Pass:
    id: int
    tracks: list = field(default_factory=list)
    person_id: object = None  # once decided: later frames and pieces cannot take it back
    decided: bool = False
    last_seen: float = 0.0
    first_seen: float = 0.0

    def faces(self, keep):
        faces = sorted((face for track in self.tracks for face in track.faces), key=lambda f: f.quality, reverse=True)
        return faces[:keep]

    @property
    def frames(self):
        return sum(track.frames for track in self.tracks)

    def owner(self, face):
        return next(track for track in self.tracks if face in track.faces)


class Passes:
    """One decision per person passing, whatever the analysis rate: a Tracker's tracks grouped
    into passes (Track.pass_id), each decided once.

    - early: the first analysed frame whose face is recognized with room to spare (its distance at
      least `margin`, in dlib's units times the rule's scale, inside the rule's threshold for that
      person) decides the pass, or the pass's
      best faces together once it was seen in `decide_after` frames; then `gate(track)`, if given
      (a liveness check at a door), must say yes. Later frames cannot take it back.
    - a track that ends undecided is decided from the pass's best faces; recognized, that is the
      pass's decision; not recognized, the pass waits: a later piece may still be recognized.
    - a pass with no track left for `window` seconds is over: undecided, it is a stranger (seen in
      `min_frames` frames at least), decided once from all its best faces.
    A piece of a decided pass recognized as someone else (two people taken for one pass) is
    decided on its own; as the same person, or not recognized, it gives nothing more.
    """

    def __init__(self, tracker, *, margin=0.05, decide_after=3, min_frames=2, window=None, gate=None, log=None):
        self.tracker = tracker
        self.margin = margin
        self.decide_after = decide_after or None
        self.min_frames = min_frames
        self.window = tracker.pass_window if window is None else window
        self.gate = gate
        self.log = log or (lambda *args: None)
        self.passes = {}

    def update(self, t, faces, gallery, rule, *, analysed=True):
        """The faces of the next analysed frame (analysed=False: no frame, time goes on: Tracker.update);
        returns the decisions made now."""
        ended = self.tracker.update(t, faces, analysed=analysed)
        out = []
        for track in self.tracker.active:
            self._pass(track).last_seen = max(self._pass(track).last_seen, track.last_seen)
            if track.last_seen == t:
                out += self._early(track, gallery, rule)
        for track in ended:
            out += self._ended(track, gallery, rule)
        return out + self._over(t, gallery, rule)

    def finish(self, gallery, rule):
        """Every track and pass ends now (the stream stops)."""
        out = []
        for track in self.tracker.finish():
            out += self._ended(track, gallery, rule)
        return out + self._over(float("inf"), gallery, rule)

    def _pass(self, track):
        found = self.passes.get(track.pass_id)
        if found is None:
            found = self.passes[track.pass_id] = Pass(id=track.pass_id, first_seen=track.first_seen)
        if track not in found.tracks:
            found.tracks.append(track)
        return found

    def _early(self, track, gallery, rule):
        group = self._pass(track)
        match = decision.decide(gallery, track.newest.encoding, rule)
        # the margin is in dlib's units (CAMERA_CONFIDENT_MARGIN): read on the rule's version's scale
        margin = self.margin * getattr(rule, "scale", 1.0)
        confident = match.accepted and match.distance <= match.threshold - margin
        if group.decided:
            return self._someone_else(group, track, match) if confident else []
        if not confident and self.decide_after and group.frames >= self.decide_after:
            match = decision.decide_frames(gallery, [face.encoding for face in group.faces(self.tracker.keep)], rule)
            confident = match.accepted
        if not confident or (self.gate is not None and not self.gate(track)):
            return []
        return [self._decide(group, match, early=True)]

    def _someone_else(self, group, track, match):
        """A piece of a decided pass confidently recognized as another person: two people taken for
        one pass (a far, turned first face can be within SFace's wide same-face bound of the person
        before). Their own pass, decided now, while they are at the door: waiting for the piece to
        end opened late, and a piece seen once was never decided."""
        if group.person_id is None or match.person_id == group.person_id or track.pass_id == track.id:
            return []
        if self.gate is not None and not self.gate(track):
            return []
        self.log("track %s: %s, not the pass's %s: a pass of its own", track.id, match.person_id, group.person_id)
        group.tracks.remove(track)
        track.pass_id = track.id  # pass ids are track ids: this one is free
        own = self._pass(track)
        own.last_seen = track.last_seen  # kept (and decided) for the window, as any pass
        return [self._decide(own, match, early=True)]

    def _ended(self, track, gallery, rule):
        group = self._pass(track)
        if group.decided:
            if group.person_id is None:
                return []
            alone = decide_track(gallery, track, rule)
            if alone.accepted and alone.person_id != group.person_id and track.frames >= self.min_frames:
                # not a piece of this pass after all: another person, decided on their own
                self.log("track %s: %s, not the pass's %s", track.id, alone.person_id, group.person_id)
                return [self._decided(group, track, alone, early=False)]
            self.log("track %s: a later piece of pass %s, already decided", track.id, group.id)
            return []
        match = decision.decide_frames(gallery, [face.encoding for face in group.faces(self.tracker.keep)], rule)
        if match.accepted and group.frames >= self.min_frames:
            return [self._decide(group, match, early=False)]
        self.log("track %s ended, pass %s not recognized yet: %s", track.id, group.id, _story(group, gallery, rule))
        return []  # not recognized (yet): the pass waits for its other pieces, or to be over

    def _over(self, t, gallery, rule):
        out = []
        live = {track.pass_id for track in self.tracker.active}
        for pid, group in list(self.passes.items()):
            if pid in live or t - group.last_seen <= self.window:
                continue
            del self.passes[pid]
            if group.decided:
                continue
            if group.frames < self.min_frames:
                self.log("pass %s over undecided, seen in %d frame(s) only (%s): %s", pid, group.frames,
                         self.min_frames, _story(group, gallery, rule))  # fmt: skip
                continue
            match = decision.decide_frames(gallery, [face.encoding for face in group.faces(self.tracker.keep)], rule)
            out.append(self._decide(group, match, early=False))
        return out

    def _decide(self, group, match, *, early):
        group.decided = True
        group.person_id = match.person_id if match.accepted else None
        return self._decided(group, None, match, early=early)

    def _decided(self, group, track, match, *, early):
        faces = track.faces if track is not None else group.faces(self.tracker.keep)
        best = faces[0]
        return Decided(
            track=track or group.owner(best),
            match=match,
            person_id=match.person_id if match.accepted else None,
            pass_id=group.id,
            frames=track.frames if track is not None else group.frames,
            first_seen=track.first_seen if track is not None else group.first_seen,
            early=early,
            face=best,
        )


def _story(group, gallery, rule):
    """Why a pass is not decided, for the log: each piece's frames and its faces' distances."""
    pieces = []
    for track in group.tracks:
        matches = [(face, decision.decide(gallery, face.encoding, rule)) for face in track.faces]
        faces = ", ".join(
            f"{match.distance or 0:.3f}/{match.threshold or 0:.3f} (w {face.width}, front {face.frontalness:.2f})"
            for face, match in matches
        )
        pieces.append(f"track {track.id} {track.frames} frame(s) {track.first_seen:.2f}-{track.last_seen:.2f}: {faces}")
    return "; ".join(pieces) or "no track"


def decide_track(gallery, track, rule=decision.CalibratedRule()):
    """One decision for a track: its best faces combined as a kiosk attempt's frames (decision.decide_frames).

    Returns a decision.Match: person_id None for a stranger, distance to the nearest person.
    """
    return decision.decide_frames(gallery, [face.encoding for face in track.faces], rule)
