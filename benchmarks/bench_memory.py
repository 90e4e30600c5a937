"""Arena (RAM) of the repo's models: the activation lower bound, the arena planned with every layer out of
place, and the arena planned now (in-place convolutions, max pools and constant pads where they lower it).

    python benchmarks/bench_memory.py [--json benchmarks/results/memory.json]

Models: examples/mnist_cnn (q7 and float32), the ONNX test zoo's depthwise_separable (q7 and float32) and
every TFLite model in tests/models/tflite that nncodegen compiles (the others are listed with the reason).
Columns:
  lower bound  the largest set of activation tensors live at once when every layer writes a new buffer
               (report.json arena_lower_bound_bytes): no out-of-place plan can use less
  before       the arena the planner gives with every layer out of place (arena_out_of_place_bytes)
  now          the arena of the generated C (arena_bytes), in-place layers included with their scratch
  plan bound   the lower bound of the storage actually planned (arena_plan_lower_bound_bytes)
Figures are exact (no timing): the planner is deterministic.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import nncodegen  # noqa: E402
from nncodegen.lower import planner  # noqa: E402
from nncodegen.lower.lower import lower  # noqa: E402


def models():
    """(name, scheme, graph or the exception that stopped it)."""
    import onnx
    import onnx_zoo
    from nncodegen.frontends.onnx_import import load_onnx
    mn = ROOT / "examples" / "mnist_cnn"
    g = load_onnx(onnx.load(str(mn / "mnist_cnn.onnx")))
    yield "mnist_cnn", "q7", nncodegen.quantize(g, np.load(mn / "calib.npy"), "q7")
    yield "mnist_cnn", "float32", g
    g = load_onnx(onnx_zoo.ALL["depthwise_separable"]())
    calib = np.random.default_rng(0).normal(size=(32,) + tuple(g.tensors[g.inputs[0]].shape[1:])).astype(np.float32)
    yield "depthwise_separable (onnx zoo)", "q7", nncodegen.quantize(g, calib, "q7")
    yield "depthwise_separable (onnx zoo)", "float32", g
    for f in sorted((ROOT / "tests" / "models" / "tflite").glob("*.tflite")):
        try:
            g = nncodegen.load(str(f))
        except Exception as e:  # noqa: BLE001 - reported as the reason the model is not measured
            yield f.name, "-", e
            continue
        yield f.name, g.meta.get("quantization", {}).get("scheme", "int8") if g.is_quantized else "float32", g


def measure(g):
    auto = lower(g)
    everything = lower_with(g, "all")
    return {"lower_bound": auto.arena_lower_bound, "before": auto.arena_out_of_place, "now": auto.arena_bytes,
            "plan_bound": auto.arena_plan_lower_bound, "inplace_layers": list(auto.inplace_layers),
            "scratch_bytes": sum(a.nbytes for c in auto.calls for a in c.args if type(a).__name__ == "Scratch"),
            "now_all_in_place": everything.arena_bytes, "layers_all_in_place": len(everything.inplace_layers)}


def lower_with(g, mode):
    old = planner.INPLACE_MODE
    planner.INPLACE_MODE = mode
    try:
        return lower(g)
    finally:
        planner.INPLACE_MODE = old


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", default=str(ROOT / "benchmarks" / "results" / "memory.json"))
    a = ap.parse_args(argv)
    rows, skipped = [], []
    for name, scheme, g in models():
        if isinstance(g, Exception):
            skipped.append({"model": name, "reason": str(g).splitlines()[0][:200]})
            continue
        rows.append({"model": name, "scheme": scheme, **measure(g)})
    hdr = ["model", "scheme", "lower bound", "before in-place", "now", "now / bound", "in-place layers", "scratch"]
    table = [[r["model"], r["scheme"], f"{r['lower_bound']:,}", f"{r['before']:,}", f"{r['now']:,}",
              f"{r['now'] / r['lower_bound']:.3f}" if r["lower_bound"] else "-", str(len(r["inplace_layers"])),
              f"{r['scratch_bytes']:,}"] for r in rows]
    widths = [max(len(x[k]) for x in table + [hdr]) for k in range(len(hdr))]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"  # noqa: E731
    print(line(hdr))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in table:
        print(line(r))
    for s in skipped:
        print(f"not compiled: {s['model']}: {s['reason']}")
    Path(a.json).parent.mkdir(parents=True, exist_ok=True)
    Path(a.json).write_text(json.dumps({"units": "bytes", "models": rows, "not_compiled": skipped}, indent=2) + "\n")
    print(f"wrote {a.json}")


if __name__ == "__main__":
    main()
