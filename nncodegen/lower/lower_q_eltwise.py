"""Lowering of Q-format and float element-wise layers: add / sub / mul (and maximum / minimum in float32), concat, clamp, tables of unary
functions, PReLU, softmax and log-softmax."""
from __future__ import annotations

import numpy as np

from ..ir.graph import GraphError
from ..ref import float_ops
from .lower_common import FLT_MAX, _q_bound, _requant, _act_f32, broadcast_params, _operand, _n
from .params import ActF32, Eltwise, Lut, Prelu, Rescale, Softmax
from .program import Buf, Call, Const, Param, Scalar


def lower_eltwise(ctx, node):
    a, b, y = node.inputs[0], node.inputs[1], node.outputs[0]
    bc = broadcast_params(ctx.shape(a), ctx.shape(b), ctx.shape(y))
    if ctx.quant and node.op in ("maximum", "minimum"):
        raise GraphError(f"node {node.name!r}: {node.op} of Q-format tensors is not supported (float32 and, for "
                         "TFLite models, affine int8 only)")
    if ctx.quant:
        fa, fb, fo = ctx.frac(a), ctx.frac(b), ctx.frac(y)
        rq = _requant(ctx, node, [0])
        if node.op == "mul":
            p = Eltwise(bc, 0, 0, fa + fb - fo, rq.out_min, rq.out_max)
        else:
            f = max(fa, fb)
            if f - min(fa, fb) > 31:
                raise GraphError(f"node {node.name!r}: operand formats too far apart to align")
            p = Eltwise(bc, f - fa, f - fb, f - fo, rq.out_min, rq.out_max)
        if node.attrs.get("act") == "leaky_relu":
            raise GraphError(f"node {node.name!r}: leaky ReLU fused into {node.op} is not supported in Q formats")
        args = [Param(p)]
    else:
        args = [Param(bc), Param(_act_f32(node))]
    return [Call(node.name, node.op, f"{node.op}_{ctx.sfx}", args + [_operand(ctx, a), _operand(ctx, b), Buf(y)], y)]


def lower_concat(ctx, node):
    y = node.outputs[0]
    ys = ctx.shape(y)
    ax = node.attrs["axis"] % len(ys)
    outer = int(np.prod(ys[:ax], dtype=np.int64))
    out_inner = int(np.prod(ys[ax:], dtype=np.int64))
    calls, off = [], 0
    for x in node.inputs:
        inner = int(np.prod(ctx.shape(x)[ax:], dtype=np.int64))
        if ctx.quant:
            p = Rescale(outer, inner, out_inner, off, ctx.frac(x) - ctx.frac(y), ctx.qmin, ctx.qmax)
            kernel = f"rescale_{ctx.sfx}"
        else:
            p = Rescale(outer, inner, out_inner, off, 0, 0, 0)
            kernel = "concat_part_f32"
        calls.append(Call(node.name, node.op, kernel, [Param(p), _operand(ctx, x), Buf(y)], y,
                          out_view=(outer, out_inner, off)))
        off += inner
    return calls


def lower_clamp(ctx, node):
    """Standalone relu / clip."""
    x, y = node.inputs[0], node.outputs[0]
    lo = 0.0 if node.op == "relu" else (-np.inf if node.attrs["min"] is None else node.attrs["min"])
    hi = np.inf if node.op == "relu" or node.attrs["max"] is None else node.attrs["max"]
    n = _n(ctx, x)
    if ctx.quant:
        fo = ctx.frac(y)
        p = Rescale(1, n, n, 0, ctx.frac(x) - fo, _q_bound(lo, fo, ctx.qmin, ctx.qmax),
                    _q_bound(hi, fo, ctx.qmin, ctx.qmax))
        return [Call(node.name, node.op, f"rescale_{ctx.sfx}", [Param(p), Buf(x), Buf(y)], y)]
    act = ActF32(max(lo, -FLT_MAX), min(hi, FLT_MAX), 1.0)
    return [Call(node.name, node.op, "act_f32", [Scalar(n), Param(act), Buf(x), Buf(y)], y)]


UNARY_F = {"sigmoid": float_ops.sigmoid, "tanh": float_ops.tanh, "hard_sigmoid": float_ops.hard_sigmoid,
           "hard_swish": float_ops.hard_swish, "leaky_relu": float_ops.leaky_relu}


def make_lut(fn, attrs, bits: int, fin: int, fout: int) -> Lut:
    """Table of fn from input Q(bits, fin) to output Q(bits, fout) codes."""
    if bits == 8:
        x_min, shift = -128, 0
    else:
        x_min, shift = -32768, 8
    xs = x_min + (np.arange(257, dtype=np.int64) << shift)
    vals = np.asarray(fn(attrs, xs.astype(np.float64) * 2.0 ** -fin), dtype=np.float64)
    table = np.clip(np.floor(vals * 2.0 ** fout + 0.5), -(1 << 30), 1 << 30).astype(np.int64)
    return Lut(tuple(int(v) for v in table), x_min, shift)


