"""Post-training compression of float ONNX models: pruning and weight sharing (`nncodegen compress`).

The tools rewrite the weight initializers of a float ONNX model and write a float ONNX model again;
the compiler then finds the zeros and the shared values itself.  Nothing else in the model changes.

Weight layers are Conv (weight OIHW, output filters along axis 0), Gemm (B; output neurons along
axis 0 with transB=1, else axis 1) and MatMul whose second input is an initializer (K, N; neurons
along axis 1).  Biases are never pruned or shared (they are a small part of the bytes).

* **Magnitude pruning** (Han et al., "Learning both weights and connections", 2015): in every
  layer the ``round(frac * n)`` weights of smallest magnitude become exactly 0 (ties broken by
  position, so the count is exact; weights that were already 0 count among them).
* **Structured pruning** (Li et al., "Pruning filters for efficient ConvNets", 2017): in every layer
  but the last ones (layers from which no other weight layer can be reached: their neurons are the
  model's outputs), the ``round(frac * filters)`` output filters / neurons of smallest L1 norm are
  removed: their weights, their bias and, when a BatchNormalization follows directly, its scale
  and shift for that channel become 0, so the channel's output is exactly 0.  The model keeps its
  shapes; the next layer's weights reading the channel are left as they are.
* **Weight sharing** (Han et al., "Deep Compression", 2016): per layer, one-dimensional k-means
  over the layer's nonzero weights (pruned zeros stay 0 and are not clustered), each weight
  replaced by its centroid rounded to float32; a layer ends with at most K distinct values, 0
  included (K - 1 centroids when it has zeros), so a codebook of K entries (log2 K-bit indices)
  holds it.  Initialization: ``linear``
  (K values evenly spaced between the smallest and largest weight: what Deep Compression found
  best, because it keeps the few large weights) or ``kmeans++`` (D^2 sampling, numpy generator
  seeded with ``seed``).  Lloyd iterations until no assignment changes (at most ``max_iter``);
  a cluster left empty moves to the value farthest from its centroid (as scikit-learn does), so
  linear initialization does not lose clusters in the empty middle of a bimodal layer.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import numpy as np

from ..ir.graph import GraphError

# ops whose presence means the model is not a float model (quantized or binarized elsewhere)
QUANTIZED_OPS = {"QuantizeLinear", "DequantizeLinear", "QLinearConv", "QLinearMatMul", "QLinearAdd",
                 "ConvInteger", "MatMulInteger", "Quant", "BipolarQuant", "Trunc", "MultiThreshold"}
SHARE_INITS = ("linear", "kmeans++")
MAX_CLUSTERS = 65536


@dataclass
class WeightLayer:
    """One weight tensor of the ONNX graph and how its output channels lie."""
    node: str                    # ONNX node name (or its first output when unnamed)
    op: str                      # Conv, Gemm, MatMul
    weight: str                  # initializer name
    out_axis: int                # axis of the weight that indexes output filters / neurons
    bias: Optional[str] = None   # initializer holding the bias (Conv / Gemm input 2, MatMul's Add)
    batchnorm: Optional[Tuple[str, str]] = None  # (scale, shift) initializers of a BN right after
    last: bool = False           # no other weight layer downstream: its neurons are outputs


@dataclass
class LayerStats:
    name: str
    op: str
    shape: Tuple[int, ...]
    params: int
    zeros: int
    distinct_nonzero: int
    filters: int
    filters_removed: int = 0
    clusters: Optional[int] = None

    def row(self) -> Dict:
        return {"layer": self.name, "op": self.op, "shape": list(self.shape), "params": self.params,
                "zeros": self.zeros, "sparsity": self.zeros / self.params if self.params else 0.0,
                "distinct_nonzero_values": self.distinct_nonzero, "filters": self.filters,
                "filters_removed": self.filters_removed, "clusters": self.clusters}


@dataclass
class CompressResult:
    layers: List[LayerStats] = field(default_factory=list)
    settings: Dict = field(default_factory=dict)

    @property
    def params(self) -> int:
        return sum(l.params for l in self.layers)

    @property
    def zeros(self) -> int:
        return sum(l.zeros for l in self.layers)


# ------------------------------------------------------------------ the algorithms (numpy only)
def prune_magnitude(w: np.ndarray, frac: float) -> np.ndarray:
    """``w`` with its ``round(frac * w.size)`` smallest-magnitude entries set to 0 (exact count:
    a stable sort breaks ties by position)."""
    _check_frac(frac, "prune fraction")
    k = int(round(frac * w.size))
    flat = np.array(w, dtype=np.float32).reshape(-1)
    if k > 0:
        order = np.argsort(np.abs(flat), kind="stable")
        flat[order[:k]] = 0.0
    return flat.reshape(w.shape)


def filter_l1(w: np.ndarray, out_axis: int) -> np.ndarray:
    """L1 norm of every output filter / neuron."""
    axes = tuple(a for a in range(w.ndim) if a != out_axis)
    return np.abs(w.astype(np.float64)).sum(axis=axes)


def prune_filters(w: np.ndarray, frac: float, out_axis: int) -> Tuple[np.ndarray, np.ndarray]:
    """``w`` with its ``round(frac * filters)`` output filters of smallest L1 norm set to 0; also
    returns the indices of the removed filters (sorted)."""
    _check_frac(frac, "prune fraction")
    n = w.shape[out_axis]
    k = int(round(frac * n))
    order = np.argsort(filter_l1(w, out_axis), kind="stable")
    removed = np.sort(order[:k])
    w = np.array(w, dtype=np.float32)
    idx = [slice(None)] * w.ndim
    idx[out_axis] = removed
    w[tuple(idx)] = 0.0
    return w, removed


def _check_frac(frac: float, what: str) -> None:
    if not (0.0 <= frac < 1.0) or not np.isfinite(frac):
        raise GraphError(f"{what} {frac}: give a number in [0, 1)")


def kmeans_1d(values: np.ndarray, k: int, init: str = "linear", seed: int = 0,
              max_iter: int = 300) -> Tuple[np.ndarray, np.ndarray]:
    """One-dimensional k-means: (centroids (<= k, ascending, float64), label of every value).

    Assignment is to the nearest centroid (ties to the lower one), found by a binary search over
    the midpoints of the sorted centroids.
    """
    if init not in SHARE_INITS:
        raise GraphError(f"share init {init!r}: choose {' or '.join(SHARE_INITS)}")
    if not 1 <= k <= MAX_CLUSTERS:
        raise GraphError(f"clusters {k}: give 1..{MAX_CLUSTERS}")
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    if v.size == 0:
        return np.zeros(0), np.zeros(0, dtype=np.int64)
    uniq = np.unique(v)
    if uniq.size <= k:  # already at most k values: each is its own centroid
        return uniq, np.searchsorted(uniq, v)
    if init == "linear":
        c = np.linspace(v.min(), v.max(), k)
    else:
        c = _kmeanspp(v, k, np.random.default_rng(seed))
    c = np.sort(c)
    labels = None
    for _ in range(max_iter):
        new = _assign(v, c)
        if labels is not None and np.array_equal(new, labels):
            break
        labels = new
        sums = np.bincount(labels, weights=v, minlength=len(c))
        counts = np.bincount(labels, minlength=len(c))
        live = counts > 0
        c = c.copy()
        c[live] = sums[live] / counts[live]
        for j in np.flatnonzero(~live):  # an empty cluster moves to the value farthest from its centroid
            err = np.abs(v - c[labels])
            far = int(np.argmax(err))
            if err[far] == 0:
                break
            c[j] = v[far]
            labels = labels.copy()
            labels[far] = j
        order = np.argsort(c, kind="stable")  # means of ordered 1-D clusters stay ordered; be safe
        if not np.array_equal(order, np.arange(len(c))):
            c = c[order]
            labels = None
    labels = _assign(v, c)
    used = np.unique(labels)  # drop centroids nobody uses
    remap = np.full(len(c), -1, dtype=np.int64)
    remap[used] = np.arange(len(used))
    return c[used], remap[labels]


def _assign(v: np.ndarray, c: np.ndarray) -> np.ndarray:
    mids = (c[:-1] + c[1:]) / 2.0
    return np.searchsorted(mids, v, side="right").astype(np.int64) if len(c) > 1 else np.zeros(len(v), np.int64)


def _kmeanspp(v: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    c = [v[rng.integers(len(v))]]
    d2 = (v - c[0]) ** 2
    for _ in range(1, k):
        tot = d2.sum()
        if tot <= 0:
            break
        i = int(np.searchsorted(np.cumsum(d2), rng.random() * tot, side="right"))
        c.append(v[min(i, len(v) - 1)])
        d2 = np.minimum(d2, (v - c[-1]) ** 2)
    return np.array(c)


def share_clusters(w: np.ndarray, k: int) -> int:
    """Centroids for the nonzero weights of ``w`` so that it holds at most ``k`` values, 0 included:
    ``k - 1`` when ``w`` has zeros (a pruned layer), else ``k``."""
    return k - 1 if np.any(np.asarray(w) == 0) else k


def share_weights(w: np.ndarray, k: int, init: str = "linear", seed: int = 0) -> Tuple[np.ndarray, np.ndarray]:
    """``w`` with its nonzero entries replaced by the float32 centroids of a k-means over them (zeros stay
    0), at most ``k`` distinct values in all, 0 included; also returns the centroids (float32, ascending)."""
    w = np.array(w, dtype=np.float32)
    nz = w != 0
    cent, labels = kmeans_1d(w[nz], share_clusters(w, k), init=init, seed=seed)
    c32 = cent.astype(np.float32)
    w[nz] = c32[labels]
    return w, c32


def distinct_nonzero(w: np.ndarray) -> int:
    u = np.unique(w)
    return int(np.count_nonzero(u))


# ------------------------------------------------------------------ the ONNX side
def _node_name(n) -> str:
    return n.name or (n.output[0] if n.output else n.op_type)


def find_weight_layers(model) -> List[WeightLayer]:
    """The Conv / Gemm / MatMul nodes of ``model`` whose weight is an initializer."""
    g = model.graph
    inits = {t.name: t for t in g.initializer}
    consumers: Dict[str, list] = {}
    for n in g.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    layers: List[WeightLayer] = []
    seen = set()
    for n in g.node:
        if n.op_type not in ("Conv", "Gemm", "MatMul") or len(n.input) < 2 or n.input[1] not in inits:
            continue
        wname = n.input[1]
        if wname in seen:  # one initializer read by two layers: compressed once
            continue
        seen.add(wname)
        dims = list(inits[wname].dims)
        if n.op_type == "Conv":
            axis = 0
        elif n.op_type == "Gemm":
            attrs = {a.name: a for a in n.attribute}
            if "transA" in attrs and attrs["transA"].i:
                continue  # the weight is then not B's neurons in a way we handle; leave it
            axis = 0 if ("transB" in attrs and attrs["transB"].i) else 1
        else:
            if len(dims) != 2:
                continue
            axis = 1
        if len(dims) < 2:
            continue
        bias = None
        if n.op_type in ("Conv", "Gemm") and len(n.input) > 2 and n.input[2] in inits:
            bias = n.input[2]
        nxt = consumers.get(n.output[0], [])
        if n.op_type == "MatMul" and len(nxt) == 1 and nxt[0].op_type == "Add":
            other = [i for i in nxt[0].input if i != n.output[0]]
            if other and other[0] in inits:
                bias = other[0]
                nxt = consumers.get(nxt[0].output[0], [])
        bn = None
        if len(nxt) == 1 and nxt[0].op_type == "BatchNormalization" and all(
                i in inits for i in nxt[0].input[1:3]):
            bn = (nxt[0].input[1], nxt[0].input[2])
        layers.append(WeightLayer(_node_name(n), n.op_type, wname, axis, bias, bn))
    # last layers: no other weight layer reachable downstream
    by_out = {}
    for n in g.node:
        for o in n.output:
            by_out[o] = n
    wnodes = {_node_name(n) for n in g.node if n.op_type in ("Conv", "Gemm", "MatMul")}
    for lay in layers:
        node = next(n for n in g.node if _node_name(n) == lay.node)
        stack, visited, reaches = list(node.output), set(), False
        while stack and not reaches:
            t = stack.pop()
            for c in consumers.get(t, []):
                if id(c) in visited:
                    continue
                visited.add(id(c))
                if _node_name(c) in wnodes:
                    reaches = True
                    break
                stack.extend(c.output)
        lay.last = not reaches
    return layers


def check_float_model(model, path: str) -> None:
    q = sorted({n.op_type for n in model.graph.node if n.op_type in QUANTIZED_OPS})
    if q:
        raise GraphError(f"{path}: not a float model (it has {', '.join(q)} nodes): compress takes float ONNX models")


def compress_onnx(model, prune: Optional[float] = None, structured: bool = False, share: Optional[int] = None,
                  init: str = "linear", seed: int = 0, path: str = "model") -> CompressResult:
    """Prune and / or share the weights of the float ONNX ``model`` in place; returns per-layer stats."""
    from onnx import numpy_helper
    check_float_model(model, path)
    if prune is None and share is None:
        raise GraphError("nothing to do: give --prune FRAC and / or --share K")
    if prune is not None:
        _check_frac(prune, "--prune")
    if share is not None and not 2 <= share <= MAX_CLUSTERS:
        raise GraphError(f"--share {share}: give a number of clusters in 2..{MAX_CLUSTERS}")
    if init not in SHARE_INITS:
        raise GraphError(f"--share-init {init!r}: choose {' or '.join(SHARE_INITS)}")
    layers = find_weight_layers(model)
    if not layers:
        raise GraphError(f"{path}: no Conv / Gemm / MatMul layer with an initializer weight: nothing to compress")
    inits = {t.name: t for t in model.graph.initializer}

    def get(name):
        a = numpy_helper.to_array(inits[name])
        if a.dtype != np.float32:
            raise GraphError(f"{path}: initializer {name!r} is {a.dtype}, not float32")
        return a

    def put(name, a):
        inits[name].CopyFrom(numpy_helper.from_array(np.ascontiguousarray(a, dtype=np.float32), name))

    res = CompressResult(settings={"prune": prune, "structured": structured, "share": share,
                                   "share_init": init if share else None, "seed": seed})
    for lay in layers:
        w = get(lay.weight)
        removed = np.zeros(0, dtype=np.int64)
        if prune is not None and prune > 0:
            if structured:
                if not lay.last:
                    w, removed = prune_filters(w, prune, lay.out_axis)
                    _zero_channels(lay, removed, get, put)
            else:
                w = prune_magnitude(w, prune)
        if share is not None:
            w, _ = share_weights(w, share, init=init, seed=seed)
        put(lay.weight, w)
        res.layers.append(LayerStats(lay.node, lay.op, tuple(w.shape), int(w.size), int(np.count_nonzero(w == 0)),
                                     distinct_nonzero(w), int(w.shape[lay.out_axis]), int(len(removed)), share))
    _mark(model, res.settings)
    return res


def _zero_channels(lay: WeightLayer, removed: np.ndarray, get, put) -> None:
    """The bias (and a following BatchNormalization's scale and shift) of removed channels -> 0."""
    if not len(removed):
        return
    names = ([lay.bias] if lay.bias else []) + (list(lay.batchnorm) if lay.batchnorm else [])
    for name in names:
        b = get(name).copy()
        if b.size == 1:  # a broadcast scalar bias cannot be zeroed per channel; leave it
            continue
        flat = b.reshape(-1)
        flat[removed] = 0.0
        put(name, flat.reshape(b.shape))


def _mark(model, settings: Dict) -> None:
    """Record what was done in the model's metadata (key nncodegen_compress)."""
    keep = [(p.key, p.value) for p in model.metadata_props if p.key != "nncodegen_compress"]
    del model.metadata_props[:]
    for k, v in keep + [("nncodegen_compress", json.dumps({k: v for k, v in settings.items() if v is not None}))]:
        model.metadata_props.add(key=k, value=v)


def layer_stats(model) -> List[LayerStats]:
    """Sparsity and distinct values of every weight layer of an ONNX model (nothing changed)."""
    from onnx import numpy_helper
    inits = {t.name: t for t in model.graph.initializer}
    out = []
    for lay in find_weight_layers(model):
        w = numpy_helper.to_array(inits[lay.weight])
        out.append(LayerStats(lay.node, lay.op, tuple(w.shape), int(w.size), int(np.count_nonzero(w == 0)),
                              distinct_nonzero(w), int(w.shape[lay.out_axis]),
                              int(np.count_nonzero(filter_l1(w, lay.out_axis) == 0))))
    return out


def format_stats(res: CompressResult) -> str:
    rows = [("layer", "op", "weights", "zeros", "sparsity", "filters removed", "distinct nonzero")]
    for l in res.layers:
        rows.append((l.name, l.op, f"{l.params:,}", f"{l.zeros:,}", f"{100.0 * l.zeros / l.params:.1f} %",
                     f"{l.filters_removed} / {l.filters}", f"{l.distinct_nonzero:,}"))
    tot = res.params
    rows.append(("total", "", f"{tot:,}", f"{res.zeros:,}", f"{100.0 * res.zeros / tot:.1f} %", "", ""))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
                     for r in rows)


# ------------------------------------------------------------------ accuracy through nncodegen
def accuracy(model_path: str, x: np.ndarray, labels: np.ndarray, scheme: str = "none",
             calib: Optional[np.ndarray] = None) -> float:
    """Top-1 accuracy of a model file: the float reference (scheme "none"), or the bit-exact simulator
    of the model quantized with ``calib`` (scheme q7 / q15 / int8)."""
    from .. import api
    g = api.load(model_path)
    if scheme == "none":
        y = api.reference(g, x)
    else:
        y = api.simulate(api.quantize(g, calib, scheme), x)
    return top1(y, labels)


def top1(y: np.ndarray, labels: np.ndarray) -> float:
    y = np.asarray(y).reshape(len(y), -1)
    lab = np.asarray(labels).reshape(-1)
    if len(lab) != len(y):
        raise GraphError(f"labels: {len(lab)} labels for {len(y)} outputs")
    return float(np.mean(np.argmax(y, axis=1) == lab))
