"""TFLite import, reductions: MEAN (int8, over any constant set of axes of a rank <= 4 tensor, keep_dims
or not; input and output in their own formats: TFLite's QuantizedMeanOrSum arithmetic, mean_s8)."""
from __future__ import annotations

import numpy as np


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
    imp.node(op, "mean", [imp.act(op.inputs[0])], op.outputs[0], axes=tuple(axes), keepdims=keep)


HANDLERS = {"MEAN": mean}
