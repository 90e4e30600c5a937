"""The int8 TFLite operators that PyTorch -> TFLite and TF converters emit beside the first ones: HARD_SWISH,
MAXIMUM / MINIMUM, SPLIT / SPLIT_V, PRELU, LEAKY_RELU, STRIDED_SLICE, TRANSPOSE_CONV.

* their C kernels (hard_swish_tfl_s8, maximum_s8 / minimum_s8, strided_slice_s8, leaky_relu_s8,
  conv_transpose2d_s8; PRELU runs prelu_s8) against the numpy twins, bit for bit, on hypothesis-drawn
  shapes, formats and parameters (one cffi build of these kernels for the module);
* the twins' meaning: hard-swish within 1 LSB of the float function on every input;
* random one-operator .tflite models (tests/tflite_builder.py) compiled to C: every output integer equals
  TFLite Micro's, and LiteRT's BUILTIN_REF kernels' (PRELU: LiteRT computes its multipliers in float32,
  TFLite Micro in double; where the two runtimes disagree the C follows TFLite Micro and the twin with
  LiteRT's float32 multipliers gives LiteRT's integers);
* refusals at import that name the operator.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import nncodegen
from nncodegen.ir.graph import GraphError
from nncodegen.lower.lower import broadcast_params
from nncodegen.lower.lower_s16 import slice_params
from nncodegen.lower.params import ConvGeom, HardSwishTflS8, LeakyS8, PreluS8, RequantS8
from nncodegen.paths import include_dir, kernels_dir
from nncodegen.ref import affine as af
from nncodegen.ref import kernels_s8 as ks
from nncodegen.ref.kernels_f32 import strided_slice_f32

from helpers import assert_equal_ref, assert_same, build_clib, random_models
from tflite_builder import f32
from test_kernels_s8 import CFG, draw_bounds, draw_multiplier, draw_rounding, draw_s8, draw_zp, garbage, ints
from test_tflite_import import run_litert_ref, run_tflm

KERNELS = ["hard_swish_tfl_s8", "leaky_relu_s8", "minmax_s8", "strided_slice_s8", "strided_slice_f32",
           "conv_transpose2d_s8"]


@pytest.fixture(scope="module")
def clib():
    kd = kernels_dir()
    return build_clib("tflite_ops_s8_test", [kd / f"{k}.c" for k in KERNELS], [include_dir(), kd])



ALL_S8 = np.arange(-128, 128, dtype=np.int8)


# ---------------------------------------------------------------- kernels against their twins

@settings(max_examples=150, **CFG)
@given(data=st.data())
def test_hard_swish_tfl_s8(clib, data):
    """Parameters from random scales (TFLite's HardSwishPrepare) or drawn raw over the legal ranges; every input."""
    zi, zo = draw_zp(data, "in_zp"), draw_zp(data, "out_zp")
    if data.draw(st.booleans(), label="from scales"):
        s_in = 2.0 ** data.draw(st.floats(-12, 3), label="log2 s_in")
        s_out = s_in * 2.0 ** data.draw(st.floats(-8, 6.9), label="log2 s_out / s_in")
        try:
            om, oe, rm, re_ = af.tflite_hard_swish_params(s_in, s_out)
        except ValueError:
            assume(False)
    else:
        om, rm = ints(data, 0, 32767, "out mult"), ints(data, 0, 32767, "reluish mult")
        oe, re_ = ints(data, -15, 0, "out exp"), ints(data, -15, 15, "reluish exp")
    lo, hi = draw_bounds(data, zo)
    p = HardSwishTflS8(256, zi, zo, om, oe, rm, re_, lo, hi)
    want = ks.hard_swish_tfl_s8(p, ALL_S8)
    y = garbage(256)
    clib.call("hard_swish_tfl_s8", clib.s(p), clib.p(np.ascontiguousarray(ALL_S8)), clib.p(y))
    assert_same(y, want, "hard_swish_tfl_s8")


def test_hard_swish_twin_is_within_one_lsb_of_float():
    rng = np.random.default_rng(3)
    x = ALL_S8.astype(np.int64)
    worst, checked = 0, 0
    for _ in range(300):
        s_in = f32(2.0 ** rng.uniform(-9, 0))
        s_out = f32(s_in * 2.0 ** rng.uniform(-3, 3))
        zi, zo = (int(v) for v in rng.integers(-128, 128, 2))
        p = HardSwishTflS8(256, zi, zo, *af.tflite_hard_swish_params(s_in, s_out))
        y = ks.hard_swish_tfl_s8(p, ALL_S8).astype(np.int64)
        r = s_in * (x - zi)
        want = np.clip(np.round(r * np.clip(r + 3, 0, 6) / 6 / s_out) + zo, -128, 127)
        worst = max(worst, int(np.abs(y - want).max()))
        checked += 1
    assert checked == 300 and worst == 1


def test_hard_swish_params_refuse_what_tflite_refuses():
    with pytest.raises(ValueError, match="output exponent"):
        af.tflite_hard_swish_params(1.0, 1.0 / 200)  # s_in / s_out >= 128: TFLite's output exponent > 0
    assert af.downscale_multiplier_int16((1 << 31) - 1) == 32767
    assert af.downscale_multiplier_int16(1 << 30) == 1 << 14


@settings(max_examples=100, **CFG)
@given(data=st.data())
def test_leaky_relu_s8(clib, data):
    n = ints(data, 1, 300, "n")
    mi, si = draw_multiplier(data, "identity", 1e-2, 4.0)
    ma, sa = draw_multiplier(data, "alpha", 1e-4, 2.0)
    zo = draw_zp(data, "out_zp")
    lo, hi = draw_bounds(data, zo)
    p = LeakyS8(n, -draw_zp(data, "in_zp"), mi, si, ma, sa, zo, lo, hi, draw_rounding(data))
    x = draw_s8(data, (n,), "x")
    y = garbage(n)
    clib.call("leaky_relu_s8", clib.s(p), clib.p(x), clib.p(y))
    assert_same(y, ks.leaky_relu_s8(p, x), "leaky_relu_s8")


def _draw_broadcast(data):
    rank = ints(data, 1, 4, "rank")
    out = [ints(data, 1, 5, f"d{k}") for k in range(rank)]
    a = [d if data.draw(st.booleans(), label=f"a{k}") else 1 for k, d in enumerate(out)]
    b = [d if data.draw(st.booleans(), label=f"b{k}") else 1 for k, d in enumerate(out)]
    a = a[ints(data, 0, rank - 1, "a drop"):] if data.draw(st.booleans(), label="a shorter") else a
    return tuple(a), tuple(b), tuple(np.broadcast_shapes(tuple(a), tuple(b)))


@settings(max_examples=100, **CFG)
@given(data=st.data())
def test_maximum_minimum_s8(clib, data):
    sa, sb, so = _draw_broadcast(data)
    bc = broadcast_params(sa, sb, so)
    a, b = draw_s8(data, sa, "a"), draw_s8(data, sb, "b")
    for kernel, fn in (("maximum_s8", np.maximum), ("minimum_s8", np.minimum)):
        want = getattr(ks, kernel)(bc, a, b)
        assert np.array_equal(want.reshape(so), fn(a, b))  # the twin is numpy's broadcast max / min
        y = garbage(so)
        clib.call(kernel, clib.s(bc), clib.p(a), clib.p(b), clib.p(y))
        assert_same(y, want, kernel)


def _draw_slice(data):
    rank = ints(data, 1, 6, "rank")
    shape = tuple(ints(data, 1, 6, f"d{k}") for k in range(rank))
    begin, strides, size = [], [], []
    for k, d in enumerate(shape):
        b = ints(data, 0, d - 1, f"begin{k}")
        s = data.draw(st.sampled_from([1, 1, 2, 3, -1, -2]), label=f"stride{k}")
        room = (d - 1 - b) // s + 1 if s > 0 else b // -s + 1
        begin.append(b)
        strides.append(s)
        size.append(ints(data, 1, room, f"size{k}"))
    return shape, begin, strides, size


@settings(max_examples=100, **CFG)
@given(data=st.data())
def test_strided_slice_s8(clib, data):
    shape, begin, strides, size = _draw_slice(data)
    p = slice_params(shape, begin, strides, size)
    x = draw_s8(data, shape, "x")
    want = ks.strided_slice_s8(p, x)
    idx = np.ix_(*[b + s * np.arange(n) for b, s, n in zip(begin, strides, size)])
    assert np.array_equal(want.reshape(size), x[idx])  # the twin is numpy's strided indexing
    y = garbage(tuple(size))
    clib.call("strided_slice_s8", clib.s(p), clib.p(x), clib.p(y))
    assert_same(y, want, "strided_slice_s8")


@settings(max_examples=60, **CFG)
@given(data=st.data())
def test_strided_slice_f32(clib, data):
    """The float32 copy (a joined float model input's rows): every bit kept, -0.0, infinities and NaN payloads too."""
    shape, begin, strides, size = _draw_slice(data)
    p = slice_params(shape, begin, strides, size)
    bits = np.random.default_rng(ints(data, 0, 1 << 30, "seed")).integers(0, 1 << 32, size=shape, dtype=np.uint64)
    bits.reshape(-1)[:4] = [0x80000000, 0x7F800000, 0xFF800000, 0x7FC01234][:bits.size]
    x = bits.astype(np.uint32).view(np.float32)
    want = np.asarray(strided_slice_f32(p, x))
    idx = np.ix_(*[b + s * np.arange(n) for b, s, n in zip(begin, strides, size)])
    assert np.array_equal(want.reshape(size).view(np.uint32), x[idx].view(np.uint32))
    y = np.full(tuple(size), np.float32(1234.5))
    clib.call("strided_slice_f32", clib.s(p), clib.p(x), clib.p(y))
    assert np.array_equal(y.view(np.uint32), want.reshape(size).view(np.uint32))


@settings(max_examples=80, **CFG)
@given(data=st.data())
def test_conv_transpose2d_s8(clib, data):
    n, ih, iw, ic, oc = (ints(data, 1, hi, lab) for lab, hi in
                         (("batch", 2), ("in_h", 5), ("in_w", 5), ("in_c", 4), ("out_c", 4)))
    kh, kw, sh, sw = (ints(data, 1, hi, lab) for lab, hi in (("k_h", 4), ("k_w", 4), ("s_h", 3), ("s_w", 3)))
    dh, dw = ints(data, 1, 2, "dil_h"), ints(data, 1, 2, "dil_w")
    pt, pl = ints(data, 0, max(0, (kh - 1) * dh), "pad_top"), ints(data, 0, max(0, (kw - 1) * dw), "pad_left")
    full_h, full_w = (ih - 1) * sh + (kh - 1) * dh + 1, (iw - 1) * sw + (kw - 1) * dw + 1
    oh, ow = ints(data, 1, full_h - pt + 2, "out_h"), ints(data, 1, full_w - pl + 2, "out_w")
    g = ConvGeom(n, ih, iw, ic, oh, ow, oc, kh, kw, sh, sw, pt, pl, dh, dw, 1)
    ms = [draw_multiplier(data, f"m{c}", 1e-5, 0.5) for c in range(oc)]
    zo = draw_zp(data, "out_zp")
    lo, hi = draw_bounds(data, zo)
    rq = RequantS8(tuple(m for m, _ in ms), tuple(s for _, s in ms), -draw_zp(data, "in_zp"), zo, lo, hi,
                   draw_rounding(data))
    x, w = draw_s8(data, (n, ih, iw, ic), "x"), draw_s8(data, (oc, kh, kw, ic), "w")
    b = None
    if data.draw(st.booleans(), label="bias"):
        b = np.random.default_rng(ints(data, 0, 999, "bias seed")).integers(-50000, 50000, oc).astype(np.int32)
    want = ks.conv_transpose2d_s8(g, rq, x, w, b)
    y = garbage((n, oh, ow, oc))
    clib.call("conv_transpose2d_s8", clib.s(g), clib.s(rq), clib.p(x), clib.p(w), clib.p(b), clib.p(y))
    assert_same(y, want, "conv_transpose2d_s8")


def test_conv_transpose2d_twin_is_the_float_transposed_conv():
    """Multiplier 1 (2^30, shift 1), no saturation reached: the twin is the integer transposed convolution of
    the offset input, as nncodegen's float reference computes it."""
    from nncodegen.ref.float_ops import conv_transpose2d_raw
    rng = np.random.default_rng(5)
    g = ConvGeom(1, 3, 4, 2, 7, 8, 3, 3, 2, 2, 2, 1, 0, 1, 1, 1)
    x, w = rng.integers(-3, 4, (1, 3, 4, 2)).astype(np.int8), rng.integers(-3, 4, (3, 3, 2, 2)).astype(np.int8)
    rq = RequantS8((1 << 30,) * 3, (1,) * 3, 1, 0, -128, 127, af.ROUND_DOUBLE)
    want = conv_transpose2d_raw((x.astype(np.float64) + 1), w.astype(np.float64),
                                {"strides": (2, 2), "pads": (1, 0, 0, 0), "dilations": (1, 1), "groups": 1,
                                 "output_padding": (0, 0)}, (7, 8))
    np.testing.assert_array_equal(ks.conv_transpose2d_s8(g, rq, x, w, None), want[..., :7, :8, :])


# ---------------------------------------------------------------- one-operator models against TFLite

def _one_op_model(kind, seed):
    from tflite_builder import TfliteBuilder
    rng = np.random.default_rng(seed)
    b = TfliteBuilder()
    s_in, z_in = f32(rng.uniform(0.01, 0.1)), int(rng.integers(-40, 40))
    rank = int(rng.integers(2, 5))
    shape = [1] + [int(v) for v in rng.integers(1, 7, size=rank - 1)]
    if kind == "hard_swish":  # PyTorch's hardswish: often to a smaller scale with a negative zero point
        x = b.input(shape, s_in, z_in)
        y = b.unary("HARD_SWISH", x, f32(s_in * rng.uniform(0.1, 1.5)), int(rng.integers(-128, 20)))
    elif kind in ("maximum", "minimum"):
        x = b.input(shape, s_in, z_in)
        other_shape = [d if rng.integers(0, 2) else 1 for d in shape][int(rng.integers(0, rank)):]
        if seed % 2:  # a constant (ReLU6 as MINIMUM(x, 6) and the like), broadcast
            other = b.const_s8(rng.integers(-128, 128, size=other_shape or [1]), s_in, z_in)
        else:  # another activation of the same format: the input reversed by a strided slice
            other = b.strided_slice(x, [0] * (rank - 1) + [shape[-1] - 1], [0] * rank, [1] * (rank - 1) + [-1],
                                    shape, begin_mask=(1 << (rank - 1)) - 1, end_mask=(1 << rank) - 1)
        y = b.maximum_minimum(kind.upper(), x, other) if seed % 4 < 2 else b.maximum_minimum(kind.upper(), other, x)
    elif kind == "prelu":  # Keras' per-element slope [H, W, C], per channel, shared axes, or one value
        shape = [1] + [int(v) for v in rng.integers(1, 7, size=3)]
        x = b.input(shape, s_in, z_in)
        ashape = [shape[1:], shape[3:], [1, 1, shape[3]], [shape[1], 1, shape[3]], [1]][seed % 5]
        a = b.const_s8(rng.integers(-128, 128, size=ashape), f32(rng.uniform(0.001, 0.01)),
                       int(rng.integers(-20, 20)))
        y = b.prelu(x, a, f32(s_in * rng.uniform(0.3, 2)), int(rng.integers(-30, 30)))
    elif kind == "leaky_relu":
        x = b.input(shape, s_in, z_in)
        y = b.leaky_relu(x, [0.01, 0.1, 0.2, 0.3, 1.0][seed % 5] if seed % 2 else rng.uniform(0, 1),
                         f32(s_in * rng.uniform(0.3, 2)), int(rng.integers(-30, 30)))
    elif kind in ("split", "split_v"):
        axis = int(rng.integers(0, rank))
        num = int(rng.integers(1, 4))
        if kind == "split":
            shape[axis] *= num
        else:
            shape[axis] = max(shape[axis], num)
        x = b.input(shape, s_in, z_in)
        if kind == "split":
            parts = b.split(x, axis - rank if seed % 2 else axis, num)
        else:
            cuts = sorted(int(v) for v in rng.choice(np.arange(1, shape[axis]), num - 1, replace=False))
            sizes = list(np.diff([0] + cuts + [shape[axis]]))
            sizes[int(rng.integers(0, num))] = -1
            parts = b.split_v(x, [int(v) for v in sizes], axis)
        if seed % 2:  # the parts joined in reverse order (every output read)
            y = b.concat(parts[::-1], axis)
        else:  # one part (the others unused)
            y = parts[int(rng.integers(0, num))]
    elif kind == "strided_slice":
        from nncodegen.frontends.tflite.ops_int16 import _slice_axis  # TFLite's StartForAxis / StopForAxis
        x = b.input(shape, s_in, z_in)
        begin, end, strides, bm, em = [], [], [], 0, 0
        for k, d in enumerate(shape):
            s = int(rng.choice([1, 1, 2, 3, -1, -2]))
            if s > 0:
                a = int(rng.integers(0, d))
                e = int(rng.integers(a + 1, d + 1))
            else:  # from a down to e + 1; e = -1 (through index 0) is written -d - 1
                a = int(rng.integers(0, d))
                e = int(rng.integers(-1, a))
                e = -d - 1 if e < 0 else e
            bm |= int(rng.integers(0, 4) == 0) << k
            em |= int(rng.integers(0, 4) == 0) << k
            begin.append(a - d if rng.integers(0, 2) else a)  # negative indices count from the end
            end.append(e)
            strides.append(s)
        sizes = [_slice_axis(d, bg, e, s, bool(bm >> k & 1), bool(em >> k & 1), False)[1]
                 for k, (d, bg, e, s) in enumerate(zip(shape, begin, end, strides))]
        shrink = 2 if seed % 2 and sizes[1] == 1 and not bm & 2 else 0
        y = b.strided_slice(x, begin, end, strides, [n for k, n in enumerate(sizes) if not shrink >> k & 1], bm, em,
                            shrink)
    elif kind == "transpose_conv":
        h, w, c = (int(v) for v in rng.integers(1, 6, size=3))
        x = b.input((1, h, w, c), s_in, z_in)
        k, stride, oc = int(rng.integers(1, 5)), int(rng.integers(1, 4)), int(rng.integers(1, 6))
        padding = "SAME" if seed % 2 else "VALID"
        oh, ow = (h * stride, w * stride) if padding == "SAME" else \
            ((h - 1) * stride + k, (w - 1) * stride + k)
        ws = rng.uniform(0.002, 0.02, oc).astype(np.float32)
        wq = rng.integers(-127, 128, size=(oc, k, k, c))
        bias = rng.integers(-2000, 2000, oc) if seed % 3 else None
        y = b.transpose_conv(x, wq, bias, ws, (1, oh, ow, oc), f32(s_in * float(ws.mean()) * 40 * np.sqrt(k * k * c)),
                             int(rng.integers(-20, 20)), stride, padding)
    else:
        raise ValueError(kind)
    return b.finish(y)


KINDS = ["hard_swish", "maximum", "minimum", "prelu", "leaky_relu", "split", "split_v", "strided_slice",
         "transpose_conv"]


def _litert_prelu_twin(g, xs):
    """PRELU with LiteRT's float32 multipliers (its Prepare: float products promoted to double)."""
    node = [n for n in g.nodes if n.op == "prelu"][0]
    fi, fo = g.tensors[node.inputs[0]].fmt, g.tensors[node.outputs[0]].fmt
    st_ = g.tensors[node.inputs[1]]
    f = np.float32
    from nncodegen.lower.lower_s8 import _prelu_period
    alpha = _prelu_period(node, np.asarray(st_.qdata), g.tensors[node.inputs[0]].shape)
    mp, sp = af.quantize_multiplier(float(f(f(fi.scale) / f(fo.scale))))
    mn, sn = af.quantize_multiplier(float(f(f(f(fi.scale) * f(st_.fmt.scale)) / f(fo.scale))))
    n = int(np.prod(g.tensors[node.inputs[0]].shape))
    p = PreluS8(n // alpha.size, alpha.size, -fi.zero_point, tuple(int(v) for v in alpha), -st_.fmt.zero_point,
                mp, sp, (mn,) * alpha.size, (sn,) * alpha.size, fo.zero_point, -128, 127, af.ROUND_DOUBLE)
    return np.stack([ks.prelu_s8(p, x) for x in xs])


@pytest.mark.parametrize("kind", KINDS)
def test_one_op_models_equal_tflite_micro_and_litert(kind, tmp_path):
    """Random one-operator models (shapes, formats, broadcasts, masks, paddings, strides): the C equals TFLite
    Micro bit for bit, and LiteRT's BUILTIN_REF kernels too (PRELU: LiteRT's own float32 multipliers)."""
    pytest.importorskip("tflite_micro")
    litert = pytest.importorskip("ai_edge_litert")
    seen, prelu_differs = set(), 0
    for seed, path, g, xs, y_c in random_models(_one_op_model, kind, range(5), tmp_path, 6, np.int8, 100):
        y_m = run_tflm(path, xs).reshape(y_c.shape)
        assert_equal_ref(y_c, y_m, f"{kind} seed {seed}")
        y_l = run_litert_ref(path, xs).reshape(y_c.shape)
        if kind == "prelu" and not np.array_equal(y_l, y_c):
            prelu_differs += 1
            np.testing.assert_array_equal(_litert_prelu_twin(g, xs).reshape(y_c.shape), y_l, err_msg=f"prelu {seed}")
        else:
            np.testing.assert_array_equal(y_c, y_l, err_msg=f"{kind} {seed}")
        seen.update(int(v) for v in np.unique(y_m))
    assert len(seen) > 8 and litert is not None


# ---------------------------------------------------------------- refusals

def _load_one(tmp_path, build):
    from tflite_builder import TfliteBuilder
    b = TfliteBuilder()
    path = tmp_path / "m.tflite"
    path.write_bytes(b.finish(build(b)))
    return nncodegen.load(path)


def test_refusals_name_the_operator(tmp_path):
    def max_two_formats(b):
        x = b.input((1, 4, 4, 2), 0.05, 0)
        c = b.const_s8(np.zeros((1, 1, 1, 2)), 0.1, 3)
        return b.maximum_minimum("MAXIMUM", x, c)

    def hard_swish_wide(b):
        return b.unary("HARD_SWISH", b.input((1, 8), 1.0, 0), 1.0 / 256, 0)

    def prelu_alpha_input(b):
        x = b.input((1, 4, 4, 2), 0.05, 0)
        return b.prelu(x, b.unary("HARD_SWISH", x, 0.05, 0), 0.05, 0)

    def split_uneven(b):
        x = b.input((1, 5, 2), 0.05, 0)
        ys = b.split(x, 1, 2)
        return b.concat(ys, 1)

    def tconv_act(b):
        x = b.input((1, 2, 2, 1), 0.05, 0)
        y = b.transpose_conv(x, np.ones((1, 2, 2, 1)), None, [0.01], (1, 4, 4, 1), 0.05, 0, 2, "VALID")
        b.ops[-1].builtinOptions.fusedActivationFunction = 1
        return y

    cases = [(max_two_formats, r"#0 MAXIMUM -> 't2'.*share one format"),
             (hard_swish_wide, r"#0 HARD_SWISH.*output exponent"),
             (prelu_alpha_input, r"#1 PRELU.*slope \(alpha\) must be an int8 constant"),
             (split_uneven, r"#0 SPLIT .*does not split into 2 equal parts"),
             (tconv_act, r"#0 TRANSPOSE_CONV.*fused activations")]
    for build, pattern in cases:
        with pytest.raises(GraphError, match=pattern):
            _load_one(tmp_path, build)


def test_prelu_runtimes_disagree_where_the_multipliers_do(tmp_path):
    """Scales whose slope multiplier s_in * s_alpha / s_out rounds differently in double (TFLite Micro) and
    float32 (LiteRT): (x - zp) * (alpha - zp_alpha) = -206 * -254 lands on a rounding boundary.  The C gives TFLite
    Micro's integer there (59), LiteRT 60, which the twin with float32 multipliers reproduces."""
    pytest.importorskip("tflite_micro")
    pytest.importorskip("ai_edge_litert")
    from tflite_builder import TfliteBuilder
    b = TfliteBuilder()
    x = b.input((1, 256), 0.08314746618270874, 78)
    y = b.prelu(x, b.const_s8([-128], 0.009315848350524902, 126), 0.681181013584137, 0)
    path = tmp_path / "prelu_pin.tflite"
    path.write_bytes(b.finish(y))
    g = nncodegen.load(path)
    cm = nncodegen.build(nncodegen.generate(g, tmp_path / "c", name="m"))
    xs = ALL_S8.reshape(1, 256)
    y_c, y_m, y_l = cm.run_raw(xs).reshape(256), run_tflm(path, xs).reshape(256), run_litert_ref(path, xs).reshape(256)
    np.testing.assert_array_equal(y_c, y_m)
    np.testing.assert_array_equal(_litert_prelu_twin(g, xs).reshape(256), y_l)
    assert np.nonzero(y_c != y_l)[0].tolist() == [0] and (y_c[0], y_l[0]) == (59, 60)  # x = -128 only
