"""Twins of the affine int8 pools and mean (pool_s8.c, mean_s8.c); see kernels_s8.py."""
from __future__ import annotations

import numpy as np

from ..lower.params import ConvGeom, GavgS8, MeanS8, PoolOrtS8, PoolS8
from . import affine as af
from . import sf32
from .kernels_common import ACC32_LIMIT, _arr, _windows
from .kernels_q import avgpool_divisors
from .kernels_s8_mac import S8, _bounds, _table_f32


def maxpool_s8(g: ConvGeom, x) -> np.ndarray:
    """Max over the window's real elements (padding ignored; an empty window gives -128)."""
    x = _arr(x, S8, (g.batch, g.in_h, g.in_w, g.in_c))
    return _windows(g, x, -128, dilated=False).max(axis=(3, 4)).astype(S8)


def avgpool_s8(g: ConvGeom, p: PoolS8, x) -> np.ndarray:
    """Average pool.  count: the real elements of the window, or (count_include_pad) the window clipped
    to the padded input, each padded tap adding the zero point.  half_even 0: TFLite's
    sat(avg_round(sum, count)), ties away from zero; 1: ONNX's
    sat(div_round_even(sum - count * zp, count) + zp), ties to even on the real values."""
    _bounds(p.out_min, p.out_max)
    x = _arr(x, S8, (g.batch, g.in_h, g.in_w, g.in_c))
    s = _windows(g, x, 0, dilated=False).sum(axis=(3, 4))
    real = avgpool_divisors(g, 0)[None, :, :, None]
    count = avgpool_divisors(g, p.count_include_pad)[None, :, :, None]
    s = s + (count - real) * p.zero_point
    if p.half_even:
        q = af.div_round_even(s - count * p.zero_point, np.maximum(count, 1)) + p.zero_point
    else:
        q = af.avg_round(s, np.maximum(count, 1))
    return np.clip(np.where(count > 0, q, 0), p.out_min, p.out_max).astype(S8)


def avgpool_ort_s8(g: ConvGeom, p: PoolOrtS8, x) -> np.ndarray:
    """onnxruntime's QLinearAveragePool (see nnc_pool_ort_s8), in numpy float32: the window's
    dequantized values summed row by row, / count, / out_scale, + zero point, rounded to even."""
    _bounds(p.out_min, p.out_max)
    x = _arr(x, S8, (g.batch, g.in_h, g.in_w, g.in_c)).astype(np.int64)
    xf = _table_f32(p.table, "avgpool_ort_s8 table")[x + 128]
    ys = sf32.from_bits([p.out_scale])[0]
    out = np.zeros((g.batch, g.out_h, g.out_w, g.in_c), dtype=np.int64)
    zp = np.float32(p.out_zero_point)
    with np.errstate(all="ignore"):
        for oy in range(g.out_h):
            y0 = oy * g.stride_h - g.pad_top
            ylo, yhi = max(y0, 0), min(y0 + g.k_h, g.in_h)
            for ox in range(g.out_w):
                x0 = ox * g.stride_w - g.pad_left
                xlo, xhi = max(x0, 0), min(x0 + g.k_w, g.in_w)
                real = max(yhi - ylo, 0) * max(xhi - xlo, 0)
                count = g.k_h * g.k_w if p.count_include_pad else real
                if count == 0:
                    out[:, oy, ox, :] = p.out_zero_point
                    continue
                acc = np.zeros((g.batch, g.in_c), dtype=np.float32)
                for iy in range(ylo, yhi):
                    for ix in range(xlo, xhi):
                        acc = (acc + xf[:, iy, ix, :]).astype(np.float32)
                acc = ((acc / np.float32(count)).astype(np.float32) / ys).astype(np.float32)
                out[:, oy, ox, :] = np.rint((acc + zp).astype(np.float32)).astype(np.int64)
    v = np.clip(out, 0, 255) - 128
    return np.clip(v, p.out_min, p.out_max).astype(S8)


def global_avgpool_s8(g: ConvGeom, p: GavgS8, x) -> np.ndarray:
    """(N, 1, 1, C): sat(mbqm(sum_hw (x + input_offset), multiplier, shift) + output_offset)."""
    _bounds(p.out_min, p.out_max)
    x = _arr(x, S8, (g.batch, g.in_h, g.in_w, g.in_c)).astype(np.int64) + p.input_offset
    s = x.sum(axis=(1, 2), keepdims=True)
    if g.in_h * g.in_w * 255 >= ACC32_LIMIT:
        raise OverflowError("global_avgpool_s8: the int32 sum may overflow")
    v = af.mbqm(s, p.multiplier, p.shift, p.rounding) + p.output_offset
    return np.clip(v, p.out_min, p.out_max).astype(S8)


def mean_s8(p: MeanS8, x) -> np.ndarray:
    """TFLite's int8 MEAN over the axes with reduce[k] != 0 of a rank-4 tensor (see nnc_mean_s8):
    sat(mbqm(sum + count * input_offset, multiplier, shift) + output_offset); the kept axes' values in
    row-major order."""
    _bounds(p.out_min, p.out_max)
    shape = tuple(int(d) for d in p.in_shape)
    axes = tuple(k for k in range(4) if p.reduce[k])
    count = int(np.prod([shape[k] for k in axes], dtype=np.int64))
    if min(shape) < 1 or 256 * count >= ACC32_LIMIT:
        raise ValueError(f"mean_s8: shape {shape} over axes {axes}: empty, or the int32 sum may overflow")
    s = _arr(x, S8, shape).astype(np.int64).sum(axis=axes, keepdims=True) + count * p.input_offset
    v = af.mbqm(s, p.multiplier, p.shift, p.rounding) + p.output_offset
    return np.clip(v, p.out_min, p.out_max).astype(S8)


def global_maxpool_s8(g: ConvGeom, x) -> np.ndarray:
    x = _arr(x, S8, (g.batch, g.in_h, g.in_w, g.in_c))
    return x.max(axis=(1, 2), keepdims=True).astype(S8)
