"""numpy twins of templates_c/kernels/input_lut_u8.c and input_lut_u8_f32.c (the camera input stage),
and the float reference of ``camera_input`` (registered into float_ops.FLOAT_OPS)."""
from __future__ import annotations

import numpy as np

from .float_ops import FLOAT_OPS


def _lut(p, x, dtype):
    t = np.asarray(p.table, dtype=dtype).reshape(p.channels, 256)
    q = np.asarray(x, dtype=np.uint8).reshape(p.pixels, p.channels).astype(np.int64)
    return t[np.arange(p.channels)[None, :], q]


def input_lut_u8_s8(p, x) -> np.ndarray:
    """out[i][c] = table[c][x[i][c]] (int8: Q7 or affine int8 inputs)."""
    return _lut(p, x, np.int8)


def input_lut_u8_s16(p, x) -> np.ndarray:
    """out[i][c] = table[c][x[i][c]] (int16: Q15 or affine int16 inputs)."""
    return _lut(p, x, np.int16)


def input_lut_u8_f32(p, x) -> np.ndarray:
    """out[i][c] = table[c][x[i][c]] (float32 inputs)."""
    return _lut(p, x, np.float32)


def _camera_input_float(attrs, x):
    m = np.asarray(attrs["mean"], np.float64)
    s = np.asarray(attrs["std"], np.float64)
    return (np.asarray(x, np.float64) / 255.0 - m) / s


FLOAT_OPS["camera_input"] = _camera_input_float
