"""The command line as users and outside checks call it (CONTRACT.md)."""
import json
import os
import subprocess
import sys

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from conftest import ROOT

EX = None


def nnc(*args, cwd=None):
    # run the checkout's package whatever the working directory
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT)] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    return subprocess.run([sys.executable, "-m", "nncodegen", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env)


def assert_clean_error(r, *needles):
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr, r.stderr
    lines = [l for l in r.stderr.strip().splitlines() if "error:" in l]
    assert len(lines) == 1, r.stderr
    for n in needles:
        assert n in lines[0], (n, lines[0])


@pytest.fixture(scope="module")
def ex(examples_dir):
    return examples_dir / "mnist_cnn"


@pytest.mark.parametrize("sub", ["compile", "run", "verify", "report", "bench"])
def test_help(sub):
    r = nnc(sub, "--help")
    assert r.returncode == 0 and "usage" in r.stdout


def test_compile_run_verify_report_bench(tmp_path, ex):
    out = tmp_path / "q7"
    r = nnc("compile", ex / "mnist_cnn.onnx", "-o", out, "--quantize", "q7", "--calib", ex / "calib.npy")
    assert r.returncode == 0, r.stderr
    for f in ("mnist_cnn.c", "mnist_cnn.h", "CMakeLists.txt", "report.json", "report.md", "main.c"):
        assert (out / f).exists(), f
    header = (out / "mnist_cnn.h").read_text()
    for macro in ("mnist_cnn_INPUT_LEN", "mnist_cnn_OUTPUT_LEN", "mnist_cnn_ARENA_BYTES", "mnist_cnn_INPUT_FRAC",
                  "mnist_cnn_OUTPUT_FRAC"):
        assert f"#define {macro}" in header
    assert "int mnist_cnn_run(const mnist_cnn_input_t *input, mnist_cnn_output_t *output);" in header

    x = np.load(ex / "test_images.npy")[:40]
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "lab.npy", np.load(ex / "test_labels.npy")[:40])
    r = nnc("run", out, "--inputs", tmp_path / "x.npy", "-o", tmp_path / "y.npy")
    assert r.returncode == 0, r.stderr
    y = np.load(tmp_path / "y.npy")
    assert y.shape == (40, 10) and y.dtype == np.float32

    r = nnc("verify", out, "--inputs", tmp_path / "x.npy", "--labels", tmp_path / "lab.npy", "--json", tmp_path / "v.json")
    assert r.returncode == 0, r.stdout + r.stderr
    v = json.loads((tmp_path / "v.json").read_text())
    assert v["target"] == "host" and v["n_samples"] == 40 and v["bit_exact"] is True
    assert v["max_abs_diff_vs_sim"] == 0
    assert set(v["float_ref"]) >= {"max_abs_err", "rmse", "cosine", "top1_agreement"}
    assert 0.9 <= v["accuracy"] <= 1.0 and v["first_divergent_layer"] is None

    r = nnc("report", out, "--json", tmp_path / "r.json")
    assert r.returncode == 0
    rep = json.loads((tmp_path / "r.json").read_text())
    for k in ("arena_bytes", "arena_lower_bound_bytes", "weight_bytes", "float_weight_bytes", "macs", "binary_macs"):
        assert isinstance(rep[k], int), k
    assert rep["float_weight_bytes"] > rep["weight_bytes"] > 0
    for layer in rep["layers"]:
        assert {"name", "op", "out_shape", "weight_bytes", "macs"} <= set(layer)
    assert sum(l["macs"] for l in rep["layers"]) == rep["macs"]

    r = nnc("report", ex / "mnist_cnn.onnx")
    assert r.returncode == 0 and "conv2d" in r.stdout

    r = nnc("bench", out, "--runs", "20", "--json", tmp_path / "b.json")
    assert r.returncode == 0, r.stderr
    b = json.loads((tmp_path / "b.json").read_text())
    assert b["median_ns"] > 0 and len(b["layers"]) == len(rep["layers"])


