"""TFLite import, shape and data-movement family: RESHAPE / SQUEEZE / EXPAND_DIMS (after a DEQUANTIZE
also in float32), PAD / PADV2 (constant paddings), CONCATENATION (inputs in the output's format, no fused
activation).
"""
from __future__ import annotations

from .flatbuf import ACTS


def reshape(imp, op):
    y = imp.tensors[op.outputs[0]]
    imp.node(op, "reshape", [imp.act(op.inputs[0])], op.outputs[0], shape=tuple(y.shape))


def pad(imp, op):
    p = imp.tensors[op.inputs[1]]
    if p.data is None:
        imp.fail(op, "paddings must be constant")
    x = imp.tensors[op.inputs[0]]
    value = 0.0
    if op.code == "PADV2" and len(op.inputs) > 2:
        v = imp.tensors[op.inputs[2]]
        value = float(imp.fmt(x).dequantize(v.data.reshape(-1)[:1])[0])
    pads = tuple(int(v) for pair in p.data.reshape(-1, 2) for v in pair)
    imp.node(op, "pad", [imp.act(op.inputs[0])], op.outputs[0], pads=pads, mode="constant", value=value)


def concatenation(imp, op):
    axis = op.options.scalar(0, "i") if op.options is not None else 0
    act = op.options.scalar(1, "b") if op.options is not None else 0
    if ACTS.get(act, "?") != "none":
        imp.fail(op, "fused activations on concatenation are not supported")
    fo = imp.fmt(imp.tensors[op.outputs[0]])
    for i in op.inputs:
        if imp.fmt(imp.tensors[i]) != fo:
            imp.fail(op, f"input {imp.tensors[i].name!r} is in another format than the output "
                         "(TFLite rescales it in float; not supported)")
    imp.node(op, "concat", [imp.act(i) for i in op.inputs], op.outputs[0], axis=axis)


HANDLERS = {
    "RESHAPE": reshape, "SQUEEZE": reshape, "EXPAND_DIMS": reshape, "PAD": pad, "PADV2": pad,
    "CONCATENATION": concatenation,
}
