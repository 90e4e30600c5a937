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


def unpack_pk_f32(wpk, out_c: int, k: int) -> np.ndarray:
    ob = -(-out_c // BLOCK)
    w = _arr(wpk, np.float32, (ob * k * BLOCK,))
    return w.reshape(ob, k, BLOCK).transpose(0, 2, 1).reshape(ob * BLOCK, k)[:out_c]


def conv2d_pk_f32(g: ConvGeom, act: Optional[ActF32], input, wpk, bias) -> np.ndarray:
    if g.groups != 1 or g.k_h * g.k_w * g.in_c > PKF_K:
        raise ValueError(f"conv2d_pk_f32 takes one group and K <= {PKF_K}: {g}")
    w = unpack_pk_f32(wpk, g.out_c, g.k_h * g.k_w * g.in_c).reshape(g.out_c, g.k_h, g.k_w, g.in_c)
    return kf.conv2d_f32(g, act, input, w, bias)


def dense_pk_f32(g: DenseGeom, act: Optional[ActF32], input, wpk, bias) -> np.ndarray:
    return kf.dense_f32(g, act, input, unpack_pk_f32(wpk, g.out_features, g.in_features), bias)
