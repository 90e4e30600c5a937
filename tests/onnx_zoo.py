"""A zoo of small float ONNX test models built directly with ``onnx.helper``.

Only ``numpy`` and ``onnx`` are needed (no torch).  Every public builder takes
``seed=0`` and returns an ``onnx.ModelProto`` with

* opset 13 (``mlp_ops`` uses opset 14 because of ``HardSwish``),
* ``ir_version = 8``,
* one float32 input named ``"input"`` of shape ``(1, C, H, W)``,
* one float32 output named ``"output"``.

Weights are random but seeded (He-style scaling so activations stay O(1));
BatchNormalization layers get random non-trivial mean/var/gamma/beta.

``ALL`` maps a model name to a builder callable; call it as ``ALL[name]()`` or
``ALL[name](seed=1)``.
"""

from __future__ import annotations

import functools

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

IR_VERSION = 8
DEFAULT_OPSET = 13

__all__ = [
    "depthwise_separable",
    "grouped_shuffle",
    "residual",
    "fire",
    "encoder_decoder",
    "mlp_ops",
    "misc_ops",
    "ALL",
]


class _Builder:
    """Accumulates nodes and initializers with a seeded RNG and unique names."""

    def __init__(self, seed: int):
        self.rng = np.random.default_rng(seed)
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self._count: dict[str, int] = {}

    # -- naming ----------------------------------------------------------
    def name(self, prefix: str) -> str:
        n = self._count.get(prefix, 0)
        self._count[prefix] = n + 1
        return f"{prefix}_{n}"

    # -- initializers ----------------------------------------------------
    def const(self, prefix: str, value, dtype=np.float32) -> str:
        name = self.name(prefix)
        self.inits.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def node(self, op: str, inputs: list[str], n_out: int = 1, out: str | None = None, **attrs):
        outs = [out] if out is not None else [self.name(op.lower()) for _ in range(n_out)]
        self.nodes.append(helper.make_node(op, inputs, outs, name=self.name("n_" + op), **attrs))
        return outs[0] if n_out == 1 else outs

    # -- layers ----------------------------------------------------------
    def conv(self, x, cin, cout, k, stride=1, pad=0, group=1, bias=True, gain=2.0):
        """Conv with He-initialised weights.  ``pad`` is int (symmetric) or 4-list."""
        fan_in = (cin // group) * k * k
        w = self.rng.normal(0.0, np.sqrt(gain / fan_in), size=(cout, cin // group, k, k))
        inputs = [x, self.const("conv_w", w)]
        if bias:
            inputs.append(self.const("conv_b", self.rng.normal(0.0, 0.1, size=cout)))
        pads = [pad] * 4 if isinstance(pad, int) else list(pad)
        return self.node(
            "Conv", inputs,
            kernel_shape=[k, k], strides=[stride, stride], pads=pads,
            dilations=[1, 1], group=group,
        )

    def conv_transpose(self, x, cin, cout, k, stride, bias=True):
        fan_in = cin * k * k // (stride * stride)
        w = self.rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(cin, cout, k, k))
        inputs = [x, self.const("convT_w", w)]
        if bias:
            inputs.append(self.const("convT_b", self.rng.normal(0.0, 0.1, size=cout)))
        return self.node(
            "ConvTranspose", inputs,
            kernel_shape=[k, k], strides=[stride, stride], pads=[0, 0, 0, 0],
        )

    def bn(self, x, c, eps=1e-5):
        gamma = self.rng.uniform(0.5, 1.5, size=c)
        beta = self.rng.normal(0.0, 0.2, size=c)
        mean = self.rng.normal(0.0, 0.3, size=c)
        var = self.rng.uniform(0.5, 2.0, size=c)
        return self.node(
            "BatchNormalization",
            [x, self.const("bn_gamma", gamma), self.const("bn_beta", beta),
             self.const("bn_mean", mean), self.const("bn_var", var)],
            epsilon=eps, momentum=0.9,
        )

    def gemm(self, x, k, n, trans_b=False, gain=1.0):
        w = self.rng.normal(0.0, np.sqrt(gain / k), size=(k, n))
        if trans_b:
            w = w.T
        b = self.rng.normal(0.0, 0.1, size=n)
        attrs = {"transB": 1} if trans_b else {}
        return self.node("Gemm", [x, self.const("fc_w", w), self.const("fc_b", b)],
                         alpha=1.0, beta=1.0, **attrs)

    def relu(self, x):
        return self.node("Relu", [x])

    # -- model -----------------------------------------------------------
    def model(self, graph_name, in_shape, out_name, out_shape, opset=DEFAULT_OPSET):
        x_info = helper.make_tensor_value_info("input", TensorProto.FLOAT, list(in_shape))
        y_info = helper.make_tensor_value_info(out_name, TensorProto.FLOAT, list(out_shape))
        graph = helper.make_graph(self.nodes, graph_name, [x_info], [y_info], self.inits)
        m = helper.make_model(
            graph,
            opset_imports=[helper.make_opsetid("", opset)],
            producer_name="nncodegen-tests-onnx_zoo",
        )
        m.ir_version = IR_VERSION
        return m


# ---------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------

def depthwise_separable(seed: int = 0) -> onnx.ModelProto:
    """MobileNet-style block.

    conv3x3 s2 -> BN -> ReLU6 (Clip 0..6) -> depthwise 3x3 -> BN -> ReLU ->
    pointwise 1x1 -> BN -> ReLU -> GlobalAveragePool -> Flatten -> Gemm.
    Input (1,3,32,32) -> output (1,10).
    """
    b = _Builder(seed)
    x = b.conv("input", 3, 8, 3, stride=2, pad=1, bias=False)          # 8x16x16
    x = b.bn(x, 8)
    x = b.node("Clip", [x, b.const("clip_min", 0.0), b.const("clip_max", 6.0)])
    x = b.conv(x, 8, 8, 3, pad=1, group=8, bias=False)                  # depthwise
    x = b.bn(x, 8)
    x = b.relu(x)
    x = b.conv(x, 8, 16, 1, bias=False)                                 # pointwise
    x = b.bn(x, 16)
    x = b.relu(x)
    x = b.node("GlobalAveragePool", [x])                                # 16x1x1
    x = b.node("Flatten", [x], axis=1)                                  # (1,16)
    w = b.rng.normal(0.0, np.sqrt(1.0 / 16), size=(16, 10))
    bias = b.rng.normal(0.0, 0.1, size=10)
    b.node("Gemm", [x, b.const("fc_w", w), b.const("fc_b", bias)], out="output")
    return b.model("depthwise_separable", (1, 3, 32, 32), "output", (1, 10))


def grouped_shuffle(seed: int = 0) -> onnx.ModelProto:
    """ShuffleNet (v1, stride 1) unit with g=4.

    grouped 1x1 (16->8, group 4) -> BN -> Relu -> channel shuffle
    [Reshape(1,4,2,H,W) -> Transpose(0,2,1,3,4) -> Reshape(1,8,H,W)] ->
    depthwise 3x3 -> BN -> grouped 1x1 (8->16, group 4) -> BN ->
    Add(block input) -> Relu.
    Input (1,16,16,16) -> output (1,16,16,16).
    """
    b = _Builder(seed)
    g, c_in, c_mid, h, w = 4, 16, 8, 16, 16
    x = b.conv("input", c_in, c_mid, 1, group=g, bias=False)
    x = b.bn(x, c_mid)
    x = b.relu(x)
    x = b.node("Reshape", [x, b.const("shape", [1, g, c_mid // g, h, w], np.int64)])
    x = b.node("Transpose", [x], perm=[0, 2, 1, 3, 4])
    x = b.node("Reshape", [x, b.const("shape", [1, c_mid, h, w], np.int64)])
    x = b.conv(x, c_mid, c_mid, 3, pad=1, group=c_mid, bias=False)
    x = b.bn(x, c_mid)
    x = b.conv(x, c_mid, c_in, 1, group=g, bias=False)
    x = b.bn(x, c_in)
    x = b.node("Add", [x, "input"])
    b.node("Relu", [x], out="output")
    return b.model("grouped_shuffle", (1, c_in, h, w), "output", (1, c_in, h, w))


def residual(seed: int = 0) -> onnx.ModelProto:
    """ResNet basic block with a strided 1x1 projection shortcut.

    main: conv3x3 s2 (8->16) -> BN -> Relu -> conv3x3 -> BN
    shortcut: conv1x1 s2 (8->16) -> BN
    Add -> Relu -> MaxPool 3x3 s2 pad1 -> AveragePool 2x2 s2 -> Flatten -> Gemm.
    Input (1,8,32,32) -> output (1,10).
    """
    b = _Builder(seed)
    y = b.conv("input", 8, 16, 3, stride=2, pad=1, bias=False)        # 16x16x16
    y = b.bn(y, 16)
    y = b.relu(y)
    y = b.conv(y, 16, 16, 3, pad=1, bias=False)
    y = b.bn(y, 16)
    s = b.conv("input", 8, 16, 1, stride=2, bias=False)               # projection
    s = b.bn(s, 16)
    x = b.node("Add", [y, s])
    x = b.relu(x)
    x = b.node("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])  # 8x8
    x = b.node("AveragePool", [x], kernel_shape=[2, 2], strides=[2, 2])                 # 4x4
    x = b.node("Flatten", [x], axis=1)                                                   # 256
    w = b.rng.normal(0.0, np.sqrt(1.0 / 256), size=(256, 10))
    bias = b.rng.normal(0.0, 0.1, size=10)
    b.node("Gemm", [x, b.const("fc_w", w), b.const("fc_b", bias)], out="output")
    return b.model("residual", (1, 8, 32, 32), "output", (1, 10))


def _fire(b: _Builder, x: str, cin: int, squeeze: int, expand: int) -> str:
    s = b.relu(b.conv(x, cin, squeeze, 1))
    e1 = b.relu(b.conv(s, squeeze, expand, 1))
    e3 = b.relu(b.conv(s, squeeze, expand, 3, pad=1))
    return b.node("Concat", [e1, e3], axis=1)


def fire(seed: int = 0) -> onnx.ModelProto:
    """Two SqueezeNet fire modules then a 1x1 classifier.

    fire(16 -> s4 -> e8+e8) -> fire(16 -> s6 -> e12+e12) -> Conv1x1(24->10) ->
    GlobalAveragePool -> Flatten -> Softmax.
    Input (1,16,24,24) -> output (1,10).
    """
    b = _Builder(seed)
    x = _fire(b, "input", 16, 4, 8)     # 16 ch
    x = _fire(b, x, 16, 6, 12)          # 24 ch
    x = b.conv(x, 24, 10, 1)
    x = b.node("GlobalAveragePool", [x])
    x = b.node("Flatten", [x], axis=1)
    b.node("Softmax", [x], out="output", axis=-1)
    return b.model("fire", (1, 16, 24, 24), "output", (1, 10))


def encoder_decoder(upsample: str = "convtranspose", seed: int = 0) -> onnx.ModelProto:
    """Tiny U-Net.

    conv3x3 (4->8) -> Relu [skip] -> MaxPool 2 -> conv3x3 (8->16) -> LeakyRelu(0.1)
    -> up (ConvTranspose k2 s2 16->8, or Resize nearest x2 keeping 16 ch)
    -> Concat(up, skip) -> conv3x3 (->2) -> Sigmoid.
    Input (1,4,16,16) -> output (1,2,16,16).

    The Resize variant uses coordinate_transformation_mode="asymmetric",
    nearest_mode="floor" (what torch exports for nn.Upsample(mode="nearest")).
    """
    if upsample not in ("convtranspose", "resize"):
        raise ValueError(f"upsample must be 'convtranspose' or 'resize', got {upsample!r}")
    b = _Builder(seed)
    skip = b.relu(b.conv("input", 4, 8, 3, pad=1))                      # 8x16x16
    x = b.node("MaxPool", [skip], kernel_shape=[2, 2], strides=[2, 2])  # 8x8x8
    x = b.conv(x, 8, 16, 3, pad=1)
    x = b.node("LeakyRelu", [x], alpha=0.1)                              # 16x8x8
    if upsample == "convtranspose":
        x = b.conv_transpose(x, 16, 8, 2, 2)                             # 8x16x16
        c_up = 8
    else:
        scales = b.const("scales", [1.0, 1.0, 2.0, 2.0])
        x = b.node("Resize", [x, "", scales], mode="nearest",
                   coordinate_transformation_mode="asymmetric", nearest_mode="floor")
        c_up = 16                                                        # 16x16x16
    x = b.node("Concat", [x, skip], axis=1)
    x = b.conv(x, c_up + 8, 2, 3, pad=1, gain=1.0)
    b.node("Sigmoid", [x], out="output")
    return b.model(f"encoder_decoder_{upsample}", (1, 4, 16, 16), "output", (1, 2, 16, 16))


def mlp_ops(seed: int = 0) -> onnx.ModelProto:
    """Fully connected op mix (opset 14 for HardSwish).

    Flatten -> MatMul + Add (64->32) -> Tanh -> Gemm transB=1 (32->24) ->
    HardSigmoid -> Gemm (24->16) -> HardSwish -> Gemm (16->10) -> Softmax.
    Input (1,1,8,8) -> output (1,10).
    """
    b = _Builder(seed)
    x = b.node("Flatten", ["input"], axis=1)
    w = b.rng.normal(0.0, np.sqrt(1.0 / 64), size=(64, 32))
    x = b.node("MatMul", [x, b.const("mm_w", w)])
    x = b.node("Add", [x, b.const("mm_b", b.rng.normal(0.0, 0.1, size=32))])
    x = b.node("Tanh", [x])
    x = b.gemm(x, 32, 24, trans_b=True, gain=2.0)
    x = b.node("HardSigmoid", [x])  # default alpha=0.2, beta=0.5
    # HardSigmoid output lies in [0,1] with a small spread; a larger gain keeps
    # the next pre-activation O(1) so HardSwish sees both its ramps.
    x = b.gemm(x, 24, 16, gain=6.0)
    x = b.node("HardSwish", [x])
    w = b.rng.normal(0.0, np.sqrt(1.0 / 16), size=(16, 10))
    x = b.node("Gemm", [x, b.const("fc_w", w), b.const("fc_b", b.rng.normal(0.0, 0.1, size=10))])
    b.node("Softmax", [x], out="output", axis=1)
    return b.model("mlp_ops", (1, 1, 8, 8), "output", (1, 10), opset=14)


def misc_ops(seed: int = 0) -> onnx.ModelProto:
    """Elementwise/layout op mix.

    Pad (constant 0; H: 1 before/2 after, W: 2 before/1 after) -> Conv3x3 (3->8) ->
    PRelu (per-channel slope) -> Mul (per-channel const) -> Sub (const) ->
    swish [Sigmoid, Mul with the pre-sigmoid tensor] -> Transpose(0,2,3,1) ->
    Reshape(1,-1) -> Gemm.
    Input (1,3,12,12) -> padded (1,3,15,15) -> conv (1,8,13,13) -> output (1,10).
    """
    b = _Builder(seed)
    pads = b.const("pads", [0, 0, 1, 2, 0, 0, 2, 1], np.int64)
    x = b.node("Pad", ["input", pads, b.const("pad_value", 0.0)], mode="constant")
    x = b.conv(x, 3, 8, 3)
    x = b.node("PRelu", [x, b.const("prelu_slope", b.rng.uniform(0.05, 0.3, size=(8, 1, 1)))])
    x = b.node("Mul", [x, b.const("scale", b.rng.uniform(0.5, 1.5, size=(1, 8, 1, 1)))])
    pre = b.node("Sub", [x, b.const("shift", b.rng.normal(0.0, 0.3, size=(8, 1, 1)))])
    sig = b.node("Sigmoid", [pre])
    x = b.node("Mul", [pre, sig])
    x = b.node("Transpose", [x], perm=[0, 2, 3, 1])                   # (1,13,13,8)
    x = b.node("Reshape", [x, b.const("shape", [1, -1], np.int64)])  # (1,1352)
    k = 13 * 13 * 8
    w = b.rng.normal(0.0, np.sqrt(1.0 / k), size=(k, 10))
    b.node("Gemm", [x, b.const("fc_w", w), b.const("fc_b", b.rng.normal(0.0, 0.1, size=10))],
           out="output")
    return b.model("misc_ops", (1, 3, 12, 12), "output", (1, 10))


ALL = {
    "depthwise_separable": depthwise_separable,
    "grouped_shuffle": grouped_shuffle,
    "residual": residual,
    "fire": fire,
    "encoder_decoder_convtranspose": functools.partial(encoder_decoder, "convtranspose"),
    "encoder_decoder_resize": functools.partial(encoder_decoder, "resize"),
    "mlp_ops": mlp_ops,
    "misc_ops": misc_ops,
}
