"""The MAC kernels' fast paths and x86 SIMD builds on the host.

conv2d and dense (q7, q15 and their int32/int64 variants, affine int8, float32) take different
paths by shape: pointwise, depthwise in blocks of 16 channels, small K (blocks of 8 output
channels over transposed weights), patch (one dot product per output channel), generic (rows or
taps), each with vector tails.  tests/test_kernels_q.py and friends check every kernel against its
twin on small shapes; here the shapes are large enough to enter every block and tail, and each
kernel is built once per SIMD path nnc_simd.h can take on this host:

  portable  -DNNC_NO_SIMD (plain C)      sse2    no flags (the x86-64 baseline: the default build)
  sse4.1    -msse4.1                     avx2    -mavx2
  avx512    -mavx2 -mavx512f -mavx512bw -mavx512vl (AVX-512 paths without VNNI)
  native    -O3 -march=native (whatever this CPU has, e.g. AVX-512 code generation around AVX2 paths)

Integer kernels must equal their twins bit for bit in every build.  Float kernels must equal the
portable build bit for bit (nnc_dot_f32 and the accumulator blocks define one summation order for
every path) and their float64 twin within the float tolerance of tests/test_kernels_f32.py.
tests/c/simd_dot_check.c (every dot product against its portable definition, all lengths and
alignments) runs in each build too.  On a non-x86 host only the portable and native builds run.
"""
from __future__ import annotations

import functools
import platform
import shutil
import subprocess
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from nncodegen.harness.cbuild import STRICT_FLAGS, find_cc
from nncodegen.harness.cross import compiler_features
from nncodegen.ir.ops import conv_out_size
from nncodegen.lower import inplace
from nncodegen.lower.params import ActF32, ConvGeom, DenseGeom, Requant, RequantS8
from nncodegen.paths import include_dir, kernels_dir
from nncodegen.ref import kernels_f32 as kf
from nncodegen.ref import kernels_q as kq
from nncodegen.ref import kernels_s8 as ks

import test_kernels_q as tq
from helpers import build_clib
import test_kernels_s8 as ts8

