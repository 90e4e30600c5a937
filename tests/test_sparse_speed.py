"""The fast sparse fully connected kernels: the class-sliced float32 layout (dense_sparse_sl_f32), the class-delta
float32 layout of the ARM targets (dense_sparse_cd_f32: its portable loop here, the Cortex-M4 asm loop in
test_kernels_arm.py) and the SIMD slices of the integer sliced layout, C vs numpy twin vs the dense C kernel of the same order, bit for bit, in the
default build (portable loops) and in a -march=native build (the AVX-512 paths where this CPU has them), over
hypothesis-drawn shapes, densities, splits and activations; the encoder against its decoder."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nncodegen.compress import sparse_cd_f32 as scd
from nncodegen.compress import sparse_f32 as sf
from nncodegen.harness.cbuild import build_cffi
from nncodegen.harness.cdefs import cdef_from_headers
from nncodegen.lower.params import ActF32, DenseGeom, to_cffi
from nncodegen.paths import include_dir, kernels_dir
from nncodegen.ref import kernels_compress as kc
from nncodegen.ref import kernels_pk_f32 as kpf

CFG = dict(deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                                  HealthCheck.function_scoped_fixture])
CT = {np.dtype(np.int8): "int8_t", np.dtype(np.int16): "int16_t", np.dtype(np.int32): "int32_t",
      np.dtype(np.uint8): "uint8_t", np.dtype(np.uint16): "uint16_t", np.dtype(np.float32): "float"}
STEMS = ["dense_sparse_sl_f32", "dense_sparse_cd_f32", "dense_f32", "conv2d_pk_f32"]


class Lib:
    def __init__(self, ffi, lib):
        self.ffi, self.lib, self.keep = ffi, lib, []

    def p(self, a):
        if a is None:
            return self.ffi.NULL
        a = np.ascontiguousarray(a)
        self.keep.append(a)
        return self.ffi.from_buffer(CT[a.dtype] + "[]", a)

    def s(self, obj):
        return self.ffi.NULL if obj is None else to_cffi(self.ffi, obj, self.keep)

    def run(self, name, *args):
        try:
            return getattr(self.lib, name)(*args)
        finally:
            self.keep = []


def _build(name, opt, flags):
    kd = kernels_dir()
    sources = [kd / f"{s}.c" for s in dict.fromkeys(STEMS)]
    headers = [kd / f"{s}.h" for s in STEMS]
    incs = [include_dir(), kd]
    ffi, l = build_cffi(name, sources, cdef_from_headers(headers, incs), include_dirs=incs,
                        header="".join(f'#include "{h.name}"\n' for h in headers), opt=opt, extra_flags=flags)
    return Lib(ffi, l)


@pytest.fixture(scope="module", params=["portable", "avx2", "native"])
def lib(request):
    if request.param == "portable":
        return _build("sparse_speed_portable", "-O2", ["-DNNC_NO_SIMD"])
    if request.param == "avx2":   # no AVX-512: dense_sparse_sl_f32's portable loop, dense_f32's AVX2 lanes
        return _build("sparse_speed_avx2", "-O3", ["-mavx2", "-mfma"])
    return _build("sparse_speed_native", "-O3", ["-march=native"])


def draw_case(data, kmax=700):
    g = DenseGeom(data.draw(st.integers(1, 2), label="batch"), data.draw(st.integers(1, kmax), label="in"),
                  data.draw(st.integers(1, 40), label="out"))
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    w = rng.standard_normal((g.out_features, g.in_features)).astype(np.float32)
    density = data.draw(st.sampled_from([0.0, 0.03, 0.1, 0.3, 0.5, 0.9, 1.0]), label="density")
    w = np.where(rng.random(w.shape) < density, w, 0).astype(np.float32)
    if data.draw(st.booleans(), label="negative zeros"):
        w[w == 0] = -0.0
    if g.out_features > 1 and data.draw(st.booleans(), label="prune rows"):
        w[rng.random(g.out_features) < 0.4] = 0
    x = rng.standard_normal((g.batch, g.in_features)).astype(np.float32)
    if data.draw(st.booleans(), label="tiny inputs"):  # products that round to +-0 and cancelling sums
        x *= np.float32(1e-30)
    b = rng.standard_normal(g.out_features).astype(np.float32) if data.draw(st.booleans(), label="bias") else None
    a = data.draw(st.sampled_from(["none", "relu", "leaky"]), label="act")
    act = None if a == "none" else ActF32(0.0, 3.0e38, 1.0) if a == "relu" else ActF32(-3.0e38, 6.0, 0.125)
    return g, w, x, b, act


def same_bits(got, want, what):
    got = np.asarray(got, np.float32).reshape(np.shape(want))
    bad = np.argwhere(got.view(np.uint32) != np.asarray(want, np.float32).view(np.uint32))
    if bad.size:
        i = tuple(int(v) for v in bad[0])
        raise AssertionError(f"{what}: {len(bad)} of {got.size} differ; first at {i}: {got[i]!r} != {want[i]!r}")


def run_sl(lib, g, act, x, enc, b, split):
    nbytes = lib.run("dense_sparse_sl_scratch_size_f32", lib.s(g), split)
    assert nbytes == kc.dense_sparse_sl_scratch_size_f32(g, split)
    scratch = np.full(max(1, nbytes // 4), np.nan, np.float32)
    out = np.full((g.batch, g.out_features), np.nan, np.float32)
    lib.run("dense_sparse_sl_f32", lib.s(g), lib.s(act), lib.p(x), *[lib.p(a) for a in enc], lib.p(b), split,
            lib.p(scratch), lib.p(out))
    return out


def run_cd(lib, g, act, x, enc, b, split):
    out = np.full((g.batch, g.out_features), np.nan, np.float32)
    lib.run("dense_sparse_cd_f32", lib.s(g), lib.s(act), lib.p(x), *[lib.p(a) for a in enc], lib.p(b), split,
            lib.p(out))
    return out


def check_layout(lib, kind, g, w, x, b, act, split):
    """The sparse float32 layout ``kind`` ("sl": class-sliced, "cd": class-delta) at ``split`` gives its twin's
    bits and the bits of the dense kernel of that order: dense_f32 (split = k - k % 8) or dense_pk_f32 (0)."""
    enc = (sf if kind == "sl" else scd).encode(w, split)
    out = (run_sl if kind == "sl" else run_cd)(lib, g, act, x, enc, b, split)
    twin = kc.dense_sparse_sl_f32 if kind == "sl" else kc.dense_sparse_cd_f32
    name = f"dense_sparse_{kind}_f32 (split {split})"
    same_bits(out, twin(g, act, x, *enc, b, split), f"C {name} vs twin {g}")
    dense = np.full_like(out, np.nan)
    if split == 0:
        lib.run("dense_pk_f32", lib.s(g), lib.s(act), lib.p(x), lib.p(kpf.pack_pk_f32(w)), lib.p(b), lib.p(dense))
    else:
        lib.run("dense_f32", lib.s(g), lib.s(act), lib.p(x), lib.p(w), lib.p(b), lib.p(dense))
    same_bits(out, dense, f"C {name} vs C {'dense_pk_f32' if split == 0 else 'dense_f32'} {g}")


@pytest.mark.parametrize("order", ["dense_f32", "dense_pk_f32"])
@pytest.mark.parametrize("kind", ["sl", "cd"])
@settings(max_examples=50, **CFG)
@given(data=st.data())
def test_sparse_f32_layouts_equal_the_dense_kernels(lib, kind, order, data):
    """The class-sliced (sl) and class-delta (cd) layouts in each dense kernel's order, bit for bit, and their
    twins: split = k - k % 8 is dense_f32's (nnc_dot_f32: eight partial sums by position % 8, then the tree),
    split = 0 dense_pk_f32's (each output in k order from 0.0f; cd: every position in the tail group, fillers
    past gaps of 255)."""
    g, w, x, b, act = draw_case(data) if order == "dense_f32" else draw_case(data, kmax=kpf.PKF_K)
    check_layout(lib, kind, g, w, x, b, act, sf.split_of(g.in_features, seq=False) if order == "dense_f32" else 0)


def test_dense_sparse_cd_f32_class_fillers(lib):
    """K = 4100: gaps of more than 255 blocks of eight in a class take fillers (value 0.0f, delta 255)."""
    rng = np.random.default_rng(7)
    g = DenseGeom(1, 4100, 5)
    w = np.zeros((5, 4100), np.float32)
    w[:, [3, 3 + 8 * 300, 4096, 4099]] = rng.standard_normal((5, 4)).astype(np.float32)
    w[1, 8 * 511 + 7] = 1.5
    x = rng.standard_normal((1, 4100)).astype(np.float32)
    split = sf.split_of(4100, seq=False)
    enc = scd.encode(w, split)
    # fillers: one a row in class 3 (q 0 -> 300), two in row 1's class 7 (q 511); 4096 and 4099 are the tail's
    assert np.count_nonzero(enc[1] == 0) == 7 and np.all(enc[2][enc[1] == 0] == 255)
    assert np.array_equal(scd.decode(*enc, 5, 4100, split), w)
    out = run_cd(lib, g, None, x, enc, None, split)
    dense = np.full_like(out, np.nan)
    lib.run("dense_f32", lib.s(g), lib.s(None), lib.p(x), lib.p(w), lib.p(None), lib.p(dense))
    same_bits(out, dense, "C dense_sparse_cd_f32 vs C dense_f32, K = 4100")
    same_bits(out, kc.dense_sparse_cd_f32(g, None, x, *enc, None, split), "C dense_sparse_cd_f32 vs twin, K = 4100")


@settings(max_examples=60, **CFG)
@given(data=st.data())
def test_class_delta_f32_round_trip(data):
    g, w, _x, _b, _act = draw_case(data)
    split = data.draw(st.sampled_from([0, g.in_features - g.in_features % 8]), label="split")
    enc = scd.encode(w, split)
    assert np.array_equal(scd.decode(*enc, g.out_features, g.in_features, split), w)
    assert scd.stored_bytes(w, split) == 2 * enc[0].size + 4 * enc[1].size + enc[2].size


@settings(max_examples=60, **CFG)
@given(data=st.data())
def test_sliced_f32_round_trip(data):
    g, w, _x, _b, _act = draw_case(data)
    k = g.in_features
    split = data.draw(st.sampled_from(sorted({0, k - k % 8, (k // 2) - (k // 2) % 8})), label="split")
    enc = sf.encode(w, split)
    got = sf.decode(*enc, g.out_features, k, split)
    np.testing.assert_array_equal(got, np.where(w == 0, 0, w))
    assert sf.entries(w, split) == enc[1].size == enc[2].size
    assert sf.stored_bytes(w, split) == sum(a.nbytes for a in enc)
    assert np.all((enc[1] == sf.PAD) | (enc[1] < 32))
    assert enc[1].size % 16 == 0 and not np.any(enc[1][-16:]) and not np.any(enc[2][-16:])   # the spare step
    assert sorted(enc[3]) == list(range(g.out_features))
    # every stored step holds an entry of some lane (no step of padding only)
    assert np.all((enc[1][:-16].reshape(-1, 16) != sf.PAD).any(axis=1))


def test_sliced_f32_decoder_refuses_bad_padding():
    w = np.zeros((16, 16), np.float32)
    w[0, 3] = 1.0    # class 3, entry 0
    w[0, 11] = 2.0   # class 3, entry 1
    steps, ix, v, rows = sf.encode(w, 16)
    # one class block: class 3 has two steps (rounds 0 and 1), the others none; then the spare step
    assert list(steps) == [0, 0, 0, 2, 0, 0, 0, 0] and list(rows) == list(range(16))
    assert list(ix[[0, 1, 16, 17]]) == [0, sf.PAD, 1, sf.PAD] and v[16] == 2.0 and ix.size == v.size == 48
    bad = ix.copy()
    bad[0] = sf.PAD  # a pad before the row's last entry
    with pytest.raises(ValueError, match="padding"):
        sf.decode(steps, bad, v, rows, 16, 16, 16)
    with pytest.raises(ValueError, match="spare"):
        sf.decode(steps, ix[:-16], v[:-16], rows, 16, 16, 16)
    with pytest.raises(ValueError, match="permutation"):
        sf.decode(steps, ix, v, np.zeros(16, np.int32), 16, 16, 16)
    with pytest.raises(ValueError, match="split"):
        sf.encode(w, 4)


def test_sliced_f32_row_grouping_cuts_steps():
    """At 10 % density (uniform, as bench_compress.py), grouping rows of alike counts into slices stores fewer steps
    than the rows in order, and runs fewer rounds of the SIMD path."""
    rng = np.random.default_rng(3)
    w = np.where(rng.random((256, 1024)) < 0.1, rng.standard_normal((256, 1024)), 0).astype(np.float32)

    def rounds(steps):
        return int(steps.reshape(-1, 8).max(axis=1).sum())
    grouped = sf.encode(w, 1024)
    plain = sf._encode_rows(w, 1024)
    assert grouped[1].size < 0.93 * plain[1].size
    assert rounds(grouped[0]) < 0.93 * rounds(plain[0])
    np.testing.assert_array_equal(sf.decode(*grouped, 256, 1024, 1024), w)


def test_sliced_f32_refine_swaps_rows_between_full_slices():
    """_refine returns a permutation that keeps the last, partial slice as it was and lowers the cost it weighs
    (steps + BRANCH x the SIMD path's branches) of rows in plain order; encode with it still decodes."""
    rng = np.random.default_rng(5)
    w = np.where(rng.random((100, 300)) < 0.1, rng.standard_normal((100, 300)), 0).astype(np.float32)
    split = 296
    cnt = sf._group_counts(w, split)
    nb8 = -(-split // sf.BLOCK8)
    plain = np.arange(100, dtype=np.int32)
    got = sf._refine(cnt, plain, nb8)
    np.testing.assert_array_equal(np.sort(got), plain)
    np.testing.assert_array_equal(got[96:], plain[96:])

    def cost(order):
        return float(sf._cost(cnt[order[:96]].reshape(6, 16, -1).max(axis=1), nb8).sum())
    assert cost(got) < 0.97 * cost(plain)
    np.testing.assert_array_equal(sf.decode(*sf.encode(w, split), 100, 300, split), w)


# ---------------------------------------------------------------- integer sliced layout, vector epilogues

INT_VARIANTS = ("q7", "q15_acc32", "s8")


@pytest.fixture(scope="module")
def int_lib():
    """dense_sparse_* and dense_* of q7 / q15 / s8 built -O3 -march=native: VNNI / AVX512BW slices and the AVX2
    block requantization of full slices where this CPU has them."""
    kd = kernels_dir()
    stems = [f"dense{k}_{f}" for k in ("", "_sparse") for f in ("q7", "q15", "s8")]
    sources = [kd / f"{s}.c" for s in stems]
    headers = [s.with_suffix(".h") for s in sources]
    incs = [include_dir(), kd]
    ffi, l = build_cffi("sparse_speed_int_native", sources, cdef_from_headers(headers, incs), include_dirs=incs,
                        header="".join(f'#include "{h.name}"\n' for h in headers), opt="-O3",
                        extra_flags=["-march=native"])
    return Lib(ffi, l)


@pytest.mark.parametrize("sfx", INT_VARIANTS)
@settings(max_examples=60, **CFG)
@given(data=st.data())
def test_dense_sparse_int_vector_epilogue(int_lib, sfx, data):
    """Full 16-row slices whose requantization runs eight lanes at a time: Q-format shifts all in 1..31 (the
    shift-only case), affine int8 in the three rounding modes; C sparse == twin == C dense."""
    from nncodegen.compress import storage as cs
    from nncodegen.lower.params import Requant, RequantS8
    from nncodegen.ref import affine as af
    dt = np.int16 if sfx.startswith("q15") else np.int8
    g = DenseGeom(data.draw(st.integers(1, 2), label="batch"), data.draw(st.integers(1, 300), label="in"),
                  16 * data.draw(st.integers(1, 4), label="slices") + data.draw(st.integers(0, 15), label="extra"))
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    info = np.iinfo(dt)
    x = rng.integers(info.min, info.max + 1, size=(g.batch, g.in_features)).astype(dt)
    cap = max(1, (1 << 30) // (g.in_features * (int(info.max) + 129)))
    w = rng.integers(-cap, cap + 1, size=(g.out_features, g.in_features)).astype(dt)
    w = np.where(rng.random(w.shape) < data.draw(st.sampled_from([0.05, 0.1, 0.5, 1.0]), label="density"), w, 0)
    w = w.astype(dt)
    b = rng.integers(-5000, 5000, size=g.out_features).astype(np.int32) if data.draw(st.booleans()) else None
    if sfx == "s8":
        rounding = data.draw(st.sampled_from([0, 1, 2]), label="rounding")
        scales = np.exp(rng.uniform(np.log(1e-6), np.log(8.0), size=g.out_features))  # right and left shifts
        if rounding == 2:
            mult, shift = tuple(af.ort_multiplier(float(s)) for s in scales), tuple([0] * g.out_features)
        else:
            ms = [af.quantize_multiplier(float(s), rounding) for s in scales]
            mult, shift = tuple(m for m, _ in ms), tuple(s for _, s in ms)
        rq = RequantS8(mult, shift, -int(rng.integers(-128, 128)), int(rng.integers(-20, 20)), -128, 127, rounding)
    else:
        rq = Requant(tuple(int(v) for v in rng.integers(1, 32, size=g.out_features)), int(info.min), int(info.max))
    enc = list(cs.encode_sparse_sliced(w)) + [cs.sliced_wsum(w)]
    want = getattr(kc, f"dense_sparse_{sfx}")(g, rq, x, *enc, b)
    out = np.full(want.shape, 77, dtype=dt)
    int_lib.run(f"dense_sparse_{sfx}", int_lib.s(g), int_lib.s(rq), int_lib.p(x), *[int_lib.p(a) for a in enc],
                int_lib.p(b), int_lib.p(out))
    np.testing.assert_array_equal(out, want, err_msg=f"C dense_sparse_{sfx} vs twin {g}")
    out_d = np.full(want.shape, 77, dtype=dt)
    int_lib.run(f"dense_{sfx}", int_lib.s(g), int_lib.s(rq), int_lib.p(x), int_lib.p(w), int_lib.p(b),
                int_lib.p(out_d))
    np.testing.assert_array_equal(out, out_d, err_msg=f"C dense_sparse_{sfx} vs C dense_{sfx} {g}")


# ---------------------------------------------------------------- models: lowering, accounting

def _fc_model(path, w, bias):
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    n_out, k = w.shape
    graph = helper.make_graph(
        [helper.make_node("Gemm", ["x", "w", "b"], ["y"], name="fc", transB=1)], "fc",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, k])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, n_out])],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(bias, "b")])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)


