"""A small builder for making graphs in code and tests.

    b = GraphBuilder("tiny")
    x = b.input((1, 8, 8, 3))
    y = b.conv2d(x, w, bias, pads=(1, 1, 1, 1), act="relu")
    y = b.global_avgpool(y)
    g = b.finish(b.reshape(y, (1, 16)))
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from .checker import check_graph
from .graph import Graph, Node, Tensor
from .ops import SCHEMAS, infer_node


class GraphBuilder:
    def __init__(self, name: str = "model"):
        self.g = Graph(name)
        self._n = 0

    def input(self, shape: Sequence[int], name: str = "input") -> str:
        t = self.g.add_tensor(Tensor(self.g.unique_name(name), tuple(int(s) for s in shape)))
        self.g.inputs.append(t.name)
        return t.name

    def const(self, data, name: str = "const") -> str:
        return self.g.add_const(name, np.asarray(data, dtype=np.float32)).name

    def op(self, op: str, inputs: Sequence, name: Optional[str] = None, **attrs) -> str:
        ins = [i if isinstance(i, str) else self.const(i, f"{op}_c") for i in inputs]
        self._n += 1
        name = self.g.unique_name(name or f"{op}_{self._n}")
        out = self.g.unique_name(f"{name}_out")
        node = Node(name, op, ins, [out], dict(attrs))
        (shape,) = infer_node(self.g, node)
        self.g.add_tensor(Tensor(out, tuple(shape)))
        self.g.add_node(node)
        return out

    def __getattr__(self, op: str):
        if op in SCHEMAS:
            return lambda *inputs, **attrs: self.op(op, inputs, **attrs)
        raise AttributeError(op)

    def conv2d(self, x, w, b=None, **attrs) -> str:
        return self.op("conv2d", [x, w] + ([] if b is None else [b]), **attrs)

    def dense(self, x, w, b=None, **attrs) -> str:
        return self.op("dense", [x, w] + ([] if b is None else [b]), **attrs)

    def finish(self, *outputs: str) -> Graph:
        self.g.outputs = list(outputs)
        self.g.remove_unused()
        return check_graph(self.g, "building")
