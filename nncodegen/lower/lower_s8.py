"""Lowering of affine int8 nodes to *_s8 kernel calls (called by lower.lower first).

A node is lowered here when it changes number format (quantize, dequantize,
requantize) or when its output tensor has an AffineFormat; every other node
returns None and is lowered by lower.py (a float layer of a mixed model runs
its _f32 kernel between a dequantize and a quantize call).

Parameters follow TFLite's kernels (see nncodegen/ref/affine.py for the
multipliers): conv/dense per output channel s_in * s_w[c] / s_out, add with
left shift 20, mul s_a * s_b / s_out, global average s_in / (s_out * H * W).
Element-wise functions (sigmoid, tanh, hard-sigmoid, hard-swish, leaky ReLU,
ReLU / clip / requantization between two formats, concat inputs in another
format) become 256-entry tables computed in float32 with ONNX's
QuantizeLinear rounding: table[q] = Q_out(f(DQ_in(q))), which is exactly what
DequantizeLinear -> f -> QuantizeLinear computes.  The rounding mode of the
fixed-point multipliers is ``graph.meta["quantization"]["rounding"]``
("double", TFLite's default, or "single").  TFLite models (meta quantization.softmax "tflite") run
softmax, log-softmax, sigmoid and tanh as TFLite's own gemmlowp fixed-point kernels instead.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Callable, Dict, List, Optional

import numpy as np

from ..ir.formats import AffineFormat
from ..ir.graph import GraphError, Node
from ..ir.ops import fused_act_bounds
from ..ref import affine as af
from ..ref import kernels_pk_s8 as kpk
from ..ref import kernels_s8 as ks
from ..ref import float_ops, sf32
from .lower import broadcast_params, transpose_params
from .params import (ActTflS8, ConcatS8, ConvGeom, DenseGeom, EltwiseS8, GavgS8, HardSwishTflS8, LeakyS8,
                     LogSoftmaxTflS8, LutS8, MeanS8, Pad, PoolOrtS8, PoolS8, PreluS8, QuantS8, RequantS8, Resize,
                     SoftmaxOrtS8, SoftmaxS8, SoftmaxTflS8)
from .program import Buf, Call, Const, Param, Scalar

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


def _operand(ctx, name):
    return Const(name) if ctx.g.tensors[name].is_const else Buf(name)


# ---------------------------------------------------------------- tables

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


# ---------------------------------------------------------------- MAC layers

def _weights(ctx, node: Node):
    w = ctx.g.tensors[node.inputs[1]]
    fw = w.fmt
    if not isinstance(fw, AffineFormat) or fw.bits != 8 or w.qdata is None:
        _fail(node, f"weights {w.name!r} must be affine int8 constants, have {fw}")
    if any(z != 0 for z in fw.zero_points(w.shape[0])):
        _fail(node, f"weights {w.name!r} must be symmetric (zero point 0)")
    if fw.per_channel and fw.axis != 0:
        _fail(node, f"weights {w.name!r}: per-channel scales must be along the output channels (axis 0)")
    return w, fw.scales(w.shape[0])


def _bias(ctx, node: Node, s_in: float, s_w: np.ndarray):
    if len(node.inputs) < 3:
        return None
    b = ctx.g.tensors[node.inputs[2]]
    fb = b.fmt
    if not isinstance(fb, AffineFormat) or fb.bits != 32 or b.qdata is None:
        _fail(node, f"bias {b.name!r} must be an int32 affine constant, has {fb}")
    want = (np.float32(s_in) * s_w).astype(np.float32)
    got = fb.scales(len(s_w))
    if not np.allclose(got, want, rtol=1e-5, atol=0):
        _fail(node, f"bias {b.name!r} scale is not s_in * s_w")
    return Const(b.name)


def _mac_requant(ctx, node: Node, s_w: np.ndarray) -> RequantS8:
    fx_, fo = _act(ctx, node, node.inputs[0]), _act(ctx, node, node.outputs[0])
    r = rounding_of(ctx.g)
    if r == af.ROUND_ORT:  # QLinearConv / QGemm: output_scale = x_scale * w_scale / y_scale in float32
        ms = [(af.ort_multiplier(ort_scale(fx_.scale, "*", s, "/", fo.scale)), 0) for s in s_w]
    elif node.op in ("conv2d", "conv_transpose2d"):  # TFLite's PopulateConvolutionQuantizationParams: in double
        ms = [af.quantize_multiplier(float(np.float32(fx_.scale)) * float(np.float32(s)) /
                                     float(np.float32(fo.scale)), r) for s in s_w]
    else:  # fully connected: GetQuantizedConvolutionMultipler, float32 product
        ms = [af.quantize_multiplier(af.conv_scale(fx_.scale, float(s), fo.scale), r) for s in s_w]
    lo, hi = act_bounds(node, fo)
    return RequantS8(tuple(m for m, _ in ms), tuple(s for _, s in ms), -fx_.zero_point, fo.zero_point, lo, hi, r)


def accumulator_bound_s8(ctx, node: Node) -> int:
    """Largest |acc| any input can produce: |bias| + sum |w| * max |x - zp| per output channel."""
    fx_ = _act(ctx, node, node.inputs[0])
    w = ctx.g.tensors[node.inputs[1]].qdata.astype(np.int64)
    xmax = max(127 - fx_.zero_point, fx_.zero_point + 128)
    bound = np.abs(w).reshape(w.shape[0], -1).sum(axis=1) * xmax
    if len(node.inputs) > 2:
        bound = bound + np.abs(ctx.g.tensors[node.inputs[2]].qdata.astype(np.int64))
    return int(bound.max())


def pointwise_s8(g: ConvGeom, attrs) -> bool:
    """A 1x1 convolution with stride 1, no padding and one group: conv2d_pw_s8 (offset folded into the bias)."""
    return (g.k_h, g.k_w, g.stride_h, g.stride_w, g.groups) == (1, 1, 1, 1, 1) and \
        tuple(attrs["pads"]) == (0, 0, 0, 0) and (g.out_h, g.out_w) == (g.in_h, g.in_w)


def packed_s8(ctx, k: int) -> bool:
    """Whether a one-group MAC layer of K = k products per output takes the packed kernels (conv2d_pk_s8 /
    dense_pk_s8: weights interleaved for 4-byte dot products at generation time, VPDPBUSD on x86): on the
    generic and x86 targets, K4 within the kernels' stack row; ARM targets keep their DSP / NEON paths."""
    return not str(getattr(ctx, "target", "generic")).startswith(("cortex", "arm")) and kpk.k4_of(k) <= kpk.PK_K


