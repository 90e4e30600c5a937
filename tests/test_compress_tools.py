"""`nncodegen compress` and nncodegen.compress.tools: magnitude / structured pruning and k-means weight sharing
on float ONNX models (the compiler then finds the zeros and shared values itself)."""
import re

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import nncodegen
from nncodegen.compress.tools import (compress_onnx, find_weight_layers, kmeans_1d, prune_filters,
                                      prune_magnitude, share_weights, top1)
from nncodegen.ir.graph import GraphError
from nncodegen.ref.interpreter import run_float
from test_cli import assert_clean_error, nnc


def small_model(seed=0):
    """Conv 1->6 3x3 (+ BatchNormalization) -> Relu -> Flatten -> Gemm 96->20 (transB) -> Relu
    -> MatMul 20->10 + Add: three kinds of weight layer, the last one the output layer."""
    rng = np.random.default_rng(seed)
    inits = {
        "cw": rng.normal(0, 0.5, (6, 1, 3, 3)), "cb": rng.normal(0, 0.1, 6),
        "bn_s": rng.uniform(0.5, 1.5, 6), "bn_b": rng.normal(0, 0.2, 6), "bn_m": rng.normal(0, 0.1, 6),
        "bn_v": rng.uniform(0.5, 1.5, 6),
        "gw": rng.normal(0, 0.2, (20, 96)), "gb": rng.normal(0, 0.1, 20),
        "mw": rng.normal(0, 0.3, (20, 10)), "mb": rng.normal(0, 0.1, 10),
    }
    nodes = [
        helper.make_node("Conv", ["x", "cw", "cb"], ["c"], name="conv", pads=[0, 0, 0, 0]),
        helper.make_node("BatchNormalization", ["c", "bn_s", "bn_b", "bn_m", "bn_v"], ["bn"], name="bn"),
        helper.make_node("Relu", ["bn"], ["r"], name="relu"),
        helper.make_node("Flatten", ["r"], ["f"], name="flat"),
        helper.make_node("Gemm", ["f", "gw", "gb"], ["g"], name="fc1", transB=1),
        helper.make_node("Relu", ["g"], ["gr"], name="relu2"),
        helper.make_node("MatMul", ["gr", "mw"], ["m"], name="fc2"),
        helper.make_node("Add", ["m", "mb"], ["y"], name="fc2_bias"),
    ]
    graph = helper.make_graph(
        nodes, "small", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 6, 6])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])],
        [numpy_helper.from_array(v.astype(np.float32), k) for k, v in inits.items()])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m


def weights(model):
    return {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}


WEIGHTS = {"conv": ("cw", 0), "fc1": ("gw", 0), "fc2": ("mw", 1)}


def test_weight_layers_found():
    lays = {l.node: l for l in find_weight_layers(small_model())}
    assert sorted(lays) == ["conv", "fc1", "fc2"]
    assert (lays["conv"].weight, lays["conv"].out_axis, lays["conv"].bias) == ("cw", 0, "cb")
    assert lays["conv"].batchnorm == ("bn_s", "bn_b")
    assert (lays["fc1"].weight, lays["fc1"].out_axis, lays["fc1"].bias) == ("gw", 0, "gb")
    assert (lays["fc2"].weight, lays["fc2"].out_axis, lays["fc2"].bias) == ("mw", 1, "mb")
    assert [lays[n].last for n in ("conv", "fc1", "fc2")] == [False, False, True]


@pytest.mark.parametrize("frac", [0.0, 0.3, 0.5, 0.9, 0.999])
def test_prune_magnitude_exact(frac):
    rng = np.random.default_rng(1)
    w = rng.normal(size=(37, 11)).astype(np.float32)
    w[0, :5] = 0.125  # ties at the threshold: still an exact count
    w[1, :5] = -0.125
    p = prune_magnitude(w, frac)
    k = int(round(frac * w.size))
    assert np.count_nonzero(p == 0) == k
    kept = p != 0
    assert np.array_equal(p[kept], w[kept])  # survivors untouched
    if 0 < k < w.size:
        assert np.abs(w[~kept]).max() <= np.abs(w[kept]).min()  # the smallest magnitudes went


def test_cli_prune_reaches_sparsity_exactly(tmp_path):
    src, out = tmp_path / "m.onnx", tmp_path / "new" / "p.onnx"  # the output's folder is made
    onnx.save(small_model(), src)
    r = nnc("compress", src, "-o", out, "--prune", "0.9")
    assert r.returncode == 0, r.stderr
    before, after = weights(onnx.load(src)), weights(onnx.load(out))
    for layer, (w, _) in WEIGHTS.items():
        n = before[w].size
        assert np.count_nonzero(after[w] == 0) == round(0.9 * n), layer
        kept = after[w] != 0
        assert np.array_equal(after[w][kept], before[w][kept])
        assert re.search(rf"^{layer}\s+\w+\s+{n:,}\s+{round(0.9 * n):,}\s", r.stdout, re.M), r.stdout
    for b in ("cb", "gb", "mb", "bn_s", "bn_b", "bn_m", "bn_v"):  # biases and batch norm untouched
        assert np.array_equal(after[b], before[b])
    assert "nncodegen_compress" in {p.key for p in onnx.load(out).metadata_props}
    g = nncodegen.load(str(out))  # the compiler reads the result as any float model
    assert g.tensors[g.outputs[0]].shape[-1] == 10


