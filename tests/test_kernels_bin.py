"""Binary C kernels (templates_c/kernels/b*.c) against their numpy twins (nncodegen/ref/kernels_bin.py),
bit for bit, over hypothesis-generated shapes (channel counts that are not multiples of 32, strides,
dilations, groups incl. depthwise, zero / +1 / -1 padding, thresholds at tie points); the same cases
through the POPCNT and AVX2 builds; and the twins against float convolutions of +-1 data (Larq-style:
the binary convolution is the float convolution of +-1 tensors with zero padding).  The int8-weight layers
of binarized networks (``*_bits_w8_*``, ``*_w8_q7_*``, ``*_w8_q15_*``: 8-bit first / last layers) the same way."""
from __future__ import annotations

import hashlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import helpers
from helpers import assert_same
from nncodegen.ir.ops import conv_out_size
from nncodegen.lower.params import BConv, BDense, BinEpi, BPack, ConvGeom
from nncodegen.paths import include_dir, kernels_dir
from nncodegen.ref import float_ops
from nncodegen.ref import kernels_bin as kb
from nncodegen.ref.bits import pack_bits, pack_filters, pack_signs, unpack_filters, unpack_signs, words

CFG = dict(deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FAMILIES = ["bconv2d_xnor", "bconv2d_xnor_f32", "bconv2d_bw", "bconv2d_bw_f32", "bdense_xnor", "bdense_xnor_f32",
            "bdense_bw", "bdense_bw_f32", "bmaxpool", "bpack", "bpack_f32",
            "bconv2d_w8", "bconv2d_w8_f32", "bdense_w8", "bdense_w8_f32"]
W8_INPUTS = ["bits_w8", "bits_w8", "w8_q7", "w8_q15"]   # int8-weight layers of binarized networks
VARIANTS = {"portable": [], "popcnt": ["-mpopcnt"], "avx2": ["-mavx2", "-mpopcnt"],
            "avx512": ["-mavx512f", "-mavx512vpopcntdq", "-mavx2", "-mpopcnt"],
            # blocks of several SIMD vectors of pixels, one pixel (microcontrollers), an odd count
            "avx512_pb48": ["-mavx512f", "-mavx512vpopcntdq", "-mavx2", "-mpopcnt", "-DNNC_BIN_PB=48"],
            "avx2_pb32": ["-mavx2", "-mpopcnt", "-DNNC_BIN_PB=32"],
            "popcnt_pb3": ["-mpopcnt", "-DNNC_BIN_PB=3"],
            "pb1": ["-DNNC_BIN_PB=1"],
            "pb3": ["-DNNC_BIN_PB=3"],
            "tapwise": ["-DNNC_BIN_PATCH_WORDS=4", "-DNNC_BIN_QPATCH=4",   # long patches go tap by tap
                        "-DNNC_W8_PATCH=4"],
            "qdot": ["-DNNC_BIN_QSIGNS=1"]}   # Q-format layers without the sign table
HOST_FLAG = {"popcnt": "popcnt", "popcnt_pb3": "popcnt", "avx2": "avx2", "avx2_pb32": "avx2",
             "avx512": "avx512_vpopcntdq", "avx512_pb48": "avx512_vpopcntdq"}


class CLib(helpers.CLib):
    def call(self, name, *args):
        """Arrays and None become pointers, params dataclasses struct pointers."""
        super().call(name, *[self.s(a) if hasattr(a, "CTYPE") else
                             (self.p(a) if isinstance(a, np.ndarray) or a is None else a) for a in args])


def _build(variant):
    kd = kernels_dir()
    inc_hash = hashlib.sha256(b"".join(p.read_bytes() for p in sorted(kd.glob("b*.inc")))).hexdigest()[:16]
    return helpers.build_clib(f"kernels_bin_{variant}", [kd / f"{f}.c" for f in FAMILIES], [include_dir(), kd],
                              header_prefix=f"/* {inc_hash} */\n", cls=CLib, extra_flags=VARIANTS[variant])


_LIBS = {}


def clib(variant="portable") -> CLib:
    if variant not in _LIBS:
        _LIBS[variant] = _build(variant)
    return _LIBS[variant]


def host_has(flag: str) -> bool:
    try:
        return flag in open("/proc/cpuinfo").read().split()
    except OSError:
        return False


# ---------------------------------------------------------------- case generation

def rand_pm1(rng, shape):
    return np.where(rng.random(shape) < 0.5, -1, 1).astype(np.int64)


def rand_tern(rng, shape):
    return rng.integers(-1, 2, size=shape).astype(np.int64)


def rand_w8(rng, shape, taps, inp):
    """int8 weights (values, the int8 array the kernel reads, max |w|): the full range, or small values, or a
    range that keeps a Q15 layer's accumulator below 2^31 (the compiler refuses layers whose bound reaches it)."""
    wmax = 128 if rng.random() < 0.7 else int(rng.integers(1, 4))
    if inp.endswith("q15"):
        wmax = max(1, min(wmax, ((1 << 31) - 1) // (taps << 15) - 1))
    wv = rng.integers(-wmax, min(wmax, 127) + 1, size=shape).astype(np.int64)
    return wv, wv.astype(np.int8), wmax


def make_epi(rng, out, cout, acc_lo, acc_hi, residual, prelu, tie_acc=None):
    """Epilogue params; ``tie_acc`` (N, Cout) accumulators to place thresholds on."""
    if out == "bits":
        if tie_acc is not None and rng.random() < 0.7:
            flat = tie_acc.reshape(-1, cout)
            thr = flat[rng.integers(0, flat.shape[0], size=cout), np.arange(cout)]  # exactly at a reached value
        else:
            thr = rng.integers(acc_lo - 3, acc_hi + 4, size=cout)
        # also thresholds outside the reachable range
        thr = np.where(rng.random(cout) < 0.1, rng.choice([-(1 << 30), 1 << 30], size=cout), thr)
        return BinEpi(thr=tuple(int(t) for t in thr))
    if out == "f32":
        return BinEpi(scale_f32=tuple(float(v) for v in rng.normal(size=cout).astype(np.float32)),
                      bias_f32=tuple(float(v) for v in rng.normal(size=cout).astype(np.float32) * 3),
                      slope_f32=tuple(float(v) for v in rng.uniform(0, 0.5, cout).astype(np.float32)) if prelu else None,
                      out_min_f32=float(rng.choice([-3.4028234663852886e38, -2.0])),
                      out_max_f32=float(rng.choice([3.4028234663852886e38, 5.0])))
    bits = 8 if out == "q7" else 16
    lim = 1 << 20 if prelu else 1 << 28
    amax = max(1, abs(acc_lo), abs(acc_hi))
    mlim = max(1, lim // amax)
    if rng.random() < 0.6:   # fine: every unit of acc shows in the output
        mult = rng.integers(-3, 4, size=cout)
        bias = rng.integers(-200, 201, size=cout)
        shift = int(rng.integers(0, 2))
    else:                    # coarse: large multipliers, rounding shifts
        mult = rng.integers(-mlim, mlim + 1, size=cout)
        bias = rng.integers(-lim, lim + 1, size=cout)
        shift = int(rng.integers(0, 24))
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    omin = int(rng.choice([lo, 0, lo // 2]))
    return BinEpi(mult=tuple(int(v) for v in mult), bias=tuple(int(v) for v in bias), shift=shift,
                  res_shift=int(rng.integers(0, 8)) if residual else 0,
                  slope_q15=tuple(int(v) for v in rng.integers(-32768, 32769, size=cout)) if prelu else None,
                  out_min=omin, out_max=hi)


@st.composite
def conv_cases(draw, inputs=("xnor", "xnor", "xnor_tern", "bw_q7", "bw_q15", "tw_q7", "tw_q15")):
    inp = draw(st.sampled_from(list(inputs)))
    out = draw(st.sampled_from(["bits", "bits", "q7", "q15", "f32"]))
    depthwise = draw(st.booleans()) and draw(st.booleans())
    groups = draw(st.integers(1, 3))
    cin_g = draw(st.sampled_from([1, 3, 17, 32, 33, 64, 70]))
    if depthwise:
        cin_g = 1
        groups = draw(st.integers(2, 40))
    cout_g = draw(st.integers(1, 3)) if depthwise else draw(st.sampled_from([1, 5, 31, 32, 33, 40]))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    dh, dw = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    h, w = draw(st.integers(1, 9)), draw(st.integers(1, 9))
    pads = tuple(draw(st.integers(0, 2)) for _ in range(4))
    pad_kind = draw(st.sampled_from([0, 1, 2])) if inp.startswith(("xnor", "bits")) else 0
    residual = out != "bits" and draw(st.booleans())
    prelu = out != "bits" and draw(st.booleans())
    seed = draw(st.integers(0, 2 ** 32 - 1))
    batch = draw(st.integers(1, 2))
    return dict(inp=inp, out=out, groups=groups, cin_g=cin_g, cout_g=cout_g, k=(kh, kw), s=(sh, sw), d=(dh, dw),
                hw=(h, w), pads=pads, pad_kind=pad_kind, residual=residual, prelu=prelu, seed=seed, batch=batch)


def build_conv(case):
    rng = np.random.default_rng(case["seed"])
    g_ = case["groups"]
    cin, cout = case["cin_g"] * g_, case["cout_g"] * g_
    (kh, kw), (sh, sw), (dh, dw), (h, w) = case["k"], case["s"], case["d"], case["hw"]
    pt, pl, pb, pr = case["pads"]
    oh = conv_out_size(h, kh, sh, pt, pb, dh)
    ow = conv_out_size(w, kw, sw, pl, pr, dw)
    if oh <= 0 or ow <= 0:
        return None
    geom = ConvGeom(case["batch"], h, w, cin, oh, ow, cout, kh, kw, sh, sw, pt, pl, dh, dw, g_)
    inp = case["inp"]
    xshape = (case["batch"], h, w, cin)
    taps = kh * kw * case["cin_g"]
    if "w8" in inp:
        tern = "w8"
        wv, wq, wmax = rand_w8(rng, (cout, kh, kw, case["cin_g"]), taps, inp)
        wq = kb.pack_w8_conv(wv, g_)
    else:
        tern = "tern" in inp or inp.startswith("tw")
        wv = (rand_tern if tern else rand_pm1)(rng, (cout, kh, kw, case["cin_g"]))
        wq = pack_filters(wv, tern)
        wmax = 1
    if inp.startswith(("xnor", "bits")):
        xv = rand_pm1(rng, xshape)
        xq = pack_signs(xv, cin)
        twin_in = "xnor"
        amax = taps * wmax
    else:
        dt = np.int8 if inp.endswith("q7") else np.int16
        info = np.iinfo(dt)
        xq = rng.integers(info.min, info.max + 1, size=xshape).astype(dt)
        twin_in = "q7" if dt == np.int8 else "q15"
        amax = taps * wmax * (1 << ((7 if dt == np.int8 else 15) if "w8" in inp else (8 if dt == np.int8 else 16)))
    p0 = BConv(case["pad_kind"], BinEpi())
    acc = kb.bconv_acc(geom, p0, xq, wq, twin_in, tern)
    epi = make_epi(rng, case["out"], cout, -amax, amax, case["residual"], case["prelu"], tie_acc=acc)
    res = None
    if case["residual"]:
        odt = kb.OUT_DTYPES[case["out"]]
        if odt == np.float32:
            res = rng.normal(size=acc.shape).astype(np.float32)
        else:
            info = np.iinfo(odt)
            res = rng.integers(info.min, info.max + 1, size=acc.shape).astype(odt)
    return geom, BConv(case["pad_kind"], epi), xq, wq, res, acc


def kernel_name(fam, inp, out):
    return f"{fam}_{inp}_{out}"


def run_c(lib, name, geom, p, xq, wq, res, out, out_shape):
    odt = kb.OUT_DTYPES[out]
    y = np.full(out_shape, 0x5A, dtype=odt) if odt != np.float32 else np.full(out_shape, np.nan, np.float32)
    args = ([geom] if geom is not None else []) + [p, np.ascontiguousarray(xq), np.ascontiguousarray(wq)]
    if out != "bits":
        args.append(None if res is None else np.ascontiguousarray(res))
    lib.call(name, *args, y)
    return y


def check_conv(case, variant="portable"):
    built = build_conv(case)
    if built is None:
        return
    geom, p, xq, wq, res, acc = built
    name = kernel_name("bconv2d", case["inp"], case["out"])
    twin = getattr(kb, name)
    want = twin(geom, p, xq, wq) if case["out"] == "bits" else twin(geom, p, xq, wq, res)
    got = run_c(clib(variant), name, geom, p, xq, wq, res, case["out"], want.shape)
    assert_same(got, want, f"{name} [{variant}] {case}")


@settings(max_examples=150, **CFG)
@given(conv_cases())
def test_bconv2d_c_matches_twin(case):
    check_conv(case)


@pytest.mark.parametrize("variant", ["popcnt", "avx2", "avx512", "avx512_pb48", "avx2_pb32", "popcnt_pb3", "pb1", "pb3",
                                     "tapwise", "qdot"])
@settings(max_examples=50, **CFG)
@given(case=conv_cases())
def test_bconv2d_other_builds_match_twin(variant, case):
    flag = HOST_FLAG.get(variant)
    if flag and not host_has(flag):
        pytest.skip(f"host has no {flag}")
    check_conv(case, variant)


# ---------------------------------------------------------------- dense

@st.composite
def dense_cases(draw, inputs=("xnor", "xnor", "xnor_tern", "bw_q7", "bw_q15", "tw_q7", "tw_q15")):
    inp = draw(st.sampled_from(list(inputs)))
    out = draw(st.sampled_from(["bits", "q7", "q15", "f32"]))
    run = draw(st.sampled_from([1, 5, 32, 33, 100]))
    runs = draw(st.integers(1, 6)) if inp.startswith(("xnor", "bits")) else 1
    return dict(inp=inp, out=out, run=run, runs=runs, m=draw(st.sampled_from([1, 10, 31, 32, 33, 70])),
                batch=draw(st.integers(1, 3)), residual=out != "bits" and draw(st.booleans()),
                prelu=out != "bits" and draw(st.booleans()), seed=draw(st.integers(0, 2 ** 32 - 1)))


def check_dense(case, variant="portable"):
    rng = np.random.default_rng(case["seed"])
    inp, k, m, n = case["inp"], case["run"] * case["runs"], case["m"], case["batch"]
    if "w8" in inp:
        tern = "w8"
        wv, wq, wmax = rand_w8(rng, (m, k), k, inp)
    else:
        tern = "tern" in inp or inp.startswith("tw")
        wv = (rand_tern if tern else rand_pm1)(rng, (m, k))
        wq = pack_filters(wv, tern)
        wmax = 1
    packed = inp.startswith(("xnor", "bits"))
    if packed:
        xq = pack_signs(rand_pm1(rng, (n, k)), case["run"])
        amax = k * wmax
    else:
        dt = np.int8 if inp.endswith("q7") else np.int16
        info = np.iinfo(dt)
        xq = rng.integers(info.min, info.max + 1, size=(n, k)).astype(dt)
        amax = (k * wmax) << ((7 if dt == np.int8 else 15) if "w8" in inp else (8 if dt == np.int8 else 16))
    p0 = BDense(n, k, m, case["run"], BinEpi())
    twin_in = "xnor" if packed else ("q7" if inp.endswith("q7") else "q15")
    acc = kb._bdense_acc(p0, xq, wq, twin_in, tern)
    epi = make_epi(rng, case["out"], m, -amax, amax, case["residual"], case["prelu"], tie_acc=acc)
    p = BDense(n, k, m, case["run"], epi)
    res = None
    if case["residual"]:
        odt = kb.OUT_DTYPES[case["out"]]
        res = (rng.normal(size=(n, m)).astype(np.float32) if odt == np.float32 else
               rng.integers(np.iinfo(odt).min, np.iinfo(odt).max + 1, size=(n, m)).astype(odt))
    name = kernel_name("bdense", inp, case["out"])
    twin = getattr(kb, name)
    want = twin(p, xq, wq) if case["out"] == "bits" else twin(p, xq, wq, res)
    got = run_c(clib(variant), name, None, p, xq, wq, res, case["out"], want.shape)
    assert_same(got, want, f"{name} [{variant}] {case}")


@settings(max_examples=120, **CFG)
@given(dense_cases())
def test_bdense_c_matches_twin(case):
    check_dense(case)


@settings(max_examples=120, **CFG)
@given(conv_cases(inputs=W8_INPUTS))
def test_bconv2d_w8_c_matches_twin(case):
    """int8 weights in a binarized network (8-bit first / last layers): Q-format or packed input, every output."""
    check_conv(case)


@settings(max_examples=60, **CFG)
@given(conv_cases(inputs=W8_INPUTS))
def test_bconv2d_w8_tap_by_tap_matches_twin(case):
    """The int8-weight convolutions with filters longer than NNC_W8_PATCH (here 4): tap by tap, no patch."""
    check_conv(case, "tapwise")


@settings(max_examples=100, **CFG)
@given(dense_cases(inputs=W8_INPUTS))
def test_bdense_w8_c_matches_twin(case):
    check_dense(case)


@pytest.mark.parametrize("variant", ["popcnt", "avx2", "avx512"])
@settings(max_examples=30, **CFG)
@given(case=dense_cases())
def test_bdense_simd_builds_match_twin(variant, case):
    if not host_has(HOST_FLAG[variant]):
        pytest.skip(f"host has no {variant}")
    check_dense(case, variant)


# ---------------------------------------------------------------- pool, pack, unpack

@settings(max_examples=60, **CFG)
@given(c=st.sampled_from([1, 7, 32, 33, 65]), hw=st.tuples(st.integers(1, 7), st.integers(1, 7)),
       k=st.tuples(st.integers(1, 3), st.integers(1, 3)), s=st.tuples(st.integers(1, 3), st.integers(1, 3)),
       pad=st.integers(0, 1), seed=st.integers(0, 2 ** 32 - 1))
def test_bmaxpool_c_matches_twin_and_float(c, hw, k, s, pad, seed):
    rng = np.random.default_rng(seed)
    h, w = hw
    pad = min(pad, k[0] - 1, k[1] - 1)
    oh, ow = conv_out_size(h, k[0], s[0], pad, pad, 1), conv_out_size(w, k[1], s[1], pad, pad, 1)
    if oh <= 0 or ow <= 0:
        return
    # mostly +1 so that all--1 windows are rare but present
    xv = np.where(rng.random((1, h, w, c)) < 0.7, -1, 1)
    xq = pack_signs(xv, c)
    g = ConvGeom(1, h, w, c, oh, ow, c, k[0], k[1], s[0], s[1], pad, pad)
    want = kb.bmaxpool(g, xq)
    got = np.zeros(want.shape, np.uint32) + np.uint32(0xDEADBEEF)
    clib().call("bmaxpool", g, xq, got)
    assert_same(got, want, "bmaxpool")
    ref = float_ops.maxpool({"kernel": k, "strides": s, "pads": (pad, pad, pad, pad)}, xv.astype(np.float64))
    np.testing.assert_array_equal(unpack_signs(want, ref.shape, c), ref)


@pytest.mark.parametrize("kind", ["q7", "q15", "f32"])
def test_pack_unpack_round_trip(kind):
    rng = np.random.default_rng(3)
    outer, c = 13, 45
    if kind == "f32":
        x = rng.normal(size=(outer, c)).astype(np.float32)
        x[0, :5] = [0.0, -0.0, 1e-30, -1e-30, 2.0]
    else:
        dt = np.int8 if kind == "q7" else np.int16
        x = rng.integers(np.iinfo(dt).min, np.iinfo(dt).max + 1, size=(outer, c)).astype(dt)
        x[0, :3] = [0, -1, 1]
    p = BPack(outer, c, 64 if kind == "q7" else 1024, -64 if kind == "q7" else -1024)
    want = getattr(kb, f"bpack_{kind}")(p, x)
    got = np.zeros(want.shape, np.uint32) + np.uint32(0xFFFFFFFF)
    clib().call(f"bpack_{kind}", p, np.ascontiguousarray(x), got)
    assert_same(got, want, f"bpack_{kind}")
    assert (want == pack_signs(x, c)).all()                    # x >= 0 -> +1, also for -0.0
    u_want = getattr(kb, f"bunpack_{kind}")(p, want)
    u_got = np.zeros(u_want.shape, u_want.dtype)
    clib().call(f"bunpack_{kind}", p, got, u_got)
    assert_same(u_got, u_want, f"bunpack_{kind}")
    pos = 1.0 if kind == "f32" else p.pos
    np.testing.assert_array_equal(u_want, np.where(np.asarray(x, np.float64) >= 0, pos, -pos).astype(u_want.dtype))


# ---------------------------------------------------------------- twins vs float convolution on +-1 data

@settings(max_examples=60, **CFG)
@given(conv_cases())
def test_xnor_twin_equals_float_conv_of_pm1(case):
    """Larq-style: acc of the XNOR conv (zero padding) == float conv of the +-1 tensors with zero padding;
    +1/-1 padding == float conv of the input padded with that value."""
    case = dict(case, inp="xnor", out="bits")
    built = build_conv(case)
    if built is None:
        return
    geom, p, xq, wq, _, acc = built
    xv = unpack_signs(xq, (geom.batch, geom.in_h, geom.in_w, geom.in_c), geom.in_c).astype(np.float64)
    cin_g = geom.in_c // geom.groups
    wv = unpack_filters(wq, (geom.out_c, geom.k_h, geom.k_w, cin_g)).astype(np.float64)
    pb = max(0, (geom.out_h - 1) * geom.stride_h + geom.dil_h * (geom.k_h - 1) + 1 - geom.in_h - geom.pad_top)
    pr = max(0, (geom.out_w - 1) * geom.stride_w + geom.dil_w * (geom.k_w - 1) + 1 - geom.in_w - geom.pad_left)
    attrs = {"strides": (geom.stride_h, geom.stride_w), "pads": (geom.pad_top, geom.pad_left, pb, pr),
             "dilations": (geom.dil_h, geom.dil_w), "groups": geom.groups}
    padval = {0: 0.0, 1: 1.0, -1: -1.0}[{0: 0, 1: 1, 2: -1}[p.pad_kind]]
    if padval == 0.0:
        ref = float_ops.conv2d_raw(xv, wv, attrs)
    else:
        xp = np.pad(xv, ((0, 0), (attrs["pads"][0], pb), (attrs["pads"][1], pr), (0, 0)), constant_values=padval)
        ref = float_ops.conv2d_raw(xp, wv, dict(attrs, pads=(0, 0, 0, 0)))
    np.testing.assert_array_equal(acc, ref[:, :geom.out_h, :geom.out_w])


@settings(max_examples=60, **CFG)
@given(conv_cases(inputs=W8_INPUTS))
def test_w8_twin_equals_float_conv(case):
    """The int8-weight twins against a float convolution of the same integers: packed input as +-1 (zero padding
    counts only the taps inside the input, +1 / -1 padding pads with that value), Q input as its integers."""
    case = dict(case, out="bits")
    built = build_conv(case)
    if built is None:
        return
    geom, p, xq, wq, _, acc = built
    shape = (geom.batch, geom.in_h, geom.in_w, geom.in_c)
    packed = case["inp"].startswith("bits")
    xv = (unpack_signs(xq, shape, geom.in_c) if packed else np.asarray(xq)).astype(np.float64)
    wv = kb.unpack_w8_conv(wq, (geom.out_c, geom.k_h, geom.k_w, geom.in_c // geom.groups), geom.groups)
    wv = wv.astype(np.float64)
    pb = max(0, (geom.out_h - 1) * geom.stride_h + geom.dil_h * (geom.k_h - 1) + 1 - geom.in_h - geom.pad_top)
    pr = max(0, (geom.out_w - 1) * geom.stride_w + geom.dil_w * (geom.k_w - 1) + 1 - geom.in_w - geom.pad_left)
    attrs = {"strides": (geom.stride_h, geom.stride_w), "pads": (geom.pad_top, geom.pad_left, pb, pr),
             "dilations": (geom.dil_h, geom.dil_w), "groups": geom.groups}
    padval = {0: 0.0, 1: 1.0, 2: -1.0}[p.pad_kind]
    xp = np.pad(xv, ((0, 0), (attrs["pads"][0], pb), (attrs["pads"][1], pr), (0, 0)), constant_values=padval)
    ref = float_ops.conv2d_raw(xp, wv, dict(attrs, pads=(0, 0, 0, 0)))
    np.testing.assert_array_equal(acc, ref[:, :geom.out_h, :geom.out_w])


def test_w8_conv_weight_layout():
    """pack_w8_conv: [groups][k_h][k_w][in_c/groups][out_c/groups], filters innermost; unpack is its inverse."""
    w = np.arange(4 * 1 * 2 * 3).reshape(4, 1, 2, 3) - 12          # out 4, k 1x2, in_c/groups 3, groups 2
    q = kb.pack_w8_conv(w, 2)
    assert q.dtype == np.int8 and q.size == w.size
    for c in range(4):
        grp, o = divmod(c, 2)
        for kx in range(2):
            for i in range(3):
                assert q[((grp * 2 + kx) * 3 + i) * 2 + o] == w[c, 0, kx, i]
    np.testing.assert_array_equal(kb.unpack_w8_conv(q, w.shape, 2), w)


def test_w8_dense_hand_checked():
    """Packed +-1 input, int8 weights: acc = sum of +-w (bit 1 = -1), the float epilogue on it."""
    x = pack_signs(np.array([[1, -1, -1, 1]]), 4)
    w = np.array([[127, -128, 3, -1], [-5, 7, 0, 100]], np.int8)
    p = BDense(1, 4, 2, 4, BinEpi(scale_f32=(0.5, 1.0), bias_f32=(0.0, -1.0), out_min_f32=-1e30, out_max_f32=1e30))
    want = kb.bdense_bits_w8_f32(p, x, w, None)
    assert want.ravel().tolist() == [(127 + 128 - 3 - 1) * 0.5, -5 - 7 - 0 + 100 - 1.0]
    got = np.zeros(2, np.float32)
    clib().call("bdense_bits_w8_f32", p, x, w, None, got)
    assert_same(got, want.ravel())


def test_threshold_ties_and_unreachable_thresholds():
    """Hand-checked: acc >= thr gives +1 (bit 0) exactly at the tie, thresholds beyond +-n are constant."""
    g = ConvGeom(1, 1, 1, 3, 1, 1, 4, 1, 1)
    x = pack_signs(np.array([[[[1, -1, 1]]]]), 3)           # x = (+1, -1, +1)
    w = pack_filters(np.array([[1, 1, 1], [1, -1, 1], [-1, 1, -1], [1, 1, 1]]).reshape(4, 1, 1, 3))
    # acc = (1, 3, -3, 1)
    p = BConv(0, BinEpi(thr=(1, 4, -3, -(1 << 30))))
    want = kb.bconv2d_xnor_bits(g, p, x, w)
    assert unpack_signs(want, (1, 1, 1, 4), 4).ravel().tolist() == [1, -1, 1, 1]
    got = np.zeros(1, np.uint32)
    clib().call("bconv2d_xnor_bits", g, p, x, w, got)
    assert_same(got, want.ravel())


def test_zero_padding_counts_only_valid_taps():
    """A 3x3 conv over a 1x1 map with pad 1: only the centre tap counts (acc in [-C, C])."""
    c = 40
    g = ConvGeom(1, 1, 1, c, 1, 1, 1, 3, 3, 1, 1, 1, 1)
    x = pack_signs(np.ones((1, 1, 1, c)), c)
    w = pack_filters(-np.ones((1, 3, 3, c)))
    epi = BinEpi(mult=(1,), bias=(0,), shift=0, out_min=-32768, out_max=32767)
    for pad_kind, want in ((0, -c), (1, -9 * c), (2, 7 * c)):
        y = np.zeros(1, np.int16)
        clib().call("bconv2d_xnor_q15", g, BConv(pad_kind, epi), x, w, None, y)
        assert int(y[0]) == want == int(kb.bconv2d_xnor_q15(g, BConv(pad_kind, epi), x, w, None)[0, 0, 0, 0])


def test_bits_layout_matches_format():
    from nncodegen.ir.formats import BinaryFormat
    x = np.array([[1.0, -2.0, 0.0, -0.5] + [1.0] * 30 + [-1.0]])
    q = BinaryFormat().quantize(x)
    assert q.dtype == np.uint32 and q.shape == (1, 2)
    assert int(q[0, 0]) == 0b1010 and int(q[0, 1]) == 0b100
    assert (BinaryFormat().dequantize(q, x.shape) == np.where(x >= 0, 1, -1)).all()
    assert BinaryFormat().nbytes((1, 8, 8, 33)) == 64 * 2 * 4
    assert BinaryFormat(group=33).nbytes((1, 8 * 8 * 33)) == 64 * 2 * 4
    assert (pack_bits(np.ones((1, 64), bool), 32) == 0xFFFFFFFF).all() and words(33) == 2
