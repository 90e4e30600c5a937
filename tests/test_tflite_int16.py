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
from helpers import random_models
from tflite_builder import f32
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


# ---------------------------------------------------------------- generated one-op 16x8 models vs TFLite Micro

def _builder16():
    from tflite_builder import TfliteBuilder

    class Builder16(TfliteBuilder):
        """TfliteBuilder with int16 activations and int64 convolution biases."""

        def act(self, shape, scale, zp):
            return self.tensor(shape, self.s.TensorType.INT16, scale, zp)

        def conv16(self, x, w, b, w_scales, out_scale, stride, padding, dilation, act):
            s = self.s
            xs = self.shape(x)
            wt = self.tensor(w.shape, s.TensorType.INT8, w_scales, np.zeros(len(w_scales), int), data=w.astype(np.int8))
            bt = self.tensor(b.shape, s.TensorType.INT64, np.float32(self.tensors[x].quantization.scale[0]) * w_scales,
                             np.zeros(len(w_scales), int), data=b.astype(np.int64))
            ek = dilation * (w.shape[1] - 1) + 1
            oh, ow = ((-(-xs[1] // stride), -(-xs[2] // stride)) if padding == "SAME" else
                      ((xs[1] - ek) // stride + 1, (xs[2] - dilation * (w.shape[2] - 1) - 1) // stride + 1))
            y = self.act((1, oh, ow, w.shape[0]), out_scale, 0)
            o = s.Conv2DOptionsT()
            o.padding, o.strideW, o.strideH = {"SAME": 0, "VALID": 1}[padding], stride, stride
            o.dilationWFactor = o.dilationHFactor = dilation
            o.fusedActivationFunction = {"none": 0, "relu": 1, "relu6": 3}[act]
            self.op(s.BuiltinOperator.CONV_2D, [x, wt, bt], [y], s.BuiltinOptions.Conv2DOptions, o, 4)
            return y

        def tconv16(self, x, w, b, w_scales, out_scale, stride, padding, out_hw):
            s = self.s
            wt = self.tensor(w.shape, s.TensorType.INT8, w_scales, np.zeros(len(w_scales), int), data=w.astype(np.int8))
            bt = self.tensor(b.shape, s.TensorType.INT64, np.float32(self.tensors[x].quantization.scale[0]) * w_scales,
                             np.zeros(len(w_scales), int), data=b.astype(np.int64))
            shape = (1, out_hw[0], out_hw[1], w.shape[0])
            st_ = self.tensor((4,), s.TensorType.INT32, data=np.asarray(shape, np.int32))
            y = self.act(shape, out_scale, 0)
            o = s.TransposeConvOptionsT()
            o.padding, o.strideW, o.strideH = {"SAME": 0, "VALID": 1}[padding], stride, stride
            self.op(s.BuiltinOperator.TRANSPOSE_CONV, [st_, wt, x, bt], [y], s.BuiltinOptions.TransposeConvOptions, o, 4)
            return y

        def binary16(self, kind, a, b, out_scale, act="none"):
            return self.eltwise(kind.capitalize(), a, b, out_scale, 0, act, version=3 if kind == "add" else 5,
                                potScaleInt16=False)

        def leaky16(self, x, alpha, out_scale):
            s = self.s
            y = self.act(self.shape(x), out_scale, 0)
            o = s.LeakyReluOptionsT()
            o.alpha = alpha
            self.op(s.BuiltinOperator.LEAKY_RELU, [x], [y], s.BuiltinOptions.LeakyReluOptions, o, 2)
            return y

        def requant16(self, x, scale):
            y = self.act(self.shape(x), scale, 0)
            self.op(self.s.BuiltinOperator.QUANTIZE, [x], [y], version=4)
            return y

    return Builder16()



def _random16(kind, seed):
    rng = np.random.default_rng(seed)
    b = _builder16()
    h, w_, c = int(rng.integers(3, 9)), int(rng.integers(3, 9)), int(rng.integers(1, 5))
    s_in = f32(rng.uniform(1e-4, 1e-3))
    x = b.input((1, h, w_, c), s_in, 0)
    if kind in ("conv", "tconv"):
        k, stride = int(rng.integers(1, 4)), int(rng.integers(1, 3))
        pad = str(rng.choice(["SAME", "VALID"]))
        n_out = int(rng.integers(1, 5))
        wq = rng.integers(-127, 128, size=(n_out, k, k, c))
        ws = rng.uniform(0.002, 0.02, n_out).astype(np.float32)
        bias = rng.integers(-(1 << 20), 1 << 20, n_out)
        out_scale = f32(s_in * float(ws.mean()) * 3000 * np.sqrt(k * k * c) / 20)
        if kind == "conv":
            dil = 1 if k == 1 else int(rng.integers(1, 3))
            if dil * (k - 1) + 1 > min(h, w_):
                dil = 1
            y = b.conv16(x, wq, bias, ws, out_scale, stride, pad, dil, str(rng.choice(["none", "relu", "relu6"])))
        else:
            out_hw = (h * stride, w_ * stride) if pad == "SAME" else ((h - 1) * stride + k, (w_ - 1) * stride + k)
            y = b.tconv16(x, wq, bias, ws, out_scale, stride, pad, out_hw)
    elif kind in ("add", "sub"):  # the input and a 1x1 conv of it (another scale), or a broadcast row of it
        ws = rng.uniform(0.002, 0.02, c).astype(np.float32)
        a = b.conv16(x, rng.integers(-127, 128, size=(c, 1, 1, c)), rng.integers(-3000, 3000, c), ws,
                     f32(s_in * float(ws.mean()) * 100), 1, "VALID", 1, "none")
        other = a if seed % 2 else b.strided_slice(a, [0, 0, 0, 0], [1, 1, 1, c], [1, 1, 1, 1], (1, 1, 1, c),
                                                                   version=4)
        y = b.binary16(kind, x, other, f32(rng.uniform(3e-4, 3e-3)), str(rng.choice(["none", "relu"])))
    elif kind == "leaky":
        y = b.leaky16(x, f32(rng.uniform(0.0, 0.5)), f32(s_in * rng.uniform(0.5, 2.0)))
    elif kind == "pad_slice":
        p = b.pad(x, [(0, 0), (1, int(rng.integers(0, 3))), (int(rng.integers(0, 3)), 1), (0, 0)])
        ps = b.shape(p)
        b1 = int(rng.integers(-2, 1))  # axis 1 from b1 (negative: from the end); axis 2 reversed, stopping before 0
        y = b.strided_slice(p, [0, b1, ps[2] - 1, 0], [1, ps[1], 0, c], [1, 1, -1, 1],
                            (1, ps[1] - b1 % ps[1], ps[2] - 1, c), 1, 8, 0, version=4)
    elif kind == "quantize":
        y = b.requant16(x, f32(s_in * rng.uniform(0.3, 3.0)))
    else:
        raise ValueError(kind)
    return b.finish(y)


@pytest.mark.parametrize("kind", ["conv", "tconv", "add", "sub", "leaky", "pad_slice", "quantize"])
def test_generated_16x8_models_equal_tflite_micro(kind, tmp_path):
    """Random one-op 16x8 models (shapes, strides, SAME / VALID, dilations, per-channel scales, int64 biases,
    fused activations, broadcasts, alphas, slices with masks and negative strides): the C equals TFLite
    Micro's reference kernels bit for bit."""
    pytest.importorskip("tflite_micro")
    from tflite_micro.python.tflite_micro import runtime
    seen = set()
    for seed, path, g, xs, y_c in random_models(_random16, kind, range(4), tmp_path, 6, np.int16, 50):
        ip = runtime.Interpreter.from_file(str(path), arena_size=1_000_000)
        for k in range(len(xs)):
            ip.set_input(xs[k:k + 1], 0)
            ip.invoke()
            y_ref = ip.get_output(0).reshape(y_c[k:k + 1].shape)
            bad = np.argwhere(y_c[k:k + 1] != y_ref)
            assert bad.size == 0, f"{kind} seed {seed}: {len(bad)} differ, first {bad[0]}"
            seen.update(int(v) for v in np.unique(y_ref))
    assert len(seen) > 50
