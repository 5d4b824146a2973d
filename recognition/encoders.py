"""The network that turns a face into 128 numbers (SIZE): dlib's own, or the same weights on ONNX Runtime.

Both encoders cut the same 150x150 chip (dlib's 5-point landmarks and
get_face_chips, exactly what face_recognition.face_encodings does) and run
the same ResNet. dlib-bin runs it on dlib's own CPU code, without BLAS; ONNX
Runtime runs it 5-10x faster. The ONNX graph is generated from the model
file face_recognition_models installs (recognition.dlib_model reads it,
recognition.onnx_graph builds the graph), cached on disk, and checked
against dlib on a known face before it is used. No Django here.

Encoding versions: a version names how a face becomes an encoding, and
stored encodings record theirs. Distances (and so thresholds) belong to a
version; the encoder used (dlib or ONNX) does not change a version, since
both give the same numbers (within 1e-6).
"""

import hashlib
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import dlib
import face_recognition_models
import numpy as np

from recognition.zoo import ProcessSession

log = logging.getLogger(__name__)

MODEL_FILE = Path(face_recognition_models.face_recognition_model_location())
LANDMARKS_FILE = Path(face_recognition_models.pose_predictor_five_point_model_location())
CHECK_CHIP = Path(__file__).with_name("data") / "check_chip.npz"
# bump when onnx_graph builds a different graph from the same file
GRAPH_REVISION = 1
CHIP_SIZE = 150
CHIP_PADDING = 0.25
# the largest difference from dlib's own encoding that still counts as the same
SAME_AS_DLIB = 1e-4

PLAIN = "dlib_face_recognition_resnet_model_v1"
MIRROR = "dlib_face_recognition_resnet_model_v1+mirror"
# what each version does to a chip before the network (see encode_chips)
VERSIONS = (PLAIN, MIRROR)


class EncoderError(RuntimeError):
    """The encoder cannot be used, with a message for the operator."""


@dataclass(frozen=True)
class Config:
    name: str = "onnx"  # "onnx" or "dlib"
    cache_dir: Path | None = None
    threads: int = 1


_landmarks = dlib.shape_predictor(str(LANDMARKS_FILE))

# dlib's detector, landmark model and network are shared objects that two threads must not
# use at once: tried here with four threads detecting, the process crashed (and a camera
# runner saw one frame's faces reported for another's). Threads happen in the embedded
# setup (the web server's request threads run captures in-process) and in the camera
# runner; a worker's pool processes each have their own copy and never wait here.
DLIB_LOCK = threading.RLock()


def five_points(array, box):
    """dlib's 5 landmarks (x, y) of the face at box: two corners of each eye, then the base of the nose."""
    top, right, bottom, left = (int(v) for v in box)
    with DLIB_LOCK:
        shape = _landmarks(array, dlib.rectangle(left, top, right, bottom))
    return [(shape.part(i).x, shape.part(i).y) for i in range(5)]


def chips(array, boxes):
    """The aligned 150x150 RGB chips (N, 150, 150, 3, uint8) of the faces at boxes (top, right, bottom, left)."""
    if not boxes:
        return np.zeros((0, CHIP_SIZE, CHIP_SIZE, 3), dtype=np.uint8)
    with DLIB_LOCK:
        shapes = dlib.full_object_detections()
        for top, right, bottom, left in boxes:
            shapes.append(_landmarks(array, dlib.rectangle(int(left), int(top), int(right), int(bottom))))
        cut = dlib.get_face_chips(array, shapes, size=CHIP_SIZE, padding=CHIP_PADDING)
    return np.stack([np.asarray(chip, dtype=np.uint8) for chip in cut])


# dlib's network gives 128 values; another network's encoders say their own size (sface.SIZE)
SIZE = 128


