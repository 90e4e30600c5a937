"""TFLite 16x8 C kernels (templates_c/kernels/*_s16.c) against their numpy twins
(nncodegen/ref/kernels_s16.py), bit for bit, over hypothesis-generated shapes, formats (multipliers,
shifts, zero points, saturation bounds) and both of TFLite's rounding modes; plus nnc_mbqm64 against
exact rational arithmetic and the kernels' strict C99 build on gcc and clang.
"""
from __future__ import annotations

import shutil
import subprocess
from fractions import Fraction

import numpy as np
import pytest

import helpers
from conftest import missing_tool
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nncodegen.harness.cbuild import STRICT_FLAGS
from nncodegen.ir.ops import conv_out_size
from nncodegen.lower.lower import broadcast_params
from nncodegen.lower.lower_s16 import slice_params
from nncodegen.lower.params import ConvGeom, Pad
from nncodegen.lower.params_s16 import EltwiseS16, LeakyS16, QuantS16, RequantEltS16, RequantS16
from nncodegen.paths import include_dir, kernels_dir
from nncodegen.ref import affine as af
from nncodegen.ref import kernels_s16 as ks

CFG = dict(deadline=None, database=None, max_examples=60,
           suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


class CLib(helpers.CLib):
    def run(self, name, args, out_shape, out_dtype):
        """Calls the kernel with a zeroed output buffer appended to args; returns the buffer."""
        out = np.zeros(out_shape, dtype=out_dtype)
        self.call(name, *args, self.p(out))
        return out


@pytest.fixture(scope="module")
def clib():
    kd = kernels_dir()
    return helpers.build_clib("kernels_s16_test", [kd / f"{k}.c" for k in ks.KERNELS], [include_dir(), kd], cls=CLib)


def draw16(data, shape, label, lo=-32768, hi=32767):
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1), label=f"{label} seed"))
    mode = data.draw(st.sampled_from(["full", "small", "extreme"]), label=f"{label} mode")
    if mode == "small":
        return rng.integers(-300, 301, size=shape).clip(lo, hi).astype(np.int16)
    if mode == "extreme":
        return rng.choice([lo, lo + 1, -1, 0, 1, hi - 1, hi], size=shape).astype(np.int16)
    return rng.integers(lo, hi + 1, size=shape).astype(np.int16)


def multiplier(data, label, lo=-30, hi=0, rounding=0):
    m = data.draw(st.floats(0.5, 1.0, exclude_max=True), label=f"{label} mantissa")
    e = data.draw(st.integers(lo, hi), label=f"{label} exponent")
    return af.quantize_multiplier(m * 2.0 ** e, rounding)


def bounds16(data):
    lo = data.draw(st.integers(-32768, 0), label="out_min")
    hi = data.draw(st.integers(0, 32767), label="out_max")
    return lo, hi


def same(got, want, what):
    assert got.dtype == want.dtype, what
    bad = np.argwhere(got.reshape(want.shape) != want)
    assert bad.size == 0, f"{what}: {len(bad)} of {want.size} differ, first {tuple(bad[0])}"


