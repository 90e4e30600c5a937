"""Twins of the packed Q-format kernels (templates_c/kernels/conv2d_pk_q7.c) and the generation-time data they
read.  The weights are packed as for the affine int8 packed kernels (kernels_pk_s8.pack_pk_s8: blocks of 16
output channels x 4 k per 64-byte step, VPDPBUSD's layout), each kernel row first padded with zero weights
to a multiple of 4 products (pack_pk_q7), and the activations are offset to uint8
(x + 128, as bytes x ^ 0x80) and the offset folded into the bias:

    acc = bias_u[c] + sum_k (x[k] + 128) * w[c][k]        (modulo 2^32; taps outside the input: x = 0)
    bias_u[c] = bias[c] - 128 * sum_k w[c][k]              (modulo 2^32)

acc equals conv2d_q7 / dense_q7's int32 accumulator whenever their bound holds (the exact total fits int32,
so sums modulo 2^32 in any order give it); the epilogue is conv2d_q7's nnc_requantize.  So the result is
conv2d_q7's bit for bit, and the packed kernels are only used where conv2d_q7 (not _wide) is.
"""
from __future__ import annotations

import numpy as np

from ..lower.params import ConvGeom, DenseGeom, Requant
from . import affine as af
from .kernels_pk_s8 import PK_K, k4_of, pack_pk_s8, unpack_pk_s8
from .kernels_q import Q7, _arr, _check_acc32, _conv2d_sum, _conv_transpose2d_sum, _epilogue, _windows


def row_len(k_w: int, cin: int) -> int:
    """R: a kernel row's k_w * in_c products rounded up to a multiple of 4 (NNC's row-padded layout)."""
    return k4_of(k_w * cin)


def packed_k(k_h: int, k_w: int, cin: int) -> int:
    """K' = k_h * R, the products per output channel the packed kernels run (padding included)."""
    return k_h * row_len(k_w, cin)


def pack_pk_q7(w) -> np.ndarray:
    """Weights [out_c][k_h][k_w][in_c] (a dense [out][in] is one kernel row) -> the row-padded packed array:
    each kernel row's k_w * in_c weights followed by zeros up to R (so no 4-byte group of k crosses a kernel
    row and the kernel can read the rows of windows inside the input in place), then pack_pk_s8's
    [ceil(out_c / 16)][K' / 4][16][4] blocks over K' = k_h * R."""
    w = np.asarray(w)
    if w.ndim == 2:
        w = w[:, None, None, :]
    oc, kh, kw, cin = w.shape
    r = row_len(kw, cin)
    wr = np.zeros((oc, kh, r), np.int64)
    wr[:, :, :kw * cin] = w.reshape(oc, kh, kw * cin)
    return pack_pk_s8(wr.reshape(oc, kh * r))


def unpack_pk_q7(wpk, out_c: int, k_h: int, k_w: int, cin: int) -> np.ndarray:
    """The [out_c][k_h * k_w * in_c] weights of a row-padded packed array (its inverse)."""
    r = row_len(k_w, cin)
    return unpack_pk_s8(wpk, out_c, k_h * r).reshape(out_c, k_h, r)[:, :, :k_w * cin].reshape(out_c, -1)


