"""Numpy twins of the binary C kernels (templates_c/kernels/b*.c).

Same names and argument order as the C, minus the output pointer; params are
the dataclasses of nncodegen/lower/params.py (BConv, BDense, BinEpi, BPack).
These functions are the specification: readable unpack-multiply-add
arithmetic on {-1, +1} / {-1, 0, +1} integers, no popcount tricks, so that
the C's XOR/popcount arithmetic is checked against plain convolutions.

Weights: each output channel's filter (conv: [k_h][k_w][in_c/groups]; dense: [in_features])
is a run of n bits, filter c at bit c * n of one run over the layer, padded to a whole word at
its end only (bits.pack_filters).

Kernel names: ``{bconv2d|bdense}_{input}_{output}`` with input ``xnor``
(packed bits, binary weights), ``xnor_tern`` (packed bits, ternary weights),
``bw_q7`` / ``bw_q15`` (Q-format input, binary weights), ``tw_q7`` /
``tw_q15`` (Q-format input, ternary weights), ``bits_w8`` (packed bits, int8
weights: acc = sum of +-w) and ``w8_q7`` / ``w8_q15`` (Q-format input, int8
weights): the 8-bit first and last layers of a binarized network, whose int8
weights are plain arrays of the logical shape (not packed); output ``bits``,
``q7``, ``q15`` or ``f32``.  Bit convention and epilogue: nnc_types.h and
formats.BinaryFormat.  XNOR accumulators: acc = sum of x * w over the taps
that count (zero padding: the taps inside the input; +1/-1 padding: all).
"""
from __future__ import annotations

import numpy as np

from ..lower.params import BConv, BDense, BinEpi, BPack, ConvGeom
from . import fixedpoint as fx
from .bits import filter_words, pack_bits, unpack_bits, unpack_filters, unpack_signs, words
from .float_ops import im2col

ACC32_LIMIT = 1 << 31
OUT_DTYPES = {"bits": np.uint32, "q7": np.int8, "q15": np.int16, "f32": np.float32}
IN_DTYPES = {"q7": np.int8, "q15": np.int16}


def _u32(x, n: int) -> np.ndarray:
    a = np.asarray(x)
    if a.size != n:
        raise ValueError(f"buffer of {a.size} words, kernel expects {n}")
    return a.astype(np.uint32).reshape(-1)


