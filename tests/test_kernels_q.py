"""Integer C kernels (templates_c/kernels/*_q7.c, *_q15.c) against their numpy twins
(nncodegen/ref/kernels_q.py), bit for bit, over hypothesis-generated cases; plus
nnc_fixed.h against fixedpoint.py, a few hand-checked cases, and the semantics
of the twins against nncodegen/ref/float_ops.py.
"""
from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import helpers
from conftest import missing_tool
from helpers import assert_same, broadcast_strides, build_clib, draw_operand_shape
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from nncodegen.harness.cbuild import STRICT_FLAGS
from nncodegen.ir.ops import conv_out_size
from nncodegen.lower.params import (Broadcast, ConvGeom, DenseGeom, Eltwise, Lut, Pad, Prelu, Requant, Rescale,
                                    Resize, Softmax, Transpose)
from nncodegen.paths import include_dir, kernels_dir
from nncodegen.ref import fixedpoint as fx
from nncodegen.ref import float_ops
from nncodegen.ref import kernels_q as kq

HERE = Path(__file__).resolve().parent
SHIM_DIR = HERE / "c"
FORMATS = ("q7", "q15")
DTYPE = {"q7": np.int8, "q15": np.int16}

# database=None: no .hypothesis/ directory in the checkout; deadline=None: the first call may build C.
CFG = dict(deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def fmt_of(kernel: str):
    """(element dtype, int32 accumulator?) of a kernel name."""
    q = "q15" if "_q15" in kernel else "q7"
    acc32 = kernel.endswith("_acc32") or (q == "q7" and not kernel.endswith("_wide"))
    return DTYPE[q], acc32


def kernel_sources():
    kd = kernels_dir()
    return [kd / f"{fam}_{q}.c" for fam in kq.KERNELS for q in FORMATS]


# ---------------------------------------------------------------- C build (once per session)

@pytest.fixture(scope="session")
def clib():
    kd = kernels_dir()
    # build_cffi's cache key covers sources and headers but not the shared *_qn.inc bodies: key them here
    inc_hash = hashlib.sha256(b"".join(p.read_bytes() for p in sorted(kd.glob("*_qn.inc")))).hexdigest()[:16]
    return build_clib("kernels_q_test", kernel_sources() + [SHIM_DIR / "nnc_fixed_shim.c"],
                      [include_dir(), kd, SHIM_DIR], header_prefix=f"/* kernel bodies {inc_hash} */\n")


def garbage(shape, dtype, seed=12345):
    return helpers.garbage(shape, dtype, seed)


# ---------------------------------------------------------------- value strategies

def draw_values(data, shape, dtype, label, modes=("full", "small", "extreme", "positive")):
    mode = data.draw(st.sampled_from(modes), label=f"{label} mode")
    seed = data.draw(st.integers(0, 2 ** 32 - 1), label=f"{label} seed")
    rng = np.random.default_rng(seed)
    info = np.iinfo(dtype)
    lo, hi = int(info.min), int(info.max)
    if mode == "full":
        v = rng.integers(lo, hi + 1, size=shape)
    elif mode == "small":
        v = rng.integers(-4, 5, size=shape)
    elif mode == "extreme":
        v = rng.choice(np.array([lo, lo + 1, -1, 0, 1, hi - 1, hi]), size=shape)
    elif mode == "positive":
        v = rng.integers(0, hi + 1, size=shape)
    elif mode == "ties":
        base = int(rng.integers(lo, hi - 2))
        v = base + rng.integers(0, 3, size=shape)
    else:
        raise AssertionError(mode)
    return np.ascontiguousarray(np.asarray(v).astype(dtype))


def draw_bounds(data, dtype):
    info = np.iinfo(dtype)
    lo, hi = int(info.min), int(info.max)
    kind = data.draw(st.sampled_from(["full", "relu", "relu_cap", "random"]), label="bounds")
    if kind == "full":
        return lo, hi
    if kind == "relu":
        return 0, hi
    if kind == "relu_cap":
        return 0, data.draw(st.integers(0, hi), label="cap")
    a = data.draw(st.integers(lo, hi), label="b0")
    b = data.draw(st.integers(lo, hi), label="b1")
    return min(a, b), max(a, b)


def draw_leaky(data):
    return data.draw(st.one_of(st.just(fx.LEAKY_NONE), st.sampled_from([0, 16384, 3277, 32767, -32768, -1]),
                               st.integers(-32768, 32767)), label="leaky_q15")


def draw_requant(data, out_c, dtype):
    top = 24 if dtype == np.int8 else 40
    shifts = data.draw(st.lists(st.one_of(st.integers(-4, top), st.just(0)), min_size=out_c, max_size=out_c),
                       label="shifts")
    lo, hi = draw_bounds(data, dtype)
    return Requant(tuple(shifts), lo, hi, draw_leaky(data))


def draw_bias(data, n, allow_huge):
    kinds = ["none", "small", "full"] + (["huge"] if allow_huge else [])
    kind = data.draw(st.sampled_from(kinds), label="bias kind")
    if kind == "none":
        return None
    seed = data.draw(st.integers(0, 2 ** 32 - 1), label="bias seed")
    rng = np.random.default_rng(seed)
    if kind == "small":
        v = rng.integers(-1000, 1001, size=n)
    elif kind == "full":
        v = rng.integers(-(2 ** 31), 2 ** 31, size=n)
    else:  # next to the int32 limits: any product pushes an int32 sum over
        v = rng.choice(np.array([2 ** 31 - 1, -(2 ** 31), 2 ** 31 - 2, -(2 ** 31) + 1]), size=n)
    return np.ascontiguousarray(v.astype(np.int32))


def fit_acc32(bound, w, b, dtype):
    """Scale weights and bias so that |bias| + sum |x*w| < 2^31 (the int32 variants' contract)."""
    m = int(bound.max()) if bound.size else 0
    if m < 2 ** 31:
        return w, b
    f = (2 ** 31 - 2 ** 20) / m
    w = np.ascontiguousarray(np.trunc(w.astype(np.float64) * f).astype(dtype))
    if b is not None:
        b = np.ascontiguousarray(np.trunc(b.astype(np.float64) * f).astype(np.int32))
    return w, b


# ---------------------------------------------------------------- conv2d / conv_transpose2d / dense

def draw_channels(data, kind):
    if kind == "depthwise":
        c = data.draw(st.integers(1, 6), label="channels")
        return c, c, c
    if kind == "depthwise_mult":
        c = data.draw(st.integers(1, 4), label="channels")
        return c, c * data.draw(st.integers(2, 3), label="multiplier"), c
    if kind == "grouped":
        g = data.draw(st.integers(2, 3), label="groups")
        return g * data.draw(st.integers(1, 3), label="cin_g"), g * data.draw(st.integers(1, 3), label="cout_g"), g
    return data.draw(st.integers(1, 6), label="in_c"), data.draw(st.integers(1, 6), label="out_c"), 1


def draw_conv_geom(data) -> ConvGeom:
    kind = data.draw(st.sampled_from(["generic", "pointwise", "depthwise", "depthwise_mult", "grouped"]), label="kind")
    batch = data.draw(st.integers(1, 2), label="batch")
    cin, cout, groups = draw_channels(data, kind)
    ints = lambda lo, hi, label: data.draw(st.integers(lo, hi), label=label)  # noqa: E731
    if kind == "pointwise":
        kh = kw = sh = sw = 1
        dh, dw = ints(1, 3, "dil_h"), ints(1, 3, "dil_w")
        pt = pl = pb = pr = 0
    else:
        kh, kw = ints(1, 5, "k_h"), ints(1, 5, "k_w")
        sh, sw = ints(1, 3, "stride_h"), ints(1, 3, "stride_w")
        dh, dw = ints(1, 3, "dil_h"), ints(1, 3, "dil_w")
        pt, pb = ints(0, kh, "pad_top"), ints(0, kh, "pad_bottom")
        pl, pr = ints(0, kw, "pad_left"), ints(0, kw, "pad_right")
    h = max(1, dh * (kh - 1) + 1 - pt - pb) + ints(0, 4, "extra_h")
    w = max(1, dw * (kw - 1) + 1 - pl - pr) + ints(0, 4, "extra_w")
    oh, ow = conv_out_size(h, kh, sh, pt, pb, dh), conv_out_size(w, kw, sw, pl, pr, dw)
    assert oh > 0 and ow > 0
    return ConvGeom(batch, h, w, cin, oh, ow, cout, kh, kw, sh, sw, pt, pl, dh, dw, groups)


def draw_conv_transpose_geom(data) -> ConvGeom:
    kind = data.draw(st.sampled_from(["generic", "depthwise", "depthwise_mult", "grouped"]), label="kind")
    batch = data.draw(st.integers(1, 2), label="batch")
    cin, cout, groups = draw_channels(data, kind)
    ints = lambda lo, hi, label: data.draw(st.integers(lo, hi), label=label)  # noqa: E731
    kh, kw = ints(1, 5, "k_h"), ints(1, 5, "k_w")
    sh, sw = ints(1, 3, "stride_h"), ints(1, 3, "stride_w")
    dh, dw = ints(1, 3, "dil_h"), ints(1, 3, "dil_w")
    h, w = ints(1, 5, "in_h"), ints(1, 5, "in_w")

    def axis(n, k, s, d, name):
        full = (n - 1) * s + d * (k - 1)  # out = full + 1 - pads + output_padding
        a = min(ints(0, d * (k - 1), f"pad_{name}0"), full)
        b = min(ints(0, d * (k - 1), f"pad_{name}1"), full - a)
        op = ints(0, s - 1, f"output_padding_{name}")
        return a, full + 1 - a - b + op

    pt, oh = axis(h, kh, sh, dh, "h")
    pl, ow = axis(w, kw, sw, dw, "w")
    return ConvGeom(batch, h, w, cin, oh, ow, cout, kh, kw, sh, sw, pt, pl, dh, dw, groups)


def conv_bound(transpose, g, x, w, b):
    ax, aw = np.abs(x.astype(np.int64)), np.abs(w.astype(np.int64))
    s = (kq._conv_transpose2d_sum if transpose else kq._conv2d_sum)(g, ax, aw)
    return s + (0 if b is None else np.abs(b.astype(np.int64)))


def run_conv_case(clib, kernel, data, transpose):
    dtype, acc32 = fmt_of(kernel)
    g = draw_conv_transpose_geom(data) if transpose else draw_conv_geom(data)
    x = draw_values(data, (g.batch, g.in_h, g.in_w, g.in_c), dtype, "x")
    w = draw_values(data, (g.out_c, g.k_h, g.k_w, g.in_c // g.groups), dtype, "w")
    b = draw_bias(data, g.out_c, allow_huge=not acc32)
    if acc32:
        w, b = fit_acc32(conv_bound(transpose, g, x.reshape(g.batch, g.in_h, g.in_w, g.in_c), w, b), w, b, dtype)
    rq = draw_requant(data, g.out_c, dtype)
    if not transpose:  # which loop of conv2d_qn.inc runs (see --hypothesis-show-statistics)
        pointwise = (g.k_h == g.k_w == g.stride_h == g.stride_w == g.groups == 1 and g.pad_top == g.pad_left == 0
                     and (g.out_h, g.out_w) == (g.in_h, g.in_w))
        event("pointwise path" if pointwise else "depthwise path" if g.groups == g.in_c == g.out_c else "generic path")
    want = getattr(kq, kernel)(g, rq, x, w, b)
    assert want.shape == (g.batch, g.out_h, g.out_w, g.out_c) and want.dtype == dtype
    out = garbage(want.shape, dtype)
    clib.call(kernel, clib.s(g), clib.s(rq), clib.p(x), clib.p(w), clib.p(b), clib.p(out))
    assert_same(out, want, f"{kernel} {g}")


@pytest.mark.parametrize("kernel", kq.KERNELS["conv2d"])
@settings(max_examples=300, **CFG)
@given(data=st.data())
def test_conv2d(clib, kernel, data):
    run_conv_case(clib, kernel, data, transpose=False)


@pytest.mark.parametrize("kernel", kq.KERNELS["conv_transpose2d"])
@settings(max_examples=200, **CFG)
@given(data=st.data())
def test_conv_transpose2d(clib, kernel, data):
    run_conv_case(clib, kernel, data, transpose=True)


@pytest.mark.parametrize("kernel", kq.KERNELS["dense"])
@settings(max_examples=150, **CFG)
@given(data=st.data())
def test_dense(clib, kernel, data):
    dtype, acc32 = fmt_of(kernel)
    g = DenseGeom(data.draw(st.integers(1, 3), label="batch"), data.draw(st.integers(1, 64), label="in"),
                  data.draw(st.integers(1, 16), label="out"))
    x = draw_values(data, (g.batch, g.in_features), dtype, "x")
    w = draw_values(data, (g.out_features, g.in_features), dtype, "w")
    b = draw_bias(data, g.out_features, allow_huge=not acc32)
    if acc32:
        bound = np.abs(x.astype(np.int64)) @ np.abs(w.astype(np.int64)).T
        w, b = fit_acc32(bound + (0 if b is None else np.abs(b.astype(np.int64))), w, b, dtype)
    rq = draw_requant(data, g.out_features, dtype)
    want = getattr(kq, kernel)(g, rq, x, w, b)
    out = garbage(want.shape, dtype)
    clib.call(kernel, clib.s(g), clib.s(rq), clib.p(x), clib.p(w), clib.p(b), clib.p(out))
    assert_same(out, want, f"{kernel} {g}")


# ---------------------------------------------------------------- pools

def draw_pool_geom(data) -> ConvGeom:
    ints = lambda lo, hi, label: data.draw(st.integers(lo, hi), label=label)  # noqa: E731
    kh, kw = ints(1, 5, "k_h"), ints(1, 5, "k_w")
    sh, sw = ints(1, 3, "stride_h"), ints(1, 3, "stride_w")
    # pads up to k: pad == k gives windows without a real element
    pt, pb = ints(0, kh, "pad_top"), ints(0, kh, "pad_bottom")
    pl, pr = ints(0, kw, "pad_left"), ints(0, kw, "pad_right")
    h = max(1, kh - pt - pb) + ints(0, 5, "extra_h")
    w = max(1, kw - pl - pr) + ints(0, 5, "extra_w")
    c = ints(1, 6, "channels")
    oh, ow = conv_out_size(h, kh, sh, pt, pb, 1), conv_out_size(w, kw, sw, pl, pr, 1)
    return ConvGeom(ints(1, 2, "batch"), h, w, c, oh, ow, c, kh, kw, sh, sw, pt, pl)


def draw_global_geom(data) -> ConvGeom:
    h, w, c = (data.draw(st.integers(1, n), label=lab) for n, lab in ((8, "h"), (8, "w"), (8, "c")))
    return ConvGeom(data.draw(st.integers(1, 2), label="batch"), h, w, c, 1, 1, c, h, w)


@pytest.mark.parametrize("kernel", kq.KERNELS["pool"])
@settings(max_examples=100, **CFG)
@given(data=st.data())
def test_pool(clib, kernel, data):
    dtype, _ = fmt_of(kernel)
    g = draw_global_geom(data) if kernel.startswith("global") else draw_pool_geom(data)
    x = draw_values(data, (g.batch, g.in_h, g.in_w, g.in_c), dtype, "x")
    extra = []
    if kernel.startswith("avgpool"):
        extra = [data.draw(st.sampled_from([0, 1]), label="count_include_pad")]
    want = getattr(kq, kernel)(g, *extra, x)
    out = garbage(want.shape, dtype)
    clib.call(kernel, clib.s(g), *extra, clib.p(x), clib.p(out))
    assert_same(out, want, f"{kernel} {g} {extra}")


# ---------------------------------------------------------------- element-wise

@pytest.mark.parametrize("kernel", kq.KERNELS["eltwise"])
@settings(max_examples=100, **CFG)
@given(data=st.data())
def test_eltwise(clib, kernel, data):
    dtype, _ = fmt_of(kernel)
    op = kernel.split("_")[0]
    out = tuple(data.draw(st.lists(st.integers(1, 5), min_size=4, max_size=4), label="out shape"))
    sa, sb = draw_operand_shape(data, out, "a"), draw_operand_shape(data, out, "b")
    a = draw_values(data, sa, dtype, "a")
    b = draw_values(data, sb, dtype, "b")
    lo, hi = draw_bounds(data, dtype)
    if op == "mul":
        al = bl = 0
        shift = data.draw(st.integers(-3, 30), label="shift")
    else:
        al, bl = data.draw(st.integers(0, 16), label="a_lshift"), data.draw(st.integers(0, 16), label="b_lshift")
        shift = data.draw(st.integers(-3, 24), label="shift")
    p = Eltwise(Broadcast(out, broadcast_strides(sa, out), broadcast_strides(sb, out)), al, bl, shift, lo, hi)
    want = getattr(kq, kernel)(p, a, b)
    # the twin's strided walk is numpy broadcasting
    a64 = np.broadcast_to(a.astype(np.int64), out)
    b64 = np.broadcast_to(b.astype(np.int64), out)
    s = {"add": a64 * 2 ** al + b64 * 2 ** bl, "sub": a64 * 2 ** al - b64 * 2 ** bl, "mul": a64 * b64}[op]
    assert_same(fx.sat(fx.shift_round(s, shift), lo, hi).astype(dtype), want, "twin vs numpy broadcasting")
    y = garbage(out, dtype)
    clib.call(kernel, clib.s(p), clib.p(a), clib.p(b), clib.p(y))
    assert_same(y, want, f"{kernel} {p}")


@pytest.mark.parametrize("q", FORMATS)
@settings(max_examples=100, **CFG)
@given(data=st.data())
def test_rescale(clib, q, data):
    dtype = DTYPE[q]
    outer, inner = data.draw(st.integers(1, 6), label="outer"), data.draw(st.integers(1, 16), label="inner")
    out_inner = inner + data.draw(st.integers(0, 8), label="extra")
    offset = data.draw(st.integers(0, out_inner - inner), label="offset")
    lo, hi = draw_bounds(data, dtype)
    p = Rescale(outer, inner, out_inner, offset, data.draw(st.integers(-9, 9), label="shift"), lo, hi)
    x = draw_values(data, (outer, inner), dtype, "x")
    y = garbage((outer, out_inner), dtype, seed=data.draw(st.integers(0, 1000), label="prefill"))
    want = getattr(kq, f"rescale_{q}")(p, x, y)
    clib.call(f"rescale_{q}", clib.s(p), clib.p(x), clib.p(y))
    assert_same(y, want, f"rescale_{q} {p}")


# ---------------------------------------------------------------- lut / prelu / softmax

def draw_table(data, label):
    kind = data.draw(st.sampled_from(["random", "monotone", "sigmoid"]), label=f"{label} kind")
    seed = data.draw(st.integers(0, 2 ** 32 - 1), label=f"{label} seed")
    rng = np.random.default_rng(seed)
    if kind == "random":
        t = rng.integers(-(2 ** 20), 2 ** 20 + 1, size=257)
    elif kind == "monotone":
        t = np.cumsum(rng.integers(-300, 300, size=257))
    else:
        t = np.floor(32767 / (1 + np.exp(-np.linspace(-8, 8, 257))) + 0.5)
    return tuple(int(v) for v in t)


@pytest.mark.parametrize("q", FORMATS)
@settings(max_examples=100, **CFG)
@given(data=st.data())
def test_lut(clib, q, data):
    dtype = DTYPE[q]
    info = np.iinfo(dtype)
    lut = Lut(draw_table(data, "table"), data.draw(st.integers(int(info.min) - 300, int(info.max)), label="x_min"),
              data.draw(st.integers(0, 10), label="shift"))
    n = data.draw(st.integers(1, 300), label="n")
    x = draw_values(data, (n,), dtype, "x")
    want = getattr(kq, f"lut_{q}")(n, lut, x)
    y = garbage((n,), dtype)
    clib.call(f"lut_{q}", n, clib.s(lut), clib.p(x), clib.p(y))
    assert_same(y, want, f"lut_{q} x_min={lut.x_min} shift={lut.shift}")


@pytest.mark.parametrize("q", FORMATS)
@settings(max_examples=100, **CFG)
@given(data=st.data())
def test_prelu(clib, q, data):
    dtype = DTYPE[q]
    outer, ch = data.draw(st.integers(1, 6), label="outer"), data.draw(st.integers(1, 8), label="channels")
    lo, hi = draw_bounds(data, dtype)
    p = Prelu(outer, ch, data.draw(st.integers(0, 15), label="slope_frac"),
              data.draw(st.integers(-3, 30), label="shift"), lo, hi)
    x = draw_values(data, (outer, ch), dtype, "x")
    slope = draw_values(data, (ch,), np.int16, "slope")
    want = getattr(kq, f"prelu_{q}")(p, x, slope)
    y = garbage((outer, ch), dtype)
    clib.call(f"prelu_{q}", clib.s(p), clib.p(x), clib.p(slope), clib.p(y))
    assert_same(y, want, f"prelu_{q} {p}")


def exp_table(bits: int, fin: int) -> Lut:
    """exp(d * 2^-fin) * 2^16 for d <= 0, the shape of table the compiler builds for softmax."""
    shift = 0 if bits == 8 else int(np.clip(np.ceil(np.log2(max(16.0 * 2.0 ** fin, 1.0) / 256.0)), 0, 8))
    x_min = -(256 << shift) + (1 if shift == 0 else 0)
    d = x_min + (np.arange(257, dtype=np.int64) << shift)
    t = np.floor(np.exp(np.minimum(d, 0) * 2.0 ** -fin) * 65536.0 + 0.5)
    return Lut(tuple(int(v) for v in t), int(x_min), shift)


@pytest.mark.parametrize("q", FORMATS)
@settings(max_examples=150, **CFG)
@given(data=st.data())
def test_softmax(clib, q, data):
    dtype = DTYPE[q]
    bits = 8 if q == "q7" else 16
    rows, cols = data.draw(st.integers(1, 4), label="rows"), data.draw(st.integers(1, 24), label="cols")
    if data.draw(st.booleans(), label="exp table"):
        lut = exp_table(bits, data.draw(st.integers(0, bits - 1), label="in frac"))
    else:  # any legal table: entries >= 0 with a positive value everywhere
        seed = data.draw(st.integers(0, 2 ** 32 - 1), label="table seed")
        t = np.random.default_rng(seed).integers(1, 2 ** 16 + 1, size=257)
        lut = Lut(tuple(int(v) for v in t), data.draw(st.integers(-600, 0), label="x_min"),
                  data.draw(st.integers(0, 8), label="shift"))
    out_max = data.draw(st.one_of(st.just(int(np.iinfo(dtype).max)), st.integers(0, int(np.iinfo(dtype).max))),
                        label="out_max")
    p = Softmax(rows, cols, lut, data.draw(st.integers(0, bits - 1), label="out_frac"), out_max)
    x = draw_values(data, (rows, cols), dtype, "x", modes=("full", "small", "extreme", "ties"))
    want = getattr(kq, f"softmax_{q}")(p, x)
    y = garbage((rows, cols), dtype)
    clib.call(f"softmax_{q}", clib.s(p), clib.p(x), clib.p(y))
    assert_same(y, want, f"softmax_{q} out_frac={p.out_frac} out_max={p.out_max}")


# ---------------------------------------------------------------- pad / resize / transpose

@pytest.mark.parametrize("q", FORMATS)
@settings(max_examples=150, **CFG)
@given(data=st.data())
def test_pad(clib, q, data):
    dtype = DTYPE[q]
    rank = data.draw(st.integers(1, 4), label="rank")
    ins = [data.draw(st.integers(1, 5), label=f"in{k}") for k in range(rank)]
    mode = data.draw(st.sampled_from([0, 1, 2]), label="mode")
    before, after = [], []
    for k in range(rank):
        # negative pads crop; keep at least one element
        bk = max(data.draw(st.integers(-2, 6), label=f"before{k}"), 1 - ins[k])
        ak = max(data.draw(st.integers(-2, 6), label=f"after{k}"), 1 - ins[k] - bk)
        before.append(bk)
        after.append(ak)
    outs = [i + b_ + a_ for i, b_, a_ in zip(ins, before, after)]
    info = np.iinfo(dtype)
    fill = lambda v, f: tuple([f] * (4 - rank) + list(v))  # noqa: E731
    p = Pad(fill(ins, 1), fill(outs, 1), fill(before, 0), mode,
            data.draw(st.integers(int(info.min), int(info.max)), label="value"))
    x = draw_values(data, tuple(ins), dtype, "x")
    want = getattr(kq, f"pad_{q}")(p, x)
    if min(before) >= 0 and min(after) >= 0:  # numpy's pad is the reference semantics
        widths = list(zip(before, after))
        ref = (np.pad(x, widths, mode="constant", constant_values=p.value) if mode == 0 else
               np.pad(x, widths, mode={1: "reflect", 2: "edge"}[mode]))
        assert_same(want, ref.reshape(want.shape).astype(dtype), "twin vs np.pad")
    y = garbage(want.shape, dtype)
    clib.call(f"pad_{q}", clib.s(p), clib.p(x), clib.p(y))
    assert_same(y, want, f"pad_{q} {p}")


COORDS = ["asymmetric", "half_pixel", "pytorch_half_pixel", "align_corners", "tf_half_pixel_for_nn"]
NEAREST = ["floor", "ceil", "round_prefer_floor", "round_prefer_ceil"]


def draw_resize(data, dtype, bilinear) -> Resize:
    ints = lambda lo, hi, label: data.draw(st.integers(lo, hi), label=label)  # noqa: E731
    n, h, w, c = ints(1, 2, "batch"), ints(1, 6, "in_h"), ints(1, 6, "in_w"), ints(1, 4, "channels")
    oh, ow = ints(1, 12, "out_h"), ints(1, 12, "out_w")
    t = lambda v: tuple(int(i) for i in v)  # noqa: E731
    if data.draw(st.booleans(), label="compiler tables"):
        coord = data.draw(st.sampled_from(COORDS), label="coord")
        if not bilinear:
            nm = data.draw(st.sampled_from(NEAREST), label="nearest_mode")
            return Resize(n, h, w, c, oh, ow, y0=t(float_ops.resize_nearest_index(h, oh, coord, nm)),
                          x0=t(float_ops.resize_nearest_index(w, ow, coord, nm)))
        y0, y1, wy = float_ops.resize_linear_taps(h, oh, coord)
        x0, x1, wx = float_ops.resize_linear_taps(w, ow, coord)
        wy, wx = np.floor(wy * 1024 + 0.5), np.floor(wx * 1024 + 0.5)
    else:
        rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1), label="table seed"))
        y0, y1, x0, x1 = (rng.integers(0, s, size=o) for s, o in ((h, oh), (h, oh), (w, ow), (w, ow)))
        wy, wx = rng.integers(0, 1025, size=oh), rng.integers(0, 1025, size=ow)
        if not bilinear:
            return Resize(n, h, w, c, oh, ow, y0=t(y0), x0=t(x0))
    lo, hi = draw_bounds(data, dtype)
    shift = data.draw(st.one_of(st.just(20), st.integers(0, 24)), label="shift")
    return Resize(n, h, w, c, oh, ow, t(y0), t(y1), t(x0), t(x1), t(wy), t(wx), None, None, shift, lo, hi)


