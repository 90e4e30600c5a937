"""Host latency of generated C (float, q7, q15) against onnxruntime, in one run.

    python benchmarks/bench_latency.py [--runs 200] [--json benchmarks/results/latency.json]

Models: the shipped MNIST example and a MobileNet-style stack of
depthwise-separable blocks (built here with onnx.helper).  Every figure is a
median over --runs single-sample inferences; onnxruntime runs with one
thread, like the C.  Compare ratios, not absolute numbers: the machine is
shared.
"""
from __future__ import annotations

import argparse
import json
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


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=200)
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
            row = {"model": mname, "macs": None}
            print(f"[{mname}] onnxruntime", file=sys.stderr, flush=True)
            row["onnxruntime_us"] = ort_latency(model.SerializeToString(), np.transpose(x, (0, 3, 1, 2)).copy()
                                                if x.ndim == 4 else x, a.runs) / 1e3
            for scheme in ("f32", "q7", "q15"):
                print(f"[{mname}] {scheme}: compile + bench", file=sys.stderr, flush=True)
                gq = g if scheme == "f32" else nncodegen.quantize(g, calib, scheme)
                out = nncodegen.generate(gq, Path(tmp) / f"{mname}_{scheme}", name=mname)
                rep = json.loads((out / "report.json").read_text())
                row["macs"] = rep["macs"]
                res = bench_outdir(out, runs=a.runs)
                row[f"{scheme}_us"] = res["median_ns"] / 1e3
                row[f"{scheme}_arena"] = rep["arena_bytes"]
                row[f"{scheme}_weights"] = rep["weight_bytes"]
            rows.append(row)
    hdr = f"{'model':<16} {'MACs':>10} {'ORT us':>9} {'f32 us':>9} {'q7 us':>9} {'q15 us':>9} " \
          f"{'f32/ORT':>8} {'q7/f32':>7} {'q15/f32':>8}"
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        print(f"{r['model']:<16} {r['macs']:>10,} {r['onnxruntime_us']:>9.1f} {r['f32_us']:>9.1f} {r['q7_us']:>9.1f} "
              f"{r['q15_us']:>9.1f} {r['f32_us'] / r['onnxruntime_us']:>8.2f} {r['q7_us'] / r['f32_us']:>7.2f} "
              f"{r['q15_us'] / r['f32_us']:>8.2f}")
    Path(a.json).parent.mkdir(parents=True, exist_ok=True)
    Path(a.json).write_text(json.dumps({"runs": a.runs, "results": rows}, indent=2))
    print(f"wrote {a.json}")


if __name__ == "__main__":
    main()
