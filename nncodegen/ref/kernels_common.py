"""Helpers shared by the numpy twins of the integer kernels (kernels_q.py, kernels_s8*.py, kernels_s16.py,
kernels_pk_*.py): element-type checks of the buffers, the bias, and the padded windows and sums of a
convolution."""
from __future__ import annotations

import numpy as np

from ..lower.params import ConvGeom
from .float_ops import im2col

ACC32_LIMIT = 1 << 31


def _arr(x, dtype, shape=None) -> np.ndarray:
    """x as an array of the kernel's element type (values must fit), reshaped."""
    a = np.asarray(x)
    if a.dtype != dtype:
        if a.size and not np.issubdtype(a.dtype, np.integer):
            raise TypeError(f"expected {np.dtype(dtype).name} data, got {a.dtype}")
        info = np.iinfo(dtype)
        if a.size and (a.min() < info.min or a.max() > info.max):
            raise ValueError(f"values outside the range of {np.dtype(dtype).name}")
        a = a.astype(dtype)
    if shape is not None:
        shape = tuple(int(s) for s in shape)
        if a.size != int(np.prod(shape, dtype=np.int64)):
            raise ValueError(f"buffer of {a.size} elements, kernel expects shape {shape}")
        a = a.reshape(shape)
    return a


def _bias(b, n: int) -> np.ndarray:
    if b is None:
        return np.zeros(n, dtype=np.int64)
    return _arr(b, np.int32, (n,)).astype(np.int64)


def _pad_after(in_size: int, out_size: int, k: int, stride: int, pad_before: int, dil: int = 1) -> int:
    """Smallest bottom/right padding that gives out_size windows (C kernels derive it the same way)."""
    return max(0, (out_size - 1) * stride + dil * (k - 1) + 1 - in_size - pad_before)


def _windows(g: ConvGeom, x: np.ndarray, pad_value: int, dilated: bool) -> np.ndarray:
    """(N, OH, OW, KH, KW, C) patches of x (int64) with the geometry's padding."""
    dh, dw = (g.dil_h, g.dil_w) if dilated else (1, 1)
    pads = (g.pad_top, g.pad_left, _pad_after(g.in_h, g.out_h, g.k_h, g.stride_h, g.pad_top, dh),
            _pad_after(g.in_w, g.out_w, g.k_w, g.stride_w, g.pad_left, dw))
    if min(pads) < 0:
        raise ValueError("negative padding")
    cols = im2col(x.astype(np.int64), g.k_h, g.k_w, (g.stride_h, g.stride_w), pads, (dh, dw), pad_value)
    return cols[:, :g.out_h, :g.out_w]


def _check_groups(g) -> None:
    if g.groups < 1 or g.in_c % g.groups or g.out_c % g.groups:
        raise ValueError(f"groups {g.groups} must divide in_c {g.in_c} and out_c {g.out_c}")


def _conv2d_sum(g: ConvGeom, x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """sum x * w of a grouped conv (no bias), (N, OH, OW, Cout) int64."""
    cols = _windows(g, x, 0, dilated=True)
    n, oh, ow = cols.shape[:3]
    cin_g = g.in_c // g.groups
    cols = cols.reshape(n, oh, ow, g.k_h, g.k_w, g.groups, cin_g)
    wg = w.astype(np.int64).reshape(g.groups, g.out_c // g.groups, g.k_h, g.k_w, cin_g)
    return np.einsum("nyxhwgc,gohwc->nyxgo", cols, wg).reshape(n, oh, ow, g.out_c)
