"""Camera frames as input (compile --input-format uint8-hwc|uint8-gray --mean --std; issue 14).

The exact condition: a model compiled with the camera stage, run on a uint8 frame q, gives the outputs,
bit for bit, of the same model without the stage run on ``normalize_frames(q)`` = float32((q/255 - mean)/std)
(float64 arithmetic, rounded once to float32, as `nncodegen run` reads a float32 .npy).  It holds for every
format, because each entry of the stage's table is the input quantizer's result for that float32 value.
Checked here through the simulator and the C, for Q7, Q15, affine int8 and float32, on an RGB model with
ImageNet's mean and std (frames with every pixel value, and the extremes) and on the shipped MNIST CNN
(gray) through the command line; the board examples build with a camera-frame model, and the Raspberry Pi
one (under qemu-aarch64) prints what the host build computes.
"""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import nncodegen
from nncodegen.cli import main
from nncodegen.ir.graph import GraphError
from nncodegen.lower.lower_camera import normalize_frames
from nncodegen.passes.camera_input import add_camera_input

MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


def _rgb_model(path: Path) -> Path:
    """Conv 3x3 (3 -> 6) + ReLU, Conv 1x1 (6 -> 4) + ReLU, Flatten, Gemm (-> 5), on 8x8 RGB."""
    rng = np.random.default_rng(7)
    w1 = numpy_helper.from_array(rng.normal(0, 0.4, (6, 3, 3, 3)).astype(np.float32), "w1")
    b1 = numpy_helper.from_array(rng.normal(0, 0.1, 6).astype(np.float32), "b1")
    w2 = numpy_helper.from_array(rng.normal(0, 0.4, (4, 6, 1, 1)).astype(np.float32), "w2")
    w3 = numpy_helper.from_array(rng.normal(0, 0.2, (5, 4 * 6 * 6)).astype(np.float32), "w3")
    b3 = numpy_helper.from_array(rng.normal(0, 0.1, 5).astype(np.float32), "b3")
    nodes = [helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="conv1"),
             helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
             helper.make_node("Conv", ["r1", "w2"], ["c2"], name="conv2"),
             helper.make_node("Relu", ["c2"], ["r2"], name="relu2"),
             helper.make_node("Flatten", ["r2"], ["f"], name="flat"),
             helper.make_node("Gemm", ["f", "w3", "b3"], ["y"], name="fc", transB=1)]
    g = helper.make_graph(nodes, "rgb", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 5])], [w1, b1, w2, w3, b3])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    onnx.save(m, path)
    return path


def _frames(n, rng, h=8, w=8, c=3):
    f = rng.integers(0, 256, size=(n, h, w, c)).astype(np.uint8)
    f[0] = 0
    f[1] = 255
    f[2].reshape(-1)[: min(256, h * w * c)] = np.arange(min(256, h * w * c), dtype=np.uint8)
    return f


@pytest.fixture(scope="module")
def rgb(tmp_path_factory):
    d = tmp_path_factory.mktemp("cam")
    return nncodegen.load(_rgb_model(d / "rgb.onnx")), d


@pytest.mark.parametrize("scheme", ["q7", "q15", "int8", "none"])
def test_camera_frame_model_equals_float_input_model(rgb, scheme):
    g, d = rgb
    rng = np.random.default_rng(1)
    calib = normalize_frames(rng.integers(0, 256, size=(64, 8, 8, 3)), MEAN, STD)
    body = nncodegen.quantize(g, calib, scheme)
    cam = add_camera_input(body, "uint8-hwc", MEAN, STD)
    frames = _frames(24, rng)
    xn = normalize_frames(frames, MEAN, STD)
    # the simulator: the stage's output tensor is the body's input, quantized as the body quantizes it
    if scheme != "none":
        np.testing.assert_array_equal(nncodegen.simulate(cam, frames, raw=True), nncodegen.simulate(body, xn, raw=True))
    # the C
    a = nncodegen.build(nncodegen.generate(body, d / f"{scheme}_float_in", name="m"))
    b = nncodegen.build(nncodegen.generate(cam, d / f"{scheme}_frame_in", name="m"))
    ya, yb = a.run_raw(a.quantize_input(xn)), b.run_raw(b.quantize_input(frames))
    np.testing.assert_array_equal(yb, ya)
    assert b.quantize_input(frames).dtype == np.uint8 and np.array_equal(b.quantize_input(frames), frames)
    if scheme != "none":
        np.testing.assert_array_equal(yb, nncodegen.simulate(cam, frames, raw=True).reshape(yb.shape))
    else:
        np.testing.assert_allclose(yb, nncodegen.simulate(cam, frames).reshape(yb.shape), rtol=1e-5, atol=1e-5)
    out = d / f"{scheme}_frame_in"
    h = (out / "m.h").read_text()
    assert "typedef uint8_t m_input_t;" in h and "#define m_INPUT_IS_UINT8_FRAME 1" in h
    assert "mean = {0.485, 0.456, 0.406}, std = {0.229, 0.224, 0.225}" in h
    if scheme != "none":  # integer models stay integer-only
        for f in [out / "m.c"] + sorted((out / "runtime").glob("*.c")):
            code = re.sub(r"/\*.*?\*/", "", f.read_text(), flags=re.S)
            assert not re.search(r"\b(float|double)\b", code), f.name


