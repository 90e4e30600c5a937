"""The generated C on ARM targets, under qemu (marker "cross"; about two minutes on two cores).

* equivalence: the shipped examples (MNIST in float32, q7 and q15, and every other example
  model found in examples/) run on aarch64 Linux (Cortex-A53, and Cortex-A55 with SDOT), ARMv7 Linux
  (NEON) and bare-metal Cortex-M4 and Cortex-M7 (MPS2 boards, semihosting).  Integer outputs must be bit-identical to the host build
  and the simulator.  Float outputs must be bit-identical to the host build (all builds use
  -std=c99, which turns off FMA contraction, and the same expf algorithm), and within the
  verify tolerance of the float32 simulator (1e-5 relative), which sums in its own order;
* SIMD: every target builds with its SIMD path (NEON on aarch64/armv7, ARM DSP on Cortex-M4/M7);
  nnc_simd.h's dot products equal the portable loops on each target (tests/c/simd_dot_check.c),
  and whole models built with and without SIMD (-DNNC_NO_SIMD) give identical outputs;
* integer-only models link with no floating-point helper functions on a soft-float Cortex-M4;
* the generated CMake project builds with every toolchain file under -Werror, and its programs
  run under qemu with the host's results;
* verify/run/report/bench --target through the command line; a missing toolchain is a clear
  error naming the Debian packages.

In CI (CI=true) a missing cross tool fails these tests; elsewhere they are skipped with the reason.
"""
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nncodegen
from helpers import kernel_check_program
from nncodegen.harness.cmodel import CModel
from nncodegen.harness.cross import (ALL_PACKAGES, CrossToolMissing, build_program, compile_for_target, missing_tools,
                                     render_driver, require_tools, run_built, run_on_target)
from nncodegen.paths import include_dir

IN_CI = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")
TARGETS = ["aarch64-linux", "cortex-a55-linux", "armv7-linux", "cortex-m4", "cortex-m7"]
SCHEMES = ["f32", "q7", "q15"]
N_SAMPLES = 64
cross = pytest.mark.cross


def need(target):
    missing = missing_tools(target)
    if missing:
        msg = (f"{target}: {', '.join(missing)} missing; install the Debian packages "
               f"{' '.join(ALL_PACKAGES)} (.ci/run does)")
        if IN_CI:
            pytest.fail(msg)
        pytest.skip(msg)


def nnc(*args, env=None):
    return subprocess.run([sys.executable, "-m", "nncodegen", *map(str, args)], capture_output=True, text=True,
                          env=env)


def first_mismatch(a, b):
    idx = np.argwhere(np.asarray(a) != np.asarray(b))
    return tuple(int(i) for i in idx[0]) if len(idx) else None


# ---------------------------------------------------------------- models
class Model:
    """One generated output directory with its raw inputs and the host and simulator outputs."""

    def __init__(self, graph, outdir, x):
        self.graph = graph
        self.outdir = nncodegen.generate(graph, outdir, name="m")
        self.cm = CModel(self.outdir)
        self.x = x
        self.xq = self.cm.quantize_input(x)
        self.host = self.cm.run_raw(self.xq)
        self.sim = nncodegen.simulate(graph, x, raw=True).reshape(self.host.shape)
        self.quantized = self.cm.quantized


@pytest.fixture(scope="module")
def mnist(examples_dir, tmp_path_factory):
    d = examples_dir / "mnist_cnn"
    g = nncodegen.load(d / "mnist_cnn.onnx")
    calib = np.load(d / "calib.npy")
    x = np.load(d / "test_images.npy")[:N_SAMPLES]
    cache = {}

    def get(scheme):
        if scheme not in cache:
            gs = g if scheme == "f32" else nncodegen.quantize(g, calib, scheme)
            cache[scheme] = Model(gs, tmp_path_factory.mktemp(f"mnist_{scheme}") / "out", x)
        return cache[scheme]
    return get


