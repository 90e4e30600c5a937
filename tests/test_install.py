"""`pip install .` (not editable) must give a working package that finds its C templates."""
import subprocess
import sys
import zipfile
from pathlib import Path

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
    for init in sorted((ROOT / "nncodegen").rglob("__init__.py")):  # every subpackage ([tool.setuptools] packages)
        rel = init.relative_to(ROOT).as_posix()
        assert rel in names, f"{rel} is not in the wheel: add its package to pyproject.toml"
    # a fresh venv holding only the wheel; its dependencies (numpy, onnx, jinja2, cffi...) come, without
    # network, from the environment running the tests: CI's venv, or a system / user install.  (A venv made
    # from a venv with --system-site-packages sees the base interpreter's packages, not the outer venv's.)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    site_dirs = [p for p in sys.path if Path(p).name in ("site-packages", "dist-packages") and Path(p).is_dir()]
    assert site_dirs, sys.path
    purelib = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    # plain path lines: the outer environment's own .pth files (an editable nncodegen) are not run
    (Path(purelib) / "zz_outer_environment.pth").write_text("".join(p + "\n" for p in site_dirs))
    # --ignore-installed: CI's own venv holds a (non-editable) nncodegen of the same version, which pip would
    # otherwise count as already installed through the .pth and skip
    r = subprocess.run([str(py), "-m", "pip", "install", "--no-deps", "--ignore-installed", "-q", str(wheel)],
                       capture_output=True, text=True)
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
    assert str(ROOT) not in r.stdout, r.stdout
    assert (out / "runtime" / "conv2d_pk_q7.c").exists()  # the packed q7 kernels of the generic target
