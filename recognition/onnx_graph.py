"""dlib's face-encoding ResNet as an ONNX graph, built from the installed model file.

The layers come from recognition.dlib_model (input first). The network's
shape is dlib's `dnn_face_recognition_ex` ResNet; the builder walks it as a
grammar and refuses any other file with the layer where it differs:

    stem:   input, con, affine, relu, max_pool
    block:  tag, con, affine, relu, con, affine,
            then add_prev (a plain residual) or tag, tag, avg_pool, add_prev
            (a down-sampling residual: the shortcut is a 2x2 average pool
            of the block's input), then relu
    head:   avg_pool over everything, fc (no bias)

Two things differ from a textbook ResNet, both kept bit for bit:
- each `affine` follows a convolution and is folded into its weights;
- dlib's add_prev adds tensors of different sizes by padding the smaller
  one with zeros at the end (channels, rows, columns): the pooled shortcut
  can be a row larger, and has fewer channels, than the convolution branch.
"""

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from recognition.dlib_model import ModelFileError

OPSET = 17
CHIP = 150


class _Builder:
    def __init__(self, layers):
        self.layers = layers
        self.at = 0
        self.nodes = []
        self.weights = []
        self.count = 0

    def expect(self, kind):
        if self.at >= len(self.layers):
            raise ModelFileError(f"not the face-encoding network: the file ends where a {kind} layer was expected")
        layer = self.layers[self.at]
        if layer.kind != kind:
            raise ModelFileError(
                f"not the face-encoding network: layer {self.at} is {layer.kind!r} where {kind!r} was expected"
            )
        self.at += 1
        return layer

    def peek(self, offset=0):
        index = self.at + offset
        return self.layers[index].kind if index < len(self.layers) else None

    def name(self, prefix):
        self.count += 1
        return f"{prefix}{self.count}"

    def constant(self, prefix, array):
        name = self.name(prefix)
        self.weights.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def node(self, op, inputs, **attrs):
        out = self.name(op.lower())
        self.nodes.append(helper.make_node(op, inputs, [out], **attrs))
        return out

    # -- layers, with shapes (channels, rows, cols) tracked for add_prev's padding

    def conv_affine(self, x, shape):
        con = self.expect("con").params
        affine = self.expect("affine").params
        gamma, beta = affine["gamma"], affine["beta"]
        weights = con["weights"] * gamma[:, None, None, None]
        bias = con["bias"] * gamma + beta
        (sy, sx), (py, px) = con["stride"], con["padding"]
        filters, _, kr, kc = weights.shape
        out = self.node(
            "Conv",
            [x, self.constant("w", weights.astype(np.float32)), self.constant("b", bias.astype(np.float32))],
            kernel_shape=[kr, kc],
            strides=[sy, sx],
            pads=[py, px, py, px],
        )
        rows = (shape[1] + 2 * py - kr) // sy + 1
        cols = (shape[2] + 2 * px - kc) // sx + 1
        return out, (filters, rows, cols)

    def relu(self, x):
        self.expect("relu")
        return self.node("Relu", [x])

    def pool(self, kind, x, shape):
        params = self.expect(kind).params
        (kr, kc), (sy, sx), (py, px) = params["size"], params["stride"], params["padding"]
        op = "AveragePool" if kind == "avg_pool" else "MaxPool"
        # dlib's average pool divides by the whole window, padding included
        extra = {"count_include_pad": 1} if op == "AveragePool" else {}
        out = self.node(op, [x], kernel_shape=[kr, kc], strides=[sy, sx], pads=[py, px, py, px], **extra)
        return out, (shape[0], (shape[1] + 2 * py - kr) // sy + 1, (shape[2] + 2 * px - kc) // sx + 1)

    def pad_to(self, x, shape, target):
        if shape == target:
            return x
        ends = [0, target[0] - shape[0], target[1] - shape[1], target[2] - shape[2]]
        pads = np.array([0, 0, 0, 0, *ends], dtype=np.int64)
        return self.node("Pad", [x, self.constant("pads", pads)], mode="constant")

    def add_prev(self, a, a_shape, b, b_shape):
        self.expect("add_prev")
        target = tuple(max(p, q) for p, q in zip(a_shape, b_shape, strict=True))
        total = self.node("Add", [self.pad_to(a, a_shape, target), self.pad_to(b, b_shape, target)])
        return total, target

    def block(self, x, shape):
        self.expect("tag")
        y, y_shape = self.conv_affine(x, shape)
        y = self.relu(y)
        y, y_shape = self.conv_affine(y, y_shape)
        if self.peek() == "tag":
            self.expect("tag")  # marks the convolution branch
            self.expect("tag")  # skips back to the block's input
            shortcut, s_shape = self.pool("avg_pool", x, shape)
        else:
            shortcut, s_shape = x, shape
        total, shape = self.add_prev(shortcut, s_shape, y, y_shape)
        return self.relu(total), shape

    def build(self):
        stem = self.expect("input").params
        if (stem["rows"], stem["cols"]) != (CHIP, CHIP):
            raise ModelFileError(f"an input of {stem['rows']}x{stem['cols']}; the face network takes {CHIP}x{CHIP}")
        means = np.array(stem["means"], dtype=np.float32).reshape(1, 3, 1, 1)
        # dlib's input layer: (pixel - channel mean) / 256
        x = self.node("Sub", ["chips", self.constant("mean", means)])
        x = self.node("Mul", [x, self.constant("scale", np.array(1 / 256, dtype=np.float32))])
        x, shape = self.conv_affine(x, (3, CHIP, CHIP))
        x = self.relu(x)
        x, shape = self.pool("max_pool", x, shape)
        while self.peek() == "tag":
            x, shape = self.block(x, shape)
        head = self.expect("avg_pool").params
        if head["size"] != (0, 0):
            raise ModelFileError("not the face-encoding network: the last pool is not a global average")
        x = self.node("GlobalAveragePool", [x])
        x = self.node("Flatten", [x], axis=1)
        fc = self.expect("fc").params
        if fc["bias"] is not None or fc["weights"].shape[0] != shape[0]:
            raise ModelFileError("not the face-encoding network: its last layer is not a 256 -> 128 projection")
        out = self.node("MatMul", [x, self.constant("fc", fc["weights"].astype(np.float32))])
        if self.at != len(self.layers):
            raise ModelFileError(f"not the face-encoding network: {len(self.layers) - self.at} layers left over")
        self.nodes.append(helper.make_node("Identity", [out], ["encodings"]))
        return fc["weights"].shape[1]


def build(network):
    """A dlib_model.Network -> onnx.ModelProto taking chips (N, 3, 150, 150) of raw RGB values."""
    builder = _Builder(network.layers)
    size = builder.build()
    graph = helper.make_graph(
        builder.nodes,
        "dlib_face_recognition_resnet_model_v1",
        [helper.make_tensor_value_info("chips", TensorProto.FLOAT, ["n", 3, CHIP, CHIP])],
        [helper.make_tensor_value_info("encodings", TensorProto.FLOAT, ["n", size])],
        builder.weights,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="attendance-portal")
    model.ir_version = 8  # readable by every onnxruntime since 1.10
    onnx.checker.check_model(model)
    return model