@pytest.mark.parametrize("kernel", kq.KERNELS["resize"])
@settings(max_examples=100, **CFG)
@given(data=st.data())
def test_resize(clib, kernel, data):
    dtype, _ = fmt_of(kernel)
    p = draw_resize(data, dtype, bilinear="bilinear" in kernel)
    x = draw_values(data, (p.batch, p.in_h, p.in_w, p.channels), dtype, "x")
    want = getattr(kq, kernel)(p, x)
    assert want.shape == (p.batch, p.out_h, p.out_w, p.channels)
    y = garbage(want.shape, dtype)
    clib.call(kernel, clib.s(p), clib.p(x), clib.p(y))
    assert_same(y, want, f"{kernel} {p}")


def transpose_params(in_shape, perm) -> Transpose:
    r = len(in_shape)
    strides = [int(np.prod(in_shape[i + 1:], dtype=np.int64)) for i in range(r)]
    return Transpose(tuple([1] * (6 - r) + [in_shape[p] for p in perm]),
                     tuple([0] * (6 - r) + [strides[p] for p in perm]))


@pytest.mark.parametrize("q", FORMATS)
@settings(max_examples=150, **CFG)
@given(data=st.data())
def test_transpose(clib, q, data):
    dtype = DTYPE[q]
    rank = data.draw(st.integers(2, 6), label="rank")
    shape = tuple(data.draw(st.lists(st.integers(1, 4), min_size=rank, max_size=rank), label="shape"))
    perm = tuple(data.draw(st.permutations(range(rank)), label="perm"))
    p = transpose_params(shape, perm)
    x = draw_values(data, shape, dtype, "x")
    want = getattr(kq, f"transpose_{q}")(p, x)
    assert_same(want, np.transpose(x, perm).reshape(want.shape), "twin vs np.transpose")
    y = garbage(want.shape, dtype)
    clib.call(f"transpose_{q}", clib.s(p), clib.p(x), clib.p(y))
    assert_same(y, want, f"transpose_{q} shape={shape} perm={perm}")


