"""Output directories are reproducible and replaced atomically.

* Two compiles of the same model, in separate processes with different hash seeds, give byte-identical
  output directories (every file: C, headers, runtime, CMake, model.nnc, reports, manifest).
* Compiles racing into one OUTDIR never leave a mixed or half-deleted directory there: at every moment
  OUTDIR is absent or exactly one compile's complete output, every compile succeeds, and no temporary
  sibling is left behind.
"""
import os
import stat
import subprocess
import sys
import time

import numpy as np
import pytest

import nncodegen
from conftest import EXAMPLES, ROOT
from nncodegen.ir.builder import GraphBuilder


def tree(path):
    """{relative path: bytes} of every file under ``path``."""
    return {p.relative_to(path).as_posix(): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def compile_in_subprocess(args, seed):
    env = dict(os.environ, PYTHONHASHSEED=str(seed))
    r = subprocess.run([sys.executable, "-m", "nncodegen", "compile", *args], capture_output=True, text=True,
                       env=env, cwd=str(ROOT))
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("model", ["onnx_float", "onnx_q7", "tflite"])
def test_two_compiles_give_identical_directories(tmp_path, model):
    mnist = EXAMPLES / "mnist_cnn"
    args = {"onnx_float": [str(mnist / "mnist_cnn.onnx")],
            "onnx_q7": [str(mnist / "mnist_cnn.onnx"), "--quantize", "q7", "--calib", str(mnist / "calib.npy")],
            "tflite": [str(ROOT / "tests" / "models" / "tflite" / "hello_world_int8.tflite")]}[model]
    compile_in_subprocess([*args, "-o", str(tmp_path / "a")], seed=1)
    compile_in_subprocess([*args, "-o", str(tmp_path / "b")], seed=2)
    a, b = tree(tmp_path / "a"), tree(tmp_path / "b")
    assert sorted(a) == sorted(b)
    differ = [k for k in a if a[k] != b[k]]
    assert not differ, f"files differ between two compiles: {differ}"
    assert "model.nnc" in a and "report.json" in a and any(k.endswith(".c") for k in a)


def snapshot(path):
    """The files of the directory at ``path`` read through one directory descriptor, or None when there is
    no directory or it was moved away while being read (a replaced one is moved before it is deleted)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except (FileNotFoundError, NotADirectoryError):
        return None
    files = {}

    def walk(dfd, prefix):
        for e in sorted(os.listdir(dfd)):
            st = os.stat(e, dir_fd=dfd, follow_symlinks=False)
            if stat.S_ISDIR(st.st_mode):
                sub = os.open(e, os.O_RDONLY | os.O_DIRECTORY, dir_fd=dfd)
                try:
                    walk(sub, prefix + e + "/")
                finally:
                    os.close(sub)
            else:
                f = os.open(e, os.O_RDONLY, dir_fd=dfd)
                with os.fdopen(f, "rb") as fh:
                    files[prefix + e] = fh.read()

    try:
        ino = os.fstat(fd).st_ino
        walk(fd, "")
        if os.stat(path).st_ino != ino:
            return None
    except FileNotFoundError:
        return None
    finally:
        os.close(fd)
    return files


def describe(snap, refs):
    """How a snapshot differs from each reference tree."""
    return "; ".join(f"vs ref {i}: missing {sorted(set(r) - set(snap))[:5]}, extra {sorted(set(snap) - set(r))[:5]}, "
                     f"different {[k for k in snap if k in r and snap[k] != r[k]][:5]}" for i, r in enumerate(refs))


RACER = """
import sys
import nncodegen
from nncodegen.ir.serialize import load_graph
g = load_graph(sys.argv[1])
nncodegen.generate(g, sys.argv[4], name="m")  # this process's reference output, then the race
print("ready", flush=True)
sys.stdin.readline()
for _ in range(int(sys.argv[3])):
    nncodegen.generate(g, sys.argv[2], name="m")
"""


def test_racing_compiles_never_leave_a_mixed_directory(tmp_path):
    rng = np.random.default_rng(0)
    b = GraphBuilder("race")
    x = b.input((1, 6, 6, 2))
    y = b.conv2d(x, rng.standard_normal((4, 3, 3, 2)).astype(np.float32), np.zeros(4, np.float32),
                 strides=(1, 1), pads=(1, 1, 1, 1), groups=1, dilations=(1, 1))
    g_float = b.finish(b.relu(y))
    g_q7 = nncodegen.quantize(g_float, rng.standard_normal((8, 6, 6, 2)).astype(np.float32), scheme="q7")
    for tag, g in (("f", g_float), ("q", g_q7)):
        g.save(tmp_path / f"{tag}.nnc")
    work = tmp_path / "work"
    work.mkdir()
    out = work / "out"
    procs = [subprocess.Popen([sys.executable, "-c", RACER, str(tmp_path / f"{tag}.nnc"), str(out), "12",
                               str(tmp_path / f"ref_{tag}")], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, cwd=str(ROOT))
             for tag in ("f", "q")]
    for p in procs:
        assert p.stdout.readline().strip() == "ready", p.communicate()[1]
    refs = [tree(tmp_path / f"ref_{tag}") for tag in ("f", "q")]  # written by the racing processes themselves
    assert refs[0] != refs[1]
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    seen = 0
    deadline = time.monotonic() + 240
    while any(p.poll() is None for p in procs) and time.monotonic() < deadline:
        s = snapshot(out)
        if s is not None:
            seen += 1
            assert s in refs, f"a mixed directory at OUTDIR: {describe(s, refs)}"
    for p in procs:
        _, err = p.communicate(timeout=60)
        assert p.returncode == 0, err
    final = snapshot(out)
    assert final in refs
    assert seen > 0
    assert sorted(p.name for p in work.iterdir()) == ["out"], "temporary directories left behind"
