"""board_examples/ built as their READMEs say, with the generated MNIST model (marker "cross").

* mps2-an386: built with the Cortex-M4 toolchain file and run under qemu-system-arm; its raw outputs
  equal the simulator's;
* raspberry-pi: cross-built for aarch64 with V4L2 support under -Werror, run under qemu-aarch64 on
  PGM/PPM files; the printed scores equal the host build's outputs for the same pixels;
* stm32h7: compiles and links for the Cortex-M7 (no board to run it on).
In CI (CI=true) a missing tool fails; elsewhere the tests are skipped with the reason.
"""
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

import nncodegen
from conftest import ROOT
from nncodegen.harness.cmodel import CModel
from nncodegen.harness.cross import require_tools
from test_cross import need

pytestmark = pytest.mark.cross
BOARD = ROOT / "board_examples"


@pytest.fixture(scope="module")
def model(tmp_path_factory, examples_dir):
    if not shutil.which("cmake"):
        pytest.fail("cmake is required (CI installs it)")
    d = examples_dir / "mnist_cnn"
    g = nncodegen.quantize(nncodegen.load(d / "mnist_cnn.onnx"), np.load(d / "calib.npy"), "q7")
    out = nncodegen.generate(g, tmp_path_factory.mktemp("board") / "mnist", name="mnist")
    return g, out, np.load(d / "test_images.npy"), np.load(d / "test_labels.npy")


def cmake_build(src, build, *defs):
    for cmd in (["cmake", "-S", str(src), "-B", str(build), *defs], ["cmake", "--build", str(build)]):
        r = subprocess.run(cmd, capture_output=True, text=True)
        assert r.returncode == 0, r.stdout + r.stderr
        assert "warning" not in r.stderr.lower(), r.stderr


def test_mps2_an386_example_runs_under_qemu(model, tmp_path):
    need("cortex-m4")
    g, out, x, labels = model
    inputs = tmp_path / "test_inputs.h"
    r = subprocess.run([sys.executable, str(BOARD / "mps2-an386" / "embed_inputs.py"), str(out),
                        str(ROOT / "examples/mnist_cnn/test_images.npy"), str(ROOT / "examples/mnist_cnn/test_labels.npy"),
                        "-n", "10", "--every", "100", "-o", str(inputs)],
                       capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 0, r.stderr
    b = tmp_path / "build"
    cmake_build(BOARD / "mps2-an386", b, f"-DNNC_MODEL_DIR={out}", f"-DNNC_TEST_INPUTS={inputs}",
                f"-DCMAKE_TOOLCHAIN_FILE={out}/cmake/arm-none-eabi-cortex-m4.cmake")
    cfg = require_tools("cortex-m4")
    r = subprocess.run([*cfg.qemu, "-nographic", "-monitor", "none", "-semihosting-config", "enable=on,target=native",
                        "-kernel", str(b / "mps2_example.elf")], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    rows = re.findall(r"^input (\d+) label (\d+) predicted (\d+) raw (.*)$", r.stdout, re.M)
    assert len(rows) == 10, r.stdout
    raw = np.array([[int(v) for v in row[3].split()] for row in rows])
    sim = nncodegen.simulate(g, x[::100][:10], raw=True).reshape(10, -1)
    np.testing.assert_array_equal(raw, sim)
    assert [int(row[1]) for row in rows] == list(labels[::100][:10])
    assert re.search(r"^correct (\d+) of 10$", r.stdout, re.M)


def test_raspberry_pi_example_classifies_images_under_qemu(model, tmp_path):
    need("aarch64-linux")
    g, out, x, labels = model
    b = tmp_path / "build"
    cmake_build(BOARD / "raspberry-pi", b, f"-DNNC_MODEL_DIR={out}", "-DNNC_V4L2=ON",
                f"-DCMAKE_TOOLCHAIN_FILE={out}/cmake/aarch64-linux-gnu.cmake")
    files, imgs = [], []
    for k, i in enumerate((0, 250, 500, 750)):
        px = np.round(x[i, :, :, 0] * 255).astype(np.uint8)
        imgs.append(px.astype(np.float32)[:, :, None] / 255)
        p = tmp_path / f"d{k}.{'pgm' if k % 2 == 0 else 'ppm'}"
        if k % 2 == 0:
            p.write_bytes(b"P5\n28 28\n255\n" + px.tobytes())
        else:
            p.write_bytes(b"P6\n# colour\n28 28\n255\n" + np.repeat(px[:, :, None], 3, axis=2).tobytes())
        files.append(p)
    cfg = require_tools("aarch64-linux")
    r = subprocess.run([*cfg.qemu, str(b / "classify"), "-k", "1", "-r", "3", *map(str, files)], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("latency median") == 4
    top = [(int(c), float(s)) for c, s in re.findall(r"1\. class (\d+)\s+score\s+(\S+)", r.stdout)]
    cm = CModel(out)
    y = cm.run(np.stack(imgs))
    assert [c for c, _ in top] == list(np.argmax(y, axis=1))
    np.testing.assert_allclose([s for _, s in top], np.max(y, axis=1), atol=1e-4)
    r = subprocess.run([*cfg.qemu, str(b / "classify"), "--camera", str(tmp_path / "no_such_video")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode != 0 and "cannot open" in r.stderr


def test_stm32h7_example_builds(model, tmp_path):
    need("cortex-m7")
    g, out, x, labels = model
    b = tmp_path / "build"
    cmake_build(BOARD / "stm32h7", b, f"-DNNC_MODEL_DIR={out}",
                f"-DCMAKE_TOOLCHAIN_FILE={out}/cmake/arm-none-eabi-cortex-m7.cmake")
    elf = b / "stm32h7_nnc.elf"
    assert elf.exists() and (b / "stm32h7_nnc.bin").exists()
    cfg = require_tools("cortex-m7")
    r = subprocess.run([cfg.tool("nm"), str(elf)], capture_output=True, text=True, check=True)
    syms = {line.split()[-1]: line.split()[0] for line in r.stdout.splitlines()}
    assert int(syms["stm32h7_vectors"], 16) == 0x08000000   # vector table at the start of flash
    assert int(syms["arena"], 16) >= 0x24000000             # arena in AXI SRAM
    assert "mnist_arena" not in syms                        # built with mnist_NO_STATIC_ARENA
