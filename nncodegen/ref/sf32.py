"""float32 arithmetic on bit patterns: the numpy twin of templates_c/include/nnc_sf32.h.

The C emulates IEEE-754 binary32 in integers (no float in the generated C); this twin is
numpy's own float32 arithmetic (the hardware's), so tests/test_sf32.py checks the emulation
against real IEEE arithmetic.  Values travel as uint32 bit patterns, as in the C.  The fused
multiply-add is computed exactly: the float32 product is exact in float64, the sum's rounding
error comes from TwoSum, and a float64 sum that lands exactly halfway between two float32
neighbours is resolved by the sign of that error (the only case where rounding twice differs
from rounding once).
"""
from __future__ import annotations

import numpy as np

F32, F64, U32 = np.float32, np.float64, np.uint32
INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1


def to_bits(x) -> np.ndarray:
    """float32 values -> uint32 bit patterns."""
    return np.ascontiguousarray(np.asarray(x, dtype=F32)).view(U32)


def from_bits(b) -> np.ndarray:
    """uint32 bit patterns -> float32 values."""
    return np.ascontiguousarray(np.asarray(b, dtype=np.int64).astype(U32)).view(F32)


def bits_of(v: float) -> int:
    """The bit pattern of float32(v) as a Python int."""
    return int(to_bits(np.asarray([v], dtype=F32))[0])


def _calc(fn, *args):
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        return to_bits(fn(*[from_bits(a) for a in args]))


def sf_add(a, b):
    return _calc(lambda x, y: (x + y).astype(F32), a, b)


def sf_mul(a, b):
    return _calc(lambda x, y: (x * y).astype(F32), a, b)


def sf_div(a, b):
    return _calc(lambda x, y: (x / y).astype(F32), a, b)


def sf_from_i32(x):
    return to_bits(np.asarray(x, dtype=np.int64).astype(np.int32).astype(F32))


def fma_f32(x, y, z) -> np.ndarray:
    """x * y + z rounded once to float32 (x, y, z float32 arrays)."""
    x, y, z = np.broadcast_arrays(np.asarray(x, F32), np.asarray(y, F32), np.asarray(z, F32))
    with np.errstate(over="ignore", invalid="ignore"):
        p = x.astype(F64) * y.astype(F64)          # exact: 24 + 24 bits
        zz = z.astype(F64)
        s = p + zz
        bb = s - p
        err = (p - (s - bb)) + (zz - bb)           # TwoSum: s + err == p + z exactly
        r = s.astype(F32)
        r64 = r.astype(F64)
        up = np.nextafter(r, np.where(s > r64, F32(np.inf), F32(-np.inf))).astype(F64)
        mid = (r64 + up) / 2                       # exact in float64
        fix = (s != r64) & (s == mid) & (err != 0)
        # s is a tie between r and up; the true value lies on the side err points to
        toward_up = np.sign(err) == np.sign(up - r64)
        r = np.where(fix, np.where(toward_up, up, r64), r64).astype(F32)
    return r


def sf_fma(a, b, c):
    return to_bits(fma_f32(from_bits(a), from_bits(b), from_bits(c)))


def sf_rint(a) -> np.ndarray:
    """nearbyintf (ties to even) as int64 values saturated to int32."""
    with np.errstate(invalid="ignore"):
        v = np.rint(from_bits(a).astype(F64))
    return np.clip(v, INT32_MIN, INT32_MAX).astype(np.int64)
