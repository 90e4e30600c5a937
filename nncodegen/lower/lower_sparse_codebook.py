"""Lowering of conv2d / dense layers stored "sparse_codebook" (``meta["storage"]``, passes/compress_weights.py;
layout: nncodegen/compress/sparse_codebook.py): the dense layer's call (lower_compress._dense_call: same
geometry, requantization or activation, accumulator width) with the weights replaced by the codebook, the
count and entries streams and their widths, and the kernel by ``<family>_sparse_codebook[_b16]_<format>``
(``_b16``: the int32 biases stored as int16, when the storage says ``bias_bits`` 16 and they fit).

Stored Huffman-coded (``huffman`` in the storage, --compress huffman): each of the count / entries streams that
codes smaller (compress/huffman_store.py) is a table and a coded stream, and the layer's calls are first
``huffman_decode_u8`` (its lookup tables in scratch) into a keyed arena Scratch (the uncoded stream's bytes),
then the same kernel reading the stream from there: its result, bit for bit, is the uncoded build's.
"""
from __future__ import annotations

from typing import List, Optional

import numpy as np

from ..compress import huffman_store
from ..compress import sparse_codebook as spcb
from ..compress.storage import Storage
from ..ir.graph import GraphError, Node
from ..ref.kernels_compress import conv_scratch_bytes
from ..ref.kernels_huff import huffman_decode_scratch_size_u8
from .lower_compress import _arr, _dense_call, f32_seq_channels
from .program import Call, Const, Scalar, Scratch


def encode_layer(w2: np.ndarray, st: Storage) -> spcb.SpCb:
    """The layout the storage entry describes (its delta width and codebook sharing)."""
    enc = spcb.encode(w2, st.delta_bits or None, st.per_channel)
    if enc is None:
        raise GraphError("more than 256 weight values in a codebook")
    return enc


def lower_node(ctx, node: Node) -> Optional[List[Call]]:
    if node.op not in ("conv2d", "dense") or len(node.inputs) < 2:
        return None
    wt = ctx.g.tensors[node.inputs[1]]
    meta = wt.meta.get("storage")
    if not meta or meta.get("kind") != "sparse_codebook":
        return None
    st = Storage(**meta)
    base = _dense_call(ctx, node)
    family = node.op
    fmt_sfx = base.kernel[len(family) + 1:]
    geom_p, epi, x, _w, bias, y = base.args
    is_f32 = fmt_sfx == "f32"
    ctype = "float" if is_f32 else wt.fmt.ctype
    vals = wt.data.astype(np.float32) if is_f32 else wt.qdata
    w2 = np.asarray(vals).reshape(wt.shape[0], -1)
    try:
        enc = encode_layer(w2, st)
    except GraphError as e:
        raise GraphError(f"node {node.name!r}: {e}") from None
    b16 = ""
    if st.bias_bits == 16 and bias is not None and not is_f32:
        bq = np.asarray(ctx.g.tensors[bias.tensor].qdata)
        if spcb.narrow_bias_bits(bq) != 16:
            raise GraphError(f"node {node.name!r}: biases outside int16 but stored as int16")
        bias = Const(f"{bias.tensor}_b16", _arr(bq, "int16_t"), "int16_t")
        b16 = "_b16"
    name = wt.name
    streams = {"count": Const(f"{name}_count", _arr(enc.count, "uint8_t"), "uint8_t"),
               "entries": Const(f"{name}_entries", _arr(enc.entries, "uint8_t"), "uint8_t")}
    decode = []
    if st.huffman:
        for key, coded in zip(("count", "entries"), huffman_store.spcb_streams(enc)):
            if coded is None:  # not smaller coded: stored as it is
                continue
            buf = Scratch(coded.out_bytes, "uint8_t", key=key)
            decode.append(Call(base.layer, base.op, "huffman_decode_u8",
                               [Const(f"{name}_{key}_htab", _arr(coded.table, "uint16_t"), "uint16_t"),
                                Const(f"{name}_{key}_huff", _arr(coded.coded, "uint8_t"), "uint8_t"),
                                Scalar(coded.coded.size), Scalar(coded.n), Scalar(coded.bits0), Scalar(coded.bits1),
                                Scalar(coded.out_bytes),
                                Scratch(huffman_decode_scratch_size_u8(coded.bits1), "uint16_t"), buf], base.output, f"{base.comment} ({key} stream Huffman-coded)"))
            streams[key] = buf
    wargs = [Const(f"{name}_codebook", _arr(enc.codebook, ctype), ctype), streams["count"], streams["entries"],
             Scalar(enc.cb_stride), Scalar(enc.count_bits), Scalar(enc.delta_bits), Scalar(enc.index_bits)]
    tail = []
    if family == "conv2d":
        g = geom_p.value
        if is_f32:
            tail.append(Scalar(f32_seq_channels(g)))
        elem = 4 if is_f32 else np.dtype(wt.fmt.np_dtype).itemsize
        tail.append(Scratch(conv_scratch_bytes(g, elem), ctype))
    kernel = f"{family}_sparse_codebook{b16}_{fmt_sfx}"
    args = [geom_p, epi, x] + wargs + [bias] + tail + [y]
    return decode + [Call(base.layer, base.op, kernel, args, base.output, base.comment, base.out_view)]
