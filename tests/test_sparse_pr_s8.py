"""The pair-run sparse layout of int8 fully connected layers on the ARM DSP targets (compress/sparse_pr_s8.py,
dense_sparse_pr_s8): encode / decode exact, the twin equals dense_s8, the stored bytes as counted, malformed encodings
refused, and the lowering's choice by target (the kernel's DSP and portable paths against the twin under qemu:
test_kernels_arm.py, pr_s8_cases)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nncodegen.compress import sparse_pr_s8 as spr
from nncodegen.compress.storage import sliced_wsum
from nncodegen.lower.params import DenseGeom, RequantS8
from nncodegen.ref import affine as af
from nncodegen.ref import kernels_compress as kc
from nncodegen.ref import kernels_s8 as ks


def _weights(rng, m, k, dens):
    w = rng.integers(-128, 128, size=(m, k)).astype(np.int8)
    w[rng.random((m, k)) >= dens] = 0
    return w


@settings(max_examples=80, deadline=None, database=None)
@given(seed=st.integers(0, 2 ** 32 - 1), m=st.integers(1, 20), k=st.integers(1, 700),
       dens=st.sampled_from([1.0, 0.7, 0.5, 0.25, 0.1, 0.02, 0.0]))
def test_encode_decode_and_twin(seed, m, k, dens):
    rng = np.random.default_rng(seed)
    w = _weights(rng, m, k, dens)
    count, index, values = spr.encode(w)
    assert np.array_equal(spr.decode(count, index, values, m, k), w)
    assert spr.stored_bytes(w) == count.nbytes + index.nbytes + values.nbytes + 4 * m
    # every nonzero of a run of L adjacent ones: L // 2 pairs, the rest singles
    cnt = count.reshape(m, -1, 2).astype(np.int64)
    nz = int(np.count_nonzero(w))
    assert 4 * cnt[..., 0].sum() + 4 * cnt[..., 1].sum() >= nz
    x = rng.integers(-128, 128, size=(2, k)).astype(np.int8)
    zp = int(rng.integers(-128, 128))
    ms = [af.quantize_multiplier(float(2.0 ** rng.uniform(-14, -6)), af.ROUND_DOUBLE) for _ in range(m)]
    rq = RequantS8(tuple(a for a, _ in ms), tuple(s for _, s in ms), -zp, int(rng.integers(-128, 128)), -128, 127,
                   af.ROUND_DOUBLE)
    b = rng.integers(-(1 << 16), 1 << 16, size=m).astype(np.int32)
    g = DenseGeom(2, k, m)
    want = ks.dense_s8(g, rq, x, w, b)
    assert np.array_equal(kc.dense_sparse_pr_s8(g, rq, x, count, index, values, sliced_wsum(w), b), want)


def test_pairs_and_singles():
    """Runs of adjacent nonzeros: pairs from the left, an odd run's last one a single; the values of a pair step in
    the order SXTB16 reads them (bytes 0, 2: pair a; 1, 3: pair b)."""
    assert spr.split_block(np.array([0, 1, 2, 5, 7, 8, 9, 10])) == ([0, 7, 9], [2, 5])
    w = np.zeros((1, 300), np.int8)
    w[0, [10, 11, 20, 21, 40, 255, 256, 257]] = [1, 2, 3, 4, 5, 6, 7, 8]
    count, index, values = spr.encode(w)
    assert count.tolist() == [1, 1, 1, 0]                   # block 0: 2 pairs, 2 singles (255 ends the block)
    assert index.tolist() == [10, 20, 40, 255, 0, 0, 0, 0]  # block 1: the pair 0, 1 and a padding pair
    assert values.tolist() == [1, 3, 2, 4, 5, 6, 0, 0, 7, 0, 8, 0]


@pytest.mark.parametrize("bad", ["pair_at_255", "past_k", "twice", "wsum"])
def test_malformed_encodings_are_refused(bad):
    w = np.zeros((2, 260), np.int8)
    w[0, [3, 4, 100]] = [5, -6, 7]
    w[1, [256, 257]] = [1, 1]
    count, index, values = (a.copy() for a in spr.encode(w))
    wsum = sliced_wsum(w)
    if bad == "pair_at_255":
        index[0] = 255
    elif bad == "past_k":
        index[-1] = 4                                       # block 1's pair at 4, 5: columns 260, 261
    elif bad == "twice":
        index[2] = 3                                        # the single at 100 moved onto the pair's column 3
    else:
        wsum = wsum + 1
    rq = RequantS8((1 << 30, 1 << 30), (-8, -8), 0, 0, -128, 127, af.ROUND_DOUBLE)
    with pytest.raises(ValueError):
        kc.dense_sparse_pr_s8(DenseGeom(1, 260, 2), rq, np.zeros((1, 260), np.int8), count, index, values, wsum, None)


def test_lowering_takes_the_layout_on_the_dsp_targets(tmp_path):
    """A sparse int8 fully connected layer: dense_sparse_pr_s8 (with its scratch table) on Cortex-M4 / M7, the
    sliced dense_sparse_s8 on the generic, x86 and NEON targets; the report counts the layout the C stores."""
    import json

    import nncodegen
    from nncodegen.ir.graph import Graph  # noqa: F401 -- the API builds it
    from nncodegen.passes.compress_weights import compress_weights
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.default_rng(0)
    w = rng.uniform(-1, 1, (40, 300)).astype(np.float32)
    w[rng.random(w.shape) >= 0.4] = 0
    graph = helper.make_graph([helper.make_node("Gemm", ["x", "w"], ["y"], name="fc", transB=1)], "fc",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 300])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 40])],
                              [numpy_helper.from_array(w, "w")])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), tmp_path / "fc.onnx")
    gq = nncodegen.quantize(nncodegen.load(tmp_path / "fc.onnx"), rng.uniform(-1, 1, (8, 300)).astype(np.float32),
                            "int8")
    gs = compress_weights(gq, "sparse")
    wq = next(t for t in gs.tensors.values() if t.qdata is not None and t.qdata.ndim == 2).qdata
    for target, kernel in (("cortex-m4", "dense_sparse_pr_s8"), ("cortex-m7", "dense_sparse_pr_s8"),
                           ("generic", "dense_sparse_s8("), ("x86-64", "dense_sparse_s8("),
                           ("cortex-a53", "dense_sparse_s8(")):
        d = nncodegen.generate(gs, tmp_path / target, name="m", target=target)
        c = (d / "m.c").read_text()
        assert kernel in c, target
        rep = json.loads((d / "report.json").read_text())
        comp = next(l["compression"] for l in rep["layers"] if l.get("compression"))
        if kernel == "dense_sparse_pr_s8":
            assert comp["stored_bytes"] == spr.stored_bytes(wq)


@pytest.fixture(scope="module")
def host_lib():
    """dense_sparse_pr_s8 and dense_s8 built for the host (the portable loop of the pair-run kernel)."""
    from nncodegen.harness.cbuild import build_cffi
    from nncodegen.harness.cdefs import cdef_from_headers
    from nncodegen.paths import include_dir, kernels_dir
    kd = kernels_dir()
    sources = [kd / "dense_sparse_pr_s8.c", kd / "dense_s8.c"]
    headers = [s.with_suffix(".h") for s in sources]
    incs = [include_dir(), kd]
    return build_cffi("sparse_pr_s8_host", sources, cdef_from_headers(headers, incs), include_dirs=incs,
                      header="".join(f'#include "{h.name}"\n' for h in headers), opt="-O2")


@settings(max_examples=60, deadline=None, database=None)
@given(seed=st.integers(0, 2 ** 32 - 1), batch=st.integers(1, 2), m=st.integers(1, 20), k=st.integers(1, 600),
       dens=st.sampled_from([1.0, 0.5, 0.25, 0.05]), zp=st.integers(-128, 127), with_bias=st.booleans())
def test_host_kernel_equals_twin_and_dense(host_lib, seed, batch, m, k, dens, zp, with_bias):
    from nncodegen.lower.params import to_cffi
    ffi, lib = host_lib
    rng = np.random.default_rng(seed)
    w = _weights(rng, m, k, dens)
    x = rng.integers(-128, 128, size=(batch, k)).astype(np.int8)
    ms = [af.quantize_multiplier(float(2.0 ** rng.uniform(-14, -6)), af.ROUND_DOUBLE) for _ in range(m)]
    rq = RequantS8(tuple(a for a, _ in ms), tuple(s for _, s in ms), -zp, int(rng.integers(-128, 128)), -128, 127,
                   af.ROUND_DOUBLE)
    b = rng.integers(-(1 << 16), 1 << 16, size=m).astype(np.int32) if with_bias else None
    g = DenseGeom(batch, k, m)
    count, index, values = spr.encode(w)
    wsum = sliced_wsum(w)
    keep = []

    def p(a, ct):
        if a is None:
            return ffi.NULL
        a = np.ascontiguousarray(a)
        keep.append(a)
        return ffi.from_buffer(ct + "[]", a)

    scratch = np.zeros(max(1, lib.dense_sparse_pr_scratch_size_s8(to_cffi(ffi, g, keep)) // 4), np.int32)
    out = np.full((batch, m), 77, np.int8)
    lib.dense_sparse_pr_s8(to_cffi(ffi, g, keep), to_cffi(ffi, rq, keep), p(x, "int8_t"), p(count, "uint8_t"),
                           p(index, "uint8_t"), p(values, "int8_t"), p(wsum, "int32_t"), p(b, "int32_t"),
                           p(scratch, "int32_t"), p(out, "int8_t"))
    out_d = np.full((batch, m), 77, np.int8)
    lib.dense_s8(to_cffi(ffi, g, keep), to_cffi(ffi, rq, keep), p(x, "int8_t"), p(w, "int8_t"), p(b, "int32_t"),
                 p(out_d, "int8_t"))
    want = kc.dense_sparse_pr_s8(g, rq, x, count, index, values, wsum, b)
    np.testing.assert_array_equal(out, want, err_msg=f"C dense_sparse_pr_s8 vs twin {g}")
    np.testing.assert_array_equal(out, out_d, err_msg=f"C dense_sparse_pr_s8 vs C dense_s8 {g}")
