"""Host latency of generated C (float32, q7, q15, affine int8) against onnxruntime, in one run.

    python benchmarks/bench_latency.py [--runs 200] [--repeat 3] [--json benchmarks/results/latency.json]

Models: the shipped MNIST example and a MobileNet-style stack of
depthwise-separable blocks (built here with onnx.helper).  Every figure is a
median over --runs single-sample inferences (`nncodegen bench`, one process
per build); onnxruntime runs with one thread, like the C.  Each model is timed
in three builds of the same generated C:

  portable  -O2 -DNNC_NO_SIMD      plain C loops (what any C99 compiler gets)
  -O2       -O2                    the generated project's default on x86-64 (SSE2 paths of nnc_simd.h)
  native    -O3 -march=native      this CPU's best (AVX2 paths where it has AVX2)

Every build is timed --repeat times (separate processes) and the fastest
median is kept (all of them are in the JSON); onnxruntime likewise.  Compare
ratios, not absolute numbers: the machine is shared.
"""
from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import nncodegen  # noqa: E402
from nncodegen.frontends.onnx_import import load_onnx  # noqa: E402
from nncodegen.harness.bench import bench_outdir  # noqa: E402
from nncodegen.harness.cbuild import find_cc  # noqa: E402

BUILDS = {  # name: (optimization flags, defines)
    "portable": ("-O2", ("NNC_NO_SIMD",)),
    "O2": ("-O2", ()),
    "native": ("-O3 -march=native", ()),
}
SCHEMES = ("f32", "q7", "q15", "int8")


def mobilenet_stack(blocks=4, c=32, hw=32, seed=0):
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.default_rng(seed)
    inits, nodes = [], []

    def const(name, arr):
        inits.append(numpy_helper.from_array(np.asarray(arr, np.float32), name))
        return name

    x = "input"
    w = const("w0", rng.normal(size=(c, 3, 3, 3)) * np.sqrt(2 / 27))
    nodes.append(helper.make_node("Conv", [x, w, const("b0", np.zeros(c))], ["s0"], pads=[1, 1, 1, 1], strides=[2, 2]))
    nodes.append(helper.make_node("Clip", ["s0", const("lo", 0.0), const("hi", 6.0)], ["a0"]))
    x = "a0"
    for i in range(blocks):
        dw = const(f"dw{i}", rng.normal(size=(c, 1, 3, 3)) * np.sqrt(2 / 9))
        nodes.append(helper.make_node("Conv", [x, dw, const(f"db{i}", rng.normal(size=c) * 0.1)], [f"d{i}"],
                                      pads=[1, 1, 1, 1], group=c))
        nodes.append(helper.make_node("Relu", [f"d{i}"], [f"dr{i}"]))
        pw = const(f"pw{i}", rng.normal(size=(c, c, 1, 1)) * np.sqrt(2 / c))
        nodes.append(helper.make_node("Conv", [f"dr{i}", pw, const(f"pb{i}", rng.normal(size=c) * 0.1)], [f"p{i}"]))
        nodes.append(helper.make_node("Relu", [f"p{i}"], [f"pr{i}"]))
        x = f"pr{i}"
    nodes.append(helper.make_node("GlobalAveragePool", [x], ["gap"]))
    nodes.append(helper.make_node("Flatten", ["gap"], ["flat"]))
    nodes.append(helper.make_node("Gemm", ["flat", const("fw", rng.normal(size=(10, c)) * 0.3),
                                           const("fb", np.zeros(10))], ["logits"], transB=1))
    graph = helper.make_graph(nodes, "mobilenet_stack",
                              [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, hw, hw])],
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 10])], inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 8
    return m


