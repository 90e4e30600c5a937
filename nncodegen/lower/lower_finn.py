"""Lowering of ``multithreshold`` and ``argmax`` (ir/ops_finn.py); lower.py calls ``lower_node``.

multithreshold, by the input's format (the output's format was chosen by passes/finn_formats.py):
  Q(bits, f) input  -> ``mthreshold_q7`` / ``_q15``: integer thresholds T = ceil(t * 2^f), so that
                       q >= T  <=>  q * 2^-f >= t exactly; T is clamped to [qmin, qmax + 1] (beyond
                       those the comparison is constant), and the output integers are
                       out_bias * 2^fo + out_scale * 2^fo * count (exact by the choice of fo);
  float input       -> ``mthreshold_f32`` (float output: out_scale * count + out_bias in float32) or
                       ``mthreshold_f32_q7`` / ``_q15`` (Q output, integers as above).
argmax: ``argmax_s8`` / ``_s16`` / ``_s32`` / ``_f32`` by the input's C type (Q-format and affine integers
order like their reals: positive scales).
"""
from __future__ import annotations

from fractions import Fraction
from typing import List, Optional

import numpy as np

from ..ir.formats import QFormat
from ..ir.graph import GraphError, Node
from .params_finn import ArgMax, MThreshold, MThresholdF32
from .program import Buf, Call, Const, Param

OPS = ("multithreshold", "argmax")


def _err(node, msg):
    raise GraphError(f"node {node.name!r} ({node.op}): {msg}")


def _outer_c(shape):
    c = int(shape[-1])
    return int(np.prod(shape, dtype=np.int64)) // c, c


def int_thresholds(t: np.ndarray, frac: int, qmin: int, qmax: int) -> np.ndarray:
    """ceil(t * 2^frac) per threshold, exactly (Fractions of the stored values), clamped to [qmin, qmax + 1]."""
    out = []
    for v in np.asarray(t, np.float64).reshape(-1):
        if np.isnan(v):
            out.append(qmax + 1)           # x >= NaN is never true
        elif not np.isfinite(v):
            out.append(qmin if v < 0 else qmax + 1)
        else:
            r = Fraction(float(v)) * (Fraction(2) ** frac)
            T = -((-r.numerator) // r.denominator)
            out.append(int(min(max(T, qmin), qmax + 1)))
    return np.asarray(out, np.int64).reshape(np.shape(t))


def _levels(node, fo: QFormat):
    s = Fraction(float(node.attrs["out_scale"])) * (Fraction(2) ** int(fo.frac))
    b = Fraction(float(node.attrs["out_bias"])) * (Fraction(2) ** int(fo.frac))
    if s.denominator != 1 or b.denominator != 1:
        _err(node, f"out_scale {node.attrs['out_scale']} / out_bias {node.attrs['out_bias']} are not integers "
                   f"in the output format {fo}")
    return int(s), int(b)


def lower_multithreshold(ctx, node) -> List[Call]:
    x, th = node.inputs
    y = node.outputs[0]
    g = ctx.g
    fi, fo = g.tensors[x].fmt, g.tensors[y].fmt
    outer, c = _outer_c(ctx.shape(x))
    rows, n_thr = ctx.shape(th)
    shared = int(rows == 1)
    tdata = np.asarray(g.tensors[th].data, np.float32)
    if fo.kind == "q":
        if not isinstance(fo, QFormat) or fo.per_channel or fo.bits not in (8, 16):
            _err(node, f"output format {fo} is not a per-tensor Q8 / Q16 format")
        si, bi = _levels(node, fo)
        if abs(bi) + abs(si) * n_thr >= (1 << 31):
            _err(node, "output levels beyond int32")
        sfx = "q7" if fo.bits == 8 else "q15"
    elif fo.kind != "float":
        _err(node, f"output format {fo} is not supported (Q-format or float)")
    if fi.kind == "q":
        if not isinstance(fi, QFormat) or fi.per_channel or fi.bits != getattr(fo, "bits", None) or fo.kind != "q":
            _err(node, f"an integer input {fi} needs an integer output of the same width, not {fo}")
        T = int_thresholds(tdata, int(fi.frac), fi.qmin, fi.qmax)
        p = MThreshold(outer, c, n_thr, shared, si, bi, fo.qmin, fo.qmax)
        tc = Const(th, tuple(int(v) for v in T.reshape(-1)), "int32_t")
        return [Call(node.name, node.op, f"mthreshold_{sfx}", [Param(p), Buf(x), tc, Buf(y)], y)]
    if fi.kind != "float":
        _err(node, f"thresholds on a {fi} input are not supported (Q-format or float)")
    tc = Const(th, tuple(float(v) for v in tdata.reshape(-1)), "float")
    if fo.kind == "float":
        p = MThresholdF32(outer, c, n_thr, shared, out_scale_f=float(np.float32(node.attrs["out_scale"])),
                          out_bias_f=float(np.float32(node.attrs["out_bias"])))
        return [Call(node.name, node.op, "mthreshold_f32", [Param(p), Buf(x), tc, Buf(y)], y)]
    p = MThresholdF32(outer, c, n_thr, shared, si, bi, fo.qmin, fo.qmax)
    return [Call(node.name, node.op, f"mthreshold_f32_{sfx}", [Param(p), Buf(x), tc, Buf(y)], y)]


ARGMAX_KERNELS = {"int8_t": "argmax_s8", "int16_t": "argmax_s16", "int32_t": "argmax_s32", "float": "argmax_f32"}


def lower_argmax(ctx, node) -> List[Call]:
    x, y = node.inputs[0], node.outputs[0]
    fi, fo = ctx.g.tensors[x].fmt, ctx.g.tensors[y].fmt
    if fo.kind != "index":
        _err(node, f"its output must be an index, is {fo}")
    if fi.kind not in ("q", "affine", "float") or fi.ctype not in ARGMAX_KERNELS:
        _err(node, f"argmax of a {fi} value is not supported")
    outer, n = _outer_c(ctx.shape(x))
    return [Call(node.name, node.op, ARGMAX_KERNELS[fi.ctype], [Param(ArgMax(outer, n)), Buf(x), Buf(y)], y)]


def lower_node(ctx, node: Node) -> Optional[List[Call]]:
    if node.op == "multithreshold":
        return lower_multithreshold(ctx, node)
    if node.op == "argmax":
        return lower_argmax(ctx, node)
    if node.op == "reshape" and ctx.g.tensors[node.inputs[0]].fmt.kind == "index":
        return []    # an alias, like every reshape
    return None
