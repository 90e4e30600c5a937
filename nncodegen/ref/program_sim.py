"""Run a lowered Program with the numpy twins of its kernels.

This is the bit-exact integer simulator: the same kernel calls, with the same
parameter structs, that the generated C makes, each done by the kernel's
twin.  It returns the raw integer output and, optionally, every layer's raw
output (the C trace build gives the same per-layer data).
"""
from __future__ import annotations

from typing import Dict

import numpy as np

from ..ir.graph import Graph
from ..lower.program import Buf, Const, Param, Program, Scalar


def _twins():
    from . import kernels_f32, kernels_q
    return kernels_q, kernels_f32


def const_value(graph: Graph, c: Const, quant: bool) -> np.ndarray:
    if c.array is not None:
        return np.asarray(c.array, dtype={"int16_t": np.int16, "int8_t": np.int8, "int32_t": np.int32,
                                          "float": np.float32}[c.ctype])
    t = graph.tensors[c.tensor]
    if quant:
        return t.qdata
    return t.data.astype(np.float32)


def run_program(graph: Graph, prog: Program, xq: np.ndarray, trace: bool = False):
    """xq: one sample, raw input values (int or float) with the input tensor's shape."""
    kq, kf = _twins()
    quant = prog.ctype != "float"
    dtype = {"int8_t": np.int8, "int16_t": np.int16, "float": np.float32}[prog.ctype]
    vals: Dict[str, np.ndarray] = {graph.inputs[0]: np.asarray(xq, dtype=dtype).reshape(graph.tensors[graph.inputs[0]].shape)}
    calls_by_layer = {}
    for c in prog.calls:
        calls_by_layer.setdefault(c.layer, []).append(c)
    for node in graph.nodes:
        if node.op == "reshape":
            vals[node.outputs[0]] = vals[node.inputs[0]].reshape(graph.tensors[node.outputs[0]].shape)
            continue
        for c in calls_by_layer.get(node.name, []):
            twin = getattr(kq if quant else kf, c.kernel)
            args = []
            for a in c.args[:-1]:
                if isinstance(a, Param):
                    args.append(a.value)
                elif isinstance(a, Scalar):
                    args.append(a.value)
                elif isinstance(a, Buf):
                    args.append(vals[a.tensor])
                elif isinstance(a, Const):
                    args.append(const_value(graph, a, quant))
                else:
                    args.append(a)  # None: an absent bias
            shape = graph.tensors[c.output].shape
            if c.out_view is not None:
                # concat parts write a slice of the output: their twins take the
                # output so far and return it with the part written
                buf = vals.get(c.output)
                if buf is None:
                    buf = np.zeros(shape, dtype=dtype)
                vals[c.output] = np.asarray(twin(*args, buf)).astype(dtype).reshape(shape)
            else:
                vals[c.output] = np.asarray(twin(*args)).astype(dtype).reshape(shape)
    out = vals[graph.outputs[0]]
    if trace:
        return out, {k: v for k, v in vals.items()}
    return out
