"""TFLite import, shape and data-movement family: RESHAPE / SQUEEZE / EXPAND_DIMS (after a DEQUANTIZE
also in float32), PAD / PADV2 (constant paddings), CONCATENATION (inputs in the output's format, no fused
activation), TRANSPOSE (constant permutation of rank <= 6; a byte permutation, transpose_q7),
RESIZE_NEAREST_NEIGHBOR (constant size; align_corners / half_pixel_centers with TFLite's float32 index
arithmetic, tables computed at compile time).  The model's input stays as TFLite sees it: a PyTorch
model's NCHW input through a TRANSPOSE is an NCHW input of the C, followed by a transpose layer.
"""
from __future__ import annotations

import numpy as np

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
        value = (float(imp.fdata(op, op.inputs[2], "pad value").reshape(-1)[0]) if imp.float_model else
                 float(imp.fmt(x).dequantize(v.data.reshape(-1)[:1])[0]))
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


def transpose(imp, op):
    x, p = imp.tensors[op.inputs[0]], imp.tensors[op.inputs[1]]
    if p.data is None:
        imp.fail(op, "the permutation must be constant")
    perm = tuple(int(v) for v in np.asarray(p.data).reshape(-1))
    if sorted(perm) != list(range(len(x.shape))):
        imp.fail(op, f"permutation {list(perm)} does not fit rank {len(x.shape)}")
    if len(perm) > 6:
        imp.fail(op, f"rank {len(perm)} > 6")
    imp.node(op, "transpose", [imp.act(op.inputs[0])], op.outputs[0], perm=perm)


def resize_nearest(imp, op):
    x, y = imp.tensors[op.inputs[0]], imp.tensors[op.outputs[0]]
    if len(x.shape) != 4:
        imp.fail(op, f"input of rank {len(x.shape)}: NHWC (rank 4) only")
    if imp.tensors[op.inputs[1]].data is None:
        imp.fail(op, "the output size must be constant")
    if imp.fmt(x) != imp.fmt(y):
        imp.fail(op, "input and output must share one format")
    o = op.options
    align, half = (bool(o.scalar(0, "b")), bool(o.scalar(1, "b"))) if o is not None else (False, False)
    coord = {(False, False): "tflite_asymmetric", (True, False): "tflite_align_corners",
             (False, True): "tflite_half_pixel", (True, True): "tflite_align_corners_half_pixel"}[(align, half)]
    imp.node(op, "resize", [imp.act(op.inputs[0])], op.outputs[0], size=tuple(y.shape[1:3]), mode="nearest",
             coord=coord, nearest_mode="floor")


HANDLERS = {
    "RESHAPE": reshape, "SQUEEZE": reshape, "EXPAND_DIMS": reshape, "PAD": pad, "PADV2": pad,
    "CONCATENATION": concatenation, "TRANSPOSE": transpose, "RESIZE_NEAREST_NEIGHBOR": resize_nearest,
}