@pytest.mark.parametrize("k, split", [(300, 0), (520, 520)])
def test_float_sparse_model_equals_dense_build(tmp_path, k, split):
    """A 90 %-pruned float fully connected layer: on the generic target the lowering takes dense_sparse_sl_f32 with
    the dense kernel's order (K <= 384: dense_pk_f32's, split 0; else dense_f32's), the C output equals the dense
    build's bit for bit, and report.json counts the stored layout; Cortex-M takes the class-delta layout (in
    dense_f32's order: its project built on the host equals the dense one's)."""
    import json
    import re

    import nncodegen
    from nncodegen.passes.compress_weights import compress_weights
    rng = np.random.default_rng(k)
    w = rng.standard_normal((37, k)).astype(np.float32)
    w[rng.random(w.shape) < 0.9] = 0
    _fc_model(tmp_path / "fc.onnx", w, rng.standard_normal(37).astype(np.float32))
    g = nncodegen.load(tmp_path / "fc.onnx")
    x = rng.standard_normal((5, k)).astype(np.float32)
    outs = {}
    for mode in ("none", "sparse"):
        d = nncodegen.generate(compress_weights(g, mode), tmp_path / mode, name="fc")
        src = (d / "fc.c").read_text()
        assert ("dense_sparse_sl_f32(" in src) == (mode == "sparse")
        outs[mode] = nncodegen.build(d).run(x)
        if mode == "sparse":
            assert "_wsum" not in src and (f", {split}, " in src)
            assert re.search(r"static const float \w+_values\[\d+\] NNC_ALIGN64 = ", src)   # one 64-byte load a step
            c = json.loads((d / "report.json").read_text())["layers"][0]["compression"]
            assert c["storage"] == "sparse"
            assert c["stored_bytes"] == sf.stored_bytes(w, split)
        else:
            assert ("dense_pk_f32(" in src) == (split == 0)
    same_bits(outs["sparse"], outs["none"], f"sparse vs dense build, K = {k}")
    d = nncodegen.generate(compress_weights(g, "sparse"), tmp_path / "m4", name="fc", target="cortex-m4")
    assert f", {k - k % 8}, " in (d / "fc.c").read_text() and "dense_sparse_cd_f32(" in (d / "fc.c").read_text()
    c = json.loads((d / "report.json").read_text())["layers"][0]["compression"]
    assert c["stored_bytes"] == scd.stored_bytes(w, k - k % 8)
    dd = nncodegen.generate(compress_weights(g, "none"), tmp_path / "m4d", name="fc", target="cortex-m4")
    assert "dense_f32(" in (dd / "fc.c").read_text()
    same_bits(nncodegen.build(d).run(x), nncodegen.build(dd).run(x), f"cortex-m4 sparse vs dense (host builds), K = {k}")
