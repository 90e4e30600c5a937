"""Lowering of binarized layers: bconv2d / bdense / sign / unpack, and the
maxpool and reshape of packed binary maps (formats.BinaryFormat).

lower.py calls ``lower_node(ctx, node)`` for every node; this returns the
kernel calls of the nodes it owns and None for the others.

Kernel choice (never inside a kernel):
  input  packed bits, binary weights  -> ``*_xnor_*``;   ternary weights -> ``*_xnor_tern_*``
  input  Q(8|16, f), binary weights   -> ``*_bw_q7_*`` / ``*_bw_q15_*``; ternary -> ``*_tw_*``
  int8 weights (Q8.0: a multi-bit weight Quant inside a binarized network, passes/binarize.py)
         packed bits input -> ``*_bits_w8_*``;  Q(8|16) input -> ``*_w8_q7_*`` / ``*_w8_q15_*``
  output packed bits -> ``_bits`` (thresholds), Q(8|16) -> ``_q7`` / ``_q15``, float -> ``_f32``

Epilogue arithmetic (all exact or correctly rounded; see nnc_types.h):
  * thresholds: the IR threshold is a real number t on the real accumulator
    acc * 2^-f_in; the integer accumulator compares with T = ceil(t * 2^f_in),
    computed with fractions.Fraction from the stored float, so acc >= T holds
    exactly when the real comparison does.  T is clamped to +-2^30
    (beyond the reachable range the output is constant either way).
  * Q outputs: v = acc * mult + bias, out = round_half_up(v * 2^-S), with
    mult = round(scale * 2^(f_out - f_in + S)), bias = round(b * 2^(f_out + S))
    and S as large as the int64 range allows (mult < 2^31, |acc * mult| < 2^61,
    or < 2^46 with PReLU), so the only error beyond the final rounding is a
    relative 2^-30 in the scale.
  * float outputs: float32 scale and bias, one rounding per operation.
"""
from __future__ import annotations

from fractions import Fraction
from typing import List, Optional

import numpy as np

from ..ir.formats import AffineFormat, BinaryFormat, QFormat, TernaryFormat, storage_shape
from ..ir.graph import GraphError, Node
from ..ref.bits import pack_filters
from ..ref.kernels_bin import pack_w8_conv
from .params import FLT_MAX32, BConv, BDense, BinEpi, BPack, ConvGeom
from .program import Buf, Call, Const, Param

THR_LIMIT = 1 << 30
ACC_LIMIT = 1 << 31


def _err(node, msg):
    raise GraphError(f"node {node.name!r} ({node.op}): {msg}")


def is_binary(ctx, name) -> bool:
    return ctx.g.tensors[name].fmt.kind == "binary"


def _kind(ctx, node, name) -> str:
    f = ctx.g.tensors[name].fmt
    if f.kind == "binary":
        return "bits"
    if f.kind == "float":
        return "f32"
    if isinstance(f, QFormat) and not f.per_channel and f.bits in (8, 16):
        return "q7" if f.bits == 8 else "q15"
    if isinstance(f, AffineFormat) and not f.per_channel and f.zero_point == 0 and f.signed and f.bits in (8, 16):
        return "q7" if f.bits == 8 else "q15"   # integers with zero point 0: the same kernels, unit = scale
    _err(node, f"tensor {name!r} has format {f}; binary layers take and give packed bits, Q8/Q16 or float")


def _check_io(ctx) -> None:
    g = ctx.g
    for t in list(g.inputs) + list(g.outputs):
        if g.tensors[t].fmt.kind in ("binary", "ternary"):
            raise GraphError(f"graph {'input' if t in g.inputs else 'output'} {t!r} is packed binary: "
                             f"add a sign (pack) after the input or an unpack before the output")


# ---------------------------------------------------------------- weights

def int_weights(ctx, node) -> bool:
    """The layer has int8 weights (the 8-bit first / last layers of a binarized network: QFormat(8, 0))."""
    return ctx.g.tensors[node.inputs[1]].fmt.kind == "q"


