"""maxpool_s8 (templates_c/kernels/pool_s8.c) in every build the host runs - portable, SSE2, SSE4.1, AVX2 and
-O3 -march=native (one masked VPMAXSB per window tap where the CPU has AVX512BW and in_c <= 64) - against its twin
(nncodegen/ref/kernels_s8_pool.py), with padding (border windows), strides and channel counts on both sides of
64."""
from __future__ import annotations

import dataclasses

from hypothesis import event, given, settings
from hypothesis import strategies as st
import pytest

from helpers import assert_same
from nncodegen.ref import kernels_s8 as ks
from test_kernels_s8 import draw_pool_geom, draw_s8, garbage
from test_kernels_simd import CFG, VARIANTS, simd_lib


@pytest.mark.parametrize("variant", list(VARIANTS))
@settings(max_examples=60, **CFG)
@given(data=st.data())
def test_maxpool_s8_variants(variant, data):
    lib = simd_lib("kernels_pool_s8", variant, ("pool_s8",))
    c = data.draw(st.one_of(st.integers(1, 16), st.sampled_from([63, 64, 65, 80])), label="c")
    g = dataclasses.replace(draw_pool_geom(data), in_c=c, out_c=c)
    event(f"c {'<= 64' if c <= 64 else '> 64'}")
    x = draw_s8(data, (g.batch, g.in_h, g.in_w, g.in_c), "x")
    want = ks.maxpool_s8(g, x)
    out = garbage(want.shape)
    lib.call("maxpool_s8", lib.s(g), lib.p(x), lib.p(out))
    assert_same(out, want, f"maxpool_s8 [{variant}] {g}")