def test_channel_shuffle(clib):
    x = np.arange(2 * 3 * 6, dtype=np.int8).reshape(2, 3, 6)  # 6 channels, 2 groups
    p = transpose_params((6, 2, 3), (0, 2, 1))
    ref = float_ops.channel_shuffle({"groups": 2}, x).astype(np.int8)
    assert_same(kq.transpose_q7(p, x).reshape(ref.shape), ref, "twin vs float_ops.channel_shuffle")
    y = np.zeros_like(x)
    clib.call("transpose_q7", clib.s(p), clib.p(x), clib.p(y))
    assert_same(y, ref, "transpose_q7 channel shuffle")


# ---------------------------------------------------------------- nnc_fixed.h vs fixedpoint.py

def test_fixed_helpers_match_c(clib):
    ffi, lib = clib.ffi, clib.lib
    rng = np.random.default_rng(7)
    n = 4000
    edge = np.array([0, 1, -1, 2, -2, 3, -3, 5, -5, 2 ** 31 - 1, -(2 ** 31), 2 ** 40 + 1, -(2 ** 40) - 1],
                    dtype=np.int64)
    v = np.concatenate([edge, rng.integers(-(2 ** 45), 2 ** 45, size=n), rng.integers(-300, 300, size=n)])
    m = v.size
    out32 = np.zeros(m, dtype=np.int32)
    out64 = np.zeros(m, dtype=np.int64)

    for lo, hi in ((-128, 127), (0, 127), (-32768, 32767), (-(2 ** 31), 2 ** 31 - 1), (5, 5)):
        lib.shim_sat(m, clib.p(v), lo, hi, clib.p(out32))
        assert_same(out32, fx.sat(v, lo, hi).astype(np.int32), f"nnc_sat [{lo}, {hi}]")

    shift = rng.integers(-16, 18, size=m).astype(np.int32)
    shift[:50] = 0
    lib.shim_shift_round(m, clib.p(v), clib.p(shift), clib.p(out64))
    assert_same(out64, fx.shift_round(v, shift), "nnc_shift_round")

    for slope in (fx.LEAKY_NONE, 0, 1, 16384, 3277, 32767, -32768, -5):
        lib.shim_leaky(m, clib.p(v), slope, clib.p(out64))
        assert_same(out64, fx.leaky(v, slope), f"nnc_leaky {slope}")

    ch = 7
    shifts = tuple(int(s) for s in rng.integers(-5, 30, size=ch))
    rq = Requant(shifts, -100, 90, 9830)
    lib.shim_requantize(m, clib.p(v), clib.s(rq), ch, clib.p(out32))
    per = np.resize(np.array(shifts), m)  # channel i % ch
    want = fx.sat(fx.shift_round(fx.leaky(v, 9830), per), -100, 90)
    assert_same(out32, want.astype(np.int32), "nnc_requantize")

    d = np.concatenate([np.array([1, 1, 2, 2, 3, 3, 7], dtype=np.int64), rng.integers(1, 2 ** 20, size=m - 7)])
    num = np.concatenate([np.array([1, -1, 3, -3, 5, -5, -14], dtype=np.int64), v[7:] // 2])
    lib.shim_floor_div(m, clib.p(num), clib.p(d), clib.p(out64))
    assert_same(out64, fx.floor_div(num, d), "nnc_floor_div")
    lib.shim_div_round(m, clib.p(num), clib.p(d), clib.p(out64))
    assert_same(out64, fx.div_round(num, d), "nnc_div_round")

    xs = np.concatenate([np.arange(-40000, 40000, 7), [-(2 ** 31), 2 ** 31 - 1]]).astype(np.int32)
    res = np.zeros(xs.size, dtype=np.int32)
    for shift_, x_min in ((0, -128), (0, 5), (3, -1000), (8, -32768), (12, 100)):
        table = tuple(int(t) for t in rng.integers(-(2 ** 24), 2 ** 24, size=257))
        lut = Lut(table, x_min, shift_)
        lib.shim_lut_eval(xs.size, clib.s(lut), clib.p(xs), clib.p(res))
        assert_same(res, fx.lut_eval(np.array(table), x_min, shift_, xs).astype(np.int32),
                     f"nnc_lut_eval shift={shift_} x_min={x_min}")


# ---------------------------------------------------------------- hand-checked cases

def conv1x1(clib, kernel, x, w, b, rq, dtype):
    """x (P, Cin) pixels as a 1 x P image."""
    p, cin = x.shape
    g = ConvGeom(1, 1, p, cin, 1, p, w.shape[0])
    x = np.ascontiguousarray(x.astype(dtype))
    w = np.ascontiguousarray(w.astype(dtype).reshape(w.shape[0], 1, 1, cin))
    b = None if b is None else np.ascontiguousarray(np.asarray(b, dtype=np.int32))
    out = garbage((1, 1, p, w.shape[0]), dtype)
    clib.call(kernel, clib.s(g), clib.s(rq), clib.p(x), clib.p(w), clib.p(b), clib.p(out))
    assert_same(out, getattr(kq, kernel)(g, rq, x, w, b), kernel)
    return out.reshape(p, -1)


@pytest.mark.parametrize("kernel", ["conv2d_q7", "conv2d_q15", "conv2d_q7_wide", "conv2d_q15_acc32"])
def test_requantize_rounds_half_up(clib, kernel):
    dtype, _ = fmt_of(kernel)
    acc = np.array([3, -3, 5, -5, 1, -1, 2, -2, 7, -7])  # halves with shift 1, quarters with shift 2
    one = np.ones((1, 1))
    y1 = conv1x1(clib, kernel, acc[:, None], one, None, Requant((1,), -128, 127), dtype)[:, 0]
    assert y1.tolist() == [2, -1, 3, -2, 1, 0, 1, -1, 4, -3]  # 1.5 2.5 0.5 -> up; -1.5 -2.5 -0.5 -> up
    y2 = conv1x1(clib, kernel, acc[:, None], one, None, Requant((2,), -128, 127), dtype)[:, 0]
    assert y2.tolist() == [1, -1, 1, -1, 0, 0, 1, 0, 2, -2]  # 0.75 -> 1, -0.75 -> -1, 0.5 -> 1, -0.5 -> 0
    y0 = conv1x1(clib, kernel, acc[:, None], one, None, Requant((-2,), -20, 20), dtype)[:, 0]
    assert y0.tolist() == [12, -12, 20, -20, 4, -4, 8, -8, 20, -20]  # left shift then saturate
    # leaky slope 0.5 on negatives: -3 -> -1.5 -> -1, -5 -> -2.5 -> -2, -1 -> -0.5 -> 0
    yl = conv1x1(clib, kernel, acc[:, None], one, None, Requant((0,), -128, 127, 16384), dtype)[:, 0]
    assert yl.tolist() == [3, -1, 5, -2, 1, 0, 2, -1, 7, -3]


@pytest.mark.parametrize("kernel", kq.KERNELS["conv2d"])
def test_conv1x1_by_hand(clib, kernel):
    dtype, _ = fmt_of(kernel)
    x = np.array([[1, 2], [-3, 4], [0, -1]])
    w = np.array([[3, 4], [-1, 2]])
    # pixel 0: [1*3 + 2*4 + 10, -1 + 4 - 5] = [21, -2]; pixel 1: [-9 + 16 + 10, 3 + 8 - 5] = [17, 6];
    # pixel 2: [-4 + 10, -2 - 5] = [6, -7]
    y = conv1x1(clib, kernel, x, w, [10, -5], Requant((0, 0), -128, 127), dtype)
    assert y.tolist() == [[21, -2], [17, 6], [6, -7]]
    y = conv1x1(clib, kernel, x, w, [10, -5], Requant((1, 0), 0, 127), dtype)  # relu, halve channel 0
    assert y.tolist() == [[11, 0], [9, 6], [3, 0]]


def test_conv3x3_padding_by_hand(clib):
    # 2x2 ones, 3x3 ones, pad 1: every output window covers all four inputs
    g = ConvGeom(1, 2, 2, 1, 2, 2, 1, 3, 3, 1, 1, 1, 1)
    x = np.ones((1, 2, 2, 1), dtype=np.int8)
    w = np.ones((1, 3, 3, 1), dtype=np.int8)
    out = np.zeros((1, 2, 2, 1), dtype=np.int8)
    clib.call("conv2d_q7", clib.s(g), clib.s(Requant((0,))), clib.p(x), clib.p(w), clib.p(None), clib.p(out))
    assert out.ravel().tolist() == [4, 4, 4, 4]


def test_avgpool_rounding_by_hand(clib):
    g = ConvGeom(1, 1, 4, 1, 1, 2, 1, 1, 2, 1, 2)
    x = np.array([1, 2, -1, -2], dtype=np.int8)
    out = np.zeros(2, dtype=np.int8)
    clib.call("avgpool_q7", clib.s(g), 0, clib.p(x), clib.p(out))
    assert out.tolist() == [2, -1]  # 1.5 -> 2, -1.5 -> -1
    # pad 1 left, kernel 2, stride 2: windows {pad, 1}, {2, -1}, {-2, pad}
    g = ConvGeom(1, 1, 4, 1, 1, 3, 1, 1, 2, 1, 2, 0, 1)
    out = np.zeros(3, dtype=np.int8)
    clib.call("avgpool_q7", clib.s(g), 0, clib.p(x), clib.p(out))
    assert out.tolist() == [1, 1, -2]  # 1/1, 0.5 -> 1, -2/1
    clib.call("avgpool_q7", clib.s(g), 1, clib.p(x), clib.p(out))
    assert out.tolist() == [1, 1, -1]  # 0.5 -> 1, 0.5 -> 1, -1
    clib.call("maxpool_q7", clib.s(g), clib.p(x), clib.p(out))
    assert out.tolist() == [1, 2, -2]  # padding is ignored, not read as 0


def test_softmax_by_hand(clib):
    # exact table e(d) = 2^(8 + d) for d in [-8, 0] (else 0): inputs [0, -1, 0] -> e = [256, 128, 256]
    table = [0] * 257
    for d in range(-8, 1):
        table[256 + d] = 2 ** (8 + d)
    p = Softmax(1, 3, Lut(tuple(table), -256, 0), 7, 127)
    x = np.array([0, -1, 0], dtype=np.int8)
    y = np.zeros(3, dtype=np.int8)
    clib.call("softmax_q7", clib.s(p), clib.p(x), clib.p(y))
    # 256 * 128 / 640 = 51.2 -> 51, 128 * 128 / 640 = 25.6 -> 26
    assert y.tolist() == [51, 26, 51]
    assert kq.softmax_q7(p, x).tolist() == [51, 26, 51]
    p0 = Softmax(1, 3, Lut((0,) * 257, -256, 0), 7, 127)  # illegal all-zero table: zeros, no division by 0
    clib.call("softmax_q7", clib.s(p0), clib.p(x), clib.p(y))
    assert y.tolist() == [0, 0, 0] and kq.softmax_q7(p0, x).tolist() == [0, 0, 0]


def test_wide_variants_survive_int32_overflow(clib):
    g = DenseGeom(1, 4, 2)
    x = np.array([[127, 127, -128, 100]], dtype=np.int8)
    w = np.array([[127, 127, -128, 100], [-128, -128, 127, -100]], dtype=np.int8)
    b = np.array([2 ** 31 - 1, -(2 ** 31)], dtype=np.int32)
    rq = Requant((30, 30), -128, 127)
    want = kq.dense_q7_wide(g, rq, x, w, b)  # (2^31 - 1 + 58642) / 2^30 -> 2; (-2^31 - 58768) / 2^30 -> -2
    assert want.tolist() == [[2, -2]]
    out = np.zeros((1, 2), dtype=np.int8)
    clib.call("dense_q7_wide", clib.s(g), clib.s(rq), clib.p(x), clib.p(w), clib.p(b), clib.p(out))
    assert out.tolist() == [[2, -2]]
    with pytest.raises(OverflowError):
        kq.dense_q7(g, rq, x, w, b)
    with pytest.raises(OverflowError):
        kq.dense_q15_acc32(g, rq, x.astype(np.int16), w.astype(np.int16), b)
    gc = ConvGeom(1, 1, 1, 4, 1, 1, 2)
    with pytest.raises(OverflowError):
        kq.conv2d_q7(gc, rq, x, w.reshape(2, 1, 1, 4), b)
    with pytest.raises(OverflowError):
        kq.conv_transpose2d_q15_acc32(gc, rq, x.astype(np.int16), w.reshape(2, 1, 1, 4).astype(np.int16), b)
    assert kq.conv2d_q7_wide(gc, rq, x, w.reshape(2, 1, 1, 4), b).ravel().tolist() == [2, -2]


# ---------------------------------------------------------------- twins vs float_ops semantics

@settings(max_examples=100, **CFG)
@given(data=st.data())
def test_integer_sums_match_float_ops(data):
    """Sums of the MAC twins are float_ops' raw sums; avgpool divisors are float_ops.avgpool_counts."""
    g = draw_conv_geom(data)
    x = draw_values(data, (g.batch, g.in_h, g.in_w, g.in_c), np.int8, "x")
    w = draw_values(data, (g.out_c, g.k_h, g.k_w, g.in_c // g.groups), np.int8, "w")
    attrs = {"strides": (g.stride_h, g.stride_w), "dilations": (g.dil_h, g.dil_w), "groups": g.groups,
             "pads": (g.pad_top, g.pad_left, kq._pad_after(g.in_h, g.out_h, g.k_h, g.stride_h, g.pad_top, g.dil_h),
                      kq._pad_after(g.in_w, g.out_w, g.k_w, g.stride_w, g.pad_left, g.dil_w))}
    ref = float_ops.conv2d_raw(x.astype(np.float64), w.astype(np.float64), attrs)[:, :g.out_h, :g.out_w]
    assert np.array_equal(kq._conv2d_sum(g, x, w), ref)

    t = draw_conv_transpose_geom(data)
    x = draw_values(data, (t.batch, t.in_h, t.in_w, t.in_c), np.int8, "xt")
    w = draw_values(data, (t.out_c, t.k_h, t.k_w, t.in_c // t.groups), np.int8, "wt")
    attrs = {"strides": (t.stride_h, t.stride_w), "dilations": (t.dil_h, t.dil_w), "groups": t.groups,
             "pads": (t.pad_top, t.pad_left, 0, 0)}
    ref = float_ops.conv_transpose2d_raw(x.astype(np.float64), w.astype(np.float64), attrs, (t.out_h, t.out_w))
    assert np.array_equal(kq._conv_transpose2d_sum(t, x, w), ref)

    p = draw_pool_geom(data)
    x = draw_values(data, (p.batch, p.in_h, p.in_w, p.in_c), np.int8, "xp")
    pads = (p.pad_top, p.pad_left, kq._pad_after(p.in_h, p.out_h, p.k_h, p.stride_h, p.pad_top),
            kq._pad_after(p.in_w, p.out_w, p.k_w, p.stride_w, p.pad_left))
    pool = {"kernel": (p.k_h, p.k_w), "strides": (p.stride_h, p.stride_w), "pads": pads}
    for cip in (0, 1):
        counts = kq.avgpool_divisors(p, cip)
        if cip:  # the window clipped to the padded input is the whole window
            assert np.all(counts == p.k_h * p.k_w)
        if np.all(counts > 0):
            ref = float_ops.avgpool(dict(pool, count_include_pad=bool(cip)), x)[:, :p.out_h, :p.out_w]
            got = kq.avgpool_q7(p, cip, x).astype(np.float64)
            assert np.all(np.abs(got - ref) <= 0.5), "avgpool is float avgpool rounded"
    ref = float_ops.maxpool(pool, x)[:, :p.out_h, :p.out_w]
    got = kq.maxpool_q7(p, x).astype(np.float64)
    real = np.isfinite(ref)
    assert np.array_equal(got[real], ref[real]) and np.all(got[~real] == -128)


@settings(max_examples=80, **CFG)
@given(data=st.data())
def test_q7_conv_dequantizes_to_float_conv(clib, data):
    """Dequantized q7 conv output = float_ops.conv2d of the dequantized inputs, within the rounding
    of the requantize shift: 2^-(fo+1), plus 2^-(fx+fw+1) for the leaky product's rounding."""
    g = draw_conv_geom(data)
    fxr, fw, fo = (data.draw(st.integers(lo, hi), label=lab)
                   for lo, hi, lab in ((3, 7, "fx"), (4, 7, "fw"), (0, 6, "fo")))
    x = draw_values(data, (g.batch, g.in_h, g.in_w, g.in_c), np.int8, "x", modes=("full", "small"))
    w = draw_values(data, (g.out_c, g.k_h, g.k_w, g.in_c // g.groups), np.int8, "w", modes=("full", "small"))
    b = np.random.default_rng(1).integers(-5000, 5000, size=g.out_c).astype(np.int32)
    act = data.draw(st.sampled_from(["none", "relu", "leaky_relu"]), label="act")
    alpha = 0.125
    rq = Requant((fxr + fw - fo,) * g.out_c, 0 if act == "relu" else -128, 127,
                 fx.leaky_slope_q15(alpha) if act == "leaky_relu" else fx.LEAKY_NONE)
    out = garbage((g.batch, g.out_h, g.out_w, g.out_c), np.int8)
    clib.call("conv2d_q7", clib.s(g), clib.s(rq), clib.p(x), clib.p(w), clib.p(b), clib.p(out))
    attrs = {"strides": (g.stride_h, g.stride_w), "dilations": (g.dil_h, g.dil_w), "groups": g.groups, "act": act,
             "alpha": alpha,
             "pads": (g.pad_top, g.pad_left, kq._pad_after(g.in_h, g.out_h, g.k_h, g.stride_h, g.pad_top, g.dil_h),
                      kq._pad_after(g.in_w, g.out_w, g.k_w, g.stride_w, g.pad_left, g.dil_w))}
    ref = float_ops.conv2d(attrs, x * 2.0 ** -fxr, w * 2.0 ** -fw, b * 2.0 ** -(fxr + fw))[:, :g.out_h, :g.out_w]
    got = out * 2.0 ** -fo
    tol = 2.0 ** -(fo + 1) + (2.0 ** -(fxr + fw + 1) if act == "leaky_relu" else 0.0) + 1e-12
    inside = (ref >= -128 * 2.0 ** -fo) & (ref <= 127 * 2.0 ** -fo)  # not saturated
    err = np.abs(got - ref)[inside]
    assert err.size == 0 or err.max() <= tol, f"max error {err.max()} > {tol}"
    assert np.all(got[ref > 127 * 2.0 ** -fo] == 127 * 2.0 ** -fo)
    assert np.all(got[ref < -128 * 2.0 ** -fo] == -128 * 2.0 ** -fo)


# ---------------------------------------------------------------- compilers

@pytest.mark.parametrize("cc", ["gcc", "clang"])
def test_kernels_compile_strict(cc, tmp_path):
    if not shutil.which(cc):
        missing_tool(f"{cc} not installed")
    for src in kernel_sources() + [SHIM_DIR / "nnc_fixed_shim.c"]:
        cmd = [cc, *STRICT_FLAGS, "-O2", "-c", str(src), "-o", str(tmp_path / (src.stem + ".o")),
               f"-I{include_dir()}", f"-I{kernels_dir()}"]
        r = subprocess.run(cmd, capture_output=True, text=True)
        assert r.returncode == 0, f"{cc} {src.name}:\n{r.stderr}"
