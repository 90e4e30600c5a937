"""Twins of the affine int8 data movement and format changes (pad_s8.c, resize_s8.c, strided_slice_s8.c,
quant_s8.c); see kernels_s8.py."""
from __future__ import annotations

import numpy as np

from ..lower.params import Pad, QuantS8, Resize
from ..lower.params_s16 import SliceS16
from .kernels_common import _arr
from .kernels_s8_mac import S8, U8


def pad_s8(p: Pad, x) -> np.ndarray:
    """Pad of rank <= 4 (shapes left-filled with 1); constant mode pads with p.value (the quantized
    pad value, normally the zero point), reflect mirrors without repeating the edge, edge repeats it."""
    x = _arr(x, S8, tuple(p.in_shape))
    widths = [(int(p.before[k]), int(p.out_shape[k] - p.in_shape[k] - p.before[k])) for k in range(4)]
    if any(a < 0 or b < 0 for a, b in widths):
        raise ValueError("pad shapes do not fit")
    if p.mode == 0:
        return np.pad(x, widths, mode="constant", constant_values=p.value).astype(S8)
    return np.pad(x, widths, mode="reflect" if p.mode == 1 else "edge").astype(S8)


def resize_nearest_s8(p: Resize, x) -> np.ndarray:
    """out[n][y][x][c] = in[n][y0[y]][x0[x]][c]."""
    x = _arr(x, S8, (p.batch, p.in_h, p.in_w, p.channels))
    y0 = np.asarray(p.y0, dtype=np.int64)
    x0 = np.asarray(p.x0, dtype=np.int64)
    if y0.shape != (p.out_h,) or x0.shape != (p.out_w,):
        raise ValueError("resize index tables do not match the output size")
    return x[:, y0][:, :, x0]


def _rne_f32(v: np.ndarray) -> np.ndarray:
    return np.rint(v.astype(np.float64))


def quantize_f32(x, scale: float, zero_point: int, qmin: int, qmax: int, round_away: int) -> np.ndarray:
    """Twin of nnc_quantize_f32 (quant_f32.inc, shared by quantize_s8 and quantize_s16): int64
    sat(round(x / scale) + zero_point, qmin, qmax), the division in float32, NaN -> 0; round half away from
    zero (TFLite) with round_away, else half to even (ONNX)."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        v = (np.asarray(x, dtype=np.float32) / np.float32(scale)).astype(np.float32)
    v = np.where(np.isnan(v), 0.0, np.clip(v.astype(np.float64), -1e9, 1e9))
    r = np.sign(v) * np.floor(np.abs(v) + 0.5) if round_away else _rne_f32(v)
    return np.clip(r + zero_point, qmin, qmax).astype(np.int64)


def quantize_s8(n: int, p: QuantS8, x) -> np.ndarray:
    """q = sat(round(x / scale) + zero_point, qmin, qmax), the division in float32; round half to even
    (ONNX), or half away from zero with p.round_away (TFLite)."""
    x = np.asarray(x, dtype=np.float32).reshape(n)
    return quantize_f32(x, p.scale, p.zero_point, p.qmin, p.qmax, p.round_away).astype(S8)


def dequantize_s8(n: int, p: QuantS8, x) -> np.ndarray:
    """(float)(q - zero_point) * scale in float32."""
    q = _arr(x, S8, (n,)).astype(np.int64)
    return (q - p.zero_point).astype(np.float32) * np.float32(p.scale)


def strided_slice(p: SliceS16, flat: np.ndarray, kernel: str) -> np.ndarray:
    """out[i0..i5] = flat[offset + sum i_k * in_stride[k]] (see nnc_slice_s16), any element type: the copy
    of strided_slice_s8 and strided_slice_s16."""
    idx = np.full(tuple(p.out_shape), p.offset, dtype=np.int64)
    for k in range(6):
        shape = [1] * 6
        shape[k] = p.out_shape[k]
        idx = idx + (np.arange(p.out_shape[k], dtype=np.int64) * p.in_stride[k]).reshape(shape)
    if idx.size and (idx.min() < 0 or idx.max() >= flat.size):
        raise ValueError(f"{kernel} reads outside the input")
    return flat[idx]


def strided_slice_s8(p: SliceS16, x) -> np.ndarray:
    """A strided copy of int8 values (see strided_slice)."""
    return strided_slice(p, _arr(x, S8).reshape(-1), "strided_slice_s8")


def convert_u8_s8(n: int, x) -> np.ndarray:
    """uint8 -> int8 of the same real values (q - 128, zero point - 128)."""
    return (_arr(x, U8, (n,)).astype(np.int64) - 128).astype(S8)


def convert_s8_u8(n: int, x) -> np.ndarray:
    return (_arr(x, S8, (n,)).astype(np.int64) + 128).astype(U8)
