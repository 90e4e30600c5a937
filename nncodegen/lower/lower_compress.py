"""Lowering of conv2d / dense layers whose weights have compressed storage (``meta["storage"]``, set by
passes/compress_weights.py): the dense layer's call (same geometry, requantization or activation,
accumulator width), with the weight array replaced by its compressed encoding and the kernel by
``<family>_<storage>_<format>`` (e.g. ``conv2d_sparse_q7_wide``, ``dense_codebook_s8``,
``dense_hashed_f32``).  Dispatch happens here, never inside a kernel.

Float convolutions also get ``seq_channels`` (see conv2d_sparse_f32.h): the output channels that
conv2d_f32 sums in plain order, so that the compressed kernel sums in the dense kernel's order.  Sparse float fully
connected layers take dense_sparse_sl_f32 (compress/sparse_f32.py) on the generic and x86 targets, with the
``split`` of the dense kernel the layer would otherwise take (dense_f32 or dense_pk_f32), and a scratch; on the
ARM targets dense_sparse_cd_f32 (compress/sparse_cd_f32.py: each row's nonzeros grouped by dense_f32's partial sums),
with the same ``split``.  Sparse affine int8 fully connected layers take dense_sparse_s8 (the sliced layout), on the
ARM DSP targets (Cortex-M4 / M7) dense_sparse_pr_s8 (compress/sparse_pr_s8.py: adjacent nonzeros in pairs, read
through a scratch table of input pairs).
"""
from __future__ import annotations

from typing import List, Optional

import numpy as np

from ..compress import sparse_cd_f32, sparse_f32, sparse_pr_s8
from ..compress.storage import (Storage, encode_codebook, encode_sparse, encode_sparse_sliced, recover_buckets,
                                sliced_wsum, sparse_layout)
from ..ir.graph import GraphError, Node
from ..ref.kernels_compress import conv_scratch_bytes, direct_patch  # noqa: F401 -- the kernels' specification
from .params import ConvGeom
from .program import Call, Const, Param, Scalar, Scratch

CONV_SMALLK_F32 = 32   # NNC_CONV_SMALLK_F32 of conv2d_f32.c
CONV_PATCH_F32 = 128   # NNC_CONV_PATCH_F32


def f32_seq_channels(g: ConvGeom) -> int:
    """Output channels conv2d_f32 sums one product after the other (its small-K and depthwise paths);
    the others it sums with nnc_dot_f32 (1x1, patch) or per kernel row (generic path)."""
    kk = g.k_h * g.k_w * g.in_c
    if (g.k_h == 1 and g.k_w == 1 and g.pad_top == 0 and g.pad_left == 0 and g.groups == 1
            and (g.out_h - 1) * g.stride_h < g.in_h and (g.out_w - 1) * g.stride_w < g.in_w
            and (g.in_c > CONV_SMALLK_F32 or g.out_c < 8)):
        return 0
    if g.groups == 1 and kk <= CONV_SMALLK_F32 and g.out_c >= 8:
        return g.out_c - g.out_c % 8
    if g.in_c // g.groups == 1:
        return g.out_c
    return 0


def f32_order_is_dense(g: ConvGeom) -> bool:
    """True when the float compressed conv sums in conv2d_f32's order (not its generic path)."""
    if f32_seq_channels(g) == g.out_c:
        return True
    kk = g.k_h * g.k_w * g.in_c
    one_by_one = (g.k_h == 1 and g.k_w == 1 and g.pad_top == 0 and g.pad_left == 0 and g.groups == 1
                  and (g.out_h - 1) * g.stride_h < g.in_h and (g.out_w - 1) * g.stride_w < g.in_w)
    return one_by_one or (g.groups == 1 and kk <= CONV_PATCH_F32)


def f32_sliced_target(ctx) -> bool:
    """Float fully connected layers store the class-sliced layout (dense_sparse_sl_f32, an AVX-512 path) on the
    generic and x86 targets; the ARM targets the class-delta layout (dense_sparse_cd_f32), whose scalar loops keep
    the eight partial sums in registers and read no padding (sparse_f32.target_split mirrors this for the size
    accounting)."""
    return sparse_f32.target_split(1, getattr(ctx, "target", "generic")) is not None


