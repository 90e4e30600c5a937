"""Model-level checks on real ONNX models: the shipped MNIST example and the zoo.

* float C against onnxruntime (max abs error <= 1e-4, scaled by the output magnitude when it exceeds 1);
* q7 / q15 C bit-exact against the simulator;
* the shipped example keeps its accuracy after quantization;
* the memory plan stays within 1.1x of its lower bound;
* the generated C compiles warning-free with gcc and clang, and integer models hold no float.
"""
import re
import shutil
import subprocess

import numpy as np
import onnx
import pytest

import nncodegen
import onnx_zoo
from nncodegen.frontends.onnx_import import load_onnx
from nncodegen.harness.cbuild import STRICT_FLAGS

ZOO = sorted(onnx_zoo.ALL)


def ort_run(model: onnx.ModelProto, x_nhwc: np.ndarray) -> np.ndarray:
    import onnxruntime as ort
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    outs = []
    for i in range(len(x_nhwc)):
        xi = x_nhwc[i:i + 1]
        if xi.ndim == 4:
            xi = np.transpose(xi, (0, 3, 1, 2))
        outs.append(sess.run(None, {name: np.ascontiguousarray(xi)})[0])
    return np.concatenate(outs)


def to_onnx_layout(g, y):
    """Our outputs are NHWC; ONNX's 4-D outputs are NCHW."""
    if g.meta.get("output_layout") == "NCHW->NHWC" and y.ndim == 4:
        return np.transpose(y, (0, 3, 1, 2))
    return y


def zoo_model(name):
    return onnx_zoo.ALL[name]()


def nhwc_inputs(g, n, seed):
    shape = g.tensors[g.inputs[0]].shape
    return np.random.default_rng(seed).normal(size=(n,) + tuple(shape[1:])).astype(np.float32)


@pytest.fixture(scope="module")
def mnist(examples_dir):
    d = examples_dir / "mnist_cnn"
    return {"model": onnx.load(str(d / "mnist_cnn.onnx")), "x": np.load(d / "test_images.npy"),
            "y": np.load(d / "test_labels.npy"), "calib": np.load(d / "calib.npy")}


@pytest.mark.parametrize("name", ZOO)
def test_float_c_matches_onnxruntime(tmp_path, name):
    m = zoo_model(name)
    g = load_onnx(m)
    x = nhwc_inputs(g, 8, seed=4)
    cm = nncodegen.build(nncodegen.generate(g, tmp_path / "o", name="m"))
    yc = to_onnx_layout(g, cm.run(x))
    yo = ort_run(m, x)
    tol = 1e-4 * max(1.0, float(np.abs(yo).max()))
    assert yc.shape == yo.shape
    err = float(np.abs(yc - yo).max())
    assert err <= tol, f"{name}: max abs error {err} > {tol}"


def test_example_float_c_matches_onnxruntime(tmp_path, mnist):
    g = load_onnx(mnist["model"])
    x = mnist["x"][:50]
    cm = nncodegen.build(nncodegen.generate(g, tmp_path / "o", name="mnist"))
    err = float(np.abs(cm.run(x) - ort_run(mnist["model"], x)).max())
    assert err <= 1e-4, err


@pytest.mark.parametrize("scheme", ["q7", "q15"])
@pytest.mark.parametrize("name", ZOO)
def test_quantized_zoo_bit_exact(tmp_path, name, scheme):
    g = load_onnx(zoo_model(name))
    gq = nncodegen.quantize(g, nhwc_inputs(g, 48, seed=1), scheme)
    x = nhwc_inputs(g, 8, seed=2)
    cm = nncodegen.build(nncodegen.generate(gq, tmp_path / "o", name="m"))
    raw_c = cm.run_raw(cm.quantize_input(x))
    raw_s = nncodegen.simulate(gq, x, raw=True).reshape(raw_c.shape)
    bad = np.argwhere(raw_c != raw_s)
    assert bad.size == 0, f"first mismatch at {bad[0].tolist()}"
    # sanity of the quantization itself: close to the float reference
    yq = cm.out_fmt.dequantize(raw_c).ravel()
    yr = nncodegen.reference(g, x).ravel()
    cos = float(yq @ yr / (np.linalg.norm(yq) * np.linalg.norm(yr)))
    assert cos > (0.95 if scheme == "q7" else 0.999), cos


