"""Per-layer and total figures of a compiled model: report.json and report.md."""
from __future__ import annotations

from pathlib import Path
from typing import Dict

import numpy as np

from ..ir.graph import Graph
from ..lower.program import Program
from ..compress.accounting import layer_compression
from ..compress.accounting import compression_table
from ..compress.accounting import totals as compression_totals
from .sanitize import md_cell


def layer_macs(graph: Graph, node) -> int:
    y = graph.tensors[node.outputs[0]].shape
    out_n = int(np.prod(y, dtype=np.int64))
    if node.op in ("conv2d", "bconv2d"):
        w = graph.tensors[node.inputs[1]].shape
        return out_n * w[1] * w[2] * w[3]
    if node.op == "conv_transpose2d":
        x = graph.tensors[node.inputs[0]].shape
        w = graph.tensors[node.inputs[1]].shape
        return int(np.prod(x[:3], dtype=np.int64)) * w[0] * w[1] * w[2] * w[3]
    if node.op in ("dense", "bdense"):
        w = graph.tensors[node.inputs[1]].shape
        return y[0] * w[0] * w[1]
    if node.op in ("add", "sub", "mul", "prelu"):
        return out_n
    if node.op in ("avgpool", "maxpool"):
        k = node.attrs["kernel"]
        return out_n * k[0] * k[1]
    if node.op in ("global_avgpool", "global_maxpool"):
        return int(np.prod(graph.tensors[node.inputs[0]].shape, dtype=np.int64))
    return 0


BINARY_LAYERS = ("bconv2d", "bdense")


_CSIZE = {"int8_t": 1, "uint8_t": 1, "int16_t": 2, "uint16_t": 2, "int32_t": 4, "uint32_t": 4, "float": 4}


def _stored_bytes(graph: Graph, calls) -> int:
    from ..lower.program import Const
    seen, total = set(), 0
    for c in calls:
        for a in c.args:
            if isinstance(a, Const) and a.tensor not in seen:
                seen.add(a.tensor)
                total += len(a.array) * _CSIZE[a.ctype] if a.array is not None else _const_bytes(graph, a.tensor)
    return total


def _const_bytes(graph: Graph, name: str):
    t = graph.tensors[name]
    if t.fmt.kind in ("binary", "ternary"):  # packed words
        return int(t.fmt.filter_nbytes(t.shape))
    if t.qdata is not None:
        return int(t.qdata.nbytes)
    return int(t.size * 4)


def build_report(graph: Graph, prog: Program, target: str = "generic") -> Dict:
    layers = []
    seen = set()
    tot_w = tot_fw = tot_macs = tot_bmacs = 0
    bin_w = bin_fw = 0
    kernels_by_layer: Dict[str, list] = {}
    for c in prog.calls:
        kernels_by_layer.setdefault(c.layer, []).append(c.kernel)
    calls_by_layer: Dict[str, list] = {}
    for c in prog.calls:
        calls_by_layer.setdefault(c.layer, []).append(c)
    for node in graph.nodes:
        wb = fwb = params = 0
        wfmt = []
        for i in node.inputs:
            t = graph.tensors[i]
            if t.is_const:
                if i not in seen:
                    wb += _const_bytes(graph, i)
                    fwb += t.size * 4
                    params += t.size
                    seen.add(i)
                wfmt.append(str(t.fmt))
        out = node.outputs[0]
        macs = layer_macs(graph, node)
        comp = layer_compression(graph, node, target)
        if comp is not None:  # weight_bytes counts what the C stores (the compressed encoding, narrowed biases)
            wb += comp["stored_bytes"] - comp["dense_bytes"] - comp.get("bias_bytes_saved", 0)
        if (comp is None or comp.get("storage", "dense") == "dense") and node.op not in BINARY_LAYERS and \
                node.name in calls_by_layer:
            wb = _stored_bytes(graph, calls_by_layer[node.name])  # the arrays the C stores (packed layouts too)
        # binary MACs / weights: layers with binary or ternary weights (the int8-weight first / last layers of a
        # binarized network, bconv2d / bdense with Q8.0 weights, are integer MACs and bytes)
        is_bin = node.op in BINARY_LAYERS and graph.tensors[node.inputs[1]].fmt.kind in ("binary", "ternary")
        bmacs = macs if is_bin else 0
        if is_bin:
            wt = graph.tensors[node.inputs[1]]
            bin_w += _const_bytes(graph, wt.name)
            bin_fw += wt.size * 4
        buf = prog.buffers[out]
        layers.append({
            "name": node.name, "op": node.op,
            "kernels": sorted(set(kernels_by_layer.get(node.name, []))),
            "in_formats": [str(graph.tensors[i].fmt) for i in node.inputs if not graph.tensors[i].is_const],
            "out_format": str(graph.tensors[out].fmt), "weight_formats": wfmt,
            "out_shape": list(graph.tensors[out].shape), "params": int(params),
            "weight_bytes": int(wb), "macs": int(macs), "binary_macs": int(bmacs),
            "buffer": buf.where, "arena_offset": int(buf.offset) if buf.where == "arena" else None,
            "out_bytes": int(buf.nbytes),
        })
        if comp is not None:
            layers[-1]["compression"] = comp
        tot_w += wb
        tot_fw += fwb
        tot_macs += macs
        tot_bmacs += bmacs
    q = graph.meta.get("quantization", {})
    return {
        "name": graph.name, "target": target,
        "scheme": q.get("scheme", "float32") if graph.is_quantized else "float32",
        "quantization_policy": q.get("policy"),
        "rounding": q.get("rounding"),  # affine int8 requantization: "onnxruntime" / "single" / "double" (docs/INT8.md)
        # a camera-frame input stage (passes/camera_input.py): layout, mean, std, the model's own input format
        "input_normalization": graph.meta.get("input_normalization"),
        "arena_bytes": int(prog.arena_bytes), "arena_lower_bound_bytes": int(prog.arena_lower_bound),
        # arena_lower_bound_bytes: the largest set of tensors live at once when every convolution writes
        # a new buffer; in-place convolutions (lower/inplace.py) can take the arena below it.  Beside it:
        # the arena without them, the bound of the storage actually planned (with the in-place layers'
        # scratch) and the layers run in place
        "arena_out_of_place_bytes": int(prog.arena_out_of_place),
        "arena_plan_lower_bound_bytes": int(prog.arena_plan_lower_bound),
        "inplace_layers": list(prog.inplace_layers),
        "activation_bytes_total": int(prog.tensor_bytes_total),
        "weight_bytes": int(tot_w), "float_weight_bytes": int(tot_fw),
        "macs": int(tot_macs), "binary_macs": int(tot_bmacs),
        "binary_weight_bytes": int(bin_w), "binary_float_weight_bytes": int(bin_fw),
        "input": {"shape": list(graph.tensors[graph.inputs[0]].shape), "format": str(graph.tensors[graph.inputs[0]].fmt)},
        "output": {"shape": list(graph.tensors[graph.outputs[0]].shape),
                   "format": str(graph.tensors[graph.outputs[0]].fmt)},
        "layers": layers,
        # per-layer storage (dense / sparse / codebook / hashed) is in layers[i]["compression"]
        "compression_totals": compression_totals(layers),
    }


