"""The whole host comparison in one run: our builds against onnxruntime, TFLite Micro and LiteRT.

    python benchmarks/bench_compare.py [--runs 200] [--repeat 3] [--only NAME ...] [--json benchmarks/results/compare.json]

ONNX models (examples/mnist_cnn and the tests/onnx_zoo.py CNNs): our float32, q7 and affine int8
builds (the onnxruntime-quantized QDQ model compiled in each requantization mode: onnxruntime,
single, double) against onnxruntime with one thread on the float model and on that QDQ model
(quantize_static, per-channel QInt8 weights, QInt8 activations).  TFLite models (a person-detection
MobileNetV1-0.25, tests/models/tflite): our build (TFLite's double rounding) against TFLite Micro's
interpreter (package tflite-micro, reference kernels) and LiteRT (ai-edge-litert, one thread) where
it loads the model.  Ours: `nncodegen bench` builds (-O3 -march=native, one process each); every
figure is the fastest of --repeat medians of --runs single-sample inferences.  Compare ratios, all
measured in this one run: the machine is shared.  Also the compile time (load + generate) of the
person-detection model and of 10 / 40 / 160-layer convolution stacks.
"""
from __future__ import annotations

import argparse
import functools
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import onnx  # noqa: E402

import nncodegen  # noqa: E402
from nncodegen.frontends.onnx_qdq import set_int8_rounding  # noqa: E402
from nncodegen.harness.bench import CLI_OPT, bench_outdir  # noqa: E402
from nncodegen.harness.int8_agreement import quantize_with_onnxruntime  # noqa: E402

TFLITE = ROOT / "tests" / "models" / "tflite"
ROUNDINGS = ("onnxruntime", "single", "double")


def onnx_models():
    import onnx_zoo
    ex = ROOT / "examples" / "mnist_cnn"
    out = {"mnist_cnn": (lambda: onnx.load(str(ex / "mnist_cnn.onnx")),
                         lambda shape: np.transpose(np.load(ex / "calib.npy")[:64], (0, 3, 1, 2)))}
    for name in ("depthwise_separable", "grouped_shuffle", "residual", "fire", "encoder_decoder_convtranspose"):
        out[name] = (onnx_zoo.ALL[name], None)
    return out


def tflite_models():
    from bench_arm import person_detect_tflite
    return {"person_detect": lambda: person_detect_tflite(0),
            "hello_world": lambda: (TFLITE / "hello_world_int8.tflite").read_bytes(),
            "micro_speech": lambda: (TFLITE / "micro_speech_quantized.tflite").read_bytes(),
            "tinyengine_detection": lambda: (TFLITE / "tinyengine_detection.tflite").read_bytes(),
            "mcunetv2_large": lambda: (TFLITE / "mcunetv2_large.tflite").read_bytes()}


def timed(fn, runs, repeat, warm=3):
    """Fastest of ``repeat`` medians of ``runs`` calls of fn, in microseconds."""
    for _ in range(warm):
        fn()
    meds = []
    for _ in range(repeat):
        ts = []
        for _ in range(runs):
            t0 = time.perf_counter_ns()
            fn()
            ts.append(time.perf_counter_ns() - t0)
        meds.append(float(np.median(ts)) / 1e3)
    return min(meds)


def ort_us(path, x, runs, repeat):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    return timed(lambda: sess.run(None, {name: x}), runs, repeat)


def ours_us(outdir, runs, repeat):
    r = bench_outdir(outdir, runs=runs, opt=CLI_OPT, repeat=repeat)
    return r["median_ns"] / 1e3, r["simd_path"]


def tflm_us(path, runs, repeat):
    from tflite_micro.python.tflite_micro import runtime
    ip = runtime.Interpreter.from_file(str(path), arena_size=4_000_000)
    d = ip.get_input_details(0)
    x = np.zeros(d["shape"], d["dtype"])
    ip.set_input(x, 0)
    return timed(ip.invoke, runs, repeat)


def litert_us(path, runs, repeat):
    from ai_edge_litert.interpreter import Interpreter
    it = Interpreter(model_path=str(path), num_threads=1)
    it.allocate_tensors()
    d = it.get_input_details()[0]
    it.set_tensor(d["index"], np.zeros(d["shape"], d["dtype"]))
    return timed(it.invoke, runs, repeat)


