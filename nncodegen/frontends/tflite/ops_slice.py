"""TFLite import, slicing family (int8 models): STRIDED_SLICE (constant begin / end / strides; begin, end and
shrink-axis masks: the handler of 16x8 models, ops_int16.strided_slice), SPLIT and SPLIT_V (constant axis and
sizes, one of SPLIT_V's sizes may be -1).  Every output of a split becomes its own IR ``strided_slice`` node
reading the input (strided_slice_s8, a copy: the parts keep the input's format); a part that no later operator
and no model output reads gets no layer.
"""
from __future__ import annotations

import numpy as np

from ...ir.graph import Node
from .ops_int16 import strided_slice as strided_slice_16x8


def _const_ints(imp, op, i: int, what: str) -> np.ndarray:
    t = imp.tensors[i]
    if t.data is None:
        imp.fail(op, f"the {what} must be constant")
    return np.asarray(t.data).reshape(-1).astype(np.int64)


def _parts(imp, op, x_index: int, axis: int, sizes) -> None:
    """One strided_slice node per output: sizes[k] elements of axis from their running offset."""
    x = imp.tensors[x_index]
    r = len(x.shape)
    if not -r <= axis < r:
        imp.fail(op, f"axis {axis} does not fit rank {r}")
    axis %= r
    if len(sizes) != len(op.outputs) or any(n < 1 for n in sizes) or sum(sizes) != x.shape[axis]:
        imp.fail(op, f"parts {list(sizes)} do not split the {x.shape[axis]} elements of axis {axis} into "
                     f"{len(op.outputs)} outputs")
    used = {i for o in imp.ops for i in o.inputs} | set(imp.outputs)
    g, xin, start = imp.g, imp.act(x_index), 0
    for k, (out, n) in enumerate(zip(op.outputs, sizes)):
        if out not in used:  # a part nothing reads: no layer
            start += n
            continue
        y = imp.tensors[out]
        size = tuple(n if a == axis else d for a, d in enumerate(x.shape))
        if tuple(y.shape) != size:
            imp.fail(op, f"output {y.name!r} has shape {list(y.shape)}, the part {list(size)}")
        if imp.fmt(y) != imp.fmt(x):
            imp.fail(op, f"output {y.name!r} is in another format than the input")
        begin = tuple(start if a == axis else 0 for a in range(r))
        g.add_node(Node(g.unique_name(f"{op.code.lower()}_{op.index}_{k}"), "strided_slice", [xin], [imp.act(out)],
                        {"begin": begin, "strides": (1,) * r, "size": size}))
        start += n


def split(imp, op):
    axis = int(_const_ints(imp, op, op.inputs[0], "axis")[0])
    x = imp.tensors[op.inputs[1]]
    num = len(op.outputs)
    if op.options is not None and op.options.scalar(0, "i", num) != num:
        imp.fail(op, f"num_splits {op.options.scalar(0, 'i')} but {num} outputs")
    r = len(x.shape)
    dim = x.shape[axis % r] if -r <= axis < r else 0
    if dim % num:
        imp.fail(op, f"axis {axis} of {dim} elements does not split into {num} equal parts")
    _parts(imp, op, op.inputs[1], axis, [dim // num] * num)


def split_v(imp, op):
    sizes = [int(v) for v in _const_ints(imp, op, op.inputs[1], "size_splits")]
    axis = int(_const_ints(imp, op, op.inputs[2], "axis")[0])
    x = imp.tensors[op.inputs[0]]
    r = len(x.shape)
    if sum(v == -1 for v in sizes) > 1 or any(v < -1 for v in sizes) or not -r <= axis < r:
        imp.fail(op, f"size_splits {sizes} / axis {axis} not valid for an input of shape {list(x.shape)}")
    if -1 in sizes:
        sizes[sizes.index(-1)] = x.shape[axis % r] - sum(v for v in sizes if v != -1)
    _parts(imp, op, op.inputs[0], axis, sizes)


HANDLERS = {"STRIDED_SLICE": strided_slice_16x8, "SPLIT": split, "SPLIT_V": split_v}
