"""Run a lowered Program with the numpy twins of its kernels.

This is the bit-exact integer simulator: the same kernel calls, with the same
parameter structs, that the generated C makes, each done by the kernel's
twin.  It returns the raw integer output and, optionally, every layer's raw
output (the C trace build gives the same per-layer data).
"""
from __future__ import annotations

from typing import Dict

import numpy as np

from ..ir.formats import storage_shape
from ..ir.graph import Graph
from ..lower.program import Buf, Const, Param, Program, Scalar, Scratch


TWIN_MODULES = ["nncodegen.ref.kernels_q", "nncodegen.ref.kernels_f32", "nncodegen.ref.kernels_s8", "nncodegen.ref.kernels_pk_s8", "nncodegen.ref.kernels_pk_q", "nncodegen.ref.kernels_pk_f32",
                "nncodegen.ref.kernels_bin", "nncodegen.ref.kernels_inplace", "nncodegen.ref.kernels_finn",
                "nncodegen.ref.kernels_s16", "nncodegen.ref.kernels_camera",
                "nncodegen.ref.kernels_compress", "nncodegen.ref.kernels_spcb", "nncodegen.ref.kernels_huff"]
_TWINS: Dict[str, object] = {}


def find_twin(kernel: str):
    """The numpy twin named like the C kernel, from the twin modules."""
    if not _TWINS:
        import importlib
        for mod in TWIN_MODULES:
            try:
                m = importlib.import_module(mod)
            except ModuleNotFoundError as e:
                if e.name == mod:
                    continue
                raise
            for k, v in vars(m).items():
                if callable(v) and not k.startswith("_"):
                    _TWINS.setdefault(k, v)
    try:
        return _TWINS[kernel]
    except KeyError:
        raise KeyError(f"no numpy twin for kernel {kernel!r}") from None


CTYPES = {"int8_t": np.int8, "int16_t": np.int16, "int32_t": np.int32, "uint8_t": np.uint8,
          "uint16_t": np.uint16, "uint32_t": np.uint32, "uint64_t": np.uint64, "float": np.float32}


def const_value(graph: Graph, c: Const) -> np.ndarray:
    """A constant as the C stores it: lowering's own array, else the quantized
    integers, else the float data."""
    if c.array is not None:
        return np.asarray(c.array, dtype=CTYPES[c.ctype])
    t = graph.tensors[c.tensor]
    if t.qdata is not None:
        return t.qdata
    return t.data.astype(np.float32)


def run_program(graph: Graph, prog: Program, xq: np.ndarray, trace: bool = False):
    """xq: one sample, raw input values (int or float) with the input tensor's shape."""
    tin = graph.tensors[graph.inputs[0]]
    vals: Dict[str, np.ndarray] = {tin.name: np.asarray(xq, dtype=tin.fmt.np_dtype).reshape(
        storage_shape(tin.fmt, tin.shape))}
    calls_by_layer = {}
    for c in prog.calls:
        calls_by_layer.setdefault(c.layer, []).append(c)
    for node in graph.nodes:
        if node.op == "reshape":
            tout = graph.tensors[node.outputs[0]]
            vals[node.outputs[0]] = vals[node.inputs[0]].reshape(storage_shape(tout.fmt, tout.shape))
            continue
        for c in calls_by_layer.get(node.name, []):
            twin = find_twin(c.kernel)
            args = []
            for a in c.args[:-1]:
                if isinstance(a, Param):
                    args.append(a.value)
                elif isinstance(a, Scalar):
                    args.append(a.value)
                elif isinstance(a, Buf):
                    args.append(vals[a.tensor])
                elif isinstance(a, Const):
                    args.append(const_value(graph, a))
                elif isinstance(a, Scratch) and a.key:
                    # a block an earlier call of the layer wrote, or keyed work memory (no call writes it; ignored)
                    args.append(vals.get(("scratch", c.layer, a.key), a))
                else:
                    args.append(a)  # None: an absent bias
            last = c.args[-1]
            if isinstance(last, Scratch) and last.key:  # the call writes a scratch block, not a tensor
                vals[("scratch", c.layer, last.key)] = np.asarray(twin(*args))
                continue
            shape = storage_shape(graph.tensors[c.output].fmt, graph.tensors[c.output].shape)  # packed formats
            dtype = graph.tensors[c.output].fmt.np_dtype
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
        return out, {k: v for k, v in vals.items() if isinstance(k, str)}
    return out