def test_structured_removes_whole_filters(tmp_path):
    m = small_model()
    before = weights(m)
    res = compress_onnx(m, prune=0.5, structured=True)
    after = weights(m)
    for layer, (w, axis) in WEIGHTS.items():
        l1 = np.abs(before[w]).sum(axis=tuple(a for a in range(before[w].ndim) if a != axis))
        zero = np.all(np.moveaxis(after[w], axis, 0).reshape(after[w].shape[axis], -1) == 0, axis=1)
        if layer == "fc2":  # the output layer keeps its neurons
            assert not zero.any() and np.array_equal(after[w], before[w])
            continue
        n = before[w].shape[axis]
        assert zero.sum() == round(0.5 * n)
        assert l1[zero].max() <= l1[~zero].min()  # smallest L1 norms removed
        keep = np.moveaxis(after[w], axis, 0)[~zero]
        assert np.array_equal(keep, np.moveaxis(before[w], axis, 0)[~zero])
    removed_conv = np.flatnonzero(np.all(after["cw"].reshape(6, -1) == 0, axis=1))
    for b in ("cb", "bn_s", "bn_b"):
        assert np.all(after[b][removed_conv] == 0)
    removed_fc1 = np.flatnonzero(np.all(after["gw"] == 0, axis=1))
    assert np.all(after["gb"][removed_fc1] == 0)
    assert [l.filters_removed for l in res.layers] == [3, 10, 0]
    # the removed channels output exactly 0 (float reference of the written model)
    path = tmp_path / "s.onnx"
    onnx.save(m, path)
    g = nncodegen.load(str(path))
    x = np.random.default_rng(2).normal(size=(4, 6, 6, 1)).astype(np.float32)
    _, tr = run_float(g, x, trace=True)
    conv_out = [v for k, v in tr.items() if v.ndim == 4 and v.shape[-1] == 6]
    assert conv_out and all(np.all(v[..., removed_conv] == 0) for v in conv_out)


def test_prune_filters_helper():
    w = np.arange(1, 25, dtype=np.float32).reshape(4, 6)  # neuron i has L1 growing with i along axis 0
    p, removed = prune_filters(w, 0.5, 0)
    assert list(removed) == [0, 1] and np.all(p[:2] == 0) and np.array_equal(p[2:], w[2:])
    p, removed = prune_filters(w, 0.5, 1)
    assert list(removed) == [0, 1, 2] and np.all(p[:, :3] == 0)


@pytest.mark.parametrize("k", [2, 4, 16])
def test_cli_share_at_most_k_values(tmp_path, k):
    src, out = tmp_path / "m.onnx", tmp_path / "s.onnx"
    onnx.save(small_model(), src)
    r = nnc("compress", src, "-o", out, "--share", str(k))
    assert r.returncode == 0, r.stderr
    before, after = weights(onnx.load(src)), weights(onnx.load(out))
    for layer, (w, _) in WEIGHTS.items():
        vals = np.unique(after[w])
        assert len(vals) <= k, (layer, len(vals))
        # each weight went to its nearest shared value
        near = vals[np.argmin(np.abs(before[w].reshape(-1, 1) - vals.reshape(1, -1)), axis=1)]
        assert np.array_equal(near, after[w].reshape(-1))


def test_prune_then_share_keeps_zeros(tmp_path):
    m = small_model()
    before = weights(m)
    compress_onnx(m, prune=0.75, share=8)
    after = weights(m)
    for layer, (w, _) in WEIGHTS.items():
        assert np.count_nonzero(after[w] == 0) == round(0.75 * before[w].size)
        assert len(np.unique(after[w])) <= 8  # 0 and at most 7 shared nonzero values: a 3-bit codebook
        assert len(np.unique(after[w])) >= 2
        # the pruned positions are the same as pruning alone gives
        assert np.array_equal(after[w] == 0, prune_magnitude(before[w], 0.75) == 0)


