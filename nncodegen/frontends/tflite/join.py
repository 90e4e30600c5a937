"""Several TFLite model inputs as the one input of the generated C, several outputs as its one output.

The C API takes one input buffer (``NAME_run(input, output)``), so a model with several inputs gets one joined
input of shape (1, inputs, longest): row k holds input k flattened, its first size_k elements (the rest of the
row is not read).  The rows keep their inputs' number formats: int8 or int16 inputs give a per-row affine format
(row k in input k's scale and zero point), float32 inputs a float32 row.  ``graph.meta["inputs"]`` lists each
input's name, shape, row and size (the C header repeats them as NAME_INPUTk_* macros; ``nncodegen run`` / verify
take X of shape (N, inputs, longest)).

Joinable: all inputs int8 (an int8 model), all int16 (a 16x8 model) or all float32 (a float32 model), each with
one scale and zero point.  Anything else is refused naming each input and its type.

Outputs (join_outputs): several float32 outputs (after DEQUANTIZE, or of a float32 model) are one row of their
values, each at an offset (exact float copies); several int8 outputs are rows of a (1, outputs, longest) output,
row k output k flattened and padded with its zero point, each row in its output's scale and zero point (copies:
the integers are the model's).  ``graph.meta["outputs"]`` lists each output's name, shape, offset and size (and
int8 rows their row, scale and zero point), to split ``CModel.run``'s result again.
"""
from __future__ import annotations

from typing import List

import numpy as np

from ...ir.formats import AffineFormat, FLOAT32
from ...ir.graph import GraphError, Node, Tensor


def join_kind(imp, real: List[int]) -> str:
    """The element type all of ``real`` (model inputs) share, or a GraphError naming them."""
    ts = [imp.tensors[i] for i in real]
    kinds = {t.type for t in ts}
    desc = ", ".join(f"{t.name!r} ({t.type})" for t in ts)
    if len(kinds) != 1 or not kinds <= {"int8", "int16", "float32"}:
        raise GraphError(f"{imp.src}: {len(ts)} inputs {desc}: several inputs are joined into one C input only "
                         "when all are int8, all int16 or all float32")
    kind = kinds.pop()
    if kind == "float32" and not getattr(imp, "float_model", False):
        raise GraphError(f"{imp.src}: {len(ts)} float32 inputs {desc} of an int8 model (QUANTIZE at the input): "
                         "several inputs are joined only in int8 or float32 models; quantize the inputs in the "
                         "model")
    if kind != "float32":
        for t in ts:
            if not t.quantized or t.scale.size != 1:
                raise GraphError(f"{imp.src}: input {t.name!r}: joined inputs need one scale and zero point each")
    return kind


def join_inputs(imp, real: List[int]) -> str:
    """Several model inputs as one (1, inputs, longest) IR input; returns its name."""
    g = imp.g
    kind = join_kind(imp, real)
    ts = [imp.tensors[i] for i in real]
    sizes = [int(np.prod(t.shape, dtype=np.int64)) for t in ts]
    longest = max(sizes)
    fmts = [imp.fmt(t) for t in ts]  # each input's own format, checked (zero point in range...)
    if kind == "float32":
        fmt = FLOAT32
    else:
        fmt = AffineFormat(8 if kind == "int8" else 16, tuple(float(t.scale[0]) for t in ts),
                           tuple(int(t.zero_point[0]) for t in ts), axis=1)
    joined = g.unique_name("inputs_joined")
    g.add_tensor(Tensor(joined, (1, len(ts), longest), fmt))
    meta = []
    for k, (i, t, n) in enumerate(zip(real, ts, sizes)):
        name = imp.act(i)
        flat = g.unique_name(f"{t.name}_row")
        g.add_tensor(Tensor(flat, (1, 1, n), fmts[k]))
        g.add_node(Node(g.unique_name(f"input_{k}_row"), "strided_slice", [joined], [flat],
                        {"begin": (0, k, 0), "strides": (1, 1, 1), "size": (1, 1, n)}))
        g.add_node(Node(g.unique_name(f"input_{k}"), "reshape", [flat], [name], {"shape": tuple(t.shape)}))
        meta.append({"name": t.name, "shape": list(t.shape), "row": k, "size": n})
    g.meta["inputs"] = meta
    return joined


def outputs_joinable(imp) -> bool:
    """Several outputs that join_outputs can join: all float32, or all int8 with one scale and zero point each."""
    ts = [imp.tensors[i] for i in imp.outputs]
    if len(ts) < 2:
        return False
    if all(t.type == "float32" for t in ts):
        return True
    return all(t.type == "int8" and t.quantized and t.scale.size == 1 for t in ts)


def join_outputs(imp) -> str:
    """Several model outputs as one IR output (see the module docstring); returns its name."""
    g = imp.g
    ts = [imp.tensors[i] for i in imp.outputs]
    for t in ts:
        if not t.shape or t.shape[0] != 1:
            raise GraphError(f"{imp.src}: output {t.name!r} of shape {t.shape}: joined outputs need batch 1")
    sizes = [int(np.prod(t.shape, dtype=np.int64)) for t in ts]
    rows = ts[0].type == "int8"
    longest = max(sizes)
    parts, meta, off = [], [], 0
    for k, (i, t, n) in enumerate(zip(imp.outputs, ts, sizes)):
        fmt = imp.fmt(t)
        shape = (1, 1, n) if rows else (1, n)
        flat = g.unique_name(f"{t.name}_flat")
        g.add_tensor(Tensor(flat, shape, fmt))
        g.add_node(Node(g.unique_name(f"output_{k}_flat"), "reshape", [imp.act(i)], [flat], {"shape": shape}))
        m = {"name": t.name, "shape": list(t.shape), "offset": off, "size": n}
        if rows:
            if n < longest:  # the row's tail: the output's zero point (real 0.0), never read as the output
                padded = g.unique_name(f"{t.name}_row")
                g.add_tensor(Tensor(padded, (1, 1, longest), fmt))
                g.add_node(Node(g.unique_name(f"output_{k}_row"), "pad", [flat], [padded],
                                {"pads": (0, 0, 0, 0, 0, longest - n), "mode": "constant", "value": 0.0}))
                flat = padded
            m.update(row=k, scale=float(t.scale[0]), zero_point=int(t.zero_point[0]))
            off += longest
        else:
            off += n
        parts.append(flat)
        meta.append(m)
    y = g.unique_name("outputs_joined")
    if rows:
        fmt = AffineFormat(8, tuple(m["scale"] for m in meta), tuple(m["zero_point"] for m in meta), axis=1)
        g.add_tensor(Tensor(y, (1, len(ts), longest), fmt))
    else:
        g.add_tensor(Tensor(y, (1, off), FLOAT32))
    g.add_node(Node(g.unique_name("join_outputs"), "concat", parts, [y], {"axis": 1}))
    g.meta["outputs"] = meta
    if not rows:
        imp.float_layers.append(f"{len(parts)} float32 outputs joined into one row of {off} values")
    return y
