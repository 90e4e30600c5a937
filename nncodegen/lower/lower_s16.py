"""Lowering of TFLite 16x8 nodes (int16 activations, int8 weights, int64 biases) to *_s16 kernel calls.

A node is lowered here when one of its tensors has a 16-bit AffineFormat (lower.lower asks this module
before lower_s8).  The parameters are TFLite's (the Prepare functions of its add / sub, conv /
transpose_conv, leaky_relu and quantize kernels, as both LiteRT and TFLite Micro compute them):

* conv2d / conv_transpose2d: per output channel s_in * s_w[c] / s_out in double, TFLite's 64-bit
  MultiplyByQuantizedMultiplier on the int64 accumulator (the same in both rounding builds); input and
  output zero points 0 (TFLite requires them);
* add / sub: TFLite's general int16 path, left shift 15 and three multipliers;
* leaky_relu: identity multiplier s_in / s_out and alpha multiplier alpha * s_in / s_out, in float32;
* requantize (QUANTIZE between int16 and int16 / int32): s_in / s_out in double.

Element-wise rescalings round as ``graph.meta["quantization"]["rounding"]`` says ("double", TFLite's
default and the default of TFLite models: the seanet goldens of TFLite Micro's integration tests follow
it; "single": TFLITE_SINGLE_ROUNDING builds).  Anything else is refused, naming the node.
"""
from __future__ import annotations

from typing import Callable, Dict, List, Optional

import numpy as np

from ..ir.formats import AffineFormat
from ..ir.graph import GraphError, Node
from ..ir.ops import fused_act_bounds
from ..ref import affine as af
from .lower_common import broadcast_params
from .lower_s8_common import rounding_of, slice_formats_ok
from .params import ConvGeom, Pad, Rescale
from .params_s16 import EltwiseS16, LeakyS16, QuantS16, RequantEltS16, RequantS16, SliceS16, slice_params
from .program import Buf, Call, Const, Param, Scalar

ACC_LIMIT = 1 << 47
F32 = np.float32


def _fail(node: Node, msg: str):
    raise GraphError(f"node {node.name!r} ({node.op}): {msg}")


def _fmt(ctx, name):
    return ctx.g.tensors[name].fmt


def _is16(f) -> bool:
    return isinstance(f, AffineFormat) and f.bits == 16


def _act16(ctx, node: Node, name: str) -> AffineFormat:
    f = _fmt(ctx, name)
    if not _is16(f) or not f.signed or f.per_channel:
        _fail(node, f"tensor {name!r} must be per-tensor affine int16, has {f}")
    return f


def _shape(ctx, name):
    return tuple(ctx.g.tensors[name].shape)


def _n(ctx, name) -> int:
    return int(np.prod(_shape(ctx, name), dtype=np.int64))


def _rounding(ctx, node: Node) -> int:
    r = rounding_of(ctx.g)
    if r not in (af.ROUND_DOUBLE, af.ROUND_SINGLE):
        _fail(node, "16x8 layers round as TFLite does: rounding 'double' or 'single'")
    return r


def act_bounds16(node: Node, fo: AffineFormat):
    """TFLite's CalculateActivationRangeQuantized for an int16 output."""
    if node.attrs.get("act", "none") == "leaky_relu":
        _fail(node, "a fused leaky ReLU is not supported")
    lo, hi = fused_act_bounds(node.attrs)
    qlo = fo.qmin if lo == -np.inf else max(fo.qmin, af.quantize_value_away(lo, fo.scale, fo.zero_point,
                                                                             fo.qmin, fo.qmax))
    qhi = fo.qmax if hi == np.inf else min(fo.qmax, af.quantize_value_away(hi, fo.scale, fo.zero_point,
                                                                           fo.qmin, fo.qmax))
    return qlo, qhi


def _multiplier(node: Node, m: float, rounding: int = af.ROUND_DOUBLE):
    try:
        return af.quantize_multiplier(m, rounding)
    except ValueError as e:
        _fail(node, str(e))


# ---------------------------------------------------------------- MAC layers