@pytest.mark.parametrize("name", ZOO + ["mnist"])
def test_arena_within_ten_percent_of_lower_bound(name, mnist):
    from nncodegen.lower.lower import lower
    g = load_onnx(mnist["model"] if name == "mnist" else zoo_model(name))
    for scheme in ("f32", "q7"):
        gg = g if scheme == "f32" else nncodegen.quantize(g, nhwc_inputs(g, 8, seed=0), scheme)
        prog = lower(gg)
        assert prog.arena_bytes <= 1.1 * prog.arena_lower_bound, (scheme, prog.arena_bytes, prog.arena_lower_bound)


@pytest.mark.slow
@pytest.mark.parametrize("scheme,min_agree", [("q7", 0.97), ("q15", 0.995)])
def test_example_accuracy_after_quantization(tmp_path, mnist, scheme, min_agree):
    g = load_onnx(mnist["model"])
    gq = nncodegen.quantize(g, mnist["calib"], scheme)
    cm = nncodegen.build(nncodegen.generate(gq, tmp_path / "o", name="mnist"))
    x, labels = mnist["x"], mnist["y"]
    yc = cm.run(x)
    yf = nncodegen.reference(g, x)
    agree = float(np.mean(yc.argmax(1) == yf.argmax(1)))
    acc_c = float(np.mean(yc.argmax(1) == labels))
    acc_f = float(np.mean(yf.argmax(1) == labels))
    assert agree >= min_agree, agree
    assert acc_f - acc_c <= 0.015, (acc_f, acc_c)
    np.testing.assert_array_equal(cm.run_raw(cm.quantize_input(x[:100])),
                                  nncodegen.simulate(gq, x[:100], raw=True))


def _compilers():
    return [cc for cc in ("gcc", "clang") if shutil.which(cc)]


@pytest.mark.parametrize("scheme", ["f32", "q7", "q15"])
def test_generated_c_is_strict_c99_on_gcc_and_clang(tmp_path, scheme):
    assert _compilers() == ["gcc", "clang"], "CI installs both gcc and clang"
    for name in ("fire", "encoder_decoder_resize", "misc_ops", "mlp_ops", "grouped_shuffle"):
        g = load_onnx(zoo_model(name))
        if scheme != "f32":
            g = nncodegen.quantize(g, nhwc_inputs(g, 16, seed=0), scheme)
        out = nncodegen.generate(g, tmp_path / name, name=name)
        sources = [out / f"{name}.c", out / "main.c"] + sorted((out / "runtime").glob("*.c"))
        for cc in _compilers():
            for src in sources:
                r = subprocess.run([cc, *STRICT_FLAGS, "-O2", "-c", str(src), "-o", str(tmp_path / "x.o"),
                                    f"-I{out}", f"-I{out / 'runtime'}"], capture_output=True, text=True)
                assert r.returncode == 0, f"{cc} {src.name}:\n{r.stderr}"
        if scheme != "f32":
            for src in [out / f"{name}.c"] + sorted((out / "runtime").glob("*.c")):
                code = re.sub(r"/\*.*?\*/", "", src.read_text(), flags=re.S)
                assert not re.search(r"\b(float|double)\b", code), f"{src.name} of an integer model uses float"


@pytest.mark.slow
def test_generated_cmake_project_builds_and_runs(tmp_path, mnist):
    if not shutil.which("cmake"):
        pytest.fail("cmake is required (CI installs it)")
    g = nncodegen.quantize(load_onnx(mnist["model"]), mnist["calib"], "q7")
    x = mnist["x"][:1]
    out = nncodegen.generate(g, tmp_path / "proj", name="mnist", sample=g.tensors[g.inputs[0]].fmt.quantize(x[0]))
    b = tmp_path / "build"
    for cmd in (["cmake", "-S", str(out), "-B", str(b)], ["cmake", "--build", str(b)]):
        r = subprocess.run(cmd, capture_output=True, text=True)
        assert r.returncode == 0, r.stdout + r.stderr
    r = subprocess.run([str(b / "mnist_main")], capture_output=True, text=True)
    assert r.returncode == 0
    printed = np.array([int(line.split()[1]) for line in r.stdout.strip().splitlines()])
    np.testing.assert_array_equal(printed, nncodegen.simulate(g, x, raw=True).ravel())