def _fmt_int(n) -> str:
    return f"{n:,}"


def report_table(report: Dict) -> str:
    """The per-layer Markdown table (also printed by `nncodegen report`); every cell through md_cell, so a
    model's names cannot add columns, rows or HTML."""
    hdr = ["#", "layer", "op", "out shape", "in -> out format", "weights", "bytes", "MACs", "arena"]
    rows = []
    for i, l in enumerate(report["layers"]):
        arena = str(l["arena_offset"]) if l["arena_offset"] is not None else l["buffer"]
        rows.append([str(i), md_cell(l["name"][:28]), md_cell(l["op"]), "x".join(map(str, l["out_shape"])),
                     md_cell(f"{','.join(l['in_formats'])} -> {l['out_format']}"),
                     md_cell(",".join(l["weight_formats"][:1]) or "-"),
                     _fmt_int(l["weight_bytes"]), _fmt_int(l["macs"]), md_cell(arena)])
    widths = [max(len(r[k]) for r in rows + [hdr]) for k in range(len(hdr))]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"  # noqa: E731
    out = [line(hdr), "|" + "|".join("-" * (w + 2) for w in widths) + "|"] + [line(r) for r in rows]
    return "\n".join(out)


def summary_lines(report: Dict):
    r = report
    ratio = r["arena_bytes"] / r["arena_lower_bound_bytes"] if r["arena_lower_bound_bytes"] else 1.0
    comp = r["float_weight_bytes"] / r["weight_bytes"] if r["weight_bytes"] else 1.0
    return [
        f"scheme: {r['scheme']}",
        f"weights (ROM): {_fmt_int(r['weight_bytes'])} bytes ("
        + (f"{comp:.1f}x smaller than float32: " if comp >= 1.0 else
           f"{1.0 / comp:.2f}x the float32 values' {_fmt_int(r['float_weight_bytes'])} bytes, in padded packed layouts")
        + (f"{_fmt_int(r['float_weight_bytes'])})" if comp >= 1.0 else ")"),
        f"arena (RAM): {_fmt_int(r['arena_bytes'])} bytes; lower bound {_fmt_int(r['arena_lower_bound_bytes'])} "
        f"({ratio:.3f}x); all activations {_fmt_int(r['activation_bytes_total'])}",
    ] + ([f"in place: {len(r['inplace_layers'])} layer(s) write over their input; arena without them "
          f"{_fmt_int(r['arena_out_of_place_bytes'])} bytes"] if r.get("inplace_layers") else []) + [
        f"MACs: {_fmt_int(r['macs'])} (binary: {_fmt_int(r['binary_macs'])})",
    ] + ([f"binary layers' weights: {_fmt_int(r['binary_weight_bytes'])} bytes packed, "
          f"{_fmt_int(r['binary_float_weight_bytes'])} as float32 "
          f"({r['binary_float_weight_bytes'] / r['binary_weight_bytes']:.1f}x smaller)"]
         if r.get("binary_weight_bytes") else [])


def write_report_md(report: Dict, path: Path) -> None:
    lines = [f"# nncodegen report: {md_cell(report['name'])}", ""]
    lines += ["- " + md_cell(s, None) for s in summary_lines(report)]
    if report.get("quantization_policy"):
        lines += [f"- quantization policy: {md_cell(report['quantization_policy'], None)}"]
    if report.get("rounding"):
        lines += [f"- int8 requantization rounding: {md_cell(report['rounding'])}"]
    lines += ["", report_table(report), ""]
    ctable = compression_table(report) if report.get("compression_totals", {}).get("compressed_layers") else ""
    if ctable:
        lines += ["## Weight storage", "", ctable, ""]
    Path(path).write_text("\n".join(lines))