def check_target_output(model, y, target):
    assert y.shape == model.host.shape and y.dtype == model.host.dtype, (y.shape, y.dtype)
    bad = first_mismatch(y, model.host)
    assert bad is None, f"{target}: differs from the host build at {bad}: {y[bad]} vs {model.host[bad]}"
    if model.quantized and model.host.dtype.kind != "f":
        bad = first_mismatch(y, model.sim)
        assert bad is None, f"{target}: differs from the simulator at {bad}: {y[bad]} vs {model.sim[bad]}"
    else:  # float outputs (float models, or an int8 model ending in a float layer): the C's float kernels
        # and their numpy twins agree to float32 rounding, not bit for bit (the host build is the exact check)
        tol = 1e-5 * max(1.0, float(np.abs(model.sim).max()))
        err = float(np.abs(y.astype(np.float64) - model.sim).max())
        assert err <= tol, f"{target}: max |C - simulator| {err} > {tol}"


@cross
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("scheme", SCHEMES)
def test_mnist_on_target_matches_host_and_simulator(mnist, scheme, target):
    need(target)
    m = mnist(scheme)
    check_target_output(m, run_on_target(m.outdir, m.xq, target), target)


def _other_examples(examples_dir):
    found = []
    for d in sorted(p for p in examples_dir.iterdir() if p.is_dir() and p.name != "mnist_cnn"):
        for model in sorted(d.glob("*.onnx")) + sorted(d.glob("*.tflite")) + sorted(d.glob("*.nnc")):
            found.append(model)
    return found


OTHER = _other_examples(Path(__file__).resolve().parent.parent / "examples")


@cross
@pytest.mark.parametrize("model_path", OTHER, ids=[f"{p.parent.name}/{p.name}" for p in OTHER])
def test_other_examples_on_targets(model_path, tmp_path):
    for t in ("aarch64-linux", "armv7-linux", "cortex-m4"):
        need(t)
    d = model_path.parent
    g = nncodegen.load(model_path)  # every shipped example must load: a failure here is a regression
    if d.name == "deep_compression":  # trained on examples/mnist_cnn's split and reuses its digits (its train.py)
        d = d.parent / "mnist_cnn"
    xs = [p for p in ("test_images.npy", "test_x.npy", "calib.npy") if (d / p).exists()]
    if not xs:
        pytest.skip(f"{d.name}: no test inputs (test_images.npy / test_x.npy / calib.npy)")
    x = np.load(d / xs[0]).astype(np.float32)
    in_shape = g.tensors[g.inputs[0]].shape
    x = x.reshape((-1,) + tuple(in_shape[1:]))[:32]
    if not g.is_quantized and (d / "calib.npy").exists():
        g = nncodegen.quantize(g, np.load(d / "calib.npy").reshape((-1,) + tuple(in_shape[1:])), "q7")
    m = Model(g, tmp_path / "out", x)
    for t in ("aarch64-linux", "armv7-linux", "cortex-m4"):
        check_target_output(m, run_on_target(m.outdir, m.xq, t), t)


# ---------------------------------------------------------------- SIMD paths
SIMD_PATH = {"aarch64-linux": "neon", "cortex-a55-linux": "neon", "armv7-linux": "neon", "cortex-m4": "arm-dsp",
             "cortex-m7": "arm-dsp"}


@cross
@pytest.mark.parametrize("target", TARGETS)
def test_simd_dot_products_equal_portable_on_target(target, tmp_path):
    need(target)
    b = compile_for_target(target, [Path(__file__).parent / "c" / "simd_dot_check.c"], [include_dir()],
                           label="simdcheck")
    assert b.simd_path == SIMD_PATH[target]
    r = b.execute([], tmp_path, 120)
    out = r.stdout.decode()
    assert f"path {SIMD_PATH[target]}" in out
    assert r.returncode == 0 and " 0 mismatches" in out, out + r.stderr.decode()


@cross
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("scheme", ["q7", "q15"])
def test_simd_build_equals_portable_build_on_target(mnist, scheme, target):
    need(target)
    m = mnist(scheme)
    simd = build_program(m.outdir, target)
    portable = build_program(m.outdir, target, defines=["NNC_NO_SIMD"], label="portable")
    assert (simd.simd_path, portable.simd_path) == (SIMD_PATH[target], "portable")
    y_simd = run_built(simd, m.outdir, m.xq)
    y_port = run_built(portable, m.outdir, m.xq)
    assert first_mismatch(y_simd, y_port) is None
    check_target_output(m, y_port, target + " portable")


