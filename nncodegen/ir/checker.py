"""The IR checker, run after the frontend and after every pass.

It re-derives every shape from the op schemas and checks that the graph is a
well-formed DAG in execution order: each tensor produced once, every input
defined before use, constants with data of the declared shape, formats of the
right kind.  A failure raises GraphError naming the node or tensor.
"""
from __future__ import annotations

from .formats import QFormat
from .graph import Graph, GraphError
from .ops import infer_node


def check_graph(graph: Graph, where: str = "") -> Graph:
    tag = f" (after {where})" if where else ""
    defined = set(graph.inputs)
    for name, t in graph.tensors.items():
        if t.name != name:
            raise GraphError(f"tensor key {name!r} holds tensor named {t.name!r}{tag}")
        if t.data is not None and tuple(t.data.shape) != tuple(t.shape):
            raise GraphError(f"constant {name!r} data shape {t.data.shape} != declared {t.shape}{tag}")
        if t.qdata is not None and tuple(t.qdata.shape) != tuple(t.shape):
            raise GraphError(f"constant {name!r} qdata shape {t.qdata.shape} != declared {t.shape}{tag}")
        if isinstance(t.fmt, QFormat) and t.fmt.per_channel:
            ax = t.fmt.axis
            if not (0 <= ax < len(t.shape)) or len(t.fmt.frac) != t.shape[ax]:
                raise GraphError(f"tensor {name!r}: per-channel format does not fit shape {t.shape}{tag}")
        if t.is_const:
            defined.add(name)
    for i in graph.inputs:
        if i not in graph.tensors:
            raise GraphError(f"graph input {i!r} has no tensor{tag}")
    names = set()
    for node in graph.nodes:
        if node.name in names:
            raise GraphError(f"node name {node.name!r} used twice{tag}")
        names.add(node.name)
        for i in node.inputs:
            if i not in defined:
                raise GraphError(f"node {node.name!r} ({node.op}) reads {i!r} before it is produced{tag}")
        shapes = infer_node(graph, node)
        if len(shapes) != len(node.outputs):
            raise GraphError(f"node {node.name!r} ({node.op}) has {len(node.outputs)} outputs, expected {len(shapes)}{tag}")
        for o, s in zip(node.outputs, shapes):
            if o in defined:
                raise GraphError(f"tensor {o!r} produced twice (node {node.name!r}){tag}")
            if o not in graph.tensors:
                raise GraphError(f"node {node.name!r} output {o!r} has no tensor{tag}")
            if tuple(graph.tensors[o].shape) != tuple(s):
                raise GraphError(f"node {node.name!r} ({node.op}): output {o!r} declared {graph.tensors[o].shape}, "
                                 f"the op gives {tuple(s)}{tag}")
            defined.add(o)
    for o in graph.outputs:
        if o not in defined:
            raise GraphError(f"graph output {o!r} is never produced{tag}")
    return graph