def test_camera_stage_table_is_the_input_quantizer(rgb):
    """The table directly: for every channel and pixel value, the body's input quantizer of the float32
    normalized value; and the float reference of the stage is the normalization itself."""
    g, _ = rgb
    body = nncodegen.quantize(g, normalize_frames(np.random.default_rng(0).integers(0, 256, (16, 8, 8, 3)),
                                                  MEAN, STD), "q7")
    cam = add_camera_input(body, "uint8-hwc", MEAN, STD)
    from nncodegen.lower.lower import lower
    call = lower(cam).calls[0]
    assert call.kernel == "input_lut_u8_s8"
    t = np.asarray(call.args[0].value.table).reshape(3, 256)
    fmt = body.tensors[body.inputs[0]].fmt
    for c in range(3):
        want = fmt.quantize(np.float32((np.arange(256) / 255.0 - MEAN[c]) / STD[c]))
        np.testing.assert_array_equal(t[c], want)
    x = _frames(3, np.random.default_rng(2))
    y_ref = nncodegen.reference(cam, x)
    np.testing.assert_allclose(y_ref, nncodegen.reference(body, (x / 255.0 - MEAN) / STD), rtol=1e-5, atol=1e-5)


def test_mnist_gray_frames_through_the_command_line(tmp_path, examples_dir):
    """compile --input-format uint8-gray (and the same through config keys, and uint8 frames as
    calibration data): the C is the same; verify passes on the frames with the float-input model's
    accuracy; the per-layer figures name the stage."""
    ex = examples_dir / "mnist_cnn"
    x = np.load(ex / "test_images.npy")[:60]
    frames = np.rint(x * 255).astype(np.uint8)
    assert np.array_equal(normalize_frames(frames, [0.0], [1.0]), x)  # the shipped digits are q/255 already
    np.save(tmp_path / "frames.npy", frames)
    np.save(tmp_path / "labels.npy", np.load(ex / "test_labels.npy")[:60])
    np.save(tmp_path / "calib_u8.npy", np.rint(np.load(ex / "calib.npy") * 255).astype(np.uint8))
    base = ["compile", str(ex / "mnist_cnn.onnx"), "--quantize", "q7", "--name", "mnist"]
    assert main(base + ["-o", str(tmp_path / "a"), "--calib", str(ex / "calib.npy"), "--input-format", "uint8-gray",
                        "--mean", "0", "--std", "1"]) == 0
    (tmp_path / "cfg.json").write_text(json.dumps({"input_format": "uint8-gray", "mean": 0.0, "std": [1.0],
                                                   "calib": str(tmp_path / "calib_u8.npy")}))
    assert main(base + ["-o", str(tmp_path / "b"), "--config", str(tmp_path / "cfg.json")]) == 0
    assert (tmp_path / "a" / "mnist.c").read_text() == (tmp_path / "b" / "mnist.c").read_text()
    assert main(base + ["-o", str(tmp_path / "f"), "--calib", str(ex / "calib.npy")]) == 0
    rc = main(["verify", str(tmp_path / "a"), "--inputs", str(tmp_path / "frames.npy"), "--labels",
               str(tmp_path / "labels.npy"), "--json", str(tmp_path / "v.json")])
    assert rc == 0
    v = json.loads((tmp_path / "v.json").read_text())
    assert v["bit_exact"] and v["layers"][0]["op"] == "camera_input" and len(v["layers"]) == 10
    ya = nncodegen.build(tmp_path / "a").run(frames)
    yf = nncodegen.build(tmp_path / "f").run(x)
    np.testing.assert_array_equal(ya, yf)
    rep = json.loads((tmp_path / "a" / "report.json").read_text())
    assert rep["input_normalization"] == {"input_format": "uint8-gray", "mean": [0.0], "std": [1.0],
                                          "body_format": "Q0.7"}


