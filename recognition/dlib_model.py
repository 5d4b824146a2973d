"""A reader of dlib's serialization, enough for the face-encoding network's file.

dlib writes a network as nested objects, the outermost (the loss layer)
first; each `add_layer` writes its version, then its whole subnet (so the
layers nearest the input come out first), then its own details and some
training state. The format facts used here were checked against dlib's
`serialize.h` and `dnn/{core,layers,input,loss}.h`:

- an integer: a control byte (low 4 bits: how many bytes follow; bit 0x80:
  negative), then those bytes, little-endian;
- a floating-point value: an integer mantissa and an integer exponent
  (value = mantissa * 2**exponent);
- a bool: the ASCII character '1' or '0'; a string: its length, then bytes;
- a tensor: version 2, four dimensions (n, k, nr, nc), then the values as
  raw little-endian float32; an alias_tensor: version 1 and four dimensions.

No dlib import: the reader works on the bytes alone, so a damaged file is
refused with the place where it went wrong.
"""

from dataclasses import dataclass, field

import numpy as np


class ModelFileError(ValueError):
    """The file is not a dlib network of the shape this reader knows."""


@dataclass
class Layer:
    kind: str  # "input", "con", "affine", "relu", "add_prev", "avg_pool", "max_pool", "fc", "tag"
    params: dict = field(default_factory=dict)


@dataclass
class Network:
    loss: str
    layers: list  # input first, then every layer towards the output (tags and skips as "tag")


class _Reader:
    def __init__(self, data):
        self.data = memoryview(data)
        self.pos = 0

    def fail(self, what):
        raise ModelFileError(f"{what} at byte {self.pos} of {len(self.data)}")

    def take(self, n):
        if self.pos + n > len(self.data):
            self.fail("the file ends too early")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def peek(self):
        if self.pos >= len(self.data):
            self.fail("the file ends too early")
        return self.data[self.pos]

    def integer(self):
        control = self.take(1)[0]
        size = control & 0x0F
        if size > 8 or control & 0x70:
            self.fail(f"a damaged integer (control byte {control:#x})")
        value = int.from_bytes(self.take(size), "little") if size else 0
        return -value if control & 0x80 else value

    def real(self):
        mantissa = self.integer()
        exponent = self.integer()
        # dlib writes infinities and NaN as mantissa 0 with a reserved exponent
        if abs(exponent) > 2000:
            self.fail("a damaged floating-point value")
        return float(mantissa) * 2.0**exponent

    def boolean(self):
        char = bytes(self.take(1))
        if char not in (b"0", b"1"):
            self.fail(f"a damaged bool ({char!r})")
        return char == b"1"

    def string(self):
        length = self.integer()
        if not 0 <= length <= 256:
            self.fail(f"a string of implausible length {length}")
        return bytes(self.take(length)).decode("latin-1")

    def next_is_string(self, allowed):
        """Is a string from `allowed` next (without consuming it)?"""
        start = self.pos
        try:
            control = self.peek()
            if control & 0xF0 or (control & 0x0F) > 2:
                return False
            return self.string() in allowed
        except ModelFileError:
            return False
        finally:
            self.pos = start

    def tensor(self):
        version = self.integer()
        if version != 2:
            self.fail(f"a tensor of unknown version {version}")
        shape = tuple(self.integer() for _ in range(4))
        if any(d < 0 for d in shape):
            self.fail(f"a tensor of impossible shape {shape}")
        count = int(np.prod(shape))
        values = np.frombuffer(self.take(4 * count), dtype="<f4").astype(np.float32)
        return values.reshape(shape)

    def alias(self):
        version = self.integer()
        if version != 1:
            self.fail(f"an alias tensor of unknown version {version}")
        return tuple(self.integer() for _ in range(4))


_DETAILS = ("con_4", "con_5", "affine_", "relu_", "add_prev_", "avg_pool_2", "max_pool_2", "fc_2", "fc_")


