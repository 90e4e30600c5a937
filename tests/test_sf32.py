"""The integer float32 emulation (templates_c/include/nnc_sf32.h) against numpy's float32
arithmetic (nncodegen/ref/sf32.py), bit for bit: random bit patterns over the whole finite
range (normals, subnormals, zeros of both signs), values of the sizes the onnxruntime-compatible
kernels use (small integers times scales, sums that cancel, exact ties of nearbyintf), and
hypothesis-drawn operands.  The exact fused multiply-add of the twin is itself checked against
rational arithmetic.
"""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nncodegen.harness.cbuild import build_cffi
from nncodegen.harness.cdefs import cdef_from_headers
from nncodegen.paths import include_dir
from nncodegen.ref import sf32

SHIM = Path(__file__).resolve().parent / "c"
CFG = dict(deadline=None, database=None, max_examples=80, suppress_health_check=[HealthCheck.too_slow])
U32 = np.uint32


@pytest.fixture(scope="module")
def shim():
    headers = [SHIM / "nnc_sf32_shim.h"]
    incs = [include_dir(), SHIM]
    cdef = cdef_from_headers(headers, incs)
    return build_cffi("sf32_shim_test", [SHIM / "nnc_sf32_shim.c"], cdef, include_dirs=incs,
                      header='#include "nnc_sf32_shim.h"\n')


def _c(shim, fn, *arrays, out_dtype=U32):
    ffi, lib = shim
    n = len(arrays[0])
    outs = np.zeros(n, dtype=out_dtype)
    ptrs = []
    for a in arrays:
        a = np.ascontiguousarray(a)
        ptrs.append(ffi.from_buffer(("int32_t[]" if a.dtype == np.int32 else "uint32_t[]"), a))
    getattr(lib, fn)(n, *ptrs, ffi.from_buffer("int32_t[]" if out_dtype == np.int32 else "uint32_t[]", outs))
    return outs


def _finite(rng, n):
    """Bit patterns of finite float32s: a third anywhere, a third near 1, a third subnormal / tiny."""
    b = rng.integers(0, 1 << 32, size=n, dtype=np.uint64).astype(U32)
    exp = (b >> 23) & 0xFF
    b = np.where(exp == 0xFF, b & ~np.uint32(0x40000000), b)  # no inf / nan
    near1 = (rng.integers(0, 1 << 23, size=n).astype(U32) | np.uint32(0x3F000000)
             | (rng.integers(0, 2, size=n).astype(U32) << 31))
    tiny = rng.integers(0, 1 << 25, size=n).astype(U32) | (rng.integers(0, 2, size=n).astype(U32) << 31)
    k = rng.integers(0, 3, size=n)
    return np.where(k == 0, b, np.where(k == 1, near1, tiny)).astype(U32)


def _no_overflow(bits):
    return np.isfinite(sf32.from_bits(bits))


def _small_ints_scaled(rng, n):
    """Values the kernels see: integers in [-255, 255] times a scale, and sums of a few of those."""
    s = np.float32(rng.uniform(1e-3, 0.2))
    d = rng.integers(-255, 256, size=(n, 4)).astype(np.float32)
    v = (d * s).astype(np.float32)
    acc = np.zeros(n, np.float32)
    for j in range(4):
        acc = (acc + v[:, j]).astype(np.float32)
    return sf32.to_bits(v[:, 0]), sf32.to_bits(acc), sf32.to_bits(np.full(n, s, np.float32))


@pytest.mark.parametrize("op", ["add", "mul", "div"])
def test_binary_ops_equal_ieee(shim, op):
    rng = np.random.default_rng(hash(op) % 1000)
    a, b = _finite(rng, 60000), _finite(rng, 60000)
    if op == "div":
        b = np.where((b & np.uint32(0x7FFFFFFF)) == 0, np.uint32(0x3F800000), b)
    want = getattr(sf32, f"sf_{op}")(a, b)
    got = _c(shim, f"shim_sf_{op}", a, b)
    ok = _no_overflow(want)
    bad = np.nonzero((want != got) & ok)[0]
    assert bad.size == 0, [(hex(a[i]), hex(b[i]), hex(want[i]), hex(got[i])) for i in bad[:5]]


def test_ops_on_kernel_sized_values(shim):
    rng = np.random.default_rng(5)
    for _ in range(20):
        x, acc, s = _small_ints_scaled(rng, 5000)
        for op in ("add", "mul", "div"):
            a, b = (acc, x) if op != "div" else (acc, s)
            assert np.array_equal(_c(shim, f"shim_sf_{op}", a, b), getattr(sf32, f"sf_{op}")(a, b))


