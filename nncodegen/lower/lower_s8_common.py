"""Helpers shared by the affine int8 lowering modules (lower_s8*.py): the rounding mode of the graph,
the int8 formats of a node's tensors, fused activation bounds and 256-entry tables."""
from __future__ import annotations

from typing import Callable, Optional

import numpy as np

from ..ir.formats import AffineFormat
from ..ir.graph import GraphError, Node
from ..ir.ops import fused_act_bounds
from ..ref import affine as af
from ..ref import float_ops


ACC32 = 1 << 31


def rounding_of(graph) -> int:
    mode = graph.meta.get("quantization", {}).get("rounding", "double")
    if mode not in af.ROUNDING:
        raise GraphError(f"graph meta quantization.rounding {mode!r}: choose 'double', 'single' or 'onnxruntime'")
    return af.ROUNDING[mode]


def onnxruntime_mode(graph) -> bool:
    """Rounding mode "onnxruntime": the kernels reproduce onnxruntime's x86 CPU int8 kernels bit for bit
    (float requantization of QLinearConv / QGemm / QLinearGlobalAveragePool, QLinearAdd's fused
    multiply-adds, QLinearAveragePool, QLinearSoftmax), their float32 steps done in integers."""
    return rounding_of(graph) == af.ROUND_ORT


def _integer_rounding(graph) -> int:
    """The rounding of layers onnxruntime does not fuse (it runs them in float between DQ and Q):
    single rounding, the exact semantics' closest integer form."""
    r = rounding_of(graph)
    return af.ROUND_SINGLE if r == af.ROUND_ORT else r


F32 = np.float32


def _as_i32(bits: int) -> int:
    """A float32 bit pattern in an int32 field (two's complement; the C reads it back as uint32_t)."""
    return bits - (1 << 32) if bits >= 1 << 31 else bits


def ort_scale(*steps) -> float:
    """A float32 expression evaluated left to right: ort_scale(a, "*", b, "/", c) = fl(fl(a * b) / c)."""
    v = F32(steps[0])
    for op, x in zip(steps[1::2], steps[2::2]):
        v = F32(v * F32(x)) if op == "*" else F32(v / F32(x))
    return float(v)


def average_half_even(graph) -> bool:
    """Averages round ties to even (ONNX QDQ semantics) or away from zero (TFLite, the default)."""
    mode = graph.meta.get("quantization", {}).get("average_rounding", "half_away")
    if mode not in ("half_away", "half_even"):
        raise GraphError(f"graph meta quantization.average_rounding {mode!r}: choose 'half_away' or 'half_even'")
    return mode == "half_even"


def _fail(node: Node, msg: str):
    raise GraphError(f"node {node.name!r} ({node.op}): {msg}")


def _fmt(ctx, name):
    return ctx.g.tensors[name].fmt


def _act(ctx, node: Node, name: str) -> AffineFormat:
    """The per-tensor int8 format of an activation (or constant operand) of an affine node."""
    f = _fmt(ctx, name)
    if not isinstance(f, AffineFormat) or f.bits != 8 or not f.signed or f.per_channel:
        _fail(node, f"tensor {name!r} must be per-tensor affine int8, has {f}")
    return f


def _same(ctx, node: Node) -> AffineFormat:
    fi, fo = _act(ctx, node, node.inputs[0]), _act(ctx, node, node.outputs[0])
    if fi != fo:
        _fail(node, f"input {fi} and output {fo} must share one format")
    return fo


def slice_formats_ok(fi, fo, xs, attrs) -> bool:
    """A strided copy from ``fi`` to ``fo`` keeps every value: one format, or a joined model input (a per-row
    format, tflite/join.py) whose elements read are all in the output's format."""
    if not fi.per_channel:
        return fi == fo
    idx = [b + s * np.arange(n) for b, s, n in zip(attrs["begin"], attrs["strides"], attrs["size"])]
    sel = np.asarray(fi.scales(xs[fi.axis]))[idx[fi.axis]]
    zps = np.asarray(fi.zero_points(xs[fi.axis]))[idx[fi.axis]]
    return bool((sel == np.float32(fo.scale)).all() and (zps == fo.zero_point).all())


def _n(ctx, name) -> int:
    return int(np.prod(ctx.g.tensors[name].shape, dtype=np.int64))


def _shape(ctx, name):
    return tuple(ctx.g.tensors[name].shape)


def act_bounds(node: Node, fo: AffineFormat):
    """Saturation bounds of a fused ReLU / ReLU6 / clip in the output format."""
    if node.attrs.get("act", "none") == "leaky_relu":
        _fail(node, "a fused leaky ReLU is not supported in affine int8 (it runs as its own table layer)")
    lo, hi = fused_act_bounds(node.attrs)
    qlo = fo.qmin if lo == -np.inf else int(fo.quantize(np.float32(lo)))
    qhi = fo.qmax if hi == np.inf else int(fo.quantize(np.float32(hi)))
    return qlo, qhi


def lut_table(fi: AffineFormat, fo: AffineFormat, fn: Optional[Callable] = None) -> tuple:
    """table[q + 128] = Q_out(fn(DQ_in(q))) in float32 (fn None: the identity)."""
    x = fi.dequantize(np.arange(-128, 128))
    y = x if fn is None else np.asarray(fn(x.astype(np.float64)), dtype=np.float64).astype(np.float32)
    return tuple(int(v) for v in fo.quantize(y))


def _unary_fn(node: Node):
    a = node.attrs
    if node.op == "relu":
        return lambda x: np.maximum(x, 0.0)
    if node.op == "clip":
        lo = -np.inf if a.get("min") is None else float(a["min"])
        hi = np.inf if a.get("max") is None else float(a["max"])
        return lambda x: np.clip(x, lo, hi)
    fn = getattr(float_ops, node.op)
    return lambda x: fn(a, x)


def tflite_model(graph) -> bool:
    """A graph imported from TFLite: its layers follow TFLite's own kernels where they differ."""
    return graph.meta.get("quantization", {}).get("source") == "tflite"


def _fill4(shape):
    return (1,) * (4 - len(shape)) + tuple(shape)
