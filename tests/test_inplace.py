"""In-place layers (templates_c/kernels/inplace_rows.inc, pad_inplace.c, nncodegen/lower/inplace.py) and
the memory planner's use of them.

Kernel level: the C kernels writing over their own input (conv2d, max pool, constant pad) equal the
out-of-place C kernels and the numpy twins bit for bit (floats too: C in place == C out of place), over
random shapes, strides, paddings, dilations, groups, both row orders and every number format, with
guard zones around the buffer and the scratch.
Model level: the generated C runs layers in place and stays bit-exact with the simulator; the
arena goes below the out-of-place lower bound; the scratch blocks never overlap a live tensor.
"""
from __future__ import annotations

import dataclasses
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import nncodegen
from nncodegen.harness.cbuild import build_cffi
from nncodegen.harness.cdefs import cdef_from_headers
from nncodegen.ir.ops import conv_out_size
from nncodegen.lower import inplace
from nncodegen.lower.params import ActF32, ConvGeom, Pad, Requant, RequantS8, to_cffi
from nncodegen.lower.program import Buf, Scratch
from nncodegen.paths import include_dir, kernels_dir
from nncodegen.ref import affine as af
from nncodegen.ref import kernels_inplace as kip
from nncodegen.ref import kernels_pk_f32 as kpkf
from nncodegen.ref import kernels_pk_q as kpq
from nncodegen.ref import kernels_pk_s8 as kpk
from nncodegen.ref import kernels_s8 as ks8