def pack_w8_conv(w: np.ndarray, groups: int) -> np.ndarray:
    """int8 conv weights of logical shape (out_c, k_h, k_w, in_c/groups) -> the kernels' layout
    [groups][k_h][k_w][in_c/groups][out_c/groups] (filters innermost), int8, flat."""
    w = np.asarray(w)
    co, kh, kw, cg = w.shape
    return np.ascontiguousarray(w.reshape(groups, co // groups, kh, kw, cg).transpose(0, 2, 3, 4, 1)) \
        .astype(np.int8).reshape(-1)


def unpack_w8_conv(stored, shape, groups: int) -> np.ndarray:
    """Inverse of pack_w8_conv: -> int64 of logical ``shape`` (out_c, k_h, k_w, in_c/groups)."""
    co, kh, kw, cg = shape
    a = _weights(stored, (groups, kh, kw, cg, co // groups), "w8")
    return a.transpose(0, 4, 1, 2, 3).reshape(shape)


def _weights(w, shape, tern) -> np.ndarray:
    """Packed weights (filters back to back in one run of bits, see pack_filters) -> int64
    {-1, 0, +1} of logical ``shape``; ``tern == "w8"``: plain int8 weights of that shape -> int64."""
    if tern == "w8":
        a = np.asarray(w)
        n = int(np.prod(shape, dtype=np.int64))
        if a.size != n:
            raise ValueError(f"buffer of {a.size} int8 weights, kernel expects {n}")
        if a.dtype != np.int8 and a.size and (a.min() < -128 or a.max() > 127):
            raise ValueError("int8 weights outside [-128, 127]")
        return a.astype(np.int8).astype(np.int64).reshape(shape)
    return unpack_filters(_u32(w, filter_words(shape, tern)), shape, tern).astype(np.int64)


def _check_acc(acc: np.ndarray, kernel: str) -> None:
    if acc.size and int(np.abs(acc).max()) >= ACC32_LIMIT:
        raise OverflowError(f"{kernel}: accumulator reaches {int(np.abs(acc).max())} >= 2^31")


# ---------------------------------------------------------------- epilogues

def epilogue(acc: np.ndarray, epi: BinEpi, out: str, residual=None) -> np.ndarray:
    """acc (..., C) int64 -> the kernel's output (bits packed along C)."""
    c = acc.shape[-1]
    if out == "bits":
        thr = np.asarray(epi.thr, dtype=np.int64)
        return pack_bits(acc < thr, c)
    if out == "f32":
        y = acc.astype(np.float32) * np.asarray(epi.scale_f32, dtype=np.float32)
        y = y + np.asarray(epi.bias_f32, dtype=np.float32)
        if residual is not None:
            y = y + np.asarray(residual, dtype=np.float32).reshape(y.shape)
        if epi.slope_f32 is not None:
            y = np.where(y < 0, y * np.asarray(epi.slope_f32, dtype=np.float32), y)
        return np.clip(y, np.float32(epi.out_min_f32), np.float32(epi.out_max_f32)).astype(np.float32)
    dtype = OUT_DTYPES[out]
    info = np.iinfo(dtype)
    if not info.min <= epi.out_min <= epi.out_max <= info.max:
        raise ValueError(f"saturation bounds [{epi.out_min}, {epi.out_max}] not inside {np.dtype(dtype).name}")
    v = acc * np.asarray(epi.mult, dtype=np.int64) + np.asarray(epi.bias, dtype=np.int64)
    if residual is not None:
        v = v + (np.asarray(residual, dtype=np.int64).reshape(v.shape) << np.int64(epi.res_shift))
    if epi.slope_q15 is not None:
        v = np.where(v < 0, (v * np.asarray(epi.slope_q15, dtype=np.int64) + (1 << 14)) >> 15, v)
    return fx.sat(fx.shift_round(v, epi.shift), epi.out_min, epi.out_max).astype(dtype)


# ---------------------------------------------------------------- convolutions

def bconv_acc(g: ConvGeom, p: BConv, x, w, inp: str, tern: bool) -> np.ndarray:
    """Accumulators (N, OH, OW, Cout) int64 of a binary convolution."""
    if g.groups < 1 or g.in_c % g.groups or g.out_c % g.groups:
        raise ValueError(f"groups {g.groups} must divide in_c {g.in_c} and out_c {g.out_c}")
    shape = (g.batch, g.in_h, g.in_w, g.in_c)
    if inp == "xnor":
        n = g.batch * g.in_h * g.in_w * words(g.in_c)
        xv = unpack_signs(_u32(x, n), shape, g.in_c).astype(np.int64)
        pad = {0: 0, 1: 1, 2: -1}[p.pad_kind]
    else:
        xv = np.asarray(x).astype(IN_DTYPES[inp]).astype(np.int64).reshape(shape)
        if p.pad_kind != 0:
            raise ValueError("Q-format inputs take zero padding only (pad_kind 0)")
        pad = 0
    cin_g = g.in_c // g.groups
    wshape = (g.out_c, g.k_h, g.k_w, cin_g)
    wv = unpack_w8_conv(w, wshape, g.groups) if tern == "w8" else _weights(w, wshape, tern)
    pb = max(0, (g.out_h - 1) * g.stride_h + g.dil_h * (g.k_h - 1) + 1 - g.in_h - g.pad_top)
    pr = max(0, (g.out_w - 1) * g.stride_w + g.dil_w * (g.k_w - 1) + 1 - g.in_w - g.pad_left)
    cols = im2col(xv, g.k_h, g.k_w, (g.stride_h, g.stride_w), (g.pad_top, g.pad_left, pb, pr),
                  (g.dil_h, g.dil_w), pad)[:, :g.out_h, :g.out_w]
    cols = cols.reshape(g.batch, g.out_h, g.out_w, g.k_h, g.k_w, g.groups, cin_g)
    wg = wv.reshape(g.groups, g.out_c // g.groups, g.k_h, g.k_w, cin_g)
    acc = np.einsum("nyxhwgc,gohwc->nyxgo", cols, wg).reshape(g.batch, g.out_h, g.out_w, g.out_c)
    return acc


def _bconv(g, p, x, w, residual, inp, tern, out, name):
    acc = bconv_acc(g, p, x, w, inp, tern)
    _check_acc(acc, name)
    return epilogue(acc, p.epi, out, residual)


def _bdense_acc(p: BDense, x, w, inp: str, tern: bool) -> np.ndarray:
    k = p.in_features
    if inp == "xnor":
        if k % p.run:
            raise ValueError(f"run {p.run} does not divide in_features {k}")
        n = p.batch * (k // p.run) * words(p.run)
        xv = unpack_signs(_u32(x, n), (p.batch, k), p.run).astype(np.int64)
    else:
        xv = np.asarray(x).astype(IN_DTYPES[inp]).astype(np.int64).reshape(p.batch, k)
    wv = _weights(w, (p.out_features, k), tern)
    return xv @ wv.T


def _bdense(p, x, w, residual, inp, tern, out, name):
    acc = _bdense_acc(p, x, w, inp, tern)
    _check_acc(acc, name)
    return epilogue(acc, p.epi, out, residual)


def _make(fam: str, inp: str, tern: bool, out: str, wname: str):
    name = f"{fam}_{wname}_{out}"
    body = _bconv if fam == "bconv2d" else _bdense
    if fam == "bconv2d":
        if out == "bits":
            def fn(g, p, input, weights):
                return body(g, p, input, weights, None, inp, tern, out, name)
        else:
            def fn(g, p, input, weights, residual):
                return body(g, p, input, weights, residual, inp, tern, out, name)
    else:
        if out == "bits":
            def fn(p, input, weights):
                return body(p, input, weights, None, inp, tern, out, name)
        else:
            def fn(p, input, weights, residual):
                return body(p, input, weights, residual, inp, tern, out, name)
    fn.__name__ = fn.__qualname__ = name
    wk = "int8" if tern == "w8" else "ternary" if tern else "binary"
    fn.__doc__ = f"Twin of {name}: input {inp}, {wk} weights, output {out}."
    return name, fn


KERNELS = {}
for _fam in ("bconv2d", "bdense"):
    for _out in ("bits", "q7", "q15", "f32"):
        for _inp, _tern, _w in (("xnor", False, "xnor"), ("xnor", True, "xnor_tern"), ("q7", False, "bw_q7"),
                                ("q15", False, "bw_q15"), ("q7", True, "tw_q7"), ("q15", True, "tw_q15"),
                                ("xnor", "w8", "bits_w8"), ("q7", "w8", "w8_q7"), ("q15", "w8", "w8_q15")):
            _n, _f = _make(_fam, _inp, _tern, _out, _w)
            KERNELS[_n] = _f
globals().update(KERNELS)


# ---------------------------------------------------------------- pool, pack, unpack

def bmaxpool(g: ConvGeom, input) -> np.ndarray:
    wpp = words(g.in_c)
    x = _u32(input, g.batch * g.in_h * g.in_w * wpp).astype(np.int64).reshape(g.batch, g.in_h, g.in_w, wpp)
    pb = max(0, (g.out_h - 1) * g.stride_h + g.k_h - g.in_h - g.pad_top)
    pr = max(0, (g.out_w - 1) * g.stride_w + g.k_w - g.in_w - g.pad_left)
    pads = (g.pad_top, g.pad_left, pb, pr)
    cols = im2col(x, g.k_h, g.k_w, (g.stride_h, g.stride_w), pads, (1, 1), 0xFFFFFFFF)[:, :g.out_h, :g.out_w]
    out = np.bitwise_and.reduce(cols, axis=(3, 4))
    valid = im2col(np.ones((1, g.in_h, g.in_w, 1), np.int64), g.k_h, g.k_w, (g.stride_h, g.stride_w), pads,
                   (1, 1), 0)[:, :g.out_h, :g.out_w].sum(axis=(3, 4, 5))
    out = np.where(valid[..., None] > 0, out, 0)
    return out.astype(np.uint32)


def _pack(p: BPack, x, dtype) -> np.ndarray:
    x = np.asarray(x).reshape(p.outer, p.channels)
    return pack_bits(x < 0, p.channels)


def bpack_q7(p: BPack, input) -> np.ndarray:
    return _pack(p, np.asarray(input, dtype=np.int8), np.int8)


def bpack_q15(p: BPack, input) -> np.ndarray:
    return _pack(p, np.asarray(input, dtype=np.int16), np.int16)


def bpack_f32(p: BPack, input) -> np.ndarray:
    return _pack(p, np.asarray(input, dtype=np.float32), np.float32)


def _unpack(p: BPack, x, pos, neg, dtype) -> np.ndarray:
    b = unpack_bits(_u32(x, p.outer * words(p.channels)), (p.outer, p.channels), p.channels)
    return np.where(b, neg, pos).astype(dtype)


def bunpack_q7(p: BPack, input) -> np.ndarray:
    return _unpack(p, input, p.pos, p.neg, np.int8)


def bunpack_q15(p: BPack, input) -> np.ndarray:
    return _unpack(p, input, p.pos, p.neg, np.int16)


def bunpack_f32(p: BPack, input) -> np.ndarray:
    return _unpack(p, input, 1.0, -1.0, np.float32)
