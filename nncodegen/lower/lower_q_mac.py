"""Lowering of Q-format and float MAC layers (conv2d, conv_transpose2d, dense): the accumulator width from
the static overflow bound, and the packed float kernels."""
from __future__ import annotations

from typing import List

import numpy as np

from ..ir.graph import Node
from .lower_common import Ctx, _requant, _act_f32
from .params import ConvGeom, DenseGeom
from .program import Buf, Call, Const, Param


def accumulator_bound(ctx: Ctx, node: Node) -> int:
    """Largest |accumulator| any input can produce: sum |w| * max|x| + |b| per channel."""
    w = ctx.g.tensors[node.inputs[1]].qdata.astype(np.int64)
    xmax = 1 << (ctx.fmt(node.inputs[0]).bits - 1)
    bound = np.abs(w).reshape(w.shape[0], -1).sum(axis=1) * xmax
    if len(node.inputs) > 2:
        bound = bound + np.abs(ctx.g.tensors[node.inputs[2]].qdata.astype(np.int64))
    return int(bound.max())


def _mac_kernel(ctx: Ctx, node: Node, family: str) -> str:
    if not ctx.quant:
        return f"{family}_f32"
    safe32 = accumulator_bound(ctx, node) < (1 << 31)
    if ctx.bits == 8:
        return f"{family}_q7" if safe32 else f"{family}_q7_wide"
    return f"{family}_q15_acc32" if safe32 else f"{family}_q15"


def _mac_args(ctx: Ctx, node: Node, geom) -> List:
    x, w = node.inputs[0], node.inputs[1]
    b = Const(node.inputs[2]) if len(node.inputs) > 2 else None
    if ctx.quant:
        fin = ctx.frac(x)
        fw = ctx.fmt(w).fracs(ctx.shape(w)[0])
        shifts = fin + fw - ctx.frac(node.outputs[0])
        epi = Param(_requant(ctx, node, shifts))
    else:
        epi = Param(_act_f32(node))
    return [Param(geom), epi, Buf(x), Const(w), b, Buf(node.outputs[0])]


def _conv_geom(ctx: Ctx, node: Node) -> ConvGeom:
    x, y, w = ctx.shape(node.inputs[0]), ctx.shape(node.outputs[0]), ctx.shape(node.inputs[1])
    a = node.attrs
    return ConvGeom(x[0], x[1], x[2], x[3], y[1], y[2], y[3], w[1], w[2], a["strides"][0], a["strides"][1],
                    a["pads"][0], a["pads"][1], a["dilations"][0], a["dilations"][1], a["groups"])


def _packed_f32(ctx: Ctx, node: Node, k: int) -> bool:
    """Float one-group layers take the packed kernels (conv2d_pk_f32 / dense_pk_f32: 16 output channels in the
    vector lanes, weights packed at generation time) on the generic and x86 targets, K within their stack rows."""
    from ..ref.kernels_pk_f32 import PKF_K
    return not ctx.quant and k <= PKF_K and not str(getattr(ctx, "target", "generic")).startswith(("cortex", "arm"))


def _pack_f32_args(ctx: Ctx, node: Node, args: List, groups: int = 1) -> List:
    from ..ref.kernels_pk_f32 import pack_pk_f32_groups
    w = ctx.g.tensors[node.inputs[1]]
    args[3] = Const(f"{w.name}_pkf", tuple(float(v) for v in pack_pk_f32_groups(w.data, groups)), "float")
    return args


def lower_conv(ctx, node):
    family = "conv2d" if node.op == "conv2d" else "conv_transpose2d"
    g = _conv_geom(ctx, node)
    if family == "conv2d" and g.groups < g.in_c and _packed_f32(ctx, node, g.k_h * g.k_w * g.in_c // g.groups):
        return [Call(node.name, node.op, "conv2d_pk_f32", _pack_f32_args(ctx, node, _mac_args(ctx, node, g), g.groups),
                     node.outputs[0])]
    return [Call(node.name, node.op, _mac_kernel(ctx, node, family), _mac_args(ctx, node, g), node.outputs[0])]


def lower_dense(ctx, node):
    x, w = ctx.shape(node.inputs[0]), ctx.shape(node.inputs[1])
    geom = DenseGeom(x[0], x[1], w[0])
    if _packed_f32(ctx, node, x[1]):
        return [Call(node.name, node.op, "dense_pk_f32", _pack_f32_args(ctx, node, _mac_args(ctx, node, geom)),
                     node.outputs[0])]
    return [Call(node.name, node.op, _mac_kernel(ctx, node, "dense"), _mac_args(ctx, node, geom), node.outputs[0])]