def test_verify_fails_and_names_the_layer_when_the_c_is_wrong(tmp_path, ex):
    out = tmp_path / "q7"
    assert nnc("compile", ex / "mnist_cnn.onnx", "-o", out, "--quantize", "q7", "--calib", ex / "calib.npy").returncode == 0
    # sabotage one weight of the third conv in the generated C
    src = (out / "mnist_cnn.c").read_text()
    marker = "static const int8_t c__dw_Conv_w"
    i = src.index(marker)
    j = src.index("{", i) + 1
    k = src.index(",", j)
    old = int(src[j:k])
    src = src[:j] + f"\n    {old + 60 if old < 0 else old - 60}" + src[k:]
    (out / "mnist_cnn.c").write_text(src)
    np.save(tmp_path / "x.npy", np.load(ex / "test_images.npy")[:20])
    r = nnc("verify", out, "--inputs", tmp_path / "x.npy", "--json", tmp_path / "v.json")
    assert r.returncode == 1, r.stdout + r.stderr
    v = json.loads((tmp_path / "v.json").read_text())
    assert v["bit_exact"] is False
    assert v["first_divergent_layer"].startswith("/dw/Conv"), v["first_divergent_layer"]


def test_corrupt_and_truncated_onnx(tmp_path, ex):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\x00garbage\xff" * 10)
    r = nnc("compile", bad, "-o", tmp_path / "o1")
    assert_clean_error(r, "bad.onnx")
    assert not (tmp_path / "o1").exists()
    data = (ex / "mnist_cnn.onnx").read_bytes()
    cut = tmp_path / "cut.onnx"
    cut.write_bytes(data[: len(data) // 2])
    r = nnc("compile", cut, "-o", tmp_path / "o2")
    assert_clean_error(r, "cut.onnx")
    assert not (tmp_path / "o2").exists()


def test_unsupported_ops_listed_together(tmp_path):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])
    nodes = [helper.make_node("Relu", ["x"], ["a"], name="ok1"),
             helper.make_node("Erf", ["a"], ["b"], name="bad_erf"),
             helper.make_node("Relu", ["b"], ["c"], name="ok2"),
             helper.make_node("Round", ["c"], ["y"], name="bad_round")]
    m = helper.make_model(helper.make_graph(nodes, "g", [x], [y]), opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 8
    p = tmp_path / "u.onnx"
    onnx.save(m, str(p))
    r = nnc("compile", p, "-o", tmp_path / "o")
    assert_clean_error(r, "bad_erf", "Erf", "bad_round", "Round")
    assert not (tmp_path / "o").exists()


def test_missing_or_bad_calibration(tmp_path, ex):
    r = nnc("compile", ex / "mnist_cnn.onnx", "-o", tmp_path / "o", "--quantize", "q7", "--calib", tmp_path / "nope.npy")
    assert_clean_error(r, "nope.npy")
    assert not (tmp_path / "o").exists()
    r = nnc("compile", ex / "mnist_cnn.onnx", "-o", tmp_path / "o", "--quantize", "q7")
    assert_clean_error(r, "--calib")
    np.save(tmp_path / "c.npy", np.zeros((4, 27, 28, 1), np.float32))
    r = nnc("compile", ex / "mnist_cnn.onnx", "-o", tmp_path / "o", "--quantize", "q7", "--calib", tmp_path / "c.npy")
    assert_clean_error(r, "c.npy", "shape")
    assert not (tmp_path / "o").exists()


def test_run_rejects_wrong_shape_and_dtype(tmp_path, ex):
    out = tmp_path / "f"
    assert nnc("compile", ex / "mnist_cnn.onnx", "-o", out).returncode == 0
    np.save(tmp_path / "x.npy", np.zeros((2, 28, 27, 1), np.float32))
    r = nnc("run", out, "--inputs", tmp_path / "x.npy", "-o", tmp_path / "y.npy")
    assert_clean_error(r, "expected shape (N, 28, 28, 1)")
    np.save(tmp_path / "s.npy", np.array([["a"] * 28] * 28))
    r = nnc("run", out, "--inputs", tmp_path / "s.npy", "-o", tmp_path / "y.npy")
    assert_clean_error(r, "dtype")
    assert not (tmp_path / "y.npy").exists()
    r = nnc("run", tmp_path / "nothing", "--inputs", tmp_path / "x.npy", "-o", tmp_path / "y.npy")
    assert_clean_error(r, "nothing")


def test_unknown_target_and_missing_model(tmp_path, ex):
    assert_clean_error(nnc("compile", ex / "mnist_cnn.onnx", "-o", tmp_path / "o", "--target", "pdp11"), "pdp11")
    assert_clean_error(nnc("compile", tmp_path / "none.onnx", "-o", tmp_path / "o"), "none.onnx")


def test_relative_output_directory_as_in_the_readme(tmp_path, ex):
    """README command one uses a relative OUTDIR; building must not depend on the compiler's cwd."""
    r = nnc("compile", ex / "mnist_cnn.onnx", "-o", "out/mnist_q7", "--quantize", "q7", "--calib", ex / "calib.npy",
            cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    np.save(tmp_path / "x.npy", np.load(ex / "test_images.npy")[:10])
    r = nnc("verify", "out/mnist_q7", "--inputs", "x.npy", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "PASS" in r.stdout


@pytest.mark.parametrize("model", ["fire", "grouped_shuffle"])
@pytest.mark.parametrize("quant", ["q7", "q15", "int8", "float32"])
def test_report_counts_the_weight_arrays_the_c_stores(tmp_path, model, quant):
    """Layers' weight bytes in report.json (per layer and in total) are the const arrays the generated C holds
    for them, in every number format: packed layouts (conv2d_pk_q7, the narrow / grouped 1x1 conv2d_pw4_q7's
    indices, weights and folded bias; conv2d_pk_s8's padded blocks and offset-folded bias; conv2d_pk_f32's
    padded groups) count as stored, not as the ONNX weights they came from."""
    import re
    import onnx_zoo
    src = tmp_path / f"{model}.onnx"
    onnx.save(getattr(onnx_zoo, model)(), src)
    shape = [d.dim_value for d in onnx.load(src).graph.input[0].type.tensor_type.shape.dim]
    calib = tmp_path / "calib.npy"
    np.save(calib, np.random.default_rng(0).standard_normal((4, shape[2], shape[3], shape[1])).astype(np.float32))
    out = tmp_path / "out"
    qargs = [] if quant == "float32" else ["--quantize", quant, "--calib", str(calib)]
    r = nnc("compile", str(src), *qargs, "-o", str(out))
    assert r.returncode == 0, r.stderr
    rep = json.loads((out / "report.json").read_text())
    c = (out / f"{rep['name']}.c").read_text()
    size = {"int8_t": 1, "uint8_t": 1, "int16_t": 2, "int32_t": 4, "float": 4}
    arrays = re.findall(r"static const (\w+) c_(\w+)\[(\d+)\]", c)
    assert arrays
    assert rep["weight_bytes"] == sum(size[t] * int(n) for t, _, n in arrays)
    kernels = {k for layer in rep["layers"] for k in layer["kernels"]}
    packed = {"q7": "conv2d_pw4_q7", "int8": "conv2d_pk_s8", "float32": "conv2d_pk_f32"}
    if quant in packed:
        assert packed[quant] in kernels  # layers this accounting was wrong for
    for layer in rep["layers"]:
        mine = [size[t] * int(n) for t, name, n in arrays if name.startswith(layer["name"] + "_")]
        assert layer["weight_bytes"] == sum(mine), layer["name"]
