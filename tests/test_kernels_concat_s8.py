"""concat_part_s8 (templates_c/kernels/concat_s8.c) in every build the host runs - portable, SSE2, SSE4.1, AVX2 and
-O3 -march=native (the VPERMI2B table path where the CPU has AVX512-VBMI) - against its twin
(nncodegen/ref/kernels_s8_eltwise.py): rows shorter than, equal to and longer than the 64-byte step, with and
without the requantizing table, the output's other columns untouched."""
from __future__ import annotations

from hypothesis import event, given, settings
from hypothesis import strategies as st
import pytest

from helpers import assert_same
from nncodegen.lower.params import ConcatS8
from nncodegen.ref import kernels_s8 as ks
from test_kernels_s8 import draw_s8, garbage, ints
from test_kernels_simd import CFG, VARIANTS, simd_lib


@pytest.mark.parametrize("variant", list(VARIANTS))
@settings(max_examples=60, **CFG)
@given(data=st.data())
def test_concat_part_s8_variants(variant, data):
    lib = simd_lib("kernels_concat_s8", variant, ("concat_s8",))
    table = tuple(int(v) for v in draw_s8(data, (256,), "table"))
    outer = ints(data, 1, 6, "outer")
    inner = data.draw(st.one_of(st.integers(1, 16), st.sampled_from([63, 64, 65, 127, 128, 129]),
                                st.integers(1, 200)), label="inner")
    out_inner = inner + ints(data, 0, 70, "extra")
    p = ConcatS8(outer, inner, out_inner, ints(data, 0, out_inner - inner, "offset"),
                 data.draw(st.sampled_from([None, table]), label="table"))
    event(f"inner {'< 64' if inner < 64 else '>= 64'}, table {p.table is not None}")
    x = draw_s8(data, (outer, inner), "x")
    y = garbage((outer, out_inner), seed=ints(data, 0, 100, "prefill"))
    want = ks.concat_part_s8(p, x, y)
    lib.call("concat_part_s8", lib.s(p), lib.p(x), lib.p(y))
    assert_same(y, want, f"concat_part_s8 [{variant}] {p}")


@pytest.mark.parametrize("variant", ["portable", "native"])
@settings(max_examples=60, **CFG)
@given(data=st.data())
def test_concat_part_s8_narrow_rows(variant, data):
    """Output rows of at most 32 bytes (native: 64 / out_inner rows a step, placed by one VPERMB, a last partial
    step), with and without the table, the output's other columns untouched."""
    lib = simd_lib("kernels_concat_s8", variant, ("concat_s8",))
    table = tuple(int(v) for v in draw_s8(data, (256,), "table"))
    outer = ints(data, 1, 40, "outer")
    out_inner = ints(data, 1, 32, "out_inner")
    inner = ints(data, 1, out_inner, "inner")
    p = ConcatS8(outer, inner, out_inner, ints(data, 0, out_inner - inner, "offset"),
                 data.draw(st.sampled_from([None, table]), label="table"))
    x = draw_s8(data, (outer, inner), "x")
    y = garbage((outer, out_inner), seed=ints(data, 0, 100, "prefill"))
    want = ks.concat_part_s8(p, x, y)
    lib.call("concat_part_s8", lib.s(p), lib.p(x), lib.p(y))
    assert_same(y, want, f"concat_part_s8 [{variant}] {p}")
