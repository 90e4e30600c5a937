"""Lowering of conv2d / dense layers stored "sparse_codebook" (``meta["storage"]``, passes/compress_weights.py;
layout: nncodegen/compress/sparse_codebook.py): the dense layer's call (lower_compress._dense_call: same
geometry, requantization or activation, accumulator width) with the weights replaced by the codebook, the
count and entries streams and their widths, and the kernel by ``<family>_sparse_codebook[_b16]_<format>``
(``_b16``: the int32 biases stored as int16, when the storage says ``bias_bits`` 16 and they fit).

Stored Huffman-coded (``huffman`` in the storage, --compress huffman): each of the count / entries streams that
codes smaller (compress/huffman_store.py, its block tables counted) is a table, a coded stream and a block table,
and the layer runs in row blocks (``huffman_store.row_blocks``: the decoded bytes of a block at most
``BLOCK_BYTES``; a layer of one block decodes its streams whole by ``huffman_decode_u8``, no block tables, before
the kernel's one call): per block ``huffman_decode_block_u8`` (its lookup tables in a keyed scratch of the layer,
built by the first block's call and reused by the later ones) of each coded stream into a
keyed arena Scratch of one block's bytes, then the kernel's ``_rows_`` form over the block's rows (a stream
stored uncoded read from the block's first field): its result, bit for bit, is the uncoded build's, and the arena
holds one block, not the layer's streams.
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
    count_c = Const(f"{name}_count", _arr(enc.count, "uint8_t"), "uint8_t")
    entries_c = Const(f"{name}_entries", _arr(enc.entries, "uint8_t"), "uint8_t")
    params = [Scalar(enc.cb_stride), Scalar(enc.count_bits), Scalar(enc.delta_bits), Scalar(enc.index_bits)]
    codebook = Const(f"{name}_codebook", _arr(enc.codebook, ctype), ctype)
    tail = []
    if family == "conv2d":
        g = geom_p.value
        if is_f32:
            tail.append(Scalar(f32_seq_channels(g)))
        elem = 4 if is_f32 else np.dtype(wt.fmt.np_dtype).itemsize
        tail.append(Scratch(conv_scratch_bytes(g, elem), ctype))
    blocked = huffman_store.spcb_blocked(enc) if st.huffman else None
    if blocked is None or len(blocked.rows) == 1:  # uncoded, or decoded whole: one call of the kernel
        streams, decode = {"count": count_c, "entries": entries_c}, []
        for key, coded in (("count", blocked and blocked.count), ("entries", blocked and blocked.entries)):
            if coded:
                streams[key] = buf = Scratch(coded.out_bytes, "uint8_t", key=key)
                decode.append(Call(base.layer, base.op, "huffman_decode_u8",
                                   _coded_consts(name, key, coded) +
                                   [Scalar(coded.n), Scalar(coded.bits0), Scalar(coded.bits1), Scalar(coded.out_bytes),
                                    Scratch(huffman_decode_scratch_size_u8(coded.bits1), "uint16_t"), buf],
                                   base.output, f"{base.comment} ({key} stream Huffman-coded)"))
        kernel = f"{family}_sparse_codebook{b16}_{fmt_sfx}"
        args = [geom_p, epi, x, codebook, streams["count"], streams["entries"]] + params + [bias] + tail + [y]
        return decode + [Call(base.layer, base.op, kernel, args, base.output, base.comment, base.out_view)]
    return _blocks(base, blocked, enc, name, f"{family}_sparse_codebook_rows{b16}_{fmt_sfx}",
                   [geom_p, epi, x, codebook], count_c, entries_c, params + [bias], tail + [y])


def _coded_consts(name: str, key: str, c: huffman_store.Coded) -> list:
    """A coded stream's code table and codes as const arrays, and the codes' byte count (the decoders' first
    arguments)."""
    return [Const(f"{name}_{key}_htab", _arr(c.table, "uint16_t"), "uint16_t"),
            Const(f"{name}_{key}_huff", _arr(c.coded, "uint8_t"), "uint8_t"), Scalar(c.coded.size)]


def _blocks(base, bl: huffman_store.Blocked, enc: spcb.SpCb, name: str, kernel: str, head, count_c, entries_c,
            mid, tail) -> List[Call]:
    """Per row block: each coded stream's block decoded (huffman_decode_block_u8) into its keyed arena buffer, then
    the kernel's row-range form over the block's rows reading the buffers from bit 0 (a stream stored uncoded:
    the const stream from the block's first field)."""
    coded = {}
    for key, c in (("count", bl.count), ("entries", bl.entries)):
        if c is not None:
            coded[key] = (c, _coded_consts(name, key, c) +
                          [Const(f"{name}_{key}_blocks", _arr(c.blocks.reshape(-1), "uint32_t"), "uint32_t")],
                          Scratch(bl.block_bytes(key), "uint8_t", key=key))
    ebits = enc.delta_bits + enc.index_bits
    # the calls' work memory keyed too: one block for the layer (a call's own scratch would be planned per call)
    tail = [Scratch(a.nbytes, a.ctype, key="patch") if isinstance(a, Scratch) else a for a in tail]
    calls = []
    for i, (r0, r1) in enumerate(bl.rows):
        streams = []
        for key, const, at in (("count", count_c, r0 * enc.count_bits),
                               ("entries", entries_c, int(bl.first_entry[r0]) * ebits)):
            if key not in coded:
                streams.append((const, at))
                continue
            c, cargs, buf = coded[key]
            calls.append(Call(base.layer, base.op, "huffman_decode_block_u8",
                              cargs + [Scalar(i), Scalar(c.bits0), Scalar(c.bits1), Scalar(buf.nbytes),
                                       Scalar(int(i == 0)), Scratch(huffman_decode_scratch_size_u8(c.bits1), "uint16_t",
                                               key=f"{key}_lut"), buf],
                              base.output, f"{base.comment} ({key} stream Huffman-coded, rows {r0}..{r1 - 1})"))
            streams.append((buf, 0))
        (cs, c_at), (es, e_at) = streams
        calls.append(Call(base.layer, base.op, kernel,
                          head + [cs, es] + mid + [Scalar(r0), Scalar(r1), Scalar(c_at), Scalar(e_at)] + tail,
                          base.output, f"{base.comment} (rows {r0}..{r1 - 1})", (0, r0, r1)))
    return calls
