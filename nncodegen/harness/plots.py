"""The pictures of the HTML pages (verify --html, report --html), drawn with matplotlib's Agg canvas.

Each function returns PNG bytes.  No pyplot: figures are built on ``matplotlib.figure.Figure`` with an
Agg canvas, so nothing touches the process's global backend.  Labels taken from the model (layer names)
are plain text inside the PNG (matplotlib's mathtext is switched off for them), never markup of the page.
"""
from __future__ import annotations

import io
import math
from typing import Dict, List, Optional, Sequence

import numpy as np

DPI = 80


def _figure(w: float, h: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(w, h), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight")
    return buf.getvalue()


def _label(name: str, limit: int = 28) -> str:
    """A layer name as plain text for a plot: '$' would start mathtext."""
    s = "".join(ch if ch.isprintable() else "?" for ch in str(name))
    s = s if len(s) <= limit else s[:limit - 3] + "..."
    return s.replace("$", r"\$")


def error_growth(layers: List[Dict]) -> bytes:
    """RMSE and L2 relative error of C vs float reference per layer (log scale), cosine on a second axis."""
    rows = [l for l in layers if l.get("rmse") is not None]
    fig = _figure(9, 4)
    ax = fig.add_subplot(111)
    x = np.arange(len(rows))
    floor = 1e-12  # exact layers (error 0) drawn at the bottom of the log axis
    ax.semilogy(x, [max(l["rmse"], floor) for l in rows], "o-", label="RMSE")
    ax.semilogy(x, [max(l["max_abs_err"], floor) for l in rows], "s--", label="max |err|")
    ax.semilogy(x, [max(l["l2_rel_err"] or 0.0, floor) for l in rows], "^-", label="L2 relative")
    ax.set_xticks(x)
    ax.set_xticklabels([f"{l['index']} {_label(l['name'], 20)}" for l in rows], rotation=60, ha="right", fontsize=8)
    ax.set_ylabel("C vs float reference")
    ax.grid(True, which="both", alpha=0.3)
    ax2 = ax.twinx()
    ax2.plot(x, [l["cosine"] for l in rows], "k:", marker=".", label="cosine")
    ax2.set_ylabel("cosine")
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, loc="upper left", fontsize=8)
    ax.set_title("Error growth through the layers")
    return _png(fig)


def precision_profile(rows: List[Dict]) -> bytes:
    """hls4ml-style precision profile: per tensor a box plot of log2|x| of its nonzero values, over the
    band of magnitudes its format holds (grey: from the smallest step to the largest value).  Boxes
    right of the band clip; the band's empty right part is unused high bits, its left part is where
    values round to zero.  ``rows``: {"label", "values" (reals), "range" (lo, hi, lsb) or None}."""
    rows = [r for r in rows if len(r["values"])]
    fig = _figure(9, max(2.5, 0.32 * len(rows) + 1.2))
    ax = fig.add_subplot(111)
    data, pos = [], []
    for k, r in enumerate(rows):
        v = np.abs(np.asarray(r["values"], dtype=np.float64))
        v = v[v > 0]
        if r.get("range"):
            lo, hi, lsb = r["range"]
            ax.add_patch(_rect(math.log2(lsb), k - 0.42, math.log2(max(abs(lo), abs(hi))) - math.log2(lsb), 0.84))
        if v.size:
            data.append(np.log2(v))
            pos.append(k)
    if data:
        import matplotlib
        horiz = {"orientation": "horizontal"} if tuple(int(v) for v in matplotlib.__version__.split(".")[:2]) \
            >= (3, 10) else {"vert": False}
        ax.boxplot(data, positions=pos, **horiz, widths=0.6, showfliers=True,
                   flierprops={"markersize": 2, "alpha": 0.4}, manage_ticks=False)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([_label(r["label"], 34) for r in rows], fontsize=8)
    ax.set_ylim(max(len(rows), 1) - 0.5, -0.5)
    ax.set_xlabel("log2 |value|   (grey: the magnitudes the layer's format holds, smallest step .. largest value)")
    ax.grid(True, axis="x", alpha=0.3)
    ax.set_title("Precision profile: weights (w) and activations (a)")
    return _png(fig)


def _rect(x, y, w, h):
    from matplotlib.patches import Rectangle
    return Rectangle((x, y), w, h, facecolor="0.85", edgecolor="0.6", zorder=0)


def histograms(rows: List[Dict], cols: int = 4) -> bytes:
    """One histogram per tensor of its real values, with the format's min and max as red lines and the
    count of values beyond them in the title.  ``rows``: {"label", "values", "range" or None,
    optional "c_values" (the C's values, drawn over the reference)}."""
    rows = [r for r in rows if len(r["values"])]
    n = max(1, len(rows))
    nr = (n + cols - 1) // cols
    fig = _figure(3.0 * cols, 2.3 * nr)
    for k, r in enumerate(rows):
        ax = fig.add_subplot(nr, cols, k + 1)
        v = np.asarray(r["values"], dtype=np.float64)
        rng = r.get("range")
        lo, hi = float(v.min()), float(v.max())
        if rng:
            lo, hi = min(lo, rng[0]), max(hi, rng[1])
        bins = np.linspace(lo, hi if hi > lo else lo + 1.0, 60)
        ax.hist(v, bins=bins, color="C0", alpha=0.75, label="float ref" if "c_values" in r else None)
        if "c_values" in r and len(r["c_values"]):
            ax.hist(np.asarray(r["c_values"], dtype=np.float64), bins=bins, histtype="step", color="C1", label="C")
        title = _label(r["label"], 30)
        if rng:
            ax.axvline(rng[0], color="r", lw=1)
            ax.axvline(rng[1], color="r", lw=1)
            clip = int(np.sum((v < rng[0] - rng[2] / 2) | (v > rng[1] + rng[2] / 2)))
            title += f"\nclips {clip}/{v.size}"
        ax.set_title(title, fontsize=8)
        ax.set_yscale("log")
        ax.tick_params(labelsize=7)
        if k == 0 and "c_values" in r:
            ax.legend(fontsize=7)
    fig.tight_layout()
    return _png(fig)


