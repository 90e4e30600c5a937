"""TFLite import, reductions: MEAN (int8, over any constant set of axes of a rank <= 4 tensor, keep_dims
or not; input and output in their own formats: TFLite's QuantizedMeanOrSum arithmetic, mean_s8); in float32
models over axes 1 and 2 of an NHWC tensor (a global average pool)."""
from __future__ import annotations

import numpy as np

from ...ir.graph import Node, Tensor


def mean(imp, op):
    x, ax = imp.tensors[op.inputs[0]], imp.tensors[op.inputs[1]]
    if ax.data is None:
        imp.fail(op, "the axes must be constant")
    r = len(x.shape)
    axes = sorted({int(a) % r for a in np.asarray(ax.data).reshape(-1)}) if r else []
    if not axes or any(not -r <= int(a) < r for a in np.asarray(ax.data).reshape(-1)):
        imp.fail(op, f"axes {np.asarray(ax.data).reshape(-1).tolist()} do not fit rank {r}")
    if r > 4:
        imp.fail(op, f"rank {r} > 4")
    keep = bool(op.options.scalar(0, "b")) if op.options is not None else False
    if imp.float_model:  # float32: the spatial mean of NHWC only (global_avgpool, then a reshape without keep_dims)
        if r != 4 or axes != [1, 2]:
            imp.fail(op, f"axes {axes} of a rank-{r} tensor: float32 models take MEAN over axes 1 and 2 of NHWC only")
        if keep:
            imp.node(op, "global_avgpool", [imp.act(op.inputs[0])], op.outputs[0])
            return
        g = imp.g
        mid = g.unique_name(f"{x.name}_mean")
        g.add_tensor(Tensor(mid, (x.shape[0], 1, 1, x.shape[3]), imp.fmt(x)))
        g.add_node(Node(g.unique_name(f"mean_{op.index}"), "global_avgpool", [imp.act(op.inputs[0])], [mid], {}))
        g.add_node(Node(g.unique_name(f"reshape_{op.index}"), "reshape", [mid], [imp.act(op.outputs[0])],
                        {"shape": tuple(imp.tensors[op.outputs[0]].shape)}))
        return
    imp.node(op, "mean", [imp.act(op.inputs[0])], op.outputs[0], axes=tuple(axes), keepdims=keep)


HANDLERS = {"MEAN": mean}