def read(data):
    """The bytes of a dlib network file -> Network, or ModelFileError."""
    reader = _Reader(data)
    if reader.integer() != 1:
        reader.fail("not a dlib network (no loss layer version)")
    loss = reader.string()
    if loss != "loss_metric_2":
        reader.fail(f"a loss layer {loss!r}; the face-encoding network's is 'loss_metric_2'")
    reader.real()  # margin
    reader.real()  # distance threshold
    # the versions of every wrapper, outermost first, until the input layer
    versions = []
    while not reader.next_is_string(("input_rgb_image_sized",)):
        versions.append(reader.integer())
        if len(versions) > 10_000:
            reader.fail("no input layer found")
    reader.string()
    means = [reader.real() for _ in range(3)]
    rows, cols = reader.integer(), reader.integer()
    layers = [Layer("input", {"means": means, "rows": rows, "cols": cols})]
    # unwind: innermost wrapper first; versions 1 are tags and skips (no details)
    for version in reversed(versions):
        if version == 1:
            layers.append(Layer("tag"))
            continue
        if version not in (2, 3):
            reader.fail(f"a layer of unknown version {version}")
        layers.append(_details(reader))
        innermost = len(layers) == 2
        for _ in range(3):
            reader.boolean()
        reader.tensor()  # x_grad
        reader.tensor()  # cached output
        reader.tensor()  # params_grad, or grad_final next to the input
        if innermost and version == 3:
            reader.integer()  # sample expansion factor
    if reader.pos != len(reader.data):
        reader.fail("unexpected data after the network")
    return Network(loss=loss, layers=layers)


def _details(reader):
    name = reader.string()
    if name in ("con_4", "con_5"):
        params = reader.tensor().reshape(-1)
        filters = reader.integer()
        rows, cols = reader.integer(), reader.integer()
        stride = (reader.integer(), reader.integer())
        padding = (reader.integer(), reader.integer())
        shape = reader.alias()
        bias_shape = reader.alias()
        for _ in range(4):
            reader.real()
        if name == "con_5":
            reader.boolean()
        weights_size = int(np.prod(shape))
        weights = params[:weights_size].reshape(shape)
        bias = params[weights_size : weights_size + int(np.prod(bias_shape))]
        if weights.shape[0] != filters or weights.shape[2:] != (rows, cols):
            reader.fail(f"a convolution whose filters {weights.shape} disagree with its settings")
        return Layer("con", {"weights": weights, "bias": bias, "stride": stride, "padding": padding})
    if name == "affine_":
        params = reader.tensor().reshape(-1)
        gamma = reader.alias()
        reader.alias()
        if reader.peek() not in b"01":
            reader.integer()  # mode (conv or fc): newer files have it, then the layer's bools follow
        half = int(np.prod(gamma))
        return Layer("affine", {"gamma": params[:half], "beta": params[half : 2 * half]})
    if name == "relu_":
        return Layer("relu")
    if name == "add_prev_":
        return Layer("add_prev")
    if name in ("avg_pool_2", "max_pool_2"):
        rows, cols = reader.integer(), reader.integer()
        stride = (reader.integer(), reader.integer())
        padding = (reader.integer(), reader.integer())
        kind = "avg_pool" if name.startswith("avg") else "max_pool"
        return Layer(kind, {"size": (rows, cols), "stride": stride, "padding": padding})
    if name in ("fc_2", "fc_"):
        outputs, inputs = reader.integer(), reader.integer()
        params = reader.tensor().reshape(-1)
        shape = reader.alias()
        reader.alias()
        bias_mode = reader.integer()
        for _ in range(4):
            reader.real()
        weights = params[: int(np.prod(shape))].reshape(inputs, outputs)
        bias = params[int(np.prod(shape)) :] if bias_mode == 0 else None
        return Layer("fc", {"weights": weights, "bias": bias if bias is not None and len(bias) else None})
    reader.fail(f"a layer {name!r} this reader does not know")