def ort_latency(model_bytes, x_nchw, runs):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(model_bytes, so, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    for _ in range(5):
        sess.run(None, {name: x_nchw})
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter_ns()
        sess.run(None, {name: x_nchw})
        ts.append(time.perf_counter_ns() - t0)
    return float(np.median(ts))


def host_info():
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cc = find_cc()
    ver = subprocess.run([cc, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    import onnxruntime
    return {"cpu": cpu, "cc": ver, "onnxruntime": onnxruntime.__version__}


def format_table(rows):
    hdr = (f"{'model':<16} {'MACs':>10} {'scheme':<6} {'portable':>9} {'-O2':>9} {'native':>9} {'ORT':>8} "
           f"{'native/ORT':>10} {'vs f32':>7}")
    lines = [hdr, "-" * len(hdr)]
    for r in rows:
        f32 = next(x for x in rows if x["model"] == r["model"] and x["scheme"] == "f32")
        lines.append(f"{r['model']:<16} {r['macs']:>10,} {r['scheme']:<6} {r['portable_us']:>9.1f} {r['O2_us']:>9.1f} "
                     f"{r['native_us']:>9.1f} {r['onnxruntime_us']:>8.1f} {r['native_us'] / r['onnxruntime_us']:>10.2f} "
                     f"{r['native_us'] / f32['native_us']:>7.2f}")
    lines.append("(median us per single-sample inference; native/ORT and vs f32 use the native build)")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3, help="timings per build; the fastest median is kept")
    ap.add_argument("--json", default=str(ROOT / "benchmarks" / "results" / "latency.json"))
    a = ap.parse_args(argv)
    import onnx
    ex = ROOT / "examples" / "mnist_cnn"
    models = {
        "mnist_cnn": (onnx.load(str(ex / "mnist_cnn.onnx")), np.load(ex / "calib.npy")[:100]),
        "mobilenet_stack": (mobilenet_stack(), None),
    }
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for mname, (model, calib) in models.items():
            g = load_onnx(model)
            shape = g.tensors[g.inputs[0]].shape
            if calib is None:
                calib = np.random.default_rng(1).normal(size=(64,) + tuple(shape[1:])).astype(np.float32)
            x = calib[:1]
            print(f"[{mname}] onnxruntime", file=sys.stderr, flush=True)
            xo = np.transpose(x, (0, 3, 1, 2)).copy() if x.ndim == 4 else x
            ort_us = min(ort_latency(model.SerializeToString(), xo, a.runs) for _ in range(a.repeat)) / 1e3
            for scheme in SCHEMES:
                gq = g if scheme == "f32" else nncodegen.quantize(g, calib, scheme)
                out = nncodegen.generate(gq, Path(tmp) / f"{mname}_{scheme}", name=mname)
                rep = json.loads((out / "report.json").read_text())
                row = {"model": mname, "scheme": scheme, "macs": rep["macs"], "onnxruntime_us": ort_us,
                       "arena_bytes": rep["arena_bytes"], "weight_bytes": rep["weight_bytes"]}
                for build, (opt, defines) in BUILDS.items():
                    print(f"[{mname}] {scheme}: {build} ({opt}{''.join(' -D' + d for d in defines)})",
                          file=sys.stderr, flush=True)
                    res = bench_outdir(out, runs=a.runs, opt=opt, defines=defines, repeat=a.repeat)
                    row[f"{build}_us"] = res["median_ns"] / 1e3
                    row[f"{build}_medians_us"] = [round(v / 1e3, 2) for v in res.get("medians_ns", [res["median_ns"]])]
                    row[f"{build}_simd_path"] = res["simd_path"]
                    row[f"{build}_layers_us"] = {l["name"]: round(l["mean_ns"] / 1e3, 2) for l in res["layers"]}
                rows.append(row)
    print(format_table(rows))
    Path(a.json).parent.mkdir(parents=True, exist_ok=True)
    Path(a.json).write_text(json.dumps({"runs": a.runs, "repeat": a.repeat, "host": host_info(),
                                        "builds": {k: " ".join([o] + [f"-D{d}" for d in ds])
                                                   for k, (o, ds) in BUILDS.items()},
                                        "results": rows}, indent=2))
    print(f"wrote {a.json}")


if __name__ == "__main__":
    main()
