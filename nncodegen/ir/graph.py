"""The Graph: the one data structure that flows through the compiler.

A Graph holds named Tensors and a topologically ordered list of Nodes.  All
4-D activations are NHWC; convolution weights are (Cout, KH, KW, Cin/groups);
dense weights are (Out, In).

Constants (weights, biases) are Tensors with ``data`` (float values).  After
quantization a constant also carries ``qdata`` (the integers the C code
stores) and every tensor carries its number format ``fmt``.  The float
``data`` stays, so one graph serves both the float reference and the integer
simulator.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from .errors import GraphError  # noqa: F401 -- defined apart so that limits.py can raise it
from .formats import FLOAT32, Format
from .limits import check_shape


@dataclass
class Tensor:
    name: str
    shape: Tuple[int, ...]
    fmt: Format = FLOAT32
    data: Optional[np.ndarray] = None   # float values of a constant
    qdata: Optional[np.ndarray] = None  # integer values of a quantized constant
    meta: Dict[str, Any] = field(default_factory=dict)

    @property
    def is_const(self) -> bool:
        return self.data is not None or self.qdata is not None

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64)) if self.shape else 1


@dataclass
class Node:
    name: str
    op: str
    inputs: List[str]
    outputs: List[str]
    attrs: Dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"Node({self.name!r}, {self.op}, {self.inputs} -> {self.outputs})"


class Graph:
    def __init__(self, name: str = "model"):
        self.name = name
        self.tensors: Dict[str, Tensor] = {}
        self.nodes: List[Node] = []
        self.inputs: List[str] = []
        self.outputs: List[str] = []
        self.meta: Dict[str, Any] = {}

    # ---- construction -------------------------------------------------
    def add_tensor(self, t: Tensor) -> Tensor:
        if t.name in self.tensors:
            raise GraphError(f"tensor {t.name!r} defined twice")
        check_shape(tuple(t.shape), f"tensor {t.name!r}")
        self.tensors[t.name] = t
        return t

    def add_const(self, name: str, data: np.ndarray) -> Tensor:
        data = np.asarray(data, dtype=np.float32)
        return self.add_tensor(Tensor(self.unique_name(name), tuple(data.shape), data=data))

    def add_node(self, node: Node) -> Node:
        if any(n.name == node.name for n in self.nodes):
            node.name = self.unique_name(node.name)
        self.nodes.append(node)
        return node

    def unique_name(self, base: str) -> str:
        taken = set(self.tensors) | {n.name for n in self.nodes}
        if base not in taken:
            return base
        i = 1
        while f"{base}_{i}" in taken:
            i += 1
        return f"{base}_{i}"

    # ---- queries --------------------------------------------------------
    def producer(self, tensor: str) -> Optional[Node]:
        # from the end: importers and passes ask mostly about what they produced last
        for n in reversed(self.nodes):
            if tensor in n.outputs:
                return n
        return None

    def consumers(self, tensor: str) -> List[Node]:
        return [n for n in self.nodes if tensor in n.inputs]

    def node(self, name: str) -> Node:
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(name)

    def activations(self) -> List[str]:
        """Names of all non-constant tensors in execution order."""
        out = list(self.inputs)
        seen = set(out)
        for n in self.nodes:
            for o in n.outputs:
                if o not in seen:
                    seen.add(o)
                    out.append(o)
        return out

    def copy(self) -> "Graph":
        return copy.deepcopy(self)

    def remove_unused(self) -> None:
        used = set(self.inputs) | set(self.outputs)
        for n in self.nodes:
            used.update(i for i in n.inputs if i)
            used.update(n.outputs)
        for name in list(self.tensors):
            if name not in used:
                del self.tensors[name]

    def replace_uses(self, old: str, new: str) -> None:
        for n in self.nodes:
            n.inputs = [new if i == old else i for i in n.inputs]
        self.outputs = [new if o == old else o for o in self.outputs]

    @property
    def is_quantized(self) -> bool:
        """True when some tensor has an integer format (Q-format, affine int8, ...)."""
        return any(t.fmt.kind != "float" for t in self.tensors.values())

    def __repr__(self) -> str:
        lines = [f"Graph {self.name}: inputs {self.inputs} outputs {self.outputs}"]
        for n in self.nodes:
            shp = [self.tensors[o].shape for o in n.outputs]
            lines.append(f"  {n.name}: {n.op}{n.inputs} -> {n.outputs} {shp}")
        return "\n".join(lines)

    # ---- persistence ----------------------------------------------------
    # the writer is set by ir/serialize.py (which depends on this module, not the other way round)
    _writer = None

    def save(self, path) -> None:
        """Write the graph as a native ``.nnc`` file (ir/serialize.py)."""
        Graph._writer(self, path)
