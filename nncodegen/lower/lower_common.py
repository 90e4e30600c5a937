"""What the lowering modules share: the lowering context of a graph (Ctx), the requantization and float
activation parameters of a fused activation, broadcast and transpose parameters."""
from __future__ import annotations

import numpy as np

from ..ir.formats import QFormat
from ..ir.graph import Graph, GraphError, Node
from ..ir.ops import fused_act_bounds
from ..ref.fixedpoint import LEAKY_NONE, leaky_slope_q15
from .params import ActF32, Broadcast, Requant, Transpose
from .program import Buf, Const


FLT_MAX = 3.4028234663852886e38


class Ctx:
    """What lowering of one graph needs to know: its Q width (8 or 16) when it
    has Q-format activations, else float."""

    def __init__(self, graph: Graph):
        self.g = graph
        acts = [graph.inputs[0]] + [o for n in graph.nodes for o in n.outputs]
        qacts = [graph.tensors[t].fmt for t in acts if graph.tensors[t].fmt.kind == "q"]
        self.quant = bool(qacts)
        if self.quant:
            bits = {f.bits for f in qacts}
            if len(bits) != 1:
                raise GraphError(f"mixed activation widths {sorted(bits)} are not supported in one model")
            self.bits = bits.pop()
            self.sfx = {8: "q7", 16: "q15"}[self.bits]
            self.ctype = {8: "int8_t", 16: "int16_t"}[self.bits]
        else:
            self.bits, self.sfx, self.ctype = 32, "f32", "float"

    def shape(self, name):
        return tuple(self.g.tensors[name].shape)

    def fmt(self, name) -> QFormat:
        return self.g.tensors[name].fmt

    def frac(self, name) -> int:
        f = self.fmt(name)
        if not isinstance(f, QFormat) or f.per_channel:
            raise GraphError(f"tensor {name!r} needs a per-tensor Q format, has {f}")
        return int(f.frac)

    @property
    def qmin(self):
        return -(1 << (self.bits - 1))

    @property
    def qmax(self):
        return (1 << (self.bits - 1)) - 1


def _q_bound(v: float, frac: int, lo: int, hi: int) -> int:
    if v == np.inf:
        return hi
    if v == -np.inf:
        return lo
    return int(np.clip(np.floor(v * 2.0 ** frac + 0.5), lo, hi))


def _requant(ctx: Ctx, node: Node, shifts) -> Requant:
    fo = ctx.frac(node.outputs[0])
    lo, hi = fused_act_bounds(node.attrs)
    leaky = LEAKY_NONE
    if node.attrs.get("act") == "leaky_relu":
        leaky = leaky_slope_q15(node.attrs["alpha"])
    for s in shifts:
        if not -31 <= s <= 62:
            raise GraphError(f"node {node.name!r} ({node.op}): requantization shift {s} out of range")
    return Requant(tuple(int(s) for s in shifts), _q_bound(lo, fo, ctx.qmin, ctx.qmax),
                   _q_bound(hi, fo, ctx.qmin, ctx.qmax), leaky)


def _act_f32(node: Node) -> ActF32:
    lo, hi = fused_act_bounds(node.attrs)
    leaky = float(node.attrs["alpha"]) if node.attrs.get("act") == "leaky_relu" else 1.0
    return ActF32(max(lo, -FLT_MAX), min(hi, FLT_MAX), leaky)


def _same_format(ctx, node):
    if ctx.quant and ctx.fmt(node.inputs[0]) != ctx.fmt(node.outputs[0]):
        raise GraphError(f"node {node.name!r} ({node.op}) must keep its input's format")


def _strides4(shape, out_shape):
    shape = (1,) * (4 - len(shape)) + tuple(shape)
    st = [0] * 4
    acc = 1
    for i in range(3, -1, -1):
        st[i] = 0 if shape[i] == 1 and out_shape[i] != 1 else acc
        acc *= shape[i]
    return tuple(st)


def broadcast_params(a_shape, b_shape, out_shape) -> Broadcast:
    if len(out_shape) > 4:
        raise GraphError(f"broadcast of rank {len(out_shape)} > 4")
    o4 = (1,) * (4 - len(out_shape)) + tuple(out_shape)
    return Broadcast(o4, _strides4(a_shape, o4), _strides4(b_shape, o4))


def _operand(ctx, name):
    return Const(name) if ctx.g.tensors[name].is_const else Buf(name)


def _n(ctx, name):
    return int(np.prod(ctx.shape(name), dtype=np.int64))


def _fill4(shape):
    if len(shape) > 4:
        raise GraphError(f"rank {len(shape)} > 4 not supported here")
    return (1,) * (4 - len(shape)) + tuple(shape)


def transpose_params(in_shape, perm) -> Transpose:
    r = len(in_shape)
    if r > 6:
        raise GraphError(f"transpose of rank {r} > 6")
    strides = [int(np.prod(in_shape[i + 1:], dtype=np.int64)) for i in range(r)]
    out_shape = [in_shape[p] for p in perm]
    in_stride = [strides[p] for p in perm]
    return Transpose(tuple([1] * (6 - r) + out_shape), tuple([0] * (6 - r) + in_stride))
