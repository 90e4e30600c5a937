"""Every kernel family's test models under AddressSanitizer and UndefinedBehaviorSanitizer.

The zoo models (float32, q7, q15, int8), the binarized digits models, the TFLite test models (int8 and
16x8), QONNX int16 / affine / FINN models and compressed (sparse, codebook) copies of the MNIST CNN are
compiled with gcc and clang ``-fsanitize=address,undefined -fno-sanitize-recover=all`` (the runtime once
per compiler into a cached static library) and run on random inputs and on extreme ones: every element
the type's minimum, its maximum, zero.  A sanitizer report fails the run; the integer models' outputs
must also equal the simulator's bit for bit on those inputs.
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

import nncodegen
from conftest import EXAMPLES, ROOT, missing_tool
from nncodegen.harness.cbuild import cache_root
from nncodegen.paths import include_dir, kernels_dir

pytestmark = pytest.mark.slow

SAN = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer", "-g", "-O1"]
STRICT = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"]
ENV = dict(os.environ, ASAN_OPTIONS="detect_leaks=0:abort_on_error=0", UBSAN_OPTIONS="print_stacktrace=1")
NP = {"int8_t": np.int8, "int16_t": np.int16, "uint8_t": np.uint8, "int32_t": np.int32, "float": np.float32}
JOBS = 2


def compilers():
    ccs = [cc for cc in ("gcc", "clang") if shutil.which(cc)]
    if os.environ.get("CI", "").lower() == "true":
        assert ccs == ["gcc", "clang"], "CI must have gcc and clang"
    if not ccs:
        missing_tool("no C compiler")
    return ccs


def runtime_library(cc: str) -> Path:
    """Every kernel of templates_c compiled with the sanitizers into one static library (cached by the
    hash of the sources, headers, flags and compiler version)."""
    srcs = sorted(kernels_dir().glob("*.c"))
    deps = srcs + sorted(kernels_dir().glob("*.h")) + sorted(kernels_dir().glob("*.inc")) + \
        sorted(include_dir().glob("*.h"))
    ver = subprocess.run([cc, "--version"], capture_output=True, text=True).stdout
    h = hashlib.sha256((" ".join(SAN + STRICT) + ver).encode())
    for p in deps:
        h.update(p.name.encode() + p.read_bytes())
    d = cache_root() / "sanitize" / f"{cc}-{h.hexdigest()[:16]}"
    lib = d / "libnnc_rt.a"
    if lib.exists():
        return lib
    d.mkdir(parents=True, exist_ok=True)

    def one(src):
        obj = d / (src.stem + ".o")
        r = subprocess.run([cc, *STRICT, *SAN, f"-I{include_dir()}", f"-I{kernels_dir()}", "-c", str(src), "-o",
                            str(obj)], capture_output=True, text=True)
        assert r.returncode == 0, f"{cc} {src.name}:\n{r.stderr[:3000]}"
        return str(obj)

    with ThreadPoolExecutor(JOBS) as ex:
        objs = list(ex.map(one, srcs))
    tmp = d / f"libnnc_rt.{os.getpid()}.a"
    subprocess.run(["ar", "rcs", str(tmp), *objs], check=True)
    os.replace(tmp, lib)
    return lib


def extreme_inputs(ctype: str, n_in: int, rng) -> np.ndarray:
    """Raw inputs: two random, all minimum, all maximum, all zero."""
    t = NP[ctype]
    if t == np.float32:
        rnd = [rng.standard_normal(n_in) * 3, rng.uniform(-100, 100, n_in)]
        ext = [np.full(n_in, -1e30), np.full(n_in, 1e30), np.zeros(n_in)]
    else:
        info = np.iinfo(t)
        rnd = [rng.integers(info.min, info.max + 1, n_in) for _ in range(2)]
        ext = [np.full(n_in, info.min), np.full(n_in, info.max), np.zeros(n_in)]
    return np.stack(rnd + ext).astype(t)


def run_sanitized(outdir: Path, cc: str, lib: Path, xraw: np.ndarray) -> np.ndarray:
    m = json.loads((outdir / "nncodegen.json").read_text())
    exe = outdir / f"san_{cc}"
    r = subprocess.run([cc, *STRICT, *SAN, f"-I{outdir}", f"-I{outdir / 'runtime'}", str(outdir / f"{m['name']}.c"),
                        str(outdir / "main.c"), str(lib), "-lm", "-o", str(exe)], capture_output=True, text=True)
    assert r.returncode == 0, f"{cc} {outdir.name}:\n{r.stderr[:3000]}"
    # input / output files of this compiler's run: gcc's and clang's runs of one project go in parallel threads
    fin, fout = outdir / f"in_{cc}.bin", outdir / f"out_{cc}.bin"
    fin.write_bytes(xraw.tobytes())
    r = subprocess.run([str(exe), str(fin), str(fout), str(len(xraw))],
                       capture_output=True, text=True, env=ENV, timeout=300)
    assert r.returncode == 0 and "runtime error" not in r.stderr and "Sanitizer" not in r.stderr, \
        f"{cc} {outdir.name}: exit {r.returncode}\n{r.stderr[:4000]}"
    y = np.fromfile(fout, dtype=NP[m["out_ctype"]])
    assert y.size and y.size % len(xraw) == 0, f"{cc} {outdir.name}: {y.size} outputs for {len(xraw)} inputs"
    return y.reshape(len(xraw), -1)


def zoo_graphs():
    sys.path.insert(0, str(ROOT / "tests"))
    import onnx

    import onnx_zoo
    out = []
    for name, build in onnx_zoo.ALL.items():
        out.append((name, build()))
    return out, onnx


def models(tmp):
    """(label, graph) of every model family: zoo float / q7 / q15 / int8, BNN, TFLite."""
    zoo, onnx = zoo_graphs()
    rng = np.random.default_rng(0)
    res = []
    for name, m in zoo:
        p = tmp / f"{name}.onnx"
        onnx.save(m, str(p))
        g = nncodegen.load(str(p))
        shape = g.tensors[g.inputs[0]].shape
        calib = rng.standard_normal((16, *shape[1:])).astype(np.float32)
        res.append((f"{name}_f32", g))
        for scheme in ("q7", "q15", "int8"):
            res.append((f"{name}_{scheme}", nncodegen.quantize(g, calib, scheme=scheme)))
    for m in ("bnn_cnn", "bnn_mlp"):
        res.append((m, nncodegen.load(str(EXAMPLES / "bnn_digits" / f"{m}.onnx"))))
    for t in ("hello_world_int8", "micro_speech_quantized", "ptq_mnist_lenet-300-100"):
        res.append((t, nncodegen.load(str(ROOT / "tests" / "models" / "tflite" / f"{t}.tflite"))))
    # 16x8 kernels (TFLite's seanet per-op models), QONNX int16 / affine / FINN index output
    sea = ROOT / "tests" / "models" / "tflite" / "seanet"
    for op in ("conv", "transpose_conv", "add", "leaky_relu", "pad", "strided_slice"):
        res.append((f"seanet_{op}0", nncodegen.load(str(sea / op / f"{op}0.tflite"))))
    for m in ("int12act_mlp", "int16act_cnn", "int4w_conv_relu", "binary_w8_cnn", "binary_w8_mlp"):
        res.append((m, nncodegen.load(str(ROOT / "tests" / "models" / "brevitas" / f"{m}.onnx"))))
    res.append(("finn_tfc", nncodegen.load(str(EXAMPLES / "finn_tfc" / "finn_tfc.onnx"))))
    # compressed weights: sparse and codebook storage of the MNIST CNN in q7 and int8 (pruned copies)
    from nncodegen.passes.compress_weights import compress_weights
    g = nncodegen.load(str(EXAMPLES / "mnist_cnn" / "mnist_cnn.onnx"))
    for w in [g.tensors[n.inputs[1]] for n in g.nodes if n.op in ("conv2d", "dense")]:
        w.data = np.where(np.abs(w.data) > np.quantile(np.abs(w.data), 0.8), w.data, 0).astype(np.float32)
    calib = np.load(EXAMPLES / "mnist_cnn" / "calib.npy")[:32]
    for scheme in ("q7", "int8"):
        q = nncodegen.quantize(g, calib, scheme=scheme)
        for mode in ("sparse", "codebook"):
            res.append((f"mnist_{scheme}_{mode}", compress_weights(q, mode)))
    return res


def test_models_under_asan_and_ubsan(tmp_path):
    ccs = compilers()
    libs = {cc: runtime_library(cc) for cc in ccs}
    rng = np.random.default_rng(1)
    failures = []
    jobs = []
    for label, g in models(tmp_path):
        out = nncodegen.generate(g, tmp_path / label, name="m")
        m = json.loads((out / "nncodegen.json").read_text())
        n_in = int(np.prod(m["input"]["shape"]))
        xraw = extreme_inputs(m["ctype"], n_in, rng)
        jobs.append((label, g, out, m, xraw))

    def check(job, cc):
        label, g, out, m, xraw = job
        try:
            y = run_sanitized(out, cc, libs[cc], xraw)
        except AssertionError as e:
            return f"{label} [{cc}]: {e}"
        # (a joined multi-input 16x8 model's input format is per row: tests/test_tflite_int16.py checks those)
        if m["quantized"] and m["out_quantized"] and not g.meta.get("inputs"):
            from nncodegen.ir.formats import format_from_json
            fin = format_from_json(m["input"]["format"])
            x = fin.dequantize(xraw).reshape(len(xraw), *m["input"]["shape"][1:])
            if np.array_equal(fin.quantize(x).reshape(xraw.shape), xraw):  # exact round trip of the raw input
                ys = np.asarray(nncodegen.simulate(g, x, raw=True)).reshape(y.shape)
                if not np.array_equal(ys, y):
                    return f"{label} [{cc}]: sanitized C differs from the simulator"
        return None

    with ThreadPoolExecutor(JOBS) as ex:
        for r in ex.map(lambda a: check(*a), [(j, cc) for j in jobs for cc in ccs]):
            if r:
                failures.append(r)
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("bug", ["signed_overflow", "shift", "out_of_bounds"])
def test_the_sanitizer_setup_reports_bugs(tmp_path, bug):
    """The flags and options above do stop a program at a bug (the model test is not vacuous)."""
    body = {"signed_overflow": "volatile int32_t x = INT32_MAX; x = x + (int32_t)argc;",
            "shift": "volatile int32_t s = 31 + argc; volatile int32_t x = 1 << s; (void)x;",
            "out_of_bounds": "static int8_t a[16]; volatile int i = 15 + argc; a[i] = 1;"}[bug]
    (tmp_path / "b.c").write_text("#include <stdint.h>\nint main(int argc, char **argv)\n{\n    (void)argv;\n    "
                                  + body + "\n    return 0;\n}\n")
    for cc in compilers():
        subprocess.run([cc, "-std=c99", *SAN, str(tmp_path / "b.c"), "-o", str(tmp_path / "b")], check=True)
        r = subprocess.run([str(tmp_path / "b")], capture_output=True, text=True, env=ENV)
        assert r.returncode != 0 and ("runtime error" in r.stderr or "AddressSanitizer" in r.stderr), (cc, r.stderr)
