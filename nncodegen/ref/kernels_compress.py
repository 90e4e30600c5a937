"""Numpy twins of the compressed-weight C kernels (templates_c/kernels/*_sparse_*, *_codebook_*,
*_hashed_*), with the C names and argument order minus the output pointer (scratch is taken and
ignored).

Integer formats (q7, q15, affine int8): each twin decodes its weights with the exact decoders of
nncodegen.compress.storage and runs the dense kernel's twin on them -- the specification is that the
compressed kernel's result equals the dense kernel's, bit for bit (integer sums are exact in any order;
the int32 variants keep the dense twin's overflow check).  Hashed weights are computed in int64, so
a virtual weight of +128 (-(-128)) needs no int8 slot.

Float: the twins compute, in float32 with every product rounded, the order the C kernel documents
(compress_f32.inc): ``lanes`` (nnc_dot_f32's eight partial sums) or ``seq``, over the receptive field
with the decoded weights.  The C adds only the stored products; the skipped ones are +-0 and change
no partial sum, so for finite inputs the C equals these twins bit for bit.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from ..compress import sparse_cd_f32, sparse_f32, sparse_pr_s8
from ..compress.storage import decode_codebook, decode_sparse, decode_sparse_sliced, hash_index_sign, sliced_wsum
from ..lower.params import ActF32, ConvGeom, DenseGeom
from . import kernels_q as kq
from . import kernels_s8 as ks8
from .float_ops import im2col
from .kernels_f32 import act_epilogue

F32 = np.float32


# ---------------------------------------------------------------- integer formats

def _conv_k(g: ConvGeom) -> int:
    return g.k_h * g.k_w * (g.in_c // g.groups)


def _conv_w(g: ConvGeom, w2: np.ndarray) -> np.ndarray:
    return w2.reshape(g.out_c, g.k_h, g.k_w, g.in_c // g.groups)


def _sparse_twin(base, conv: bool):
    if not conv:  # the sliced layout of integer fully connected layers, with its rows' weight sums
        def twin(g, rq, x, steps, count, index, values, wsum, bias):
            w = decode_sparse_sliced(steps, count, index, values, g.out_features, g.in_features)
            if not np.array_equal(np.asarray(wsum, dtype=np.int32).reshape(-1), sliced_wsum(w)):
                raise ValueError("dense_sparse: wsum is not the rows' weight sums (storage.sliced_wsum)")
            return base(g, rq, x, w, bias)
        return twin

    def twin(g, rq, x, row_start, values, delta, bias, *scratch):
        kq._check_groups(g)
        return base(g, rq, x, _conv_w(g, decode_sparse(row_start, values, delta, _conv_k(g))), bias)
    return twin


def _codebook_twin(base, conv: bool):
    def twin(g, rq, x, codebook, index, bits, cb_stride, bias, *scratch):
        out, k = (g.out_c, _conv_k(g)) if conv else (g.out_features, g.in_features)
        cb = np.asarray(codebook).reshape(-1)
        rows = cb.reshape(1 if cb_stride == 0 else out, 1 << int(bits))
        w = decode_codebook(rows, index, int(bits), out, k)
        return base(g, rq, x, _conv_w(g, w) if conv else w, bias)
    return twin


def _hashed_matrix_i64(buckets, out: int, k: int, seed: int, sign: int) -> np.ndarray:
    b = np.asarray(buckets).astype(np.int64).reshape(-1)
    idx, s = hash_index_sign(out, k, b.size, int(seed), bool(sign))
    return b[idx] * s


def _hashed_q(dtype, acc32: bool, name: str):
    def twin(g: DenseGeom, rq, x, buckets, n_buckets, seed, sign, bias):
        if int(n_buckets) != np.asarray(buckets).size:
            raise ValueError(f"{name}: n_buckets {n_buckets} but {np.asarray(buckets).size} buckets")
        x = kq._arr(x, dtype, (g.batch, g.in_features)).astype(np.int64)
        w = _hashed_matrix_i64(buckets, g.out_features, g.in_features, seed, sign)
        b = kq._bias(bias, g.out_features)
        if acc32:
            kq._check_acc32(np.abs(x) @ np.abs(w).T + np.abs(b), name)
        return kq._epilogue(x @ w.T + b, rq, dtype)
    return twin


def dense_hashed_s8(g: DenseGeom, rq, x, buckets, n_buckets, seed, sign, bias) -> np.ndarray:
    x = ks8._arr(x, np.int8, (g.batch, g.in_features)).astype(np.int64) + rq.input_offset
    w = _hashed_matrix_i64(buckets, g.out_features, g.in_features, seed, sign)
    b = ks8._bias(bias, g.out_features)
    ks8._check_acc32(np.abs(x) @ np.abs(w).T + np.abs(b), "dense_hashed_s8")
    return ks8._epilogue(x @ w.T + b, rq)


_BASES = {"q7": (kq.Q7, True), "q7_wide": (kq.Q7, False), "q15": (kq.Q15, False), "q15_acc32": (kq.Q15, True)}
for _sfx in ("q7", "q7_wide", "q15", "q15_acc32", "s8"):
    _mod = ks8 if _sfx == "s8" else kq
    for _fam, _conv in (("conv2d", True), ("dense", False)):
        _base = getattr(_mod, f"{_fam}_{_sfx}")
        globals()[f"{_fam}_sparse_{_sfx}"] = _sparse_twin(_base, _conv)
        globals()[f"{_fam}_codebook_{_sfx}"] = _codebook_twin(_base, _conv)
    if _sfx != "s8":
        globals()[f"dense_hashed_{_sfx}"] = _hashed_q(*_BASES[_sfx], f"dense_hashed_{_sfx}")


def dense_sparse_pr_s8(g: DenseGeom, rq, x, count, index, values, wsum, bias, *scratch) -> np.ndarray:
    """The pair-run layout of the ARM DSP targets (compress/sparse_pr_s8.py): dense_s8 with the decoded weights (the C
    kernel sums the same exact products in another order)."""
    w = sparse_pr_s8.decode(count, index, values, g.out_features, g.in_features)
    if not np.array_equal(np.asarray(wsum, dtype=np.int32).reshape(-1), sliced_wsum(w)):
        raise ValueError("dense_sparse_pr_s8: wsum is not the rows' weight sums (storage.sliced_wsum)")
    return ks8.dense_s8(g, rq, x, w, bias)


def dense_sparse_pr_scratch_size_s8(g: DenseGeom) -> int:
    return 4 * g.in_features


# ---------------------------------------------------------------- float32

def dot_lanes_f32(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """nnc_dot_f32 of every row of x (P, n) with every row of w (O, n): (P, O) float32."""
    x = np.asarray(x, dtype=F32)
    w = np.asarray(w, dtype=F32)
    n = x.shape[1]
    n8 = n - n % 8
    s = np.zeros((x.shape[0], w.shape[0], 8), dtype=F32)
    for b in range(0, n8, 8):
        s += x[:, None, b:b + 8] * w[None, :, b:b + 8]
    acc = ((s[..., 0] + s[..., 1]) + (s[..., 2] + s[..., 3])) + ((s[..., 4] + s[..., 5]) + (s[..., 6] + s[..., 7]))
    for i in range(n8, n):
        acc = acc + x[:, None, i] * w[None, :, i]
    return acc


def dot_split_f32(x: np.ndarray, w: np.ndarray, split: int) -> np.ndarray:
    """The dense float order with eight partial sums (by position % 8) over the positions below ``split``, their
    tree, then the other products one by one: nnc_dot_f32 for split = n - n % 8, the plain loop (dense_pk_f32)
    for split = 0.  (P, O) float32."""
    x = np.asarray(x, dtype=F32)
    w = np.asarray(w, dtype=F32)
    s = np.zeros((x.shape[0], w.shape[0], 8), dtype=F32)
    for b in range(0, split, 8):
        s += x[:, None, b:b + 8] * w[None, :, b:b + 8]
    acc = ((s[..., 0] + s[..., 1]) + (s[..., 2] + s[..., 3])) + ((s[..., 4] + s[..., 5]) + (s[..., 6] + s[..., 7]))
    for i in range(split, x.shape[1]):
        acc = acc + x[:, None, i] * w[None, :, i]
    return acc


def dot_seq_f32(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """One product after the other from 0.0f: (P, O) float32."""
    x = np.asarray(x, dtype=F32)
    w = np.asarray(w, dtype=F32)
    acc = np.zeros((x.shape[0], w.shape[0]), dtype=F32)
    for i in range(x.shape[1]):
        acc = acc + x[:, None, i] * w[None, :, i]
    return acc


def conv_patches_f32(g: ConvGeom, x) -> np.ndarray:
    """(N * OH * OW, groups, k_h * k_w * in_c / groups) receptive fields, 0.0f outside the input."""
    x = np.asarray(x, dtype=F32).reshape(-1)[:g.batch * g.in_h * g.in_w * g.in_c].reshape(
        g.batch, g.in_h, g.in_w, g.in_c)
    pads = (g.pad_top, g.pad_left, kq._pad_after(g.in_h, g.out_h, g.k_h, g.stride_h, g.pad_top, g.dil_h),
            kq._pad_after(g.in_w, g.out_w, g.k_w, g.stride_w, g.pad_left, g.dil_w))
    cols = im2col(x, g.k_h, g.k_w, (g.stride_h, g.stride_w), pads, (g.dil_h, g.dil_w), F32(0.0))
    cols = cols[:, :g.out_h, :g.out_w]
    cin_g = g.in_c // g.groups
    cols = cols.reshape(g.batch, g.out_h, g.out_w, g.k_h, g.k_w, g.groups, cin_g).transpose(0, 1, 2, 5, 3, 4, 6)
    return np.ascontiguousarray(cols).reshape(-1, g.groups, g.k_h * g.k_w * cin_g)


def _conv_f32(g: ConvGeom, act: Optional[ActF32], x, w2: np.ndarray, bias, seq_channels: int) -> np.ndarray:
    kq._check_groups(g)
    p = conv_patches_f32(g, x)
    cout_g = g.out_c // g.groups
    y = np.zeros((p.shape[0], g.out_c), dtype=F32)
    for grp in range(g.groups):
        for oc in range(grp * cout_g, (grp + 1) * cout_g):
            dot = dot_seq_f32 if oc < seq_channels else dot_lanes_f32
            y[:, oc] = dot(p[:, grp], w2[oc:oc + 1])[:, 0]
    return _epilogue_f32(y, act, bias, g.out_c).reshape(g.batch, g.out_h, g.out_w, g.out_c)


def _epilogue_f32(acc: np.ndarray, act, bias, n: int) -> np.ndarray:
    if bias is not None:
        acc = acc + np.asarray(bias, dtype=F32).reshape(-1)[:n]
    return np.asarray(act_epilogue(acc, act), dtype=F32)


def _dense_f32(g: DenseGeom, act, x, w2: np.ndarray, bias) -> np.ndarray:
    x = np.asarray(x, dtype=F32).reshape(-1)[:g.batch * g.in_features].reshape(g.batch, g.in_features)
    return _epilogue_f32(dot_lanes_f32(x, w2), act, bias, g.out_features)


def conv2d_sparse_f32(g: ConvGeom, act, x, row_start, values, delta, bias, seq_channels, *scratch) -> np.ndarray:
    w2 = decode_sparse(row_start, np.asarray(values, dtype=F32), delta, _conv_k(g))
    return _conv_f32(g, act, x, w2, bias, int(seq_channels))


def dense_sparse_f32(g: DenseGeom, act, x, row_start, values, delta, bias) -> np.ndarray:
    return _dense_f32(g, act, x, decode_sparse(row_start, np.asarray(values, dtype=F32), delta, g.in_features), bias)


def dense_sparse_sl_f32(g: DenseGeom, act, x, steps, index, values, rows, bias, split, *scratch) -> np.ndarray:
    """The class-sliced layout (compress/sparse_f32.py): the decoded weights summed in the order of ``split``."""
    w2 = sparse_f32.decode(steps, index, values, rows, g.out_features, g.in_features, int(split))
    x = np.asarray(x, dtype=F32).reshape(-1)[:g.batch * g.in_features].reshape(g.batch, g.in_features)
    return _epilogue_f32(dot_split_f32(x, w2, int(split)), act, bias, g.out_features)


def dense_sparse_cd_f32(g: DenseGeom, act, x, count, values, delta, bias, split) -> np.ndarray:
    """The class-delta layout (compress/sparse_cd_f32.py): the decoded weights summed in the order of ``split``."""
    w2 = sparse_cd_f32.decode(count, values, delta, g.out_features, g.in_features, int(split))
    x = np.asarray(x, dtype=F32).reshape(-1)[:g.batch * g.in_features].reshape(g.batch, g.in_features)
    return _epilogue_f32(dot_split_f32(x, w2, int(split)), act, bias, g.out_features)


def dense_sparse_sl_scratch_size_f32(g: DenseGeom, split: int) -> int:
    return 4 * sparse_f32.scratch_floats(int(split))


def conv2d_codebook_f32(g: ConvGeom, act, x, codebook, index, bits, cb_stride, bias, seq_channels,
                        *scratch) -> np.ndarray:
    cb = np.asarray(codebook, dtype=F32).reshape(1 if cb_stride == 0 else g.out_c, 1 << int(bits))
    w2 = decode_codebook(cb, index, int(bits), g.out_c, _conv_k(g))
    return _conv_f32(g, act, x, w2, bias, int(seq_channels))


def dense_codebook_f32(g: DenseGeom, act, x, codebook, index, bits, cb_stride, bias) -> np.ndarray:
    cb = np.asarray(codebook, dtype=F32).reshape(1 if cb_stride == 0 else g.out_features, 1 << int(bits))
    return _dense_f32(g, act, x, decode_codebook(cb, index, int(bits), g.out_features, g.in_features), bias)


def dense_hashed_f32(g: DenseGeom, act, x, buckets, n_buckets, seed, sign, bias) -> np.ndarray:
    b = np.asarray(buckets, dtype=F32).reshape(-1)
    idx, s = hash_index_sign(g.out_features, g.in_features, int(n_buckets), int(seed), bool(sign))
    w = np.where(s < 0, -b[idx], b[idx]).astype(F32)
    return _dense_f32(g, act, x, w, bias)


def direct_patch(g: ConvGeom) -> bool:
    """nnc_cpatch_direct (compress_patch.inc): the input pixel is the receptive field, no gathering."""
    return (g.k_h == 1 and g.k_w == 1 and g.groups == 1 and g.pad_top == 0 and g.pad_left == 0
            and (g.out_h - 1) * g.stride_h < g.in_h and (g.out_w - 1) * g.stride_w < g.in_w)


def conv_scratch_bytes(g: ConvGeom, elem: int) -> int:
    """Scratch of the compressed convolutions: one gathered receptive field of ``elem``-byte elements."""
    return 0 if direct_patch(g) else g.k_h * g.k_w * (g.in_c // g.groups) * elem


def conv2d_sparse_scratch_size_f32(g: ConvGeom) -> int:
    return conv_scratch_bytes(g, 4)


def conv2d_codebook_scratch_size_f32(g: ConvGeom) -> int:
    return conv_scratch_bytes(g, 4)