def pk_bias_q7(w, b) -> np.ndarray:
    """bias_u: bias - 128 * sum_k w[c][k] modulo 2^32, zero-padded to a multiple of 16 (int32)."""
    w = np.asarray(w).astype(np.int64)
    w = w.reshape(len(w), -1)
    bias = np.zeros(len(w), np.int64) if b is None else np.asarray(b).astype(np.int64)
    out = np.zeros(-(-len(w) // 16) * 16, np.int64)
    out[:len(w)] = bias - 128 * w.sum(axis=1)
    return af.wrap32(out).astype(np.int32)


def _bias_u(bias_u, out_c: int) -> np.ndarray:
    return _arr(bias_u, np.int32, (-(-out_c // 16) * 16,)).astype(np.int64)[:out_c]


def conv2d_pk_q7(g: ConvGeom, rq: Requant, x, wpk, bias_u) -> np.ndarray:
    """One-group convolution over packed weights: acc = bias_u[c] + sum (x + 128) * w (padded taps: x = 0)
    modulo 2^32, then conv2d_q7's epilogue."""
    if g.groups != 1:
        raise ValueError(f"conv2d_pk_q7 takes one group: {g}")
    k = g.k_h * g.k_w * g.in_c
    if packed_k(g.k_h, g.k_w, g.in_c) > PK_K:
        raise ValueError(f"conv2d_pk_q7: K' = {packed_k(g.k_h, g.k_w, g.in_c)} above {PK_K}")
    x = _arr(x, Q7, (g.batch, g.in_h, g.in_w, g.in_c)).astype(np.int64)
    w = unpack_pk_q7(wpk, g.out_c, g.k_h, g.k_w, g.in_c)
    _check_acc32(_conv2d_sum(g, np.abs(x), np.abs(w).reshape(g.out_c, g.k_h, g.k_w, g.in_c)), "conv2d_pk_q7")
    cols = _windows(g, x + 128, 128, dilated=True)
    n, oh, ow = cols.shape[:3]
    acc = af.wrap32(cols.reshape(n * oh * ow, k) @ w.T + _bias_u(bias_u, g.out_c)).astype(np.int64)
    return _epilogue(acc, rq, Q7).reshape(n, oh, ow, g.out_c)


def dense_pk_q7(g: DenseGeom, rq: Requant, x, wpk, bias_u) -> np.ndarray:
    """Fully connected over packed weights: acc = bias_u[o] + sum_i (x[b][i] + 128) * w[o][i] modulo 2^32."""
    if k4_of(g.in_features) > PK_K:
        raise ValueError(f"dense_pk_q7: K = {g.in_features} above {PK_K}")
    x = _arr(x, Q7, (g.batch, g.in_features)).astype(np.int64)
    w = unpack_pk_q7(wpk, g.out_features, 1, 1, g.in_features)
    _check_acc32(np.abs(x) @ np.abs(w).T, "dense_pk_q7")
    acc = af.wrap32((x + 128) @ w.T + _bias_u(bias_u, g.out_features)).astype(np.int64)
    return _epilogue(acc, rq, Q7)


# ---------------------------------------------------------------- depthwise (conv2d_dw_q7)

PW4_STEPS = 4  # NNC_PW4_STEPS (conv2d_pk_q7.h)


def pack_pw4_q7(w):
    """One-group 1x1 weights [out_c][1][1][in_c] (in_c % 4 == 0) -> (steps, idx, w4) of conv2d_pw4_q7: each
    channel's 4-byte groups holding a nonzero weight in increasing order, padded with steps of zeros (group 0)
    to the largest count (at least one step); idx uint8 [steps][out_c], w4 int8 [steps][out_c][4]."""
    w = np.asarray(w)
    oc, cin = w.shape[0], w.shape[-1]
    grp = w.reshape(oc, cin // 4, 4)
    nz = [np.flatnonzero(np.any(grp[c] != 0, axis=1)) for c in range(oc)]
    steps = max([1] + [len(z) for z in nz])
    idx = np.zeros((steps, oc), np.uint8)
    w4 = np.zeros((steps, oc, 4), np.int8)
    for c, z in enumerate(nz):
        for d, j in enumerate(z):
            idx[d, c] = j
            w4[d, c] = grp[c, j]
    return steps, idx.reshape(-1), w4.reshape(-1)


def pw4_fits(g: ConvGeom, w) -> bool:
    """Whether conv2d_pw4_q7 takes the one-group layer g with weights w and pays: a 1x1 layer, stride 1, no
    padding, in_c % 4 == 0, out_c <= 16 with 16 // out_c pixels' bytes in one 64-byte vector (the AVX512-VNNI
    path) and, for out_c other than 4, 8 and 16, in the AVX2 path's 32 bytes too (8 // out_c pixels, one for more
    than 8 channels), each channel reading at most PW4_STEPS 4-byte groups (narrow layers, and grouped ones in
    their one-group form)."""
    if (g.k_h, g.k_w, g.stride_h, g.stride_w, g.pad_top, g.pad_left, g.groups) != (1, 1, 1, 1, 0, 0, 1) or \
            g.in_h != g.out_h or g.in_w != g.out_w or g.in_c % 4 or g.out_c > 16 or \
            16 // g.out_c * g.in_c > 64 or \
            (g.out_c not in (4, 8, 16) and (g.in_c if g.out_c > 8 else 8 // g.out_c * g.in_c) > 32):
        return False
    steps = pack_pw4_q7(w)[0]
    return steps <= PW4_STEPS


def unpack_pw4_q7(steps: int, idx, w4, out_c: int, in_c: int) -> np.ndarray:
    """The one-group weights [out_c][in_c] (int64) conv2d_pw4_q7 multiplies by."""
    idx = _arr(idx, np.uint8, (steps * out_c,)).reshape(steps, out_c)
    w4 = _arr(w4, np.int8, (steps * out_c * 4,)).reshape(steps, out_c, 4).astype(np.int64)
    if int(idx.max(initial=0)) >= in_c // 4:
        raise ValueError(f"conv2d_pw4_q7: a group index reaches {int(idx.max())} >= in_c / 4 = {in_c // 4}")
    w = np.zeros((out_c, in_c), np.int64)
    for d in range(steps):
        for c in range(out_c):
            w[c, 4 * int(idx[d, c]):4 * int(idx[d, c]) + 4] += w4[d, c]
    return w


def conv2d_pw4_q7(g: ConvGeom, rq: Requant, x, steps: int, idx, w4, bias_u) -> np.ndarray:
    """1x1 convolution over a few 4-byte groups per output channel: acc = bias_u[c] + sum over the steps of
    (x + 128) * w4 modulo 2^32, then conv2d_q7's epilogue."""
    if (g.k_h, g.k_w, g.stride_h, g.stride_w, g.pad_top, g.pad_left, g.groups) != (1, 1, 1, 1, 0, 0, 1) or \
            g.in_h != g.out_h or g.in_w != g.out_w or g.in_c % 4 or not 1 <= steps <= PW4_STEPS:
        raise ValueError(f"conv2d_pw4_q7: not a legal geometry / step count: {g}, steps {steps}")
    x = _arr(x, Q7, (g.batch, g.in_h, g.in_w, g.in_c)).astype(np.int64).reshape(-1, g.in_c)
    w = unpack_pw4_q7(steps, idx, w4, g.out_c, g.in_c)
    _check_acc32(np.abs(x) @ np.abs(w).T, "conv2d_pw4_q7")
    b = _arr(bias_u, np.int32, (g.out_c,)).astype(np.int64)
    acc = af.wrap32((x + 128) @ w.T + b).astype(np.int64)
    return _epilogue(acc, rq, Q7).reshape(g.batch, g.out_h, g.out_w, g.out_c)


def pack_dw_q7(w) -> np.ndarray:
    """Depthwise weights [c][k_h][k_w][1] -> [ceil(c / 16)][k_h * k_w][16] int8: lane j of block cb holds
    channel cb * 16 + j, past c zeros, except for c = 1, 2, 4, 8, whose one block repeats the c channels in
    all 16 lanes (lane j: channel j % c; conv2d_dw_q7's 16 / c pixels per register read them)."""
    w = np.asarray(w).astype(np.int64)
    c = w.shape[0]
    taps = int(np.prod(w.shape[1:]))
    full = np.zeros((-(-c // 16) * 16, taps), np.int64)
    full[:c] = w.reshape(c, taps)
    if c in (1, 2, 4, 8):
        full = full[np.arange(16) % c]
    return full.reshape(-1, 16, taps).transpose(0, 2, 1).reshape(-1).astype(Q7)


def unpack_dw_q7(wdw, c: int, k_h: int, k_w: int) -> np.ndarray:
    """The [c][k_h][k_w][1] weights of a packed depthwise array (its inverse)."""
    cb, taps = -(-c // 16), k_h * k_w
    w = _arr(wdw, Q7, (cb * taps * 16,)).astype(np.int64)
    return w.reshape(cb, taps, 16).transpose(0, 2, 1).reshape(cb * 16, taps)[:c].reshape(c, k_h, k_w, 1)


def conv2d_dw_q7(g: ConvGeom, rq: Requant, x, wdw, b) -> np.ndarray:
    """Depthwise convolution (groups == in_c == out_c) over packed weights: conv2d_q7 on the unpacked ones."""
    from .kernels_q import conv2d_q7
    if not g.groups == g.in_c == g.out_c:
        raise ValueError(f"conv2d_dw_q7 takes depthwise layers with multiplier 1: {g}")
    return conv2d_q7(g, rq, x, unpack_dw_q7(wdw, g.in_c, g.k_h, g.k_w).astype(Q7), b)


# ---------------------------------------------------------------- transposed (conv_transpose2d_pk_q7)

def ct_phase_taps(k: int, stride: int, dil: int):
    """Per phase r in 0 .. stride - 1 of an output coordinate (r = (o + pad) % stride): the kernel taps that
    reach it, [kk for kk in 0 .. k - 1 if kk * dil % stride == r] (ascending)."""
    return [[kk for kk in range(k) if kk * dil % stride == r] for r in range(stride)]


def ct_phases(g: ConvGeom):
    """The phases of conv_transpose2d_pk_q7 in its order (ry major, rx minor): (ry, rx, kys, kxs)."""
    ty, tx = ct_phase_taps(g.k_h, g.stride_h, g.dil_h), ct_phase_taps(g.k_w, g.stride_w, g.dil_w)
    return [(ry, rx, ty[ry], tx[rx]) for ry in range(g.stride_h) for rx in range(g.stride_w)]


def ct_packed_k(g: ConvGeom) -> int:
    """The largest phase's K' (its taps x in_c rounded up to 4): what one output pixel's products run over."""
    c4 = k4_of(g.in_c)
    return max(len(kys) * len(kxs) * c4 for _, _, kys, kxs in ct_phases(g))


def _ct_phase_w(w, kys, kxs, c4):
    """[out_c][taps][c4] (zeros past in_c): one phase's weights, taps ky major."""
    oc, cin = w.shape[0], w.shape[3]
    wp = np.zeros((oc, len(kys) * len(kxs), c4), np.int64)
    for t, (ky, kx) in enumerate((ky, kx) for ky in kys for kx in kxs):
        wp[:, t, :cin] = w[:, ky, kx, :]
    return wp


def pack_ct_q7(g: ConvGeom, w) -> np.ndarray:
    """Transposed-convolution weights [out_c][k_h][k_w][in_c] (one group) -> the packed int8 array: per phase (ct_phases order) the phase's taps, each in_c weights padded with zeros to c4 (a multiple of 4),
    packed as pack_pk_s8's [ceil(out_c / 16)][K' / 4][16][4] blocks, the phases concatenated.  A phase without
    taps has no bytes."""
    w = np.asarray(w).astype(np.int64)
    c4 = k4_of(g.in_c)
    parts = [pack_pk_s8(_ct_phase_w(w, kys, kxs, c4).reshape(g.out_c, -1))
             for _, _, kys, kxs in ct_phases(g) if kys and kxs]
    return np.concatenate(parts).astype(Q7) if parts else np.zeros(0, Q7)


def ct_bias_q7(g: ConvGeom, w, b) -> np.ndarray:
    """bias_u per phase (ct_phases order, ceil(out_c / 16) * 16 int32 each): bias - 128 * the sum of the
    phase's weights, modulo 2^32."""
    w = np.asarray(w).astype(np.int64)
    return np.concatenate([pk_bias_q7(_ct_phase_w(w, kys, kxs, k4_of(g.in_c)).reshape(g.out_c, -1), b)
                           for _, _, kys, kxs in ct_phases(g)])


def conv_transpose2d_pk_q7(g: ConvGeom, rq: Requant, x, wpk, bias_u) -> np.ndarray:
    """One-group transposed convolution over phase-packed weights (pack_ct_q7): output pixel (oy, ox) of phase
    (ry, rx) = ((oy + pad_top) % stride_h, (ox + pad_left) % stride_w) sums its phase's taps only,
    acc = bias_u[phase][c] + sum_taps sum_ci (x[iy][ix][ci] + 128) * w[c][ky][kx][ci] modulo 2^32 with
    iy = (oy + pad_top - ky * dil_h) / stride_h (x = 0 where (iy, ix) lies outside the input), then
    conv_transpose2d_q7's epilogue."""
    if g.groups != 1:
        raise ValueError(f"conv_transpose2d_pk_q7 takes one group: {g}")
    if ct_packed_k(g) > PK_K:
        raise ValueError(f"conv_transpose2d_pk_q7: K' = {ct_packed_k(g)} above {PK_K}")
    x = _arr(x, Q7, (g.batch, g.in_h, g.in_w, g.in_c)).astype(np.int64)
    ob16, c4 = -(-g.out_c // 16) * 16, k4_of(g.in_c)
    bu = _arr(bias_u, np.int32, (g.stride_h * g.stride_w * ob16,)).astype(np.int64).reshape(-1, ob16)
    wpk = _arr(wpk, Q7, (-(-g.out_c // 16) * 16 * g.k_h * g.k_w * c4,))
    wfull = np.zeros((g.out_c, g.k_h, g.k_w, g.in_c), np.int64)  # unpacked, for the accumulator bound
    acc = np.zeros((g.batch, g.out_h, g.out_w, g.out_c), np.int64)
    at = 0
    for p, (ry, rx, kys, kxs) in enumerate(ct_phases(g)):
        oys = np.arange((ry - g.pad_top) % g.stride_h, g.out_h, g.stride_h)
        oxs = np.arange((rx - g.pad_left) % g.stride_w, g.out_w, g.stride_w)
        nt = len(kys) * len(kxs)
        part = np.zeros((g.batch, len(oys), len(oxs), g.out_c), np.int64) + bu[p, :g.out_c]
        if nt:
            size = -(-g.out_c // 16) * 16 * nt * c4
            wp = unpack_pk_s8(wpk[at:at + size], g.out_c, nt * c4).reshape(g.out_c, nt, c4)
            at += size
            for t, (ky, kx) in enumerate((ky, kx) for ky in kys for kx in kxs):
                wfull[:, ky, kx, :] = wp[:, t, :g.in_c]
                ty, tx = oys + g.pad_top - ky * g.dil_h, oxs + g.pad_left - kx * g.dil_w  # multiples of stride
                iy, ix = ty // g.stride_h, tx // g.stride_w
                vy, vx = (ty >= 0) & (iy < g.in_h), (tx >= 0) & (ix < g.in_w)
                xs = np.zeros((g.batch, len(oys), len(oxs), c4), np.int64)
                xs[:, :, :, :g.in_c] = x[:, np.clip(iy, 0, g.in_h - 1)][:, :, np.clip(ix, 0, g.in_w - 1)]
                xs *= (vy[:, None] & vx[None, :])[None, :, :, None]
                part += (xs + 128) @ wp[:, t, :].T
        acc[:, oys[:, None], oxs[None, :], :] = af.wrap32(part)
    # conv_transpose2d_q7's bound (its int32 accumulator): the bias is bias_u of any phase + 128 * its weights
    kys, kxs = ct_phases(g)[0][2:]
    bias = af.wrap32(bu[0, :g.out_c] + 128 * wfull[:, kys][:, :, kxs].reshape(g.out_c, -1).sum(axis=1))
    _check_acc32(_conv_transpose2d_sum(g, np.abs(x), np.abs(wfull)) + np.abs(bias), "conv_transpose2d_pk_q7")
    return _epilogue(acc, rq, Q7)
