"""The native ``.nnc`` format: a zip (numpy .npz) holding ``graph.json``
(nodes, tensors, formats, attributes) and one array per constant.
"""
from __future__ import annotations

import io
import json
import zipfile

import numpy as np

from .formats import format_from_json
from .checker import check_graph
from .graph import Graph, GraphError, Node, Tensor

NNC_VERSION = 1


def _jsonable(v):
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, tuple):
        return [_jsonable(x) for x in v]
    if isinstance(v, list):
        return [_jsonable(x) for x in v]
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    return v


def _tuplify(v):
    return tuple(_tuplify(x) for x in v) if isinstance(v, list) else v


def save_graph(graph: Graph, path) -> None:
    arrays = {}
    tensors = []
    for i, t in enumerate(graph.tensors.values()):
        d = {"name": t.name, "shape": list(t.shape), "fmt": t.fmt.to_json(), "meta": _jsonable(t.meta)}
        if t.data is not None:
            arrays[f"d{i}"] = t.data
            d["data"] = f"d{i}"
        if t.qdata is not None:
            arrays[f"q{i}"] = t.qdata
            d["qdata"] = f"q{i}"
        tensors.append(d)
    doc = {"nnc_version": NNC_VERSION, "name": graph.name, "inputs": graph.inputs, "outputs": graph.outputs,
           "meta": _jsonable(graph.meta), "tensors": tensors,
           "nodes": [{"name": n.name, "op": n.op, "inputs": n.inputs, "outputs": n.outputs,
                      "attrs": _jsonable(n.attrs)} for n in graph.nodes]}
    # zip entries with a fixed date: the same graph gives the same bytes (reproducible output directories)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as za:
        for k, a in arrays.items():
            with za.open(_zinfo(k + ".npy"), "w", force_zip64=True) as f:
                np.lib.format.write_array(f, np.asanyarray(a), allow_pickle=False)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(_zinfo("graph.json"), json.dumps(doc, indent=1))
        z.writestr(_zinfo("arrays.npz"), buf.getvalue())


def _zinfo(name: str) -> zipfile.ZipInfo:
    zi = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    zi.compress_type = zipfile.ZIP_DEFLATED
    zi.external_attr = 0o644 << 16
    return zi


def load_graph(path) -> Graph:
    try:
        with zipfile.ZipFile(path) as z:
            doc = json.loads(z.read("graph.json"))
            arrays = np.load(io.BytesIO(z.read("arrays.npz")))
            arrays = {k: arrays[k] for k in arrays.files}
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, OSError, ValueError) as e:
        raise GraphError(f"{path}: not a valid .nnc file ({e})") from None
    if doc.get("nnc_version") != NNC_VERSION:
        raise GraphError(f"{path}: unsupported .nnc version {doc.get('nnc_version')}")
    g = Graph(doc["name"])
    g.inputs, g.outputs, g.meta = doc["inputs"], doc["outputs"], doc.get("meta", {})
    for d in doc["tensors"]:
        t = Tensor(d["name"], tuple(d["shape"]), format_from_json(d["fmt"]), meta=d.get("meta", {}))
        if "data" in d:
            t.data = arrays[d["data"]]
        if "qdata" in d:
            t.qdata = arrays[d["qdata"]]
        g.add_tensor(t)
    for d in doc["nodes"]:
        g.nodes.append(Node(d["name"], d["op"], d["inputs"], d["outputs"],
                            {k: _tuplify(v) for k, v in d["attrs"].items()}))
    return check_graph(g, "loading " + str(path))


Graph._writer = save_graph   # Graph.save writes through this module
