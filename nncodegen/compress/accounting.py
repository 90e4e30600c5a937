"""Size accounting of compressed weights: stored bytes, Huffman-coded bytes, MACs skipped.

Huffman bytes are accounting only (as Deep Compression reports them): the code lengths of an optimal
prefix code for the symbols' frequencies are built in Python and sum(count * length) bits counted, plus
what is stored uncoded (row starts, the codebook).  The C stores the uncoded layout, except for sparse +
codebook layers compiled with --compress huffman (``huffman_stored``): their stored bytes are then the coded
streams with their decode tables (compress/huffman_store.py), and ``decode_scratch_bytes`` the arena they are
decoded into.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from . import sparse_cd_f32, sparse_f32, sparse_pr_s8
from .huffman import huffman_bits, huffman_cost, huffman_lengths  # noqa: F401 -- the last two re-exported
from .storage import Storage, encode_codebook, encode_sparse, encode_sparse_sliced, recover_buckets, sparse_layout


def _bytes(bits: int) -> int:
    return (bits + 7) // 8


def layer_compression(graph, node, target: str = "generic") -> Optional[dict]:
    """The "compression" entry of a conv2d / dense layer of report.json, or None for other layers (the stored layout
    of a sparse float fully connected layer depends on the target: sparse_f32.target_split, the class-delta layout of
    sparse_cd_f32 on the ARM targets; of an int8 one, sparse_pr_s8 on the ARM DSP targets)."""
    if node.op not in ("conv2d", "dense") or len(node.inputs) < 2:
        return None
    t = graph.tensors[node.inputs[1]]
    if not t.is_const:
        return None
    st = Storage.of(t)
    vals = t.qdata if t.qdata is not None else np.asarray(t.data, dtype=np.float32)
    if t.fmt.kind in ("binary", "ternary"):
        return None
    w2 = np.asarray(vals).reshape(t.shape[0], -1)
    e = w2.itemsize
    dense_bytes = w2.size * e
    out_n = int(np.prod(graph.tensors[node.outputs[0]].shape, dtype=np.int64))
    pixels = out_n // max(1, t.shape[0])
    nnz = int(np.count_nonzero(w2))
    entry = {"storage": st.kind, "dense_bytes": int(dense_bytes), "density": round(nnz / max(1, w2.size), 6),
             "macs_skipped": 0}
    f32_fc = node.op == "dense" and w2.dtype == np.float32
    split = sparse_f32.target_split(w2.shape[1], target) if f32_fc else None
    cd = None   # the ARM targets' class-delta layout (lower_compress: the delta layout past its uint16 counts)
    if st.kind == "sparse" and f32_fc and split is None:
        try:
            cd = sparse_cd_f32.encode(w2, w2.shape[1] - w2.shape[1] % 8)
        except ValueError:
            cd = None
    pr_s8 = (st.kind == "sparse" and node.op == "dense" and w2.dtype == np.int8 and t.fmt.kind == "affine"
             and sparse_pr_s8.target_uses(target))
    if pr_s8:   # the ARM DSP targets' pair-run layout (lower_compress)
        cnt, ix, v = sparse_pr_s8.encode(w2)
        entry["stored_bytes"] = int(cnt.nbytes + ix.nbytes + v.nbytes + 4 * w2.shape[0])  # + wsum
        entry["huffman_bytes"] = int(cnt.nbytes + 4 * w2.shape[0] + _bytes(huffman_bits(v) + huffman_bits(ix)))
        entry["macs_skipped"] = int((w2.size - nnz) * pixels)
        entry["entries"] = int(v.size)
    elif st.kind == "sparse" and split is not None:
        steps, ix, v, rows = sparse_f32.encode(w2, split)
        entry["stored_bytes"] = int(steps.nbytes + ix.nbytes + v.nbytes + rows.nbytes)
        entry["huffman_bytes"] = int(steps.nbytes + rows.nbytes + _bytes(huffman_bits(v) + huffman_bits(ix)))
        entry["macs_skipped"] = int((w2.size - nnz) * pixels)
        entry["entries"] = int(v.size)
    elif st.kind == "sparse" and cd is not None:
        cnt, v, d = cd
        entry["stored_bytes"] = int(cnt.nbytes + v.nbytes + d.nbytes)
        entry["huffman_bytes"] = int(cnt.nbytes + _bytes(huffman_bits(v) + huffman_bits(d)))
        entry["macs_skipped"] = int((w2.size - nnz) * pixels)
        entry["entries"] = int(v.size)
    elif st.kind == "sparse" and sparse_layout(node.op, w2.dtype) == "sliced":
        steps, cnt, ix, v = encode_sparse_sliced(w2)
        entry["stored_bytes"] = int(steps.nbytes + cnt.nbytes + ix.nbytes + v.nbytes + 4 * w2.shape[0])  # + wsum
        entry["huffman_bytes"] = int(steps.nbytes + cnt.nbytes + 4 * w2.shape[0] +
                                     _bytes(huffman_bits(v) + huffman_bits(ix)))
        entry["macs_skipped"] = int((w2.size - nnz) * pixels)
        entry["entries"] = int(v.size)
    elif st.kind == "sparse":
        rs, v, d = encode_sparse(w2)
        entry["stored_bytes"] = int(rs.nbytes + v.nbytes + d.nbytes)
        entry["huffman_bytes"] = int(rs.nbytes + _bytes(huffman_bits(v) + huffman_bits(d)))
        entry["macs_skipped"] = int((w2.size - nnz) * pixels)
        entry["entries"] = int(v.size)
    elif st.kind == "codebook":
        cb, packed, bits, k, pc = encode_codebook(w2, st.per_channel)
        from .storage import unpack_bits
        idx = unpack_bits(packed, bits, w2.size)
        entry.update(codebook_values=int(k), index_bits=int(bits), per_channel=bool(pc),
                     stored_bytes=int(cb.size * e + packed.size),
                     huffman_bytes=int(cb.size * e + _bytes(huffman_bits(idx))))
    elif st.kind == "sparse_codebook":
        from .sparse_codebook import encode, huffman_bytes
        enc = encode(w2, st.delta_bits or None, st.per_channel)
        entry.update(codebook_values=int(enc.values), index_bits=int(enc.index_bits), delta_bits=int(enc.delta_bits),
                     count_bits=int(enc.count_bits), per_channel=bool(enc.per_channel), entries=int(enc.n_entries),
                     stored_bytes=enc.stored_bytes, huffman_bytes=huffman_bytes(enc),
                     macs_skipped=int((w2.size - nnz) * pixels))
        if st.huffman:  # the streams stored Huffman-coded (what codes smaller), decoded into arena scratch
            from . import huffman_store
            entry.update(huffman_stored=True, stored_bytes=huffman_store.stored_bytes(enc),
                         decode_scratch_bytes=huffman_store.scratch_bytes(enc))
        if st.bias_bits == 16 and len(node.inputs) > 2:  # the biases stored as int16 (the kernels' _b16 variants)
            nb = int(np.asarray(graph.tensors[node.inputs[2]].qdata).size)
            entry.update(bias_bits=16, bias_bytes_saved=2 * nb)
    elif st.kind == "hashed":
        b = recover_buckets(w2, st.buckets, st.seed, st.sign)
        entry.update(buckets=int(st.buckets), stored_bytes=int(b.size * e), huffman_bytes=_bytes(huffman_bits(b)))
    else:
        entry.update(stored_bytes=int(dense_bytes), huffman_bytes=_bytes(huffman_bits(w2)))
    return entry


def totals(layers) -> dict:
    ent = [l["compression"] for l in layers if l.get("compression")]
    return {"dense_weight_bytes": int(sum(c["dense_bytes"] for c in ent)),
            "stored_weight_bytes": int(sum(c["stored_bytes"] for c in ent)),
            "huffman_bytes": int(sum(c["huffman_bytes"] for c in ent)),
            "macs_skipped": int(sum(c["macs_skipped"] for c in ent)),
            "compressed_layers": int(sum(c["storage"] != "dense" for c in ent))}


def compression_table(report: dict) -> str:
    """Markdown table of the conv / dense layers' storage (report.md, `nncodegen report`)."""
    from ..codegen.sanitize import md_cell
    hdr = ["layer", "storage", "density / codebook", "dense B", "stored B", "Huffman B", "MACs skipped"]
    rows = []
    for l in report["layers"]:
        c = l.get("compression")
        if not c:
            continue
        detail = (f"{c['codebook_values']} values, {c['index_bits']}-bit" if c["storage"] == "codebook" else
                  f"{100 * c['density']:.1f} %, {c['codebook_values']} values, {c['delta_bits']}+{c['index_bits']}-bit"
                  + (", int16 bias" if c.get("bias_bits") == 16 else "")
                  + (", Huffman-stored" if c.get("huffman_stored") else "") if c["storage"] == "sparse_codebook" else
                  f"{c['buckets']} buckets" if c["storage"] == "hashed" else f"{100 * c['density']:.1f} %")
        rows.append([md_cell(l["name"][:28]), c["storage"], detail, f"{c['dense_bytes']:,}", f"{c['stored_bytes']:,}",
                     f"{c['huffman_bytes']:,}", f"{c['macs_skipped']:,}"])
    if not rows:
        return ""
    t = report["compression_totals"]
    rows.append(["total", "", "", f"{t['dense_weight_bytes']:,}", f"{t['stored_weight_bytes']:,}",
                 f"{t['huffman_bytes']:,}", f"{t['macs_skipped']:,}"])
    widths = [max(len(r[k]) for r in rows + [hdr]) for k in range(len(hdr))]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"  # noqa: E731
    return "\n".join([line(hdr), "|" + "|".join("-" * (w + 2) for w in widths) + "|"] + [line(r) for r in rows])
