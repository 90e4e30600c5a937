"""Twins of the affine int8 MAC kernels (conv2d_s8.c, dense_s8.c, conv_transpose2d_s8.c: the plain,
1x1 and DSP-packed 1x1 convolutions) and the int8 requantization epilogue the other families share.
See kernels_s8.py for the conventions."""
from __future__ import annotations

import numpy as np

from ..lower.params import ConvGeom, DenseGeom, RequantS8
from . import affine as af
from . import sf32
from .kernels_common import ACC32_LIMIT, _arr, _bias, _check_groups, _conv2d_sum as _conv_sum


S8 = np.int8


U8 = np.uint8


def _bounds(lo: int, hi: int) -> None:
    if not -128 <= lo <= hi <= 127:
        raise ValueError(f"saturation bounds [{lo}, {hi}] not inside int8")


def _epilogue(acc: np.ndarray, rq: RequantS8) -> np.ndarray:
    _bounds(rq.out_min, rq.out_max)
    n = acc.shape[-1]
    if len(rq.multiplier) != n or len(rq.shift) != n:
        raise ValueError(f"requant has {len(rq.multiplier)} multipliers for {n} output channels")
    return af.requant_s8(acc, np.asarray(rq.multiplier, np.int64), np.asarray(rq.shift, np.int64),
                         rq.output_offset, rq.out_min, rq.out_max, rq.rounding).astype(S8)


def _check_acc32(bound: np.ndarray, kernel: str) -> None:
    if bound.size and int(bound.max()) >= ACC32_LIMIT:
        raise OverflowError(f"{kernel}: |bias| + sum |(x - zp) * w| reaches {int(bound.max())} >= 2^31; "
                            f"the int32 accumulator may overflow")


