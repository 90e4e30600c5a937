"""Lowering: (IR node, number formats, target) -> kernel calls with parameters.

All kernel selection happens here (never inside a kernel): number format
suffix (_q7, _q15, _f32), accumulator width from the static overflow proof,
nearest vs bilinear resize, and so on.
"""
from __future__ import annotations

from typing import Callable, Dict, List, Optional

import numpy as np

from ..ir.formats import QFormat, is_float
from ..ir.graph import Graph, GraphError, Node
from ..ir.ops import fused_act_bounds
from ..ref import float_ops
from ..ref.fixedpoint import LEAKY_NONE, leaky_slope_q15
from .params import (ActF32, Broadcast, ConvGeom, DenseGeom, Eltwise, Lut, Pad, Prelu, Requant, Rescale, Resize,
                     Softmax, Transpose)
from .program import Buf, Call, Const, Param, Program, Scalar

FLT_MAX = 3.4028234663852886e38


class Ctx:
    """What lowering of one graph needs to know: its Q width (8 or 16) when it
    has Q-format activations, else float."""

    def __init__(self, graph: Graph):
        self.g = graph
        acts = [graph.inputs[0]] + [o for n in graph.nodes for o in n.outputs]
        qacts = [graph.tensors[t].fmt for t in acts if graph.tensors[t].fmt.kind == "q"]
        self.quant = bool(qacts)
        if self.quant:
            bits = {f.bits for f in qacts}
            if len(bits) != 1:
                raise GraphError(f"mixed activation widths {sorted(bits)} are not supported in one model")
            self.bits = bits.pop()
            self.sfx = {8: "q7", 16: "q15"}[self.bits]
            self.ctype = {8: "int8_t", 16: "int16_t"}[self.bits]
        else:
            self.bits, self.sfx, self.ctype = 32, "f32", "float"

    def shape(self, name):
        return tuple(self.g.tensors[name].shape)

    def fmt(self, name) -> QFormat:
        return self.g.tensors[name].fmt

    def frac(self, name) -> int:
        f = self.fmt(name)
        if not isinstance(f, QFormat) or f.per_channel:
            raise GraphError(f"tensor {name!r} needs a per-tensor Q format, has {f}")
        return int(f.frac)

    @property
    def qmin(self):
        return -(1 << (self.bits - 1))

    @property
    def qmax(self):
        return (1 << (self.bits - 1)) - 1


def _q_bound(v: float, frac: int, lo: int, hi: int) -> int:
    if v == np.inf:
        return hi
    if v == -np.inf:
        return lo
    return int(np.clip(np.floor(v * 2.0 ** frac + 0.5), lo, hi))


def _requant(ctx: Ctx, node: Node, shifts) -> Requant:
    fo = ctx.frac(node.outputs[0])
    lo, hi = fused_act_bounds(node.attrs)
    leaky = LEAKY_NONE
    if node.attrs.get("act") == "leaky_relu":
        leaky = leaky_slope_q15(node.attrs["alpha"])
    for s in shifts:
        if not -31 <= s <= 62:
            raise GraphError(f"node {node.name!r} ({node.op}): requantization shift {s} out of range")
    return Requant(tuple(int(s) for s in shifts), _q_bound(lo, fo, ctx.qmin, ctx.qmax),
                   _q_bound(hi, fo, ctx.qmin, ctx.qmax), leaky)


def _act_f32(node: Node) -> ActF32:
    lo, hi = fused_act_bounds(node.attrs)
    leaky = float(node.attrs["alpha"]) if node.attrs.get("act") == "leaky_relu" else 1.0
    return ActF32(max(lo, -FLT_MAX), min(hi, FLT_MAX), leaky)


def accumulator_bound(ctx: Ctx, node: Node) -> int:
    """Largest |accumulator| any input can produce: sum |w| * max|x| + |b| per channel."""
    w = ctx.g.tensors[node.inputs[1]].qdata.astype(np.int64)
    xmax = 1 << (ctx.fmt(node.inputs[0]).bits - 1)
    bound = np.abs(w).reshape(w.shape[0], -1).sum(axis=1) * xmax
    if len(node.inputs) > 2:
        bound = bound + np.abs(ctx.g.tensors[node.inputs[2]].qdata.astype(np.int64))
    return int(bound.max())


