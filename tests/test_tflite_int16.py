"""TFLite 16x8 models (int16 activations, int8 weights, int64 biases) against TFLite's reference kernels.

* The 127 per-op models of TFLite Micro's seanet integration test (tests/models/tflite/seanet/, see the
  README there) are compiled to C and run on their input CSVs: every output integer must equal the
  golden CSV (the outputs of TFLite's reference kernels).  All models are built into one cffi extension
  (each model's C is prefixed by its name; the kernels are compiled once).
* Randomly generated one-op 16x8 models compared with TFLite Micro's interpreter (package tflite-micro).
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest

import nncodegen
from nncodegen.frontends.onnx_qdq import set_int8_rounding
from nncodegen.harness.cbuild import build_cffi
from nncodegen.harness.cdefs import cdef_from_headers
from nncodegen.ir.graph import GraphError
from nncodegen.lower.lower import lower
from nncodegen.ref.program_sim import run_program

SEANET = Path(__file__).resolve().parent / "models" / "tflite" / "seanet"
FAMILIES = {"add": 17, "conv": 22, "leaky_relu": 23, "pad": 19, "quantize": 2, "strided_slice": 34, "sub": 5,
            "transpose_conv": 5}
NP = {"int16": np.int16, "int32": np.int32}


def read_csv(path: Path) -> np.ndarray:
    dtype = NP[re.search(r"_(int\d+)\.csv$", path.name).group(1)]
    return np.array([int(v) for v in path.read_text().replace("\n", ",").split(",") if v.strip()],
                    dtype=np.int64).astype(dtype)


def seanet_models():
    return sorted(SEANET.glob("*/*.tflite"), key=lambda p: (p.parent.name, int(re.sub(r"\D", "", p.stem) or 0)))


def model_input(g, path: Path) -> np.ndarray:
    """The C input of one seanet model from its input CSVs (several int16 inputs: one row each)."""
    csvs = sorted(path.parent.glob(f"{path.stem}_input*.csv"))
    folded = {m["name"] for m in g.meta.get("folded_inputs", [])}
    xs = [read_csv(c) for c in csvs]
    if folded:  # TRANSPOSE_CONV's output-shape input: must be the static shape the C uses
        assert len(xs) == 2 and xs[0].dtype == np.int32
        assert tuple(xs[0]) == tuple(g.tensors[g.outputs[0]].shape)
        xs = xs[1:]
    tin = g.tensors[g.inputs[0]]
    if len(xs) == 1:
        return xs[0].reshape(tin.shape)
    x = np.zeros(tin.shape, dtype=np.int16)
    for k, v in enumerate(xs):
        assert g.meta["inputs"][k]["size"] == v.size
        x[0, k, :v.size] = v
    return x


@pytest.fixture(scope="module")
def seanet_build(tmp_path_factory):
    """Every seanet model generated, and all of them built into one cffi extension."""
    root = tmp_path_factory.mktemp("seanet")
    runtime = root / "runtime_all"
    runtime.mkdir()
    models, sources, headers = [], [], []
    for path in seanet_models():
        name = f"m_{path.stem}"
        g = nncodegen.load(path)
        out = nncodegen.generate(g, root / name, name=name)
        for f in (out / "runtime").iterdir():
            if not (runtime / f.name).exists():
                shutil.copyfile(f, runtime / f.name)
        sources.append(out / f"{name}.c")
        headers.append(out / f"{name}.h")
        models.append((path, name, g))
    sources += sorted(runtime.glob("*.c"))
    incs = [runtime] + [h.parent for h in headers]
    cdef = cdef_from_headers(headers, incs)
    ffi, lib = build_cffi("seanet_int16_all", sources, cdef, include_dirs=incs,
                          header="".join(f'#include "{h.name}"\n' for h in headers))
    return models, ffi, lib


def run_c(ffi, lib, name, g, x) -> np.ndarray:
    tin, tout = g.tensors[g.inputs[0]], g.tensors[g.outputs[0]]
    x = np.ascontiguousarray(x, dtype=tin.fmt.np_dtype)
    y = np.zeros(tout.shape, dtype=tout.fmt.np_dtype)
    rc = getattr(lib, f"{name}_run")(ffi.cast(f"{tin.fmt.ctype} *", x.ctypes.data),
                                     ffi.cast(f"{tout.fmt.ctype} *", y.ctypes.data))
    assert rc == 0
    return y


def test_seanet_goldens_bit_exact(seanet_build):
    """All 127 seanet models: the C's outputs equal TFLite's golden outputs, every integer."""
    models, ffi, lib = seanet_build
    counts, exact, report = {}, {}, []
    for path, name, g in models:
        fam = path.parent.name
        gold = read_csv(next(path.parent.glob(f"{path.stem}_golden_*.csv")))
        y = run_c(ffi, lib, name, g, model_input(g, path)).reshape(-1)
        assert y.dtype == gold.dtype and y.size == gold.size, name
        bad = int((y != gold).sum())
        counts[fam] = counts.get(fam, 0) + 1
        exact[fam] = exact.get(fam, 0) + (bad == 0)
        if bad:
            report.append(f"{path.stem}: {bad} of {gold.size} differ")
        assert len(np.unique(gold)) > 2, name  # the goldens are not constant (saturated) outputs
    assert counts == FAMILIES
    assert not report, "\n".join(report)
    assert exact == FAMILIES


def test_seanet_simulator_equals_c(seanet_build):
    """The numpy twins (nncodegen.simulate's integers) give the C's outputs on one model of each family."""
    models, ffi, lib = seanet_build
    seen = set()
    for path, name, g in models:
        if path.parent.name in seen:
            continue
        seen.add(path.parent.name)
        x = model_input(g, path)
        np.testing.assert_array_equal(run_program(g, lower(g), x).reshape(-1),
                                      run_c(ffi, lib, name, g, x).reshape(-1), err_msg=name)
    assert seen == set(FAMILIES)


def test_rounding_mode_matters():
    """The goldens follow TFLite's default (double) rounding: single rounding misses some of them."""
    path = SEANET / "leaky_relu" / "leaky_relu1.tflite"
    gold = read_csv(SEANET / "leaky_relu" / "leaky_relu1_golden_int16.csv")
    g = nncodegen.load(path)
    assert g.meta["quantization"]["rounding"] == "double" and g.meta["quantization"]["scheme"] == "int16x8"
    x = model_input(g, path)
    assert (run_program(g, lower(g), x).reshape(-1) == gold).all()
    set_int8_rounding(g, "single")
    assert (run_program(g, lower(g), x).reshape(-1) != gold).any()


def test_joined_inputs_and_formats():
    g = nncodegen.load(SEANET / "sub" / "sub0.tflite")
    tin = g.tensors[g.inputs[0]]
    assert tin.shape == (1, 2, 1536) and tin.fmt.bits == 16 and tin.fmt.per_channel
    assert [m["size"] for m in g.meta["inputs"]] == [1536, 64]
    conv = nncodegen.load(SEANET / "conv" / "conv0.tflite")
    b = conv.tensors[[n for n in conv.nodes if n.op == "conv2d"][0].inputs[2]]
    assert b.fmt.bits == 64 and b.qdata.dtype == np.int64
    assert [c.kernel for c in lower(conv).calls] == ["conv2d_s16"]
