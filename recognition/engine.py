"""The face engine: detection, encoding and matching over face_recognition/dlib.

Plain data in, plain data out. No Django and no settings: every threshold is
an argument, so the workers, the management commands, the evaluation and
the benchmarks all run exactly this code.

dlib's detector and landmark models load at the first detection (face_recognition
reads them when it is imported, so it is imported then: importing this module
stays cheap for tests and commands that never detect); the web process never
imports it. The
encoding network is recognition.encoders' (dlib's own or ONNX Runtime),
chosen once per process with use_encoder(), or SFace (recognition.sface)
for its encoding version. Faces are found by dlib's HOG or by YuNet
(recognition.yunet), DetectOptions.detector.
"""

import functools
import importlib
from dataclasses import dataclass, field

import dlib
import numpy as np

from recognition import decision, encoders, imaging, sface, yunet

MODEL_NAME = encoders.PLAIN
# dlib's; an encoding version's own size is decision.calibration(version).size
ENCODING_SIZE = decision.calibration(MODEL_NAME).size
DETECTORS = ("hog", "yunet")

_encoder = None
_sface = None
_zoo_config = {"cache_dir": yunet.DEFAULT_CACHE, "threads": 1}


def use_encoder(config):
    """Choose the encoding network for this process (encoders.Config); returns it.

    The cache folder and the thread count apply to YuNet and SFace too.
    """
    global _encoder, _sface
    if config.cache_dir is not None:
        _zoo_config.update(cache_dir=config.cache_dir, threads=config.threads)
        yunet.configure(cache_dir=config.cache_dir, threads=config.threads)
        _sface = None
    _encoder = encoders.make(config)
    return _encoder


def sface_encoder():
    """This process's SFace network, prepared on first use (zoo.ZooError when it cannot be had)."""
    global _sface
    if _sface is None:
        _sface = sface.SFaceEncoder(_zoo_config["cache_dir"], _zoo_config["threads"])
    return _sface


def encoder():
    """This process's encoding network; dlib's own until use_encoder() chooses."""
    global _encoder
    if _encoder is None:
        _encoder = encoders.DlibEncoder()
    return _encoder


# Box: (top, right, bottom, left) in pixels of the original image, the order
# face_recognition uses.


class Box(tuple):
    """A face's (top, right, bottom, left), with YuNet's 5 landmarks (x, y) and score when YuNet found it.

    A plain tuple everywhere else (stored as a list, compared, unpacked); the
    landmarks let SFace align the face without looking for them again.
    """

    landmarks = None
    score = None

    def __new__(cls, values, landmarks=None, score=None):
        box = super().__new__(cls, values)
        box.landmarks = landmarks
        box.score = score
        return box


@dataclass(frozen=True)
class Face:
    box: tuple
    encoding: np.ndarray = field(repr=False)

    @property
    def width(self):
        return self.box[1] - self.box[3]


@dataclass(frozen=True)
class DetectOptions:
    max_side: int = 1024
    # Faces below this size (pixels, on the detection copy) are found only by
    # upsampling, which costs 3-4x the time: done only when nothing was found.
    upsample_when_empty: bool = True
    jitters: int = 1
    # how a face becomes an encoding (encoders.VERSIONS); a gallery searches one version
    version: str = MODEL_NAME
    # what finds faces: "hog" (dlib's) or "yunet" (boxes with 5 landmarks, from about 20 px)
    detector: str = "hog"


@functools.cache
def _face_recognition():
    return importlib.import_module("face_recognition")  # loads dlib's models: see the module's docstring


def detect(image, options=DetectOptions()):
    """Face boxes in a PIL RGB image, found on a scaled-down copy."""
    small, scale = imaging.scaled_copy(image, options.max_side)
    array = imaging.to_array(small)
    if options.detector == "yunet":
        return _yunet_boxes(array, scale, image.size)
    if options.detector != "hog":
        raise ValueError(f"unknown face detector {options.detector!r}; use {' or '.join(DETECTORS)}")
    with encoders.DLIB_LOCK:  # one shared detector (see encoders.DLIB_LOCK)
        boxes = _face_recognition().face_locations(array, number_of_times_to_upsample=0, model="hog")
        if not boxes and options.upsample_when_empty:
            boxes = _face_recognition().face_locations(array, number_of_times_to_upsample=1, model="hog")
    width, height = image.size
    mapped = []
    for top, right, bottom, left in boxes:
        mapped.append(
            (
                max(0, round(top / scale)),
                min(width, round(right / scale)),
                min(height, round(bottom / scale)),
                max(0, round(left / scale)),
            )
        )
    # left to right, like reading a group photo
    return sorted(mapped, key=lambda box: box[3])