def conv_stack(layers, c=16, hw=16, seed=0):
    """A float ONNX stack of ``layers`` 3x3 convolutions + ReLU (compile-time scaling)."""
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.default_rng(seed)
    inits, nodes, x = [], [], "input"
    for i in range(layers):
        cin = 3 if i == 0 else c
        inits.append(numpy_helper.from_array((rng.normal(size=(c, cin, 3, 3)) * 0.2).astype(np.float32), f"w{i}"))
        inits.append(numpy_helper.from_array(np.zeros(c, np.float32), f"b{i}"))
        nodes.append(helper.make_node("Conv", [x, f"w{i}", f"b{i}"], [f"c{i}"], pads=[1, 1, 1, 1]))
        nodes.append(helper.make_node("Relu", [f"c{i}"], [f"r{i}"]))
        x = f"r{i}"
    g = helper.make_graph(nodes, f"stack{layers}", [helper.make_tensor_value_info("input", TensorProto.FLOAT,
                                                                                   [1, 3, hw, hw])],
                          [helper.make_tensor_value_info(x, TensorProto.FLOAT, [1, c, hw, hw])], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 8
    return m


def compile_seconds(path, outdir, repeat=3):
    best = None
    for i in range(repeat):
        t0 = time.perf_counter()
        nncodegen.generate(nncodegen.load(str(path)), Path(f"{outdir}_{i}"), name="m")
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    return best


def bench_onnx(name, build, calib_fn, td, a, log):
    m = build()
    fp = td / f"{name}.onnx"
    onnx.save(m, fp)
    shape = [d.dim_value for d in m.graph.input[0].type.tensor_type.shape.dim]
    calib = calib_fn(shape) if calib_fn else np.random.default_rng(0).normal(size=[64] + shape[1:]).astype(np.float32)
    x = calib[:1].astype(np.float32)
    row = {"model": name, "kind": "onnx"}
    log(f"[{name}] onnxruntime float / QDQ")
    qp = quantize_with_onnxruntime(fp, td / f"{name}_qdq.onnx", calib[:16].astype(np.float32), "s8")
    row["ort_f32_us"] = ort_us(fp, x, a.runs, a.repeat)
    row["ort_qdq_us"] = ort_us(qp, x, a.runs, a.repeat)
    g = nncodegen.load(str(fp))
    calib_nhwc = np.transpose(calib, (0, 2, 3, 1)) if calib.ndim == 4 else calib
    builds = {"f32": g, "q7": nncodegen.quantize(g, calib_nhwc, "q7")}
    for r in ROUNDINGS:
        gq = nncodegen.load(str(qp))
        set_int8_rounding(gq, r)
        builds[f"int8_{r}"] = gq
    for label, gb in builds.items():
        log(f"[{name}] ours {label}")
        out = nncodegen.generate(gb, td / f"{name}_{label}", name="m")
        row[f"{label}_us"], row["simd_path"] = ours_us(out, a.runs, a.repeat)
        row[f"{label}_macs"] = json.loads((out / "report.json").read_text())["macs"]
    row["f32_vs_ort"] = row["ort_f32_us"] / row["f32_us"]
    for r in ROUNDINGS:
        row[f"int8_{r}_vs_ort_qdq"] = row["ort_qdq_us"] / row[f"int8_{r}_us"]
        row[f"int8_{r}_vs_f32"] = row["f32_us"] / row[f"int8_{r}_us"]
    row["q7_vs_f32"] = row["f32_us"] / row["q7_us"]
    return row


def bench_tflite(name, data_fn, td, a, log):
    p = td / f"{name}.tflite"
    p.write_bytes(data_fn())
    row = {"model": name, "kind": "tflite"}
    log(f"[{name}] ours")
    out = nncodegen.generate(nncodegen.load(str(p)), td / f"{name}_c", name="m")
    row["int8_us"], row["simd_path"] = ours_us(out, a.runs, a.repeat)
    row["macs"] = json.loads((out / "report.json").read_text())["macs"]
    slow = max(3, min(a.runs, int(2e5 // max(1.0, row["int8_us"]))))  # TFLite Micro is slow on big models
    for rt, fn in (("tflm", tflm_us), ("litert", litert_us)):
        log(f"[{name}] {rt}")
        try:
            row[f"{rt}_us"] = fn(p, slow if rt == "tflm" else a.runs, a.repeat)
            row[f"int8_vs_{rt}"] = row[f"{rt}_us"] / row["int8_us"]
        except Exception as e:  # noqa: BLE001 - a runtime refusing a model is a result
            row[f"{rt}_error"] = str(e).splitlines()[0][:160] if str(e) else type(e).__name__
    return row


def fmt(v, w=9, d=1):
    return f"{v:>{w}.{d}f}" if isinstance(v, (int, float)) else f"{'-':>{w}}"


def table(rows, compile_rows):
    lines = []

    def section(title, hdr, kind, cells):
        lines.extend(title + [hdr, "-" * len(hdr)] + [cells(r) for r in rows if r["kind"] == kind])

    section(["ONNX models: median us per inference; ratios = speed-ups (>1: ours faster)"],
            f"{'model':<30} {'ORT f32':>9} {'ORT QDQ':>9} {'f32':>9} {'q7':>9} {'i8 ort':>9} {'i8 sgl':>9} "
            f"{'i8 dbl':>9} | {'f32/ORT':>7} {'i8o/QDQ':>7} {'i8s/QDQ':>7} {'i8d/QDQ':>7} {'q7/f32':>7} {'i8o/f32':>7}",
            "onnx",
            lambda r: f"{r['model']:<30} {fmt(r['ort_f32_us'])} {fmt(r['ort_qdq_us'])} {fmt(r['f32_us'])} "
                      f"{fmt(r['q7_us'])} {fmt(r['int8_onnxruntime_us'])} {fmt(r['int8_single_us'])} "
                      f"{fmt(r['int8_double_us'])} | {fmt(r['f32_vs_ort'], 7, 2)} "
                      f"{fmt(r['int8_onnxruntime_vs_ort_qdq'], 7, 2)} {fmt(r['int8_single_vs_ort_qdq'], 7, 2)} "
                      f"{fmt(r['int8_double_vs_ort_qdq'], 7, 2)} {fmt(r['q7_vs_f32'], 7, 2)} "
                      f"{fmt(r['int8_onnxruntime_vs_f32'], 7, 2)}")
    section(["", "TFLite models (ours: TFLite double rounding)"],
            f"{'model':<30} {'MACs':>11} {'ours':>9} {'TFLM':>10} {'LiteRT':>9} | {'vs TFLM':>8} {'vs LiteRT':>9}",
            "tflite",
            lambda r: f"{r['model']:<30} {r['macs']:>11,} {fmt(r['int8_us'])} {fmt(r.get('tflm_us'), 10)} "
                      f"{fmt(r.get('litert_us'))} | {fmt(r.get('int8_vs_tflm'), 8, 2)} "
                      f"{fmt(r.get('int8_vs_litert'), 9, 2)}"
                      + (f"  (LiteRT: {r['litert_error'][:60]})" if "litert_error" in r else ""))
    if compile_rows:
        lines += ["", "compile time (load + generate, best of 3): " +
                  ", ".join(f"{k} {v:.2f} s" for k, v in compile_rows.items())]
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", nargs="*", help="model names to run (default: all)")
    ap.add_argument("--no-compile-time", action="store_true")
    ap.add_argument("--json", default=str(ROOT / "benchmarks" / "results" / "compare.json"))
    a = ap.parse_args(argv)

    def log(s):
        print(s, file=sys.stderr, flush=True)

    rows, comp = [], {}
    with tempfile.TemporaryDirectory() as td:
        td = Path(td)
        for name, (build, calib_fn) in onnx_models().items():
            if not a.only or name in a.only:
                rows.append(bench_onnx(name, build, calib_fn, td, a, log))
        for name, data_fn in tflite_models().items():
            if not a.only or name in a.only:
                rows.append(bench_tflite(name, data_fn, td, a, log))
        if not a.no_compile_time:
            from bench_arm import person_detect_tflite
            p = td / "pd.tflite"
            p.write_bytes(person_detect_tflite(0))
            log("compile time")
            comp["person_detect"] = compile_seconds(p, td / "ct_pd")
            for n in (10, 40, 160):
                sp = td / f"stack{n}.onnx"
                onnx.save(conv_stack(n), sp)
                comp[f"stack{n}"] = compile_seconds(sp, td / f"ct_s{n}")
    print(table(rows, comp))
    import onnxruntime
    meta = {"runs": a.runs, "repeat": a.repeat, "opt": CLI_OPT, "onnxruntime": onnxruntime.__version__,
            "results": rows, "compile_seconds": comp}
    if a.json:
        Path(a.json).parent.mkdir(parents=True, exist_ok=True)
        Path(a.json).write_text(json.dumps(meta, indent=1))
        print(f"wrote {Path(a.json).relative_to(ROOT) if Path(a.json).is_relative_to(ROOT) else a.json}")


if __name__ == "__main__":
    functools.partial(main)()
