"""Per-layer agreement of the generated C with the float reference, and each layer's precision profile.

Every layer's output, as the C computes it, comes from the ``NNC_TRACE`` build of the generated C (the
build ``verify`` also uses to find the first divergent layer): one call per sample, a hook copies each
layer's output.  The float reference runs the same samples through ``ref.interpreter.run_float`` and
keeps every tensor.  Per layer (every graph node, by its name):

* ``rmse``, ``mae``, ``max_abs_err``: of C (dequantized) minus float reference;
* ``l2_rel_err``: ||C - ref|| / ||ref||;  ``cosine``: <C, ref> / (||C|| ||ref||);
* ``saturated_low`` / ``saturated_high``: C integers equal to the format's min / max (integer formats);
* ``ref_outside_range``: float-reference values the format cannot hold (they clip), and
  ``unused_msbs``: the top bits no C value of the layer ever used (``bits - ceil(log2(span of codes))``).

The errors accumulate through the layers (each layer's C input is the C's previous output, each reference
input the reference's), so the list shows how the error grows.  Binary (packed) outputs are unpacked to
-1 / +1 (MAE / 2 is then the fraction of flipped signs); other packed formats (ternary) are not compared.
"""
from __future__ import annotations

import math
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np

HIST_CAP = 60000  # values per layer kept for the histograms (from the first samples)
COMPARED_KINDS = ("q", "affine", "float", "index", "binary")


def format_range(fmt) -> Optional[Dict[str, float]]:
    """The real values a per-tensor or per-channel integer format can hold: lo, hi (widest over channels),
    lsb (smallest step over channels), bits, qmin, qmax.  None for float and packed formats."""
    kind = getattr(fmt, "kind", None)
    if kind == "q":
        fr = np.asarray(fmt.frac if fmt.per_channel else [fmt.frac], dtype=np.float64)
        scale = np.power(2.0, -fr)
        return {"lo": float(np.min(fmt.qmin * scale)), "hi": float(np.max(fmt.qmax * scale)),
                "lsb": float(np.min(scale)), "bits": int(fmt.bits), "qmin": int(fmt.qmin), "qmax": int(fmt.qmax)}
    if kind == "affine":
        s = np.asarray(fmt.scale if fmt.per_channel else [fmt.scale], dtype=np.float64)
        z = np.asarray(fmt.zero_point if fmt.per_channel else [fmt.zero_point], dtype=np.float64)
        return {"lo": float(np.min((fmt.qmin - z) * s)), "hi": float(np.max((fmt.qmax - z) * s)),
                "lsb": float(np.min(s)), "bits": int(fmt.bits), "qmin": int(fmt.qmin), "qmax": int(fmt.qmax)}
    return None


def _dequant(fmt, raw: np.ndarray) -> np.ndarray:
    if fmt.kind == "float":
        return np.asarray(raw, dtype=np.float64)
    return np.asarray(fmt.dequantize(raw), dtype=np.float64)


class _Acc:
    """Running sums of one layer over the samples seen so far."""

    def __init__(self):
        self.n = 0
        self.sq = self.ab = self.rr = self.cc = self.cr = 0.0
        self.mx = 0.0
        self.sat_lo = self.sat_hi = self.outside = 0
        self.code_min: Optional[int] = None
        self.code_max: Optional[int] = None
        self.c_hist: List[np.ndarray] = []
        self.r_hist: List[np.ndarray] = []
        self.kept = 0


def _layer_outputs(graph):
    return [(i, node, graph.tensors[node.outputs[0]]) for i, node in enumerate(graph.nodes)]