def _mac_kernel(ctx: Ctx, node: Node, family: str) -> str:
    if not ctx.quant:
        return f"{family}_f32"
    safe32 = accumulator_bound(ctx, node) < (1 << 31)
    if ctx.bits == 8:
        return f"{family}_q7" if safe32 else f"{family}_q7_wide"
    return f"{family}_q15_acc32" if safe32 else f"{family}_q15"


def _mac_args(ctx: Ctx, node: Node, geom) -> List:
    x, w = node.inputs[0], node.inputs[1]
    b = Const(node.inputs[2]) if len(node.inputs) > 2 else None
    if ctx.quant:
        fin = ctx.frac(x)
        fw = ctx.fmt(w).fracs(ctx.shape(w)[0])
        shifts = fin + fw - ctx.frac(node.outputs[0])
        epi = Param(_requant(ctx, node, shifts))
    else:
        epi = Param(_act_f32(node))
    return [Param(geom), epi, Buf(x), Const(w), b, Buf(node.outputs[0])]


def _conv_geom(ctx: Ctx, node: Node) -> ConvGeom:
    x, y, w = ctx.shape(node.inputs[0]), ctx.shape(node.outputs[0]), ctx.shape(node.inputs[1])
    a = node.attrs
    return ConvGeom(x[0], x[1], x[2], x[3], y[1], y[2], y[3], w[1], w[2], a["strides"][0], a["strides"][1],
                    a["pads"][0], a["pads"][1], a["dilations"][0], a["dilations"][1], a["groups"])


def _packed_f32(ctx: Ctx, node: Node, k: int) -> bool:
    """Float one-group layers take the packed kernels (conv2d_pk_f32 / dense_pk_f32: 16 output channels in the
    vector lanes, weights packed at generation time) on the generic and x86 targets, K within their stack rows."""
    from ..ref.kernels_pk_f32 import PKF_K
    return not ctx.quant and k <= PKF_K and not str(getattr(ctx, "target", "generic")).startswith(("cortex", "arm"))


def _pack_f32_args(ctx: Ctx, node: Node, args: List, groups: int = 1) -> List:
    from ..ref.kernels_pk_f32 import pack_pk_f32_groups
    w = ctx.g.tensors[node.inputs[1]]
    args[3] = Const(f"{w.name}_pkf", tuple(float(v) for v in pack_pk_f32_groups(w.data, groups)), "float")
    return args


