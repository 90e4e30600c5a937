"""Lowering of Q-format and float pools and data movement (pad, resize, transpose, reshape)."""
from __future__ import annotations

import numpy as np

from ..ref import float_ops
from .lower_common import _same_format, _n, _fill4, transpose_params
from .params import ConvGeom, Pad, Resize
from .program import Buf, Call, Param, Scalar


def lower_pool(ctx, node):
    _same_format(ctx, node)
    x, y = ctx.shape(node.inputs[0]), ctx.shape(node.outputs[0])
    a = node.attrs
    if node.op in ("global_avgpool", "global_maxpool"):
        geom = ConvGeom(x[0], x[1], x[2], x[3], 1, 1, x[3], x[1], x[2])
        args = [Param(geom)]
    else:
        geom = ConvGeom(x[0], x[1], x[2], x[3], y[1], y[2], y[3], a["kernel"][0], a["kernel"][1],
                        a["strides"][0], a["strides"][1], a["pads"][0], a["pads"][1])
        args = [Param(geom)]
        if node.op == "avgpool":
            args.append(Scalar(int(bool(a["count_include_pad"]))))
    return [Call(node.name, node.op, f"{node.op}_{ctx.sfx}", args + [Buf(node.inputs[0]), Buf(node.outputs[0])],
                 node.outputs[0])]


def lower_pad(ctx, node):
    _same_format(ctx, node)
    x, y = node.inputs[0], node.outputs[0]
    xs = ctx.shape(x)
    before = tuple(node.attrs["pads"][2 * i] for i in range(len(xs)))
    mode = {"constant": 0, "reflect": 1, "edge": 2}[node.attrs["mode"]]
    val = float(node.attrs["value"])
    qv = 0
    if ctx.quant:
        f = ctx.fmt(x)
        qv = int(f.quantize(np.array(val)))
    p = Pad(_fill4(xs), _fill4(ctx.shape(y)), (0,) * (4 - len(xs)) + before, mode, qv, val)
    return [Call(node.name, node.op, f"pad_{ctx.sfx}", [Param(p), Buf(x), Buf(y)], y)]


def lower_resize(ctx, node):
    _same_format(ctx, node)
    x, y = node.inputs[0], node.outputs[0]
    n, h, w, c = ctx.shape(x)
    oh, ow = ctx.shape(y)[1:3]
    a = node.attrs
    sc = a.get("scales") or (0.0, 0.0)
    t16 = lambda v: tuple(int(i) for i in v)  # noqa: E731
    if a["mode"] == "nearest":
        iy = float_ops.resize_nearest_index(h, oh, a["coord"], a["nearest_mode"], sc[0])
        ix = float_ops.resize_nearest_index(w, ow, a["coord"], a["nearest_mode"], sc[1])
        p = Resize(n, h, w, c, oh, ow, y0=t16(iy), x0=t16(ix))
        return [Call(node.name, node.op, f"resize_nearest_{ctx.sfx}", [Param(p), Buf(x), Buf(y)], y)]
    y0, y1, wy = float_ops.resize_linear_taps(h, oh, a["coord"], sc[0])
    x0, x1, wx = float_ops.resize_linear_taps(w, ow, a["coord"], sc[1])
    if ctx.quant:
        q10 = lambda v: tuple(int(i) for i in np.floor(v * 1024 + 0.5))  # noqa: E731
        p = Resize(n, h, w, c, oh, ow, t16(y0), t16(y1), t16(x0), t16(x1), q10(wy), q10(wx), None, None,
                   20, ctx.qmin, ctx.qmax)
    else:
        p = Resize(n, h, w, c, oh, ow, t16(y0), t16(y1), t16(x0), t16(x1), None, None,
                   tuple(float(v) for v in wy), tuple(float(v) for v in wx))
    return [Call(node.name, node.op, f"resize_bilinear_{ctx.sfx}", [Param(p), Buf(x), Buf(y)], y)]


def lower_transpose(ctx, node):
    _same_format(ctx, node)
    x, y = node.inputs[0], node.outputs[0]
    if node.op == "transpose":
        p = transpose_params(ctx.shape(x), node.attrs["perm"])
    else:
        c = ctx.shape(x)[-1]
        g = node.attrs["groups"]
        p = transpose_params((_n(ctx, x) // c, g, c // g), (0, 2, 1))
    return [Call(node.name, node.op, f"transpose_{ctx.sfx}", [Param(p), Buf(x), Buf(y)], y)]


def lower_reshape(ctx, node):
    _same_format(ctx, node)
    return []  # an alias: the memory planner gives both tensors one buffer


def lower_strided_slice(ctx, node):
    """A strided copy (a row of a joined model input, frontends/tflite/join.py): float32 by strided_slice_f32,
    Q-format values by the int8 / int16 copies (strided_slice_s8 / _s16: a copy keeps any format)."""
    from ..ir.graph import GraphError
    from .params_s16 import slice_params
    _same_format(ctx, node)
    x, y = node.inputs[0], node.outputs[0]
    a = node.attrs
    try:
        p = slice_params(ctx.shape(x), a["begin"], a["strides"], a["size"])
    except GraphError as e:
        raise GraphError(f"node {node.name!r} (strided_slice): {e}") from None
    kernel = {"f32": "strided_slice_f32", "q7": "strided_slice_s8", "q15": "strided_slice_s16"}[ctx.sfx]
    return [Call(node.name, node.op, kernel, [Param(p), Buf(x), Buf(y)], y)]
