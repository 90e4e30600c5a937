"""Float C kernels (templates_c/kernels/*_f32.c) against their numpy twins (nncodegen/ref/kernels_f32.py).

Every kernel is built once per session (strict C99 flags, cffi) and called on
hypothesis-generated cases; its twin, and where the op has one the op-level
float reference (float_ops, with the original attrs), give the expected values.

Tolerance: the C accumulates in float32 in its own loop order, the twin in
float64, so results differ by float32 rounding of the partial sums: about
eps32 * sqrt(terms) * sum|terms|.  We allow atol = 1e-5 * scale plus
rtol = 1e-5, where `scale` bounds the magnitude of the partial sums (for MAC
kernels the per-output sum of |products| + |bias|).  Pure data movement
(concat, pad, nearest resize, transpose, max pools) must be bit exact.
"""
from __future__ import annotations

import functools
import inspect
import os
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest

from conftest import missing_tool
from helpers import broadcast_strides
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nncodegen.harness.cbuild import STRICT_FLAGS, build_cffi, compile_objects
from nncodegen.harness.cdefs import cdef_from_headers
from nncodegen.lower.params import (ActF32, Broadcast, ConvGeom, DenseGeom, Pad, Prelu, Rescale, Resize, Transpose,
                                    to_cffi)
from nncodegen.paths import include_dir, kernels_dir
from nncodegen.ref import float_ops
from nncodegen.ref import kernels_f32 as twin

FAMILIES = ["conv2d_f32", "conv_transpose2d_f32", "dense_f32", "pool_f32", "eltwise_f32", "act_f32", "prelu_f32",
            "softmax_f32", "concat_f32", "pad_f32", "resize_f32", "transpose_f32"]
KERNELS = ["conv2d_f32", "conv_transpose2d_f32", "dense_f32", "maxpool_f32", "avgpool_f32", "global_avgpool_f32",
           "global_maxpool_f32", "add_f32", "sub_f32", "mul_f32", "maximum_f32", "minimum_f32", "act_f32", "sigmoid_f32", "tanh_f32",
           "hard_sigmoid_f32", "hard_swish_f32", "prelu_f32", "softmax_f32", "log_softmax_f32", "concat_part_f32", "pad_f32",
           "resize_nearest_f32", "resize_bilinear_f32", "transpose_f32"]
FLT_MAX = float(np.finfo(np.float32).max)
# float32 summation in the C's loop order vs float64 in the twin: errors of a few eps32 (6e-8) times the
# magnitude of the partial sums; 1e-5 leaves room for sqrt(terms) growth (a soak run peaks at 2% of it).
TOL = 1e-5


def _headers():
    return [kernels_dir() / f"{f}.h" for f in FAMILIES]


@functools.lru_cache(maxsize=None)
def kernels():
    """(ffi, lib) with every float kernel; built once per session (and cached on disk)."""
    cdef = cdef_from_headers(_headers(), [include_dir(), kernels_dir()])
    header = "".join(f'#include "{h.name}"\n' for h in _headers())
    return build_cffi("kernels_f32", [kernels_dir() / f"{f}.c" for f in FAMILIES], cdef,
                      [include_dir(), kernels_dir()], header=header, libraries=["m"])


