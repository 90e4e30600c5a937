"""Generation-time layout for q7 models on the packed targets (generic, x86): a channel shuffle whose input
comes only from a grouped convolution that lower_pk_q runs in its block-diagonal one-group form
(kernels_pk_s8.expand_pays) is folded into that convolution's output-channel order.

The shuffle moves whole channels: y[..., j] = x[..., perm[j]].  The convolution's one-group form computes every
output channel from its own weight row, bias and per-channel formats, so writing channel perm[j] at position j
is the same kernel with those rows permuted: conv2d_pk_q7 then writes the shuffled tensor itself, bit for bit
what conv2d_pk_q7 + transpose_q7 wrote, and the shuffle's copy goes.  The graph keeps its meaning (the node
becomes a one-group convolution with zeros outside each group, the float weights expanded the same way).

Arm targets keep the grouped conv2d_q7 (no expansion there), compressed weights stay as stored (built for ROM),
and a convolution whose output something else reads too stays as it is.

Affine int8 (QDQ) models the same way, with conv2d_pk_s8: their importer leaves a shuffle as the chain
Transpose(to NCHW) -> Reshape(N, g, C/g, H, W) -> Transpose(0, 2, 1, 3, 4) -> Reshape(N, C, H, W) ->
Transpose(to NHWC) in one format (the QuantizeLinear / DequantizeLinear pairs between them fold away), which
is first replaced, on every target, by the one channel_shuffle it computes (checked by running the chain on the
element indices): one copy instead of three, the same bytes."""
from __future__ import annotations

import dataclasses

import numpy as np

from ..ir.formats import AffineFormat, QFormat
from ..ir.graph import Graph, Node
from ..ref import float_ops
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
    if isinstance(fmt, AffineFormat) and isinstance(fmt.scale, tuple):
        if fmt.axis != 0:
            return None
        zp = fmt.zero_point
        return dataclasses.replace(fmt, scale=tuple(fmt.scale[int(p)] for p in perm),
                                   zero_point=tuple(zp[int(p)] for p in perm) if isinstance(zp, tuple) else zp)
    return fmt


def _act8(fmt) -> bool:
    """An 8-bit per-tensor activation format (q7 or affine int8)."""
    if isinstance(fmt, QFormat):
        return fmt.bits == 8 and not fmt.per_channel
    return isinstance(fmt, AffineFormat) and fmt.bits == 8 and fmt.signed and not isinstance(fmt.scale, tuple)


def _shuffle_chain(g: Graph, t0: Node):
    """(the nodes, groups) when t0 starts a chain of single-consumer transpose / reshape nodes in one format that
    ends on a tensor of t0's input shape and computes channel_shuffle(groups) of it; else None."""
    x = t0.inputs[0]
    tx = g.tensors[x]
    if len(tx.shape) != 4 or not _act8(tx.fmt) or tuple(t0.attrs.get("perm", ())) != (0, 3, 1, 2):
        return None
    nodes, cur = [t0], t0
    while True:
        y = cur.outputs[0]
        if g.tensors[y].fmt != tx.fmt:
            return None
        if len(nodes) > 1 and cur.op == "transpose" and tuple(g.tensors[y].shape) == tuple(tx.shape):
            break
        cons = g.consumers(y)
        if len(nodes) >= 6 or y in g.outputs or len(cons) != 1 or cons[0].op not in ("reshape", "transpose"):
            return None
        cur = cons[0]
        nodes.append(cur)
    c = tx.shape[-1]
    idx = np.arange(int(np.prod(tx.shape))).reshape(tx.shape)
    v = idx
    for n in nodes:
        v = getattr(float_ops, n.op)(n.attrs, v)
    for groups in range(2, c):
        if c % groups == 0 and np.array_equal(v.reshape(-1, c), idx.reshape(-1, c)[:, shuffle_perm(c, groups)]):
            return nodes, groups
    return None


def shuffles_from_chains(graph: Graph) -> Graph:
    """The graph with each transpose / reshape chain that computes a channel shuffle (_shuffle_chain) replaced by
    one channel_shuffle node (a copy; the same graph when there is none)."""
    if not any(n.op == "transpose" and _shuffle_chain(graph, n) for n in graph.nodes):
        return graph
    g = graph.copy()
    for t0 in [n for n in g.nodes if n.op == "transpose"]:
        if t0 not in g.nodes:
            continue
        found = _shuffle_chain(g, t0)
        if not found:
            continue
        nodes, groups = found
        mid = next((n for n in nodes[1:-1] if n.op == "transpose"), nodes[0])
        g.nodes[g.nodes.index(t0)] = Node(mid.name, "channel_shuffle", [t0.inputs[0]], [nodes[-1].outputs[0]],
                                          {"groups": groups})
        for n in nodes[1:]:
            g.nodes.remove(n)
        for n in nodes[:-1]:
            del g.tensors[n.outputs[0]]
    return g


def _foldable(g: Graph, sh) -> bool:
    x = sh.inputs[0]
    conv = g.producer(x)
    if conv is None or conv.op != "conv2d" or len(conv.inputs) < 2 or x in g.outputs or len(g.consumers(x)) != 1:
        return False
    tx, ty = g.tensors[x], g.tensors[sh.outputs[0]]
    if not (_act8(tx.fmt) and ty.fmt == tx.fmt):
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
    k_ok = (kpq.packed_k(k_h, k_w, in_c) if isinstance(tx.fmt, QFormat) else kpk.k4_of(k_h * k_w * in_c)) <= kpk.PK_K
    return groups > 1 and not groups == in_c == out_c and kpk.expand_pays(groups, k_h * k_w, in_c, out_c) and k_ok


def fold_channel_shuffles(graph: Graph, target: str = "generic") -> Graph:
    """The graph with each foldable channel shuffle folded into its producer (a copy; the same graph when none
    is, or on an Arm target)."""
    from ..compress.storage import Storage
    graph = shuffles_from_chains(graph)
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
