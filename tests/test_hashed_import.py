"""HashedNets in ONNX: the ``nncodegen.HashedGemm`` node (nncodegen/compress/__init__.py) read by the ONNX
front end into a dense layer with hashed storage.  A small hand-made model (numpy buckets): the float
reference equals numpy's product with the virtual weights (hashed here independently of the package),
and the compiled C -- q7, q15 and float32 -- equals the simulator and the dense build bit for bit, storing
only the buckets.  Malformed nodes are refused with one line naming the node.
"""
from __future__ import annotations

import json

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import nncodegen
from nncodegen.passes.compress_weights import compress_weights

M32 = 0xFFFFFFFF


def hash32(seed: int, k: int) -> int:
    """The documented hash, in plain Python integers (independent of storage.nnc_hash32)."""
    h = (seed + k * 0x9E3779B1) & M32
    h ^= h >> 15
    h = (h * 0x85EBCA77) & M32
    h ^= h >> 13
    h = (h * 0xC2B2AE3D) & M32
    return h ^ (h >> 16)


def virtual_weights(buckets, out_f, in_f, seed, sign):
    w = np.zeros((out_f, in_f), dtype=np.float64)
    for o in range(out_f):
        for i in range(in_f):
            k = o * in_f + i
            s = -1.0 if sign and hash32(seed ^ 0x5BD1E995, k) & 1 else 1.0
            w[o, i] = s * float(buckets[hash32(seed, k) % len(buckets)])
    return w


LAYERS = [  # (in, out, buckets, seed, sign, bias)
    (24, 40, 17, 12345, 1, True),
    (40, 10, 9, 0xDEADBEEF, 0, False),
]


def hashed_model(path, layers=LAYERS, rng_seed=0, node_mutate=None):
    rng = np.random.default_rng(rng_seed)
    nodes, inits, params = [], [], []
    cur = "x"
    for j, (fi, fo, nb, seed, sign, bias) in enumerate(layers):
        bk = rng.uniform(-0.5, 0.5, nb).astype(np.float32)
        b = rng.uniform(-0.2, 0.2, fo).astype(np.float32) if bias else None
        inits.append(numpy_helper.from_array(bk, f"fc{j}.weight.hashed_buckets"))
        ins = [cur, f"fc{j}.weight.hashed_buckets"]
        if b is not None:
            inits.append(numpy_helper.from_array(b, f"fc{j}.bias"))
            ins.append(f"fc{j}.bias")
        out = f"h{j}"
        nodes.append(helper.make_node("HashedGemm", ins, [out], name=f"fc{j}", domain="nncodegen",
                                      in_features=fi, out_features=fo, seed=seed, sign=sign))
        params.append((bk, b, fi, fo, seed, sign))
        cur = out
        if j + 1 < len(layers):
            nodes.append(helper.make_node("Relu", [cur], [f"r{j}"], name=f"relu{j}"))
            cur = f"r{j}"
    if node_mutate:
        node_mutate(nodes[0])
    graph = helper.make_graph(nodes, "hashednet", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, layers[0][0]])],
                              [helper.make_tensor_value_info(cur, TensorProto.FLOAT, [1, layers[-1][1]])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("nncodegen", 1)])
    onnx.save(model, path)
    return params


def numpy_forward(params, x):
    h = x.astype(np.float64)
    for j, (bk, b, fi, fo, seed, sign) in enumerate(params):
        h = h @ virtual_weights(bk, fo, fi, seed, sign).T + (0 if b is None else b)
        if j + 1 < len(params):
            h = np.maximum(h, 0)
    return h


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    p = tmp_path_factory.mktemp("hashed") / "hashednet.onnx"
    params = hashed_model(p)
    x = np.random.default_rng(1).uniform(-1, 1, (48, LAYERS[0][0])).astype(np.float32)
    return p, params, x


def test_import_is_dense_with_hashed_request(model):
    p, params, x = model
    g = nncodegen.load(p)
    dense = [n for n in g.nodes if n.op == "dense"]
    assert len(dense) == 2
    for n, (bk, _b, fi, fo, seed, sign) in zip(dense, params):
        w = g.tensors[n.inputs[1]]
        assert w.shape == (fo, fi) and w.meta["storage_request"] == "hashed"
        assert w.meta["hashed"] == {"buckets": [float(v) for v in bk], "seed": seed, "sign": bool(sign)}
        assert np.array_equal(w.data, virtual_weights(bk, fo, fi, seed, sign).astype(np.float32))
    ref = nncodegen.reference(g, x)
    np.testing.assert_allclose(ref.reshape(len(x), -1), numpy_forward(params, x), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("scheme", ["q7", "q15", "none"])
def test_compiled_hashed_equals_simulator_and_dense(model, tmp_path, scheme):
    p, params, x = model
    g = nncodegen.load(p)
    gq = g if scheme == "none" else nncodegen.quantize(g, x[:32], scheme)
    gc = compress_weights(gq, "auto")
    ws = [gc.tensors[n.inputs[1]] for n in gc.nodes if n.op == "dense"]
    assert [w.meta["storage"]["kind"] for w in ws] == ["hashed", "hashed"]
    d = nncodegen.generate(gc, tmp_path / "h", name="hnet")
    src = (d / "hnet.c").read_text()
    assert src.count("dense_hashed_") >= 2
    rep = json.loads((d / "report.json").read_text())
    stored = [l["compression"]["stored_bytes"] for l in rep["layers"] if l.get("compression")]
    elem = 4 if scheme == "none" else (1 if scheme == "q7" else 2)
    assert stored == [len(pp[0]) * elem for pp in params]
    y_c = nncodegen.build(d).run(x)
    d_dense = nncodegen.generate(compress_weights(gq, "none"), tmp_path / "d", name="hnet")
    assert "dense_hashed_" not in (d_dense / "hnet.c").read_text()
    y_d = nncodegen.build(d_dense).run(x)
    if scheme == "none":  # the float dense build takes dense_pk_f32, whose summation order differs
        np.testing.assert_allclose(y_c, y_d, rtol=1e-6, atol=1e-6 * max(1.0, float(np.abs(y_d).max())))
    else:
        assert np.array_equal(y_c, y_d)
    if scheme == "none":
        np.testing.assert_allclose(y_c.reshape(len(x), -1), numpy_forward(params, x), rtol=1e-5, atol=1e-5)
    else:
        assert np.array_equal(y_c, nncodegen.simulate(gc, x))
        # the quantized model stays close to the float one
        np.testing.assert_allclose(y_c.reshape(len(x), -1), numpy_forward(params, x), atol=0.1)


def _attr(node, name, value):
    for a in node.attribute:
        if a.name == name:
            node.attribute.remove(a)
            break
    if value is not None:
        node.attribute.append(helper.make_attribute(name, value))


@pytest.mark.parametrize("mutate, words", [
    (lambda n: _attr(n, "seed", None), "seed is required"),
    (lambda n: _attr(n, "seed", 2 ** 32), "seed"),
    (lambda n: _attr(n, "sign", 2), "sign"),
    (lambda n: _attr(n, "in_features", 23), "X must be"),
    (lambda n: _attr(n, "colour", 1), "unknown attribute"),
    (lambda n: setattr(n, "op_type", "HashedConv"), "unsupported"),
])
def test_malformed_hashed_gemm_refused(tmp_path, mutate, words):
    p = tmp_path / "bad.onnx"
    hashed_model(p, node_mutate=mutate)
    with pytest.raises(nncodegen.GraphError) as e:
        nncodegen.load(p)
    msg = str(e.value)
    assert words in msg and "fc0" in msg and "\n" not in msg
