"""Twins of the Q-format MAC kernels (conv2d, conv_transpose2d, dense in q7 / q15 with their accumulator
variants) and the requantization epilogue the other families share; see kernels_q.py."""
from __future__ import annotations

import numpy as np

from ..lower.params import ConvGeom, DenseGeom, Requant
from . import fixedpoint as fx
from .kernels_common import ACC32_LIMIT, _arr, _bias, _check_groups, _conv2d_sum


Q7 = np.int8


Q15 = np.int16


def _bounds(out_min: int, out_max: int, dtype) -> None:
    info = np.iinfo(dtype)
    if not info.min <= out_min <= out_max <= info.max:
        raise ValueError(f"saturation bounds [{out_min}, {out_max}] not inside {np.dtype(dtype).name}")


def _epilogue(acc: np.ndarray, rq: Requant, dtype) -> np.ndarray:
    """nnc_requantize over the last (output channel) axis."""
    _bounds(rq.out_min, rq.out_max, dtype)
    shift = np.asarray(rq.shift, dtype=np.int64)
    if shift.shape != (acc.shape[-1],):
        raise ValueError(f"requant has {shift.size} shifts for {acc.shape[-1]} output channels")
    return fx.requant(acc, shift, rq.out_min, rq.out_max, rq.leaky_q15).astype(dtype)


def _check_acc32(bound: np.ndarray, kernel: str) -> None:
    if bound.size and int(bound.max()) >= ACC32_LIMIT:
        raise OverflowError(f"{kernel}: |bias| + sum |x*w| reaches {int(bound.max())} >= 2^31; "
                            f"the int32 accumulator may overflow (the kernel needs the int64 variant)")


def _conv_mac(sums, g: ConvGeom, rq: Requant, x, w, b, dtype, acc32: bool, name: str) -> np.ndarray:
    """A grouped conv or transposed conv: sums(g, x, w) + bias, requantized; acc32 checks the int32 bound."""
    _check_groups(g)
    x = _arr(x, dtype, (g.batch, g.in_h, g.in_w, g.in_c))
    w = _arr(w, dtype, (g.out_c, g.k_h, g.k_w, g.in_c // g.groups))
    bias = _bias(b, g.out_c)
    acc = sums(g, x, w) + bias
    if acc32:
        _check_acc32(sums(g, np.abs(x.astype(np.int64)), np.abs(w.astype(np.int64))) + np.abs(bias), name)
    return _epilogue(acc, rq, dtype)


def _conv2d(g: ConvGeom, rq: Requant, x, w, b, dtype, acc32: bool, name: str) -> np.ndarray:
    return _conv_mac(_conv2d_sum, g, rq, x, w, b, dtype, acc32, name)


def _variants(impl, family: str, doc: str):
    """The four accumulator variants of a MAC family, named as the C kernels: {family}_q7 (int32 accumulator,
    checked), _q7_wide (int64), _q15 (int64), _q15_acc32 (int32, checked); each (g, rq, x, w, b)."""
    def make(suffix, dtype, acc32):
        name = f"{family}_{suffix}"

        def twin(g, rq, x, w, b) -> np.ndarray:
            return impl(g, rq, x, w, b, dtype, acc32, name)
        twin.__name__ = twin.__qualname__ = name
        twin.__doc__ = doc if suffix == "q7" else None
        return twin
    return (make("q7", Q7, True), make("q7_wide", Q7, False), make("q15", Q15, False),
            make("q15_acc32", Q15, True))


conv2d_q7, conv2d_q7_wide, conv2d_q15, conv2d_q15_acc32 = _variants(
    _conv2d, "conv2d", "Grouped conv, NHWC, weights [out_c][k_h][k_w][in_c/groups], zero padding; int32 accumulator.")


def _conv_transpose2d_sum(g: ConvGeom, x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Gather-form transposed conv (= float_ops.conv_transpose2d_raw in int64):
    out[oy] sums x[iy] * w[ky] over oy = iy * stride - pad_top + ky * dil."""
    n, h, wd = g.batch, g.in_h, g.in_w
    sh, sw, dh, dw = g.stride_h, g.stride_w, g.dil_h, g.dil_w
    pt, pl = g.pad_top, g.pad_left
    cin_g, cout_g = g.in_c // g.groups, g.out_c // g.groups
    full_h = max((h - 1) * sh + dh * (g.k_h - 1) + 1, pt + g.out_h)
    full_w = max((wd - 1) * sw + dw * (g.k_w - 1) + 1, pl + g.out_w)
    acc = np.zeros((n, full_h, full_w, g.out_c), dtype=np.int64)
    xg = x.astype(np.int64).reshape(n, h, wd, g.groups, cin_g)
    wg = w.astype(np.int64).reshape(g.groups, cout_g, g.k_h, g.k_w, cin_g)
    for ky in range(g.k_h):
        for kx in range(g.k_w):
            contrib = np.einsum("nyxgc,goc->nyxgo", xg, wg[:, :, ky, kx, :]).reshape(n, h, wd, g.out_c)
            acc[:, ky * dh: ky * dh + (h - 1) * sh + 1: sh, kx * dw: kx * dw + (wd - 1) * sw + 1: sw, :] += contrib
    return acc[:, pt:pt + g.out_h, pl:pl + g.out_w, :]


def _conv_transpose2d(g: ConvGeom, rq: Requant, x, w, b, dtype, acc32: bool, name: str) -> np.ndarray:
    _check_groups(g)
    if g.pad_top < 0 or g.pad_left < 0:
        raise ValueError("negative padding")
    return _conv_mac(_conv_transpose2d_sum, g, rq, x, w, b, dtype, acc32, name)


conv_transpose2d_q7, conv_transpose2d_q7_wide, conv_transpose2d_q15, conv_transpose2d_q15_acc32 = _variants(
    _conv_transpose2d, "conv_transpose2d",
    "Transposed conv in gather form (see _conv_transpose2d_sum); int32 accumulator.")


def _dense(g: DenseGeom, rq: Requant, x, w, b, dtype, acc32: bool, name: str) -> np.ndarray:
    x = _arr(x, dtype, (g.batch, g.in_features)).astype(np.int64)
    w = _arr(w, dtype, (g.out_features, g.in_features)).astype(np.int64)
    bias = _bias(b, g.out_features)
    acc = x @ w.T + bias
    if acc32:
        _check_acc32(np.abs(x) @ np.abs(w).T + np.abs(bias), name)
    return _epilogue(acc, rq, dtype)


dense_q7, dense_q7_wide, dense_q15, dense_q15_acc32 = _variants(
    _dense, "dense", "output[b][o] = requant(bias[o] + sum_i x[b][i] * w[o][i]); int32 accumulator.")