def confusion(pred: np.ndarray, labels: np.ndarray) -> bytes:
    pred = np.asarray(pred).reshape(-1).astype(np.int64)
    labels = np.asarray(labels).reshape(-1).astype(np.int64)
    k = int(max(pred.max(initial=0), labels.max(initial=0))) + 1
    m = np.zeros((k, k), dtype=np.int64)
    np.add.at(m, (labels, pred), 1)
    fig = _figure(1.0 + 0.45 * k, 0.8 + 0.45 * k)
    ax = fig.add_subplot(111)
    ax.imshow(m, cmap="Blues")
    for i in range(k):
        for j in range(k):
            if m[i, j]:
                ax.text(j, i, str(m[i, j]), ha="center", va="center", fontsize=7,
                        color="white" if m[i, j] > m.max() / 2 else "black")
    ax.set_xlabel("C prediction")
    ax.set_ylabel("label")
    ax.set_xticks(range(k))
    ax.set_yticks(range(k))
    ax.set_title(f"Confusion matrix ({int(np.trace(m))}/{len(labels)} right)")
    return _png(fig)


def memory_plan(spans: Sequence[Dict], arena_bytes: int, n_steps: int, step_labels: Sequence[str]) -> bytes:
    """The arena over time: each tensor (or scratch area) a rectangle from the layer that writes it to the
    last layer that reads it, at its arena offset.  ``spans``: {"label", "start", "end", "offset",
    "nbytes", "scratch"}."""
    fig = _figure(9, 4.5)
    ax = fig.add_subplot(111)
    from matplotlib.patches import Rectangle
    for k, s in enumerate(spans):
        color = "0.7" if s.get("scratch") else f"C{k % 10}"
        ax.add_patch(Rectangle((s["start"] - 0.4, s["offset"]), s["end"] - s["start"] + 0.8, s["nbytes"],
                               facecolor=color, edgecolor="k", lw=0.5, alpha=0.8,
                               hatch="//" if s.get("scratch") else None))
        if s["nbytes"] > arena_bytes * 0.06:
            ax.text(s["start"] - 0.35, s["offset"] + s["nbytes"] / 2, _label(s["label"], 16), fontsize=7,
                    va="center")
    ax.axhline(arena_bytes, color="r", lw=1)
    ax.text(-0.45, arena_bytes, f"arena {arena_bytes} bytes", color="r", fontsize=8, va="bottom")
    ax.set_xlim(-0.6, max(n_steps, 1) - 0.4)
    ax.set_ylim(0, max(arena_bytes, 1) * 1.08)
    ax.set_xticks(range(n_steps))
    ax.set_xticklabels([_label(s, 18) for s in step_labels], rotation=60, ha="right", fontsize=7)
    ax.set_ylabel("arena offset (bytes)")
    ax.set_title("Memory plan: tensors in the arena over the layers (hatched: kernel scratch)")
    return _png(fig)


def weight_rows(graph) -> List[Dict]:
    """The constant weight tensors (not biases of 32/64 bits) of every layer, for the profiles: real values
    and the format's range."""
    from .layer_metrics import format_range
    out = []
    seen = set()
    for node in graph.nodes:
        for k, i in enumerate(node.inputs[1:], 1):
            t = graph.tensors.get(i)
            if t is None or not t.is_const or i in seen or t.data is None:
                continue
            seen.add(i)
            if t.fmt.kind == "float" and k == 2 or t.fmt.kind != "float" and getattr(t.fmt, "bits", 8) > 16:
                continue  # biases (int32 / int64 when quantized): no clipping question
            r = format_range(t.fmt)
            out.append({"label": f"w {node.name}", "layer": node.name, "tensor": i, "format": str(t.fmt),
                        "values": np.asarray(t.data, dtype=np.float64).ravel(),
                        "range": (r["lo"], r["hi"], r["lsb"]) if r else None})
    return out


def memory_spans(graph, prog) -> List[Dict]:
    """Arena rectangles of ``memory_plan`` from a lowered Program: every arena tensor from its producing
    layer to its last reader, and every kernel scratch area at its call's layer."""
    from ..lower.program import Scratch
    step = {n.name: k for k, n in enumerate(graph.nodes)}
    first: Dict[str, int] = {}
    last: Dict[str, int] = {}
    for k, n in enumerate(graph.nodes):
        for o in n.outputs:
            first.setdefault(o, k)
            last[o] = max(last.get(o, k), k)
        for i in n.inputs:
            if i in first or i in graph.inputs:
                first.setdefault(i, 0)
                last[i] = k
    spans = []
    for t, b in prog.buffers.items():
        if b.where != "arena" or t not in first:
            continue
        spans.append({"label": t, "start": first[t], "end": last[t], "offset": int(b.offset),
                      "nbytes": int(b.nbytes), "scratch": False})
    for c in prog.calls:
        for a in c.args:
            if isinstance(a, Scratch) and a.nbytes and a.offset >= 0:
                k = step.get(c.layer, 0)
                spans.append({"label": f"scratch {c.kernel}", "start": k, "end": k, "offset": int(a.offset),
                              "nbytes": int(a.nbytes), "scratch": True})
    return spans
