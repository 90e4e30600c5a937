"""Numpy twins of the MultiThreshold and argmax C kernels (templates_c/kernels/mthreshold*.c, argmax.c).

Same names and argument order as the C, minus the output pointer; params are the dataclasses of
lower/params_finn.py.  Integer kernels: count = #{k : x >= thr[c][k]} on integers, then
saturate(out_bias + out_scale * count) (int64 here, int32 in C: lowering keeps it below 2^31).
Float kernels compare float32 with float32 (a NaN counts nothing) and the float output is
fl(fl(out_scale_f * count) + out_bias_f) in float32.  argmax: the first index of the maximum.
"""
from __future__ import annotations

import numpy as np

from ..lower.params_finn import ArgMax, MThreshold, MThresholdF32


def _counts(p, x, thr, dtype) -> np.ndarray:
    x = np.asarray(x, dtype=dtype).reshape(p.outer, p.channels)
    t = np.asarray(thr, dtype=dtype).reshape(1 if p.shared else p.channels, p.n_thr)
    return np.count_nonzero(x[:, :, None] >= t[None, :, :], axis=2).astype(np.int64)


def _int_out(p, count, dtype) -> np.ndarray:
    return np.clip(p.out_bias + p.out_scale * count, p.out_min, p.out_max).astype(dtype)


def mthreshold_q7(p: MThreshold, input, thr) -> np.ndarray:
    return _int_out(p, _counts(p, np.asarray(input, np.int8), np.asarray(thr, np.int32), np.int64), np.int8)


def mthreshold_q15(p: MThreshold, input, thr) -> np.ndarray:
    return _int_out(p, _counts(p, np.asarray(input, np.int16), np.asarray(thr, np.int32), np.int64), np.int16)


def mthreshold_f32(p: MThresholdF32, input, thr) -> np.ndarray:
    c = _counts(p, input, thr, np.float32).astype(np.float32)
    with np.errstate(over="ignore", invalid="ignore"):
        return (np.float32(p.out_scale_f) * c) + np.float32(p.out_bias_f)


def mthreshold_f32_q7(p: MThresholdF32, input, thr) -> np.ndarray:
    return _int_out(p, _counts(p, input, thr, np.float32), np.int8)


def mthreshold_f32_q15(p: MThresholdF32, input, thr) -> np.ndarray:
    return _int_out(p, _counts(p, input, thr, np.float32), np.int16)


def _argmax(p: ArgMax, x, dtype) -> np.ndarray:
    x = np.asarray(x, dtype=dtype).reshape(p.outer, p.n)
    out = np.zeros(p.outer, np.int32)
    for i in range(p.outer):          # the C's loop: a later element wins only when strictly greater
        best = 0
        for k in range(1, p.n):
            if x[i, k] > x[i, best]:
                best = k
        out[i] = best
    return out


def argmax_s8(p: ArgMax, input) -> np.ndarray:
    return _argmax(p, input, np.int8)


def argmax_s16(p: ArgMax, input) -> np.ndarray:
    return _argmax(p, input, np.int16)


def argmax_s32(p: ArgMax, input) -> np.ndarray:
    return _argmax(p, input, np.int32)


def argmax_f32(p: ArgMax, input) -> np.ndarray:
    return _argmax(p, input, np.float32)
