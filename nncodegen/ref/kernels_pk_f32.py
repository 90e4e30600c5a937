"""Twins of the packed float32 kernels (templates_c/kernels/conv2d_pk_f32.c) and their generation-time packing:
weights in blocks of 16 output channels, [ceil(out_c / 16)][K][16].  The C sums each output in k order
(products rounded to float first); the twins, like every float twin, compute the same convolution in
float64 and round once (tests compare within the float tolerance; the C builds among themselves bit for bit)."""
from __future__ import annotations

from typing import Optional

import numpy as np

from ..lower.params import ActF32, ConvGeom, DenseGeom
from . import kernels_f32 as kf
from .kernels_q import _arr

BLOCK = 16
PKF_K = 384  # NNC_PKF_K


def pack_pk_f32(w) -> np.ndarray:
    """Weights [out_c][K] (any trailing shape) -> [ceil(out_c / 16)][K][16] float32, zeros past out_c."""
    w = np.asarray(w, np.float32)
    w = w.reshape(len(w), -1)
    oc, k = w.shape
    ob = -(-oc // BLOCK)
    full = np.zeros((ob * BLOCK, k), np.float32)
    full[:oc] = w
    return full.reshape(ob, BLOCK, k).transpose(0, 2, 1).reshape(-1)


def pack_pk_f32_groups(w, groups: int) -> np.ndarray:
    """Grouped weights [out_c][k_h][k_w][in_c / groups]: each group's channels packed on their own, one after another."""
    w = np.asarray(w, np.float32)
    n = len(w) // groups
    return np.concatenate([pack_pk_f32(w[i * n:(i + 1) * n]) for i in range(groups)])


def unpack_pk_f32_groups(wpk, out_c: int, k: int, groups: int) -> np.ndarray:
    n = out_c // groups
    size = -(-n // BLOCK) * BLOCK * k
    wpk = _arr(wpk, np.float32, (groups * size,))
    return np.concatenate([unpack_pk_f32(wpk[i * size:(i + 1) * size], n, k) for i in range(groups)])


def unpack_pk_f32(wpk, out_c: int, k: int) -> np.ndarray:
    ob = -(-out_c // BLOCK)
    w = _arr(wpk, np.float32, (ob * k * BLOCK,))
    return w.reshape(ob, k, BLOCK).transpose(0, 2, 1).reshape(ob * BLOCK, k)[:out_c]


def conv2d_pk_f32(g: ConvGeom, act: Optional[ActF32], input, wpk, bias) -> np.ndarray:
    k = g.k_h * g.k_w * g.in_c // g.groups
    if k > PKF_K or g.in_c % g.groups or g.out_c % g.groups:
        raise ValueError(f"conv2d_pk_f32 takes K <= {PKF_K} and groups dividing the channels: {g}")
    w = unpack_pk_f32_groups(wpk, g.out_c, k, g.groups).reshape(g.out_c, g.k_h, g.k_w, g.in_c // g.groups)
    return kf.conv2d_f32(g, act, input, w, bias)


def dense_pk_f32(g: DenseGeom, act: Optional[ActF32], input, wpk, bias) -> np.ndarray:
    return kf.dense_f32(g, act, input, unpack_pk_f32(wpk, g.out_features, g.in_features), bias)
