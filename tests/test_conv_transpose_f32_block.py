"""conv_transpose2d_f32's blocked x86 path (16 output channels in the lanes, weights copied once per call into
[ky][kx][ic][16]) gives the portable loop's bits in every host build (SSE2, AVX2, -O3 -march=native) and
agrees with the twin within float tolerance, over random geometries: groups, strides, dilations, paddings,
channel counts around the 16-lane blocks, and layers too large for the block (the portable loop)."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from nncodegen.lower.params import ActF32, ConvGeom
from nncodegen.ref import kernels_f32 as kf

from test_kernels_simd import CFG, host_variants, simd_lib


def run(variant, g, act, x, w, bias):
    return simd_lib("kernels_ct_f32", variant, ("conv_transpose2d_f32",)).run_into(
        "conv_transpose2d_f32", [g, act, x, w, bias], np.full((g.batch, g.out_h, g.out_w, g.out_c), np.nan, np.float32))


@settings(max_examples=40, **CFG)
@given(data=st.data())
def test_conv_transpose2d_f32_same_bits_in_every_build(data):
    d = lambda lo, hi, label: data.draw(st.integers(lo, hi), label=label)  # noqa: E731
    groups = data.draw(st.sampled_from([1, 1, 2, 3]), label="groups")
    cin_g = data.draw(st.sampled_from([1, 3, 8, 16, 40]), label="cin_g")
    cout_g = data.draw(st.sampled_from([1, 2, 8, 15, 16, 17, 33]), label="cout_g")
    k = d(1, 3, "k")
    s, dil, pad = d(1, 3, "stride"), d(1, 2, "dil"), d(0, 2, "pad")
    h, w = d(1, 6, "h"), d(1, 6, "w")
    oh, ow = (h - 1) * s - 2 * pad + dil * (k - 1) + 1 + d(0, 1, "extra"), (w - 1) * s - 2 * pad + dil * (k - 1) + 1
    if oh < 1 or ow < 1:
        oh, ow, pad = max(oh, 1) + 2, max(ow, 1) + 2, 0
    g = ConvGeom(d(1, 2, "batch"), h, w, cin_g * groups, oh, ow, cout_g * groups, k, k, s, s, pad, pad, dil, dil,
                 groups)
    rng = np.random.default_rng(d(0, 2**32 - 1, "seed"))
    x = rng.normal(size=(g.batch, h, w, g.in_c)).astype(np.float32)
    wt = rng.normal(size=(g.out_c, k, k, cin_g)).astype(np.float32)
    bias = rng.normal(size=g.out_c).astype(np.float32) if data.draw(st.booleans(), label="bias") else None
    act = data.draw(st.sampled_from([None, ActF32(), ActF32(-1.0, 2.0, 0.1)]), label="act")
    want = kf.conv_transpose2d_f32(g, act, x, wt, bias)
    ref = run("portable", g, act, x, wt, bias)
    np.testing.assert_allclose(ref, want, rtol=1e-4, atol=1e-4 * np.sqrt(k * k * cin_g))
    for variant in host_variants():
        got = run(variant, g, act, x, wt, bias)
        assert got.tobytes() == ref.tobytes(), f"{variant} differs from the portable build: {g}"
