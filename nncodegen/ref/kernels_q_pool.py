"""Twins of the Q-format pools (pool_q7.c / pool_q15.c); see kernels_q.py."""
from __future__ import annotations

import numpy as np

from ..lower.params import ConvGeom
from . import fixedpoint as fx
from .float_ops import avgpool_counts
from .kernels_common import _arr, _pad_after, _windows
from .kernels_q_mac import Q7, Q15


def _maxpool(g: ConvGeom, x, dtype) -> np.ndarray:
    x = _arr(x, dtype, (g.batch, g.in_h, g.in_w, g.in_c))
    # padding with the type's minimum is the same as ignoring it; an all-padding window gives the minimum
    cols = _windows(g, x, int(np.iinfo(dtype).min), dilated=False)
    return cols.max(axis=(3, 4)).astype(dtype)


def maxpool_q7(g: ConvGeom, x) -> np.ndarray:
    return _maxpool(g, x, Q7)


def maxpool_q15(g: ConvGeom, x) -> np.ndarray:
    return _maxpool(g, x, Q15)


def avgpool_divisors(g: ConvGeom, count_include_pad: int) -> np.ndarray:
    """Divisor of every output position, (out_h, out_w): float_ops.avgpool_counts with the
    bottom/right padding implied by out_h/out_w (0 where a window has no real element)."""
    pads = (g.pad_top, g.pad_left, _pad_after(g.in_h, g.out_h, g.k_h, g.stride_h, g.pad_top),
            _pad_after(g.in_w, g.out_w, g.k_w, g.stride_w, g.pad_left))
    attrs = {"kernel": (g.k_h, g.k_w), "strides": (g.stride_h, g.stride_w), "pads": pads,
             "count_include_pad": bool(count_include_pad)}
    return avgpool_counts((g.in_h, g.in_w), attrs)[:g.out_h, :g.out_w]


def _avgpool(g: ConvGeom, count_include_pad: int, x, dtype) -> np.ndarray:
    x = _arr(x, dtype, (g.batch, g.in_h, g.in_w, g.in_c))
    s = _windows(g, x, 0, dilated=False).sum(axis=(3, 4))
    count = avgpool_divisors(g, count_include_pad)[None, :, :, None]
    q = fx.div_round(s, np.maximum(count, 1))
    return np.where(count > 0, q, 0).astype(dtype)


def avgpool_q7(g: ConvGeom, count_include_pad: int, x) -> np.ndarray:
    """div_round(sum of the real elements, count); count per avgpool_divisors."""
    return _avgpool(g, count_include_pad, x, Q7)


def avgpool_q15(g: ConvGeom, count_include_pad: int, x) -> np.ndarray:
    return _avgpool(g, count_include_pad, x, Q15)


def _global_avgpool(g: ConvGeom, x, dtype) -> np.ndarray:
    x = _arr(x, dtype, (g.batch, g.in_h, g.in_w, g.in_c)).astype(np.int64)
    return fx.div_round(x.sum(axis=(1, 2), keepdims=True), g.in_h * g.in_w).astype(dtype)


def global_avgpool_q7(g: ConvGeom, x) -> np.ndarray:
    """(N, 1, 1, C): div_round(sum over H*W, H*W)."""
    return _global_avgpool(g, x, Q7)


def global_avgpool_q15(g: ConvGeom, x) -> np.ndarray:
    return _global_avgpool(g, x, Q15)


def _global_maxpool(g: ConvGeom, x, dtype) -> np.ndarray:
    x = _arr(x, dtype, (g.batch, g.in_h, g.in_w, g.in_c))
    return x.max(axis=(1, 2), keepdims=True).astype(dtype)


def global_maxpool_q7(g: ConvGeom, x) -> np.ndarray:
    return _global_maxpool(g, x, Q7)


def global_maxpool_q15(g: ConvGeom, x) -> np.ndarray:
    return _global_maxpool(g, x, Q15)