PWP_K = 256  # NNC_PWP_K: largest in_c conv2d_pwp_s8's DSP path takes


def dsp_pointwise_s8(ctx, in_c: int) -> bool:
    """Whether a 1x1 layer takes conv2d_pwp_s8 (weights packed as int16 pairs for SMLAD, twice the bytes of the
    int8 weights): on the ARMv7E-M DSP targets (Cortex-M4 / M7), in_c within its two-pixel stack buffer."""
    from ..codegen.targets import TARGETS
    t = TARGETS.get(str(getattr(ctx, "target", "generic")))
    return t is not None and t.arch == "armv7e-m" and in_c <= PWP_K


def _packed_args(ctx, w, bias, rq) -> tuple:
    b = None if bias is None else ctx.g.tensors[bias.tensor].qdata
    return (Const(f"{w.name}_pk", tuple(int(v) for v in kpk.pack_pk_s8(w.qdata)), "int8_t"),
            Const(f"{w.name}_bias_u", tuple(int(v) for v in kpk.pk_bias_s8(w.qdata, b, rq.input_offset)), "int32_t"))


def lower_mac(ctx, node: Node) -> List[Call]:
    x, y = node.inputs[0], node.outputs[0]
    w, s_w = _weights(ctx, node)
    fx_ = _act(ctx, node, x)
    bias = _bias(ctx, node, fx_.scale, s_w)
    if accumulator_bound_s8(ctx, node) >= ACC32:
        _fail(node, "the int32 accumulator could overflow for some input (weights too large or too many)")
    rq = _mac_requant(ctx, node, s_w)
    if node.op == "dense":
        xs = _shape(ctx, x)
        geom = DenseGeom(xs[0], xs[1], w.shape[0])
        kernel = "dense_s8"
        if packed_s8(ctx, xs[1]):
            wpk, bias_u = _packed_args(ctx, w, bias, rq)
            return [Call(node.name, node.op, "dense_pk_s8", [Param(geom), Param(rq), Buf(x), wpk, bias_u, Buf(y)], y)]
    elif node.op == "conv2d":
        xs, ys, a = _shape(ctx, x), _shape(ctx, y), node.attrs
        geom = ConvGeom(xs[0], xs[1], xs[2], xs[3], ys[1], ys[2], ys[3], w.shape[1], w.shape[2], a["strides"][0],
                        a["strides"][1], a["pads"][0], a["pads"][1], a["dilations"][0], a["dilations"][1],
                        a["groups"])
        kernel = "conv2d_s8"
        if pointwise_s8(geom, a) and not packed_s8(ctx, geom.in_c):  # ARM targets: the input offset folded
            # into the bias once per output channel (the generic and x86 targets take conv2d_pk_s8 below)
            wsum = w.qdata.astype(np.int64).reshape(len(w.qdata), -1).sum(axis=1)
            b = 0 if bias is None else ctx.g.tensors[bias.tensor].qdata.astype(np.int64)
            bias = Const(f"{w.name}_bias_x", tuple(int(v) for v in af.wrap32(b + rq.input_offset * wsum)), "int32_t")
            kernel = "conv2d_pw_s8"
            if dsp_pointwise_s8(ctx, geom.in_c):  # ARMv7E-M: int16 weight pairs packed for SMLAD (two channels x
                # two pixels per step, no widening of the weights at run time)
                wpk = Const(f"{w.name}_pwp", tuple(int(v) for v in ks.pack_pwp_s8(w.qdata)), "int32_t")
                return [Call(node.name, node.op, "conv2d_pwp_s8", [Param(geom), Param(rq), Buf(x), wpk, bias, Buf(y)],
                             y)]
        elif geom.groups == 1 and packed_s8(ctx, geom.k_h * geom.k_w * geom.in_c):
            wpk, bias_u = _packed_args(ctx, w, bias, rq)
            return [Call(node.name, node.op, "conv2d_pk_s8", [Param(geom), Param(rq), Buf(x), wpk, bias_u, Buf(y)],
                         y)]
        elif packed_s8(ctx, geom.k_h * geom.k_w * geom.in_c) and \
                kpk.expand_pays(geom.groups, geom.k_h * geom.k_w, geom.in_c, geom.out_c):
            # narrow groups: the block-diagonal one-group layer (zeros outside each group), the same sums
            wd = kpk.expand_groups(w.qdata, geom.groups, geom.in_c)
            b = None if bias is None else ctx.g.tensors[bias.tensor].qdata
            args = (Const(f"{w.name}_pk", tuple(int(v) for v in kpk.pack_pk_s8(wd)), "int8_t"),
                    Const(f"{w.name}_bias_u", tuple(int(v) for v in kpk.pk_bias_s8(wd, b, rq.input_offset)), "int32_t"))
            geom = dataclasses.replace(geom, groups=1)
            return [Call(node.name, node.op, "conv2d_pk_s8", [Param(geom), Param(rq), Buf(x), *args, Buf(y)], y)]
    elif node.op == "conv_transpose2d":  # TFLite's TRANSPOSE_CONV (the accumulator bound above holds: each
        xs, ys, a = _shape(ctx, x), _shape(ctx, y), node.attrs  # output sums each tap at most once)
        if a["groups"] != 1:
            _fail(node, "grouped transposed convolutions have no affine int8 kernel")
        geom = ConvGeom(xs[0], xs[1], xs[2], xs[3], ys[1], ys[2], ys[3], w.shape[1], w.shape[2], a["strides"][0],
                        a["strides"][1], a["pads"][0], a["pads"][1], a["dilations"][0], a["dilations"][1], 1)
        kernel = "conv_transpose2d_s8"
    else:
        _fail(node, "no affine int8 kernel")
    return [Call(node.name, node.op, kernel, [Param(geom), Param(rq), Buf(x), Const(w.name), bias, Buf(y)], y)]