def f32_dense_split(ctx, node: Node, k: int) -> int:
    """The ``split`` of dense_sparse_sl_f32: the summation order of the dense float kernel the layer would take
    (lower.py: dense_pk_f32, plain order, where it packs the weights; dense_f32's eight lane sums otherwise)."""
    from .lower import _packed_f32
    return sparse_f32.split_of(k, seq=_packed_f32(ctx, node, k))


def _dense_call_s8(ctx, node: Node) -> Call:
    """The plain conv2d_s8 / dense_s8 call (lower_s8's own choice may be a variant with a folded bias)."""
    from . import lower_s8 as l8
    from .params import DenseGeom
    from .program import Buf
    x, y = node.inputs[0], node.outputs[0]
    w, s_w = l8._weights(ctx, node)
    bias = l8._bias(ctx, node, l8._act(ctx, node, x).scale, s_w)
    if l8.accumulator_bound_s8(ctx, node) >= l8.ACC32:
        l8._fail(node, "the int32 accumulator could overflow for some input (weights too large or too many)")
    rq = l8._mac_requant(ctx, node, s_w)
    xs = ctx.shape(x)
    if node.op == "dense":
        geom, kernel = DenseGeom(xs[0], xs[1], w.shape[0]), "dense_s8"
    else:
        ys, a = ctx.shape(y), node.attrs
        geom = ConvGeom(xs[0], xs[1], xs[2], xs[3], ys[1], ys[2], ys[3], w.shape[1], w.shape[2], a["strides"][0],
                        a["strides"][1], a["pads"][0], a["pads"][1], a["dilations"][0], a["dilations"][1],
                        a["groups"])
        kernel = "conv2d_s8"
    return Call(node.name, node.op, kernel, [Param(geom), Param(rq), Buf(x), Const(w.name), bias, Buf(y)], y)


def _dense_call(ctx, node: Node) -> Call:
    """The plain (unpacked) kernel call of the layer: its arguments are what the compressed kernels take,
    with the weights replaced (lower.py may choose a packed float variant, whose weights are rearranged)."""
    from ..ir.formats import AffineFormat
    from .lower import _conv_geom, _mac_args, _mac_kernel
    from .params import DenseGeom
    if isinstance(ctx.g.tensors[node.outputs[0]].fmt, AffineFormat):
        return _dense_call_s8(ctx, node)
    if node.op == "dense":
        x, w = ctx.shape(node.inputs[0]), ctx.shape(node.inputs[1])
        geom = DenseGeom(x[0], x[1], w[0])
    else:
        geom = _conv_geom(ctx, node)
    return Call(node.name, node.op, _mac_kernel(ctx, node, node.op), _mac_args(ctx, node, geom), node.outputs[0])


def _arr(vals, ctype: str) -> tuple:
    if ctype == "float":
        return tuple(float(v) for v in np.asarray(vals, dtype=np.float32).reshape(-1))
    return tuple(int(v) for v in np.asarray(vals).reshape(-1))