def _yunet_boxes(array, scale, size):
    width, height = size
    boxes = []
    for face in yunet.detect(array):
        top, right, bottom, left = face.box
        mapped = (
            max(0, round(top / scale)),
            min(width, round(right / scale)),
            min(height, round(bottom / scale)),
            max(0, round(left / scale)),
        )
        boxes.append(Box(mapped, landmarks=face.landmarks / np.float32(scale), score=face.score))
    return sorted(boxes, key=lambda box: box[3])


def encode(image, boxes, options=DetectOptions()):
    """One float32 encoding per box (the version's size), computed on the original image."""
    return encode_many([(image, boxes)], options)[0]


def encode_many(items, options=DetectOptions()):
    """[(image, boxes), ...] -> one list of encodings per image.

    Every face of every image goes through the network as one batch: the
    faces of a group photo, the frames of a kiosk attempt.
    """
    is_sface = options.version == sface.VERSION
    cut = sface.chips if is_sface else encoders.chips
    chips, counts = [], []
    for image, boxes in items:
        counts.append(len(boxes))
        if boxes:
            chips.append(cut(imaging.to_array(image), list(boxes)))
    if not chips:
        return [[] for _ in items]
    batch = np.concatenate(chips)
    if is_sface:  # dlib's jitter is dlib's network's; SFace encodes each face once
        vectors = sface_encoder().run(batch)
    elif options.jitters > 1:
        vectors = np.stack([_jittered(chip, options) for chip in batch])
    else:
        vectors = encoders.encode_chips(encoder(), batch, options.version)
    result, start = [], 0
    for count in counts:
        result.append([vectors[i] for i in range(start, start + count)])
        start += count
    return result


def _jittered(chip, options):
    """The mean encoding of randomly moved, zoomed and mirrored copies of a chip (dlib's jitter)."""
    with encoders.DLIB_LOCK:
        jittered = dlib.jitter_image(chip, options.jitters)
    copies = np.stack([np.asarray(c, dtype=np.uint8) for c in jittered])
    return encoders.encode_chips(encoder(), copies, options.version).mean(axis=0)


def find_faces(image, options=DetectOptions()):
    boxes = detect(image, options)
    return [Face(box=box, encoding=enc) for box, enc in zip(boxes, encode(image, boxes, options), strict=True)]


def faces_in_bytes(data, limits=imaging.Limits(), options=DetectOptions()):
    """Decode an upload and find its faces; raises imaging.ImageRejected."""
    image = imaging.decode(data, limits)
    return image, find_faces(image, options)


# --- matching -----------------------------------------------------------------


@dataclass(frozen=True)
class DecisionRule:
    """The plain rule: when is the nearest enrolled person accepted as the face's identity?

    The workers use decision.CalibratedRule (measured to be better); this one
    stays for comparison in the evaluation and for existing callers.

    threshold: the distance to the person's nearest template must be at most this.
    margin: the second-best *other* person must be at least this much farther
    (0 turns the check off); guards against look-alikes.
    """

    threshold: float = 0.5
    margin: float = 0.0

    def match(self, gallery, probe):
        return decide(gallery.distances(probe), gallery.labels, self)


# Match lives with the calibrated rule (recognition/decision.py, no dlib) so the
# web process can use it; both rules return it.
Match = decision.Match
NO_MATCH = decision.NO_MATCH


def distances(matrix, sq_norms, probe):
    """Euclidean distance from probe to every row of matrix (float32).

    |a-b|^2 = |a|^2 + |b|^2 - 2ab: one matrix-vector product instead of an
    (N, 128) temporary, which is what makes a million templates cheap.
    """
    probe = np.asarray(probe, dtype=np.float32)
    if not len(matrix):  # an empty gallery has no width of its own (gallery.Gallery())
        return np.zeros(0, dtype=np.float32)
    # in place after the product: at a million rows every extra temporary
    # costs a pass over 4 MB (about 1 ms each)
    squared = matrix @ probe
    squared *= -2.0
    squared += sq_norms
    squared += np.float32(probe @ probe)
    np.maximum(squared, 0.0, out=squared)
    return np.sqrt(squared, out=squared)


def decide(dist, labels, rule):
    """Best person by their nearest template, then the rule.

    dist: distances to every template; labels: the person of every template.
    """
    if len(dist) == 0:
        return NO_MATCH
    best = int(np.argmin(dist))
    best_person = labels[best]
    best_distance = float(dist[best])
    others = dist[labels != best_person]
    second = float(others.min()) if len(others) else None
    accepted = best_distance <= rule.threshold
    if accepted and rule.margin > 0 and second is not None:
        accepted = (second - best_distance) >= rule.margin
    return Match(
        person_id=_plain(best_person) if accepted else None,
        distance=best_distance,
        best_person_id=_plain(best_person),
        second_distance=second,
        accepted=accepted,
    )


def _plain(value):
    return value.item() if hasattr(value, "item") else value
