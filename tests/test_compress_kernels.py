"""Compressed-weight C kernels (sparse, codebook, hashed) against their numpy twins and against the
dense C kernels, bit for bit, over hypothesis-generated shapes, densities, formats and codebook sizes
(one cffi build for the session); the encoders against their decoders.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import helpers
from nncodegen.compress import storage as cs
from nncodegen.ir.ops import conv_out_size
from nncodegen.lower import lower_compress as lc
from nncodegen.lower.params import ActF32, ConvGeom, DenseGeom, Requant, RequantS8
from nncodegen.paths import include_dir, kernels_dir
from nncodegen.ref import affine as af
from nncodegen.ref import kernels_compress as kc

CFG = dict(deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
INT_SFX = ("q7", "q7_wide", "q15", "q15_acc32", "s8")
DT = {"q7": np.int8, "q15": np.int16, "s8": np.int8}


def _fmt(sfx):
    return DT[sfx.split("_")[0]]


def _acc32(sfx):
    return sfx in ("q7", "q15_acc32", "s8")


class Lib(helpers.CLib):
    def p(self, a):
        """Inputs may be views: a contiguous copy, kept alive until the call returns."""
        if a is not None:
            a = np.ascontiguousarray(a)
            self.keep.append(a)
        return super().p(a)

    run = helpers.CLib.call


@pytest.fixture(scope="session")
def lib():
    kd = kernels_dir()
    stems = [f"{fam}_{kind}_{f}" for fam, kinds in (("conv2d", ("sparse", "codebook")),
                                                     ("dense", ("sparse", "codebook", "hashed")))
             for kind in kinds for f in ("q7", "q15", "s8", "f32")]
    stems += [f"{fam}_{f}" for fam in ("conv2d", "dense") for f in ("q7", "q15", "s8", "f32")]
    return helpers.build_clib("compress_kernels_test", [kd / f"{s}.c" for s in stems], [include_dir(), kd], cls=Lib,
                              libraries=["m"])


def assert_same(got, want, what):
    got, want = np.asarray(got).reshape(np.shape(want)), np.asarray(want)
    if want.dtype == np.float32:
        bad = np.argwhere(got.view(np.uint32) != want.view(np.uint32))
    else:
        bad = np.argwhere(got != want)
    if bad.size:
        i = tuple(int(v) for v in bad[0])
        raise AssertionError(f"{what}: {len(bad)} of {want.size} differ; first at {i}: {got[i]} != {want[i]}")


# ---------------------------------------------------------------- drawing cases

def draw_conv_geom(data) -> ConvGeom:
    ints = lambda lo, hi, lab: data.draw(st.integers(lo, hi), label=lab)  # noqa: E731
    shape = data.draw(st.sampled_from(["generic", "depthwise", "pointwise", "grouped"]), label="shape")
    groups = 1
    cin = ints(1, 12, "in_c")
    if shape == "depthwise":
        groups, cout = cin, cin
    elif shape == "grouped":
        groups = ints(2, 3, "groups")
        cin, cout = groups * ints(1, 4, "cin_g"), groups * ints(1, 4, "cout_g")
    else:
        cout = ints(1, 20, "out_c")
    if shape == "pointwise":
        kh = kw = 1
        sh, sw, pt, pl, pb, pr, dh, dw = 1, 1, 0, 0, 0, 0, 1, 1
    else:
        kh, kw = ints(1, 5, "k_h"), ints(1, 5, "k_w")
        sh, sw = ints(1, 2, "s_h"), ints(1, 2, "s_w")
        dh, dw = ints(1, 2, "d_h"), ints(1, 2, "d_w")
        pt, pb, pl, pr = ints(0, kh - 1, "pt"), ints(0, kh - 1, "pb"), ints(0, kw - 1, "pl"), ints(0, kw - 1, "pr")
    h = ints(max(1, dh * (kh - 1) + 1 - pt - pb), 10, "in_h")
    w = ints(max(1, dw * (kw - 1) + 1 - pl - pr), 10, "in_w")
    oh = conv_out_size(h, kh, sh, pt, pb, dh)
    ow = conv_out_size(w, kw, sw, pl, pr, dw)
    return ConvGeom(ints(1, 2, "batch"), h, w, cin, oh, ow, cout, kh, kw, sh, sw, pt, pl, dh, dw, groups)


def draw_weights(data, shape, dtype, kind):
    """Weights with the sparsity / sharing of ``kind``: density, pruned whole filters, few values."""
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1), label="w seed"))
    if dtype == np.float32:
        w = rng.standard_normal(shape).astype(np.float32)
    else:
        info = np.iinfo(dtype)
        big = data.draw(st.booleans(), label="full range")
        lim = info.max if big else 7
        w = rng.integers(-lim - (1 if big else 0), lim + 1, size=shape).astype(dtype)
    if kind == "codebook":
        k = data.draw(st.sampled_from([1, 2, 3, 4, 7, 16, 100, 256]), label="codebook values")
        pool = np.unique(w.reshape(-1))[:k]
        w = rng.choice(pool, size=shape).astype(w.dtype)
    density = data.draw(st.sampled_from([0.0, 0.02, 0.1, 0.5, 0.9, 1.0]), label="density")
    w = np.where(rng.random(shape) < density, w, 0).astype(w.dtype)
    if shape[0] > 1 and data.draw(st.booleans(), label="prune filters"):
        w[rng.random(shape[0]) < 0.4] = 0
    if kind == "gaps":  # long zero runs: filler entries
        w = np.zeros(shape, dtype=w.dtype)
        w.reshape(shape[0], -1)[:, -1] = 3
    return w


def fit_acc32(w, k, xmax, dtype):
    """Scale integer weights down so |w| * k * xmax stays well below 2^31 (the int32 variants' proof)."""
    cap = max(1, ((1 << 30) // (k * xmax)))
    return np.clip(w, -cap, cap).astype(dtype)


def x_max(sfx):
    """The input magnitude bound fit_acc32 takes for format ``sfx``."""
    return 256 if sfx == "s8" else int(np.iinfo(_fmt(sfx)).max) + 1


def draw_conv_int_layer(data, sfx, kind):
    """A convolution of format ``sfx`` with weights of ``kind`` ("gaps": a fixed layer with a receptive field of
    360, whose zero runs exceed every index gap and delta width), scaled down for the int32 variants:
    (geometry, weights, input, bias, requantization)."""
    g = draw_conv_geom(data)
    if kind == "gaps":
        g = ConvGeom(1, 5, 5, 40, 5, 5, 3, 3, 3, 1, 1, 1, 1)
    kk = g.k_h * g.k_w * (g.in_c // g.groups)
    w = draw_weights(data, (g.out_c, g.k_h, g.k_w, g.in_c // g.groups), _fmt(sfx), kind)
    x, b, rq = draw_int_case(data, sfx, g.out_c, kk, (g.batch, g.in_h, g.in_w, g.in_c))
    if _acc32(sfx):
        w = fit_acc32(w, kk, x_max(sfx), _fmt(sfx))
    return g, w, x, b, rq


def check_c(lib, name, args, want, dtype, what, dense=None):
    """The C kernel ``name`` on ``args`` (an output buffer of 77s appended) == want; with dense = (a dense C
    kernel, its args, the end of the message), that kernel's output == the C kernel's too."""
    out = lib.run_into(name, args, np.full(want.shape, 77, dtype=dtype))
    assert_same(out, want, f"C {name} {what}")
    if dense is not None:
        dname, dargs, dwhat = dense
        out_d = lib.run_into(dname, dargs, np.full(want.shape, 77, dtype=dtype))
        assert_same(out, out_d, f"C {name} vs C {dname}{dwhat}")


def draw_int_case(data, sfx, out_c, kk, x_shape):
    dtype = _fmt(sfx)
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1), label="x seed"))
    info = np.iinfo(dtype)
    x = rng.integers(info.min, info.max + 1, size=x_shape).astype(dtype)
    b = None
    if data.draw(st.booleans(), label="bias"):
        b = rng.integers(-5000, 5000, size=out_c).astype(np.int32)
    if sfx == "s8":
        ms = [af.quantize_multiplier(float(s), 0) for s in rng.uniform(1e-4, 0.05, size=out_c)]
        rq = RequantS8(tuple(m for m, _ in ms), tuple(s for _, s in ms), -int(rng.integers(-128, 128)),
                       int(rng.integers(-20, 20)), -128, 127, 0)
    else:
        rq = Requant(tuple(int(v) for v in rng.integers(0, 14, size=out_c)), int(info.min), int(info.max))
    return x, b, rq


def encode(kind, w2, family="conv2d"):
    if kind in ("sparse", "gaps") and cs.sparse_layout(family, w2.dtype) == "sliced":
        return "sparse", list(cs.encode_sparse_sliced(w2)) + [cs.sliced_wsum(w2)], []
    if kind in ("sparse", "gaps"):
        rs, v, d = cs.encode_sparse(w2)
        return "sparse", [rs, v, d], []
    cb, packed, bits, _k, pc = cs.encode_codebook(w2)
    return "codebook", [cb.reshape(-1), packed], [bits, (1 << bits) if pc else 0]


# ---------------------------------------------------------------- integer formats

@pytest.mark.parametrize("sfx", INT_SFX)
@pytest.mark.parametrize("kind", ["sparse", "codebook", "gaps"])
@settings(max_examples=30, **CFG)
@given(data=st.data())
def test_conv2d_int(lib, sfx, kind, data):
    g, w, x, b, rq = draw_conv_int_layer(data, sfx, kind)
    dtype = _fmt(sfx)
    skind, arrays, scalars = encode(kind, w.reshape(g.out_c, -1))
    name = f"conv2d_{skind}_{sfx}"
    dense = getattr(kc.kq if sfx != "s8" else kc.ks8, f"conv2d_{sfx}")(g, rq, x, w, b)
    want = getattr(kc, name)(g, rq, x, *arrays, *scalars, b, None)
    assert_same(want, dense, f"twin {name} vs dense twin")
    scratch = np.zeros(max(1, lc.conv_scratch_bytes(g, np.dtype(dtype).itemsize) // np.dtype(dtype).itemsize), dtype)
    check_c(lib, name, [g, rq, x, *arrays, *scalars, b, scratch], want, dtype, g,
            (f"conv2d_{sfx}", [g, rq, x, w, b], f" {g}"))


@pytest.mark.parametrize("sfx", INT_SFX)
@pytest.mark.parametrize("kind", ["sparse", "codebook", "hashed"])
@settings(max_examples=30, **CFG)
@given(data=st.data())
def test_dense_int(lib, sfx, kind, data):
    dtype = _fmt(sfx)
    g = DenseGeom(data.draw(st.integers(1, 3), label="batch"), data.draw(st.integers(1, 600), label="in"),
                  data.draw(st.integers(1, 70), label="out"))  # > 32: full slices of the sliced layout
    x, b, rq = draw_int_case(data, sfx, g.out_features, g.in_features, (g.batch, g.in_features))
    xmax = x_max(sfx)
    if kind == "hashed":
        nb = data.draw(st.integers(1, 64), label="buckets")
        seed = data.draw(st.integers(0, 2 ** 32 - 1), label="seed")
        sign = data.draw(st.booleans(), label="sign")
        info = np.iinfo(dtype)
        buckets = np.random.default_rng(seed).integers(info.min, info.max + 1, size=nb).astype(dtype)
        if _acc32(sfx):
            buckets = fit_acc32(buckets, g.in_features, xmax, dtype)
        w = np.clip(kc._hashed_matrix_i64(buckets, g.out_features, g.in_features, seed, sign), info.min, info.max)
        exact = np.array_equal(w, kc._hashed_matrix_i64(buckets, g.out_features, g.in_features, seed, sign))
        arrays, scalars = [buckets], [nb, seed, int(sign)]
        w = w.astype(dtype)
        name = f"dense_hashed_{sfx}"
    else:
        w = draw_weights(data, (g.out_features, g.in_features), dtype, kind)
        if _acc32(sfx):
            w = fit_acc32(w, g.in_features, xmax, dtype)
        skind, arrays, scalars = encode(kind, w, "dense")
        name = f"dense_{skind}_{sfx}"
        exact = True
    want = getattr(kc, name)(g, rq, x, *arrays, *scalars, b)
    if exact:  # (a bucket of -128 negated is +128: no int8 dense matrix holds it)
        dense = getattr(kc.kq if sfx != "s8" else kc.ks8, f"dense_{sfx}")(g, rq, x, w, b)
        assert_same(want, dense, f"twin {name} vs dense twin")
    check_c(lib, name, [g, rq, x, *arrays, *scalars, b], want, dtype, g,
            (f"dense_{sfx}", [g, rq, x, w, b], "") if exact else None)


@pytest.fixture(scope="session")
def native_lib():
    """dense_sparse_* and dense_* built with -O3 -march=native: the SIMD slices of dense_sparse_simd.inc
    where this CPU has AVX-512 (BW for q15, VBMI for q7 / s8), the portable loop elsewhere."""
    kd = kernels_dir()
    stems = [f"dense{k}_{f}" for k in ("", "_sparse") for f in ("q7", "q15", "s8")]
    return helpers.build_clib("compress_kernels_native", [kd / f"{s}.c" for s in stems], [include_dir(), kd], cls=Lib,
                              opt="-O3", extra_flags=["-march=native"])


@pytest.mark.parametrize("sfx", INT_SFX)
@settings(max_examples=25, **CFG)
@given(data=st.data())
def test_dense_sparse_native_build(native_lib, sfx, data):
    """Full slices (32 / 16 rows), partial blocks and the tail slice in the -march=native build."""
    dtype = _fmt(sfx)
    g = DenseGeom(data.draw(st.integers(1, 2), label="batch"), data.draw(st.integers(1, 400), label="in"),
                  data.draw(st.integers(16, 100), label="out"))
    x, b, rq = draw_int_case(data, sfx, g.out_features, g.in_features, (g.batch, g.in_features))
    w = draw_weights(data, (g.out_features, g.in_features), dtype, "sparse")
    if _acc32(sfx):
        w = fit_acc32(w, g.in_features, x_max(sfx), dtype)
    arrays = list(cs.encode_sparse_sliced(w)) + [cs.sliced_wsum(w)]
    want = getattr(kc, f"dense_sparse_{sfx}")(g, rq, x, *arrays, b)
    check_c(native_lib, f"dense_sparse_{sfx}", [g, rq, x, *arrays, b], want, dtype, f"(native build) {g}",
            (f"dense_{sfx}", [g, rq, x, w, b], " (native build)"))


# ---------------------------------------------------------------- float32

def draw_act(data):
    k = data.draw(st.sampled_from(["none", "relu", "leaky"]), label="act")
    if k == "none":
        return None
    return ActF32(0.0, 3.0e38, 1.0) if k == "relu" else ActF32(-3.0e38, 6.0, 0.125)


@pytest.mark.parametrize("kind", ["sparse", "codebook"])
@settings(max_examples=60, **CFG)
@given(data=st.data())
def test_conv2d_f32(lib, kind, data):
    g = draw_conv_geom(data)
    w = draw_weights(data, (g.out_c, g.k_h, g.k_w, g.in_c // g.groups), np.float32, kind)
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1), label="x seed"))
    x = rng.standard_normal((g.batch, g.in_h, g.in_w, g.in_c)).astype(np.float32)
    b = rng.standard_normal(g.out_c).astype(np.float32) if data.draw(st.booleans(), label="bias") else None
    act = draw_act(data)
    skind, arrays, scalars = encode(kind, w.reshape(g.out_c, -1))
    name = f"conv2d_{skind}_f32"
    seq = lc.f32_seq_channels(g)
    want = getattr(kc, name)(g, act, x, *arrays, *scalars, b, seq, None)
    scratch = np.zeros(max(1, lc.conv_scratch_bytes(g, 4) // 4), dtype=np.float32)
    out = np.full(want.shape, np.nan, dtype=np.float32)
    lib.run(name, lib.s(g), lib.s(act) if act else lib.ffi.NULL, lib.p(x), *[lib.p(a) for a in arrays], *scalars,
            lib.p(b), seq, lib.p(scratch), lib.p(out))
    assert_same(out, want, f"C {name} {g}")
    out_d = np.full(want.shape, np.nan, dtype=np.float32)
    lib.run("conv2d_f32", lib.s(g), lib.s(act) if act else lib.ffi.NULL, lib.p(x), lib.p(w), lib.p(b), lib.p(out_d))
    if lc.f32_order_is_dense(g):
        assert_same(out, out_d, f"C {name} vs C conv2d_f32 (same order) {g}")
    else:  # conv2d_f32's generic path sums per kernel row: float rounding of sums of kk products
        kk = g.k_h * g.k_w * g.in_c // g.groups
        tol = 4 * kk * np.finfo(np.float32).eps * (np.abs(x).max() * np.abs(w).sum(axis=(1, 2, 3)).max() + 1)
        np.testing.assert_allclose(out, out_d, rtol=0, atol=tol)


@pytest.mark.parametrize("kind", ["sparse", "codebook", "hashed"])
@settings(max_examples=60, **CFG)
@given(data=st.data())
def test_dense_f32(lib, kind, data):
    g = DenseGeom(data.draw(st.integers(1, 3), label="batch"), data.draw(st.integers(1, 600), label="in"),
                  data.draw(st.integers(1, 20), label="out"))
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1), label="x seed"))
    x = rng.standard_normal((g.batch, g.in_features)).astype(np.float32)
    b = rng.standard_normal(g.out_features).astype(np.float32) if data.draw(st.booleans(), label="bias") else None
    act = draw_act(data)
    if kind == "hashed":
        nb = data.draw(st.integers(1, 64), label="buckets")
        seed = data.draw(st.integers(0, 2 ** 32 - 1), label="seed")
        sign = data.draw(st.booleans(), label="sign")
        buckets = rng.standard_normal(nb).astype(np.float32)
        w = cs.hashed_matrix(buckets, g.out_features, g.in_features, seed, sign)
        arrays, scalars, name = [buckets], [nb, seed, int(sign)], "dense_hashed_f32"
    else:
        w = draw_weights(data, (g.out_features, g.in_features), np.float32, kind)
        skind, arrays, scalars = encode(kind, w)
        name = f"dense_{skind}_f32"
    want = getattr(kc, name)(g, act, x, *arrays, *scalars, b)
    out = np.full(want.shape, np.nan, dtype=np.float32)
    ap = lib.s(act) if act else lib.ffi.NULL
    lib.run(name, lib.s(g), ap, lib.p(x), *[lib.p(a) for a in arrays], *scalars, lib.p(b), lib.p(out))
    assert_same(out, want, f"C {name} {g}")
    out_d = np.full(want.shape, np.nan, dtype=np.float32)
    lib.run("dense_f32", lib.s(g), lib.s(act) if act else lib.ffi.NULL, lib.p(x), lib.p(w), lib.p(b), lib.p(out_d))
    assert_same(out, out_d, f"C {name} vs C dense_f32")


# ---------------------------------------------------------------- encoders

@settings(max_examples=50, **CFG)
@given(data=st.data())
def test_encoders_round_trip(data):
    out, k = data.draw(st.integers(1, 6), label="out"), data.draw(st.integers(1, 900), label="k")
    w = draw_weights(data, (out, k), np.int16, data.draw(st.sampled_from(["sparse", "codebook"]), label="kind"))
    rs, v, d = cs.encode_sparse(w)
    assert np.array_equal(cs.decode_sparse(rs, v, d, k), w)
    assert len(v) == cs.sparse_entries(w)
    for ww in (w, w[:, : max(1, k // 3)].astype(np.int8)):  # 16-bit and 8-bit sliced layouts
        enc = cs.encode_sparse_sliced(ww)
        assert np.array_equal(cs.decode_sparse_sliced(*enc, *ww.shape), ww)
        assert len(enc[3]) == cs.sliced_entries(ww) and cs.sliced_bytes(ww) == sum(a.nbytes for a in enc) + cs.sliced_wsum(ww).nbytes
    for pc in (False, True):
        enc = cs.encode_codebook(w, pc)
        if enc is not None:
            cb, packed, bits, _k, _pc = enc
            assert 2 <= bits <= 8 and np.array_equal(cs.decode_codebook(cb, packed, bits, out, k), w)


def test_hash_matches_reference_values():
    # nnc_hash32 by hand for seed 0, k = 1 (the C is checked through the dense_hashed kernels)
    h = (0 + 1 * 0x9E3779B1) & 0xFFFFFFFF
    h ^= h >> 15
    h = (h * 0x85EBCA77) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * 0xC2B2AE3D) & 0xFFFFFFFF
    h ^= h >> 16
    assert int(cs.nnc_hash32(0, np.array([1], dtype=np.uint64))[0]) == h


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_scratch_sizes_equal_their_twins(lib, data):
    g = draw_conv_geom(data)
    for name in ("conv2d_sparse_scratch_size_f32", "conv2d_codebook_scratch_size_f32"):
        assert getattr(lib.lib, name)(lib.s(g)) == getattr(kc, name)(g), (name, g)