HERE = Path(__file__).resolve().parent
X86 = platform.machine().lower() in ("x86_64", "amd64", "i686", "i386")
# name: (optimization, extra flags, cpu flag the host needs, expected NNC_SIMD_PATH)
VARIANTS = {
    "portable": ("-O2", ["-DNNC_NO_SIMD"], None, "portable"),
    "sse2": ("-O2", [], None, "sse2"),
    "sse4.1": ("-O2", ["-msse4.1"], "sse4_1", "sse4.1"),
    "avx2": ("-O2", ["-mavx2"], "avx2", "avx2"),
    "avx512": ("-O2", ["-mavx2", "-mavx512f", "-mavx512bw", "-mavx512vl"], "avx512bw", "avx2"),
    "native": ("-O3", ["-march=native"], None, None),
}
FAMILIES = ["conv2d_q7", "conv2d_q15", "conv2d_s8", "conv2d_f32", "dense_q7", "dense_q15", "dense_s8", "dense_f32"]
CFG = dict(deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def cpu_flags():
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    line = next((l for l in text.splitlines() if l.startswith("flags")), "")
    return set(line.split(":", 1)[-1].split())


def need(variant):
    opt, flags, cpu, _ = VARIANTS[variant]
    if variant in ("sse2", "sse4.1", "avx2") and not X86:
        pytest.skip(f"{variant}: x86 only")
    if cpu and cpu not in cpu_flags():
        pytest.skip(f"host CPU has no {cpu}")
    return opt, flags


def host_variants():
    """The VARIANTS this host builds and runs (need skips the others)."""
    out = []
    for variant in VARIANTS:
        try:
            need(variant)
        except pytest.skip.Exception:
            continue
        out.append(variant)
    return out


@functools.lru_cache(maxsize=None)
def simd_lib(name, variant, kernels, libraries=()):
    """The kernel files ``kernels`` (stems in templates_c/kernels) built into one CLib (tests/helpers.py) for the
    SIMD build ``variant``; the build cache key covers the .h and .inc files of the include dirs and the flags."""
    opt, flags = need(variant)
    kd = kernels_dir()
    return build_clib(f"{name}_{variant.replace('.', '')}", [kd / f"{k}.c" for k in kernels], [include_dir(), kd],
                      opt=opt, extra_flags=flags, libraries=list(libraries))


def call(variant, name, params, arrays, out_shape, out_dtype):
    out = np.full(out_shape, np.nan, np.float32) if out_dtype == np.float32 else tq.garbage(out_shape, out_dtype)
    return simd_lib("kernels_simd", variant, tuple(FAMILIES), ("m",)).run_into(name, [*params, *arrays], out)


def _conv_lib(variant, name):
    """The test library of a convolution kernel: q7 kernels in kernels_pk_q7's, the others in kernels_simd's."""
    return simd_lib("kernels_pk_q7", variant, ("conv2d_pk_q7", "conv2d_dw_q7")) if name.endswith("q7") else \
        simd_lib("kernels_simd", variant, tuple(FAMILIES), ("m",))


def check_out_and_in_place(variant, name, params, x, rest, want, data, what):
    """Convolution kernel ``name`` over x (then the arrays ``rest``) into a buffer of garbage == ``want``, and its
    in-place form (conv2d_inplace_*) too."""
    got = _conv_lib(variant, name).run_into(name, [*params, x, *rest], tq.garbage(want.shape, want.dtype))
    tq.assert_same(got, want, f"{name} [{variant}] {what}")
    check_in_place(variant, name.replace("conv2d_", "conv2d_inplace_", 1), params, x, rest, want, data)


def check_in_place(variant, name, params, x, rest, want, data):
    """The in-place form ``name`` of a layer (output written over its input, one buffer; the ring of waiting rows
    in scratch) == ``want``: rows computed one at a time, with the vector paths' constants prepared once per
    layer (NNC_IP_PREP)."""
    g = params[0]
    backward = data.draw(st.booleans(), label="backward")
    rows = inplace.ring_rows(g, backward)
    if rows is None:
        return
    n_in, n_out = x.size, want.size
    buf = np.full(max(n_in, n_out) + 64, 77, dtype=x.dtype)
    buf[:n_in] = x.ravel()
    scratch = np.full(max(1, rows * g.out_w * g.out_c), 55, dtype=x.dtype)
    lib = _conv_lib(variant, name)
    lib.run_into(name, [*params, buf, *rest, scratch if rows else None, rows, int(backward)], buf)
    assert np.all(buf[max(n_in, n_out):] == 77), "wrote past the buffer"
    tq.assert_same(buf[:n_out].reshape(want.shape), want, f"{name} [{variant}] {g} backward={backward}")


# ---------------------------------------------------------------- shapes that reach every path

def draw_conv(data):
    """(kind, ConvGeom) for one of the conv2d paths, with channel counts that fill blocks and leave tails."""
    ints = lambda lo, hi, label: data.draw(st.integers(lo, hi), label=label)  # noqa: E731
    kind = data.draw(st.sampled_from(["pointwise", "depthwise", "depthwise_big_k", "depthwise_over_taps", "small_k",
                                      "patch", "rows", "taps", "grouped"]), label="kind")
    groups, dh, dw = 1, ints(1, 2, "dil_h"), 1
    if kind == "pointwise":
        cin, cout, kh, kw = ints(1, 70, "in_c"), ints(1, 21, "out_c"), 1, 1
    elif kind in ("depthwise", "depthwise_big_k", "depthwise_over_taps"):
        # big k: up to 7x7, the channel blocks' local weights on hosts (NNC_DW_TAPS 49); over taps: one
        # channel at a time
        cin = cout = groups = data.draw(st.sampled_from([16, 17, 31, 32, 40]), label="channels")
        kh, kw = {"depthwise": lambda: (ints(1, 3, "k_h"), ints(1, 3, "k_w")),
                  "depthwise_big_k": lambda: (ints(4, 7, "k_h"), ints(3, 7, "k_w")),
                  "depthwise_over_taps": lambda: (8, ints(7, 8, "k_w"))}[kind]()
        dw = ints(1, 2, "dil_w")
    elif kind == "small_k":
        cin, cout = ints(1, 3, "in_c"), ints(8, 21, "out_c")
        kh, kw = ints(1, 3, "k_h"), ints(1, 3, "k_w")
        dw = ints(1, 2, "dil_w")
    elif kind == "patch":
        cin, cout = ints(4, 20, "in_c"), ints(1, 21, "out_c")
        kh, kw = ints(2, 3, "k_h"), ints(2, 3, "k_w")
        dw = ints(1, 2, "dil_w")
    elif kind in ("rows", "taps"):  # k_h * k_w * in_c above the patch size (256)
        cin, cout, kh, kw = ints(29, 40, "in_c"), ints(1, 13, "out_c"), 3, 3
        dw = 1 if kind == "rows" else 2
    else:
        groups = ints(2, 3, "groups")
        cin, cout = groups * ints(1, 20, "cin_g"), groups * ints(1, 9, "cout_g")
        kh, kw = ints(1, 3, "k_h"), ints(1, 3, "k_w")
    sh, sw = (1, 1) if kind == "pointwise" else (ints(1, 2, "stride_h"), ints(1, 2, "stride_w"))
    pt = pb = pl = pr = 0
    if kind != "pointwise":
        pt, pb = ints(0, kh - 1, "pad_top"), ints(0, kh - 1, "pad_bottom")
        pl, pr = ints(0, kw - 1, "pad_left"), ints(0, kw - 1, "pad_right")
    h = max(1, dh * (kh - 1) + 1 - pt - pb) + ints(0, 5, "extra_h")
    w = max(1, dw * (kw - 1) + 1 - pl - pr) + ints(0, 5, "extra_w")
    oh, ow = conv_out_size(h, kh, sh, pt, pb, dh), conv_out_size(w, kw, sw, pl, pr, dw)
    return kind, ConvGeom(ints(1, 2, "batch"), h, w, cin, oh, ow, cout, kh, kw, sh, sw, pt, pl, dh, dw, groups)


def draw_dense(data):
    return DenseGeom(data.draw(st.integers(1, 2), label="batch"), data.draw(st.integers(1, 300), label="in"),
                     data.draw(st.integers(1, 21), label="out"))


def draw_q_requant(data, out_c, dtype):
    """Shift-only epilogues (the block requantization) half of the time, anything else otherwise."""
    if data.draw(st.booleans(), label="shift only"):
        top = 24 if dtype == np.int8 else 31
        shifts = data.draw(st.lists(st.integers(1, top), min_size=out_c, max_size=out_c), label="shifts")
        lo, hi = tq.draw_bounds(data, dtype)
        return Requant(tuple(shifts), lo, hi, 32768)
    return tq.draw_requant(data, out_c, dtype)


# ---------------------------------------------------------------- tests

@pytest.mark.parametrize("variant", list(VARIANTS))
def test_simd_path_of_each_build(variant):
    opt, flags = need(variant)
    want = VARIANTS[variant][3]
    if want is None:
        pytest.skip("native: whatever this CPU has")
    _, path = compiler_features(find_cc(), [opt, *flags], [include_dir()])
    assert path == want


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_dot_products_equal_portable(variant, tmp_path):
    opt, flags = need(variant)
    exe = tmp_path / "simdcheck"
    for cc in ["gcc", "clang"]:
        if not shutil.which(cc):
            continue
        r = subprocess.run([cc, *STRICT_FLAGS, opt, *flags, f"-I{include_dir()}", str(HERE / "c" / "simd_dot_check.c"),
                            "-o", str(exe)], capture_output=True, text=True)
        assert r.returncode == 0, f"{cc}: {r.stderr}"
        r = subprocess.run([str(exe)], capture_output=True, text=True, timeout=300)
        assert r.returncode == 0 and " 0 mismatches" in r.stdout, f"{cc} {variant}: {r.stdout}"


Q_KERNELS = ["conv2d_q7", "conv2d_q7_wide", "conv2d_q15", "conv2d_q15_acc32"]


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("kernel", Q_KERNELS)
@settings(max_examples=40, **CFG)
@given(data=st.data())
def test_conv2d_q_paths_match_twin(variant, kernel, data):
    need(variant)
    dtype, acc32 = tq.fmt_of(kernel)
    kind, g = draw_conv(data)
    event(kind)
    x = tq.draw_values(data, (g.batch, g.in_h, g.in_w, g.in_c), dtype, "x")
    w = tq.draw_values(data, (g.out_c, g.k_h, g.k_w, g.in_c // g.groups), dtype, "w")
    b = tq.draw_bias(data, g.out_c, allow_huge=not acc32)
    if acc32:
        w, b = tq.fit_acc32(tq.conv_bound(False, g, x, w, b), w, b, dtype)
    rq = draw_q_requant(data, g.out_c, dtype)
    want = getattr(kq, kernel)(g, rq, x, w, b)
    got = call(variant, kernel, [g, rq], [x, w, b], want.shape, dtype)
    tq.assert_same(got, want, f"{kernel} [{variant}] {kind} {g} {rq}")


@pytest.mark.parametrize("variant", list(VARIANTS))
@settings(max_examples=60, **CFG)
@given(data=st.data())
def test_conv2d_s8_paths_match_twin(variant, data):
    need(variant)
    kind, g = draw_conv(data)
    event(kind)
    x = ts8.draw_s8(data, (g.batch, g.in_h, g.in_w, g.in_c), "x")
    w = ts8.draw_s8(data, (g.out_c, g.k_h, g.k_w, g.in_c // g.groups), "w")
    rq = ts8.draw_requant(data, g.out_c, ts8.draw_zp(data, "in_zp"))
    b = ts8.draw_bias(data, g.out_c)
    want = ks.conv2d_s8(g, rq, x, w, b)
    got = call(variant, "conv2d_s8", [g, rq], [x, w, b], want.shape, np.int8)
    ts8.assert_same(got, want, f"conv2d_s8 [{variant}] {kind} {g}")


@pytest.mark.parametrize("variant", list(VARIANTS))
@settings(max_examples=25, **CFG)
@given(data=st.data())
def test_conv2d_s8_depthwise_large_kernels_match_twin(variant, data):
    """5x5 and 7x7 depthwise layers (MCUNet's) in the channel-block path (up to NNC_DW_TAPS = 49 taps on
    hosts): windows inside the input, which walk the tap-offset table, and windows at its borders."""
    need(variant)
    ints = lambda lo, hi, label: data.draw(st.integers(lo, hi), label=label)  # noqa: E731
    kh, kw = data.draw(st.sampled_from([(5, 5), (7, 7), (7, 5), (5, 7), (3, 7)]), label="kernel")
    c = data.draw(st.sampled_from([16, 24, 40, 48]), label="channels")
    sh = sw = ints(1, 2, "stride")
    pt, pl = (kh // 2, kw // 2) if data.draw(st.booleans(), label="same padding") else (0, 0)
    h, w = kh + ints(0, 6, "extra_h"), kw + ints(0, 6, "extra_w")
    oh, ow = conv_out_size(h, kh, sh, pt, pt, 1), conv_out_size(w, kw, sw, pl, pl, 1)
    g = ConvGeom(1, h, w, c, oh, ow, c, kh, kw, sh, sw, pt, pl, 1, 1, c)
    x = ts8.draw_s8(data, (g.batch, g.in_h, g.in_w, g.in_c), "x")
    wt = ts8.draw_s8(data, (g.out_c, g.k_h, g.k_w, 1), "w")
    rq = ts8.draw_requant(data, g.out_c, ts8.draw_zp(data, "in_zp"))
    b = ts8.draw_bias(data, g.out_c)
    want = ks.conv2d_s8(g, rq, x, wt, b)
    got = call(variant, "conv2d_s8", [g, rq], [x, wt, b], want.shape, np.int8)
    ts8.assert_same(got, want, f"conv2d_s8 [{variant}] {g}")


@pytest.mark.parametrize("variant", list(VARIANTS))
@settings(max_examples=120, **CFG)
@given(data=st.data())
def test_conv2d_s8_few_channel_depthwise_match_twin(variant, data):
    """Depthwise layers of 1 to 16 channels: with 1, 2, 4 or 8 channels and horizontal stride 1 the AVX-512 builds
    run them by output rows (conv2d_dwrow512.inc: 16 consecutive output values per register, two taps per
    multiply-add, masked loads at the borders, the last chunk of a row partial); the others, and horizontal
    stride 2, their per-pixel paths.  Strides 1 / 2, padding, dilations, kernels up to 7x7, every rounding mode,
    input zero points at both ends: C = twin, out of place and in place (conv2d_inplace_s8, one buffer)."""
    need(variant)
    ints = lambda lo, hi, label: data.draw(st.integers(lo, hi), label=label)  # noqa: E731
    c = data.draw(st.one_of(st.sampled_from([1, 2, 4, 8]), st.integers(1, 16)), label="channels")
    kh, kw = data.draw(st.sampled_from([(3, 3), (1, 1), (2, 2), (3, 1), (1, 3), (5, 5), (7, 7), (3, 5)]),
                       label="kernel")
    sh, sw = ints(1, 2, "stride_h"), data.draw(st.sampled_from([1, 1, 2]), label="stride_w")
    dh, dw = ints(1, 2, "dil_h"), ints(1, 2, "dil_w")
    pt, pb = ints(0, kh - 1, "pad_top"), ints(0, kh - 1, "pad_bottom")
    pl, pr = ints(0, kw - 1, "pad_left"), ints(0, kw - 1, "pad_right")
    h = max(1, dh * (kh - 1) + 1 - pt - pb) + ints(0, 6, "extra_h")
    # rows of 16 .. 40 values beyond the window most of the time: steps inside the row and at both ends
    w = max(1, dw * (kw - 1) + 1 - pl - pr) + data.draw(st.integers(16 // c, 40) | st.integers(0, 40), label="extra_w")
    oh, ow = conv_out_size(h, kh, sh, pt, pb, dh), conv_out_size(w, kw, sw, pl, pr, dw)
    g = ConvGeom(ints(1, 2, "batch"), h, w, c, oh, ow, c, kh, kw, sh, sw, pt, pl, dh, dw, c)
    x = ts8.draw_s8(data, (g.batch, g.in_h, g.in_w, g.in_c), "x")
    wt = ts8.draw_s8(data, (g.out_c, g.k_h, g.k_w, 1), "w")
    zp = data.draw(st.one_of(st.sampled_from([-128, 127, 0]), st.integers(-128, 127)), label="in_zp")
    rq = ts8.draw_requant(data, g.out_c, zp)
    b = ts8.draw_bias(data, g.out_c)
    event(f"rows path: {c in (1, 2, 4, 8) and sw == 1}; rounding {rq.rounding}")
    event(f"vertical padding: {pt + pb > 0}")
    want = ks.conv2d_s8(g, rq, x, wt, b)
    check_out_and_in_place(variant, "conv2d_s8", [g, rq], x, [wt, b], want, data, f"{g} {rq}")


@pytest.mark.parametrize("variant", list(VARIANTS))
@settings(max_examples=100, **CFG)
@given(data=st.data())
def test_add_sub_q7_rows_match_twin(variant, data):
    """add_q7 / sub_q7 on contiguous rows (AVX-512BW builds: 32 int16 lanes where every intermediate fits int16,
    the rest of a row and the other layers in the int32 loops), out of place and written over a (in place) or b,
    broadcast operands too: C = twin."""
    from nncodegen.lower.params import Broadcast, Eltwise
    from helpers import broadcast_strides
    need(variant)
    op = data.draw(st.sampled_from(["add", "sub"]), label="op")
    out = (1, data.draw(st.integers(1, 3), label="h"), data.draw(st.integers(1, 9), label="w"),
           data.draw(st.integers(1, 40) | st.integers(30, 70), label="c"))
    sb = out if data.draw(st.booleans(), label="same shape") else (1, 1, 1, out[3])
    a = tq.draw_values(data, out, np.int8, "a")
    b = tq.draw_values(data, sb, np.int8, "b")
    small = data.draw(st.booleans(), label="int16 range")  # 128 * (2^al + 2^bl) + 2^(shift - 1) < 2^15 mostly
    al, bl = (data.draw(st.integers(0, 6), label=n) if small else data.draw(st.integers(0, 16), label=n)
              for n in ("a_lshift", "b_lshift"))
    shift = data.draw(st.integers(0, 8) if small else st.integers(-3, 24), label="shift")
    lo, hi = tq.draw_bounds(data, np.int8)
    p = Eltwise(Broadcast(out, broadcast_strides(out, out), broadcast_strides(sb, out)), al, bl, shift, lo, hi)
    want = getattr(kq, f"{op}_q7")(p, a, b)
    event(f"int16 path possible: {128 * (2 ** al + 2 ** bl) + (2 ** (shift - 1) if shift > 0 else 0) <= 32767}")
    lib = simd_lib("kernels_elt_q7", variant, ("eltwise_q7",))
    got = lib.run_into(f"{op}_q7", [p, a, b], tq.garbage(out, np.int8))
    tq.assert_same(got, want, f"{op}_q7 [{variant}] {p}")
    where = data.draw(st.sampled_from(["a", "b"] if sb == out else ["a"]), label="in place over")
    buf = (a if where == "a" else b).copy()
    args = [p, buf, b] if where == "a" else [p, a, buf]
    tq.assert_same(lib.run_into(f"{op}_q7", args, buf), want, f"{op}_q7 [{variant}] over {where} {p}")


@pytest.mark.parametrize("variant", list(VARIANTS))
@settings(max_examples=60, **CFG)
@given(data=st.data())
def test_dense_paths_match_twin(variant, data):
    need(variant)
    g = draw_dense(data)
    kernel = data.draw(st.sampled_from(["dense_q7", "dense_q7_wide", "dense_q15", "dense_q15_acc32", "dense_s8"]),
                       label="kernel")
    if kernel == "dense_s8":
        x = ts8.draw_s8(data, (g.batch, g.in_features), "x")
        w = ts8.draw_s8(data, (g.out_features, g.in_features), "w")
        rq = ts8.draw_requant(data, g.out_features, ts8.draw_zp(data, "in_zp"))
        b = ts8.draw_bias(data, g.out_features)
        want, dtype = ks.dense_s8(g, rq, x, w, b), np.int8
    else:
        dtype, acc32 = tq.fmt_of(kernel)
        x = tq.draw_values(data, (g.batch, g.in_features), dtype, "x")
        w = tq.draw_values(data, (g.out_features, g.in_features), dtype, "w")
        b = tq.draw_bias(data, g.out_features, allow_huge=not acc32)
        if acc32:
            bound = np.abs(x.astype(np.int64)) @ np.abs(w.astype(np.int64)).T
            w, b = tq.fit_acc32(bound + (0 if b is None else np.abs(b.astype(np.int64))), w, b, dtype)
        rq = draw_q_requant(data, g.out_features, dtype)
        want = getattr(kq, kernel)(g, rq, x, w, b)
    got = call(variant, kernel, [g, rq], [x, w, b], want.shape, dtype)
    tq.assert_same(got, want, f"{kernel} [{variant}] {g}")


def _f32_case(data, conv):
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    act = data.draw(st.sampled_from([None, ActF32(0.0, 6.0, 1.0), ActF32(-1.5, 2.0, 0.1)]), label="act")
    if conv:
        kind, g = draw_conv(data)
        event(kind)
        x = rng.standard_normal((g.batch, g.in_h, g.in_w, g.in_c)).astype(np.float32)
        w = rng.standard_normal((g.out_c, g.k_h, g.k_w, g.in_c // g.groups)).astype(np.float32)
        nb = g.out_c
    else:
        g = draw_dense(data)
        x = rng.standard_normal((g.batch, g.in_features)).astype(np.float32)
        w = rng.standard_normal((g.out_features, g.in_features)).astype(np.float32)
        nb = g.out_features
    b = None if data.draw(st.booleans(), label="no bias") else rng.standard_normal(nb).astype(np.float32)
    twin = kf.conv2d_f32 if conv else kf.dense_f32
    want = twin(g, act, x, w, b)
    scale = twin(g, None, np.abs(x), np.abs(w), None if b is None else np.abs(b))
    return g, act, x, w, b, want, scale


@pytest.mark.parametrize("variant", [v for v in VARIANTS if v != "portable"])
@pytest.mark.parametrize("name", ["conv2d_f32", "dense_f32"])
@settings(max_examples=40, **CFG)
@given(data=st.data())
def test_f32_paths_equal_portable_build_and_twin(variant, name, data):
    need(variant)
    g, act, x, w, b, want, scale = _f32_case(data, name == "conv2d_f32")
    got = call(variant, name, [g, act], [x, w, b], want.shape, np.float32)
    port = call("portable", name, [g, act], [x, w, b], want.shape, np.float32)
    assert np.array_equal(got.view(np.uint32), port.view(np.uint32)), \
        f"{name} [{variant}] differs from the portable build: first at {np.argwhere(got != port)[:1]}"
    err = np.abs(got.astype(np.float64) - want.astype(np.float64))
    tol = 1e-5 * (scale.astype(np.float64) + np.abs(want.astype(np.float64)))
    assert np.isfinite(got).all() and (err <= tol).all(), f"{name} [{variant}] {g}: worst error {err.max()}"


@settings(max_examples=40, **CFG)
@given(data=st.data())
def test_depthwise8_f32_pixel_pairs_equal_portable_build_and_twin(data):
    """conv2d_f32 on 8-channel depthwise layers (the AVX-512 path runs two neighbouring pixels whose windows lie
    inside the input in one vector when the horizontal stride is 1): every host build gives the portable build's
    bits, with -0.0, infinities and NaN among the inputs half of the time, and the twin's values otherwise."""
    ints = lambda lo, hi, label: data.draw(st.integers(lo, hi), label=label)  # noqa: E731
    kh, kw, dh, dw = ints(1, 3, "k_h"), ints(1, 3, "k_w"), ints(1, 2, "dil_h"), ints(1, 2, "dil_w")
    sh, sw = ints(1, 2, "stride_h"), data.draw(st.sampled_from([1, 1, 1, 2]), label="stride_w")
    pt, pb, pl, pr = ints(0, kh - 1, "pt"), ints(0, kh - 1, "pb"), ints(0, kw - 1, "pl"), ints(0, kw - 1, "pr")
    h = max(1, dh * (kh - 1) + 1 - pt - pb) + ints(0, 6, "extra_h")
    w_ = max(1, dw * (kw - 1) + 1 - pl - pr) + ints(0, 9, "extra_w")
    g = ConvGeom(ints(1, 2, "batch"), h, w_, 8, conv_out_size(h, kh, sh, pt, pb, dh),
                 conv_out_size(w_, kw, sw, pl, pr, dw), 8, kh, kw, sh, sw, pt, pl, dh, dw, 8)
    rng = np.random.default_rng(ints(0, 2 ** 32 - 1, "seed"))
    act = data.draw(st.sampled_from([None, ActF32(0.0, 6.0, 1.0), ActF32(-1.5, 2.0, 0.1)]), label="act")
    x = rng.standard_normal((g.batch, g.in_h, g.in_w, 8)).astype(np.float32)
    w = rng.standard_normal((8, kh, kw, 1)).astype(np.float32)
    b = None if data.draw(st.booleans(), label="no bias") else rng.standard_normal(8).astype(np.float32)
    special = data.draw(st.booleans(), label="special values")
    if special:
        x.reshape(-1)[rng.choice(x.size, min(x.size, 5), replace=False)] = [-0.0, np.inf, -np.inf, np.nan, 0.0][:min(x.size, 5)]
        w[rng.integers(8)] = -0.0
    port = call("portable", "conv2d_f32", [g, act], [x, w, b], (g.batch, g.out_h, g.out_w, 8), np.float32)
    for variant in [v for v in VARIANTS if v != "portable"]:
        try:
            need(variant)
        except pytest.skip.Exception:
            continue
        got = call(variant, "conv2d_f32", [g, act], [x, w, b], port.shape, np.float32)
        assert np.array_equal(np.isnan(got), np.isnan(port)), f"[{variant}] NaN elsewhere: {g}"
        keep = ~np.isnan(port)
        assert got[keep].tobytes() == port[keep].tobytes(), f"[{variant}] differs from the portable build: {g}"
    if not special:
        want = kf.conv2d_f32(g, act, x, w, b)
        np.testing.assert_allclose(port, want, rtol=1e-5, atol=1e-5 * (1 + np.abs(w).sum()))


@settings(max_examples=40, **CFG)
@given(data=st.data())
def test_smallk_f32_pixel_groups_equal_portable_build_and_twin(data):
    """conv2d_f32 on small-K layers (one group, k_h * k_w * in_c <= 32, eight output channels or more: the
    AVX-512 path runs four, then two neighbouring pixels whose windows lie inside the input in one vector per
    pair, and the block epilogue on vectors): every host build gives the portable build's bits, with -0.0,
    infinities and NaN among the inputs half of the time, and the twin's values otherwise."""
    ints = lambda lo, hi, label: data.draw(st.integers(lo, hi), label=label)  # noqa: E731
    cin, cout = ints(1, 3, "in_c"), ints(8, 20, "out_c")
    kh, kw, dh, dw = ints(1, 3, "k_h"), ints(1, 3, "k_w"), ints(1, 2, "dil_h"), ints(1, 2, "dil_w")
    sh, sw = ints(1, 2, "stride_h"), data.draw(st.sampled_from([1, 1, 1, 2]), label="stride_w")
    pt, pb, pl, pr = ints(0, kh - 1, "pt"), ints(0, kh - 1, "pb"), ints(0, kw - 1, "pl"), ints(0, kw - 1, "pr")
    h = max(1, dh * (kh - 1) + 1 - pt - pb) + ints(0, 6, "extra_h")
    w_ = max(1, dw * (kw - 1) + 1 - pl - pr) + ints(0, 12, "extra_w")
    g = ConvGeom(ints(1, 2, "batch"), h, w_, cin, conv_out_size(h, kh, sh, pt, pb, dh),
                 conv_out_size(w_, kw, sw, pl, pr, dw), cout, kh, kw, sh, sw, pt, pl, dh, dw, 1)
    rng = np.random.default_rng(ints(0, 2 ** 32 - 1, "seed"))
    act = data.draw(st.sampled_from([None, ActF32(0.0, 6.0, 1.0), ActF32(-1.5, 2.0, 0.1)]), label="act")
    x = rng.standard_normal((g.batch, g.in_h, g.in_w, cin)).astype(np.float32)
    w = rng.standard_normal((cout, kh, kw, cin)).astype(np.float32)
    b = None if data.draw(st.booleans(), label="no bias") else rng.standard_normal(cout).astype(np.float32)
    special = data.draw(st.booleans(), label="special values")
    if special:
        x.reshape(-1)[rng.choice(x.size, min(x.size, 5), replace=False)] = [-0.0, np.inf, -np.inf, np.nan, 0.0][:min(x.size, 5)]
        w[rng.integers(cout)] = -0.0
    shape = (g.batch, g.out_h, g.out_w, cout)
    port = call("portable", "conv2d_f32", [g, act], [x, w, b], shape, np.float32)
    for variant in [v for v in VARIANTS if v != "portable"]:
        try:
            need(variant)
        except pytest.skip.Exception:
            continue
        got = call(variant, "conv2d_f32", [g, act], [x, w, b], shape, np.float32)
        assert np.array_equal(np.isnan(got), np.isnan(port)), f"[{variant}] NaN elsewhere: {g}"
        keep = ~np.isnan(port)
        assert got[keep].tobytes() == port[keep].tobytes(), f"[{variant}] differs from the portable build: {g}"
    if not special:
        want = kf.conv2d_f32(g, act, x, w, b)
        np.testing.assert_allclose(port, want, rtol=1e-5, atol=1e-5 * (1 + np.abs(w).sum()))


# ---------------------------------------------------------------- fixed shapes: every path, every tail
def G(h, w, cin, cout, k, s=1, pad=0, dil=(1, 1), groups=1, batch=1):
    kh, kw = k
    oh = conv_out_size(h, kh, s, pad, pad, dil[0])
    ow = conv_out_size(w, kw, s, pad, pad, dil[1])
    return ConvGeom(batch, h, w, cin, oh, ow, cout, kh, kw, s, s, pad, pad, dil[0], dil[1], groups)


FIXED = {
    "pointwise 32->32": G(5, 5, 32, 32, (1, 1)),
    "pointwise 37->21": G(3, 4, 37, 21, (1, 1), batch=2),
    "pointwise 70->13": G(2, 3, 70, 13, (1, 1)),
    "depthwise 32 3x3": G(7, 7, 32, 32, (3, 3), pad=1, groups=32),
    "depthwise 17 3x3 s2": G(8, 8, 17, 17, (3, 3), s=2, pad=1, groups=17),
    "depthwise 40 3x3 dil2": G(9, 9, 40, 40, (3, 3), pad=2, dil=(2, 2), groups=40),
    "depthwise 16 5x5": G(7, 7, 16, 16, (5, 5), pad=2, groups=16),
    "small K 1->8": G(10, 10, 1, 8, (3, 3), pad=1),
    "small K 3->21 s2": G(9, 9, 3, 21, (3, 3), s=2, pad=1),
    "small K 2->16 dil2": G(7, 8, 2, 16, (2, 3), pad=1, dil=(2, 2)),
    "small K 2->16 K=32": G(6, 6, 2, 16, (4, 4), pad=1),
    "small K 1->9 K=25": G(7, 6, 1, 9, (5, 5), pad=2),
    "patch 8->16": G(7, 7, 8, 16, (3, 3), pad=1),
    "patch 20->13 dil": G(6, 7, 20, 13, (2, 2), pad=1, dil=(1, 2)),
    "rows 32->9": G(6, 6, 32, 9, (3, 3), pad=1),
    "taps 30->5 dil": G(8, 8, 30, 5, (3, 3), pad=2, dil=(1, 2)),
    "grouped 40->18": G(5, 5, 40, 18, (3, 3), pad=1, groups=2),
}


def fixed_requant(rng, out_c, dtype, shift_only):
    top = 12 if dtype == np.int8 else 20
    if shift_only:
        return Requant(tuple(int(v) for v in rng.integers(1, top, out_c)), int(np.iinfo(dtype).min) // 2,
                       int(np.iinfo(dtype).max), 32768)
    return Requant(tuple(int(v) for v in rng.integers(-2, top, out_c)), int(np.iinfo(dtype).min),
                   int(np.iinfo(dtype).max), 3277)


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("case", list(FIXED))
def test_fixed_shapes_every_kernel(variant, case):
    need(variant)
    g = FIXED[case]
    rng = np.random.default_rng(zlib.crc32(case.encode()))
    for kernel in Q_KERNELS:
        dtype, acc32 = tq.fmt_of(kernel)
        info = np.iinfo(dtype)
        x = rng.integers(info.min, info.max + 1, (g.batch, g.in_h, g.in_w, g.in_c)).astype(dtype)
        w = rng.integers(info.min, info.max + 1, (g.out_c, g.k_h, g.k_w, g.in_c // g.groups)).astype(dtype)
        b = rng.integers(-2 ** 20, 2 ** 20, g.out_c).astype(np.int32)
        if acc32:
            w, b = tq.fit_acc32(tq.conv_bound(False, g, x, w, b), w, b, dtype)
        for shift_only in (True, False):
            rq = fixed_requant(rng, g.out_c, dtype, shift_only)
            for bias in (b, None):
                want = getattr(kq, kernel)(g, rq, x, w, bias)
                got = call(variant, kernel, [g, rq], [x, w, bias], want.shape, dtype)
                tq.assert_same(got, want, f"{kernel} [{variant}] {case} shift_only={shift_only}")
    x = rng.integers(-128, 128, (g.batch, g.in_h, g.in_w, g.in_c)).astype(np.int8)
    w = rng.integers(-127, 128, (g.out_c, g.k_h, g.k_w, g.in_c // g.groups)).astype(np.int8)
    for zp in (-128, 0, 37, 127):
        rq = RequantS8(tuple([1 << 30] * g.out_c), tuple(int(v) for v in rng.integers(-14, -8, g.out_c)), -zp, 3,
                       -128, 127, int(zp % 2))
        b = rng.integers(-2 ** 16, 2 ** 16, g.out_c).astype(np.int32)
        want = ks.conv2d_s8(g, rq, x, w, b)
        got = call(variant, "conv2d_s8", [g, rq], [x, w, b], want.shape, np.int8)
        tq.assert_same(got, want, f"conv2d_s8 [{variant}] {case} zp={zp}")
    xf = rng.standard_normal((g.batch, g.in_h, g.in_w, g.in_c)).astype(np.float32)
    wf = rng.standard_normal((g.out_c, g.k_h, g.k_w, g.in_c // g.groups)).astype(np.float32)
    bf = rng.standard_normal(g.out_c).astype(np.float32)
    for act in (None, ActF32(0.0, 6.0, 1.0)):
        want = kf.conv2d_f32(g, act, xf, wf, bf)
        got = call(variant, "conv2d_f32", [g, act], [xf, wf, bf], want.shape, np.float32)
        port = call("portable", "conv2d_f32", [g, act], [xf, wf, bf], want.shape, np.float32)
        assert np.array_equal(got.view(np.uint32), port.view(np.uint32)), f"conv2d_f32 [{variant}] {case}"
        scale = kf.conv2d_f32(g, None, np.abs(xf), np.abs(wf), np.abs(bf))
        assert (np.abs(got.astype(np.float64) - want) <= 1e-5 * (scale + np.abs(want))).all(), case


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_fixed_dense_every_kernel(variant):
    need(variant)
    rng = np.random.default_rng(5)
    for k_in, k_out in [(1, 1), (7, 8), (16, 16), (37, 21), (300, 13), (8, 9)]:
        g = DenseGeom(2, k_in, k_out)
        for kernel in ["dense_q7", "dense_q7_wide", "dense_q15", "dense_q15_acc32"]:
            dtype, acc32 = tq.fmt_of(kernel)
            info = np.iinfo(dtype)
            x = rng.integers(info.min, info.max + 1, (2, k_in)).astype(dtype)
            w = rng.integers(info.min, info.max + 1, (k_out, k_in)).astype(dtype)
            b = rng.integers(-2 ** 20, 2 ** 20, k_out).astype(np.int32)
            if acc32:
                bound = np.abs(x.astype(np.int64)) @ np.abs(w.astype(np.int64)).T + np.abs(b.astype(np.int64))
                w, b = tq.fit_acc32(bound, w, b, dtype)
            rq = fixed_requant(rng, k_out, dtype, True)
            want = getattr(kq, kernel)(g, rq, x, w, b)
            tq.assert_same(call(variant, kernel, [g, rq], [x, w, b], want.shape, dtype), want, f"{kernel} {g}")
        x = rng.integers(-128, 128, (2, k_in)).astype(np.int8)
        w = rng.integers(-127, 128, (k_out, k_in)).astype(np.int8)
        rq = RequantS8(tuple([1 << 30] * k_out), tuple([-10] * k_out), 77, -5, -128, 127, 0)
        want = ks.dense_s8(g, rq, x, w, None)
        tq.assert_same(call(variant, "dense_s8", [g, rq], [x, w, None], want.shape, np.int8), want, f"dense_s8 {g}")
        xf = rng.standard_normal((2, k_in)).astype(np.float32)
        wf = rng.standard_normal((k_out, k_in)).astype(np.float32)
        got = call(variant, "dense_f32", [g, None], [xf, wf, None], (2, k_out), np.float32)
        port = call("portable", "dense_f32", [g, None], [xf, wf, None], (2, k_out), np.float32)
        assert np.array_equal(got.view(np.uint32), port.view(np.uint32)), f"dense_f32 [{variant}] {g}"


# ---------------------------------------------------------------- whole models
@pytest.fixture(scope="module")
def mnist_models(examples_dir, tmp_path_factory):
    import nncodegen
    d = examples_dir / "mnist_cnn"
    g = nncodegen.load(d / "mnist_cnn.onnx")
    calib = np.load(d / "calib.npy")
    x = np.load(d / "test_images.npy")[:48]
    out = {}
    for scheme in ("f32", "q7", "q15", "int8"):
        gs = g if scheme == "f32" else nncodegen.quantize(g, calib, scheme)
        out[scheme] = (nncodegen.generate(gs, tmp_path_factory.mktemp(f"simd_{scheme}") / "out", name="m"), gs)
    return out, x


@pytest.mark.parametrize("scheme", ["f32", "q7", "q15", "int8"])
def test_mnist_same_bits_in_every_build(mnist_models, scheme):
    """The shipped MNIST model (small-K, patch, depthwise, pointwise and dense paths) gives the same raw
    outputs built portable, with the default flags and with -O3 -march=native; integer models also
    equal the simulator."""
    import nncodegen
    from nncodegen.harness.cmodel import CModel
    outdirs, x = mnist_models
    builds = {"portable": ("-O2", ["-DNNC_NO_SIMD"]), "default": ("-O2", []), "native": ("-O3", ["-march=native"])}
    ys = {}
    outdir, graph = outdirs[scheme]
    for name, (opt, flags) in builds.items():
        cm = CModel(outdir, opt=opt, extra_flags=flags)
        ys[name] = cm.run_raw(cm.quantize_input(x))
    for name in ("default", "native"):
        a, b = ys[name], ys["portable"]
        assert a.dtype == b.dtype and np.array_equal(a.view(np.uint8), b.view(np.uint8)), f"{scheme}: {name} build"
    if scheme != "f32":
        sim = nncodegen.simulate(graph, x, raw=True).reshape(ys["portable"].shape)
        assert np.array_equal(sim, ys["portable"]), f"{scheme}: C differs from the simulator"
