"""Execute a Graph in numpy: the float reference and the bit-exact integer simulator.

``run_float`` evaluates every node with the float semantics of
``float_ops`` on the constants' float data.  ``run_int`` evaluates a
quantized graph with the integer twins of the C kernels, through the same
lowering the code generator uses, so the simulator runs exactly the kernel
calls the C runs.  Both can return a per-layer trace.
"""
from __future__ import annotations

from typing import Dict, Optional, Tuple

import numpy as np

from ..ir.graph import Graph, GraphError
from .float_ops import FLOAT_OPS


def _check_input(graph: Graph, x: np.ndarray) -> np.ndarray:
    t = graph.tensors[graph.inputs[0]]
    x = np.asarray(x)
    want = tuple(t.shape)
    if x.shape == want[1:]:
        x = x[None]
    if x.ndim != len(want) or tuple(x.shape[1:]) != want[1:]:
        raise GraphError(f"input {t.name!r}: expected shape (N, {', '.join(map(str, want[1:]))}), got {x.shape}")
    return x


def run_float(graph: Graph, x: np.ndarray, trace: bool = False):
    """Float reference for a batch x of shape (N, ...); returns the output
    (float32), and with trace=True also {tensor name: value} of every layer."""
    x = _check_input(graph, x)
    outs = []
    traces: Dict[str, list] = {}
    batch = x.shape[0]
    for i in range(0, batch, 1 if _batch_fixed(graph) else batch):
        vals = _run_float_one(graph, x[i:i + (1 if _batch_fixed(graph) else batch)])
        outs.append(vals[graph.outputs[0]])
        if trace:
            for k, v in vals.items():
                traces.setdefault(k, []).append(v)
    y = np.concatenate(outs).astype(np.float32)
    if trace:
        return y, {k: np.concatenate(v).astype(np.float32) for k, v in traces.items()}
    return y


def _batch_fixed(graph: Graph) -> bool:
    # reshape nodes carry literal shapes, so graphs run one sample at a time
    return True


def _run_float_one(graph: Graph, x: np.ndarray) -> Dict[str, np.ndarray]:
    vals: Dict[str, np.ndarray] = {graph.inputs[0]: x.astype(np.float64)}
    for name, t in graph.tensors.items():
        if t.data is not None:
            vals[name] = t.data.astype(np.float64)
    for node in graph.nodes:
        fn = FLOAT_OPS[node.op]
        args = [vals[i] for i in node.inputs]
        if node.op == "conv_transpose2d":
            y = fn(node.attrs, *args, out_shape=graph.tensors[node.outputs[0]].shape)
        else:
            y = fn(node.attrs, *args)
        vals[node.outputs[0]] = np.asarray(y, dtype=np.float64)
    return {k: v for k, v in vals.items() if not graph.tensors[k].is_const}