# ---------------------------------------------------------------- binary kernels against their twins
def _binary_kernel_cases():
    """(kernel, C arguments, expected output) for XNOR convolutions and dense layers whose C
    takes the target's blocked path (NEON, or one pixel at a time with USADA8 on Cortex-M):
    whole-word and partial channel groups, filters that start mid-word (weights packed back to
    back), zero / +1 / -1 padding, strides, dilations, groups, batches of several pixel blocks.
    q15 outputs with mult 1 give the accumulators themselves; bits outputs place thresholds on
    reached values."""
    from nncodegen.ir.ops import conv_out_size
    from nncodegen.lower.params import BConv, BDense, BinEpi, ConvGeom
    from nncodegen.ref import kernels_bin as kb
    from nncodegen.ref.bits import pack_filters, pack_signs
    rng = np.random.default_rng(7)
    shapes = [  # cin_g, cout_g, groups, k, stride, dil, hw, pads, batch
        (64, 64, 1, (3, 3), (1, 1), (1, 1), (6, 5), (1, 1, 1, 1), 1), (16, 24, 1, (3, 3), (1, 1), (1, 1), (8, 8), (1, 1, 1, 1), 2),
        (24, 40, 1, (3, 3), (1, 1), (1, 1), (4, 4), (0, 0, 0, 0), 1), (33, 17, 1, (2, 3), (2, 1), (1, 2), (7, 6), (1, 0, 2, 1), 1),
        (32, 33, 2, (3, 3), (1, 2), (1, 1), (5, 9), (2, 1, 0, 1), 2), (1, 2, 20, (3, 3), (1, 1), (2, 2), (9, 9), (2, 2, 2, 2), 1),
        (96, 5, 1, (1, 1), (1, 1), (1, 1), (3, 7), (0, 0, 0, 0), 1), (7, 31, 3, (4, 2), (3, 2), (1, 1), (9, 8), (1, 2, 0, 1), 1)]
    cases = []
    for i, (cin_g, cout_g, groups, k, st, dl, hw, pads, batch) in enumerate(shapes):
        cin, cout = cin_g * groups, cout_g * groups
        oh = conv_out_size(hw[0], k[0], st[0], pads[0], pads[2], dl[0])
        ow = conv_out_size(hw[1], k[1], st[1], pads[1], pads[3], dl[1])
        g = ConvGeom(batch, hw[0], hw[1], cin, oh, ow, cout, k[0], k[1], st[0], st[1], pads[0], pads[1], dl[0], dl[1],
                     groups)
        x = pack_signs(np.where(rng.random((batch, hw[0], hw[1], cin)) < .5, -1, 1), cin)
        tern = i % 4 == 3
        wv = rng.integers(-1, 2, size=(cout, k[0], k[1], cin_g)) if tern else \
            np.where(rng.random((cout, k[0], k[1], cin_g)) < .5, -1, 1)
        w = pack_filters(wv, tern)
        pad_kind = i % 3
        q15 = BinEpi(mult=(1,) * cout, bias=(0,) * cout, shift=0, out_min=-32768, out_max=32767)
        inp = "xnor_tern" if tern else "xnor"
        acc = getattr(kb, f"bconv2d_{inp}_q15")(g, BConv(pad_kind, q15), x, w, None)
        cases.append((f"bconv2d_{inp}_q15", [g, BConv(pad_kind, q15), x, w, None], acc))
        thr = acc.reshape(-1, cout)[rng.integers(0, acc.size // cout, size=cout), np.arange(cout)]
        p = BConv(pad_kind, BinEpi(thr=tuple(int(t) for t in thr)))
        cases.append((f"bconv2d_{inp}_bits", [g, p, x, w], getattr(kb, f"bconv2d_{inp}_bits")(g, p, x, w)))
    for run, runs, m in ((33, 3, 10), (64, 2, 37), (100, 1, 5)):
        k = run * runs
        x = pack_signs(np.where(rng.random((2, k)) < .5, -1, 1), run)
        w = pack_filters(np.where(rng.random((m, k)) < .5, -1, 1))
        p = BDense(2, k, m, run, BinEpi(mult=(1,) * m, bias=(0,) * m, shift=0, out_min=-32768, out_max=32767))
        cases.append(("bdense_xnor_q15", [p, x, w, None], kb.bdense_xnor_q15(p, x, w, None)))
    return cases


@cross
@pytest.mark.parametrize("target", TARGETS)
def test_binary_kernels_equal_twin_on_target(target, tmp_path):
    """The binary kernels' target paths (NEON, Cortex-M DSP with one-pixel blocks) bit for bit
    against the numpy twins, under qemu."""
    from nncodegen.paths import kernels_dir
    need(target)
    src = kernel_check_program(_binary_kernel_cases(), ["bconv2d_xnor.h", "bdense_xnor.h"], tmp_path / "bin_check.c")
    kd = kernels_dir()
    b = compile_for_target(target, [src, kd / "bconv2d_xnor.c", kd / "bdense_xnor.c"], [include_dir(), kd],
                           label="bincheck")
    r = b.execute([], tmp_path, 300)
    out = r.stdout.decode()
    assert r.returncode == 0 and "0 mismatches" in out, out + r.stderr.decode()


# ---------------------------------------------------------------- soft float, strict builds
FLOAT_HELPER = re.compile(r"^(__aeabi_(f|d|[iu]?[il]2[fd]|ul2[fd]|[fd]2)\w*|__(add|sub|mul|div|neg)[sd]f3|"
                          r"__(extend|trunc)\w*[sd]f2|__float\w+|__fix\w+|__(eq|ne|lt|le|gt|ge|unord|cmp)[sd]f2|"
                          r"__aeabi_c[fd]\w*)$")


def float_helpers(build):
    r = subprocess.run([build.config.tool("nm"), str(build.exe)], capture_output=True, text=True, check=True)
    return sorted({line.split()[-1] for line in r.stdout.splitlines() if FLOAT_HELPER.match(line.split()[-1])})


@cross
@pytest.mark.parametrize("scheme", ["q7", "q15"])
def test_integer_model_links_without_float_helpers_on_softfloat_m4(mnist, scheme):
    need("cortex-m4-softfloat")
    m = mnist(scheme)
    b = build_program(m.outdir, "cortex-m4-softfloat", sources=[render_driver("model_only_main.c.j2", m.outdir)],
                      label="size", semihosted_main=False)
    assert "-mfloat-abi=soft" in b.config.cflags
    assert float_helpers(b) == [], f"{scheme} model pulls in float helpers"
    r = b.execute([], b.exe.parent, 60)
    assert r.returncode == 0, r.stderr


@cross
@pytest.mark.parametrize("zoo_name", ["residual", "fire"])
def test_onnxruntime_mode_int8_on_targets(zoo_name, tmp_path):
    """QDQ models in the onnxruntime rounding mode (QLinearAdd / QLinearAveragePool / QLinearSoftmax /
    float32 requantization, their float32 steps done in integers by nnc_sf32.h): the host's and the
    simulator's integers on aarch64 and Cortex-M4, and no floating-point helper on the soft-float M4."""
    pytest.importorskip("onnxruntime")
    for t in ("aarch64-linux", "cortex-m4", "cortex-m4-softfloat"):
        need(t)
    import onnx
    import onnx_zoo
    from nncodegen.harness.int8_agreement import quantize_with_onnxruntime, to_ir_layout
    fm = onnx_zoo.ALL[zoo_name]()
    onnx.save(fm, tmp_path / "f.onnx")
    shape = [d.dim_value for d in fm.graph.input[0].type.tensor_type.shape.dim]
    rng = np.random.default_rng(0)
    qp = quantize_with_onnxruntime(tmp_path / "f.onnx", tmp_path / "q.onnx",
                                   rng.normal(size=[16] + shape[1:]).astype(np.float32), "s8")
    g = nncodegen.load(qp)
    assert g.meta["quantization"]["rounding"] == "onnxruntime" and not g.meta["quantization"]["float_layers"]
    x = to_ir_layout(rng.normal(size=[24] + shape[1:]).astype(np.float32), g.meta.get("input_layout"))
    m = Model(g, tmp_path / "out", x)
    for t in ("aarch64-linux", "cortex-m4"):
        check_target_output(m, run_on_target(m.outdir, m.xq, t), t)
    b = build_program(m.outdir, "cortex-m4-softfloat", sources=[render_driver("model_only_main.c.j2", m.outdir)],
                      label="size", semihosted_main=False)
    assert float_helpers(b) == [], f"{zoo_name}: the onnxruntime mode pulls in float helpers"


@cross
@pytest.mark.parametrize("name", ["micro_speech_quantized", "ptq_mnist_lenet-300-100"])
def test_tflite_models_on_targets(name, tmp_path):
    """TFLite models on aarch64 and Cortex-M4: micro_speech (TFLite's fixed-point softmax) gives the host's
    integers and links no float helper on the soft-float M4; LeNet (float input, float log-softmax) the host's
    floats within the C libraries' expf / logf differences."""
    for t in ("aarch64-linux", "cortex-m4", "cortex-m4-softfloat"):
        need(t)
    g = nncodegen.load(Path(__file__).resolve().parent / "models" / "tflite" / f"{name}.tflite")
    shape = tuple(g.tensors[g.inputs[0]].shape[1:])
    rng = np.random.default_rng(0)
    if g.tensors[g.inputs[0]].fmt.kind == "float":
        x = rng.uniform(0, 1, size=(16,) + shape).astype(np.float32)
    else:
        x = g.tensors[g.inputs[0]].fmt.dequantize(rng.integers(-128, 128, size=(16,) + shape)).astype(np.float32)
    m = Model(g, tmp_path / "out", x)
    for t in ("aarch64-linux", "cortex-m4"):
        y = run_on_target(m.outdir, m.xq, t)
        if g.meta["quantization"]["float_layers"]:
            # LeNet's float log-softmax calls the C library's expf / logf, which may differ by an ulp
            # between glibc and newlib; its int8 logits (the argmax) are the same
            np.testing.assert_allclose(y, m.host, rtol=0, atol=1e-5 * max(1.0, float(np.abs(m.host).max())))
            assert (y.argmax(-1) == m.host.argmax(-1)).all()
        else:
            check_target_output(m, y, t)
    if not g.meta["quantization"]["float_layers"]:
        b = build_program(m.outdir, "cortex-m4-softfloat", sources=[render_driver("model_only_main.c.j2", m.outdir)],
                          label="size", semihosted_main=False)
        assert float_helpers(b) == [], f"{name} pulls in float helpers"


@cross
def test_float_helper_check_sees_float_code(mnist):
    """The check above can fail: the float model on the soft-float M4 needs the helpers."""
    need("cortex-m4-softfloat")
    m = mnist("f32")
    b = build_program(m.outdir, "cortex-m4-softfloat", sources=[render_driver("model_only_main.c.j2", m.outdir)],
                      label="size", semihosted_main=False)
    assert any(h.startswith("__aeabi_f") for h in float_helpers(b))


@cross
def test_every_kernel_compiles_warning_free_for_every_target(tmp_path):
    """All of templates_c/kernels (not only what the examples use), -O2 and the strict flags, with
    each target's flags: the NEON, DSP and popcount paths compile on the cores that take them."""
    from nncodegen.harness.cbuild import STRICT_FLAGS
    from nncodegen.harness.cross import target_config
    from nncodegen.paths import kernels_dir
    targets = TARGETS + ["cortex-m4-softfloat"]
    for t in targets:
        need(t)
    procs = []
    for t in targets:
        cfg = target_config(t)
        d = tmp_path / t
        d.mkdir()
        cmd = [cfg.cc, "-O2", *STRICT_FLAGS, *cfg.cflags, f"-I{include_dir()}", f"-I{kernels_dir()}", "-c",
               *map(str, sorted(kernels_dir().glob("*.c")))]
        procs.append((t, subprocess.Popen(cmd, cwd=str(d), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)))
        if len(procs) % 2 == 0:  # two at a time (two cores)
            procs[-2][1].wait()
    for t, p in procs:
        _, err = p.communicate()
        assert p.returncode == 0 and not err.strip(), f"{t}:\n{err[:3000]}"


TOOLCHAINS = {"aarch64-linux-gnu": "aarch64-linux", "aarch64-linux-gnu-cortex-a55": "cortex-a55-linux",
              "arm-linux-gnueabihf": "armv7-linux",
              "arm-none-eabi-cortex-m4": "cortex-m4", "arm-none-eabi-cortex-m4-softfloat": "cortex-m4-softfloat",
              "arm-none-eabi-cortex-m7": "cortex-m7"}


@cross
@pytest.mark.parametrize("toolchain", sorted(TOOLCHAINS))
def test_cmake_project_builds_with_toolchain_file_and_runs(examples_dir, toolchain, tmp_path):
    """The generated CMakeLists.txt (-Wall -Wextra -Werror -pedantic) with each cmake/ toolchain file;
    the example program then prints, under qemu, what the host build prints."""
    target = TOOLCHAINS[toolchain]
    need(target)
    if not shutil.which("cmake"):
        pytest.fail("cmake is required (CI installs it)")
    d = examples_dir / "mnist_cnn"
    calib = np.load(d / "calib.npy")
    g = nncodegen.quantize(nncodegen.load(d / "mnist_cnn.onnx"), calib, "q7")
    sample = g.tensors[g.inputs[0]].fmt.quantize(calib[0])
    cg = {"aarch64-linux": "cortex-a53", "cortex-a55-linux": "cortex-a55",
          "armv7-linux": "armv7-a"}.get(target, target.replace("-softfloat", ""))
    out = nncodegen.generate(g, tmp_path / "proj", name="mnist", target=cg, sample=sample)
    b = tmp_path / "build"
    for cmd in (["cmake", "-S", str(out), "-B", str(b), f"-DCMAKE_TOOLCHAIN_FILE={out / 'cmake' / toolchain}.cmake"],
                ["cmake", "--build", str(b)]):
        r = subprocess.run(cmd, capture_output=True, text=True)
        assert r.returncode == 0, r.stdout + r.stderr
    cfg = require_tools(target)
    if cfg.target.kind == "linux":
        cmd = [*cfg.qemu, str(b / "mnist_main")]
    else:
        cmd = [*cfg.qemu, "-nographic", "-monitor", "none", "-semihosting-config", "enable=on,target=native",
               "-kernel", str(b / "mnist_main.elf")]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    printed = np.array([int(line.split()[1]) for line in r.stdout.strip().splitlines()])
    np.testing.assert_array_equal(printed, nncodegen.simulate(g, calib[:1], raw=True).ravel())


# ---------------------------------------------------------------- command line
@cross
def test_cli_verify_and_run_on_cortex_m4(mnist, tmp_path):
    need("cortex-m4")
    m = mnist("q7")
    np.save(tmp_path / "x.npy", m.x[:20])
    r = nnc("verify", m.outdir, "--inputs", tmp_path / "x.npy", "--target", "cortex-m4", "--json", tmp_path / "v.json")
    assert r.returncode == 0, r.stdout + r.stderr
    v = json.loads((tmp_path / "v.json").read_text())
    assert v["target"] == "cortex-m4" and v["bit_exact"] is True and v["vs_host"]["identical"] is True
    assert v["n_samples"] == 20 and v["first_divergent_layer"] is None
    assert "SIMD path                  arm-dsp" in r.stdout and "cortex-m4 vs host C" in r.stdout
    assert v["build"]["simd_path"] == "arm-dsp" and v["build"]["features"]["__ARM_FEATURE_DSP"] is True
    r = nnc("run", m.outdir, "--inputs", tmp_path / "x.npy", "-o", tmp_path / "y.npy", "--target", "cortex-m4")
    assert r.returncode == 0, r.stderr
    np.testing.assert_array_equal(np.load(tmp_path / "y.npy"), m.cm.run(m.x[:20]))


@cross
def test_verify_on_target_names_the_first_divergent_layer(mnist, tmp_path):
    """A fault that only the aarch64 build has (host output stays right) is found layer by layer on the target."""
    need("aarch64-linux")
    m = mnist("q7")
    out = tmp_path / "broken"
    shutil.copytree(m.outdir, out)
    src = out / "m.c"
    text, n = re.subn(r"(\n\s*)NNC_TRACE_LAYER\(3, (\w+), ",
                      r"\n#ifdef __aarch64__\1\2[5] = (int8_t)(\2[5] ^ 1);\n#endif\1NNC_TRACE_LAYER(3, \2, ",
                      src.read_text(), count=1)
    assert n == 1
    src.write_text(text)
    np.save(tmp_path / "x.npy", m.x[:4])
    r = nnc("verify", out, "--inputs", tmp_path / "x.npy", "--target", "aarch64-linux", "--json", tmp_path / "v.json")
    assert r.returncode == 1, r.stdout + r.stderr
    v = json.loads((tmp_path / "v.json").read_text())
    layer3 = m.graph.nodes[3].name
    assert v["bit_exact"] is False and v["vs_host"]["identical"] is False
    assert v["first_divergent_layer"].startswith(layer3) and "aarch64-linux" in v["first_divergent_layer"]


@cross
def test_report_target_measures_flash_and_ram(mnist, tmp_path):
    need("cortex-m4")
    m = mnist("q7")
    r = nnc("report", m.outdir, "--target", "cortex-m4", "--json", tmp_path / "r.json")
    assert r.returncode == 0, r.stderr
    rep = json.loads((tmp_path / "r.json").read_text())
    s = rep["target_size"]
    assert s["model"]["weights"] == rep["weight_bytes"]          # const arrays as predicted
    assert s["model"]["arena"] >= rep["arena_bytes"]             # the static arena, in 8-byte words
    assert s["model"]["arena"] - rep["arena_bytes"] < 8
    assert s["image"]["flash"] >= s["model"]["flash"] >= rep["weight_bytes"]
    assert 0 < s["stack"]["model_static_estimate"] <= s["stack"]["measured_peak"] < 4096
    assert s["image"]["ram"] == s["image"]["data"] + s["image"]["bss"] + s["stack"]["measured_peak"]
    assert "flash: model weights" in r.stdout and "RAM: arena" in r.stdout


@cross
@pytest.mark.parametrize("target", ["cortex-m4", "aarch64-linux"])
def test_bench_counts_instructions_repeatably(mnist, target, tmp_path):
    need(target)
    m = mnist("q7")
    runs = []
    for i in range(2):
        r = nnc("bench", m.outdir, "--target", target, "--json", tmp_path / f"b{i}.json")
        assert r.returncode == 0, r.stderr
        runs.append(json.loads((tmp_path / f"b{i}.json").read_text()))
    a, b = runs
    assert a["instructions_per_inference"] == b["instructions_per_inference"] > 0
    assert [l["instructions"] for l in a["layers"]] == [l["instructions"] for l in b["layers"]]
    assert len(a["layers"]) == len(m.graph.nodes)
    total = sum(l["instructions"] for l in a["layers"])
    assert abs(total - a["instructions_per_inference"]) <= 2 * len(a["layers"]) + a["hook_overhead"]
    convs = sum(l["instructions"] for l in a["layers"] if l["op"] == "conv2d")
    assert convs > 0.8 * total
    assert "instructions per inference" in r.stdout


@cross
def test_bench_counts_on_host(mnist, tmp_path):
    if not shutil.which("valgrind"):
        pytest.skip("valgrind is not installed (perf alone gives no per-layer split)")
    m = mnist("q7")
    r = nnc("bench", m.outdir, "--target", "host", "--json", tmp_path / "b.json")
    assert r.returncode == 0, r.stderr
    res = json.loads((tmp_path / "b.json").read_text())
    assert res["instructions_per_inference"] > 0 and "callgrind" in res["tool"]
    assert len(res["layers"]) == len(m.graph.nodes)


# ---------------------------------------------------------------- missing tools (no tools needed)
def test_missing_toolchain_names_the_debian_packages(tmp_path, monkeypatch, examples_dir):
    monkeypatch.setenv("PATH", str(tmp_path))  # no compiler, no qemu
    with pytest.raises(CrossToolMissing) as e:
        require_tools("cortex-m4")
    msg = str(e.value)
    assert "arm-none-eabi-gcc" in msg and "apt-get install" in msg
    for pkg in ("gcc-arm-none-eabi", "libnewlib-arm-none-eabi", "qemu-system-arm"):
        assert pkg in msg
    with pytest.raises(CrossToolMissing, match="gcc-aarch64-linux-gnu .*qemu-user"):
        require_tools("aarch64-linux")
    r = nnc("verify", tmp_path, "--inputs", examples_dir / "mnist_cnn" / "test_images.npy", "--target", "armv7-linux",
            env={**os.environ, "PATH": str(tmp_path)})
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert "gcc-arm-linux-gnueabihf" in r.stderr and "libc6-dev-armhf-cross" in r.stderr


def test_unknown_run_target_is_a_clean_error(tmp_path):
    r = nnc("run", tmp_path, "--inputs", tmp_path / "x.npy", "-o", tmp_path / "y.npy", "--target", "pdp11")
    assert r.returncode == 2 and "pdp11" in r.stderr and "aarch64-linux" in r.stderr