def conv2d_s8(g: ConvGeom, rq: RequantS8, x, w, b) -> np.ndarray:
    """Grouped conv (incl. depthwise and 1x1), NHWC, weights [out_c][k_h][k_w][in_c/groups] (symmetric,
    zero point 0), bias int32 or None.  Padded taps are skipped (they read the input zero point).
    acc = bias + sum (x + input_offset) * w in int32 (the caller proves it cannot overflow)."""
    _check_groups(g)
    x = _arr(x, S8, (g.batch, g.in_h, g.in_w, g.in_c)).astype(np.int64) + rq.input_offset
    w = _arr(w, S8, (g.out_c, g.k_h, g.k_w, g.in_c // g.groups))
    bias = _bias(b, g.out_c)
    _check_acc32(_conv_sum(g, np.abs(x), np.abs(w.astype(np.int64))) + np.abs(bias), "conv2d_s8")
    return _epilogue(_conv_sum(g, x, w) + bias, rq)


def dense_s8(g: DenseGeom, rq: RequantS8, x, w, b) -> np.ndarray:
    """output[b][o] = requant(bias[o] + sum_i (x[b][i] + input_offset) * w[o][i])."""
    x = _arr(x, S8, (g.batch, g.in_features)).astype(np.int64) + rq.input_offset
    w = _arr(w, S8, (g.out_features, g.in_features)).astype(np.int64)
    bias = _bias(b, g.out_features)
    _check_acc32(np.abs(x) @ np.abs(w).T + np.abs(bias), "dense_s8")
    return _epilogue(x @ w.T + bias, rq)


def pw_bias_s8(w, b, input_offset: int) -> np.ndarray:
    """conv2d_pw_s8's bias with the input offset folded in: bias[c] + input_offset * sum_k w[c][k], modulo 2^32
    (int32; lowering computes it once per output channel)."""
    w = np.asarray(w).astype(np.int64).reshape(len(w), -1)
    return af.wrap32(_bias(b, len(w)) + int(input_offset) * w.sum(axis=1)).astype(np.int32)


def conv2d_pw_s8(g: ConvGeom, rq: RequantS8, x, w, bias_x) -> np.ndarray:
    """1x1 convolution (stride 1, no padding, one group) with the input offset folded into bias_x
    (pw_bias_s8): acc = bias_x[c] + sum_k x[p][k] * w[c][k] modulo 2^32, which is conv2d_s8's accumulator
    whenever conv2d_s8's bound holds (the exact total fits int32); rq.input_offset is not used."""
    if (g.k_h, g.k_w, g.stride_h, g.stride_w, g.pad_top, g.pad_left, g.groups) != (1, 1, 1, 1, 0, 0, 1) or \
            (g.out_h, g.out_w) != (g.in_h, g.in_w):
        raise ValueError(f"conv2d_pw_s8 takes 1x1 convolutions with stride 1, no padding, one group: {g}")
    x = _arr(x, S8, (g.batch, g.in_h, g.in_w, g.in_c)).astype(np.int64).reshape(-1, g.in_c)
    w = _arr(w, S8, (g.out_c, 1, 1, g.in_c)).astype(np.int64).reshape(g.out_c, g.in_c)
    bx = _arr(bias_x, np.int32, (g.out_c,)).astype(np.int64)
    _check_acc32(np.abs(x) @ np.abs(w).T, "conv2d_pw_s8")
    acc = af.wrap32(x @ w.T + bx).astype(np.int64)
    return _epilogue(acc, rq).reshape(g.batch, g.out_h, g.out_w, g.out_c)


def pack_pwp_s8(w) -> np.ndarray:
    """conv2d_pwp_s8's weights: [out_c][in_c] (any trailing shape) int8 -> int32 words of int16 pairs, for each
    output channel pair and four inputs k0 .. k3: (w[c][k0], w[c][k2]), (w[c][k1], w[c][k3]) for c = 2 cp, then
    2 cp + 1 (first element in the low half), zero-padded to even out_c and in_c a multiple of 4."""
    w = np.asarray(w).astype(np.int64)
    w = w.reshape(len(w), -1)
    oc, k = w.shape
    full = np.zeros((-(-oc // 2) * 2, -(-k // 4) * 4), np.int64)
    full[:oc, :k] = w
    q = full.reshape(len(full) // 2, 2, -1, 2, 2)  # [cp][c % 2][k / 4][(k % 4) / 2: half][k % 2: word]
    q = q.transpose(0, 2, 1, 4, 3)  # [cp][k / 4][c % 2][word][half]
    words = (q[..., 0] & 0xFFFF) | ((q[..., 1] & 0xFFFF) << 16)
    return af.wrap32(words.reshape(-1)).astype(np.int32)


def unpack_pwp_s8(wpk, out_c: int, in_c: int) -> np.ndarray:
    """The [out_c][in_c] weights of a pack_pwp_s8 array (its inverse)."""
    cp, g4 = -(-out_c // 2), -(-in_c // 4)
    v = _arr(wpk, np.int32, (cp * g4 * 4,)).astype(np.int64) & 0xFFFFFFFF
    halves = np.stack([v & 0xFFFF, v >> 16], axis=-1)
    halves = np.where(halves >= 0x8000, halves - 0x10000, halves).reshape(cp, g4, 2, 2, 2)
    return halves.transpose(0, 2, 1, 4, 3).reshape(cp * 2, g4 * 4)[:out_c, :in_c]


def conv2d_pwp_s8(g: ConvGeom, rq: RequantS8, x, wpk, bias_x) -> np.ndarray:
    """conv2d_pw_s8 over pack_pwp_s8's packed weights: the same sums, the same bits."""
    w = unpack_pwp_s8(wpk, g.out_c, g.in_c)
    return conv2d_pw_s8(g, rq, x, w.reshape(g.out_c, 1, 1, g.in_c).astype(S8), bias_x)


def _table_f32(table, what: str) -> np.ndarray:
    t = np.asarray(table, dtype=np.int64)
    if t.shape != (256,) or t.min() < 0 or t.max() >= 1 << 32:
        raise ValueError(f"{what} must hold 256 float32 bit patterns")
    return sf32.from_bits(t)


def conv_transpose2d_s8(g: ConvGeom, rq: RequantS8, x, w, b) -> np.ndarray:
    """TFLite's int8 TRANSPOSE_CONV (see conv_transpose2d_s8.h): input pixel (iy, ix) adds
    (x + input_offset) * w[:, ky, kx, :] to output pixel (iy * stride - pad + ky * dil, ...); bias, requantize."""
    if g.groups != 1:
        raise ValueError("conv_transpose2d_s8: groups must be 1")
    xo = _arr(x, S8, (g.batch, g.in_h, g.in_w, g.in_c)).astype(np.int64) + rq.input_offset
    w = _arr(w, S8, (g.out_c, g.k_h, g.k_w, g.in_c)).astype(np.int64)
    bias = _bias(b, g.out_c)
    h = max((g.in_h - 1) * g.stride_h + (g.k_h - 1) * g.dil_h + 1, g.out_h + g.pad_top)
    wd = max((g.in_w - 1) * g.stride_w + (g.k_w - 1) * g.dil_w + 1, g.out_w + g.pad_left)

    def scatter(xv, wv):
        acc = np.zeros((g.batch, h, wd, g.out_c), dtype=np.int64)
        for ky in range(g.k_h):
            for kx in range(g.k_w):
                y0, x0 = ky * g.dil_h, kx * g.dil_w
                acc[:, y0:y0 + (g.in_h - 1) * g.stride_h + 1:g.stride_h,
                    x0:x0 + (g.in_w - 1) * g.stride_w + 1:g.stride_w] += np.einsum("nyxc,oc->nyxo", xv, wv[:, ky, kx])
        return acc[:, g.pad_top:g.pad_top + g.out_h, g.pad_left:g.pad_left + g.out_w]

    _check_acc32(scatter(np.abs(xo), np.abs(w)) + np.abs(bias), "conv_transpose2d_s8")
    return _epilogue(scatter(xo, w) + bias, rq)