def lower_node(ctx, node: Node) -> Optional[List[Call]]:
    if node.op not in ("conv2d", "dense") or len(node.inputs) < 2:
        return None
    wt = ctx.g.tensors[node.inputs[1]]
    meta = wt.meta.get("storage")
    if not meta or meta.get("kind", "dense") == "dense":
        return None
    st = Storage(**meta)
    base = _dense_call(ctx, node)
    family = node.op
    fmt_sfx = base.kernel[len(family) + 1:]
    kernel = f"{family}_{st.kind}_{fmt_sfx}"
    geom_p, epi, x, wconst, bias, y = base.args
    g = geom_p.value
    is_f32 = fmt_sfx == "f32"
    ctype = "float" if is_f32 else wt.fmt.ctype
    vals = (wt.data.astype(np.float32) if is_f32 else wt.qdata)
    w2 = np.asarray(vals).reshape(wt.shape[0], -1)
    name = wt.name
    sl_f32 = st.kind == "sparse" and family == "dense" and is_f32 and f32_sliced_target(ctx)
    cd_f32 = None   # the ARM targets' class-delta encoding (the delta layout only past its uint16 counts)
    if st.kind == "sparse" and family == "dense" and is_f32 and not sl_f32:
        try:
            cd_f32 = sparse_cd_f32.encode(w2, f32_dense_split(ctx, node, g.in_features))
        except ValueError:
            cd_f32 = None
    pr_s8 = (st.kind == "sparse" and family == "dense" and fmt_sfx == "s8"
             and sparse_pr_s8.target_uses(getattr(ctx, "target", "generic")))
    if pr_s8:
        kernel = "dense_sparse_pr_s8"
        cnt, ix, v = sparse_pr_s8.encode(w2)
        wargs = [Const(f"{name}_count", _arr(cnt, "uint8_t"), "uint8_t"), Const(f"{name}_index", _arr(ix, "uint8_t"),
                                                                                "uint8_t"),
                 Const(f"{name}_values", _arr(v, ctype), ctype),
                 Const(f"{name}_wsum", _arr(sliced_wsum(w2), "int32_t"), "int32_t")]
    elif sl_f32:
        kernel = "dense_sparse_sl_f32"
        split = f32_dense_split(ctx, node, g.in_features)
        steps, ix, v, rows = sparse_f32.encode(w2, split)
        wargs = [Const(f"{name}_steps", _arr(steps, "uint8_t"), "uint8_t"),
                 Const(f"{name}_index", _arr(ix, "uint8_t"), "uint8_t"),
                 Const(f"{name}_values", _arr(v, ctype), ctype, align64=True),   # one 64-byte load a step
                 Const(f"{name}_rows", _arr(rows, "int32_t"), "int32_t")]
    elif cd_f32 is not None:
        kernel = "dense_sparse_cd_f32"
        split = f32_dense_split(ctx, node, g.in_features)
        cnt, v, d = cd_f32
        wargs = [Const(f"{name}_count", _arr(cnt, "uint16_t"), "uint16_t"),
                 Const(f"{name}_values", _arr(v, ctype), ctype), Const(f"{name}_delta", _arr(d, "uint8_t"), "uint8_t")]
    elif st.kind == "sparse" and sparse_layout(family, w2.dtype) == "sliced":
        steps, cnt, ix, v = encode_sparse_sliced(w2)
        wargs = [Const(f"{name}_steps", _arr(steps, "uint8_t"), "uint8_t"), Const(f"{name}_count", _arr(cnt, "uint8_t"),
                                                                                  "uint8_t"),
                 Const(f"{name}_index", _arr(ix, "uint8_t"), "uint8_t"), Const(f"{name}_values", _arr(v, ctype), ctype),
                 Const(f"{name}_wsum", _arr(sliced_wsum(w2), "int32_t"), "int32_t")]
    elif st.kind == "sparse":
        rs, v, d = encode_sparse(w2)
        wargs = [Const(f"{name}_rows", _arr(rs, "int32_t"), "int32_t"), Const(f"{name}_values", _arr(v, ctype), ctype),
                 Const(f"{name}_delta", _arr(d, "uint8_t"), "uint8_t")]
    elif st.kind == "codebook":
        enc = encode_codebook(w2, st.per_channel)
        if enc is None:
            raise GraphError(f"node {node.name!r}: more than 256 weight values, no codebook")
        cb, packed, bits, _k, pc = enc
        wargs = [Const(f"{name}_codebook", _arr(cb, ctype), ctype), Const(f"{name}_index", _arr(packed, "uint8_t"),
                                                                            "uint8_t"),
                 Scalar(bits), Scalar((1 << bits) if pc else 0)]
    elif st.kind == "hashed":
        if family != "dense":
            raise GraphError(f"node {node.name!r}: hashed storage is for dense layers")
        b = recover_buckets(w2, st.buckets, st.seed, st.sign)
        if b is None:
            raise GraphError(f"node {node.name!r}: the weights are not those of the hashed buckets")
        wargs = [Const(f"{name}_buckets", _arr(b, ctype), ctype), Scalar(st.buckets), Scalar(st.seed, "uint32_t"),
                 Scalar(int(st.sign))]
    else:
        raise GraphError(f"node {node.name!r}: unknown storage {st.kind!r}")
    tail = []
    if sl_f32:
        tail += [Scalar(split), Scratch(4 * sparse_f32.scratch_floats(split), "float")]
    if cd_f32 is not None:
        tail.append(Scalar(split))
    if pr_s8:
        tail.append(Scratch(4 * g.in_features, "int32_t"))
    if family == "conv2d":
        if is_f32:
            tail.append(Scalar(f32_seq_channels(g)))
        elem = 4 if is_f32 else np.dtype(wt.fmt.np_dtype).itemsize
        tail.append(Scratch(conv_scratch_bytes(g, elem), ctype))
    args = [geom_p, epi, x] + wargs + [bias] + tail + [y]
    return [Call(base.layer, base.op, kernel, args, base.output, base.comment, base.out_view)]