def test_kmeans_recovers_clusters_and_is_seeded():
    rng = np.random.default_rng(3)
    centres = np.array([-1.0, -0.2, 0.3, 2.0])
    v = np.concatenate([c + rng.normal(0, 0.01, 200) for c in centres])
    for init in ("linear", "kmeans++"):
        c, lab = kmeans_1d(v, 4, init=init, seed=5)
        assert np.allclose(c, centres, atol=0.01), (init, c)
        assert np.array_equal(lab, np.repeat(np.arange(4), 200))
    a = share_weights(v.astype(np.float32), 3, init="kmeans++", seed=7)[0]
    b = share_weights(v.astype(np.float32), 3, init="kmeans++", seed=7)[0]
    assert np.array_equal(a, b)
    w, cent = share_weights(np.array([0.0, 1.0, 1.0, 2.0], np.float32), 8)  # fewer values than K: unchanged
    assert np.array_equal(w, [0.0, 1.0, 1.0, 2.0]) and list(cent) == [1.0, 2.0]
    w, cent = share_weights(np.array([0.0, 1.0, 1.1, 2.0], np.float32), 3)  # 0 counts among the K values
    assert len(np.unique(w)) == 3 and w[0] == 0 and w[3] == 2.0 and w[1] == w[2]


def test_cli_reports_accuracy(tmp_path, examples_dir):
    ex = examples_dir / "mnist_cnn"
    x = np.load(ex / "test_images.npy")[::10]
    lab = np.load(ex / "test_labels.npy")[::10]
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "l.npy", lab)
    out = tmp_path / "p.onnx"
    r = nnc("compress", ex / "mnist_cnn.onnx", "-o", out, "--prune", "0.6", "--share", "8",
            "--inputs", tmp_path / "x.npy", "--labels", tmp_path / "l.npy")
    assert r.returncode == 0, r.stderr
    m = re.search(r"accuracy \(float reference\): before ([\d.]+) %, after ([\d.]+) %", r.stdout)
    assert m, r.stdout
    want_before = top1(nncodegen.reference(nncodegen.load(str(ex / "mnist_cnn.onnx")), x), lab)
    want_after = top1(nncodegen.reference(nncodegen.load(str(out)), x), lab)
    assert float(m.group(1)) == pytest.approx(100 * want_before, abs=0.005)
    assert float(m.group(2)) == pytest.approx(100 * want_after, abs=0.005)
    assert want_after != want_before  # 60 % pruning without retraining costs accuracy on this small CNN


def test_cli_reports_quantized_accuracy(tmp_path, examples_dir):
    ex = examples_dir / "mnist_cnn"
    np.save(tmp_path / "x.npy", np.load(ex / "test_images.npy")[::50])
    np.save(tmp_path / "l.npy", np.load(ex / "test_labels.npy")[::50])
    r = nnc("compress", ex / "mnist_cnn.onnx", "-o", tmp_path / "p.onnx", "--prune", "0.2",
            "--inputs", tmp_path / "x.npy", "--labels", tmp_path / "l.npy", "--calib", ex / "calib.npy")
    assert r.returncode == 0, r.stderr
    assert re.search(r"accuracy \(q7 simulator\): before [\d.]+ %, after [\d.]+ %", r.stdout), r.stdout


def test_bad_arguments_exit_2(tmp_path, examples_dir):
    src = tmp_path / "m.onnx"
    onnx.save(small_model(), src)
    out = tmp_path / "o.onnx"
    assert_clean_error(nnc("compress", src, "-o", out, "--prune", "1.5"), "--prune 1.5")
    assert_clean_error(nnc("compress", src, "-o", out, "--prune", "-0.1"), "--prune")
    assert_clean_error(nnc("compress", src, "-o", out, "--share", "1"), "--share 1")
    assert_clean_error(nnc("compress", src, "-o", out), "nothing to do")
    assert_clean_error(nnc("compress", src, "-o", out, "--prune", "0.5", "--labels", src), "--inputs and --labels")
    assert_clean_error(nnc("compress", tmp_path / "missing.onnx", "-o", out, "--prune", "0.5"), "missing.onnx")
    assert_clean_error(nnc("compress", src, "-o", tmp_path / "o.nnc", "--prune", "0.5"), "o.nnc")
    (tmp_path / "junk.onnx").write_bytes(b"not a protobuf at all \x00\xff")
    assert_clean_error(nnc("compress", tmp_path / "junk.onnx", "-o", out, "--prune", "0.5"), "junk.onnx")
    assert_clean_error(nnc("compress", src, "-o", out, "--prune", "0.5", "--inputs", tmp_path / "nope.npy",
                           "--labels", tmp_path / "nope.npy"), "nope.npy")
    qdq = examples_dir.parent / "tests" / "models" / "brevitas" / "int8act_int8w_linear.onnx"
    if qdq.exists():
        assert_clean_error(nnc("compress", qdq, "-o", out, "--prune", "0.5"), "not a float model")
    assert not out.exists()


def test_python_errors():
    with pytest.raises(GraphError, match="nothing to do"):
        compress_onnx(small_model())
    with pytest.raises(GraphError, match="prune fraction"):
        prune_magnitude(np.ones(4, np.float32), 1.0)


def test_help():
    r = nnc("compress", "--help")
    assert r.returncode == 0 and "usage" in r.stdout
    for opt in ("--prune", "--structured", "--share", "--inputs", "--labels", "--calib"):
        assert opt in r.stdout