def lower_conv(ctx, node):
    family = "conv2d" if node.op == "conv2d" else "conv_transpose2d"
    g = _conv_geom(ctx, node)
    if family == "conv2d" and g.groups < g.in_c and _packed_f32(ctx, node, g.k_h * g.k_w * g.in_c // g.groups):
        return [Call(node.name, node.op, "conv2d_pk_f32", _pack_f32_args(ctx, node, _mac_args(ctx, node, g), g.groups),
                     node.outputs[0])]
    return [Call(node.name, node.op, _mac_kernel(ctx, node, family), _mac_args(ctx, node, g), node.outputs[0])]


def lower_dense(ctx, node):
    x, w = ctx.shape(node.inputs[0]), ctx.shape(node.inputs[1])
    geom = DenseGeom(x[0], x[1], w[0])
    if _packed_f32(ctx, node, x[1]):
        return [Call(node.name, node.op, "dense_pk_f32", _pack_f32_args(ctx, node, _mac_args(ctx, node, geom)),
                     node.outputs[0])]
    return [Call(node.name, node.op, _mac_kernel(ctx, node, "dense"), _mac_args(ctx, node, geom), node.outputs[0])]


def _same_format(ctx, node):
    if ctx.quant and ctx.fmt(node.inputs[0]) != ctx.fmt(node.outputs[0]):
        raise GraphError(f"node {node.name!r} ({node.op}) must keep its input's format")


def lower_pool(ctx, node):
    _same_format(ctx, node)
    x, y = ctx.shape(node.inputs[0]), ctx.shape(node.outputs[0])
    a = node.attrs
    if node.op in ("global_avgpool", "global_maxpool"):
        geom = ConvGeom(x[0], x[1], x[2], x[3], 1, 1, x[3], x[1], x[2])
        args = [Param(geom)]
    else:
        geom = ConvGeom(x[0], x[1], x[2], x[3], y[1], y[2], y[3], a["kernel"][0], a["kernel"][1],
                        a["strides"][0], a["strides"][1], a["pads"][0], a["pads"][1])
        args = [Param(geom)]
        if node.op == "avgpool":
            args.append(Scalar(int(bool(a["count_include_pad"]))))
    return [Call(node.name, node.op, f"{node.op}_{ctx.sfx}", args + [Buf(node.inputs[0]), Buf(node.outputs[0])],
                 node.outputs[0])]


def _strides4(shape, out_shape):
    shape = (1,) * (4 - len(shape)) + tuple(shape)
    st = [0] * 4
    acc = 1
    for i in range(3, -1, -1):
        st[i] = 0 if shape[i] == 1 and out_shape[i] != 1 else acc
        acc *= shape[i]
    return tuple(st)


def broadcast_params(a_shape, b_shape, out_shape) -> Broadcast:
    if len(out_shape) > 4:
        raise GraphError(f"broadcast of rank {len(out_shape)} > 4")
    o4 = (1,) * (4 - len(out_shape)) + tuple(out_shape)
    return Broadcast(o4, _strides4(a_shape, o4), _strides4(b_shape, o4))


def _operand(ctx, name):
    return Const(name) if ctx.g.tensors[name].is_const else Buf(name)


def lower_eltwise(ctx, node):
    a, b, y = node.inputs[0], node.inputs[1], node.outputs[0]
    bc = broadcast_params(ctx.shape(a), ctx.shape(b), ctx.shape(y))
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


def _n(ctx, name):
    return int(np.prod(ctx.shape(name), dtype=np.int64))


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


def _fill4(shape):
    if len(shape) > 4:
        raise GraphError(f"rank {len(shape)} > 4 not supported here")
    return (1,) * (4 - len(shape)) + tuple(shape)


def lower_pad(ctx, node):
    _same_format(ctx, node)
    x, y = node.inputs[0], node.outputs[0]
    xs = ctx.shape(x)
    before = tuple(node.attrs["pads"][2 * i] for i in range(len(xs)))
    mode = {"constant": 0, "reflect": 1, "edge": 2}[node.attrs["mode"]]
    val = float(node.attrs["value"])
    qv = 0
    if ctx.quant:
        f = ctx.fmt(x)
        qv = int(f.quantize(np.array(val)))
    p = Pad(_fill4(xs), _fill4(ctx.shape(y)), (0,) * (4 - len(xs)) + before, mode, qv, val)
    return [Call(node.name, node.op, f"pad_{ctx.sfx}", [Param(p), Buf(x), Buf(y)], y)]


def lower_resize(ctx, node):
    _same_format(ctx, node)
    x, y = node.inputs[0], node.outputs[0]
    n, h, w, c = ctx.shape(x)
    oh, ow = ctx.shape(y)[1:3]
    a = node.attrs
    sc = a.get("scales") or (0.0, 0.0)
    t16 = lambda v: tuple(int(i) for i in v)  # noqa: E731
    if a["mode"] == "nearest":
        iy = float_ops.resize_nearest_index(h, oh, a["coord"], a["nearest_mode"], sc[0])
        ix = float_ops.resize_nearest_index(w, ow, a["coord"], a["nearest_mode"], sc[1])
        p = Resize(n, h, w, c, oh, ow, y0=t16(iy), x0=t16(ix))
        return [Call(node.name, node.op, f"resize_nearest_{ctx.sfx}", [Param(p), Buf(x), Buf(y)], y)]
    y0, y1, wy = float_ops.resize_linear_taps(h, oh, a["coord"], sc[0])
    x0, x1, wx = float_ops.resize_linear_taps(w, ow, a["coord"], sc[1])
    if ctx.quant:
        q10 = lambda v: tuple(int(i) for i in np.floor(v * 1024 + 0.5))  # noqa: E731
        p = Resize(n, h, w, c, oh, ow, t16(y0), t16(y1), t16(x0), t16(x1), q10(wy), q10(wx), None, None,
                   20, ctx.qmin, ctx.qmax)
    else:
        p = Resize(n, h, w, c, oh, ow, t16(y0), t16(y1), t16(x0), t16(x1), None, None,
                   tuple(float(v) for v in wy), tuple(float(v) for v in wx))
    return [Call(node.name, node.op, f"resize_bilinear_{ctx.sfx}", [Param(p), Buf(x), Buf(y)], y)]


def transpose_params(in_shape, perm) -> Transpose:
    r = len(in_shape)
    if r > 6:
        raise GraphError(f"transpose of rank {r} > 6")
    strides = [int(np.prod(in_shape[i + 1:], dtype=np.int64)) for i in range(r)]
    out_shape = [in_shape[p] for p in perm]
    in_stride = [strides[p] for p in perm]
    return Transpose(tuple([1] * (6 - r) + out_shape), tuple([0] * (6 - r) + in_stride))


def lower_transpose(ctx, node):
    _same_format(ctx, node)
    x, y = node.inputs[0], node.outputs[0]
    if node.op == "transpose":
        p = transpose_params(ctx.shape(x), node.attrs["perm"])
    else:
        c = ctx.shape(x)[-1]
        g = node.attrs["groups"]
        p = transpose_params((_n(ctx, x) // c, g, c // g), (0, 2, 1))
    return [Call(node.name, node.op, f"transpose_{ctx.sfx}", [Param(p), Buf(x), Buf(y)], y)]


def lower_reshape(ctx, node):
    _same_format(ctx, node)
    return []  # an alias: the memory planner gives both tensors one buffer


LOWER: Dict[str, Callable[[Ctx, Node], List[Call]]] = {
    "conv2d": lower_conv, "conv_transpose2d": lower_conv, "dense": lower_dense,
    "maxpool": lower_pool, "avgpool": lower_pool, "global_avgpool": lower_pool, "global_maxpool": lower_pool,
    "add": lower_eltwise, "sub": lower_eltwise, "mul": lower_eltwise, "concat": lower_concat,
    "relu": lower_clamp, "clip": lower_clamp, "leaky_relu": lower_unary, "sigmoid": lower_unary,
    "tanh": lower_unary, "hard_sigmoid": lower_unary, "hard_swish": lower_unary, "prelu": lower_prelu,
    "softmax": lower_softmax, "pad": lower_pad, "resize": lower_resize, "transpose": lower_transpose,
    "channel_shuffle": lower_transpose, "reshape": lower_reshape, "log_softmax": lower_log_softmax,
}


# Modules that lower other number formats (affine int8, packed binary).  Each
# offers ``lower_node(ctx, node) -> list of Calls or None`` (None: not mine).
EXTENSIONS = ["nncodegen.lower.lower_sparse_codebook", "nncodegen.lower.lower_compress", "nncodegen.lower.lower_camera", "nncodegen.lower.lower_finn", "nncodegen.lower.lower_s16",
              "nncodegen.lower.lower_s8",
              "nncodegen.lower.lower_binary", "nncodegen.lower.lower_pk_q"]


def _extensions():
    import importlib
    mods = []
    for name in EXTENSIONS:
        try:
            mods.append(importlib.import_module(name))
        except ModuleNotFoundError as e:
            if e.name != name:
                raise
    return mods


def _lower_node(ctx, exts, node: Node) -> List[Call]:
    for ext in exts:
        got = ext.lower_node(ctx, node)
        if got is not None:
            return got
    fn = LOWER.get(node.op)
    if fn is None:
        raise GraphError(f"node {node.name!r}: no kernel for op {node.op!r}")
    return fn(ctx, node)


def lower(graph: Graph, target: str = "generic") -> Program:
    ctx = Ctx(graph)
    ctx.target = target
    exts = _extensions()
    calls: List[Call] = []
    for node in graph.nodes:
        try:
            calls.extend(_lower_node(ctx, exts, node))
        except (ValueError, OverflowError, ZeroDivisionError, FloatingPointError) as e:
            if isinstance(e, GraphError):
                raise
            # a kernel parameter the formats cannot give (a multiplier out of range, say): name the node
            msg = (str(e).strip().splitlines() or [type(e).__name__])[0][:200]
            raise GraphError(f"node {node.name[:80]!r} ({node.op}): cannot lower: {msg}") from None
    elem = {8: 1, 16: 2, 32: 4}[ctx.bits]
    prog = Program(graph.name, calls, ctx.ctype, elem)
    prog.kernels_used = sorted({c.kernel for c in calls})
    from .planner import plan_memory
    plan_memory(graph, prog)
    return prog