def test_fma_equals_exact_rounding(shim):
    rng = np.random.default_rng(7)
    n = 40000
    # small integers times a ratio plus a float: QLinearAdd's form, and general operands
    a = sf32.sf_from_i32(rng.integers(0, 256, size=n))
    b = sf32.to_bits(rng.uniform(0.2, 3.0, size=n).astype(np.float32))
    c = sf32.to_bits((rng.uniform(-300, 300, size=n)).astype(np.float32))
    a = np.concatenate([a, _finite(rng, n)])
    b = np.concatenate([b, _finite(rng, n)])
    c = np.concatenate([c, _finite(rng, n)])
    want = sf32.sf_fma(a, b, c)
    got = _c(shim, "shim_sf_fma", a, b, c)
    ok = _no_overflow(want)
    bad = np.nonzero((want != got) & ok)[0]
    assert bad.size == 0, [(hex(a[i]), hex(b[i]), hex(c[i]), hex(want[i]), hex(got[i])) for i in bad[:5]]


def _exact_round_f32(fr: Fraction) -> np.float32:
    """The float32 nearest to a rational (ties to even), by bisection over the float32 order."""
    lo = np.float32(float(fr))  # within a few ulp
    cands = [lo]
    for _ in range(3):
        cands += [np.nextafter(cands[-1], np.float32(np.inf)), np.nextafter(cands[0], np.float32(-np.inf))]
    best = min(cands, key=lambda c: (abs(Fraction(float(c)) - fr), int(sf32.to_bits(np.array([c], np.float32))[0]) & 1))
    return np.float32(best)


def test_twin_fma_against_rationals():
    rng = np.random.default_rng(11)
    x = rng.integers(0, 256, size=3000).astype(np.float32)
    y = rng.uniform(0.2, 3.0, size=3000).astype(np.float32)
    # addends that make exact float64 ties likely: values with few bits next to large products
    z = np.where(rng.random(3000) < 0.5, (rng.integers(-2 ** 10, 2 ** 10, 3000) / 2.0 ** 30),
                 rng.uniform(-300, 300, 3000)).astype(np.float32)
    r = sf32.fma_f32(x, y, z)
    for i in range(3000):
        fr = Fraction(float(x[i])) * Fraction(float(y[i])) + Fraction(float(z[i]))
        assert r[i] == _exact_round_f32(fr), (x[i], y[i], z[i])


def test_from_int_and_rint(shim):
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.integers(-(1 << 31), 1 << 31, size=20000), rng.integers(-(1 << 25), 1 << 25, 20000),
                        [-(1 << 31), (1 << 31) - 1, 0, 1, -1, (1 << 24) + 1, -(1 << 24) - 3]]).astype(np.int32)
    assert np.array_equal(_c(shim, "shim_sf_from_i32", x), sf32.sf_from_i32(x))
    halves = sf32.to_bits((rng.integers(-300, 300, 20000) + 0.5).astype(np.float32))
    a = np.concatenate([_finite(rng, 40000), halves, sf32.to_bits(np.float32([3e9, -3e9, 2.5, -2.5, 0.5, -0.5]))])
    got = _c(shim, "shim_sf_rint", a, out_dtype=np.int32).astype(np.int64)
    assert np.array_equal(got, sf32.sf_rint(a))


@settings(**CFG)
@given(st.lists(st.tuples(st.floats(width=32, allow_nan=False, allow_infinity=False),
                          st.floats(width=32, allow_nan=False, allow_infinity=False),
                          st.floats(width=32, allow_nan=False, allow_infinity=False)), min_size=1, max_size=50))
def test_hypothesis_ops(shim, triples):
    a, b, c = (sf32.to_bits(np.array([t[i] for t in triples], np.float32)) for i in range(3))
    for op in ("add", "mul"):
        want = getattr(sf32, f"sf_{op}")(a, b)
        got = _c(shim, f"shim_sf_{op}", a, b)
        ok = _no_overflow(want)
        assert np.array_equal(want[ok], got[ok])
    want = sf32.sf_fma(a, b, c)
    ok = _no_overflow(want) & _no_overflow(sf32.sf_mul(a, b))
    assert np.array_equal(want[ok], _c(shim, "shim_sf_fma", a, b, c)[ok])
    nz = (b & np.uint32(0x7FFFFFFF)) != 0
    if nz.any():
        want = sf32.sf_div(a[nz], b[nz])
        ok = _no_overflow(want)
        assert np.array_equal(want[ok], _c(shim, "shim_sf_div", a[nz], b[nz])[ok])
