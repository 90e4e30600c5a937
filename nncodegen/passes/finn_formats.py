"""Number formats of the ops FINN's streamlined graphs bring (multithreshold, argmax); runs before binarize.

* ``argmax`` outputs (and reshapes of them) are indices: ``IndexFormat`` (int32 in C).
* A ``multithreshold`` output y = out_scale * count + out_bias takes the values out_bias + out_scale * k,
  k = 0..T.  In a binarized graph (weights tagged by the QONNX importer), when every reader of y is a
  layer with binary / ternary weights (through reshapes), y is stored as the Q format Q(bits, f) with the
  smallest f >= 0 that makes out_scale * 2^f and out_bias * 2^f integers: exactly, no rounding.  bits is
  8 when every such threshold output fits int8 and the input Quant (if any) is 8-bit, else 16; a value
  range beyond int16 or a scale that is no multiple of 2^-15 keeps y float.  Everywhere else y is float
  (the float threshold kernels).  The binarize pass then reads a Q-format input for those layers.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Dict, List, Optional, Tuple

from ..ir.checker import check_graph
from ..ir.formats import QFormat
from ..ir.graph import Graph, GraphError, Node
from ..ir.ops_finn import INDEX

MAX_FRAC = 15


def threshold_levels(out_scale: float, out_bias: float, n_thr: int) -> Optional[Tuple[int, int, int, int]]:
    """(frac, scale_int, bias_int, bits) storing out_bias + out_scale * k exactly, or None."""
    s, b = Fraction(float(out_scale)), Fraction(float(out_bias))
    for f in range(MAX_FRAC + 1):
        si, bi = s * (1 << f), b * (1 << f)
        if si.denominator == 1 and bi.denominator == 1:
            si, bi = int(si), int(bi)
            lo, hi = min(bi, bi + si * n_thr), max(bi, bi + si * n_thr)
            if -128 <= lo and hi <= 127:
                return f, si, bi, 8
            if -32768 <= lo and hi <= 32767:
                return f, si, bi, 16
            return None
    return None


def _binary_readers(g: Graph, name: str, seen: List[str]) -> bool:
    cons = g.consumers(name)
    if not cons or name in g.outputs:
        return False
    for c in cons:
        if c.op == "reshape":
            seen.append(c.outputs[0])
            if not _binary_readers(g, c.outputs[0], seen):
                return False
        elif not (c.op in ("conv2d", "dense") and c.inputs[0] == name and
                  "qonnx_weight" in g.tensors[c.inputs[1]].meta):
            return False
    return True


def finn_formats(graph: Graph) -> Graph:
    if not any(n.op in ("multithreshold", "argmax") for n in graph.nodes):
        return graph
    g = graph.copy()
    for n in g.nodes:
        if n.op == "argmax" or (n.op == "reshape" and g.tensors[n.inputs[0]].fmt == INDEX):
            g.tensors[n.outputs[0]].fmt = INDEX
    if not any("qonnx_weight" in t.meta for t in g.tensors.values()):
        return check_graph(g, "finn_formats")
    plan: Dict[str, Tuple[Node, int, List[str]]] = {}
    for n in g.nodes:
        if n.op != "multithreshold":
            continue
        seen: List[str] = []
        if not _binary_readers(g, n.outputs[0], seen):
            continue
        lv = threshold_levels(n.attrs["out_scale"], n.attrs["out_bias"], g.tensors[n.inputs[1]].shape[1])
        if lv is not None:
            plan[n.name] = (n, lv, seen)
    if not plan:
        return check_graph(g, "finn_formats")
    qin = g.meta.get("qonnx_input")
    bits = max([lv[3] for _, lv, _ in plan.values()] + ([qin["bits"]] if qin else []))
    if qin and qin["bits"] < bits:
        n = next(n for n, lv, _ in plan.values() if lv[3] > qin["bits"])
        raise GraphError(f"node {n.name!r} (multithreshold): its output levels need 16-bit integers, but the "
                         f"input Quant {qin['node']!r} sets 8-bit activations (one width per model)")
    for n, (f, _, _, _), seen in plan.values():
        for t in [n.outputs[0]] + seen:
            g.tensors[t].fmt = QFormat(bits, f)
    return check_graph(g, "finn_formats")
