"""Fuse a standalone activation into the op that produces its input.

A ``relu`` / ``clip`` / ``leaky_relu`` node whose input is the output of a
``conv2d`` / ``conv_transpose2d`` / ``dense`` / ``add`` / ``sub`` / ``mul``
node becomes that node's fused activation (attrs ``act``, ``act_min``,
``act_max``, ``alpha``) when

* the producer has no fused activation yet (``act == "none"``),
* the producer's output has no other consumer and is not a graph output.

The fused node takes over the activation's output tensor, so tensor names
seen downstream do not change.  ``fuse_activations`` is pure: it returns a
new, checked graph and leaves its argument alone.
"""
from __future__ import annotations

from typing import Optional

from ..ir.checker import check_graph
from ..ir.graph import Graph, Node

FUSABLE_PRODUCERS = ("conv2d", "conv_transpose2d", "dense", "add", "sub", "mul")


def act_attrs_of(node: Node) -> Optional[dict]:
    """The fused-activation attributes equivalent to a standalone activation
    node, or None when ``node`` is not a fusable activation."""
    if node.op == "relu":
        return {"act": "relu", "act_min": None, "act_max": None, "alpha": 0.0}
    if node.op == "leaky_relu":
        return {"act": "leaky_relu", "act_min": None, "act_max": None, "alpha": float(node.attrs.get("alpha", 0.01))}
    if node.op == "clip":
        lo, hi = node.attrs.get("min"), node.attrs.get("max")
        lo = None if lo is None else float(lo)
        hi = None if hi is None else float(hi)
        if lo == 0.0 and hi == 6.0:
            return {"act": "relu6", "act_min": None, "act_max": None, "alpha": 0.0}
        if lo == 0.0 and hi is None:
            return {"act": "relu", "act_min": None, "act_max": None, "alpha": 0.0}
        return {"act": "clip", "act_min": lo, "act_max": hi, "alpha": 0.0}
    return None


def fuse_activations(graph: Graph) -> Graph:
    g = graph.copy()
    producer = {o: n for n in g.nodes for o in n.outputs}
    n_uses: dict = {}
    for n in g.nodes:
        for i in n.inputs:
            n_uses[i] = n_uses.get(i, 0) + 1
    fused = set()
    for node in list(g.nodes):
        attrs = act_attrs_of(node)
        if attrs is None:
            continue
        src = node.inputs[0]
        prod = producer.get(src)
        if prod is None or prod.op not in FUSABLE_PRODUCERS:
            continue
        if prod.attrs.get("act", "none") != "none":
            continue
        if n_uses.get(src, 0) != 1 or src in g.outputs:
            continue
        if g.tensors[src].fmt.kind != "float":
            continue  # a quantized intermediate rounds: fusing would skip that step (QDQ models)
        prod.attrs.update(attrs)
        prod.outputs = [node.outputs[0]]
        producer[node.outputs[0]] = prod
        fused.add(id(node))
        del g.tensors[src]
    g.nodes = [n for n in g.nodes if id(n) not in fused]
    return check_graph(g, "fuse_activations")
