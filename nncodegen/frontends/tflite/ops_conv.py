"""TFLite import, convolution family: CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, AVERAGE_POOL_2D,
MAX_POOL_2D, TRANSPOSE_CONV (int8 filters per output channel, int32 bias, no fused activation, the output
shape the output tensor's; the handler of 16x8 models, ops_int16.transpose_conv, which takes the bias by type).
In float32 models (importer.py) filters, weights and biases are float32 constants (or folded float16 ones).

Filters are int8 constants with zero point 0 (per-channel scales along the output channels); a depthwise
filter [1, H, W, C*m] becomes the IR's [C*m, H, W, 1] with groups = C; SAME padding becomes explicit pads.
A FULLY_CONNECTED input of another shape is reshaped to [rows, in_features] first, and its output back
to the model's shape.  Pools take no fused activation.
"""
from __future__ import annotations

import numpy as np

from ...ir.graph import Node, Tensor
from .ops_int16 import transpose_conv as transpose_conv_16x8
from .flatbuf import ACTS


def conv(imp, op, depthwise: bool):
    o = op.options
    x, w, b = (imp.tensors[i] if i >= 0 else None for i in (op.inputs + [-1])[:3])
    if imp.float_model:
        wdata = imp.fdata(op, op.inputs[1], "filters")
    elif w.data is None or w.type != "int8":
        imp.fail(op, "filters must be int8 constants")
    else:
        wdata = w.data
    if o is None:
        imp.fail(op, "missing options")
    if depthwise:
        pad, sw, sh, act, dw, dh = o.scalar(0, "b"), o.scalar(1, "i"), o.scalar(2, "i"), o.scalar(4, "b"), \
            o.scalar(5, "i", 1), o.scalar(6, "i", 1)
        q = np.ascontiguousarray(np.transpose(wdata, (3, 1, 2, 0)))  # [1,H,W,C*m] -> [C*m,H,W,1]
        groups = x.shape[3]
        qdim = 0 if w.qdim == 3 else w.qdim
    else:
        pad, sw, sh, act, dw, dh = o.scalar(0, "b"), o.scalar(1, "i"), o.scalar(2, "i"), o.scalar(3, "b"), \
            o.scalar(4, "i", 1), o.scalar(5, "i", 1)
        q = wdata
        groups = x.shape[3] // q.shape[3]
        qdim = w.qdim
    if x.shape[3] % q.shape[3] or (not depthwise and q.shape[0] % groups):
        imp.fail(op, f"filters of shape {list(wdata.shape)} do not fit an input of {x.shape[3]} channels")
    if imp.float_model:
        ins = [imp.act(op.inputs[0]), imp.fconst(op, op.inputs[1], "filters", q)]
        if b is not None:
            ins.append(imp.fconst(op, op.inputs[2], "bias"))
    else:
        if w.scale.size > 1 and qdim != 0:
            imp.fail(op, "per-channel filter scales must be along the output channels")
        if np.any(w.zero_point != 0):
            imp.fail(op, "filter zero points must be 0 (symmetric int8 weights)")
        ins = [imp.act(op.inputs[0]), imp.const(w, q, imp.fmt(w, 0), "")]
        if b is not None:
            ins.append(imp.const(b, b.data.astype(np.int32), imp.fmt(b, 0), ""))
    pads = imp.pads(op, pad, x.shape[1:3], q.shape[1:3], (sh, sw), (dh, dw))
    imp.node(op, "conv2d", ins, op.outputs[0], strides=(sh, sw), pads=pads, dilations=(dh, dw),
             groups=groups, **imp.act_attrs(act))


def fully_connected(imp, op):
    g = imp.g
    o = op.options
    x, w = imp.tensors[op.inputs[0]], imp.tensors[op.inputs[1]]
    b = imp.tensors[op.inputs[2]] if len(op.inputs) > 2 and op.inputs[2] >= 0 else None
    if imp.float_model:
        imp.fdata(op, op.inputs[1], "weights")
    elif w.data is None or w.type != "int8":
        imp.fail(op, "weights must be int8 constants")
    if o is not None and o.scalar(1, "b") != 0:
        imp.fail(op, "shuffled weight formats are not supported")
    act = o.scalar(0, "b") if o is not None else 0
    n_in = w.shape[1]
    size = int(np.prod(x.shape))
    if size % n_in:
        imp.fail(op, f"input of {size} values does not split into rows of {n_in}")
    xin = imp.act(op.inputs[0])
    if tuple(x.shape) != (size // n_in, n_in):
        flat = g.unique_name(f"{x.name}_rows")
        g.add_tensor(Tensor(flat, (size // n_in, n_in), imp.fmt(x)))
        g.add_node(Node(g.unique_name(f"reshape_{op.index}"), "reshape", [xin], [flat],
                        {"shape": (size // n_in, n_in)}))
        xin = flat
    if imp.float_model:
        ins = [xin, imp.fconst(op, op.inputs[1], "weights")] + ([imp.fconst(op, op.inputs[2], "bias")] if b else [])
    else:
        ins = [xin, imp.const(w, w.data, imp.fmt(w, 0), "")]
        if b is not None:
            ins.append(imp.const(b, b.data.astype(np.int32), imp.fmt(b, 0), ""))
    y = imp.tensors[op.outputs[0]]
    rows = (size // n_in, w.shape[0])
    if tuple(y.shape) == rows:
        imp.node(op, "dense", ins, op.outputs[0], **imp.act_attrs(act))
        return
    mid = g.unique_name(f"{y.name}_rows")
    g.add_tensor(Tensor(mid, rows, imp.fmt(y)))
    g.add_node(Node(g.unique_name(f"fully_connected_{op.index}"), "dense", ins, [mid], imp.act_attrs(act)))
    g.add_node(Node(g.unique_name(f"reshape_{op.index}_out"), "reshape", [mid], [imp.act(op.outputs[0])],
                    {"shape": tuple(y.shape)}))


def pool(imp, op, kind: str):
    o = op.options
    x = imp.tensors[op.inputs[0]]
    pad, sw, sh, fw, fh, act = (o.scalar(0, "b"), o.scalar(1, "i"), o.scalar(2, "i"), o.scalar(3, "i"),
                                o.scalar(4, "i"), o.scalar(5, "b"))
    if ACTS.get(act, "?") != "none":
        imp.fail(op, "fused activations on pools are not supported")
    pads = imp.pads(op, pad, x.shape[1:3], (fh, fw), (sh, sw), (1, 1))
    attrs = dict(kernel=(fh, fw), strides=(sh, sw), pads=pads)
    if kind == "avgpool":
        attrs["count_include_pad"] = False
    imp.node(op, kind, [imp.act(op.inputs[0])], op.outputs[0], **attrs)


HANDLERS = {
    "CONV_2D": lambda imp, op: conv(imp, op, False),
    "DEPTHWISE_CONV_2D": lambda imp, op: conv(imp, op, True),
    "FULLY_CONNECTED": fully_connected,
    "AVERAGE_POOL_2D": lambda imp, op: pool(imp, op, "avgpool"),
    "MAX_POOL_2D": lambda imp, op: pool(imp, op, "maxpool"),
    "TRANSPOSE_CONV": transpose_conv_16x8,
}