def lower_mac16(ctx, node: Node) -> List[Call]:
    x, y = node.inputs[0], node.outputs[0]
    fx, fo = _act16(ctx, node, x), _act16(ctx, node, y)
    if fx.zero_point != 0 or fo.zero_point != 0:
        _fail(node, "TFLite's 16x8 convolutions need input and output zero points 0")
    w = ctx.g.tensors[node.inputs[1]]
    fw = w.fmt
    if not isinstance(fw, AffineFormat) or fw.bits != 8 or w.qdata is None:
        _fail(node, f"weights {w.name!r} must be int8 constants, have {fw}")
    if any(z != 0 for z in fw.zero_points(w.shape[0])) or (fw.per_channel and fw.axis != 0):
        _fail(node, f"weights {w.name!r} must be symmetric with scales along the output channels")
    s_w = fw.scales(w.shape[0])
    bias = None
    wq = w.qdata.astype(np.int64)
    bound = np.abs(wq).reshape(w.shape[0], -1).sum(axis=1) * 32768
    if node.op == "conv_transpose2d":  # an output pixel gathers at most ceil(k / stride) taps per axis
        a = node.attrs
        taps = -(-w.shape[1] // a["strides"][0]) * -(-w.shape[2] // a["strides"][1])
        bound = np.abs(wq).max(axis=(1, 2)).sum(axis=1) * 32768 * taps
    if len(node.inputs) > 2:
        b = ctx.g.tensors[node.inputs[2]]
        if not isinstance(b.fmt, AffineFormat) or b.fmt.bits != 64 or b.qdata is None:
            _fail(node, f"bias {b.name!r} must be an int64 constant (TFLite 16x8), has {b.fmt}")
        bias = Const(b.name)
        bound = bound + np.abs(b.qdata.astype(np.int64))
    if int(bound.max()) >= ACC_LIMIT:
        _fail(node, "the accumulator could leave the range of TFLite's 64-bit rescaling (2^47)")
    ms = [_multiplier(node, float(F32(fx.scale)) * float(F32(s)) / float(F32(fo.scale))) for s in s_w]
    for m, s in ms:
        if not -31 <= s <= 7:
            _fail(node, f"rescaling shift {s} outside TFLite's 64-bit range [-31, 7]")
    lo, hi = act_bounds16(node, fo)
    rq = RequantS16(tuple(m for m, _ in ms), tuple(s for _, s in ms), fo.zero_point, lo, hi)
    xs, ys, a = _shape(ctx, x), _shape(ctx, y), node.attrs
    if node.op == "dense":   # a 1x1 convolution over a 1x1 map: weights [out][in] = [out][1][1][in]
        geom = ConvGeom(xs[0], 1, 1, xs[1], 1, 1, ys[1], 1, 1, 1, 1, 0, 0, 1, 1, 1)
        return [Call(node.name, node.op, "conv2d_s16", [Param(geom), Param(rq), Buf(x), Const(w.name), bias, Buf(y)],
                     y)]
    geom = ConvGeom(xs[0], xs[1], xs[2], xs[3], ys[1], ys[2], ys[3], w.shape[1], w.shape[2], a["strides"][0],
                    a["strides"][1], a["pads"][0], a["pads"][1], a["dilations"][0], a["dilations"][1], a["groups"])
    kernel = "conv2d_s16"
    if node.op == "conv_transpose2d":
        if a["groups"] != 1:
            _fail(node, "grouped transposed convolutions are not supported")
        kernel = "conv_transpose2d_s16"
    return [Call(node.name, node.op, kernel, [Param(geom), Param(rq), Buf(x), Const(w.name), bias, Buf(y)], y)]


# ---------------------------------------------------------------- element-wise

def _operand(ctx, node, name):
    _act16(ctx, node, name)
    return Const(name) if ctx.g.tensors[name].is_const else Buf(name)


def lower_eltwise16(ctx, node: Node) -> List[Call]:
    a, b, y = node.inputs[0], node.inputs[1], node.outputs[0]
    fa, fb, fo = _act16(ctx, node, a), _act16(ctx, node, b), _act16(ctx, node, y)
    if node.op == "mul":
        _fail(node, "no 16x8 kernel for mul")
    r = _rounding(ctx, node)
    # TFLite's add and sub (LiteRT; the seanet goldens): twice the larger scale and the ratios in double
    (ma, sa), (mb, sb), (mo, so) = af.add_params(fa.scale, fb.scale, fo.scale, r, left_shift=15)
    if so > 0:  # the sum (< 2^31 in magnitude) must not be shifted left
        _fail(node, "output scale too small for the input scales (multiplier overflow)")
    lo, hi = act_bounds16(node, fo)
    p = EltwiseS16(broadcast_params(_shape(ctx, a), _shape(ctx, b), _shape(ctx, y)), -fa.zero_point,
                   -fb.zero_point, 15, ma, sa, mb, sb, mo, so, fo.zero_point, lo, hi, r)
    return [Call(node.name, node.op, f"{node.op}_s16", [Param(p), _operand(ctx, node, a), _operand(ctx, node, b),
                                                        Buf(y)], y)]


def leaky_params(node: Node, fi: AffineFormat, fo: AffineFormat, alpha: float, r: int, n: int) -> LeakyS16:
    """TFLite's LeakyRelu Prepare: float32 s_in * alpha / s_out and s_in / s_out, then QuantizeMultiplier."""
    if not alpha >= 0:
        _fail(node, f"alpha {alpha} < 0 is not supported")
    ma, sa = _multiplier(node, float(F32(F32(F32(fi.scale) * F32(alpha)) / F32(fo.scale))), r)
    mi, si = _multiplier(node, float(F32(F32(fi.scale) / F32(fo.scale))), r)
    return LeakyS16(n, -fi.zero_point, mi, si, ma, sa, fo.zero_point, fo.qmin, fo.qmax, r)


def lower_leaky16(ctx, node: Node) -> List[Call]:
    x, y = node.inputs[0], node.outputs[0]
    fi, fo = _act16(ctx, node, x), _act16(ctx, node, y)
    p = leaky_params(node, fi, fo, float(node.attrs["alpha"]), _rounding(ctx, node), _n(ctx, x))
    return [Call(node.name, node.op, "leaky_relu_s16", [Param(p), Buf(x), Buf(y)], y)]


# ---------------------------------------------------------------- data movement

def _same16(ctx, node: Node) -> AffineFormat:
    fi, fo = _act16(ctx, node, node.inputs[0]), _act16(ctx, node, node.outputs[0])
    if fi != fo:
        _fail(node, f"input {fi} and output {fo} must share one format")
    return fo


def lower_pad16(ctx, node: Node) -> List[Call]:
    f = _same16(ctx, node)
    x, y = node.inputs[0], node.outputs[0]
    xs = _shape(ctx, x)
    if len(xs) > 4 or node.attrs["mode"] != "constant":
        _fail(node, "constant pads of rank <= 4 only")
    fill = lambda s: (1,) * (4 - len(s)) + tuple(s)  # noqa: E731
    before = tuple(node.attrs["pads"][2 * i] for i in range(len(xs)))
    qv = int(af.quantize_value_away(float(node.attrs["value"]), f.scale, f.zero_point, f.qmin, f.qmax))
    p = Pad(fill(xs), fill(_shape(ctx, y)), (0,) * (4 - len(xs)) + before, 0, qv, 0.0)
    return [Call(node.name, node.op, "pad_s16", [Param(p), Buf(x), Buf(y)], y)]


def lower_slice16(ctx, node: Node) -> List[Call]:
    x, y = node.inputs[0], node.outputs[0]
    fo = _act16(ctx, node, y)
    fi = _fmt(ctx, x)
    a = node.attrs
    if not _is16(fi):
        _fail(node, f"input must be affine int16, has {fi}")
    if not slice_formats_ok(fi, fo, _shape(ctx, x), a):
        _fail(node, f"input {fi} and output {fo} must share one format (a joined input: the elements read "
                    "must be in the output's format)")
    p = slice_params(_shape(ctx, x), a["begin"], a["strides"], a["size"])
    return [Call(node.name, node.op, "strided_slice_s16", [Param(p), Buf(x), Buf(y)], y)]


def lower_reshape16(ctx, node: Node) -> List[Call]:
    _same16(ctx, node)
    return []


def lower_maxpool16(ctx, node: Node) -> List[Call]:
    """Max pools of int16 values in one format: the int16 max kernels (maxpool_q15 / global_maxpool_q15, the
    maximum does not depend on the scale; a window with no real element gives -32768)."""
    _same16(ctx, node)
    x, y = _shape(ctx, node.inputs[0]), _shape(ctx, node.outputs[0])
    a = node.attrs
    if node.op == "global_maxpool":
        geom = ConvGeom(x[0], x[1], x[2], x[3], 1, 1, x[3], x[1], x[2])
    else:
        if a.get("dilations", (1, 1)) not in ((1, 1), [1, 1]):
            _fail(node, "dilated max pools are not supported")
        geom = ConvGeom(x[0], x[1], x[2], x[3], y[1], y[2], y[3], a["kernel"][0], a["kernel"][1],
                        a["strides"][0], a["strides"][1], a["pads"][0], a["pads"][1])
    return [Call(node.name, node.op, f"{node.op}_q15", [Param(geom), Buf(node.inputs[0]), Buf(node.outputs[0])],
                 node.outputs[0])]


def lower_clamp16(ctx, node: Node) -> List[Call]:
    """A standalone relu / clip in one int16 format (zero point 0): the int16 saturating copy rescale_q15 with
    shift 0 and the bounds TFLite's CalculateActivationRangeQuantized gives."""
    f = _same16(ctx, node)
    from ..passes.fuse_activation import act_attrs_of
    lo, hi = act_bounds16(Node(node.name, node.op, [], [], act_attrs_of(node)), f)
    n = _n(ctx, node.inputs[0])
    p = Rescale(1, n, n, 0, 0, lo, hi)
    return [Call(node.name, node.op, "rescale_q15", [Param(p), Buf(node.inputs[0]), Buf(node.outputs[0])],
                 node.outputs[0])]


# ---------------------------------------------------------------- format changes

def lower_convert16(ctx, node: Node) -> List[Call]:
    x, y = node.inputs[0], node.outputs[0]
    fi, fo = _fmt(ctx, x), _fmt(ctx, y)
    n = _n(ctx, x)
    if node.op == "quantize":
        if fi.kind != "float" or not _is16(fo) or fo.per_channel:
            _fail(node, f"quantize from {fi} to {fo}: only float -> per-tensor int16")
        p = QuantS16(float(fo.scale), fo.zero_point, fo.qmin, fo.qmax)
        return [Call(node.name, node.op, "quantize_s16", [Scalar(n), Param(p), Buf(x), Buf(y)], y)]
    if node.op == "dequantize":
        if fo.kind != "float" or not _is16(fi) or fi.per_channel:
            _fail(node, f"dequantize from {fi} to {fo}: only per-tensor int16 -> float")
        p = QuantS16(float(fi.scale), fi.zero_point, fi.qmin, fi.qmax)
        return [Call(node.name, node.op, "dequantize_s16", [Scalar(n), Param(p), Buf(x), Buf(y)], y)]
    kinds = {(16, 16): "requantize_s16_s16", (32, 16): "requantize_s32_s16", (16, 32): "requantize_s16_s32"}
    ok = all(isinstance(f, AffineFormat) and f.signed and not f.per_channel for f in (fi, fo))
    kernel = kinds.get((fi.bits, fo.bits)) if ok else None
    if kernel is None:
        _fail(node, f"requantize from {fi} to {fo}: only int16 -> int16, int32 -> int16, int16 -> int32")
    r = _rounding(ctx, node)
    m, s = _multiplier(node, float(F32(fi.scale)) / float(F32(fo.scale)), r)
    if s > 30:
        _fail(node, f"rescaling shift {s} > 30")
    p = RequantEltS16(n, -fi.zero_point, m, s, fo.zero_point, fo.qmin, fo.qmax, r)
    return [Call(node.name, node.op, kernel, [Param(p), Buf(x), Buf(y)], y)]


LOWER_S16: Dict[str, Callable] = {
    "conv2d": lower_mac16, "conv_transpose2d": lower_mac16, "add": lower_eltwise16, "sub": lower_eltwise16,
    "mul": lower_eltwise16, "leaky_relu": lower_leaky16, "pad": lower_pad16, "strided_slice": lower_slice16,
    "reshape": lower_reshape16, "dense": lower_mac16, "maxpool": lower_maxpool16, "global_maxpool": lower_maxpool16,
    "relu": lower_clamp16, "clip": lower_clamp16,
}


def unsupported_reason16(graph, node: Node) -> Optional[str]:
    """Why ``node`` cannot run on the int16 (16x8) kernels (None: it can); the QDQ fold keeps it in float."""
    if LOWER_S16.get(node.op) is None:
        return f"no 16x8 (int16) kernel for op {node.op!r}"
    if node.op in ("conv2d", "conv_transpose2d") and node.attrs.get("groups", 1) != 1:
        return "grouped / depthwise 16x8 convolutions are not supported"
    if node.attrs.get("act", "none") == "leaky_relu":
        return "fused leaky ReLU"
    if node.op in ("conv2d", "conv_transpose2d", "dense") and not graph.tensors[node.inputs[1]].is_const:
        return "weights are not constant"
    return None


def lower_node(ctx, node: Node) -> Optional[List[Call]]:
    tensors = [ctx.g.tensors[t] for t in list(node.inputs) + list(node.outputs)]
    if not any(_is16(t.fmt) and not t.is_const for t in tensors):
        return None
    if node.op in ("quantize", "dequantize", "requantize"):
        return lower_convert16(ctx, node)
    fn = LOWER_S16.get(node.op)
    if fn is None:
        _fail(node, "no 16x8 (int16) kernel for this op")
    return fn(ctx, node)
