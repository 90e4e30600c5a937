"""Choose the storage of every conv2d / dense weight tensor: dense, sparse, codebook, sparse + codebook or hashed.

Runs after quantization (the number formats must be known: storage is sized in the weight's own
element type, and sparsity and shared values are seen in the quantized integers), before lowering;
``nncodegen compile`` runs it with ``--compress`` (default ``auto``).  Pure: returns a new graph whose
weight tensors carry ``meta["storage"]`` (see nncodegen/compress/__init__.py); lowering dispatches on it.

``huffman``: the choice of ``auto``, with every sparse + codebook layer's count / entries streams stored
Huffman-coded (compress/huffman_store.py) and decoded into arena scratch at run time.

Per layer: the request of the config (``layers[node name]``), else the tensor's own
``meta["storage_request"]``, else ``mode``.  ``none`` is dense everywhere and removes every storage
entry, so the generated C is byte-identical to a build that never ran this pass.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Dict, Optional

import numpy as np

from ..compress import sparse_f32
from ..compress.storage import (REQUESTS, Storage, encode_codebook, recover_buckets, sliced_bytes, sparse_entries,
                                sparse_layout)
from ..compress import sparse_codebook as spcb
from ..ir.checker import check_graph
from ..ir.graph import Graph, GraphError

MODES = ("auto", "none", "sparse", "codebook", "sparse_codebook", "huffman")
AUTO_MAX_RATIO = 0.8     # auto takes a compressed kind only if it stores <= 80 % of the dense bytes
# ... and sparse only at densities where its kernel was measured not slower than the dense one, on
# both the x86 host (benchmarks/bench_compress.py, -O3 -march=native: AVX-512 VBMI / VNNI dense sparse
# path, AVX2 / VNNI dense kernels) and Cortex-M4 (bench_compress.py --target cortex-m4: instructions
# under qemu): the largest density of the grid 1, .75, .5, .25, .1, .05 where the sparse kernel was at
# least as fast on both (the results are in benchmarks/results/compress_*.json).  Convolutions (the
# delta-index kernels) only break even on the host at 5 %.  The NEON targets (Cortex-A, no SIMD sparse path)
# have their own rule, SPARSE_MAX_DENSITY_NEON.  AUTO_MAX_RATIO binds before .5 for q7, q15 and s8 (their sliced
# layouts pass 80 % of the dense bytes near 30 % / 40 % density).
SPARSE_MAX_DENSITY = {
    ("dense", "q7"): 0.5,      # host 1.18x at .5 (1.07x at .75); M4 (SMLAD pair loop) 1.12x at .5, 1.95x at .25
    ("dense", "q15"): 0.5,     # host 1.38x at .5 (0.96x at .75); M4 (SMLALD pair loop) 1.05x at .5, 1.75x at .25
    ("dense", "s8"): 0.5,      # host 2.5x at .25, 1.3x at .5; M4 (pair-run layout) 1.22x at .5, 1.89x at .25
    ("dense", "f32"): 0.5,     # host (class-sliced, AVX-512) 1.21x at .5 (1.02x at .75); M4 (class-delta) 1.38x at .5
    ("conv2d", "q7"): 0.05, ("conv2d", "q15"): 0.05, ("conv2d", "s8"): 0.05, ("conv2d", "f32"): 0.0,
}
# Targets with NEON (cortex-a*, armv7-a): the sparse loops are scalar against vectorised dense kernels; on
# Cortex-A53 (qemu instructions, 512 x 512) sparse fully connected layers break even only near 10 % (f32 1.35x,
# q15 1.37x, q7 0.95x at .1; 0.31x / 0.43x / 0.28x at .5): 10 % for q15 / f32, 5 % for q7 / s8 (q7 is 0.95x at
# 10 %, s8 not measured there and takes q7's rule), 5 % for convolutions as elsewhere.
SPARSE_MAX_DENSITY_NEON = {
    ("dense", "q7"): 0.05, ("dense", "q15"): 0.1, ("dense", "s8"): 0.05, ("dense", "f32"): 0.1,
    ("conv2d", "q7"): 0.05, ("conv2d", "q15"): 0.05, ("conv2d", "s8"): 0.05, ("conv2d", "f32"): 0.0,
}


def sparse_max_density(target: str = "generic") -> Dict:
    """The density rule of ``auto`` for a code-generation target (codegen/targets.py)."""
    from ..codegen.targets import target_info
    return SPARSE_MAX_DENSITY_NEON if "__ARM_NEON" in target_info(target).features else SPARSE_MAX_DENSITY


# ... and sparse + codebook for layers of shared weights only: at most 2**(element bits - SHARED_INDEX_MARGIN)
# values (q7: 64; codebook indices at least this many bits narrower than the weights), each standing for
# SHARED_MIN_USES nonzero weights or more on average (a small pruned-only layer has few values because it has
# few nonzeros: it is not shared, and keeps the speed rule of sparse).
SHARED_INDEX_MARGIN = 2
SHARED_MIN_USES = 4
LAYER_OPS = ("conv2d", "dense")


def weight_values(t) -> Optional[np.ndarray]:
    """The integers (or float32 values) the C stores for a weight tensor, or None for formats without
    compressed kernels (binary, ternary, 32-bit ...)."""
    f = t.fmt
    if f.kind == "float" and t.data is not None:
        return np.asarray(t.data, dtype=np.float32)
    if f.kind == "q" and f.bits in (8, 16) and t.qdata is not None:
        return np.asarray(t.qdata)
    if f.kind == "affine" and f.bits == 8 and f.signed and t.qdata is not None:
        return np.asarray(t.qdata)
    return None


def _has_kernels(g: Graph, node, t) -> bool:
    """Compressed kernels exist for q7 / q15 (weights as wide as the activations), affine int8 and float."""
    fo = g.tensors[node.outputs[0]].fmt
    fx = g.tensors[node.inputs[0]].fmt
    if t.fmt.kind == "float":
        return fo.kind == "float" and fx.kind == "float"
    if t.fmt.kind == "q":
        return fo.kind == "q" and fo.bits == t.fmt.bits and fx.kind == "q" and fx.bits == t.fmt.bits
    return fo.kind == "affine" and fo.bits == 8 and fx.kind == "affine" and fx.bits == 8 and fx.signed


def candidate_sizes(w2: np.ndarray, node_op: str = "conv2d") -> Dict[str, int]:
    """Stored bytes of each kind for rows w2 (out, K) of element size w2.itemsize (the layouts of
    nncodegen.compress.storage: sparse = row starts int32 + entries * (value + uint8 delta), or for
    integer fully connected layers the sliced layout (storage.sliced_bytes), for float ones the class-sliced
    layout of the generic / x86 targets (sparse_f32.stored_bytes); codebook = codebook entries + packed indices)."""
    out, k = w2.shape
    e = w2.itemsize
    if sparse_layout(node_op, w2.dtype) == "sliced":
        sparse = sliced_bytes(w2)
    elif node_op == "dense" and w2.dtype == np.float32:  # the generic / x86 layout (ARM targets store less)
        sparse = sparse_f32.stored_bytes(w2, sparse_f32.target_split(k))
    else:
        sparse = 4 * (out + 1) + sparse_entries(w2) * (e + 1)
    sizes = {"dense": out * k * e, "sparse": sparse}
    cb = encode_codebook(w2)
    if cb is not None:
        table, packed, _bits, _k, _pc = cb
        sizes["codebook"] = table.size * e + packed.size
    return sizes


def _fmt_key(t) -> str:
    """q7 / q15 / s8 / f32: the kernel format of a weight tensor (keys of SPARSE_MAX_DENSITY)."""
    f = t.fmt
    if f.kind == "float":
        return "f32"
    if f.kind == "affine":
        return "s8"
    return "q7" if f.bits == 8 else "q15"


def _uses(graph: Graph) -> Dict[str, int]:
    n: Dict[str, int] = {}
    for node in graph.nodes:
        for i in node.inputs:
            n[i] = n.get(i, 0) + 1
    return n


def sparse_codebook_storage(w2: np.ndarray, bias_q: Optional[np.ndarray] = None):
    """(Storage, stored bytes of the weights, bias bytes saved) of the sparse + codebook kind, or None when a
    codebook would need more than 256 values.  Integer biases that fit int16 are stored as int16
    (``bias_q``: the layer's int32 biases, None for float layers or shared bias tensors)."""
    enc = spcb.encode(w2)
    if enc is None:
        return None
    bias_bits, saved = 0, 0
    if bias_q is not None:
        bias_bits = spcb.narrow_bias_bits(bias_q)
        saved = int(np.asarray(bias_q).size) * (32 - bias_bits) // 8
    nnz = int(np.count_nonzero(w2))
    st = Storage("sparse_codebook", nnz=nnz, density=nnz / max(1, w2.size), bits=enc.index_bits, values=enc.values,
                 per_channel=enc.per_channel, delta_bits=enc.delta_bits, bias_bits=bias_bits)
    return st, enc.stored_bytes, saved


def choose(w2: np.ndarray, request: str, node_op: str, t, bias_q: Optional[np.ndarray] = None,
           target: str = "generic") -> Storage:
    size = w2.size
    if request == "dense" or size == 0:
        return Storage()
    if request == "hashed":
        h = t.meta.get("hashed")
        if node_op != "dense" or not h:
            raise GraphError(f"tensor {t.name!r}: hashed storage needs a dense layer imported with its buckets")
        b = recover_buckets(w2, len(h["buckets"]), int(h["seed"]), bool(h["sign"]))
        if b is None:
            raise GraphError(f"tensor {t.name!r}: the quantized weights are not sign * bucket[h] of one set of "
                             "buckets (quantize hashed layers with one format per tensor)")
        return Storage("hashed", buckets=len(h["buckets"]), seed=int(h["seed"]), sign=bool(h["sign"]))
    sizes = candidate_sizes(w2, node_op)
    nnz = int(np.count_nonzero(w2))
    sparse = Storage("sparse", nnz=nnz, density=nnz / size)
    codebook = None
    if "codebook" in sizes:
        _t, _p, bits, k, pc = encode_codebook(w2)
        codebook = Storage("codebook", bits=bits, values=k, per_channel=pc)
    spcb_st = sparse_codebook_storage(w2, bias_q)
    if request == "sparse":
        return sparse
    if request == "codebook":
        return codebook or Storage()
    if request == "sparse_codebook":
        return spcb_st[0] if spcb_st else Storage()
    if request == "sparse_codebook_huffman":
        return replace(spcb_st[0], huffman=True) if spcb_st else Storage()
    # auto: the smallest in stored bytes (sparse + codebook counted with the bias bytes it saves); sparse +
    # codebook only for shared weights (SHARED_INDEX_MARGIN, SHARED_MIN_USES), where a codebook kernel would run:
    # pruned-only layers keep the speed rule of sparse above
    best, best_bytes = Storage(), sizes["dense"]
    limit = AUTO_MAX_RATIO * sizes["dense"]
    fmt = _fmt_key(t)
    if (sparse.density <= sparse_max_density(target).get((node_op, fmt), 0.0) and sizes["sparse"] <= limit
            and sizes["sparse"] < best_bytes):
        best, best_bytes = sparse, sizes["sparse"]
    if codebook is not None and sizes["codebook"] <= limit and sizes["codebook"] < best_bytes:
        best, best_bytes = codebook, sizes["codebook"]
    if (spcb_st is not None and spcb_st[0].bits <= 8 * w2.itemsize - SHARED_INDEX_MARGIN
            and spcb_st[0].nnz >= SHARED_MIN_USES * (spcb_st[0].values - 1)
            and spcb_st[1] <= limit and spcb_st[1] - spcb_st[2] < best_bytes):
        best = spcb_st[0]
    if request == "huffman" and best.kind == "sparse_codebook":  # auto's choice, its streams stored coded
        best = replace(best, huffman=True)
    return best


def _int_bias(g: Graph, node, uses) -> Optional[np.ndarray]:
    """The layer's int32 biases when the layer alone reads them (candidates for int16 storage), else None."""
    if len(node.inputs) < 3:
        return None
    b = g.tensors[node.inputs[2]]
    if not b.is_const or uses.get(b.name, 0) != 1 or b.qdata is None or b.fmt.kind not in ("q", "affine"):
        return None
    q = np.asarray(b.qdata)
    return q if q.dtype == np.int32 else None


def compress_weights(graph: Graph, mode: str = "auto", layers: Optional[Dict[str, str]] = None,
                     target: str = "generic") -> Graph:
    """Choose each conv / dense layer's weight storage (``meta["storage"]``): ``mode`` for every layer,
    ``layers`` per node name; ``auto``'s speed rule is the ``target``'s (sparse_max_density)."""
    if mode not in MODES:
        raise GraphError(f"compress mode {mode!r}: choose one of {', '.join(MODES)}")
    layers = dict(layers or {})
    names = {n.name for n in graph.nodes}
    for name, req in layers.items():
        if name not in names:
            raise GraphError(f"compress_layers: no node named {name!r}")
        if req not in REQUESTS:
            raise GraphError(f"compress_layers[{name!r}] = {req!r}: choose one of {', '.join(REQUESTS)}")
    g = graph.copy()
    uses = _uses(g)
    for node in g.nodes:
        if node.op not in LAYER_OPS or len(node.inputs) < 2:
            continue
        t = g.tensors[node.inputs[1]]
        t.meta.pop("storage", None)
        if mode == "none":
            continue
        vals = weight_values(t)
        if vals is None or uses.get(t.name, 0) != 1 or not t.is_const or not _has_kernels(g, node, t):
            continue
        request = layers.get(node.name) or t.meta.get("storage_request") or mode
        if request == "auto" and mode != "auto" and node.name not in layers:
            request = mode
        st = choose(vals.reshape(vals.shape[0], -1), request, node.op, t, _int_bias(g, node, uses), target)
        if st.kind != "dense":
            t.meta["storage"] = st.to_meta()
    return check_graph(g, "compress_weights")
