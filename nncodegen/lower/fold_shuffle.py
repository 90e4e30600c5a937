"""Generation-time layout for q7 models on the packed targets (generic, x86): a channel shuffle whose input
comes only from a grouped convolution that lower_pk_q runs in its block-diagonal one-group form
(kernels_pk_s8.expand_pays) is folded into that convolution's output-channel order.

The shuffle moves whole channels: y[..., j] = x[..., perm[j]].  The convolution's one-group form computes every
output channel from its own weight row, bias and per-channel formats, so writing channel perm[j] at position j
is the same kernel with those rows permuted: conv2d_pk_q7 then writes the shuffled tensor itself, bit for bit
what conv2d_pk_q7 + transpose_q7 wrote, and the shuffle's copy goes.  The graph keeps its meaning (the node
becomes a one-group convolution with zeros outside each group, the float weights expanded the same way).

Arm targets keep the grouped conv2d_q7 (no expansion there), compressed weights stay as stored (built for ROM),
and a convolution whose output something else reads too stays as it is."""
from __future__ import annotations

import dataclasses

import numpy as np

from ..ir.formats import QFormat
from ..ir.graph import Graph
from ..ref import kernels_pk_q as kpq
from ..ref import kernels_pk_s8 as kpk


def shuffle_perm(c: int, groups: int) -> np.ndarray:
    """perm with channel_shuffle(x)[..., j] == x[..., perm[j]] (float_ops.channel_shuffle)."""
    return np.arange(c).reshape(groups, c // groups).T.reshape(-1)


def _permuted_fmt(fmt, perm):
    if isinstance(fmt, QFormat) and fmt.per_channel:
        if fmt.axis != 0:
            return None
        return dataclasses.replace(fmt, frac=tuple(fmt.frac[int(p)] for p in perm))
    return fmt


def _foldable(g: Graph, sh) -> bool:
    x = sh.inputs[0]
    conv = g.producer(x)
    if conv is None or conv.op != "conv2d" or len(conv.inputs) < 2 or x in g.outputs or len(g.consumers(x)) != 1:
        return False
    tx, ty = g.tensors[x], g.tensors[sh.outputs[0]]
    if not (isinstance(tx.fmt, QFormat) and tx.fmt.bits == 8 and not tx.fmt.per_channel and ty.fmt == tx.fmt):
        return False
    w = g.tensors[conv.inputs[1]]
    consts = [w] + ([g.tensors[conv.inputs[2]]] if len(conv.inputs) > 2 and conv.inputs[2] else [])
    if any(t.qdata is None or len(g.consumers(t.name)) != 1 for t in consts):
        return False
    if any(_permuted_fmt(t.fmt, np.arange(t.shape[0])) is None for t in consts):
        return False
    out_c, k_h, k_w, _ = w.shape
    in_c = g.tensors[conv.inputs[0]].shape[-1]
    groups = int(conv.attrs.get("groups", 1))
    return (groups > 1 and not groups == in_c == out_c and kpk.expand_pays(groups, k_h * k_w, in_c, out_c)
            and kpq.packed_k(k_h, k_w, in_c) <= kpk.PK_K)


def fold_channel_shuffles(graph: Graph, target: str = "generic") -> Graph:
    """The graph with each foldable channel shuffle folded into its producer (a copy; the same graph when none
    is, or on an Arm target)."""
    from ..compress.storage import Storage
    if str(target).startswith(("cortex", "arm")) or \
            any(t.is_const and Storage.of(t).kind != "dense" for t in graph.tensors.values()):
        return graph
    if not any(n.op == "channel_shuffle" and _foldable(graph, n) for n in graph.nodes):
        return graph
    g = graph.copy()
    for sh in [n for n in g.nodes if n.op == "channel_shuffle"]:
        if not _foldable(g, sh):
            continue
        x = sh.inputs[0]
        conv = g.producer(x)
        in_c = g.tensors[conv.inputs[0]].shape[-1]
        groups = int(conv.attrs["groups"])
        perm = shuffle_perm(g.tensors[x].shape[-1], int(sh.attrs["groups"]))
        w = g.tensors[conv.inputs[1]]
        g.tensors[w.name] = dataclasses.replace(
            w, shape=tuple(w.shape[:-1]) + (in_c,), fmt=_permuted_fmt(w.fmt, perm),
            qdata=kpk.expand_groups(w.qdata, groups, in_c)[perm],
            data=None if w.data is None else kpk.expand_groups(w.data, groups, in_c)[perm])
        if len(conv.inputs) > 2 and conv.inputs[2]:
            b = g.tensors[conv.inputs[2]]
            g.tensors[b.name] = dataclasses.replace(
                b, fmt=_permuted_fmt(b.fmt, perm), qdata=np.asarray(b.qdata)[perm],
                data=None if b.data is None else np.asarray(b.data)[perm])
        conv.attrs = dict(conv.attrs, groups=1)
        conv.outputs = [sh.outputs[0]]
        g.nodes.remove(sh)
        del g.tensors[x]
    return g