def fast(n):
    """n examples (times $NNCODEGEN_TEST_SCALE for a longer soak); the whole file takes ~15 s."""
    n *= max(1, int(os.environ.get("NNCODEGEN_TEST_SCALE", "1")))
    return settings(max_examples=n, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ---------------------------------------------------------------- calling helpers

class Call:
    """Keeps cffi structs and numpy buffers alive for one kernel call."""

    def __init__(self):
        self.ffi, self.lib = kernels()
        self.keep = []

    def p(self, obj):
        return None if obj is None else to_cffi(self.ffi, obj, self.keep)

    def buf(self, a):
        """A float * to a private copy of `a` (NULL for None)."""
        if a is None:
            return self.ffi.NULL
        return self.ptr(np.array(a, dtype=np.float32, order="C", copy=True))

    def ptr(self, a):
        """A float * to `a` itself (a contiguous float32 array): for in-place calls."""
        assert a.dtype == np.float32 and a.flags.c_contiguous
        self.keep.append(a)
        return self.ffi.cast("float *", self.ffi.from_buffer(a))

    def out(self, n, fill=np.nan):
        o = np.full(max(int(n), 1), fill, dtype=np.float32)   # NaN: an unwritten element fails the check
        self.keep.append(o)
        return o, self.ffi.cast("float *", self.ffi.from_buffer(o))

    def run(self, name, n_out, *args):
        """Call lib.<name>(*args, output) and return the output buffer (first n_out elements)."""
        o, po = self.out(n_out)
        getattr(self.lib, name)(*[self.ffi.NULL if a is None else a for a in args], po)
        return o[:n_out]


def check(got, want, scale=0.0, exact=False, what=""):
    got = np.asarray(got, dtype=np.float32).reshape(-1)
    want = np.asarray(want, dtype=np.float32).reshape(-1)
    assert got.shape == want.shape, f"{what}: {got.shape} vs {want.shape}"
    if exact:
        bad = got != want   # a NaN (unwritten element) differs too
        assert not bad.any(), f"{what}: {bad.sum()} differ, first at {np.argmax(bad)}: {got[bad][:5]} vs {want[bad][:5]}"
        return
    assert np.isfinite(got).all(), f"{what}: non-finite output (unwritten element?) at {np.argmax(~np.isfinite(got))}"
    g64, w64 = got.astype(np.float64), want.astype(np.float64)
    scale = np.asarray(scale, dtype=np.float64)
    tol = TOL * (scale.reshape(-1) if scale.ndim else scale) + TOL * np.abs(w64)   # atol = TOL * scale, rtol = TOL
    err = np.abs(g64 - w64)
    bad = err > tol
    assert not bad.any(), (f"{what}: {bad.sum()}/{bad.size} out of tolerance, worst err {err.max():.3g} "
                           f"(tol there {tol[np.argmax(err - tol)]:.3g}); got {got[bad][:4]} want {want[bad][:4]}")


def rand(rng, shape, mag=1.0):
    return (rng.standard_normal(shape) * mag).astype(np.float32)


@st.composite
def acts(draw):
    kind = draw(st.sampled_from(["none", "none_param", "relu", "relu6", "clip", "leaky", "leaky_clip"]))
    if kind == "none":
        return None
    if kind == "none_param":
        return ActF32()
    if kind == "relu":
        return ActF32(0.0, FLT_MAX, 1.0)
    if kind == "relu6":
        return ActF32(0.0, 6.0, 1.0)
    lo = draw(st.floats(-2.0, 0.5, width=32))
    hi = draw(st.floats(0.625, 3.0, width=32))
    leaky = draw(st.sampled_from([0.01, 0.1, 0.2, 0.5, 1.5, -0.25]))
    if kind == "clip":
        return ActF32(lo, hi, 1.0)
    if kind == "leaky":
        return ActF32(-FLT_MAX, FLT_MAX, leaky)
    return ActF32(lo, hi, leaky)


def act_attrs(act):
    """float_ops attrs of the same epilogue (only when float_ops can express it)."""
    if act is None or (act.leaky == 1.0 and act.out_min == -FLT_MAX and act.out_max == FLT_MAX):
        return {}
    if act.leaky != 1.0:
        if act.out_min != -FLT_MAX or act.out_max != FLT_MAX:
            return None
        return {"act": "leaky_relu", "alpha": float(np.float32(act.leaky))}
    return {"act": "clip", "act_min": float(np.float32(act.out_min)), "act_max": float(np.float32(act.out_max))}


def act_gain(act):
    return 1.0 if act is None else max(1.0, abs(act.leaky))


# ---------------------------------------------------------------- build / catalogue

def test_every_catalogue_kernel_is_built():
    ffi, lib = kernels()
    for k in KERNELS:
        assert hasattr(lib, k), k
        assert hasattr(twin, k), k


def _c_params():
    """{function: [parameter names]} from the headers."""
    from pycparser import c_ast, c_parser
    cdef = cdef_from_headers(_headers(), [include_dir(), kernels_dir()])
    prelude = ("typedef int int32_t; typedef short int16_t; typedef signed char int8_t; typedef long long int64_t;"
               "typedef unsigned int uint32_t; typedef unsigned short uint16_t; typedef unsigned char uint8_t;"
               "typedef unsigned long long uint64_t; typedef unsigned long size_t;\n")
    ast = c_parser.CParser().parse(prelude + cdef)
    out = {}
    for ext in ast.ext:
        if isinstance(ext, c_ast.Decl) and isinstance(ext.type, c_ast.FuncDecl):
            out[ext.name] = [p.name for p in ext.type.args.params]
    return out


def test_twins_mirror_the_prototypes():
    # the in-place variants declared in the same headers have their twins and tests apart
    # (ref/kernels_inplace.py, tests/test_inplace.py)
    params = {k: v for k, v in _c_params().items() if "_inplace_" not in k}
    assert sorted(params) == sorted(KERNELS)
    for name, cargs in params.items():
        assert cargs[-1] == "output", name
        expect = cargs if name == "concat_part_f32" else cargs[:-1]
        assert list(inspect.signature(getattr(twin, name)).parameters) == expect, name


def test_headers_hold_only_prototypes():
    for h in _headers():
        text = re.sub(r"/\*.*?\*/", " ", h.read_text(), flags=re.S)  # comments may say anything
        defines = re.findall(r"^\s*#\s*define\s+(\w+)", text, re.M)
        assert len(defines) == 1 and defines[0].endswith("_H"), (h.name, defines)
        assert "inline" not in text and "{" not in text, h.name
        assert '#include "nnc_types.h"' in text, h.name


@pytest.mark.parametrize("cc", ["gcc", "clang"])
def test_compiles_clean(cc):
    if shutil.which(cc) is None:
        missing_tool(f"{cc} not installed")
    srcs = [kernels_dir() / f"{f}.c" for f in FAMILIES]
    with tempfile.TemporaryDirectory() as d:
        for opt in ("-O0", "-O2"):
            compile_objects(srcs, [include_dir(), kernels_dir()], Path(d), cc, STRICT_FLAGS + [opt])


# ---------------------------------------------------------------- conv2d

@st.composite
def conv_cases(draw):
    kind = draw(st.sampled_from(["generic", "generic", "grouped", "depthwise", "pointwise"]))
    batch = draw(st.integers(1, 2))
    if kind == "pointwise":
        groups, cin_g, cout_g = 1, draw(st.integers(1, 12)), draw(st.integers(1, 8))
        kh = kw = 1
        # no top/left padding; bottom/right padding makes output rows of bias only (no fast path then)
        pads = (0, 0) + ((0, 0) if draw(st.booleans()) else (draw(st.integers(0, 2)), draw(st.integers(0, 2))))
    else:
        if kind == "generic":
            groups = 1
            cin_g, cout_g = draw(st.integers(1, 8)), draw(st.integers(1, 6))
        elif kind == "grouped":
            groups = draw(st.integers(2, 4))
            cin_g, cout_g = draw(st.integers(1, 3)), draw(st.integers(1, 3))
        else:
            groups = draw(st.integers(1, 8))
            cin_g, cout_g = 1, draw(st.sampled_from([1, 1, 2, 3]))
        kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
        pads = tuple(draw(st.integers(0, 3)) for _ in range(4))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    dh, dw = (1, 1) if kind == "pointwise" else (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    keh, kew = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    h = draw(st.integers(max(1, keh - pads[0] - pads[2]), max(1, keh - pads[0] - pads[2]) + 7))
    w = draw(st.integers(max(1, kew - pads[1] - pads[3]), max(1, kew - pads[1] - pads[3]) + 7))
    oh = (h + pads[0] + pads[2] - keh) // sh + 1
    ow = (w + pads[1] + pads[3] - kew) // sw + 1
    g = ConvGeom(batch, h, w, cin_g * groups, oh, ow, cout_g * groups, kh, kw, sh, sw, pads[0], pads[1], dh, dw,
                 groups)
    attrs = {"strides": (sh, sw), "pads": pads, "dilations": (dh, dw), "groups": groups}
    return g, attrs, draw(acts()), draw(st.booleans()), draw(st.integers(0, 2**32 - 1))


def _mac_inputs(g, seed, has_bias):
    rng = np.random.default_rng(seed)
    mag = float(2.0 ** rng.integers(-3, 4))
    x = rand(rng, (g.batch, g.in_h, g.in_w, g.in_c), mag)
    w = rand(rng, (g.out_c, g.k_h, g.k_w, g.in_c // g.groups))
    b = rand(rng, (g.out_c,)) if has_bias else None
    return x, w, b


@fast(400)
@given(conv_cases())
def test_conv2d(case):
    g, attrs, act, has_bias, seed = case
    x, w, b = _mac_inputs(g, seed, has_bias)
    c = Call()
    got = c.run("conv2d_f32", g.batch * g.out_h * g.out_w * g.out_c, c.p(g), c.p(act), c.buf(x), c.buf(w), c.buf(b))
    want = twin.conv2d_f32(g, act, x, w, b)
    scale = twin.conv2d_f32(g, None, np.abs(x), np.abs(w), None if b is None else np.abs(b)) * act_gain(act)
    check(got, want, scale, what=f"conv2d {g}")
    a = act_attrs(act)
    if a is not None:  # the twin's adapter against the op with its own attrs (declared pads, not derived)
        op = float_ops.conv2d(dict(attrs, **a), x, w, b)
        check(want, op, scale, what="twin vs float_ops.conv2d")


# ---------------------------------------------------------------- conv_transpose2d

@st.composite
def convt_cases(draw):
    depthwise = draw(st.booleans())
    if depthwise:
        groups, cin_g, cout_g = draw(st.integers(1, 6)), 1, draw(st.sampled_from([1, 2]))
    else:
        groups = draw(st.sampled_from([1, 1, 2, 3]))
        cin_g, cout_g = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    dh, dw = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    h, w = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    pt, pl, pb, pr = (draw(st.integers(0, 3)) for _ in range(4))
    oph, opw = draw(st.integers(0, sh - 1)), draw(st.integers(0, sw - 1))
    oh = max(1, (h - 1) * sh - pt - pb + dh * (kh - 1) + 1 + oph)
    ow = max(1, (w - 1) * sw - pl - pr + dw * (kw - 1) + 1 + opw)
    g = ConvGeom(draw(st.integers(1, 2)), h, w, cin_g * groups, oh, ow, cout_g * groups, kh, kw, sh, sw, pt, pl,
                 dh, dw, groups)
    attrs = {"strides": (sh, sw), "pads": (pt, pl, pb, pr), "dilations": (dh, dw), "groups": groups}
    return g, attrs, draw(acts()), draw(st.booleans()), draw(st.integers(0, 2**32 - 1))


def _scatter_convt(g, x, w, b):
    """Independent scatter-form reference: every input adds into the outputs it reaches."""
    cin_g, cout_g = g.in_c // g.groups, g.out_c // g.groups
    out = np.zeros((g.batch, g.out_h, g.out_w, g.out_c))
    for iy in range(g.in_h):
        for ix in range(g.in_w):
            for ky in range(g.k_h):
                oy = iy * g.stride_h - g.pad_top + ky * g.dil_h
                for kx in range(g.k_w):
                    ox = ix * g.stride_w - g.pad_left + kx * g.dil_w
                    if not (0 <= oy < g.out_h and 0 <= ox < g.out_w):
                        continue
                    for grp in range(g.groups):
                        xs = x[:, iy, ix, grp * cin_g:(grp + 1) * cin_g].astype(np.float64)
                        ws = w[grp * cout_g:(grp + 1) * cout_g, ky, kx, :].astype(np.float64)
                        out[:, oy, ox, grp * cout_g:(grp + 1) * cout_g] += xs @ ws.T
    return out if b is None else out + b


@fast(250)
@given(convt_cases())
def test_conv_transpose2d(case):
    g, attrs, act, has_bias, seed = case
    x, w, b = _mac_inputs(g, seed, has_bias)
    c = Call()
    got = c.run("conv_transpose2d_f32", g.batch * g.out_h * g.out_w * g.out_c, c.p(g), c.p(act), c.buf(x),
                c.buf(w), c.buf(b))
    want = twin.conv_transpose2d_f32(g, act, x, w, b)
    scale = twin.conv_transpose2d_f32(g, None, np.abs(x), np.abs(w), None if b is None else np.abs(b)) * act_gain(act)
    check(got, want, scale, what=f"conv_transpose2d {g}")
    check(want, twin.act_epilogue(_scatter_convt(g, x, w, b), act), scale, what="twin vs scatter form")
    a = act_attrs(act)
    if a is not None:
        op = float_ops.conv_transpose2d(dict(attrs, **a), x, w, b, (g.batch, g.out_h, g.out_w, g.out_c))
        check(want, op, scale, what="twin vs float_ops.conv_transpose2d")


# ---------------------------------------------------------------- dense

@fast(100)
@given(st.integers(1, 4), st.integers(1, 300), st.integers(1, 24), acts(), st.booleans(), st.integers(0, 2**32 - 1))
def test_dense(batch, fin, fout, act, has_bias, seed):
    rng = np.random.default_rng(seed)
    g = DenseGeom(batch, fin, fout)
    x, w = rand(rng, (batch, fin)), rand(rng, (fout, fin))
    b = rand(rng, (fout,)) if has_bias else None
    c = Call()
    got = c.run("dense_f32", batch * fout, c.p(g), c.p(act), c.buf(x), c.buf(w), c.buf(b))
    want = twin.dense_f32(g, act, x, w, b)
    scale = twin.dense_f32(g, None, np.abs(x), np.abs(w), None if b is None else np.abs(b)) * act_gain(act)
    check(got, want, scale, what=f"dense {g}")


# ---------------------------------------------------------------- pools

@st.composite
def pool_cases(draw):
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    pt, pb = draw(st.integers(0, kh - 1)), draw(st.integers(0, kh - 1))
    pl, pr = draw(st.integers(0, kw - 1)), draw(st.integers(0, kw - 1))
    h = draw(st.integers(max(1, kh - pt - pb), max(1, kh - pt - pb) + 7))
    w = draw(st.integers(max(1, kw - pl - pr), max(1, kw - pl - pr) + 7))
    oh, ow = (h + pt + pb - kh) // sh + 1, (w + pl + pr - kw) // sw + 1
    ch = draw(st.integers(1, 6))
    g = ConvGeom(draw(st.integers(1, 2)), h, w, ch, oh, ow, ch, kh, kw, sh, sw, pt, pl)
    attrs = {"kernel": (kh, kw), "strides": (sh, sw), "pads": (pt, pl, pb, pr)}
    return g, attrs, draw(st.integers(0, 2**32 - 1))


@fast(150)
@given(pool_cases())
def test_maxpool(case):
    g, attrs, seed = case
    x = rand(np.random.default_rng(seed), (g.batch, g.in_h, g.in_w, g.in_c))
    c = Call()
    got = c.run("maxpool_f32", g.batch * g.out_h * g.out_w * g.out_c, c.p(g), c.buf(x))
    want = twin.maxpool_f32(g, x)
    check(got, want, exact=True, what=f"maxpool {g}")
    check(want, float_ops.maxpool(attrs, x), exact=True, what="twin vs float_ops.maxpool")


@fast(60)
@given(st.integers(1, 2), st.integers(2, 9), st.integers(2, 9), st.integers(1, 20), st.booleans(),
       st.integers(0, 2**32 - 1))
def test_maxpool_2x2_stride2(batch, h, w, ch, special, seed):
    """The 2x2 stride-2 path of maxpool_f32 (odd sizes drop the last row / column): the generic loop's
    comparisons from -inf in the order ky, kx, so NaN taps are skipped as there and -0.0 / +0.0 keep the first."""
    rng = np.random.default_rng(seed)
    g = ConvGeom(batch, h, w, ch, h // 2, w // 2, ch, 2, 2, 2, 2, 0, 0)
    x = rand(rng, (batch, h, w, ch))
    if special:
        x.reshape(-1)[rng.choice(x.size, min(x.size, 12), replace=False)] = \
            np.array([np.nan, -0.0, 0.0, np.inf, -np.inf, np.nan] * 2, np.float32)[:min(x.size, 12)]
    c = Call()
    got = c.run("maxpool_f32", g.batch * g.out_h * g.out_w * g.out_c, c.p(g), c.buf(x))
    m = np.full((batch, h // 2, w // 2, ch), -np.inf, np.float32)
    for ky in range(2):
        for kx in range(2):
            t = x[:, ky:2 * (h // 2):2, kx:2 * (w // 2):2, :]
            m = np.where(t > m, t, m)
    assert got.tobytes() == m.reshape(-1).tobytes(), f"maxpool 2x2/2 {g}"
    if not special:
        check(got, twin.maxpool_f32(g, x), exact=True, what=f"maxpool {g}")


@fast(200)
@given(pool_cases(), st.integers(0, 1))
def test_avgpool(case, count_include_pad):
    g, attrs, seed = case
    x = rand(np.random.default_rng(seed), (g.batch, g.in_h, g.in_w, g.in_c))
    c = Call()
    got = c.run("avgpool_f32", g.batch * g.out_h * g.out_w * g.out_c, c.p(g), count_include_pad, c.buf(x))
    want = twin.avgpool_f32(g, count_include_pad, x)
    scale = float(np.abs(x).max())
    check(got, want, scale, what=f"avgpool {g} cip={count_include_pad}")
    op = float_ops.avgpool(dict(attrs, count_include_pad=bool(count_include_pad)), x)
    check(want, op, scale, what="twin vs float_ops.avgpool")


@fast(80)
@given(st.integers(1, 3), st.integers(1, 24), st.integers(1, 24), st.integers(1, 10), st.integers(0, 2**32 - 1))
def test_global_pools(batch, h, w, ch, seed):
    x = rand(np.random.default_rng(seed), (batch, h, w, ch), 4.0) + np.float32(1.0)  # a mean far from 0
    g = ConvGeom(batch, h, w, ch, 1, 1, ch, h, w)
    c = Call()
    got = c.run("global_avgpool_f32", batch * ch, c.p(g), c.buf(x))
    check(got, twin.global_avgpool_f32(g, x), float(np.abs(x).max()), what=f"global_avgpool {g}")
    got = c.run("global_maxpool_f32", batch * ch, c.p(g), c.buf(x))
    check(got, twin.global_maxpool_f32(g, x), exact=True, what=f"global_maxpool {g}")


# ---------------------------------------------------------------- add / sub / mul

@st.composite
def bcast_cases(draw):
    rank = draw(st.integers(1, 4))
    out = tuple(draw(st.integers(1, 5)) for _ in range(rank))

    def operand():
        r = draw(st.integers(0, rank))  # operand rank (numpy broadcasting drops leading axes)
        shp = tuple(d if draw(st.booleans()) else 1 for d in out[rank - r:])
        return shp

    ashp, bshp = operand(), operand()
    out = tuple(np.broadcast_shapes(ashp, bshp)) or (1,)  # the output shape is what the operands broadcast to
    return out, ashp, bshp, draw(acts()), draw(st.integers(0, 2**32 - 1))


@pytest.mark.parametrize("name", ["add", "sub", "mul", "maximum", "minimum"])
@fast(120)
@given(bcast_cases())
def test_eltwise(name, case):
    out, ashp, bshp, act, seed = case
    rng = np.random.default_rng(seed)
    a, b = rand(rng, ashp, 2.0), rand(rng, bshp, 2.0)
    o4 = (1,) * (4 - len(out)) + out
    bc = Broadcast(o4, broadcast_strides((1,) * (4 - len(ashp)) + ashp, o4),
                   broadcast_strides((1,) * (4 - len(bshp)) + bshp, o4))
    c = Call()
    n = int(np.prod(out))
    got = c.run(f"{name}_f32", n, c.p(bc), c.p(act), c.buf(a), c.buf(b))
    want = getattr(twin, f"{name}_f32")(bc, act, a, b)
    scale = (float(np.abs(a).max()) * float(np.abs(b).max()) if name == "mul"
             else float(np.abs(a).max()) + float(np.abs(b).max())) * act_gain(act)
    check(got, want, scale, what=f"{name} {ashp} {bshp} -> {out}")
    aa = act_attrs(act)
    if name in ("maximum", "minimum"):  # (float_ops' maximum / minimum take no fused activation: IR nodes carry none)
        if act is None:
            check(want, np.broadcast_to(getattr(float_ops, name)({}, a, b), out), scale, what=f"twin vs float_ops.{name}")
    elif aa is not None:
        check(want, np.broadcast_to(getattr(float_ops, name)(aa, a, b), out), scale, what=f"twin vs float_ops.{name}")
    if ashp == out:  # in place over a, as the memory planner may arrange
        ab = a.copy()
        pa = c.ptr(ab)
        getattr(c.lib, f"{name}_f32")(c.p(bc), c.p(act) or c.ffi.NULL, pa, c.buf(b), pa)
        check(ab, want, scale, what="in place over a")
    if bshp == out:
        bb = b.copy()
        pb = c.ptr(bb)
        getattr(c.lib, f"{name}_f32")(c.p(bc), c.p(act) or c.ffi.NULL, c.buf(a), pb, pb)
        check(bb, want, scale, what="in place over b")


# ---------------------------------------------------------------- element-wise activations

@fast(100)
@given(st.integers(0, 300), acts(), st.integers(0, 2**32 - 1))
def test_act(n, act, seed):
    act = act or ActF32()
    x = rand(np.random.default_rng(seed), (n,), 3.0)
    c = Call()
    got = c.run("act_f32", n, n, c.p(act), c.buf(x))
    want = twin.act_f32(n, act, x)
    check(got, want, float(np.abs(x).max(initial=0.0)) * act_gain(act), what=f"act {act}")
    aa = act_attrs(act)
    if aa is not None:
        check(want, float_ops.apply_act(x.astype(np.float64), aa), 0.0, what="twin vs float_ops.apply_act")
    xb = x.copy()
    px = c.ptr(xb)
    c.lib.act_f32(n, c.p(act), px, px)
    check(xb, want, float(np.abs(x).max(initial=0.0)) * act_gain(act), what="act in place")


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "hard_swish", "hard_sigmoid"])
@fast(60)
@given(st.integers(0, 400), st.sampled_from([0.5, 2.0, 8.0, 40.0]), st.integers(0, 2**32 - 1),
       st.floats(-1.0, 1.0, width=32), st.floats(-1.0, 1.0, width=32))
def test_unary(name, n, mag, seed, alpha, beta):
    x = rand(np.random.default_rng(seed), (n,), mag)
    if n >= 4:  # the corners of the piecewise functions
        x[:4] = [-3.0, 3.0, 0.0, -0.0]
    c = Call()
    if name == "hard_sigmoid":
        got = c.run("hard_sigmoid_f32", n, n, alpha, beta, c.buf(x))
        want = twin.hard_sigmoid_f32(n, alpha, beta, x)
        scale = abs(alpha) * float(np.abs(x).max(initial=0.0)) + abs(beta)
    else:
        got = c.run(f"{name}_f32", n, n, c.buf(x))
        want = getattr(twin, f"{name}_f32")(n, x)
        # sigmoid/tanh: expf/tanhf are within a few ulp of [0, 1]-bounded values
        scale = float(np.abs(x).max(initial=0.0)) if name == "hard_swish" else 1.0
    check(got, want, scale, what=name)


@fast(60)
@given(st.integers(1, 20), st.integers(1, 16), st.booleans(), st.integers(0, 2**32 - 1))
def test_prelu(outer, ch, in_place, seed):
    rng = np.random.default_rng(seed)
    x, slope = rand(rng, (outer, ch), 2.0), rand(rng, (ch,), 0.5)
    p = Prelu(outer, ch)
    c = Call()
    want = twin.prelu_f32(p, x, slope)
    scale = float(np.abs(x).max()) * max(1.0, float(np.abs(slope).max()))
    if in_place:
        got = x.copy()
        px = c.ptr(got)
        c.lib.prelu_f32(c.p(p), px, c.buf(slope), px)
    else:
        got = c.run("prelu_f32", outer * ch, c.p(p), c.buf(x), c.buf(slope))
    check(got, want, scale, what=f"prelu {outer}x{ch}")


@fast(100)
@given(st.integers(1, 6), st.integers(1, 50), st.sampled_from([0.1, 1.0, 5.0, 15.0, 60.0, 200.0]),
       st.sampled_from([0.0, 0.0, 90.0, -90.0, 1000.0]), st.integers(0, 2**32 - 1))
def test_softmax(rows, cols, mag, offset, seed):
    rng = np.random.default_rng(seed)
    x = rand(rng, (rows, cols), mag) + np.float32(offset)  # offset: overflow without max
    x[rng.integers(0, rows), cols - 1] = np.float32(offset + 4 * mag)  # a row max in the last column
    c = Call()
    got = c.run("softmax_f32", rows * cols, rows, cols, c.buf(x))
    want = twin.softmax_f32(rows, cols, x)
    check(got, want, 1.0, what=f"softmax {rows}x{cols}")
    assert np.allclose(got.reshape(rows, cols).sum(axis=1), 1.0, atol=1e-5)
    lg = c.run("log_softmax_f32", rows * cols, rows, cols, c.buf(x))
    check(lg, twin.log_softmax_f32(rows, cols, x), max(1.0, 4.0 * mag), what=f"log_softmax {rows}x{cols}")
    assert np.allclose(np.exp(lg.reshape(rows, cols).astype(np.float64)).sum(axis=1), 1.0, atol=1e-5)


# ---------------------------------------------------------------- data movement

@fast(80)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=4), st.data())
def test_concat(shape, data):
    rank = len(shape)
    axis = data.draw(st.integers(0, rank - 1))
    sizes = data.draw(st.lists(st.integers(1, 4), min_size=1, max_size=4))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    parts = [rand(rng, shape[:axis] + [s] + shape[axis + 1:]) for s in sizes]
    want_full = float_ops.concat({"axis": axis}, *parts)
    outer = int(np.prod(shape[:axis]))
    out_inner = int(np.prod(want_full.shape[axis:]))
    c = Call()
    out, po = c.out(want_full.size)
    tw = np.full(want_full.size, np.nan, dtype=np.float32)
    off = 0
    for x in parts:
        inner = int(np.prod(x.shape[axis:]))
        p = Rescale(outer, inner, out_inner, off, 0, 0, 0)
        c.lib.concat_part_f32(c.p(p), c.buf(x), po)
        tw = twin.concat_part_f32(p, x, tw)
        off += inner
    check(out[:want_full.size], want_full, exact=True, what=f"concat axis {axis}")
    check(tw, want_full, exact=True, what="twin concat")


@fast(200)
@given(st.lists(st.integers(1, 5), min_size=1, max_size=4), st.sampled_from([0, 1, 2]), st.data())
def test_pad(shape, mode, data):
    rank = len(shape)
    before = [data.draw(st.integers(0, 5)) for _ in range(rank)]
    after = [data.draw(st.integers(0, 5)) for _ in range(rank)]
    value = data.draw(st.floats(-3.0, 3.0, width=32))
    x = rand(np.random.default_rng(data.draw(st.integers(0, 2**32 - 1))), shape)
    fill = lambda v, d: (d,) * (4 - rank) + tuple(v)  # noqa: E731
    out_shape = [s + b + a for s, b, a in zip(shape, before, after)]
    p = Pad(fill(shape, 1), fill(out_shape, 1), fill(before, 0), mode, 0, value)
    c = Call()
    got = c.run("pad_f32", int(np.prod(out_shape)), c.p(p), c.buf(x))
    want = twin.pad_f32(p, x)
    check(got, want, exact=True, what=f"pad {shape} mode {mode} {before} {after}")
    pads = [v for ba in zip(before, after) for v in ba]
    op = float_ops.pad({"pads": pads, "mode": twin._PAD_MODES[mode], "value": value}, x)
    check(want, op, exact=True, what="twin vs float_ops.pad")


COORDS = ["asymmetric", "half_pixel", "pytorch_half_pixel", "align_corners", "tf_half_pixel_for_nn",
          "half_pixel_symmetric"]
NEAREST = ["floor", "ceil", "round_prefer_floor", "round_prefer_ceil"]


@st.composite
def resize_cases(draw):
    h, w = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    if draw(st.booleans()):
        scales = (0.0, 0.0)
        oh, ow = draw(st.integers(1, 14)), draw(st.integers(1, 14))
    else:  # explicit scales, output size floor(in * scale)
        scales = tuple(draw(st.sampled_from([0.5, 0.75, 1.0, 1.5, 2.0, 3.0])) for _ in range(2))
        oh, ow = max(1, int(h * scales[0])), max(1, int(w * scales[1]))
    attrs = {"size": (oh, ow), "coord": draw(st.sampled_from(COORDS)), "nearest_mode": draw(st.sampled_from(NEAREST)),
             "scales": scales}
    return draw(st.integers(1, 2)), h, w, draw(st.integers(1, 5)), attrs, draw(st.integers(0, 2**32 - 1))


@fast(150)
@given(resize_cases())
def test_resize_nearest(case):
    n, h, w, ch, a, seed = case
    x = rand(np.random.default_rng(seed), (n, h, w, ch))
    oh, ow = a["size"]
    iy = float_ops.resize_nearest_index(h, oh, a["coord"], a["nearest_mode"], a["scales"][0])
    ix = float_ops.resize_nearest_index(w, ow, a["coord"], a["nearest_mode"], a["scales"][1])
    p = Resize(n, h, w, ch, oh, ow, y0=tuple(int(i) for i in iy), x0=tuple(int(i) for i in ix))
    c = Call()
    got = c.run("resize_nearest_f32", n * oh * ow * ch, c.p(p), c.buf(x))
    want = twin.resize_nearest_f32(p, x)
    check(got, want, exact=True, what=f"resize_nearest {a}")
    check(want, float_ops.resize(dict(a, mode="nearest"), x), exact=True, what="twin vs float_ops.resize")


@fast(150)
@given(resize_cases())
def test_resize_bilinear(case):
    n, h, w, ch, a, seed = case
    x = rand(np.random.default_rng(seed), (n, h, w, ch))
    oh, ow = a["size"]
    y0, y1, wy = float_ops.resize_linear_taps(h, oh, a["coord"], a["scales"][0])
    x0, x1, wx = float_ops.resize_linear_taps(w, ow, a["coord"], a["scales"][1])
    t = lambda v: tuple(int(i) for i in v)  # noqa: E731
    p = Resize(n, h, w, ch, oh, ow, t(y0), t(y1), t(x0), t(x1), None, None,
               tuple(float(v) for v in wy), tuple(float(v) for v in wx))
    c = Call()
    got = c.run("resize_bilinear_f32", n * oh * ow * ch, c.p(p), c.buf(x))
    want = twin.resize_bilinear_f32(p, x)
    scale = float(np.abs(x).max())
    check(got, want, scale, what=f"resize_bilinear {a}")
    check(want, float_ops.resize(dict(a, mode="linear"), x), scale, what="twin vs float_ops.resize")


def transpose_params(in_shape, perm):
    r = len(in_shape)
    strides = [int(np.prod(in_shape[i + 1:])) for i in range(r)]
    return Transpose(tuple([1] * (6 - r) + [in_shape[p] for p in perm]),
                     tuple([0] * (6 - r) + [strides[p] for p in perm]))


@fast(150)
@given(st.lists(st.integers(1, 4), min_size=2, max_size=6).flatmap(
    lambda s: st.tuples(st.just(s), st.permutations(range(len(s))))), st.integers(0, 2**32 - 1))
def test_transpose(case, seed):
    shape, perm = case
    x = rand(np.random.default_rng(seed), shape)
    p = transpose_params(shape, perm)
    c = Call()
    got = c.run("transpose_f32", x.size, c.p(p), c.buf(x))
    want = twin.transpose_f32(p, x)
    check(got, want, exact=True, what=f"transpose {shape} {perm}")
    check(want, float_ops.transpose({"perm": perm}, x), exact=True, what="twin vs float_ops.transpose")


@fast(30)
@given(st.integers(1, 2), st.integers(1, 4), st.integers(1, 4), st.sampled_from([(2, 3), (3, 2), (4, 2), (2, 1)]),
       st.integers(0, 2**32 - 1))
def test_channel_shuffle(n, h, w, gm, seed):
    g, m = gm
    x = rand(np.random.default_rng(seed), (n, h, w, g * m))
    p = transpose_params((n * h * w, g, m), (0, 2, 1))
    c = Call()
    got = c.run("transpose_f32", x.size, c.p(p), c.buf(x))
    check(got, float_ops.channel_shuffle({"groups": g}, x), exact=True, what="channel shuffle")
