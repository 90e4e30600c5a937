"""Layout clean-up after ONNX import: identity transposes / reshapes go, chains merge, dead nodes drop."""
from __future__ import annotations

from typing import Dict, Sequence

from ..ir.graph import Graph



def _is_pure_reshape(shape: Sequence[int], perm: Sequence[int]) -> bool:
    """True when transposing `shape` by `perm` only moves size-1 axes."""
    big = [p for p in perm if shape[p] != 1]
    return big == sorted(big)


_UNARY = ("relu", "clip", "leaky_relu", "sigmoid", "tanh", "hard_sigmoid", "hard_swish")


def cleanup_layout_ops(g: Graph) -> None:
    """Remove identity reshapes/transposes, merge chains, drop dead nodes (in place).

    An elementwise unary op after a transpose/reshape moves in front of it (when it is that layout
    op's only reader), so that layout ops around it can cancel and it can fuse into its producer."""
    changed = True
    while changed:
        changed = False
        producer = {o: n for n in g.nodes for o in n.outputs}
        readers: Dict[str, int] = {}
        for n in g.nodes:
            for i in n.inputs:
                readers[i] = readers.get(i, 0) + 1
        for node in list(g.nodes):
            if node.op in _UNARY:
                prod = producer.get(node.inputs[0])
                mid = node.inputs[0]
                if prod is not None and prod.op in ("transpose", "reshape") and readers.get(mid, 0) == 1 \
                        and mid not in g.outputs:
                    a = prod.inputs[0]
                    out = node.outputs[0]
                    node.inputs, node.outputs = [a], [mid]
                    g.tensors[mid].shape = tuple(g.tensors[a].shape)
                    prod.inputs, prod.outputs = [mid], [out]
                    i, j = g.nodes.index(prod), g.nodes.index(node)
                    g.nodes[i], g.nodes[j] = node, prod
                    changed = True
                    break
            if node.op == "transpose":
                src = node.inputs[0]
                shp = g.tensors[src].shape
                p = tuple(node.attrs["perm"])
                prod = producer.get(src)
                if prod is not None and prod.op == "transpose":
                    p0 = tuple(prod.attrs["perm"])
                    node.inputs = [prod.inputs[0]]
                    node.attrs["perm"] = tuple(p0[i] for i in p)
                    changed = True
                    break
                if _is_pure_reshape(shp, p):
                    node.op = "reshape"
                    node.attrs = {"shape": tuple(g.tensors[node.outputs[0]].shape)}
                    changed = True
                    break
            if node.op == "reshape":
                src = node.inputs[0]
                prod = producer.get(src)
                if prod is not None and prod.op == "reshape":
                    node.inputs = [prod.inputs[0]]
                    changed = True
                    break
                if tuple(g.tensors[src].shape) == tuple(g.tensors[node.outputs[0]].shape):
                    out = node.outputs[0]
                    if out in g.outputs and src in g.inputs:
                        continue
                    g.nodes.remove(node)
                    g.replace_uses(out, src)
                    del g.tensors[out]
                    changed = True
                    break
        # dead nodes
        used = set(g.outputs)
        for n in g.nodes:
            used.update(n.inputs)
        for node in reversed(list(g.nodes)):
            if not any(o in used for o in node.outputs):
                g.nodes.remove(node)
                for o in node.outputs:
                    g.tensors.pop(o, None)
                changed = True
                used = set(g.outputs)
                for n in g.nodes:
                    used.update(n.inputs)
