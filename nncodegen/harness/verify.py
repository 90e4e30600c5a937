"""`nncodegen verify`: the generated C against the bit-exact simulator and the float reference.

With ``target`` other than "host" (aarch64-linux, armv7-linux, cortex-m4, cortex-m7, see
harness/cross.py) the C is cross-compiled and run under qemu; the target's raw outputs are then
compared with the simulator (the pass criterion below) and with the host build of the same C
(reported as ``vs_host``; integer outputs must be identical to pass).

Pass criteria (stated in the printed table and the JSON):
* integer models: the C output equals the simulator's bit for bit; float
  models: within 1e-5 relative (float32 summation order differs);
* against the float reference: float models within 1e-4 of it (relative to
  the output's magnitude); quantized models keep a cosine similarity of at
  least 0.98 (q7) or 0.999 (q15) — a coarse guard; the figures themselves
  are the result.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Dict, Optional

import numpy as np

from ..codegen.sanitize import term
from ..ir.graph import GraphError
from ..ir.serialize import load_graph
from .cmodel import CModel, check_input_array, read_manifest
from .metrics import accuracy, compare, index_accuracy, index_agreement


@dataclass
class VerifyResult:
    target: str
    n_samples: int
    bit_exact: bool
    max_abs_diff_vs_sim: float
    float_ref: Dict[str, float]
    accuracy: Optional[float]
    float_accuracy: Optional[float]
    first_divergent_layer: Optional[str]
    scheme: str
    criteria: Dict[str, object] = field(default_factory=dict)
    passed: bool = False
    vs_host: Optional[Dict[str, object]] = None   # target runs: the target's output against the host build
    build: Optional[Dict[str, object]] = None     # target runs: compiler, flags, feature macros, SIMD path

    def to_json(self) -> Dict:
        return asdict(self)

    def table(self) -> str:
        fr = self.float_ref
        rows = [("target", self.target)] if self.target != "host" else []
        if self.build:
            rows.append(("build", f"{self.build['cc']} {' '.join(self.build['flags'])}"))
            feats = [k for k, v in self.build["features"].items() if v]
            rows.append(("SIMD path", f"{self.build['simd_path']} (feature macros: {', '.join(feats) or 'none'})"))
        rows += [
            ("samples", str(self.n_samples)),
            ("scheme", self.scheme),
            ("C vs simulator", ("bit-exact" if self.bit_exact and (self.scheme != "float32" or
                                                                  "label_agreement" in fr) else
                                "within float32 rounding" if self.bit_exact else "MISMATCH") +
             f" (max |diff| {self.max_abs_diff_vs_sim:.3g})"),
        ]
        if self.vs_host is not None:
            rows.append((f"{self.target} vs host C", ("bit-identical" if self.vs_host["identical"] else "DIFFERENT") +
                         f" (max |diff| {self.vs_host['max_abs_diff']:.3g})"))
        if "label_agreement" in fr:   # an index output (argmax / TopK): labels, not numbers, are compared
            rows.append(("vs float: label agreement", f"{100 * fr['label_agreement']:.2f}%"))
        else:
            rows += [
                ("vs float: max |err|", f"{fr['max_abs_err']:.4g}"),
                ("vs float: RMSE", f"{fr['rmse']:.4g}"),
                ("vs float: cosine", f"{fr['cosine']:.6f}"),
                ("vs float: top-1 agreement", f"{100 * fr['top1_agreement']:.2f}%"),
            ]
        if self.accuracy is not None:
            rows.append(("accuracy: C", f"{100 * self.accuracy:.2f}%"))
            rows.append(("accuracy: float model", f"{100 * self.float_accuracy:.2f}%"))
        if self.first_divergent_layer:
            rows.append(("first divergent layer", term(self.first_divergent_layer)))  # holds a node name
        rows.append(("criteria", "; ".join(f"{k} {v}" for k, v in self.criteria.items())))
        rows.append(("result", "PASS" if self.passed else "FAIL"))
        w = max(len(k) for k, _ in rows)
        return "\n".join(f"{k.ljust(w)}  {v}" for k, v in rows)


def _first_divergent(outdir, graph, x_one, cm_raw_in) -> Optional[str]:
    from ..api import simulate
    cm = CModel(outdir, trace=True)
    c_layers = cm.run_trace(cm_raw_in)
    _, traces = simulate(graph, x_one[None], raw=True, trace=True)
    sim = traces[0]
    for node, c_out in zip(graph.nodes, c_layers):
        s = sim[node.outputs[0]]
        if not np.array_equal(np.asarray(s).reshape(c_out.shape), c_out):
            idx = np.argwhere(np.asarray(s).reshape(c_out.shape) != c_out)[0]
            return f"{node.name} ({node.op}) at index {tuple(int(i) for i in idx)}"
    return None


def _first_divergent_on_target(outdir, graph, x_one, xq_one, target) -> Optional[str]:
    from ..api import simulate
    from .cross import run_trace_on_target
    c_layers = run_trace_on_target(outdir, xq_one, target)
    _, traces = simulate(graph, x_one[None], raw=True, trace=True)
    for node, c_out in zip(graph.nodes, c_layers):
        s = np.asarray(traces[0][node.outputs[0]]).reshape(c_out.shape)
        if not np.array_equal(s, c_out):
            idx = np.argwhere(s != c_out)[0]
            return f"{node.name} ({node.op}) at index {tuple(int(i) for i in idx)} on {target}"
    return None


def _verify_index(cm, graph, x, labels, yc_raw, ys_raw, xq, target, vs_host, build_info, m) -> VerifyResult:
    """A model whose output is an index (argmax / TopK k=1): the C's indices must equal the simulator's;
    the float reference is compared by label agreement (float metrics mean nothing for an index)."""
    from ..api import reference
    exact = bool(np.array_equal(yc_raw, ys_raw))
    diff = np.abs(yc_raw.astype(np.int64) - ys_raw.astype(np.int64))
    yref = reference(graph, x).reshape(yc_raw.shape)
    fr = index_agreement(yc_raw, yref)
    crit = {"C vs simulator": "identical indices", "label agreement vs float >=": 0.98}
    ok_host = vs_host is None or vs_host["identical"]
    if vs_host is not None:
        crit[f"{target} vs host C"] = "identical indices"
    first = None
    if not exact:
        bad = int(np.argwhere(diff.reshape(len(x), -1).max(axis=1) > 0)[0][0])
        first = _first_divergent(m["_outdir"], graph, x[bad], xq[bad]) if target == "host" else \
            _first_divergent_on_target(m["_outdir"], graph, x[bad], xq[bad], target)
    scheme = m.get("scheme") or graph.meta.get("quantization", {}).get("scheme", "float32")
    return VerifyResult(target, int(len(x)), exact, float(diff.max()) if diff.size else 0.0, fr,
                        index_accuracy(yc_raw, labels), index_accuracy(yref, labels), first, scheme, crit,
                        bool(exact and fr["label_agreement"] >= 0.98 and ok_host), vs_host, build_info)


def verify(outdir, x: np.ndarray, labels: Optional[np.ndarray] = None,
           progress: Callable[[str], None] = lambda s: None, chunk: int = 100, target: str = "host") -> VerifyResult:
    from ..api import reference, simulate
    m = read_manifest(outdir)
    m["_outdir"] = outdir
    graph = load_graph(Path(outdir) / "model.nnc")
    x = check_input_array(x, m["input"]["shape"])
    if labels is not None and len(labels) != len(x):
        raise GraphError(f"labels: {len(labels)} labels for {len(x)} inputs")
    build_info = None
    if target != "host":
        from .cross import build_program, require_tools
        require_tools(target)
        progress(f"cross-compiling {outdir} for {target}")
        tb = build_program(outdir, target)
        build_info = {"cc": tb.config.cc, "flags": tb.config.cflags, "emulator": " ".join(tb.config.qemu),
                      "features": tb.features, "simd_path": tb.simd_path}
        progress(f"{target}: SIMD path {tb.simd_path}")
    progress(f"building the C in {outdir}")
    cm = CModel(outdir)
    xq = cm.quantize_input(x)
    progress(f"running the C on {len(x)} samples")
    yh_raw = cm.run_raw(xq)
    yc_raw = yh_raw
    vs_host = None
    if target != "host":
        from .cross import run_built
        progress(f"running the C on {target} under {build_info['emulator'].split()[0]}")
        yc_raw = run_built(tb, outdir, xq).reshape(yh_raw.shape)
        dh = np.abs(yc_raw.astype(np.float64) - yh_raw.astype(np.float64))
        vs_host = {"identical": bool(np.array_equal(yc_raw, yh_raw)),
                   "max_abs_diff": float(dh.max()) if dh.size else 0.0}
    ys_parts = []
    for i in range(0, len(x), chunk):
        progress(f"simulating {min(i + chunk, len(x))}/{len(x)}")
        ys_parts.append(simulate(graph, x[i:i + chunk], raw=True))
    ys_raw = np.concatenate(ys_parts).reshape(yc_raw.shape)
    quant = cm.quantized and not getattr(cm.in_fmt, "float_body", False)  # a camera frame into a float model
    if cm.out_fmt.kind == "index":
        return _verify_index(cm, graph, x, labels, yc_raw, ys_raw, xq, target, vs_host, build_info, m)
    diff = np.abs(yc_raw.astype(np.float64) - ys_raw.astype(np.float64))
    max_diff = float(diff.max()) if diff.size else 0.0
    float_layers = graph.meta.get("quantization", {}).get("float_layers") or []
    if quant:
        exact = bool(np.array_equal(yc_raw, ys_raw))
    else:
        scale = max(1.0, float(np.max(np.abs(ys_raw))) if ys_raw.size else 1.0)
        exact = max_diff <= 1e-5 * scale
    progress("float reference")
    yref = reference(graph, x).reshape(yc_raw.shape)
    yc = cm.out_fmt.dequantize(yc_raw) if cm.out_quantized else yc_raw.astype(np.float32)  # float logits of Q-input models
    fr = compare(yc, yref)
    scheme = m.get("scheme") or (graph.meta.get("quantization", {}).get("scheme", "float32") if quant else "float32")
    if quant:
        need_cos = 0.999 if cm.in_fmt.bits >= 16 else 0.98
        crit = {"C vs simulator": "bit-exact", "cosine vs float >=": need_cos}
        ok_ref = fr["cosine"] >= need_cos
        if float_layers:
            # an int8 model with layers in float: a float kernel and its numpy twin agree to float32
            # rounding, so the quantization after it may round a near-tie the other way
            crit["C vs simulator"] = f"bit-exact, or <= 1 LSB after its {len(float_layers)} float layer(s)"
    else:
        tol = 1e-4 * max(1.0, float(np.max(np.abs(yref))))
        crit = {"C vs simulator": "within 1e-5 relative", "max |err| vs float <=": float(f"{tol:.3g}")}
        ok_ref = fr["max_abs_err"] <= tol
    ok_host = True
    if vs_host is not None:
        if quant:
            crit[f"{target} vs host C"] = "bit-identical"
            ok_host = vs_host["identical"]
        else:
            scale = max(1.0, float(np.max(np.abs(yh_raw))) if yh_raw.size else 1.0)
            crit[f"{target} vs host C"] = "within 1e-5 relative"
            ok_host = vs_host["max_abs_diff"] <= 1e-5 * scale
    first = None
    if not exact:
        bad = int(np.argwhere(diff.reshape(len(x), -1).max(axis=1) > 0)[0][0])
        progress(f"sample {bad} differs: tracing layers")
        if target == "host":
            first = _first_divergent(outdir, graph, x[bad], xq[bad])
        else:
            first = _first_divergent_on_target(outdir, graph, x[bad], xq[bad], target)
    return VerifyResult(target, int(len(x)), exact, max_diff, fr, accuracy(yc, labels),
                        accuracy(yref, labels), first, scheme, crit,
                        bool((exact or (quant and float_layers and max_diff <= 1)) and ok_ref and ok_host),
                        vs_host, build_info)
