"""Affine int8 pools, mean and data movement (pad, resize, transpose, strided slice, reshape)."""
from __future__ import annotations

from typing import List

import numpy as np

from ..ir.formats import AffineFormat
from ..ir.graph import GraphError, Node
from ..ref import affine as af
from ..ref import float_ops, sf32
from .lower_common import transpose_params
from .lower_s8_common import (ACC32, rounding_of, onnxruntime_mode, _integer_rounding, F32, ort_scale,
                              average_half_even, _fail, _act, _fmt, _same, _n, _shape, _fill4, slice_formats_ok)
from .params import ConvGeom, GavgS8, MeanS8, Pad, PoolOrtS8, PoolS8, Resize
from .program import Buf, Call, Param


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
    x, y = node.inputs[0], node.outputs[0]
    a = node.attrs
    fi, fo = _fmt(ctx, x), _act(ctx, node, y)
    if not (isinstance(fi, AffineFormat) and fi.bits == 8 and fi.signed and slice_formats_ok(fi, fo, _shape(ctx, x), a)):
        _fail(node, f"input {fi} and output {fo} must share one format (a joined input: the elements read "
                    "must be in the output's format)")
    try:
        p = slice_params(_shape(ctx, x), a["begin"], a["strides"], a["size"])
    except GraphError as e:
        _fail(node, str(e))
    return [Call(node.name, node.op, "strided_slice_s8", [Param(p), Buf(x), Buf(y)], y)]


def lower_reshape(ctx, node: Node) -> List[Call]:
    _same(ctx, node)
    return []
