"""--quantize int8 on graphs built in code (tests/test_pipeline.py's graphs): post-training affine
quantization -> lowering -> C; the C equals the simulator bit for bit in both rounding modes (or
within one step after a layer that runs in float), stays close to the float reference, and an
integer-only model's .c holds no float."""
from __future__ import annotations

import re

import numpy as np
import pytest

import nncodegen
from nncodegen.ir.formats import AffineFormat
from test_pipeline import g_cnn, g_encdec, g_fire_shuffle


@pytest.mark.parametrize("make", [g_cnn, g_fire_shuffle, g_encdec], ids=["cnn", "fire_shuffle", "encdec"])
@pytest.mark.parametrize("rounding", ["double", "single"])
def test_int8_ptq_c_equals_simulator(tmp_path, make, rounding):
    g = make()
    shape = g.tensors[g.inputs[0]].shape
    rng = np.random.default_rng(0)
    gq = nncodegen.quantize(g, rng.normal(size=(32,) + shape[1:]).astype(np.float32), "int8", rounding=rounding)
    assert isinstance(gq.tensors[gq.inputs[0]].fmt, AffineFormat)
    assert gq.meta["quantization"]["rounding"] == rounding
    out = nncodegen.generate(gq, tmp_path / "m", name="m")
    cm = nncodegen.build(out)
    x = rng.normal(size=(16,) + shape[1:]).astype(np.float32)
    y_c = cm.run_raw(cm.quantize_input(x))
    y_s = nncodegen.simulate(gq, x, raw=True).reshape(y_c.shape)
    kernels = (out / "m.c").read_text()
    if "_f32(" in kernels:  # a layer runs in float: its quantize may round a near-tie differently
        assert np.abs(y_c.astype(np.int64) - y_s).max() <= 1
    else:
        np.testing.assert_array_equal(y_c, y_s)
        code = re.sub(r"/\*.*?\*/", "", kernels, flags=re.S)
        assert not re.search(r"\b(float|double)\b", code)
    y, ref = cm.run(x).ravel(), nncodegen.reference(gq, x).ravel()
    assert y @ ref / np.linalg.norm(y) / np.linalg.norm(ref) >= 0.99


def test_leaky_relu_runs_as_a_table_after_its_layer():
    gq = nncodegen.quantize(g_cnn(), np.random.default_rng(0).normal(size=(8, 10, 10, 3)).astype(np.float32), "int8")
    from nncodegen.lower.lower import lower
    kernels = [c.kernel for c in lower(gq).calls]
    assert "lut_s8" in kernels and not any(k.endswith("_f32") for k in kernels)