# ---------------------------------------------------------------- element-wise

def lower_eltwise(ctx, node: Node) -> List[Call]:
    a, b, y = node.inputs[0], node.inputs[1], node.outputs[0]
    fa, fb, fo = _act(ctx, node, a), _act(ctx, node, b), _act(ctx, node, y)
    bc = broadcast_params(_shape(ctx, a), _shape(ctx, b), _shape(ctx, y))
    r = rounding_of(ctx.g)
    lo, hi = act_bounds(node, fo)
    # onnxruntime fuses an Add of two activations into QLinearAdd; one with a constant operand it runs in
    # float between DQ and Q, whose closest integer form is the single-rounding add below
    consts = any(ctx.g.tensors[t].is_const for t in (a, b))
    if node.op == "add" and r == af.ROUND_ORT and not consts:
        # QLinearAdd (MLAS, AVX2): on uint8 values a', b' (= int8 + 128),
        #   nearbyintf(fma(a', A, fma(b', B, F))), A = s_a / s_c, B = s_b / s_c,
        #   F = zc' - (A * za' + B * zb') in float32 (primed zero points in uint8)
        ra, rb = F32(F32(fa.scale) / F32(fo.scale)), F32(F32(fb.scale) / F32(fo.scale))
        za, zb, zc = F32(fa.zero_point + 128), F32(fb.zero_point + 128), F32(fo.zero_point + 128)
        fixed = F32(zc - F32(F32(ra * za) + F32(rb * zb)))
        p = EltwiseS8(bc, 128, 128, 0, af.ort_multiplier(ra), 0, af.ort_multiplier(rb), 0,
                      _as_i32(sf32.bits_of(fixed)), 0, -128, max(lo, -128), min(hi, 127), r,
                      ort_add_table(rb, fixed))
        return [Call(node.name, node.op, "add_s8", [Param(p), _operand(ctx, a), _operand(ctx, b), Buf(y)], y)]
    r = _integer_rounding(ctx.g)
    if node.op == "mul":
        m, s = af.quantize_multiplier(af.mul_scale(fa.scale, fb.scale, fo.scale), r)
        p = EltwiseS8(bc, -fa.zero_point, -fb.zero_point, 0, 0, 0, 0, 0, m, s, fo.zero_point, lo, hi, r)
    else:
        (ma, sa), (mb, sb), (mo, so) = af.add_params(fa.scale, fb.scale, fo.scale, r)
        if so > 2:  # the sum (< 2^28) shifted left must stay below 2^31
            _fail(node, "output scale too small for the input scales (multiplier overflow)")
        p = EltwiseS8(bc, -fa.zero_point, -fb.zero_point, 20, ma, sa, mb, sb, mo, so, fo.zero_point, lo, hi, r)
    return [Call(node.name, node.op, f"{node.op}_s8", [Param(p), _operand(ctx, a), _operand(ctx, b), Buf(y)], y)]


def lower_lut(ctx, node: Node) -> List[Call]:
    x, y = node.inputs[0], node.outputs[0]
    fi, fo = _act(ctx, node, x), _act(ctx, node, y)
    table = lut_table(fi, fo, _unary_fn(node))
    return [Call(node.name, node.op, "lut_s8", [Scalar(_n(ctx, x)), Param(LutS8(table)), Buf(x), Buf(y)], y)]


def lower_sigmoid_tanh(ctx, node: Node) -> List[Call]:
    """TFLite models: TFLite's reference int8 LOGISTIC / TANH bit for bit (logistic_tfl_s8, tanh_tfl_s8, the
    gemmlowp fixed point TFLite Micro runs), in TFLite's fixed output formats; other models: the table."""
    if ctx.g.meta.get("quantization", {}).get("softmax") != "tflite":
        return lower_lut(ctx, node)
    x, y = node.inputs[0], node.outputs[0]
    fi, fo = _act(ctx, node, x), _act(ctx, node, y)
    (scale, zp), kernel = ((af.LOGISTIC_OUTPUT, "logistic_tfl_s8") if node.op == "sigmoid"
                           else (af.TANH_OUTPUT, "tanh_tfl_s8"))
    if F32(fo.scale) != F32(scale) or fo.zero_point != zp:
        _fail(node, f"TFLite's int8 {node.op} needs the output format scale {scale}, zero point {zp}, not {fo}")
    try:
        m, ls, radius = af.tflite_act_params(fi.scale)
    except ValueError as e:
        _fail(node, str(e))
    p = ActTflS8(_n(ctx, x), fi.zero_point, radius, m, ls, -128, 127)
    return [Call(node.name, node.op, kernel, [Param(p), Buf(x), Buf(y)], y)]


