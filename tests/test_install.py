"""`pip install .` (not editable) must give a working package that finds its C templates."""
import subprocess
import sys
import zipfile

import pytest

from conftest import ROOT


@pytest.mark.slow
def test_wheel_installs_and_compiles_outside_the_checkout(tmp_path):
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w",
                        str(tmp_path / "wheels"), str(ROOT)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    (wheel,) = (tmp_path / "wheels").glob("nncodegen-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for must in ("nncodegen/templates_c/include/nnc_types.h", "nncodegen/templates_c/include/nnc_fixed.h",
                 "nncodegen/templates_c/kernels/conv2d_q7.c", "nncodegen/templates_c/model/model.c.j2",
                 "nncodegen/harness/fake_libc/stdint.h"):
        assert must in names, must
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    py = venv / "bin" / "python"
    r = subprocess.run([str(py), "-m", "pip", "install", "--no-deps", "-q", str(wheel)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    ex = ROOT / "examples" / "mnist_cnn"
    out = tmp_path / "out"
    r = subprocess.run([str(venv / "bin" / "nncodegen"), "compile", str(ex / "mnist_cnn.onnx"), "-o", str(out),
                        "--quantize", "q7", "--calib", str(ex / "calib.npy")], capture_output=True, text=True,
                       cwd=str(tmp_path))
    assert r.returncode == 0, r.stderr
    r = subprocess.run([str(py), "-c", "import nncodegen, sys; print(nncodegen.__file__)"], capture_output=True,
                       text=True, cwd=str(tmp_path))
    assert str(venv) in r.stdout, r.stdout
    assert (out / "runtime" / "conv2d_q7.c").exists()