class DlibEncoder:
    """dlib's own network: the reference, and the fallback a user may choose."""

    name = "dlib"
    size = SIZE

    def __init__(self, model_file=MODEL_FILE):
        self.net = dlib.face_recognition_model_v1(str(model_file))

    def run(self, batch):
        """(N, 150, 150, 3) uint8 chips -> (N, SIZE) float32."""
        if not len(batch):
            return np.zeros((0, SIZE), dtype=np.float32)
        images = [np.ascontiguousarray(chip) for chip in batch]
        with DLIB_LOCK:
            vectors = self.net.compute_face_descriptor(images)
        return np.asarray(vectors, dtype=np.float32).reshape(len(batch), SIZE)


class OnnxEncoder:
    """The same network on ONNX Runtime, from a graph generated from the installed model file."""

    name = "onnx"
    size = SIZE

    def __init__(self, cache_dir, threads=1):
        import onnxruntime

        self.path = graph_file(cache_dir)
        self.threads = threads
        self._runtime = onnxruntime
        self._session = ProcessSession(self._session_make)

    def _session_make(self):
        options = self._runtime.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        return self._runtime.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])

    def session(self):
        return self._session.get()

    def run(self, batch):
        if not len(batch):
            return np.zeros((0, SIZE), dtype=np.float32)
        tensor = np.ascontiguousarray(np.asarray(batch, dtype=np.float32).transpose(0, 3, 1, 2))
        return self.session().run(None, {"chips": tensor})[0].astype(np.float32)


def source_digest(path=MODEL_FILE):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def graph_file(cache_dir, model_file=MODEL_FILE):
    """The path of the ONNX graph for model_file, generated and checked if it is not cached yet.

    The name holds the source file's digest and the builder's revision, so a
    changed model file or builder makes a new graph.
    """
    cache_dir = Path(cache_dir)
    path = cache_dir / f"{model_file.stem}-{source_digest(model_file)}-r{GRAPH_REVISION}.onnx"
    if path.exists():
        return path
    from recognition import dlib_model, onnx_graph  # the onnx package: only when a graph is made

    network = dlib_model.read(model_file.read_bytes())
    model = onnx_graph.build(network)
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.part")
    partial.write_bytes(model.SerializeToString())
    try:
        check_against_dlib(partial, model_file)
    except EncoderError:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, path)  # atomic: several workers may start at once
    log.info("face encoder: ONNX graph generated from %s into %s", model_file, path)
    return path


def check_against_dlib(path, model_file=MODEL_FILE):
    """Refuse a graph whose encoding of a known face differs from dlib's own with the same file."""
    import onnxruntime

    with np.load(CHECK_CHIP) as data:
        chip = data["chip"]
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    ours = session.run(None, {"chips": chip[None].astype(np.float32).transpose(0, 3, 1, 2)})[0][0]
    reference = DlibEncoder(model_file).run(chip[None])[0]
    worst = float(np.abs(ours - reference).max())
    if worst > SAME_AS_DLIB:
        raise EncoderError(
            f"the ONNX graph made from {Path(model_file).name} differs from dlib's encoding by {worst:.2g} "
            f"(allowed {SAME_AS_DLIB}); set FACE_ENCODER=dlib and report this"
        )


def encode_chips(network, batch, version=PLAIN):
    """Chips -> encodings of one version; every chip of every face goes through the network as one batch."""
    if version == PLAIN:
        return network.run(batch)
    if version == MIRROR:
        # the face and its mirror image together: the mean cancels some of a photo's pose and light
        both = network.run(np.concatenate([batch, batch[:, :, ::-1, :]]))
        return (both[: len(batch)] + both[len(batch) :]) / 2
    raise EncoderError(f"unknown encoding version {version!r}; known: {', '.join(VERSIONS)}")


def make(config):
    """The encoder a Config asks for; the ONNX one checked against dlib first."""
    if config.name == "dlib":
        return DlibEncoder()
    if config.name == "onnx":
        if config.cache_dir is None:
            raise EncoderError("FACE_ENCODER=onnx needs a cache folder for its graph (FACE_ENCODER_CACHE)")
        return OnnxEncoder(config.cache_dir, config.threads)
    raise EncoderError(f"unknown encoder {config.name!r}; use onnx or dlib")