def weight_values(ctx, node) -> np.ndarray:
    """The weights as int64 in {-1, 0, +1} (int8 weights: in [-128, 127]); GraphError naming the node otherwise."""
    t = ctx.g.tensors[node.inputs[1]]
    if int_weights(ctx, node):
        f = t.fmt
        if t.qdata is None or not isinstance(f, QFormat) or f.bits != 8 or f.per_channel or int(f.frac) != 0:
            _err(node, f"integer weights {t.name!r} must be int8 values (format Q8.0 with integers), have {f}")
        return np.asarray(t.qdata, np.int64)
    if t.data is None:
        _err(node, f"weights {t.name!r} have no values")
    w = np.asarray(t.data, dtype=np.float64)
    tern = t.fmt.kind == "ternary"
    allowed = (-1.0, 0.0, 1.0) if tern else (-1.0, 1.0)
    bad = ~np.isin(w, allowed)
    if bad.any():
        i = tuple(int(v) for v in np.argwhere(bad)[0])
        _err(node, f"{'ternary' if tern else 'binary'} weights {t.name!r} must be "
                   f"{'-1/0/+1' if tern else '-1/+1'}; element {i} is {w[i]}")
    return w.astype(np.int64)


def _packed_weights(ctx, node) -> Const:
    """The filters back to back in one run of bits, one bit per weight (bits.pack_filters)."""
    w = weight_values(ctx, node)
    if int_weights(ctx, node):   # int8 weights, plain: dense [out][in], conv filters innermost (pack_w8_conv)
        if node.op == "bconv2d":
            w = pack_w8_conv(w, int(node.attrs["groups"]))
        return Const(node.inputs[1], tuple(int(v) for v in w.ravel()), "int8_t")
    q = pack_filters(w, ctx.g.tensors[node.inputs[1]].fmt.kind == "ternary")
    return Const(node.inputs[1], tuple(int(v) for v in q.ravel()), "uint32_t")


# ---------------------------------------------------------------- epilogues

def _unit_in(ctx, node) -> Fraction:
    """Real value of one integer step of the input: 2^-frac (Q), the scale (affine, zero point 0), 1 (bits)."""
    f = ctx.g.tensors[node.inputs[0]].fmt
    if isinstance(f, QFormat):
        return Fraction(2) ** -int(f.frac)
    if isinstance(f, AffineFormat):
        return Fraction(float(f.scale))
    return Fraction(1)


def _vec(ctx, name) -> np.ndarray:
    t = ctx.g.tensors[name]
    return np.asarray(t.data, dtype=np.float64).reshape(-1)