def tflite_model(graph) -> bool:
    """A graph imported from TFLite: its layers follow TFLite's own kernels where they differ."""
    return graph.meta.get("quantization", {}).get("source") == "tflite"


def lower_hard_swish(ctx, node: Node) -> List[Call]:
    """TFLite models: TFLite's reference int8 HARD_SWISH bit for bit (hard_swish_tfl_s8); others: the table."""
    if not tflite_model(ctx.g):
        return lower_lut(ctx, node)
    x, y = node.inputs[0], node.outputs[0]
    fi, fo = _act(ctx, node, x), _act(ctx, node, y)
    try:
        om, oe, rm, re_ = af.tflite_hard_swish_params(fi.scale, fo.scale)
    except ValueError as e:
        _fail(node, str(e))
    p = HardSwishTflS8(_n(ctx, x), fi.zero_point, fo.zero_point, om, oe, rm, re_, -128, 127)
    return [Call(node.name, node.op, "hard_swish_tfl_s8", [Param(p), Buf(x), Buf(y)], y)]


def lower_leaky_relu(ctx, node: Node) -> List[Call]:
    """TFLite models: TFLite's QuantizeLeakyRelu (leaky_relu_s8: the multipliers s_in / s_out and
    s_in * alpha / s_out in float32, as LeakyReluPrepare); others: the table."""
    if not tflite_model(ctx.g):
        return lower_lut(ctx, node)
    x, y = node.inputs[0], node.outputs[0]
    fi, fo = _act(ctx, node, x), _act(ctx, node, y)
    alpha = F32(node.attrs["alpha"])
    if not alpha >= 0:
        _fail(node, f"alpha {float(alpha)} < 0 is not supported")
    r = _integer_rounding(ctx.g)
    ma, sa = af.quantize_multiplier(float(F32(F32(F32(fi.scale) * alpha) / F32(fo.scale))), r)
    mi, si = af.quantize_multiplier(float(F32(F32(fi.scale) / F32(fo.scale))), r)
    p = LeakyS8(_n(ctx, x), -fi.zero_point, mi, si, ma, sa, fo.zero_point, -128, 127, r)
    return [Call(node.name, node.op, "leaky_relu_s8", [Param(p), Buf(x), Buf(y)], y)]


def lower_minmax(ctx, node: Node) -> List[Call]:
    """maximum / minimum (maximum_s8, minimum_s8): a comparison of the stored integers, exact when both
    operands and the output share one format (TFLite's converter gives them one)."""
    a, b, y = node.inputs[0], node.inputs[1], node.outputs[0]
    fa, fb, fo = _act(ctx, node, a), _act(ctx, node, b), _act(ctx, node, y)
    if not fa == fb == fo:
        _fail(node, f"operands ({fa}, {fb}) and output ({fo}) must share one format")
    bc = broadcast_params(_shape(ctx, a), _shape(ctx, b), _shape(ctx, y))
    return [Call(node.name, node.op, f"{node.op}_s8", [Param(bc), _operand(ctx, a), _operand(ctx, b), Buf(y)], y)]


def _prelu_period(node: Node, alpha: np.ndarray, x_shape) -> np.ndarray:
    """The slope broadcast to the input, as the shortest run of trailing elements that repeats."""
    try:
        if alpha.ndim > len(x_shape):
            raise ValueError
        full = np.broadcast_to(alpha.reshape((1,) * (len(x_shape) - alpha.ndim) + alpha.shape), tuple(x_shape))
    except ValueError:
        _fail(node, f"slope of shape {alpha.shape} does not broadcast to the input {tuple(x_shape)}")
    for k in range(len(x_shape), -1, -1):  # the slope depends on axes k.. only: the rows over axes ..k-1 agree
        rows = full.reshape(int(np.prod(x_shape[:k], dtype=np.int64)), -1)
        if (rows == rows[:1]).all():
            return np.ascontiguousarray(rows[0])
    raise AssertionError("unreachable: k = 0 leaves one row")


def lower_prelu(ctx, node: Node) -> List[Call]:
    x, s, y = node.inputs[0], node.inputs[1], node.outputs[0]
    fi, fo = _act(ctx, node, x), _act(ctx, node, y)
    st = ctx.g.tensors[s]
    fa = st.fmt
    c = _shape(ctx, x)[-1]
    if tflite_model(ctx.g):
        return _lower_prelu_tflite(ctx, node, fi, fo, st)
    if not isinstance(fa, AffineFormat) or fa.bits != 8 or st.qdata is None or st.size not in (1, c):
        _fail(node, f"slope {s!r} must be an int8 affine constant per channel")
    alpha = np.broadcast_to(st.qdata.reshape(-1), (c,)).astype(np.int64)
    a_scales = np.broadcast_to(fa.scales(st.size) if fa.per_channel else np.float32(fa.scale), (c,))
    a_zp = fa.zero_points(st.size)
    if len(set(int(z) for z in a_zp)) != 1:
        _fail(node, "the slope needs one zero point")
    r = _integer_rounding(ctx.g)
    f32 = np.float32
    mp, sp = af.quantize_multiplier(float(f32(fi.scale) / f32(fo.scale)), r)
    neg = [af.quantize_multiplier(float(f32(fi.scale) * f32(sa) / f32(fo.scale)), r) for sa in a_scales]
    p = PreluS8(_n(ctx, x) // c, c, -fi.zero_point, tuple(int(v) for v in alpha), -int(a_zp[0]), mp, sp,
                tuple(m for m, _ in neg), tuple(v for _, v in neg), fo.zero_point, -128, 127, r)
    return [Call(node.name, node.op, "prelu_s8", [Param(p), Buf(x), Buf(y)], y)]