def lower_unary(ctx, node):
    x, y = node.inputs[0], node.outputs[0]
    n = _n(ctx, x)
    if ctx.quant:
        lut = make_lut(UNARY_F[node.op], node.attrs, ctx.bits, ctx.frac(x), ctx.frac(y))
        return [Call(node.name, node.op, f"lut_{ctx.sfx}", [Scalar(n), Param(lut), Buf(x), Buf(y)], y)]
    if node.op == "leaky_relu":
        act = ActF32(-FLT_MAX, FLT_MAX, float(node.attrs["alpha"]))
        return [Call(node.name, node.op, "act_f32", [Scalar(n), Param(act), Buf(x), Buf(y)], y)]
    if node.op == "hard_sigmoid":
        args = [Scalar(n), Scalar(float(node.attrs["alpha"]), "float"), Scalar(float(node.attrs["beta"]), "float")]
    else:
        args = [Scalar(n)]
    return [Call(node.name, node.op, f"{node.op}_f32", args + [Buf(x), Buf(y)], y)]


def lower_prelu(ctx, node):
    x, s, y = node.inputs[0], node.inputs[1], node.outputs[0]
    xs = ctx.shape(x)
    c = xs[-1]
    st = ctx.g.tensors[s]
    if int(np.prod(st.shape)) not in (1, c) or (st.shape and st.shape[-1] not in (1, c)):
        raise GraphError(f"node {node.name!r} (prelu): slope shape {st.shape} is not per channel of {xs}")
    outer = _n(ctx, x) // c
    if ctx.quant:
        slope = np.broadcast_to(st.qdata.reshape(-1), (c,)).astype(np.int16)
        fs = int(st.fmt.frac)
        fo = ctx.frac(y)
        p = Prelu(outer, c, fs, ctx.frac(x) + fs - fo, ctx.qmin, ctx.qmax)
        return [Call(node.name, node.op, f"prelu_{ctx.sfx}",
                     [Param(p), Buf(x), Const(s, tuple(int(v) for v in slope), "int16_t"), Buf(y)], y)]
    slope = np.broadcast_to(st.data.reshape(-1), (c,)).astype(np.float32)
    return [Call(node.name, node.op, "prelu_f32",
                 [Param(Prelu(outer, c)), Buf(x), Const(s, tuple(float(v) for v in slope), "float"), Buf(y)], y)]


def make_exp_lut(bits: int, fin: int) -> Lut:
    """exp(d * 2^-fin) * 2^16 for d = x - max <= 0."""
    if bits == 8:
        shift = 0
    else:
        span = 16.0 * 2.0 ** fin
        shift = int(np.clip(np.ceil(np.log2(max(span, 1.0) / 256.0)), 0, 8))
    x_min = -(256 << shift) + (1 if shift == 0 else 0)
    d = x_min + (np.arange(257, dtype=np.int64) << shift)
    table = np.floor(np.exp(np.minimum(d, 0) * 2.0 ** -fin) * 65536.0 + 0.5).astype(np.int64)
    return Lut(tuple(int(v) for v in table), int(x_min), shift)


def lower_softmax(ctx, node):
    x, y = node.inputs[0], node.outputs[0]
    xs = ctx.shape(x)
    if node.attrs["axis"] % len(xs) != len(xs) - 1:
        raise GraphError(f"node {node.name!r} (softmax): only the last (channel) axis is supported")
    cols = xs[-1]
    rows = _n(ctx, x) // cols
    if ctx.quant:
        p = Softmax(rows, cols, make_exp_lut(ctx.bits, ctx.frac(x)), ctx.frac(y), ctx.qmax)
        return [Call(node.name, node.op, f"softmax_{ctx.sfx}", [Param(p), Buf(x), Buf(y)], y)]
    return [Call(node.name, node.op, "softmax_f32", [Scalar(rows), Scalar(cols), Buf(x), Buf(y)], y)]


def lower_log_softmax(ctx, node):
    x, y = node.inputs[0], node.outputs[0]
    xs = ctx.shape(x)
    if ctx.quant:
        raise GraphError(f"node {node.name!r} (log_softmax): no Q-format kernel; log_softmax runs in float32 or as "
                         "TFLite's int8 kernel (an affine int8 TFLite model)")
    if node.attrs["axis"] % len(xs) != len(xs) - 1:
        raise GraphError(f"node {node.name!r} (log_softmax): only the last (channel) axis is supported")
    cols = xs[-1]
    return [Call(node.name, node.op, "log_softmax_f32", [Scalar(_n(ctx, x) // cols), Scalar(cols), Buf(x), Buf(y)],
                 y)]