@settings(**CFG)
@given(data=st.data())
def test_conv2d_s16(clib, data):
    i = lambda lo, hi, lab: data.draw(st.integers(lo, hi), label=lab)  # noqa: E731
    groups = i(1, 3, "groups")
    cin, cout = groups * i(1, 4, "cin/g"), groups * i(1, 4, "cout/g")
    kh, kw, sh, sw, dh, dw = i(1, 4, "kh"), i(1, 4, "kw"), i(1, 3, "sh"), i(1, 3, "sw"), i(1, 2, "dh"), i(1, 2, "dw")
    h, w_ = i(1, 9, "h"), i(1, 9, "w")
    pt, pl, pb, pr = i(0, 2, "pt"), i(0, 2, "pl"), i(0, 2, "pb"), i(0, 2, "pr")
    oh, ow = conv_out_size(h, kh, sh, pt, pb, dh), conv_out_size(w_, kw, sw, pl, pr, dw)
    if oh < 1 or ow < 1:
        return
    n = i(1, 2, "batch")
    g = ConvGeom(n, h, w_, cin, oh, ow, cout, kh, kw, sh, sw, pt, pl, dh, dw, groups)
    x = draw16(data, (n, h, w_, cin), "x")
    rng = np.random.default_rng(i(0, 1000, "wseed"))
    wq = rng.integers(-127, 128, size=(cout, kh, kw, cin // groups)).astype(np.int8)
    b = None if data.draw(st.booleans(), label="no bias") else \
        rng.integers(-(1 << 40), 1 << 40, size=cout).astype(np.int64)
    ms = [multiplier(data, f"m{c}", -31, 7) for c in range(cout)]
    ms = [(m, s) for m, s in ms] if all(-31 <= s <= 7 for _, s in ms) else [(1 << 30, -20)] * cout
    lo, hi = bounds16(data)
    rq = RequantS16(tuple(m for m, _ in ms), tuple(s for _, s in ms), i(-5, 5, "zp"), lo, hi)
    want = ks.conv2d_s16(g, rq, x, wq, b)
    got = clib.run("conv2d_s16", [clib.s(g), clib.s(rq), clib.p(x), clib.p(wq), clib.p(b)], want.shape, np.int16)
    same(got, want, "conv2d_s16")


@settings(**CFG)
@given(data=st.data())
def test_conv_transpose2d_s16(clib, data):
    i = lambda lo, hi, lab: data.draw(st.integers(lo, hi), label=lab)  # noqa: E731
    cin, cout = i(1, 5, "cin"), i(1, 5, "cout")
    kh, kw, sh, sw = i(1, 4, "kh"), i(1, 4, "kw"), i(1, 3, "sh"), i(1, 3, "sw")
    h, w_ = i(1, 6, "h"), i(1, 6, "w")
    pt, pl = i(0, kh - 1, "pt"), i(0, kw - 1, "pl")
    full_h, full_w = (h - 1) * sh + kh, (w_ - 1) * sw + kw
    oh, ow = i(1, full_h - pt + 2, "oh"), i(1, full_w - pl + 2, "ow")  # output padding: rows without taps
    g = ConvGeom(1, h, w_, cin, oh, ow, cout, kh, kw, sh, sw, pt, pl)
    x = draw16(data, (1, h, w_, cin), "x")
    rng = np.random.default_rng(i(0, 1000, "wseed"))
    wq = rng.integers(-127, 128, size=(cout, kh, kw, cin)).astype(np.int8)
    b = rng.integers(-(1 << 35), 1 << 35, size=cout).astype(np.int64)
    ms = [multiplier(data, f"m{c}", -31, 7) for c in range(cout)]
    lo, hi = bounds16(data)
    rq = RequantS16(tuple(m for m, _ in ms), tuple(s for _, s in ms), 0, lo, hi)
    want = ks.conv_transpose2d_s16(g, rq, x, wq, b)
    got = clib.run("conv_transpose2d_s16", [clib.s(g), clib.s(rq), clib.p(x), clib.p(wq), clib.p(b)], want.shape,
                   np.int16)
    same(got, want, "conv_transpose2d_s16")


def test_conv_transpose2d_s16_is_the_scatter():
    """The twin's scatter equals a direct loop over input pixels and taps (TFLite's reference order)."""
    rng = np.random.default_rng(1)
    g = ConvGeom(1, 3, 4, 2, 7, 9, 3, 3, 4, 2, 2, 1, 1)
    x = rng.integers(-32768, 32768, size=(1, 3, 4, 2))
    w = rng.integers(-127, 128, size=(3, 3, 4, 2))
    acc = np.zeros((1, 7, 9, 3), np.int64)
    for iy in range(3):
        for ix in range(4):
            for ky in range(3):
                for kx in range(4):
                    oy, ox = iy * 2 - 1 + ky, ix * 2 - 1 + kx
                    if 0 <= oy < 7 and 0 <= ox < 9:
                        acc[0, oy, ox] += w[:, ky, kx, :] @ x[0, iy, ix]
    np.testing.assert_array_equal(ks._convt_sum(g, x, w), acc)


@settings(**CFG)
@given(data=st.data(), op=st.sampled_from(["add_s16", "sub_s16"]), rounding=st.sampled_from([0, 1]))
def test_eltwise_s16(clib, data, op, rounding):
    i = lambda lo, hi, lab: data.draw(st.integers(lo, hi), label=lab)  # noqa: E731
    out = tuple(i(1, 4, f"d{k}") for k in range(4))
    a_shape = tuple(d if data.draw(st.booleans(), label=f"a{k}") else 1 for k, d in enumerate(out))
    b_shape = tuple(d if data.draw(st.booleans(), label=f"b{k}") else 1 for k, d in enumerate(out))
    out = tuple(max(x, y) for x, y in zip(a_shape, b_shape))
    za, zb = i(-1000, 1000, "za"), i(-1000, 1000, "zb")
    a = draw16(data, a_shape, "a", max(-32768, -65535 - za), min(32767, 65535 - za))
    b = draw16(data, b_shape, "b", max(-32768, -65535 - zb), min(32767, 65535 - zb))
    s_a, s_b, s_o = (data.draw(st.floats(1e-5, 1e-1), label=lab) for lab in ("sa", "sb", "so"))
    (ma, sa), (mb, sb), (mo, so) = af.add_params(s_a, s_b, s_o, rounding, left_shift=15)
    if so > 0:
        return
    lo, hi = bounds16(data)
    p = EltwiseS16(broadcast_params(a_shape, b_shape, out), za, zb, 15, ma, sa, mb, sb, mo, so, i(-100, 100, "zo"),
                   lo, hi, rounding)
    want = getattr(ks, op)(p, a, b)
    got = clib.run(op, [clib.s(p), clib.p(a), clib.p(b)], want.shape, np.int16)
    same(got, want, op)


@settings(**CFG)
@given(data=st.data(), rounding=st.sampled_from([0, 1]))
def test_leaky_relu_s16(clib, data, rounding):
    n = data.draw(st.integers(1, 300), label="n")
    x = draw16(data, (n,), "x")
    mi, si = multiplier(data, "id", -20, 3, rounding)
    ma, sa = multiplier(data, "alpha", -25, 1, rounding)
    lo, hi = bounds16(data)
    p = LeakyS16(n, data.draw(st.integers(-100, 100), label="in off"), mi, si, ma, sa,
                 data.draw(st.integers(-100, 100), label="out off"), lo, hi, rounding)
    want = ks.leaky_relu_s16(p, x)
    same(clib.run("leaky_relu_s16", [clib.s(p), clib.p(x)], want.shape, np.int16), want, "leaky_relu_s16")


@settings(**CFG)
@given(data=st.data(), kind=st.sampled_from(["requantize_s16_s16", "requantize_s32_s16", "requantize_s16_s32"]),
       rounding=st.sampled_from([0, 1]))
def test_requantize_s16(clib, data, kind, rounding):
    n = data.draw(st.integers(1, 300), label="n")
    if kind == "requantize_s32_s16":
        rng = np.random.default_rng(data.draw(st.integers(0, 1000), label="seed"))
        x = rng.integers(-(1 << 31), 1 << 31, size=n).astype(np.int32)
        m, s = multiplier(data, "m", -30, 0, rounding)
    else:
        x = draw16(data, (n,), "x")
        m, s = multiplier(data, "m", -16, 16 if kind.endswith("s32") else 2, rounding)
    out_bits = 32 if kind.endswith("s32") else 16
    lo, hi = -(1 << (out_bits - 1)), (1 << (out_bits - 1)) - 1
    p = RequantEltS16(n, data.draw(st.integers(-100, 100), label="in off"), m, s,
                      data.draw(st.integers(-100, 100), label="out off"), lo, hi, rounding)
    want = getattr(ks, kind)(p, x)
    same(clib.run(kind, [clib.s(p), clib.p(x)], want.shape, want.dtype), want, kind)


@settings(**CFG)
@given(data=st.data())
def test_quantize_dequantize_s16(clib, data):
    n = data.draw(st.integers(1, 200), label="n")
    scale = float(np.float32(data.draw(st.floats(1e-5, 1.0), label="scale")))
    zp = data.draw(st.integers(-50, 50), label="zp")
    rng = np.random.default_rng(data.draw(st.integers(0, 1000), label="seed"))
    x = (rng.integers(-40000, 40000, size=n) + rng.choice([0.0, 0.5, 0.25], size=n)).astype(np.float32) * \
        np.float32(scale)  # exact ties of x / scale among them
    p = QuantS16(scale, zp)
    n_ = clib.ffi.cast("int32_t", n)
    want = ks.quantize_s16(n, p, x)
    same(clib.run("quantize_s16", [n_, clib.s(p), clib.p(x)], want.shape, np.int16), want, "quantize_s16")
    back = ks.dequantize_s16(n, p, want)
    same(clib.run("dequantize_s16", [n_, clib.s(p), clib.p(want)], back.shape, np.float32), back, "dequantize_s16")


@settings(**CFG)
@given(data=st.data())
def test_pad_and_strided_slice_s16(clib, data):
    i = lambda lo, hi, lab: data.draw(st.integers(lo, hi), label=lab)  # noqa: E731
    r = i(1, 4, "rank")
    shape = tuple(i(1, 6, f"d{k}") for k in range(r))
    x = draw16(data, shape, "x")
    before = tuple(i(0, 2, f"b{k}") for k in range(r))
    after = tuple(i(0, 2, f"a{k}") for k in range(r))
    fill = lambda s, v=1: (v,) * (4 - r) + tuple(s)  # noqa: E731
    p = Pad(fill(shape), fill(tuple(d + b + a for d, b, a in zip(shape, before, after))), fill(before, 0), 0,
            i(-32768, 32767, "value"))
    want = ks.pad_s16(p, x)
    same(clib.run("pad_s16", [clib.s(p), clib.p(x)], want.shape, np.int16), want, "pad_s16")
    begin, strides, size = [], [], []
    for k, d in enumerate(shape):
        st_ = data.draw(st.sampled_from([1, 2, 3, -1, -2]), label=f"stride{k}")
        b = i(0, d - 1, f"begin{k}")
        room = b // -st_ + 1 if st_ < 0 else (d - 1 - b) // st_ + 1
        begin.append(b)
        strides.append(st_)
        size.append(i(1, room, f"size{k}"))
    sp = slice_params(shape, begin, strides, size)
    want = ks.strided_slice_s16(sp, x)
    idx = np.ix_(*[b + s * np.arange(n) for b, s, n in zip(begin, strides, size)])
    np.testing.assert_array_equal(want.reshape(size), x[idx])
    same(clib.run("strided_slice_s16", [clib.s(sp), clib.p(x)], want.shape, np.int16), want, "strided_slice_s16")


@settings(**CFG)
@given(x=st.integers(-(1 << 47) + 1, (1 << 47) - 1), mant=st.floats(0.5, 1.0, exclude_max=True),
       shift=st.integers(-31, 7))
def test_mbqm64_is_round_half_up_of_the_reduced_multiplier(x, mant, shift):
    """nnc_mbqm64's twin: x * round(multiplier / 2^16) / 2^(15 - shift), rounded half up (exact rationals)."""
    m, _ = af.quantize_multiplier(mant)
    reduced = min((m + (1 << 15)) >> 16, 0x7FFF) if m < 0x7FFF0000 else 0x7FFF
    exact = Fraction(x * reduced, 1 << (15 - shift))
    want = int((exact + Fraction(1, 2)) // 1)
    want = max(min(want, (1 << 31) - 1), -(1 << 31))
    assert int(ks.mbqm64(x, m, shift)) == want


@pytest.mark.parametrize("cc", ["gcc", "clang"])
def test_s16_kernels_compile_strict(cc, tmp_path):
    if shutil.which(cc) is None:
        missing_tool(f"{cc} not installed")
    for k in ks.KERNELS:
        r = subprocess.run([cc, *STRICT_FLAGS, "-O2", "-c", str(kernels_dir() / f"{k}.c"), f"-I{include_dir()}",
                            f"-I{kernels_dir()}", "-o", str(tmp_path / f"{k}.o")], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