def _lower_prelu_tflite(ctx, node: Node, fi: AffineFormat, fo: AffineFormat, st) -> List[Call]:
    """TFLite's PRELU as TFLite Micro prepares it: one per-tensor slope format, any slope shape that broadcasts
    to the input (Keras' per-element [H, W, C], per channel, shared axes), multipliers s_in / s_out and
    s_in * s_alpha / s_out in double (LiteRT's reference kernel computes them in float32)."""
    x, y = node.inputs[0], node.outputs[0]
    fa = st.fmt
    if not isinstance(fa, AffineFormat) or fa.bits != 8 or st.qdata is None or fa.per_channel:
        _fail(node, f"slope {st.name!r} must be an int8 constant with one scale and zero point")
    alpha = _prelu_period(node, np.asarray(st.qdata), _shape(ctx, x))
    period = alpha.size
    r = _integer_rounding(ctx.g)
    d = lambda v: float(F32(v))  # noqa: E731 -- the float32 scale as a double
    mp, sp = af.quantize_multiplier(d(fi.scale) / d(fo.scale), r)
    mn, sn = af.quantize_multiplier(d(fi.scale) * d(fa.scale) / d(fo.scale), r)
    p = PreluS8(_n(ctx, x) // period, period, -fi.zero_point, tuple(int(v) for v in alpha), -fa.zero_point, mp, sp,
                (mn,) * period, (sn,) * period, fo.zero_point, -128, 127, r)
    return [Call(node.name, node.op, "prelu_s8", [Param(p), Buf(x), Buf(y)], y)]


def ort_add_table(b_ratio, fixed) -> tuple:
    """QLinearAdd's inner fused multiply-add for each int8 value b: fma(b + 128, B, F) as float32 bits."""
    u = (np.arange(-128, 128) + 128).astype(np.float32)
    return tuple(int(v) for v in sf32.to_bits(sf32.fma_f32(u, np.float32(b_ratio), np.float32(fixed))))


def ort_softmax_table(s_in: float, cols: int) -> tuple:
    """QLinearSoftmax's lookup table (onnxruntime, uint8): float32(exp((i - 255 + shift) * s_in)) for
    i = 0..255, shift = max(0, log(FLT_MAX / cols) - 5) / s_in (double arithmetic, float quotient)."""
    xs = float(F32(s_in))
    shift = math.log(float(F32(np.finfo(np.float32).max) / F32(cols)))
    shift = max(0.0, shift - 5.0) / xs
    return tuple(sf32.bits_of(F32(math.exp((i - 255 + shift) * xs))) for i in range(256))


