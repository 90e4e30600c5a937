"""Self-contained HTML pages: `nncodegen verify ... --html FILE` and `nncodegen report ... --html FILE`.

One file, no outside resource: the pictures are PNGs embedded as base64 ``data:`` URIs, the style is
inline, and a Content-Security-Policy forbids any fetch, so the page opens offline and from a mail
attachment alike.  Every model-derived string (layer, tensor, model names, formats) goes through
``sanitize.html_text``.  Numbers of the per-layer table carry their exact value in ``data-value``
(what the JSON holds) beside the rounded text shown.
"""
from __future__ import annotations

import base64
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..codegen.sanitize import html_text as h
from . import plots

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:1.5em auto;max-width:1100px;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;font-size:0.85em}td,th{border:1px solid #ddd;padding:2px 6px}
th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.bad td{background:#fff0f0}.pass{color:#060;font-weight:bold}.fail{color:#a00;font-weight:bold}
figure{margin:1em 0}figcaption{font-size:0.85em;color:#555}img{max-width:100%}
p.note{font-size:0.85em;color:#555}
"""
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'"
# after loading, the page records how many of its pictures the browser decoded (checked by the tests)
SCRIPT = """window.addEventListener('load', function () {
  var imgs = document.images, ok = 0;
  for (var i = 0; i < imgs.length; i++) { if (imgs[i].complete && imgs[i].naturalWidth > 0) { ok++; } }
  document.body.setAttribute('data-images-decoded', ok + '/' + imgs.length);
});"""


def _num(v, spec: str) -> Tuple[str, str]:
    """(data-value, shown text) of a number or None."""
    if v is None:
        return "", "-"
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v)).lower(), "yes" if v else "no"
    if isinstance(v, (int, np.integer)):
        return str(int(v)), format(int(v), ",")
    return repr(float(v)), format(float(v), spec)


def _td(v, spec: str = ".4g", key: str = "") -> str:
    dv, txt = _num(v, spec)
    k = f' data-key="{h(key)}"' if key else ""
    return f'<td class="n"{k} data-value="{dv}">{txt}</td>'


def _table(header: Sequence[str], rows: Sequence[str], cls: str = "") -> str:
    th = "".join(f"<th>{h(c)}</th>" for c in header)
    return f'<table class="{cls}"><thead><tr>{th}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _kv(rows: Sequence[Tuple[str, str]]) -> str:
    """Key-value rows; values are already HTML."""
    return "<table>" + "".join(f"<tr><th>{h(k)}</th><td>{v}</td></tr>" for k, v in rows) + "</table>"


def _figure(png: bytes, caption: str, alt: str) -> str:
    b64 = base64.b64encode(png).decode("ascii")
    return (f'<figure><img alt="{h(alt)}" src="data:image/png;base64,{b64}">'
            f"<figcaption>{h(caption, None)}</figcaption></figure>")


def _page(title: str, body: List[str]) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
            f"<title>{h(title)}</title><style>{CSS}</style></head>\n<body>\n" + "\n".join(body) +
            f"\n<script>{SCRIPT}</script>\n</body></html>\n")


def _model_summary(rep: Dict) -> str:
    rows = [("model", h(rep.get("name", ""))), ("scheme", h(rep.get("scheme", "")))]
    if rep.get("rounding"):
        rows.append(("int8 rounding", h(rep["rounding"])))
    rows += [("input", h(f"{rep['input']['shape']} {rep['input']['format']}")),
             ("output", h(f"{rep['output']['shape']} {rep['output']['format']}")),
             ("layers", str(len(rep["layers"]))),
             ("weights (ROM)", f"{rep['weight_bytes']:,} bytes (float32: {rep['float_weight_bytes']:,})"),
             ("arena (RAM)", f"{rep['arena_bytes']:,} bytes (lower bound {rep['arena_lower_bound_bytes']:,})"),
             ("MACs", f"{rep['macs']:,} (binary {rep['binary_macs']:,})")]
    if rep.get("input_normalization"):
        n = rep["input_normalization"]
        rows.append(("input stage", h(f"{n['input_format']} camera frame: (q/255 - mean)/std, mean {n['mean']}, "
                                      f"std {n['std']}, into {n['body_format']}")))
    return _kv(rows)


def _formats_table(rep: Dict) -> str:
    rows = []
    for i, l in enumerate(rep["layers"]):
        arena = str(l["arena_offset"]) if l.get("arena_offset") is not None else l.get("buffer", "")
        rows.append(f'<tr data-layer="{i}"><td>{i}</td><td class="name">{h(l["name"])}</td><td>{h(l["op"])}</td>'
                    f'<td>{h(", ".join(l.get("kernels", [])))}</td>'
                    f'<td>{h(", ".join(l["in_formats"]))} &rarr; {h(l["out_format"])}</td>'
                    f'<td>{h(", ".join(l["weight_formats"]) or "-")}</td>'
                    f'<td>{h("x".join(map(str, l["out_shape"])))}</td>{_td(l["weight_bytes"], key="weight_bytes")}'
                    f'{_td(l["macs"], key="macs")}<td class="n">{h(arena)}</td></tr>')
    return _table(["#", "layer", "op", "kernels", "in -> out format", "weight formats", "out shape", "weight bytes",
                   "MACs", "arena offset"], rows)


def _memory_figure(rep: Dict, graph, prog) -> str:
    spans = plots.memory_spans(graph, prog)
    png = plots.memory_plan(spans, int(prog.arena_bytes), len(graph.nodes), [n.name for n in graph.nodes])
    return _figure(png, f"Memory plan: {len(spans)} arena areas over {len(graph.nodes)} layers; arena "
                        f"{prog.arena_bytes} bytes, lower bound {prog.arena_lower_bound}.", "memory plan")


def _weights_figures(graph) -> List[str]:
    w = plots.weight_rows(graph)
    if not w:
        return ["<p class=\"note\">No weight tensors.</p>"]
    return [_figure(plots.histograms(w), "Weights per layer (float values) with the range of their format (red "
                    "lines; per-channel formats: the widest channel) and the count of values that clip.",
                    "weight histograms")]


def report_page(rep: Dict, graph, prog) -> str:
    """The page of `nncodegen report --html`: summary, formats per layer, weights against their formats'
    ranges (histograms and precision profile), the memory plan."""
    from .layer_metrics import format_range
    prof = plots.weight_rows(graph)
    for node in graph.nodes:  # activations: no data without inputs, but the band of their format shows
        t = graph.tensors[node.outputs[0]]
        r = format_range(t.fmt)
        if r:
            prof.append({"label": f"a {node.name}", "values": np.zeros(0), "range": (r["lo"], r["hi"], r["lsb"])})
    body = [f"<h1>nncodegen report: {h(rep.get('name', ''))}</h1>", "<h2>Model</h2>", _model_summary(rep),
            "<h2>Layers and number formats</h2>", _formats_table(rep), "<h2>Weights and their formats</h2>"]
    body += _weights_figures(graph)
    body.append(_figure(plots.precision_profile([p for p in prof if len(p["values"])]),
                        "Precision profile of the weights: box plots of log2|w| over the band of magnitudes "
                        "each format holds (grey).", "precision profile"))
    body += ["<h2>Memory plan</h2>", _memory_figure(rep, graph, prog)]
    return _page(f"nncodegen report: {rep.get('name', '')}", body)


LAYER_KEYS = [("rmse", "RMSE", ".4g"), ("mae", "MAE", ".4g"), ("max_abs_err", "max |err|", ".4g"),
              ("l2_rel_err", "L2 rel. err", ".4g"), ("cosine", "cosine", ".6f"),
              ("saturated_low", "sat. at min", "d"), ("saturated_high", "sat. at max", "d"),
              ("ref_outside_range", "ref. outside range", "d"), ("unused_msbs", "unused MSBs", "d")]


def _layers_table(layers: List[Dict]) -> str:
    rows = []
    for l in layers:
        bad = l.get("cosine") is not None and l["cosine"] < 0.98
        cells = "".join(_td(l.get(k), spec, k) for k, _, spec in LAYER_KEYS)
        cls = ' class="bad"' if bad else ""
        rows.append(f'<tr data-layer="{l["index"]}"{cls}><td>{l["index"]}</td>'
                    f'<td class="name">{h(l["name"])}</td><td>{h(l["op"])}</td><td>{h(l["format"])}</td>'
                    f'<td class="n">{l["n_values"]:,}</td>{cells}</tr>')
    return _table(["#", "layer", "op", "format", "values"] + [t for _, t, _ in LAYER_KEYS], rows, "layers")


def verify_page(res: Dict, rep: Dict, graph, prog, layers: List[Dict], values: Dict, preds: np.ndarray,
                labels: Optional[np.ndarray], source: str) -> str:
    """The page of `nncodegen verify --html`: ``res`` the verify JSON, ``rep`` report.json, ``layers``,
    ``values`` and ``preds`` from layer_metrics.collect."""
    fr = res["float_ref"]
    verdict = '<span class="pass">PASS</span>' if res["passed"] else '<span class="fail">FAIL</span>'
    rows = [("result", verdict), ("samples", f"{res['n_samples']:,}"), ("target", h(res["target"])),
            ("C vs simulator", ("bit-exact" if res["bit_exact"] else "DIFFERENT") +
             f" (max |diff| {res['max_abs_diff_vs_sim']:.3g})")]
    for k, t in (("max_abs_err", "vs float: max |err|"), ("rmse", "vs float: RMSE"), ("cosine", "vs float: cosine"),
                 ("top1_agreement", "vs float: top-1 agreement")):
        if fr.get(k) is not None:
            dv, txt = _num(fr[k], ".6g")
            rows.append((t, f'<span data-key="float_ref.{k}" data-value="{dv}">{txt}</span>'))
    if res.get("accuracy") is not None:
        rows.append(("accuracy: C", f'<span data-key="accuracy" data-value="{res["accuracy"]!r}">'
                                    f'{100 * res["accuracy"]:.2f}%</span>'))
        rows.append(("accuracy: float model", f"{100 * res['float_accuracy']:.2f}%"))
    if res.get("first_divergent_layer"):
        rows.append(("first divergent layer", h(res["first_divergent_layer"])))
    rows.append(("criteria", h("; ".join(f"{k} {v}" for k, v in res.get("criteria", {}).items()), None)))
    body = [f"<h1>nncodegen verify: {h(rep.get('name', ''))}</h1>", "<h2>Result</h2>", _kv(rows),
            "<h2>Model</h2>", _model_summary(rep),
            "<h2>Per layer: C against the float reference</h2>",
            f'<p class="note">{h(source, None)} Errors accumulate: each layer of the C runs on the C\'s previous '
            "output, each reference layer on the reference's. Saturation: C values at the format's min / max; "
            "outside range: reference values the format cannot hold; unused MSBs: top bits no C value used.</p>",
            _layers_table(layers)]
    body.append(_figure(plots.error_growth(layers), "RMSE, max |error| and L2 relative error of every layer's C "
                        "output against the float reference (log scale), and their cosine.", "error growth"))
    acts, prof = [], []
    wrows = plots.weight_rows(graph)
    wby = {}
    for w in wrows:
        wby.setdefault(w["layer"], []).append(w)
    from .layer_metrics import format_range
    for node in graph.nodes:
        v = values.get(node.name)
        r = format_range(graph.tensors[node.outputs[0]].fmt)
        rr = (r["lo"], r["hi"], r["lsb"]) if r else None
        prof += wby.get(node.name, [])
        if v is not None:
            acts.append({"label": f"a {node.name}", "values": v["ref"], "c_values": v["c"], "range": rr})
            prof.append({"label": f"a {node.name}", "values": v["ref"], "range": rr})
    body.append("<h2>Precision profile</h2>")
    body.append(_figure(plots.precision_profile(prof), "Weights (w) and activations (a, float reference): "
                        "box plots of log2|x| over the band of magnitudes the format holds (grey). Right of the "
                        "band: clips; empty band on the right: unused high bits.", "precision profile"))
    body.append(_figure(plots.histograms(acts), "Activations per layer: float reference (filled) and C "
                        "(outline) over the format's range (red lines).", "activation histograms"))
    body += _weights_figures(graph)
    if labels is not None and len(preds) == len(labels):
        body += ["<h2>Confusion matrix</h2>",
                 _figure(plots.confusion(preds, labels), "Labels against the C's predictions (argmax of the "
                         "output).", "confusion matrix")]
    body += ["<h2>Layers and number formats</h2>", _formats_table(rep), "<h2>Memory plan</h2>",
             _memory_figure(rep, graph, prog)]
    return _page(f"nncodegen verify: {rep.get('name', '')}", body)


def _lowered(outdir_or_graph):
    from ..lower.lower import lower
    return lower(outdir_or_graph)


def write_verify_html(path, outdir, res_json: Dict, lm: Dict, labels: Optional[np.ndarray]) -> None:
    """Write the verify page of ``outdir`` to ``path`` (``lm`` from layer_metrics.verify_layers)."""
    import json
    from pathlib import Path
    graph = lm["_graph"]
    rep = json.loads((Path(outdir) / "report.json").read_text())
    page = verify_page(res_json, rep, graph, _lowered(graph), lm["layers"], lm["_values"], lm["_preds"],
                       labels, lm["per_layer_source"])
    Path(path).write_text(page, encoding="utf-8")


def write_report_html(path, rep: Dict, graph) -> None:
    from pathlib import Path
    Path(path).write_text(report_page(rep, graph, _lowered(graph)), encoding="utf-8")
