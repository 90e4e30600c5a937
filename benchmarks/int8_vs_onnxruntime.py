"""Generated int8 C against onnxruntime's execution of onnxruntime-quantized models: the table of docs/INT8.md.

    python benchmarks/int8_vs_onnxruntime.py [--samples 200] [--json benchmarks/results/int8_vs_onnxruntime.json]

Every float model of tests/onnx_zoo.py is pre-processed (quant_pre_process) and quantized with
onnxruntime.quantization.quantize_static (QDQ, per-channel QInt8 weights, QInt8 or QUInt8
activations, MinMax on 16 random inputs), compiled by nncodegen with single and with double
rounding, run on --samples other random inputs, and compared with onnxruntime run (a) with its
default optimizations (fused int8 kernels) and (b) without (the QDQ graph's float semantics).
Figures: share of identical output integers, largest difference in LSB, top-1 agreement.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import onnx  # noqa: E402

import nncodegen  # noqa: E402
import onnx_zoo  # noqa: E402
from nncodegen.harness.int8_agreement import agreement, quantize_with_onnxruntime, to_ir_layout  # noqa: E402
from nncodegen.frontends.onnx_qdq import set_int8_rounding  # noqa: E402


def inputs(model, n, seed):
    shape = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
    return np.random.default_rng(seed).normal(size=[n] + shape[1:]).astype(np.float32)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--json")
    a = ap.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as td:
        td = Path(td)
        for name, build in onnx_zoo.ALL.items():
            m = build()
            fp = td / f"{name}.onnx"
            onnx.save(m, fp)
            x = inputs(m, a.samples, 1)
            for act in ("s8", "u8"):
                qp = quantize_with_onnxruntime(fp, td / f"{name}_{act}.onnx", inputs(m, 16, 0), act)
                for rounding in ("onnxruntime", "single", "double"):
                    g = nncodegen.load(qp)
                    set_int8_rounding(g, rounding)
                    out = nncodegen.generate(g, td / f"c_{name}_{act}_{rounding}", name="m")
                    cm = nncodegen.build(out)
                    y = cm.run_raw(cm.quantize_input(to_ir_layout(x, g.meta.get("input_layout"))))
                    fused = agreement(qp, x, out, True, y)
                    flt = agreement(qp, x, out, False, y)
                    fl = [f.split(" (")[0] for f in g.meta["quantization"]["float_layers"]]
                    rows.append({"model": name, "activations": act, "rounding": rounding, "fused": fused,
                                 "float": flt, "float_layers": fl})
                    print(f"{name:30s} {act} {rounding:11s} fused {100 * fused['identical']:8.3f}% "
                          f"max {fused['max_lsb']} top1 {fused['top1']:.3f} | float {100 * flt['identical']:8.3f}% "
                          f"max {flt['max_lsb']} top1 {flt['top1']:.3f}  {'float: ' + ', '.join(fl) if fl else ''}",
                          flush=True)
    if a.json:
        Path(a.json).write_text(json.dumps({"samples": a.samples, "rows": rows}, indent=1))
    print()
    print("| model | act. | rounding | vs onnxruntime (fused int8): identical / max LSB / top-1 "
          "| vs onnxruntime (float QDQ): identical / max LSB / top-1 |")
    print("|---|---|---|---|---|")
    for r in rows:
        f, s = r["fused"], r["float"]
        print(f"| {r['model']} | {r['activations']} | {r['rounding']} | {100 * f['identical']:.2f}% / {f['max_lsb']} / "
              f"{100 * f['top1']:.0f}% | {100 * s['identical']:.2f}% / {s['max_lsb']} / {100 * s['top1']:.0f}% |")


if __name__ == "__main__":
    main()