def lower_softmax(ctx, node: Node) -> List[Call]:
    x, y = node.inputs[0], node.outputs[0]
    fi, fo = _act(ctx, node, x), _act(ctx, node, y)
    xs = _shape(ctx, x)
    if node.attrs["axis"] % len(xs) != len(xs) - 1:
        _fail(node, "only the last (channel) axis is supported")
    cols = xs[-1]
    if ctx.g.meta.get("quantization", {}).get("softmax") == "tflite":
        # TFLite's reference int8 kernel bit for bit (gemmlowp fixed point): its output format only
        if F32(fo.scale) != F32(1.0 / 256) or fo.zero_point != -128:
            _fail(node, "TFLite's int8 softmax needs the output format scale 1/256, zero point -128")
        if cols > 4095:  # TFLite's int32 sum of exps (Q12.19) could overflow
            _fail(node, f"TFLite's int8 softmax handles rows of at most 4095 values, not {cols}")
        m, ls, diff_min = af.tflite_softmax_params(fi.scale, node.attrs.get("beta", 1.0), rounding_of(ctx.g))
        p = SoftmaxTflS8(_n(ctx, x) // cols, cols, m, ls, diff_min, -128, 127)
        return [Call(node.name, node.op, "softmax_tfl_s8", [Param(p), Buf(x), Buf(y)], y)]
    if onnxruntime_mode(ctx.g):
        table = ort_softmax_table(fi.scale, cols)
        y_scale = F32(math.floor(F32(F32(1.0) / F32(fo.scale))))
        # onnxruntime's e * floor(1 / s_out) overflows float32 for very short rows (its result is then
        # undefined behaviour in C++): such layers take the exact table softmax below
        if np.isfinite(F32(sf32.from_bits([table[255]])[0] * y_scale)):
            p = SoftmaxOrtS8(_n(ctx, x) // cols, cols, table, sf32.bits_of(y_scale), fo.zero_point + 128, -128, 127)
            return [Call(node.name, node.op, "softmax_ort_s8", [Param(p), Buf(x), Buf(y)], y)]
    table = np.floor(np.exp(-float(fi.scale) * np.arange(256)) * (1 << 24) + 0.5).astype(np.int64)
    m, e = af.quantize_multiplier(1.0 / float(fo.scale))
    den_shift = 31 - e
    if not 0 <= den_shift <= 40 or (cols << 24) << den_shift >= (1 << 62):
        _fail(node, f"output scale {fo.scale} outside what the table softmax handles")
    p = SoftmaxS8(_n(ctx, x) // cols, cols, tuple(int(v) for v in table), m, den_shift, fo.zero_point, -128, 127)
    return [Call(node.name, node.op, "softmax_s8", [Param(p), Buf(x), Buf(y)], y)]


def lower_log_softmax(ctx, node: Node) -> List[Call]:
    """TFLite's reference int8 LOG_SOFTMAX bit for bit (log_softmax_tfl_s8), for TFLite models only."""
    if ctx.g.meta.get("quantization", {}).get("softmax") != "tflite":
        _fail(node, "log_softmax has an int8 kernel only for TFLite models")
    x, y = node.inputs[0], node.outputs[0]
    fi, fo = _act(ctx, node, x), _act(ctx, node, y)
    xs = _shape(ctx, x)
    if node.attrs["axis"] % len(xs) != len(xs) - 1:
        _fail(node, "only the last (channel) axis is supported")
    scale, zp = af.LOG_SOFTMAX_OUTPUT
    if F32(fo.scale) != F32(scale) or fo.zero_point != zp:
        _fail(node, f"TFLite's int8 log_softmax needs the output format scale 16/256, zero point 127, not {fo}")
    cols = xs[-1]
    if cols > 4095:  # TFLite's int32 sum of exps (Q12.19) could overflow
        _fail(node, f"TFLite's int8 log_softmax handles rows of at most 4095 values, not {cols}")
    try:  # the parameters of the model's TFLite build (single rounding caps the multiplier lower)
        params = af.tflite_log_softmax_params(fi.scale, rounding_of(ctx.g))
    except ValueError as e:
        _fail(node, str(e))
    p = LogSoftmaxTflS8(_n(ctx, x) // cols, cols, *params, -128, 127)
    return [Call(node.name, node.op, "log_softmax_tfl_s8", [Param(p), Buf(x), Buf(y)], y)]


def lower_concat(ctx, node: Node) -> List[Call]:
    y = node.outputs[0]
    fo = _act(ctx, node, y)
    ys = _shape(ctx, y)
    ax = node.attrs["axis"] % len(ys)
    outer = int(np.prod(ys[:ax], dtype=np.int64))
    out_inner = int(np.prod(ys[ax:], dtype=np.int64))
    calls, off = [], 0
    for x in node.inputs:
        fi = _act(ctx, node, x)
        inner = int(np.prod(_shape(ctx, x)[ax:], dtype=np.int64))
        table = None if fi == fo else lut_table(fi, fo)
        calls.append(Call(node.name, node.op, "concat_part_s8",
                          [Param(ConcatS8(outer, inner, out_inner, off, table)), _operand(ctx, x), Buf(y)], y,
                          out_view=(outer, out_inner, off)))
        off += inner
    return calls


# ---------------------------------------------------------------- pools and data movement

def _pool_geom(ctx, node: Node) -> ConvGeom:
    x, y = _shape(ctx, node.inputs[0]), _shape(ctx, node.outputs[0])
    if node.op in ("global_avgpool", "global_maxpool"):
        return ConvGeom(x[0], x[1], x[2], x[3], 1, 1, x[3], x[1], x[2])
    a = node.attrs
    return ConvGeom(x[0], x[1], x[2], x[3], y[1], y[2], y[3], a["kernel"][0], a["kernel"][1], a["strides"][0],
                    a["strides"][1], a["pads"][0], a["pads"][1])


def lower_pool(ctx, node: Node) -> List[Call]:
    x, y = node.inputs[0], node.outputs[0]
    g = _pool_geom(ctx, node)
    if node.op in ("maxpool", "global_maxpool"):
        _same(ctx, node)
        return [Call(node.name, node.op, f"{node.op}_s8", [Param(g), Buf(x), Buf(y)], y)]
    if node.op == "avgpool" and onnxruntime_mode(ctx.g):
        return _lower_avgpool_ort(ctx, node, g)
    if node.op == "avgpool":
        f = _same(ctx, node)
        p = PoolS8(int(bool(node.attrs["count_include_pad"])), f.zero_point, -128, 127,
                   int(average_half_even(ctx.g)))
        return [Call(node.name, node.op, "avgpool_s8", [Param(g), Param(p), Buf(x), Buf(y)], y)]
    fi, fo = _act(ctx, node, x), _act(ctx, node, y)
    count = g.in_h * g.in_w
    if count * 255 >= ACC32:
        _fail(node, "too many pixels for the int32 sum")
    r = rounding_of(ctx.g)
    if r == af.ROUND_ORT:  # QLinearGlobalAveragePool: x_scale / count / y_scale in float32
        m, s = af.ort_multiplier(ort_scale(fi.scale, "/", count, "/", fo.scale)), 0
    else:
        m, s = af.quantize_multiplier(float(np.float32(fi.scale)) / (float(np.float32(fo.scale)) * count), r)
    p = GavgS8(-fi.zero_point, m, s, fo.zero_point, -128, 127, r)
    return [Call(node.name, node.op, "global_avgpool_s8", [Param(g), Param(p), Buf(x), Buf(y)], y)]


def lower_mean(ctx, node: Node) -> List[Call]:
    """TFLite's int8 MEAN (mean_s8): an int32 sum over the reduced axes and one fixed-point multiplier,
    s_in / s_out with 1 / count folded in as TFLite's QuantizedMeanOrSum folds it."""
    x, y = node.inputs[0], node.outputs[0]
    fi, fo = _act(ctx, node, x), _act(ctx, node, y)
    xs = _shape(ctx, x)
    if len(xs) > 4:
        _fail(node, f"rank {len(xs)} > 4")
    red = {a % len(xs) for a in node.attrs["axes"]}
    count = int(np.prod([xs[a] for a in red], dtype=np.int64))
    if 256 * count >= ACC32:
        _fail(node, f"a mean over {count} values could overflow the int32 sum")
    r = _integer_rounding(ctx.g)
    try:
        m, s = af.tflite_mean_params(fi.scale, fo.scale, count, r)
    except ValueError as e:
        _fail(node, str(e))
    pad = 4 - len(xs)
    p = MeanS8(_fill4(xs), tuple([0] * pad + [int(k in red) for k in range(len(xs))]), -fi.zero_point, m, s,
               fo.zero_point, -128, 127, r)
    return [Call(node.name, node.op, "mean_s8", [Param(p), Buf(x), Buf(y)], y)]


def _lower_avgpool_ort(ctx, node: Node, g: ConvGeom) -> List[Call]:
    """QLinearAveragePool as onnxruntime computes it: dequantized inputs summed in float32 in window
    order, divided by the count, by the output scale, plus the zero point, rounded to even.  A window
    covering the whole input without padding is onnxruntime's global average (its fallback)."""
    x, y = node.inputs[0], node.outputs[0]
    fi, fo = _act(ctx, node, x), _act(ctx, node, y)
    a = node.attrs
    if (g.k_h, g.k_w) == (g.in_h, g.in_w) and not any(a["pads"]) and (g.out_h, g.out_w) == (1, 1):
        count = g.in_h * g.in_w
        m = af.ort_multiplier(ort_scale(fi.scale, "/", count, "/", fo.scale))
        p = GavgS8(-fi.zero_point, m, 0, fo.zero_point, -128, 127, af.ROUND_ORT)
        return [Call(node.name, node.op, "global_avgpool_s8", [Param(g), Param(p), Buf(x), Buf(y)], y)]
    q = np.arange(-128, 128)
    table = (F32(fi.scale) * (q - fi.zero_point).astype(F32)).astype(F32)
    p = PoolOrtS8(int(bool(a["count_include_pad"])), tuple(int(v) for v in sf32.to_bits(table)),
                  sf32.bits_of(fo.scale), fo.zero_point + 128, -128, 127)
    return [Call(node.name, node.op, "avgpool_ort_s8", [Param(g), Param(p), Buf(x), Buf(y)], y)]


def _fill4(shape):
    return (1,) * (4 - len(shape)) + tuple(shape)


def lower_pad(ctx, node: Node) -> List[Call]:
    f = _same(ctx, node)
    x, y = node.inputs[0], node.outputs[0]
    xs = _shape(ctx, x)
    if len(xs) > 4:
        _fail(node, "rank > 4")
    before = tuple(node.attrs["pads"][2 * i] for i in range(len(xs)))
    mode = {"constant": 0, "reflect": 1, "edge": 2}[node.attrs["mode"]]
    qv = int(f.quantize(np.float32(node.attrs["value"])))
    p = Pad(_fill4(xs), _fill4(_shape(ctx, y)), (0,) * (4 - len(xs)) + before, mode, qv, 0.0)
    return [Call(node.name, node.op, "pad_s8", [Param(p), Buf(x), Buf(y)], y)]


def lower_resize(ctx, node: Node) -> List[Call]:
    _same(ctx, node)
    x, y = node.inputs[0], node.outputs[0]
    a = node.attrs
    if a["mode"] != "nearest":
        _fail(node, "only nearest resize has an int8 kernel")
    n, h, w, c = _shape(ctx, x)
    oh, ow = _shape(ctx, y)[1:3]
    sc = a.get("scales") or (0.0, 0.0)
    iy = float_ops.resize_nearest_index(h, oh, a["coord"], a["nearest_mode"], sc[0])
    ix = float_ops.resize_nearest_index(w, ow, a["coord"], a["nearest_mode"], sc[1])
    p = Resize(n, h, w, c, oh, ow, y0=tuple(int(i) for i in iy), x0=tuple(int(i) for i in ix))
    return [Call(node.name, node.op, "resize_nearest_s8", [Param(p), Buf(x), Buf(y)], y)]


def lower_transpose(ctx, node: Node) -> List[Call]:
    """A byte permutation: transpose_q7 moves int8 values whatever their format."""
    _same(ctx, node)
    x, y = node.inputs[0], node.outputs[0]
    if node.op == "transpose":
        p = transpose_params(_shape(ctx, x), node.attrs["perm"])
    else:
        c = _shape(ctx, x)[-1]
        g = node.attrs["groups"]
        p = transpose_params((_n(ctx, x) // c, g, c // g), (0, 2, 1))
    return [Call(node.name, node.op, "transpose_q7", [Param(p), Buf(x), Buf(y)], y)]


def lower_strided_slice(ctx, node: Node) -> List[Call]:
    """A strided copy of int8 values (strided_slice_s8): TFLite's STRIDED_SLICE, and each part of a SPLIT."""
    from .params_s16 import slice_params  # the layout struct is shared with strided_slice_s16
    _same(ctx, node)
    x, y = node.inputs[0], node.outputs[0]
    a = node.attrs
    try:
        p = slice_params(_shape(ctx, x), a["begin"], a["strides"], a["size"])
    except GraphError as e:
        _fail(node, str(e))
    return [Call(node.name, node.op, "strided_slice_s8", [Param(p), Buf(x), Buf(y)], y)]


def lower_reshape(ctx, node: Node) -> List[Call]:
    _same(ctx, node)
    return []


# ---------------------------------------------------------------- format changes

def lower_convert(ctx, node: Node) -> List[Call]:
    x, y = node.inputs[0], node.outputs[0]
    fi, fo = _fmt(ctx, x), _fmt(ctx, y)
    n = _n(ctx, x)
    if node.op == "quantize":
        if fi.kind != "float" or not isinstance(fo, AffineFormat) or fo.bits != 8 or fo.per_channel or not fo.signed:
            _fail(node, f"quantize from {fi} to {fo}: only float -> per-tensor int8")
        p = QuantS8(float(fo.scale), fo.zero_point, fo.qmin, fo.qmax,
                    int(ctx.g.meta.get("quantization", {}).get("source") == "tflite"))
        return [Call(node.name, node.op, "quantize_s8", [Scalar(n), Param(p), Buf(x), Buf(y)], y)]
    if node.op == "dequantize":
        if fo.kind != "float" or not isinstance(fi, AffineFormat) or fi.bits != 8 or fi.per_channel or not fi.signed:
            _fail(node, f"dequantize from {fi} to {fo}: only per-tensor int8 -> float")
        p = QuantS8(float(fi.scale), fi.zero_point, fi.qmin, fi.qmax)
        return [Call(node.name, node.op, "dequantize_s8", [Scalar(n), Param(p), Buf(x), Buf(y)], y)]
    if not (isinstance(fi, AffineFormat) and isinstance(fo, AffineFormat)) or fi.per_channel or fo.per_channel \
            or fi.bits != 8 or fo.bits != 8:
        _fail(node, f"requantize from {fi} to {fo}: only per-tensor 8-bit affine formats")
    if fi.signed != fo.signed:
        if fi.with_signed() != fo.with_signed():
            _fail(node, f"requantize from {fi} to {fo}: a uint8 <-> int8 change must keep the real values")
        kernel = "convert_u8_s8" if not fi.signed else "convert_s8_u8"
        return [Call(node.name, node.op, kernel, [Scalar(n), Buf(x), Buf(y)], y)]
    if not fi.signed:
        _fail(node, "requantize between two uint8 formats (uint8 lives only at the model's edges)")
    table = lut_table(fi, fo)
    return [Call(node.name, node.op, "lut_s8", [Scalar(n), Param(LutS8(table)), Buf(x), Buf(y)], y)]


LOWER_S8: Dict[str, Callable] = {
    "conv2d": lower_mac, "dense": lower_mac, "conv_transpose2d": lower_mac, "strided_slice": lower_strided_slice,
    "add": lower_eltwise, "sub": lower_eltwise, "mul": lower_eltwise,
    "maximum": lower_minmax, "minimum": lower_minmax,
    "relu": lower_lut, "clip": lower_lut, "leaky_relu": lower_leaky_relu, "sigmoid": lower_sigmoid_tanh,
    "tanh": lower_sigmoid_tanh,
    "hard_sigmoid": lower_lut, "hard_swish": lower_hard_swish, "prelu": lower_prelu, "softmax": lower_softmax,
    "log_softmax": lower_log_softmax,
    "concat": lower_concat, "maxpool": lower_pool, "avgpool": lower_pool, "global_avgpool": lower_pool,
    "global_maxpool": lower_pool, "pad": lower_pad, "resize": lower_resize, "transpose": lower_transpose,
    "channel_shuffle": lower_transpose, "reshape": lower_reshape, "mean": lower_mean,
}
TFLITE_ONLY = ("conv_transpose2d", "strided_slice", "maximum", "minimum")  # kernels written for TFLite's operators
SAME_FORMAT_OPS = ("maxpool", "global_maxpool", "avgpool", "pad", "resize", "transpose", "channel_shuffle",
                   "reshape")


def unsupported_reason(graph, node: Node) -> Optional[str]:
    """Why ``node`` cannot run as an affine int8 layer (None: it can), judged from its op and
    attributes; used by the QDQ importer to keep such nodes in float."""
    if node.op not in LOWER_S8:
        return f"no affine int8 kernel for op {node.op!r}"
    if node.op in TFLITE_ONLY and not tflite_model(graph):
        return f"the affine int8 {node.op} kernel follows TFLite (TFLite models only)"
    if node.op == "resize" and node.attrs.get("mode") != "nearest":
        return "only nearest resize has an int8 kernel"
    if node.op == "log_softmax" and graph.meta.get("quantization", {}).get("softmax") != "tflite":
        return "log_softmax has an int8 kernel only for TFLite models"
    if node.op in ("softmax", "log_softmax"):
        r = len(graph.tensors[node.inputs[0]].shape)
        if node.attrs.get("axis", -1) % r != r - 1:
            return f"{node.op} over a non-last axis"
    if node.attrs.get("act", "none") == "leaky_relu":
        return "fused leaky ReLU"
    if node.op in ("conv2d", "dense"):
        w = graph.tensors[node.inputs[1]]
        if len(node.inputs) > 1 and not w.is_const:
            return "weights are not constant"
    return None


def lower_node(ctx, node: Node) -> Optional[List[Call]]:
    if node.op in ("quantize", "dequantize", "requantize"):
        return lower_convert(ctx, node)
    if not isinstance(ctx.g.tensors[node.outputs[0]].fmt, AffineFormat):
        return None
    fn = LOWER_S8.get(node.op)
    if fn is None:
        _fail(node, "no affine int8 kernel for this op")
    return fn(ctx, node)
