"""Affine int8 activations: 256-entry tables, TFLite's fixed-point sigmoid / tanh / hard-swish / leaky
ReLU, PReLU, softmax and log-softmax (TFLite's, onnxruntime's or the exact table softmax)."""
from __future__ import annotations

import math
from typing import List

import numpy as np

from ..ir.formats import AffineFormat
from ..ir.graph import Node
from ..ref import affine as af
from ..ref import sf32
from .lower_s8_common import (rounding_of, onnxruntime_mode, _integer_rounding, F32, _fail, _act, _n, _shape,
                              lut_table, _unary_fn, tflite_model)
from .params import (ActTflS8, HardSwishTflS8, LeakyS8, LogSoftmaxTflS8, LutS8, PreluS8, SoftmaxOrtS8, SoftmaxS8,
                     SoftmaxTflS8)
from .program import Buf, Call, Param, Scalar


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