def exact_threshold(t: float, frac_in: int, unit: Optional[Fraction] = None) -> int:
    """Smallest integer T with T * 2^-frac_in (or T * unit) >= t, clamped to +-2^30."""
    if not np.isfinite(t):
        return THR_LIMIT if t > 0 else -THR_LIMIT
    v = Fraction(float(t)) / unit if unit is not None else Fraction(float(t)) * (Fraction(2) ** frac_in)
    T = -((-v.numerator) // v.denominator)  # ceil
    return int(max(-THR_LIMIT, min(THR_LIMIT, T)))


def _epilogue(ctx, node, out: str, acc_bound: int) -> BinEpi:
    a = node.attrs
    unit = _unit_in(ctx, node)
    u = float(unit)   # 2^-frac_in exactly for Q inputs
    ins = node.inputs
    if out == "bits":
        if a["epilogue"] != "threshold":
            _err(node, "a packed binary output needs the threshold epilogue")
        return BinEpi(thr=tuple(exact_threshold(t, 0, unit) for t in _vec(ctx, ins[2])))
    if a["epilogue"] != "affine":
        _err(node, f"a threshold epilogue gives {{-1, +1}}: its output must be packed binary, "
                   f"not {ctx.g.tensors[node.outputs[0]].fmt}")
    scale, bias = _vec(ctx, ins[2]), _vec(ctx, ins[3])
    k = 4
    res = None
    if a["residual"]:
        res = ins[k]
        k += 1
    slope = _vec(ctx, ins[k]) if a["act"] == "prelu" else None
    relu = a["act"] == "relu"
    if out == "f32":
        if res is not None and ctx.g.tensors[res].fmt.kind != "float":
            _err(node, f"residual {res!r} must be float like the output")
        return BinEpi(scale_f32=tuple(float(np.float32(s * u)) for s in scale),
                      bias_f32=tuple(float(np.float32(b)) for b in bias),
                      slope_f32=None if slope is None else tuple(float(np.float32(s)) for s in slope),
                      out_min_f32=0.0 if relu else -FLT_MAX32, out_max_f32=FLT_MAX32)
    fo_fmt = ctx.g.tensors[node.outputs[0]].fmt
    if not isinstance(fo_fmt, QFormat):
        _err(node, f"output format {fo_fmt}: binary layers write packed bits, Q8/Q16 or float")
    fo = int(fo_fmt.frac)
    m = np.abs(scale) * u * 2.0 ** fo
    mmax = float(m.max()) if m.size and m.max() > 0 else 1.0
    prod_lim = 46 if slope is not None else 61
    s = min(30 - int(np.ceil(np.log2(mmax))) - 1,
            prod_lim - int(np.ceil(np.log2(max(acc_bound, 1) * mmax + 1))))
    s = int(min(s, 62))
    res_shift = 0
    if res is not None:
        rf = ctx.g.tensors[res].fmt
        if not isinstance(rf, QFormat) or rf.bits != fo_fmt.bits or rf.per_channel:
            _err(node, f"residual {res!r} must have the output's Q width, has {rf}")
        res_shift = fo + s - int(rf.frac)
        if res_shift < 0 or res_shift > 40:
            _err(node, f"residual format {rf} too far from the output format {fo_fmt}")
    mult = np.floor(scale * u * 2.0 ** (fo + s) + 0.5).astype(np.int64)
    bq = np.clip(np.floor(bias * 2.0 ** (fo + s) + 0.5), -(2.0 ** 62), 2.0 ** 62).astype(np.int64)
    lo, hi = fo_fmt.qmin, fo_fmt.qmax
    return BinEpi(mult=tuple(int(v) for v in mult), bias=tuple(int(v) for v in bq), shift=s, res_shift=res_shift,
                  slope_q15=None if slope is None else tuple(int(v) for v in np.clip(
                      np.floor(slope * 32768 + 0.5), -32768, 32768)),
                  out_min=0 if relu else lo, out_max=hi)


def _residual_arg(ctx, node, out: str):
    if out == "bits":
        return []
    if node.attrs["residual"]:
        return [Buf(node.inputs[4])]
    return [None]


def _input_tag(ctx, node, xk: str) -> str:
    tern = ctx.g.tensors[node.inputs[1]].fmt.kind == "ternary"
    if xk == "f32":
        _err(node, "binary-weight layers take Q-format (8 or 16 bit) input, not float: quantize the input")
    if int_weights(ctx, node):
        return "bits_w8" if xk == "bits" else f"w8_{xk}"
    if xk == "bits":
        return "xnor_tern" if tern else "xnor"
    return f"{'tw' if tern else 'bw'}_{xk}"


def _acc_bound(ctx, node, xk: str, taps: int) -> int:
    what = f"{taps} weights"
    if int_weights(ctx, node):   # |acc| <= sum |w| of the largest filter times the largest input integer
        w = weight_values(ctx, node)
        taps = max(1, int(np.abs(w).reshape(w.shape[0], -1).sum(axis=1).max(initial=0)))
        what = f"int8 weights summing to |w| = {taps}"
    b = taps if xk == "bits" else taps * (1 << (ctx.g.tensors[node.inputs[0]].fmt.bits - 1))
    if b >= ACC_LIMIT:
        src = "packed input" if xk == "bits" else f"a Q{ctx.g.tensors[node.inputs[0]].fmt.bits} input"
        _err(node, f"the accumulator may reach {b} >= 2^31 ({what} of {src})")
    return b


def lower_bconv(ctx, node) -> List[Call]:
    x, w, y = node.inputs[0], node.inputs[1], node.outputs[0]
    xs, ys, ws = ctx.shape(x), ctx.shape(y), ctx.shape(w)
    a = node.attrs
    xk, yk = _kind(ctx, node, x), _kind(ctx, node, y)
    tag = _input_tag(ctx, node, xk)
    pad_kind = {0.0: 0, 1.0: 1, -1.0: 2}[float(a["pad_value"])]
    if xk != "bits" and pad_kind:
        _err(node, "+1/-1 padding needs a packed binary input")
    geom = ConvGeom(xs[0], xs[1], xs[2], xs[3], ys[1], ys[2], ys[3], ws[1], ws[2], a["strides"][0],
                    a["strides"][1], a["pads"][0], a["pads"][1], a["dilations"][0], a["dilations"][1], a["groups"])
    epi = _epilogue(ctx, node, yk, _acc_bound(ctx, node, xk, ws[1] * ws[2] * ws[3]))
    args = [Param(geom), Param(BConv(pad_kind, epi)), Buf(x), _packed_weights(ctx, node)]
    args += _residual_arg(ctx, node, yk) + [Buf(y)]
    return [Call(node.name, node.op, f"bconv2d_{tag}_{yk}", args, y)]


def lower_bdense(ctx, node) -> List[Call]:
    x, w, y = node.inputs[0], node.inputs[1], node.outputs[0]
    xs, ws = ctx.shape(x), ctx.shape(w)
    xk, yk = _kind(ctx, node, x), _kind(ctx, node, y)
    tag = _input_tag(ctx, node, xk)
    run = ctx.g.tensors[x].fmt.run(xs) if xk == "bits" else xs[1]
    epi = _epilogue(ctx, node, yk, _acc_bound(ctx, node, xk, ws[1]))
    args = [Param(BDense(xs[0], xs[1], ws[0], run, epi)), Buf(x), _packed_weights(ctx, node)]
    args += _residual_arg(ctx, node, yk) + [Buf(y)]
    return [Call(node.name, node.op, f"bdense_{tag}_{yk}", args, y)]


def lower_bmaxpool(ctx, node) -> List[Call]:
    x, y = node.inputs[0], node.outputs[0]
    if ctx.g.tensors[y].fmt != ctx.g.tensors[x].fmt:
        _err(node, "a binary max pool keeps its input's packed format")
    xs, ys = ctx.shape(x), ctx.shape(y)
    a = node.attrs
    geom = ConvGeom(xs[0], xs[1], xs[2], xs[3], ys[1], ys[2], ys[3], a["kernel"][0], a["kernel"][1],
                    a["strides"][0], a["strides"][1], a["pads"][0], a["pads"][1])
    return [Call(node.name, node.op, "bmaxpool", [Param(geom), Buf(x), Buf(y)], y)]


def lower_breshape(ctx, node) -> List[Call]:
    x, y = node.inputs[0], node.outputs[0]
    fx, fy = ctx.g.tensors[x].fmt, ctx.g.tensors[y].fmt
    xs, ys = ctx.shape(x), ctx.shape(y)
    if fy.kind != "binary" or fx.run(xs) != fy.run(ys) or \
            int(np.prod(storage_shape(fx, xs))) != int(np.prod(storage_shape(fy, ys))):
        _err(node, f"a reshape of a packed map {xs} {fx} -> {ys} {fy} must keep each pixel's words "
                   f"(output format bin/{fx.run(xs)})")
    return []


def _outer_c(shape):
    c = shape[-1]
    return int(np.prod(shape, dtype=np.int64)) // c, c


def lower_sign(ctx, node) -> List[Call]:
    x, y = node.inputs[0], node.outputs[0]
    xk, yk = _kind(ctx, node, x), _kind(ctx, node, y)
    if yk != "bits":
        _err(node, f"sign output {y!r} must be packed binary (format bin), has {ctx.g.tensors[y].fmt}")
    if xk == "bits":
        _err(node, "sign of a packed binary map: remove the node (it is the identity)")
    outer, c = _outer_c(ctx.shape(x))
    return [Call(node.name, node.op, f"bpack_{xk}", [Param(BPack(outer, c)), Buf(x), Buf(y)], y)]


def lower_unpack(ctx, node) -> List[Call]:
    x, y = node.inputs[0], node.outputs[0]
    xk, yk = _kind(ctx, node, x), _kind(ctx, node, y)
    if xk != "bits" or yk == "bits":
        _err(node, "unpack takes a packed binary map and gives a Q-format or float one")
    outer, c = _outer_c(ctx.shape(x))
    pos, neg = 1, -1
    if yk != "f32":
        f = ctx.g.tensors[y].fmt
        pos = int(f.quantize(np.array(1.0)))
        neg = int(f.quantize(np.array(-1.0)))
    return [Call(node.name, node.op, f"bunpack_{yk}", [Param(BPack(outer, c, pos, neg)), Buf(x), Buf(y)], y)]


def lower_node(ctx, node: Node) -> Optional[List[Call]]:
    if not getattr(ctx, "_bin_io_checked", False):
        _check_io(ctx)
        ctx._bin_io_checked = True
    if node.op == "bconv2d":
        return lower_bconv(ctx, node)
    if node.op == "bdense":
        return lower_bdense(ctx, node)
    if node.op == "sign":
        return lower_sign(ctx, node)
    if node.op == "unpack":
        return lower_unpack(ctx, node)
    if node.op == "batchnorm":
        _err(node, "batch norm left in the graph: run the binarize pass (it folds it into a binary "
                   "layer's thresholds or scales)")
    if node.op in ("maxpool", "global_maxpool") and is_binary(ctx, node.inputs[0]):
        if node.op == "global_maxpool":
            _err(node, "global max pool of a packed binary map is not supported")
        return lower_bmaxpool(ctx, node)
    if node.op == "reshape" and is_binary(ctx, node.inputs[0]):
        return lower_breshape(ctx, node)
    if any(ctx.g.tensors[i].fmt.kind == "binary" for i in node.inputs if not ctx.g.tensors[i].is_const):
        _err(node, "this op cannot read a packed binary map (unpack it first)")
    return None