@pytest.mark.parametrize("args,needle", [
    (["--input-format", "uint8-hwc", "--mean", "0.5", "0.5"], "--mean: 2 values for an input of 1 channels"),
    (["--input-format", "uint8-gray", "--std", "0"], "--std 0.0: must be finite and > 0"),
    (["--mean", "0.5"], "--mean / --std need --input-format"),
])
def test_bad_camera_options_are_one_line_errors(tmp_path, examples_dir, capsys, args, needle):
    rc = main(["compile", str(examples_dir / "mnist_cnn" / "mnist_cnn.onnx"), "-o", str(tmp_path / "o"), *args])
    err = capsys.readouterr().err
    assert rc == 2 and needle in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_rgb_stage_refuses_a_gray_layout(rgb):
    with pytest.raises(GraphError, match="uint8-gray: the model's input has 3 channels"):
        add_camera_input(rgb[0], "uint8-gray", [0.5], [0.5])


# ---------------------------------------------------------------- the board examples (marker "cross")
@pytest.fixture(scope="module")
def cam_model(tmp_path_factory, examples_dir):
    ex = examples_dir / "mnist_cnn"
    g = nncodegen.quantize(nncodegen.load(ex / "mnist_cnn.onnx"), np.load(ex / "calib.npy"), "q7")
    out = nncodegen.generate(add_camera_input(g, "uint8-gray", [0.0], [1.0]),
                             tmp_path_factory.mktemp("camboard") / "mnist", name="mnist")
    return out, np.load(ex / "test_images.npy")


@pytest.mark.cross
def test_raspberry_pi_example_with_a_camera_frame_model(cam_model, tmp_path):
    from test_board_examples import BOARD, cmake_build
    from test_cross import need
    from nncodegen.harness.cross import require_tools
    need("aarch64-linux")
    out, x = cam_model
    b = tmp_path / "build"
    cmake_build(BOARD / "raspberry-pi", b, f"-DNNC_MODEL_DIR={out}", "-DNNC_V4L2=ON",
                f"-DCMAKE_TOOLCHAIN_FILE={out}/cmake/aarch64-linux-gnu.cmake")
    assert "NNC_INPUT_UINT8_FRAME=1" in (b / "CMakeCache.txt").read_text() or \
        "NNC_INPUT_UINT8_FRAME" in "".join(p.read_text() for p in b.rglob("flags.make"))
    files, frames = [], []
    for k, i in enumerate((3, 300, 600)):
        px = np.round(x[i, :, :, 0] * 255).astype(np.uint8)
        frames.append(px[:, :, None])
        p = tmp_path / f"d{k}.pgm"
        p.write_bytes(b"P5\n28 28\n255\n" + px.tobytes())
        files.append(p)
    cfg = require_tools("aarch64-linux")
    r = subprocess.run([*cfg.qemu, str(b / "classify"), "-k", "1", "-r", "2", *map(str, files)], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    top = [(int(c), float(s)) for c, s in re.findall(r"1\. class (\d+)\s+score\s+(\S+)", r.stdout)]
    y = nncodegen.build(out).run(np.stack(frames))
    assert [c for c, _ in top] == list(np.argmax(y, axis=1))
    np.testing.assert_allclose([s for _, s in top], np.max(y, axis=1), atol=1e-4)


@pytest.mark.cross
def test_stm32h7_example_builds_with_a_camera_frame_model(cam_model, tmp_path):
    from test_board_examples import BOARD, cmake_build
    from test_cross import need
    need("cortex-m7")
    out, _ = cam_model
    b = tmp_path / "build"
    cmake_build(BOARD / "stm32h7", b, f"-DNNC_MODEL_DIR={out}",
                f"-DCMAKE_TOOLCHAIN_FILE={out}/cmake/arm-none-eabi-cortex-m7.cmake")
    assert (b / "stm32h7_nnc.elf").exists()
    assert "NNC_INPUT_UINT8_FRAME=1" in "".join(p.read_text() for p in b.rglob("flags.make"))
