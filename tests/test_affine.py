"""Affine int8 rounding rules: templates_c/include/nnc_affine.h against its twin
nncodegen/ref/affine.py, bit for bit, over random and edge values (INT32_MIN,
ties); the twin against exact rational arithmetic (what TFLite's functions
compute); and quantize_multiplier against TFLite's QuantizeMultiplier cases.
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
from nncodegen.ref import affine as af

SHIM = Path(__file__).resolve().parent / "c"
CFG = dict(deadline=None, database=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
I32_MIN, I32_MAX = -(1 << 31), (1 << 31) - 1
EDGES = np.array([I32_MIN, I32_MIN + 1, -(1 << 30), -3, -2, -1, 0, 1, 2, 3, 1 << 30, I32_MAX - 1, I32_MAX])


@pytest.fixture(scope="module")
def shim():
    headers = [SHIM / "nnc_affine_shim.h"]
    incs = [include_dir(), SHIM]
    cdef = cdef_from_headers(headers, incs)
    ffi, lib = build_cffi("affine_shim_test", [SHIM / "nnc_affine_shim.c"], cdef, include_dirs=incs,
                          header='#include "nnc_affine_shim.h"\n')
    return ffi, lib


def _c(shim, fn, *arrays):
    ffi, lib = shim
    arrs = [np.ascontiguousarray(a, dtype=np.int32) for a in arrays]
    n = len(arrs[0])
    out = np.zeros(n, dtype=np.int32)
    ptrs = [ffi.from_buffer("int32_t[]", a) for a in arrs]
    getattr(lib, fn)(n, *ptrs, ffi.from_buffer("int32_t[]", out))
    return out.astype(np.int64)


def _values(rng, n):
    v = np.concatenate([EDGES, rng.integers(I32_MIN, I32_MAX + 1, size=n),
                        rng.integers(-1000, 1001, size=n)])
    return v.astype(np.int64)


# ---------------------------------------------------------------- exact references

def _round_away(fr: Fraction) -> int:
    f = fr.numerator // fr.denominator
    rem = fr - f
    if rem > Fraction(1, 2) or (rem == Fraction(1, 2) and fr > 0):
        return f + 1
    return f


def ref_srdhm(a: int, b: int) -> int:
    """round(a * b / 2^31) with ties toward +infinity (gemmlowp's nudge, then truncation)."""
    if a == b == I32_MIN:
        return I32_MAX
    return (2 * a * b + (1 << 31)) >> 32


def ref_rdbpot(x: int, e: int) -> int:
    return _round_away(Fraction(x, 1 << e))


def ref_mbqm(x: int, m: int, s: int, rounding: int) -> int:
    if rounding == af.ROUND_SINGLE:
        v = (x * m + (1 << (30 - s))) >> (31 - s)  # floor(x * m / 2^(31-s) + 1/2)
        return max(I32_MIN, min(I32_MAX, v))
    left, right = max(s, 0), max(-s, 0)
    xl = max(I32_MIN, min(I32_MAX, x << left))
    return ref_rdbpot(ref_srdhm(xl, m), right)


# ---------------------------------------------------------------- C vs twin

@settings(**CFG)
@given(seed=st.integers(0, 2 ** 32 - 1))
def test_srdhm_c_equals_twin(shim, seed):
    rng = np.random.default_rng(seed)
    a = _values(rng, 200)
    b = rng.permutation(a)
    a = np.concatenate([a, EDGES.repeat(len(EDGES))])
    b = np.concatenate([b, np.tile(EDGES, len(EDGES))])
    np.testing.assert_array_equal(_c(shim, "shim_srdhm", a, b), af.srdhm(a, b))


@settings(**CFG)
@given(seed=st.integers(0, 2 ** 32 - 1))
def test_rdbpot_c_equals_twin_with_ties(shim, seed):
    rng = np.random.default_rng(seed)
    e = rng.integers(0, 32, size=300)
    x = rng.integers(I32_MIN, I32_MAX + 1, size=300)
    # exact ties: k * 2^e + 2^(e-1) with either sign
    k = rng.integers(-(1 << 10), 1 << 10, size=300)
    et = rng.integers(1, 20, size=300)
    ties = k * (1 << et) + (1 << (et - 1))
    xs = np.concatenate([x, ties, EDGES.repeat(32)])
    es = np.concatenate([e, et, np.tile(np.arange(32), len(EDGES))])
    np.testing.assert_array_equal(_c(shim, "shim_rdbpot", xs, es), af.rdbpot(xs, es))


@pytest.mark.parametrize("rounding", [af.ROUND_DOUBLE, af.ROUND_SINGLE])
@settings(**CFG)
@given(seed=st.integers(0, 2 ** 32 - 1))
def test_mbqm_c_equals_twin(shim, rounding, seed):
    rng = np.random.default_rng(seed)
    n = 400
    x = np.concatenate([rng.integers(-(1 << 24), 1 << 24, size=n), rng.integers(I32_MIN, I32_MAX + 1, size=n),
                        EDGES.repeat(4)])
    m = np.concatenate([rng.integers(1 << 30, 1 << 31, size=2 * n),
                        np.resize(np.array([1 << 30, I32_MAX, 0, (1 << 30) + 1]), len(EDGES) * 4)])
    s = np.concatenate([rng.integers(-31, 1, size=n), rng.integers(-31, 31, size=n),
                        np.resize(np.array([0, -31, 30, -1]), len(EDGES) * 4)])
    ffi, lib = shim
    arrs = [np.ascontiguousarray(a, dtype=np.int32) for a in (x, m, s)]
    out = np.zeros(len(x), dtype=np.int32)
    lib.shim_mbqm(len(x), *[ffi.from_buffer("int32_t[]", a) for a in arrs], rounding,
                  ffi.from_buffer("int32_t[]", out))
    np.testing.assert_array_equal(out.astype(np.int64), af.mbqm(x, m, s, rounding))


@settings(**CFG)
@given(seed=st.integers(0, 2 ** 32 - 1))
def test_mbqm_onnxruntime_c_equals_twin(shim, seed):
    """Rounding "onnxruntime": nearbyintf((float)x * M), M a float32 multiplier (its bits in the multiplier
    field), by nnc_sf32.h's nnc_sf_requant in C and numpy float32 arithmetic in the twin: accumulators past
    2^24 (float(x) rounds), multipliers from 2^-40 to 2^10, exact ties (power-of-two multipliers)."""
    rng = np.random.default_rng(seed)
    n = 600
    x = np.concatenate([rng.integers(-(1 << 24), 1 << 24, size=n), rng.integers(I32_MIN, I32_MAX + 1, size=n),
                        rng.integers(-3000, 3000, size=n), EDGES.repeat(3)])
    mf = np.float32(2.0) ** rng.uniform(-40, 10, size=len(x)).astype(np.float32)
    mf[2 * n:3 * n] = np.float32(2.0) ** rng.integers(-12, 0, size=n)  # x * 2^-k: exact ties
    m = np.asarray(mf, np.float32).view(np.uint32).astype(np.int64)
    s = np.zeros(len(x), dtype=np.int64)
    ffi, lib = shim
    arrs = [np.ascontiguousarray(a, dtype=np.int32) for a in (x, m, s)]
    out = np.zeros(len(x), dtype=np.int32)
    lib.shim_mbqm(len(x), *[ffi.from_buffer("int32_t[]", a) for a in arrs], af.ROUND_ORT,
                  ffi.from_buffer("int32_t[]", out))
    np.testing.assert_array_equal(out.astype(np.int64), af.mbqm(x, m, s, af.ROUND_ORT))


def test_avg_round_c_equals_twin(shim):
    rng = np.random.default_rng(3)
    count = rng.integers(1, 50, size=2000)
    total = rng.integers(-128 * 49, 128 * 49, size=2000)
    ties = np.array([2, -2, 6, -6, 3, -3, 1, -1, 0])
    tcount = np.array([4, 4, 4, 4, 2, 2, 2, 2, 3])
    t = np.concatenate([total, ties])
    c = np.concatenate([count, tcount])
    np.testing.assert_array_equal(_c(shim, "shim_avg_round", t, c), af.avg_round(t, c))
    np.testing.assert_array_equal(af.avg_round(ties, tcount), [1, -1, 2, -2, 2, -2, 1, -1, 0])
    np.testing.assert_array_equal(_c(shim, "shim_div_round_even", t, c), af.div_round_even(t, c))
    np.testing.assert_array_equal(af.div_round_even(ties, tcount), [0, 0, 2, -2, 2, -2, 0, 0, 0])
    exact = [int(round(Fraction(int(a), int(b)))) for a, b in zip(t, c)]  # Python rounds ties to even
    np.testing.assert_array_equal(af.div_round_even(t, c), exact)


# ---------------------------------------------------------------- twin vs exact arithmetic

def test_srdhm_rdbpot_against_exact_rationals():
    rng = np.random.default_rng(7)
    a = _values(rng, 300)
    b = rng.permutation(a)
    got = af.srdhm(a, b)
    assert [int(v) for v in got] == [ref_srdhm(int(p), int(q)) for p, q in zip(a, b)]
    assert int(af.srdhm(I32_MIN, I32_MIN)) == I32_MAX
    x = np.concatenate([_values(rng, 200), np.array([-6, -5, -3, 3, 5, 6, -(1 << 30) - (1 << 29)])])
    for e in (0, 1, 2, 5, 17, 31):
        assert [int(v) for v in af.rdbpot(x, e)] == [ref_rdbpot(int(v), e) for v in x]
    # ties go away from zero: -2.5 -> -3, 2.5 -> 3
    assert af.rdbpot(np.array([-5, 5, -3, 3]), 1).tolist() == [-3, 3, -2, 2]


@pytest.mark.parametrize("rounding", [af.ROUND_DOUBLE, af.ROUND_SINGLE])
def test_mbqm_against_exact_rationals(rounding):
    rng = np.random.default_rng(11)
    x = np.concatenate([rng.integers(-(1 << 20), 1 << 20, size=300), EDGES])
    m = rng.integers(1 << 30, 1 << 31, size=len(x))
    s = rng.integers(-20, 3, size=len(x))
    got = af.mbqm(x, m, s, rounding)
    want = [ref_mbqm(int(a), int(b), int(c), rounding) for a, b, c in zip(x, m, s)]
    assert [int(v) for v in got] == want


def test_double_and_single_rounding_differ_on_ties():
    # x * 0.5 * 2^-1 = x / 4: for x = 6 exact value 1.5 -> double rounding away (2), single half up (2);
    # for x = -6 -> -1.5: double rounding gives -2 (away), single rounding -1 (half up)
    m, s = af.quantize_multiplier(0.25)
    assert (m, s) == (1 << 30, -1)
    assert int(af.mbqm(-6, m, s, af.ROUND_DOUBLE)) == -2
    assert int(af.mbqm(-6, m, s, af.ROUND_SINGLE)) == -1
    assert int(af.mbqm(6, m, s, af.ROUND_DOUBLE)) == 2
    assert int(af.mbqm(6, m, s, af.ROUND_SINGLE)) == 2


# ---------------------------------------------------------------- quantize_multiplier (TFLite cases)

def test_quantize_multiplier_matches_tflite_cases():
    assert af.quantize_multiplier(0.0) == (0, 0)
    assert af.quantize_multiplier(0.5) == (1 << 30, 0)
    assert af.quantize_multiplier(1.0) == (1 << 30, 1)
    assert af.quantize_multiplier(2.0) == (1 << 30, 2)
    assert af.quantize_multiplier(0.75) == (3 << 29, 0)
    # frexp mantissa that rounds up to 2^31: halved, shift + 1
    assert af.quantize_multiplier(1.0 - 2.0 ** -40) == (1 << 30, 1)
    # tiny multipliers (shift < -31) become 0
    assert af.quantize_multiplier(2.0 ** -40) == (0, 0)
    # single rounding saturates shifts above 30
    assert af.quantize_multiplier(2.0 ** 40, af.ROUND_SINGLE) == ((1 << 31) - 1, 30)
    rng = np.random.default_rng(5)
    for v in rng.uniform(1e-6, 4.0, size=200):
        m, s = af.quantize_multiplier(float(v))
        assert (1 << 30) <= m < (1 << 31)
        assert abs(m * 2.0 ** (s - 31) - v) <= v * 2.0 ** -30


# ---------------------------------------------------------------- gemmlowp fixed point (nnc_gl_*)

def _fixed_to_real(raw, integer_bits):
    return np.asarray(raw, np.float64) / 2.0 ** (31 - integer_bits)


def _real_to_fixed(v, integer_bits):
    """gemmlowp FixedPoint::FromDouble: round(v * 2^frac), clamped to int32."""
    return np.clip(np.round(np.asarray(v, np.float64) * 2.0 ** (31 - integer_bits)), I32_MIN, I32_MAX)


def _gl_values(rng, n, lo=I32_MIN, hi=I32_MAX):
    """gemmlowp's test values (+-2^i +- 0..2, int32 extremes) and random ones, clamped to [lo, hi]."""
    p = np.array([1 << i for i in range(31)], np.int64)
    v = np.concatenate([(p[:, None] + np.arange(-2, 3)).ravel(), -(p[:, None] + np.arange(-2, 3)).ravel(),
                        EDGES, rng.integers(I32_MIN, I32_MAX + 1, size=n), rng.integers(lo, hi + 1, size=n)])
    return np.clip(v, lo, hi)


def _c_scalar(shim, fn, x, *scalars):
    ffi, lib = shim
    x = np.ascontiguousarray(x, dtype=np.int32)
    out = np.zeros(len(x), dtype=np.int32)
    getattr(lib, fn)(len(x), ffi.from_buffer("int32_t[]", x), *scalars, ffi.from_buffer("int32_t[]", out))
    return out.astype(np.int64)


@settings(**CFG)
@given(seed=st.integers(0, 2 ** 32 - 1))
def test_gl_helpers_c_equals_twin(shim, seed):
    rng = np.random.default_rng(seed)
    v = _gl_values(rng, 300)
    e = rng.integers(-31, 32, size=len(v))
    np.testing.assert_array_equal(_c(shim, "shim_gl_srmbpot", v, e), af.gl_srmbpot(v, e))
    w = rng.permutation(v)
    np.testing.assert_array_equal(_c(shim, "shim_gl_rounding_half_sum", v, w), af.gl_rounding_half_sum(v, w))
    np.testing.assert_array_equal(_c(shim, "shim_gl_clz32", v), af.clz32(v))
    a = _gl_values(rng, 300, -(1 << 29), 0)
    np.testing.assert_array_equal(_c(shim, "shim_gl_exp_on_interval", a), af.gl_exp_on_interval(a))
    neg = _gl_values(rng, 300, I32_MIN, 0)
    for ib in (0, 1, 4, 5, 6, 12, 29):
        np.testing.assert_array_equal(_c_scalar(shim, "shim_gl_exp_on_negative_values", neg, ib),
                                      af.gl_exp_on_negative_values(neg, ib), err_msg=f"integer bits {ib}")
    pos = _gl_values(rng, 300, 0, I32_MAX)
    np.testing.assert_array_equal(_c(shim, "shim_gl_one_over_one_plus_x", pos), af.gl_one_over_one_plus_x(pos))
    ffi, lib = shim
    for digits in (0, 12, 31):
        xs = np.ascontiguousarray(v, dtype=np.int32)
        out, bits = np.zeros(len(xs), np.int32), np.zeros(len(xs), np.int32)
        lib.shim_gl_get_reciprocal(len(xs), ffi.from_buffer("int32_t[]", xs), digits,
                                   ffi.from_buffer("int32_t[]", out), ffi.from_buffer("int32_t[]", bits))
        scale, nbits = af.gl_get_reciprocal(v, digits)
        np.testing.assert_array_equal(out, scale)
        np.testing.assert_array_equal(bits, nbits)
    m = rng.integers(1 << 30, 1 << 31, size=len(v))
    ls = rng.integers(0, 32, size=len(v))
    small = np.concatenate([rng.integers(-300, 1, size=len(v) // 2), v[len(v) // 2:]])
    np.testing.assert_array_equal(_c(shim, "shim_gl_mbqm_gt1", small, m, ls), af.gl_mbqm_gt1(small, m, ls))


@settings(**CFG)
@given(seed=st.integers(0, 2 ** 32 - 1))
def test_gl_logistic_tanh_c_equals_twin(shim, seed):
    """nnc_gl_one_minus_x_over_one_plus_x, nnc_gl_logistic and nnc_gl_tanh (TFLite's int8 LOGISTIC / TANH:
    4 integer bits) against their twins over every kind of int32, INT32_MIN included."""
    rng = np.random.default_rng(seed)
    v = _gl_values(rng, 300)
    pos = _gl_values(rng, 300, 0, I32_MAX)
    np.testing.assert_array_equal(_c(shim, "shim_gl_one_minus_x_over_one_plus_x", pos),
                                  af.gl_one_minus_x_over_one_plus_x(pos))
    for ib in (0, 1, 4, 5, 12, 28):
        np.testing.assert_array_equal(_c_scalar(shim, "shim_gl_logistic", v, ib), af.gl_logistic(v, ib),
                                      err_msg=f"logistic, integer bits {ib}")
        np.testing.assert_array_equal(_c_scalar(shim, "shim_gl_tanh", v, ib), af.gl_tanh(v, ib),
                                      err_msg=f"tanh, integer bits {ib}")


def test_gl_logistic_tanh_against_real_arithmetic():
    """gemmlowp's logistic / tanh twins against float math on Q4.27 inputs (raw Q0.31 units; gemmlowp's own
    test allows tanh 310 units): logistic exactly 1/2 and tanh 0 at 0, both odd-symmetric as gemmlowp builds them."""
    rng = np.random.default_rng(23)
    a = np.concatenate([_gl_values(rng, 2000), np.arange(-3000, 3001)])
    x = _fixed_to_real(a, 4)
    assert np.abs(af.gl_logistic(a, 4) - _real_to_fixed(1.0 / (1.0 + np.exp(-x)), 0)).max() <= 500
    assert np.abs(af.gl_tanh(a, 4) - _real_to_fixed(np.tanh(x), 0)).max() <= 500
    pos = _gl_values(rng, 2000, 0, I32_MAX)
    r = _fixed_to_real(pos, 0)
    assert np.abs(af.gl_one_minus_x_over_one_plus_x(pos) - _real_to_fixed((1 - r) / (1 + r), 0)).max() <= 12
    assert int(af.gl_logistic(0, 4)) == 1 << 30 and int(af.gl_tanh(0, 4)) == 0
    inner = a[(a > I32_MIN)]
    np.testing.assert_array_equal(af.gl_logistic(inner, 4) + af.gl_logistic(-inner, 4),
                                  np.where(inner == 0, 1 << 31, I32_MAX))
    np.testing.assert_array_equal(af.gl_tanh(inner, 4), -af.gl_tanh(-inner, 4))


def test_gl_helpers_against_real_arithmetic():
    """The twins against float math, to the accuracy gemmlowp's own test (test/test_fixedpoint.cc) asserts:
    SaturatingRoundingMultiplyByPOT and RoundingHalfSum exact, exp_on_interval and exp_on_negative_values
    within 500, one_over_one_plus_x within 6 (raw Q0.31 units)."""
    rng = np.random.default_rng(17)
    v = _gl_values(rng, 2000)
    for e in (-31, -30, -17, -12, -4, -1, 0, 1, 2, 4, 16, 30, 31):
        want = np.clip(v.astype(np.float64) * 2.0 ** e, I32_MIN, I32_MAX)
        want = np.sign(want) * np.floor(np.abs(want) + 0.5)  # std::round: ties away from zero
        np.testing.assert_array_equal(af.gl_srmbpot(v, e), want.astype(np.int64), err_msg=f"exponent {e}")
    w = rng.permutation(v)
    assert [int(r) for r in af.gl_rounding_half_sum(v, w)] == \
        [_round_away(Fraction(int(p) + int(q), 2)) for p, q in zip(v, w)]
    assert [int(c) for c in af.clz32(v)] == [32 - (int(u) & 0xFFFFFFFF).bit_length() for u in v]
    a = _gl_values(rng, 2000, -(1 << 29), 0)
    want = _real_to_fixed(np.exp(_fixed_to_real(a, 0)), 0)
    assert np.abs(af.gl_exp_on_interval(a) - want).max() <= 500
    neg = _gl_values(rng, 2000, I32_MIN, 0)
    for ib in range(0, 7):
        want = _real_to_fixed(np.exp(_fixed_to_real(neg, ib)), 0)
        assert np.abs(af.gl_exp_on_negative_values(neg, ib) - want).max() <= 500, ib
    assert int(af.gl_exp_on_negative_values(0, 5)) == I32_MAX
    pos = _gl_values(rng, 2000, 0, I32_MAX)
    want = _real_to_fixed(1.0 / (1.0 + _fixed_to_real(pos, 0)), 0)
    assert np.abs(af.gl_one_over_one_plus_x(pos) - want).max() <= 6
    # GetReciprocal: 1 / (x / 2^(31 - digits)) ~= scale * 2^-(31 + n), x > 0
    x = rng.integers(1, I32_MAX, size=2000)
    scale, n = af.gl_get_reciprocal(x, 12)
    rel = scale.astype(np.float64) * 2.0 ** (-31 - n.astype(np.float64)) * _fixed_to_real(x, 12)
    assert np.abs(rel - 1).max() < 1e-8
    assert (scale >= 1 << 30).all()
    # MultiplyByQuantizedMultiplierGreaterThanOne: x * m * 2^(ls - 31), rounded half up (srdhm)
    xm = rng.integers(-300, 301, size=500)
    m = rng.integers(1 << 30, 1 << 31, size=500)
    ls = rng.integers(0, 22, size=500)
    assert [int(r) for r in af.gl_mbqm_gt1(xm, m, ls)] == \
        [ref_srdhm(int(p) << int(s), int(q)) for p, q, s in zip(xm, m, ls)]


def test_tflite_softmax_params_cases():
    # input scale 1: multiplier 2^26 = 0.5 * 2^27; radius floor(31 * 2^26 / 2^27) = 15
    assert af.tflite_softmax_params(1.0) == (1 << 30, 27, -15)
    assert af.tflite_softmax_params(2.0 ** -8) == (1 << 30, 19, -(31 << 7))
    assert af.tflite_softmax_params(0.5, beta=2.0) == (1 << 30, 27, -15)
    # the real multiplier is capped at 2^31 - 1: only the row maximum takes part (diff_min 0)
    assert af.tflite_softmax_params(100.0) == ((1 << 31) - 1, 31, 0)
    # scale and beta are float32 numbers in a model; the product and the radius in double, then floor
    rng = np.random.default_rng(23)
    for s, beta in zip(np.exp(rng.uniform(np.log(1e-4), np.log(4.0), size=200)), rng.uniform(0.1, 3, 200)):
        m, ls, diff_min = af.tflite_softmax_params(float(s), float(beta))
        real = Fraction(float(np.float32(beta))) * Fraction(float(np.float32(s))) * (1 << 26)
        assert (1 << 30) <= m < (1 << 31) and 1 <= ls <= 31
        assert abs(Fraction(m, 1 << 31) * 2 ** ls - real) <= real * Fraction(1, 1 << 30)
        assert diff_min == -((31 << 26) >> ls)
        # |diff| * 2^ls stays inside int32 for every processed difference
        assert -diff_min * (1 << ls) < (1 << 31)
    with pytest.raises(ValueError):
        af.tflite_softmax_params(1e-9)
    # TFLITE_SINGLE_ROUNDING builds cap the real multiplier at 2^30 - 1 (shift <= 30); below the cap
    # both builds agree
    assert af.tflite_softmax_params(100.0, rounding=af.ROUND_SINGLE) == ((1 << 31) - 2, 30, -1)
    assert af.tflite_softmax_params(0.3, 1.7, af.ROUND_SINGLE) == af.tflite_softmax_params(0.3, 1.7)


def test_single_rounding_mbqm_greater_than_one_equals_srdhm_form():
    """TFLite's single-rounding MultiplyByQuantizedMultiplierGreaterThanOne, floor(x * m / 2^(31 - s) + 1/2),
    gives the same integers as the double-rounding srdhm(x * 2^s, m) wherever x * 2^s fits in int32
    (both round half up), so one softmax kernel serves both builds."""
    rng = np.random.default_rng(29)
    s = np.concatenate([rng.integers(0, 23, size=2500), rng.integers(0, 31, size=2500)])
    x = np.concatenate([rng.integers(-300, 301, size=2500), rng.integers(I32_MIN, I32_MAX + 1, size=2500) >> s[2500:]])
    m = np.concatenate([rng.integers(1 << 30, 1 << 31, size=4990), np.full(10, (1 << 31) - 2)])
    np.testing.assert_array_equal(af.mbqm(x, m, s, af.ROUND_SINGLE), af.gl_mbqm_gt1(x, m, s))


@settings(**CFG)
@given(seed=st.integers(0, 2 ** 32 - 1))
def test_gl_log_helpers_c_equals_twin(shim, seed):
    """nnc_gl_log_x_ge_1 (TFLite's log_x_for_x_greater_than_or_equal_to_1) and the saturating add / sub
    against their twins over every kind of int32, including x <= 0 outside TFLite's domain."""
    rng = np.random.default_rng(seed)
    v = _gl_values(rng, 300)
    w = rng.permutation(v)
    ffi, lib = shim
    a, b = np.ascontiguousarray(v, np.int32), np.ascontiguousarray(w, np.int32)
    s, d = np.zeros(len(a), np.int32), np.zeros(len(a), np.int32)
    lib.shim_gl_sat_add_sub(len(a), ffi.from_buffer("int32_t[]", a), ffi.from_buffer("int32_t[]", b),
                            ffi.from_buffer("int32_t[]", s), ffi.from_buffer("int32_t[]", d))
    np.testing.assert_array_equal(s, af.gl_sat_add(v, w))
    np.testing.assert_array_equal(d, af.gl_sat_sub(v, w))
    sums = np.concatenate([v, rng.integers(1 << 19, 4095 << 19, size=300)])  # log-softmax's Q12.19 sums
    for ib, ob in ((12, 5), (0, 5), (5, 5), (20, 6), (30, 30), (0, 0)):
        np.testing.assert_array_equal(_c_scalar(shim, "shim_gl_log_x_ge_1", sums, ib, ob),
                                      af.gl_log_x_ge_1(sums, ib, ob), err_msg=f"bits {ib} -> {ob}")


def test_gl_log_against_real_arithmetic():
    """log_x_for_x_greater_than_or_equal_to_1 within 4 raw units of log(x) for x >= 1 (every Q12.19 value
    log-softmax sums to, 1 .. 4096, and other formats); exactly 0 at x = 1; saturating add / sub exact."""
    rng = np.random.default_rng(31)
    for ib, ob in ((12, 5), (5, 5), (20, 6), (30, 30)):
        one = 1 << (31 - ib)
        x = np.concatenate([np.arange(one, one + 3000), rng.integers(one, I32_MAX, size=20000, endpoint=True)])
        want = np.log(x / float(one)) * 2.0 ** (31 - ob)
        assert np.abs(af.gl_log_x_ge_1(x, ib, ob) - want).max() <= 4, (ib, ob)
        assert int(af.gl_log_x_ge_1(one, ib, ob)) == 0
    v = _gl_values(rng, 2000)
    w = rng.permutation(v)
    np.testing.assert_array_equal(af.gl_sat_add(v, w), np.clip(v + w, I32_MIN, I32_MAX))
    np.testing.assert_array_equal(af.gl_sat_sub(v, w), np.clip(v - w, I32_MIN, I32_MAX))


def test_tflite_log_softmax_params_cases():
    """PreprocessLogSoftmaxScalingExp(1, s_in, 5): the softmax's multiplier, shift and diff_min (beta 1), and
    the reverse scaling 2^(31 - left_shift) / multiplier quantized as QuantizeMultiplier does (shift <= 0,
    stored negated)."""
    # input scale 1: multiplier 2^30, shift 27 (2^26); reverse 2^4 / 2^30 = 2^-26 = 0.5 * 2^-25
    assert af.tflite_log_softmax_params(1.0) == (1 << 30, 27, 1 << 30, 25, -15)
    rng = np.random.default_rng(37)
    for s in np.exp(rng.uniform(np.log(1e-4), np.log(100.0), size=300)):
        for rounding in (af.ROUND_DOUBLE, af.ROUND_SINGLE):
            m, ls, rev, rrs, diff_min = af.tflite_log_softmax_params(float(s), rounding)
            assert (m, ls, diff_min) == af.tflite_softmax_params(float(s), 1.0, rounding)
            real = Fraction(1 << (31 - ls)) / m
            assert (1 << 30) <= rev < (1 << 31) and 0 <= rrs <= 31
            assert abs(Fraction(rev, 1 << 31) * Fraction(1, 1 << rrs) - real) <= real * Fraction(1, 1 << 30)
    # capped multipliers (s_in * 2^26 past 2^31 - 1, or 2^30 - 1 in a TFLITE_SINGLE_ROUNDING build)
    assert af.tflite_log_softmax_params(100.0)[:2] == ((1 << 31) - 1, 31)
    assert af.tflite_log_softmax_params(100.0, af.ROUND_SINGLE)[:2] == ((1 << 31) - 2, 30)
    with pytest.raises(ValueError):
        af.tflite_log_softmax_params(1e-9)
