"""Affine int8 element-wise layers of two operands (add, sub, mul, maximum, minimum), concat, and the
format changes (quantize, dequantize, requantize)."""
from __future__ import annotations

from typing import List

import numpy as np

from ..ir.formats import AffineFormat
from ..ir.graph import Node
from ..ref import affine as af
from ..ref import sf32
from .lower_common import _operand, broadcast_params
from .lower_s8_common import (rounding_of, _integer_rounding, F32, _as_i32, _fail, _fmt, _act, _n, _shape,
                              act_bounds, lut_table)
from .params import ConcatS8, EltwiseS8, LutS8, QuantS8
from .program import Buf, Call, Param, Scalar


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


def lower_minmax(ctx, node: Node) -> List[Call]:
    """maximum / minimum (maximum_s8, minimum_s8): a comparison of the stored integers, exact when both
    operands and the output share one format (TFLite's converter gives them one)."""
    a, b, y = node.inputs[0], node.inputs[1], node.outputs[0]
    fa, fb, fo = _act(ctx, node, a), _act(ctx, node, b), _act(ctx, node, y)
    if not fa == fb == fo:
        _fail(node, f"operands ({fa}, {fb}) and output ({fo}) must share one format")
    bc = broadcast_params(_shape(ctx, a), _shape(ctx, b), _shape(ctx, y))
    return [Call(node.name, node.op, f"{node.op}_s8", [Param(bc), _operand(ctx, a), _operand(ctx, b), Buf(y)], y)]


def ort_add_table(b_ratio, fixed) -> tuple:
    """QLinearAdd's inner fused multiply-add for each int8 value b: fma(b + 128, B, F) as float32 bits."""
    u = (np.arange(-128, 128) + 128).astype(np.float32)
    return tuple(int(v) for v in sf32.to_bits(sf32.fma_f32(u, np.float32(b_ratio), np.float32(fixed))))


def _row_formats(ctx, node: Node, ys, ax: int):
    """Joined model outputs (frontends/tflite/join.py): an output of one format per index of the concat axis,
    each part copied in its own format: the per-index formats, or None for a per-tensor output."""
    f = ctx.g.tensors[node.outputs[0]].fmt
    if not (isinstance(f, AffineFormat) and f.per_channel and f.bits == 8 and f.signed):
        return None
    if f.axis % len(ys) != ax:
        _fail(node, f"output format {f}: one format per index of axis {f.axis}, the concat axis is {ax}")
    return f.scales(ys[ax]), f.zero_points(ys[ax])


def lower_concat(ctx, node: Node) -> List[Call]:
    y = node.outputs[0]
    ys = _shape(ctx, y)
    ax = node.attrs["axis"] % len(ys)
    rows = _row_formats(ctx, node, ys, ax)
    fo = _act(ctx, node, y) if rows is None else None
    outer = int(np.prod(ys[:ax], dtype=np.int64))
    out_inner = int(np.prod(ys[ax:], dtype=np.int64))
    calls, off = [], 0
    for x in node.inputs:
        fi = _act(ctx, node, x)
        inner = int(np.prod(_shape(ctx, x)[ax:], dtype=np.int64))
        if rows is not None:  # a copy into the rows of the part's own format
            r0 = off // (out_inner // ys[ax])
            r1 = r0 + _shape(ctx, x)[ax]
            if not ((rows[0][r0:r1] == np.float32(fi.scale)).all() and (rows[1][r0:r1] == fi.zero_point).all()):
                _fail(node, f"input {x!r} ({fi}) is not in the format of its rows {r0}..{r1 - 1} of the output")
            table = None
        else:
            table = None if fi == fo else lut_table(fi, fo)
        calls.append(Call(node.name, node.op, "concat_part_s8",
                          [Param(ConcatS8(outer, inner, out_inner, off, table)), _operand(ctx, x), Buf(y)], y,
                          out_view=(outer, out_inner, off)))
        off += inner
    return calls


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