CFG = dict(deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
KERNELS = sorted(k for k in inplace.INPLACE_OF if k.startswith("conv2d_"))  # the out-of-place kernels
DTYPE = {"q7": np.int8, "q15": np.int16, "s8": np.int8, "f32": np.float32}
CT = {np.dtype(np.int8): "int8_t", np.dtype(np.uint8): "uint8_t", np.dtype(np.int16): "int16_t",
      np.dtype(np.int32): "int32_t", np.dtype(np.float32): "float"}
GUARD = 16


def fmt_of(kernel):
    return next(f for f in ("q15", "q7", "s8", "f32") if f"_{f}" in kernel)


@pytest.fixture(scope="module")
def clib():
    kd = kernels_dir()
    sources = [kd / f"{fam}_{f}.c" for fam in ("conv2d", "pool", "pad") for f in ("q7", "q15", "s8", "f32")]
    sources += [kd / "pad_inplace.c", kd / "conv2d_pw_s8.c", kd / "conv2d_pk_s8.c", kd / "conv2d_pk_f32.c",
                kd / "conv2d_pk_q7.c", kd / "conv2d_dw_q7.c"]
    headers = [s.with_suffix(".h") for s in sources]
    incs = [include_dir(), kd]
    cdef = cdef_from_headers(headers, incs)
    header = "".join(f'#include "{h.name}"\n' for h in headers)
    return build_cffi("kernels_inplace_test", sources, cdef, include_dirs=incs, header=header, libraries=["m"])


def ptr(ffi, arr):
    if arr is None:
        return ffi.NULL
    assert arr.flags.c_contiguous
    return ffi.from_buffer(CT[arr.dtype] + "[]", arr)


def draw_geom(data) -> ConvGeom:
    ints = lambda lo, hi, label: data.draw(st.integers(lo, hi), label=label)  # noqa: E731
    kind = data.draw(st.sampled_from(["depthwise", "depthwise", "depthwise_mult", "pointwise", "generic",
                                      "grouped"]), label="kind")
    batch = ints(1, 2, "batch")
    if kind == "depthwise":
        cin = cout = groups = ints(1, 20, "channels")  # >= 16 reaches the blocked SIMD path
    elif kind == "depthwise_mult":
        cin = groups = ints(1, 5, "channels")
        cout = cin * ints(2, 3, "multiplier")
    elif kind == "grouped":
        groups = ints(2, 3, "groups")
        cin, cout = groups * ints(1, 3, "cin_g"), groups * ints(1, 3, "cout_g")
    else:
        cin, cout, groups = ints(1, 12, "in_c"), ints(1, 12, "out_c"), 1
    if kind == "pointwise":
        kh = kw = dh = dw = 1
        sh = sw = ints(1, 2, "stride")
    else:
        kh, kw = ints(1, 5, "k_h"), ints(1, 5, "k_w")
        sh, sw = ints(1, 3, "stride_h"), ints(1, 3, "stride_w")
        dh, dw = ints(1, 2, "dil_h"), ints(1, 2, "dil_w")
    # paddings up to the kernel's extent: every output row then reads at least one input row
    pt, pb = ints(0, dh * (kh - 1), "pad_top"), ints(0, dh * (kh - 1), "pad_bottom")
    pl, pr = ints(0, dw * (kw - 1), "pad_left"), ints(0, dw * (kw - 1), "pad_right")
    h = max(1, dh * (kh - 1) + 1 - pt - pb) + ints(0, 7, "extra_h")
    w = max(1, dw * (kw - 1) + 1 - pl - pr) + ints(0, 5, "extra_w")
    oh, ow = conv_out_size(h, kh, sh, pt, pb, dh), conv_out_size(w, kw, sw, pl, pr, dw)
    return ConvGeom(batch, h, w, cin, oh, ow, cout, kh, kw, sh, sw, pt, pl, dh, dw, groups)


def draw_case(data, kernel, g):
    """(epilogue params, x, w, b) for kernel on g, inside the kernel's legal range."""
    fmt = fmt_of(kernel)
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    xs, ws = (g.batch, g.in_h, g.in_w, g.in_c), (g.out_c, g.k_h, g.k_w, g.in_c // g.groups)
    with_bias = data.draw(st.booleans(), label="bias")
    if fmt == "f32":
        x = rng.normal(size=xs).astype(np.float32)
        w = rng.normal(size=ws).astype(np.float32)
        b = rng.normal(size=g.out_c).astype(np.float32) if with_bias else None
        lo = data.draw(st.sampled_from([-3.4028234663852886e38, 0.0, -1.0]), label="act min")
        epi = ActF32(lo, data.draw(st.sampled_from([3.4028234663852886e38, 6.0]), label="act max"),
                     data.draw(st.sampled_from([1.0, 0.1]), label="leaky"))
        return epi, x, w, b
    dt = DTYPE[fmt]
    info = np.iinfo(dt)
    x = rng.integers(info.min, info.max + 1, size=xs).astype(dt)
    wmax = 200 if kernel == "conv2d_q15_acc32" else int(info.max)  # the int32 accumulator's bound
    w = rng.integers(-wmax, wmax + 1, size=ws).astype(dt)
    b = rng.integers(-(1 << 20), 1 << 20, size=g.out_c).astype(np.int32) if with_bias else None
    if fmt == "s8":
        zp = int(rng.integers(-128, 128))
        ms = [af.quantize_multiplier(float(2.0 ** rng.uniform(-14, -1))) for _ in range(g.out_c)]
        rounding = data.draw(st.sampled_from([af.ROUND_DOUBLE, af.ROUND_SINGLE]), label="rounding")
        epi = RequantS8(tuple(m for m, _ in ms), tuple(s for _, s in ms), -zp, int(rng.integers(-128, 128)),
                        -128, 127, rounding)
    else:
        top = 14 if fmt == "q7" else 24
        epi = Requant(tuple(int(v) for v in rng.integers(0, top, size=g.out_c)), int(info.min), int(info.max))
    return epi, x, w, b


@settings(max_examples=300, **CFG)
@given(data=st.data())
def test_conv2d_inplace_equals_out_of_place(clib, data):
    ffi, lib = clib
    kernel = data.draw(st.sampled_from(KERNELS), label="kernel")
    g = draw_geom(data)
    if kernel in ("conv2d_pw_s8", "conv2d_pwp_s8"):  # 1x1, stride 1, no padding, one group only
        g = ConvGeom(g.batch, g.in_h, g.in_w, g.in_c, g.in_h, g.in_w, g.out_c, 1, 1, 1, 1, 0, 0, 1, 1, 1)
    epi, x, w, b = draw_case(data, kernel, g)
    if kernel in ("conv2d_pw_s8", "conv2d_pwp_s8"):  # the input offset folded into the bias
        b = ks8.pw_bias_s8(w, b, epi.input_offset)
    if kernel == "conv2d_pwp_s8":  # weights packed as int16 pairs (the ARMv7E-M layout)
        w = ks8.pack_pwp_s8(w)
    if kernel == "conv2d_pk_s8":  # one group; weights packed, offsets folded into the bias
        if g.groups != 1:
            g = dataclasses.replace(g, groups=1)
            epi, x, w, b = draw_case(data, kernel, g)
        w, b = kpk.pack_pk_s8(w), kpk.pk_bias_s8(w, b, epi.input_offset)
    if kernel == "conv2d_pk_q7":  # one group; weights row-padded and packed, the uint8 offset in the bias
        if g.groups != 1:
            g = dataclasses.replace(g, groups=1)
            epi, x, w, b = draw_case(data, kernel, g)
        w, b = kpq.pack_pk_q7(w), kpq.pk_bias_q7(w, b)
    if kernel == "conv2d_dw_q7":  # depthwise with multiplier 1; weights in blocks of 16 channels
        if not g.groups == g.in_c == g.out_c:
            g = dataclasses.replace(g, in_c=g.in_c, out_c=g.in_c, groups=g.in_c)
            epi, x, w, b = draw_case(data, kernel, g)
        w = kpq.pack_dw_q7(w)
    if kernel == "conv2d_pk_f32":  # weights packed per group in blocks of 16 channels
        w = kpkf.pack_pk_f32_groups(w, g.groups)
    pre = ()  # arguments before the weights (conv2d_pw4_q7: steps; its weights are two arrays, idx and w4)
    if kernel == "conv2d_pw4_q7":  # 1x1, stride 1, no padding, one group, in_c % 4 == 0, at most 4 groups a channel
        cin = 4 * data.draw(st.integers(1, kpq.PW4_STEPS), label="in_c / 4")
        cout = data.draw(st.sampled_from([4, 8, 16, 3]), label="pw4 out_c")
        g = ConvGeom(g.batch, g.in_h, g.in_w, cin, g.in_h, g.in_w, cout, 1, 1, 1, 1, 0, 0, 1, 1, 1)
        epi, x, w, b = draw_case(data, kernel, g)
        steps, idx, w4 = kpq.pack_pw4_q7(w)
        pre, w, b = (int(steps), ), (idx, w4), kpq.pk_bias_q7(w, b)[:cout]
    backward = data.draw(st.booleans(), label="backward")
    rows = inplace.ring_rows(g, backward)
    assert rows is not None
    event(f"{'backward' if backward else 'forward'} ring rows {min(rows, 3)}{'+' if rows >= 3 else ''}")
    dt = x.dtype
    n_in, n_out = x.size, g.batch * g.out_h * g.out_w * g.out_c
    keep = []
    # out of place
    want_c = np.zeros(n_out, dtype=dt)
    wargs = [ptr(ffi, a) for a in w] if isinstance(w, tuple) else [ptr(ffi, w)]
    getattr(lib, kernel)(to_cffi(ffi, g, keep), to_cffi(ffi, epi, keep), ptr(ffi, x), *pre, *wargs, ptr(ffi, b),
                         ptr(ffi, want_c))
    # in place: one buffer holding the input, the output written over it; guard zones after the buffer
    # and around the scratch
    buf = np.full(max(n_in, n_out) + GUARD, 77, dtype=dt)
    buf[:n_in] = x.ravel()
    row_out = g.out_w * g.out_c
    scratch = np.full(rows * row_out + 2 * GUARD, 55, dtype=dt)
    sp = ffi.from_buffer(CT[dt] + "[]", scratch)
    getattr(lib, inplace.INPLACE_OF[kernel])(to_cffi(ffi, g, keep), to_cffi(ffi, epi, keep), ptr(ffi, buf), *pre,
                                               *wargs, ptr(ffi, b), sp + GUARD if rows else ffi.NULL, rows,
                                               int(backward), ptr(ffi, buf))
    got = buf[:n_out]
    assert np.all(buf[max(n_in, n_out):] == 77), "wrote past the buffer"
    assert np.all(scratch[:GUARD] == 55) and np.all(scratch[GUARD + rows * row_out:] == 55), "scratch overflow"
    assert got.tobytes() == want_c.tobytes(), \
        f"{inplace.INPLACE_OF[kernel]} {g} backward={backward}: in place != out of place"
    twin = getattr(kip, inplace.INPLACE_OF[kernel])(g, epi, x, *pre, *(w if isinstance(w, tuple) else (w, )), b,
                                                    None, rows, int(backward))
    if dt == np.float32:  # the float twin sums in float64: close, not bit-exact (tests/test_kernels_f32.py)
        np.testing.assert_allclose(got.reshape(twin.shape), twin, rtol=1e-4, atol=1e-4)
    else:
        assert np.array_equal(got.reshape(twin.shape), twin), f"{g}: C in place != twin"


@pytest.mark.parametrize("batch,h,w,cin,cout", [(1, 9, 3, 8, 16), (2, 7, 2, 3, 7), (1, 1, 5, 4, 9), (2, 2, 1, 1, 3),
                                                 (1, 12, 4, 8, 8), (1, 8, 3, 6, 24), (2, 5, 5, 5, 11)])
def test_inplace_pwp_row_blocks(clib, batch, h, w, cin, cout):
    """conv2d_inplace_pwp_s8 backward on layers that widen the rows (NNC_IP_ROW_BLOCKS: the last rows in blocks,
    the first ones through the ring) and on one that does not, batch 1 and 2 (blocks across images): equal to
    conv2d_pwp_s8 out of place, nothing written past the buffer or the scratch."""
    ffi, lib = clib
    rng = np.random.default_rng(h * 100 + cout)
    g = ConvGeom(batch, h, w, cin, h, w, cout, 1, 1, 1, 1, 0, 0, 1, 1, 1)
    x = rng.integers(-128, 128, size=(batch, h, w, cin)).astype(np.int8)
    wt = rng.integers(-127, 128, size=(cout, 1, 1, cin)).astype(np.int8)
    zp = int(rng.integers(-128, 128))
    ms = [af.quantize_multiplier(float(2.0 ** rng.uniform(-12, -4))) for _ in range(cout)]
    epi = RequantS8(tuple(m for m, _ in ms), tuple(s for _, s in ms), -zp, 3, -128, 127, af.ROUND_DOUBLE)
    b = ks8.pw_bias_s8(wt, rng.integers(-999, 1000, size=cout).astype(np.int32), epi.input_offset)
    wp, keep = ks8.pack_pwp_s8(wt), []
    n_in, n_out, row_out = x.size, batch * h * w * cout, w * cout
    want = np.zeros(n_out, np.int8)
    lib.conv2d_pwp_s8(to_cffi(ffi, g, keep), to_cffi(ffi, epi, keep), ptr(ffi, x), ptr(ffi, wp), ptr(ffi, b),
                      ptr(ffi, want))
    rows = inplace.ring_rows(g, True)
    buf = np.full(max(n_in, n_out) + GUARD, 77, np.int8)
    buf[:n_in] = x.ravel()
    scratch = np.full(rows * row_out + 2 * GUARD, 55, np.int8)
    sp = ffi.from_buffer("int8_t[]", scratch)
    lib.conv2d_inplace_pwp_s8(to_cffi(ffi, g, keep), to_cffi(ffi, epi, keep), ptr(ffi, buf), ptr(ffi, wp),
                              ptr(ffi, b), sp + GUARD if rows else ffi.NULL, rows, 1, ptr(ffi, buf))
    assert np.all(buf[max(n_in, n_out):] == 77), "wrote past the buffer"
    assert np.all(scratch[:GUARD] == 55) and np.all(scratch[GUARD + rows * row_out:] == 55), "scratch overflow"
    assert buf[:n_out].tobytes() == want.tobytes()


@settings(max_examples=100, **CFG)
@given(data=st.data())
def test_conv2d_inplace_separate_output(clib, data):
    """output may also be a buffer apart from the input (the schedule then only reorders writes)."""
    ffi, lib = clib
    kernel = data.draw(st.sampled_from(["conv2d_s8", "conv2d_q7", "conv2d_f32"]), label="kernel")
    g = draw_geom(data)
    epi, x, w, b = draw_case(data, kernel, g)
    backward = data.draw(st.booleans(), label="backward")
    rows = inplace.ring_rows(g, backward)
    keep = []
    want = np.zeros(g.batch * g.out_h * g.out_w * g.out_c, dtype=x.dtype)
    got = np.full(want.shape, 9, dtype=x.dtype)
    scratch = np.zeros(max(1, rows * g.out_w * g.out_c), dtype=x.dtype)
    getattr(lib, kernel)(to_cffi(ffi, g, keep), to_cffi(ffi, epi, keep), ptr(ffi, x), ptr(ffi, w), ptr(ffi, b),
                         ptr(ffi, want))
    getattr(lib, inplace.INPLACE_OF[kernel])(to_cffi(ffi, g, keep), to_cffi(ffi, epi, keep), ptr(ffi, x),
                                               ptr(ffi, w), ptr(ffi, b), ptr(ffi, scratch), rows, int(backward),
                                               ptr(ffi, got))
    assert got.tobytes() == want.tobytes()


@settings(max_examples=150, **CFG)
@given(data=st.data())
def test_maxpool_inplace_equals_out_of_place(clib, data):
    ffi, lib = clib
    fmt = data.draw(st.sampled_from(["q7", "q15", "s8", "f32"]), label="format")
    ints = lambda lo, hi, label: data.draw(st.integers(lo, hi), label=label)  # noqa: E731
    kh, kw, sh, sw = ints(1, 4, "k_h"), ints(1, 4, "k_w"), ints(1, 3, "stride_h"), ints(1, 3, "stride_w")
    pt, pb, pl, pr = ints(0, kh - 1, "pt"), ints(0, kh - 1, "pb"), ints(0, kw - 1, "pl"), ints(0, kw - 1, "pr")
    c, batch = ints(1, 9, "channels"), ints(1, 2, "batch")
    h, w = max(1, kh - pt - pb) + ints(0, 7, "extra_h"), max(1, kw - pl - pr) + ints(0, 5, "extra_w")
    g = ConvGeom(batch, h, w, c, conv_out_size(h, kh, sh, pt, pb, 1), conv_out_size(w, kw, sw, pl, pr, 1), c,
                 kh, kw, sh, sw, pt, pl)
    rng = np.random.default_rng(ints(0, 2 ** 32 - 1, "seed"))
    dt = DTYPE[fmt]
    x = rng.normal(size=(batch, h, w, c)).astype(dt) if fmt == "f32" else \
        rng.integers(np.iinfo(dt).min, np.iinfo(dt).max + 1, size=(batch, h, w, c)).astype(dt)
    backward = data.draw(st.booleans(), label="backward")
    rows = inplace.ring_rows(g, backward)
    n_in, n_out = x.size, g.batch * g.out_h * g.out_w * c
    keep = []
    want = np.zeros(n_out, dtype=dt)
    getattr(lib, f"maxpool_{fmt}")(to_cffi(ffi, g, keep), ptr(ffi, x), ptr(ffi, want))
    buf = np.full(max(n_in, n_out) + GUARD, 77, dtype=dt)
    buf[:n_in] = x.ravel()
    scratch = np.full(rows * g.out_w * c + GUARD, 55, dtype=dt)
    getattr(lib, f"maxpool_inplace_{fmt}")(to_cffi(ffi, g, keep), ptr(ffi, buf), ptr(ffi, scratch), rows,
                                           int(backward), ptr(ffi, buf))
    assert np.all(buf[max(n_in, n_out):] == 77) and np.all(scratch[rows * g.out_w * c:] == 55)
    assert buf[:n_out].tobytes() == want.tobytes(), f"maxpool_inplace_{fmt} {g} backward={backward}"
    twin = getattr(kip, f"maxpool_inplace_{fmt}")(g, x, None, rows, int(backward))
    assert buf[:n_out].reshape(twin.shape).tobytes() == np.asarray(twin, dtype=dt).tobytes()


@settings(max_examples=150, **CFG)
@given(data=st.data())
def test_pad_inplace_equals_out_of_place(clib, data):
    ffi, lib = clib
    fmt = data.draw(st.sampled_from(["q7", "q15", "s8", "f32"]), label="format")
    ins = tuple(data.draw(st.integers(1, 5), label=f"in{k}") for k in range(4))
    before = tuple(data.draw(st.integers(0, 3), label=f"before{k}") for k in range(4))
    outs = tuple(i + b + data.draw(st.integers(0, 3), label=f"after{k}") for k, (i, b) in enumerate(zip(ins, before)))
    if data.draw(st.booleans(), label="last axis unpadded"):  # NHWC spatial padding: whole rows moved
        before, outs = before[:3] + (0,), outs[:3] + (ins[3],)
    dt = DTYPE[fmt]
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    if fmt == "f32":
        x, value = rng.normal(size=ins).astype(dt), float(np.float32(rng.normal()))
    else:
        x = rng.integers(np.iinfo(dt).min, np.iinfo(dt).max + 1, size=ins).astype(dt)
        value = int(rng.integers(np.iinfo(dt).min, np.iinfo(dt).max + 1))
    p = Pad(ins, outs, before, 0, 0 if fmt == "f32" else value, value if fmt == "f32" else 0.0)
    keep = []
    want = np.zeros(int(np.prod(outs)), dtype=dt)
    getattr(lib, f"pad_{fmt}")(to_cffi(ffi, p, keep), ptr(ffi, x), ptr(ffi, want))
    buf = np.full(want.size + GUARD, 77, dtype=dt)
    buf[:x.size] = x.ravel()
    getattr(lib, f"pad_inplace_{fmt}")(to_cffi(ffi, p, keep), ptr(ffi, buf), ptr(ffi, buf))
    assert np.all(buf[want.size:] == 77)
    assert buf[:want.size].tobytes() == want.tobytes(), f"pad_inplace_{fmt} {p}"
    twin = getattr(kip, f"pad_inplace_{fmt}")(p, x)
    assert buf[:want.size].tobytes() == np.asarray(twin, dtype=dt).tobytes()


def test_ring_rows():
    dw3 = ConvGeom(1, 10, 10, 8, 10, 10, 8, 3, 3, 1, 1, 1, 1, 1, 1, 8)     # stride 1, same
    dw3s2 = ConvGeom(1, 10, 10, 8, 5, 5, 8, 3, 3, 2, 2, 0, 0, 1, 1, 8)     # stride 2
    narrow = ConvGeom(1, 6, 6, 16, 6, 6, 4, 1, 1, 1, 1, 0, 0, 1, 1, 1)     # 1x1, 16 -> 4 channels
    widen = ConvGeom(1, 6, 6, 4, 6, 6, 16, 1, 1, 1, 1, 0, 0, 1, 1, 1)      # 1x1, 4 -> 16 channels
    assert inplace.ring_rows(dw3) == 2           # output row r waits until row r + 1 has read input row r
    assert inplace.ring_rows(dw3s2) == 1         # only the first row covers input it reads
    assert inplace.schedule(narrow) == (1, False)
    assert inplace.ring_rows(widen) == 5         # forward, a widening layer's rows overtake its input...
    assert inplace.schedule(widen) == (1, True)  # ...backward they do not
    # an output row that reads only padding: not for this kernel
    assert inplace.ring_rows(ConvGeom(1, 2, 4, 1, 5, 4, 1, 1, 1, 1, 1, 2, 0, 1, 1, 1)) is None


def test_in_place_form():
    """Which calls have an in-place form: constant pads that do not crop; convolutions and max pools
    whose every output row reads input."""
    from nncodegen.lower.program import Call, Param
    pad = lambda p: Call("l", "pad", "pad_s8", [Param(p), Buf("x"), Buf("y")], "y")  # noqa: E731
    ok = Pad((1, 4, 4, 2), (1, 6, 6, 2), (0, 1, 1, 0), 0, -3, 0.0)
    assert inplace.in_place_form(pad(ok)) == inplace.InPlace("x", 0, ())
    assert inplace.in_place_form(pad(Pad((1, 4, 4, 2), (1, 6, 6, 2), (0, 1, 1, 0), 1, 0, 0.0))) is None  # reflect
    assert inplace.in_place_form(pad(Pad((1, 4, 4, 2), (1, 3, 6, 2), (0, 0, 1, 0), 0, 0, 0.0))) is None  # crop
    assert inplace.in_place_form(pad(Pad((1, 4, 4, 2), (1, 4, 6, 2), (0, -1, 1, 0), 0, 0, 0.0))) is None
    conv = ConvGeom(1, 10, 10, 8, 10, 10, 8, 3, 3, 1, 1, 1, 1, 1, 1, 8)
    c = Call("l", "conv2d", "conv2d_q7", [Param(conv), None, Buf("x"), None, None, Buf("y")], "y")
    assert inplace.in_place_form(c) == inplace.InPlace("x", 2 * 10 * 8, (2, 0))
    c.out_view = (1, 2, 3)  # a concat part writes a slice of its output
    assert inplace.in_place_form(c) is None
    pool = ConvGeom(1, 8, 8, 4, 4, 4, 4, 2, 2, 2, 2)
    mp = Call("l", "maxpool", "maxpool_f32", [Param(pool), Buf("x"), Buf("y")], "y")
    assert inplace.in_place_form(mp) == inplace.InPlace("x", 4 * 4, (1, 0))
    assert inplace.in_place_form(Call("l", "avgpool", "avgpool_f32", [Param(pool), Buf("x"), Buf("y")], "y")) is None


# ---------------------------------------------------------------- model level

def _zoo(name):
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
    import onnx_zoo
    from nncodegen.frontends.onnx_import import load_onnx
    return load_onnx(onnx_zoo.ALL[name]())


def _inputs(g, n, seed):
    return np.random.default_rng(seed).normal(size=(n,) + tuple(g.tensors[g.inputs[0]].shape[1:])).astype(np.float32)


def check_scratch(graph, prog):
    """Every scratch block lies in the arena, apart from every tensor live at its call."""
    step = {n.name: i for i, n in enumerate(graph.nodes)}
    first, last = {}, {}
    for i, n in enumerate(graph.nodes):
        for o in n.outputs:
            first[o] = i
        for x in n.inputs:
            last[x] = i
    for c in prog.calls:
        for a in c.args:
            if not isinstance(a, Scratch) or not a.nbytes:
                continue
            i = step[c.layer]
            assert 0 <= a.offset and a.offset + a.nbytes <= prog.arena_bytes
            for t, b in prog.buffers.items():
                if b.where != "arena" or not (first.get(t, -1) <= i <= last.get(t, first.get(t, -1))):
                    continue
                assert b.offset + b.nbytes <= a.offset or a.offset + a.nbytes <= b.offset, (c.layer, t)


def inverted_residual():
    """A small MobileNetV2-like graph: explicit pad before a stride-2 depthwise conv, a 1x1 conv that
    widens the channels and one that narrows them, a 'same' depthwise conv, a max pool, a residual add."""
    from nncodegen.ir.builder import GraphBuilder
    rng = np.random.default_rng(7)
    w = lambda *s: rng.normal(scale=0.4, size=s)  # noqa: E731
    b = GraphBuilder("inverted_residual")
    x = b.input((1, 16, 14, 3))
    y = b.conv2d(x, w(8, 3, 3, 3), w(8), pads=(1, 1, 1, 1), act="relu")
    y = b.maxpool(y, kernel=(2, 2), strides=(2, 2), pads=(0, 0, 0, 0))
    y = b.conv2d(y, w(24, 1, 1, 8), w(24), act="relu6")
    y = b.pad(y, pads=(0, 0, 1, 1, 1, 1, 0, 0))  # (before, after) per axis
    y = b.conv2d(y, w(24, 3, 3, 1), w(24), strides=(2, 2), groups=24, act="relu6")
    s = b.conv2d(y, w(8, 1, 1, 24), w(8))
    y = b.conv2d(s, w(8, 3, 3, 1), w(8), pads=(1, 1, 1, 1), groups=8, act="relu")
    y = b.add(y, s)
    y = b.global_avgpool(y)
    return b.finish(b.dense(b.reshape(y, shape=(1, 8)), w(10, 8), w(10)))


def mnist_graph():
    import onnx
    from nncodegen.frontends.onnx_import import load_onnx
    root = __import__("pathlib").Path(__file__).resolve().parents[1]
    return load_onnx(onnx.load(str(root / "examples" / "mnist_cnn" / "mnist_cnn.onnx")))


MODELS = {"depthwise_separable": lambda: _zoo("depthwise_separable"), "inverted_residual": inverted_residual,
          "mnist": mnist_graph}


@pytest.mark.parametrize("mode", ["auto", "all"])
@pytest.mark.parametrize("scheme", ["q7", "q15", "int8", "f32"])
@pytest.mark.parametrize("model", sorted(MODELS))
def test_models_in_place(tmp_path, model, scheme, mode, monkeypatch):
    """Generated C with layers in place: bit-exact with the simulator (integers) or with the same model
    compiled out of place (floats); the arena below the out-of-place lower bound."""
    from nncodegen.lower import planner
    from nncodegen.lower.lower import lower
    g = MODELS[model]()
    gq = g if scheme == "f32" else nncodegen.quantize(g, _inputs(g, 32, 1), scheme)
    monkeypatch.setattr(planner, "INPLACE_MODE", mode)
    prog = lower(gq)
    assert prog.inplace_layers, "no layer in place"
    assert prog.arena_bytes < prog.arena_lower_bound <= prog.arena_out_of_place
    assert prog.arena_plan_lower_bound <= prog.arena_bytes
    check_scratch(gq, prog)
    kinds = {c.kernel.split("_inplace_")[0] for c in prog.calls if "_inplace_" in c.kernel}
    if mode == "all":  # every kind of in-place kernel the model offers is exercised
        want = {"conv2d"} | ({"maxpool"} if model != "depthwise_separable" else set()) | \
            ({"pad"} if model == "inverted_residual" else set())
        assert kinds == want, kinds
    x = _inputs(g, 6, 2)
    cm = nncodegen.build(nncodegen.generate(gq, tmp_path / "ip", name="m"))
    src = (tmp_path / "ip" / "m.c").read_text()
    assert all(f"{k}_inplace_" in src for k in kinds)
    if scheme == "f32":
        # floats: the in-place program's output equals the out-of-place program's, bit for bit
        monkeypatch.setattr(planner, "INPLACE_MODE", "none")
        assert not lower(gq).inplace_layers
        cm0 = nncodegen.build(nncodegen.generate(gq, tmp_path / "oop", name="m"))
        assert "_inplace_" not in (tmp_path / "oop" / "m.c").read_text()
        assert cm.run(x).tobytes() == cm0.run(x).tobytes()
    else:
        raw_c = cm.run_raw(cm.quantize_input(x))
        raw_s = nncodegen.simulate(gq, x, raw=True).reshape(raw_c.shape)
        assert np.array_equal(raw_c, raw_s)
    rep = __import__("json").loads((tmp_path / "ip" / "report.json").read_text())
    assert rep["arena_bytes"] == prog.arena_bytes and rep["arena_lower_bound_bytes"] == prog.arena_lower_bound
    assert rep["arena_out_of_place_bytes"] == prog.arena_out_of_place
    assert rep["inplace_layers"] == prog.inplace_layers