def collect(outdir, graph, x: np.ndarray, chunk: int = 50,
            progress: Callable[[str], None] = lambda s: None
            ) -> Tuple[List[Dict], Dict[str, Dict[str, np.ndarray]], np.ndarray]:
    """Per-layer metrics of the C (trace build in ``outdir``) against the float reference on inputs ``x``.

    Returns (layers, values): ``layers`` a list of dicts (JSON-ready, one per graph node, in order) and
    ``values`` {layer name: {"c": ..., "ref": ...}} holding up to HIST_CAP values of each for histograms,
    and the C's predicted class per sample (argmax of the output, or the output itself for an index output)."""
    from ..ref.interpreter import run_float
    from .cmodel import CModel
    progress(f"building the trace build (NNC_TRACE) of {outdir}")
    cm = CModel(outdir, trace=True)
    layers = _layer_outputs(graph)
    accs = [_Acc() for _ in layers]
    xq = cm.quantize_input(x)
    n = len(x)
    preds = []
    for s0 in range(0, n, chunk):
        s1 = min(n, s0 + chunk)
        if s1 == n or (10 * s1) // n != (10 * s0) // n:  # about ten lines, whatever n
            progress(f"per-layer trace: {s1}/{n} samples")
        _, ref = run_float(graph, x[s0:s1], trace=True)
        c_traces = [cm.run_trace(xq[i]) for i in range(s0, s1)]
        for k, (i, node, t) in enumerate(layers):
            if t.name == graph.outputs[0]:
                o = np.stack([c[i] for c in c_traces]).reshape(s1 - s0, -1)
                preds.append(o[:, 0] if t.fmt.kind == "index" else np.argmax(o, axis=1))
            if t.fmt.kind not in COMPARED_KINDS:
                continue
            r = np.asarray(ref[t.name], dtype=np.float64).reshape(s1 - s0, -1)
            if t.fmt.kind == "binary":  # packed words: unpacked to -1 / +1 per sample
                raw = np.zeros((0,), np.int64)
                c = np.stack([t.fmt.dequantize(ct[i], tuple(t.shape)) for ct in c_traces]).astype(np.float64)
                c = c.reshape(r.shape)
            else:
                raw = np.stack([c[i] for c in c_traces]).reshape(s1 - s0, -1)
                c = _dequant(t.fmt, raw).reshape(r.shape)
            a = accs[k]
            d = c - r
            a.n += d.size
            a.sq += float(np.sum(d * d))
            a.ab += float(np.sum(np.abs(d)))
            a.mx = max(a.mx, float(np.max(np.abs(d))) if d.size else 0.0)
            a.rr += float(np.sum(r * r))
            a.cc += float(np.sum(c * c))
            a.cr += float(np.sum(c * r))
            rng = format_range(t.fmt)
            if rng is not None:
                ri = raw.astype(np.int64)
                a.sat_lo += int(np.sum(ri == rng["qmin"]))
                a.sat_hi += int(np.sum(ri == rng["qmax"]))
                half = rng["lsb"] / 2
                a.outside += int(np.sum((r > rng["hi"] + half) | (r < rng["lo"] - half)))
                if ri.size:
                    lo, hi = int(ri.min()), int(ri.max())
                    a.code_min = lo if a.code_min is None else min(a.code_min, lo)
                    a.code_max = hi if a.code_max is None else max(a.code_max, hi)
            if a.kept < HIST_CAP:
                take = HIST_CAP - a.kept
                a.c_hist.append(c.ravel()[:take])
                a.r_hist.append(r.ravel()[:take])
                a.kept += min(take, c.size)
    out, values = [], {}
    for (i, node, t), a in zip(layers, accs):
        rng = format_range(t.fmt)
        row = {"index": i, "name": node.name, "op": node.op, "format": str(t.fmt),
               "shape": list(t.shape), "n_values": a.n}
        if t.fmt.kind not in COMPARED_KINDS:
            row.update(dict.fromkeys(("rmse", "mae", "max_abs_err", "l2_rel_err", "cosine", "saturated_low",
                                      "saturated_high", "ref_outside_range", "unused_msbs"), None),
                       note=f"{t.fmt.kind} output: packed, not compared per element")
            out.append(row)
            continue
        den = math.sqrt(a.cc * a.rr)
        row.update({
            "rmse": math.sqrt(a.sq / a.n) if a.n else 0.0,
            "mae": a.ab / a.n if a.n else 0.0,
            "max_abs_err": a.mx,
            "l2_rel_err": math.sqrt(a.sq / a.rr) if a.rr > 0 else (0.0 if a.sq == 0 else None),
            "cosine": a.cr / den if den > 0 else (1.0 if a.sq == 0 else 0.0),
            "saturated_low": a.sat_lo if rng else None,
            "saturated_high": a.sat_hi if rng else None,
            "ref_outside_range": a.outside if rng else None,
            "unused_msbs": None,
            "range": [rng["lo"], rng["hi"]] if rng else None,
        })
        if rng and a.code_min is not None:
            span = a.code_max - a.code_min + 1
            row["unused_msbs"] = max(0, rng["bits"] - max(1, math.ceil(math.log2(span))))
        out.append(row)
        values[node.name] = {"c": np.concatenate(a.c_hist) if a.c_hist else np.zeros(0),
                             "ref": np.concatenate(a.r_hist) if a.r_hist else np.zeros(0)}
    return out, values, (np.concatenate(preds) if preds else np.zeros(0, np.int64))


def _num(v, spec: str) -> str:
    return "-" if v is None else format(v, spec)


def layer_table(layers: List[Dict]) -> str:
    """The compact terminal table of the per-layer metrics (names through sanitize.term by the caller)."""
    hdr = ["#", "layer", "op", "format", "RMSE", "MAE", "max err", "L2 rel", "cosine", "sat lo/hi", "clip", "unused"]
    rows = []
    for l in layers:
        sat = "-" if l.get("saturated_low") is None else f"{l['saturated_low']}/{l['saturated_high']}"
        rows.append([str(l["index"]), l["name"][:28], l["op"], l["format"][:18], _num(l["rmse"], ".3g"),
                     _num(l["mae"], ".3g"), _num(l["max_abs_err"], ".3g"), _num(l["l2_rel_err"], ".3g"),
                     _num(l["cosine"], ".5f"), sat, _num(l.get("ref_outside_range"), "d"),
                     _num(l.get("unused_msbs"), "d")])
    w = [max(len(r[k]) for r in rows + [hdr]) for k in range(len(hdr))]
    line = lambda r: "  ".join(c.rjust(x) if k >= 4 else c.ljust(x) for k, (c, x) in enumerate(zip(r, w)))  # noqa: E731
    return "\n".join([line(hdr)] + [line(r) for r in rows])


LAYER_SAMPLES = 1000  # default cap on the samples the per-layer trace runs (verify --layer-samples)


def verify_layers(outdir, x: np.ndarray, max_samples: int = LAYER_SAMPLES,
                  progress: Callable[[str], None] = lambda s: None) -> Dict:
    """The per-layer part of `nncodegen verify` (host trace build): {"layers", "per_layer_source",
    "per_layer_samples"} for the JSON, and "_values", "_preds" for the HTML page."""
    from ..ir.serialize import load_graph
    from pathlib import Path
    from .cmodel import check_input_array, read_manifest
    m = read_manifest(outdir)
    graph = load_graph(Path(outdir) / "model.nnc")
    x = check_input_array(x, m["input"]["shape"])
    n = min(len(x), max_samples) if max_samples > 0 else len(x)
    layers, values, preds = collect(outdir, graph, x[:n], progress=progress)
    return {"layers": layers, "per_layer_samples": int(n),
            "per_layer_source": f"Per-layer C outputs: the NNC_TRACE build of the generated C on the host "
                                f"(every layer's output copied after the layer ran), first {n} of {len(x)} samples.",
            "_values": values, "_preds": preds, "_graph": graph}
