"""Twins of the packed affine int8 kernels (templates_c/kernels/conv2d_pk_s8.c) and the generation-time
packing they read: weights interleaved for 4-byte dot products (VPDPBUSD: 16 output channels x 4 k per
64-byte step) and the bias with the offsets folded in, for activations offset to uint8 (x + 128).

    acc = bias_u[c] + sum_k (x[k] + 128) * w[c][k]        (modulo 2^32; padded taps read the zero point)
    bias_u[c] = bias[c] + (input_offset - 128) * sum_k w[c][k]

which is conv2d_s8 / dense_s8's accumulator whenever their int32 bound holds.
"""
from __future__ import annotations

import numpy as np

from ..lower.params import ConvGeom, DenseGeom, RequantS8
from . import affine as af
from .kernels_q import _arr
from .kernels_s8 import _check_acc32, _conv_sum, _epilogue, _windows

S8 = np.int8
BLOCK = 16  # output channels per block
PK_K = 2048  # NNC_PK_K: largest K (rounded up to 4) the C kernels take


def k4_of(k: int) -> int:
    return (k + 3) // 4 * 4


def pack_pk_s8(w) -> np.ndarray:
    """Weights [out_c][K] (any trailing shape) -> the packed int8 array: [ceil(out_c / 16)][K4 / 4][16][4]."""
    w = np.asarray(w).astype(np.int64)
    w = w.reshape(len(w), -1)
    oc, k = w.shape
    ob, k4 = -(-oc // BLOCK), k4_of(k)
    full = np.zeros((ob * BLOCK, k4), np.int64)
    full[:oc, :k] = w
    return full.reshape(ob, BLOCK, k4 // 4, 4).transpose(0, 2, 1, 3).reshape(-1).astype(S8)


def unpack_pk_s8(wpk, out_c: int, k: int) -> np.ndarray:
    """The [out_c][K] weights of a packed array (its inverse)."""
    ob, k4 = -(-out_c // BLOCK), k4_of(k)
    w = _arr(wpk, S8, (ob * (k4 // 4) * BLOCK * 4,)).astype(np.int64)
    return w.reshape(ob, k4 // 4, BLOCK, 4).transpose(0, 2, 1, 3).reshape(ob * BLOCK, k4)[:out_c, :k]


def expand_groups(w, groups: int, in_c: int) -> np.ndarray:
    """Grouped weights [out_c][k_h][k_w][in_c / groups] -> the one-group [out_c][k_h][k_w][in_c] with zeros
    outside each output channel's group (block-diagonal): the same sums, so conv2d_pk_s8 can run a grouped
    layer whose groups are too narrow for conv2d_s8's fast paths."""
    w = np.asarray(w)
    oc, cin_g = w.shape[0], w.shape[-1]
    if in_c != cin_g * groups or oc % groups:
        raise ValueError(f"{groups} groups do not divide in_c {in_c} / out_c {oc}")
    full = np.zeros(w.shape[:-1] + (in_c,), w.dtype)
    for c in range(oc):
        grp = c // (oc // groups)
        full[c, ..., grp * cin_g:(grp + 1) * cin_g] = w[c]
    return full


def expand_pays(groups: int, k: int, in_c: int, out_c: int) -> bool:
    """Whether a grouped layer (k = k_h * k_w) runs faster as its block-diagonal one-group form on the packed
    kernel than on conv2d_s8: groups too narrow for conv2d_s8's channel blocks (depthwise layers whose
    channels are not a multiple of its 16-channel block, or other grouped layers), and a dense form small
    enough (out_c * K <= 8192 products per pixel, K4 within the kernel's row)."""
    depthwise_blocks = groups == in_c == out_c and in_c % 16 == 0
    return groups > 1 and not depthwise_blocks and out_c * k * in_c <= 8192 and k4_of(k * in_c) <= PK_K


def pk_bias_s8(w, b, input_offset: int) -> np.ndarray:
    """bias_u: bias + (input_offset - 128) * sum_k w[c][k] modulo 2^32, zero-padded to a multiple of 16 (int32)."""
    w = np.asarray(w).astype(np.int64)
    w = w.reshape(len(w), -1)
    bias = np.zeros(len(w), np.int64) if b is None else np.asarray(b).astype(np.int64)
    out = np.zeros(-(-len(w) // BLOCK) * BLOCK, np.int64)
    out[:len(w)] = bias + (int(input_offset) - 128) * w.sum(axis=1)
    return af.wrap32(out).astype(np.int32)


def _bias_u(bias_u, out_c: int) -> np.ndarray:
    n = -(-out_c // BLOCK) * BLOCK
    return _arr(bias_u, np.int32, (n,)).astype(np.int64)[:out_c]


def conv2d_pk_s8(g: ConvGeom, rq: RequantS8, x, wpk, bias_u) -> np.ndarray:
    """One-group convolution over packed weights: acc = bias_u[c] + sum (x + 128) * w (padded taps: the zero
    point's 128 - input_offset) modulo 2^32, then conv2d_s8's epilogue."""
    if g.groups != 1:
        raise ValueError(f"conv2d_pk_s8 takes one group: {g}")
    k = g.k_h * g.k_w * g.in_c
    if k4_of(k) > PK_K:
        raise ValueError(f"conv2d_pk_s8: K = {k} above {PK_K}")
    x = _arr(x, S8, (g.batch, g.in_h, g.in_w, g.in_c)).astype(np.int64)
    w = unpack_pk_s8(wpk, g.out_c, k)
    _check_acc32(_conv_sum(g, np.abs(x + rq.input_offset), np.abs(w).reshape(g.out_c, g.k_h, g.k_w, g.in_c)),
                 "conv2d_pk_s8")
    cols = _windows(g, x + 128, 128 - rq.input_offset, dilated=True)
    n, oh, ow = cols.shape[:3]
    acc = af.wrap32(cols.reshape(n * oh * ow, k) @ w.T + _bias_u(bias_u, g.out_c)).astype(np.int64)
    return _epilogue(acc, rq).reshape(n, oh, ow, g.out_c)


def dense_pk_s8(g: DenseGeom, rq: RequantS8, x, wpk, bias_u) -> np.ndarray:
    """Fully connected over packed weights: acc = bias_u[o] + sum_i (x[b][i] + 128) * w[o][i] modulo 2^32."""
    if k4_of(g.in_features) > PK_K:
        raise ValueError(f"dense_pk_s8: K = {g.in_features} above {PK_K}")
    x = _arr(x, S8, (g.batch, g.in_features)).astype(np.int64)
    w = unpack_pk_s8(wpk, g.out_features, g.in_features)
    _check_acc32(np.abs(x + rq.input_offset) @ np.abs(w).T, "dense_pk_s8")
    acc = af.wrap32((x + 128) @ w.T + _bias_u(bias_u, g.out_features)).astype(np.int64)
    return _epilogue(acc, rq)
