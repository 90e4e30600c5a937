"""Packed Q-format MAC layers: the int32-safe q7 convolutions and fully connected layers that lower.py gives
conv2d_q7 / dense_q7 run as conv2d_pk_q7 / dense_pk_q7 on the generic and x86 targets (weights packed at
generation time for 4-byte dot products, the uint8 offset folded into the bias: nncodegen/ref/kernels_pk_q.py).
One-group convolutions always (K' within the kernels' stack row; the padding to whole 16-channel blocks and
4-product rows makes their arrays larger than the graph's weights, which report.json counts); fully connected
layers only when nothing is padded (out % 16 == 0, in % 4 == 0); one-group transposed convolutions as
conv_transpose2d_pk_q7 (per output phase a packed convolution over the taps that reach it); depthwise layers
(multiplier 1) as conv2d_dw_q7 (channels in the vector lanes); other grouped layers whose groups are too narrow
for conv2d_q7's channel blocks as their block-diagonal one-group form (kernels_pk_s8.expand_pays).  In a graph
that stores weights compressed (built for ROM) a layer whose packed arrays would be larger than its weights
stays unpacked.  ARM targets keep conv2d_q7 / dense_q7 / conv_transpose2d_q7 (their DSP / NEON paths).  The
results are conv2d_q7's / conv_transpose2d_q7's bit for bit."""
from __future__ import annotations

import dataclasses
from typing import List, Optional

from ..ir.graph import Node
from ..ref import kernels_pk_q as kpq
from ..ref import kernels_pk_s8 as kpk
from .program import Call, Const, Param, Scalar


def packed_target(ctx) -> bool:
    return not str(getattr(ctx, "target", "generic")).startswith(("cortex", "arm"))


def _rom_first(ctx) -> bool:
    """A graph that stores weights compressed (sparse, codebook, ...) is built for ROM: its dense layers are
    not padded into the packed layouts where those would be larger than the weights."""
    flag = getattr(ctx, "_pk_rom_first", None)
    if flag is None:
        from ..compress.storage import Storage
        flag = any(t.is_const and Storage.of(t).kind != "dense" for t in ctx.g.tensors.values())
        try:
            ctx._pk_rom_first = flag
        except AttributeError:
            pass
    return flag


def lower_node(ctx, node: Node) -> Optional[List[Call]]:
    if node.op not in ("conv2d", "dense", "conv_transpose2d") or not getattr(ctx, "quant", False) or \
            ctx.bits != 8 or not packed_target(ctx):
        return None
    from .lower import LOWER
    base = LOWER[node.op](ctx, node)
    if len(base) != 1 or base[0].kernel not in ("conv2d_q7", "dense_q7", "conv_transpose2d_q7"):
        return None  # the int64 (_wide) variants stay as they are
    call = base[0]
    geom_p, rq, x, w, bias, y = call.args
    g = geom_p.value
    wt = ctx.g.tensors[w.tensor]
    wq = wt.qdata
    if node.op == "conv_transpose2d":
        return _lower_ct(ctx, call, g, wt, bias)
    if node.op == "dense":
        if kpk.k4_of(g.in_features) > kpk.PK_K or g.out_features % 16 or g.in_features % 4:
            return None  # (fully connected layers pack only without padding: the same ROM as dense_q7, whose
            # eight-row dot products are VPDPBUSD already; padded they would grow up to 16x for few outputs)
        kernel = "dense_pk_q7"
    else:
        if kpq.packed_k(g.k_h, g.k_w, g.in_c) > kpk.PK_K:
            return None
        if g.groups == g.in_c == g.out_c > 1:  # depthwise: channels in the vector lanes, weights [block][tap][16]
            packed = kpq.pack_dw_q7(wq)
            if _rom_first(ctx) and packed.size > wq.size:
                return None
            wdw = Const(f"{wt.name}_dw", tuple(int(v) for v in packed), "int8_t")
            return [dataclasses.replace(call, kernel="conv2d_dw_q7", args=[geom_p, rq, x, wdw, bias, y])]
        if g.groups != 1:
            if not kpk.expand_pays(g.groups, g.k_h * g.k_w, g.in_c, g.out_c):
                return None
            wq = kpk.expand_groups(wq, g.groups, g.in_c)  # zeros outside each group: the same sums
            geom_p = Param(dataclasses.replace(g, groups=1))
        kernel = "conv2d_pk_q7"
        g1 = geom_p.value
        if not _rom_first(ctx) and kpq.pw4_fits(g1, wq):  # narrow or grouped 1x1: a few groups per channel
            steps, idx, w4 = kpq.pack_pw4_q7(wq)
            b = None if bias is None else ctx.g.tensors[bias.tensor].qdata
            return [dataclasses.replace(call, kernel="conv2d_pw4_q7", args=[
                geom_p, rq, x, Scalar(int(steps)), Const(f"{wt.name}_idx", tuple(int(v) for v in idx), "uint8_t"),
                Const(f"{wt.name}_w4", tuple(int(v) for v in w4), "int8_t"),
                Const(f"{wt.name}_bias_u", tuple(int(v) for v in kpq.pk_bias_q7(wq, b)[:g1.out_c]), "int32_t"), y])]
    b = None if bias is None else ctx.g.tensors[bias.tensor].qdata
    packed = kpq.pack_pk_q7(wq)
    if _rom_first(ctx) and packed.size > wt.qdata.size:
        return None
    wpk = Const(f"{wt.name}_pk", tuple(int(v) for v in packed), "int8_t")
    bias_u = Const(f"{wt.name}_bias_u", tuple(int(v) for v in kpq.pk_bias_q7(wq, b)), "int32_t")
    return [dataclasses.replace(call, kernel=kernel, args=[geom_p, rq, x, wpk, bias_u, y])]


def _lower_ct(ctx, call, g, wt, bias) -> Optional[List[Call]]:
    """One-group transposed convolutions as conv_transpose2d_pk_q7: weights packed per output phase, each phase
    a packed one-group convolution over the taps that reach it (every tap in one phase: the arrays grow only by
    the padding to 16 output channels and in_c to a multiple of 4)."""
    if g.groups != 1 or kpq.ct_packed_k(g) > kpk.PK_K:
        return None
    packed = kpq.pack_ct_q7(g, wt.qdata)
    if _rom_first(ctx) and packed.size > wt.qdata.size:
        return None
    b = None if bias is None else ctx.g.tensors[bias.tensor].qdata
    geom_p, rq, x, w, _, y = call.args
    wpk = Const(f"{wt.name}_ct", tuple(int(v) for v in packed), "int8_t")
    bias_u = Const(f"{wt.name}_ct_bias_u", tuple(int(v) for v in kpq.ct_bias_q7(g, wt.qdata, b)), "int32_t")
    return [dataclasses.replace(call, kernel="conv_transpose2d_pk_q7", args=[geom_p, rq, x, wpk, bias_u, y])]
