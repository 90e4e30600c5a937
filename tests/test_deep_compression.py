"""The trained models of examples/deep_compression: what train.py recorded holds for the shipped files, and
the compiler runs them (C == simulator, accuracy of the C)."""
import gzip
import json

import numpy as np
import onnx
import pytest

import nncodegen
from nncodegen.compress.tools import layer_stats, top1
from nncodegen.harness.cmodel import CModel
from nncodegen.ir.serialize import load_graph

from conftest import EXAMPLES

EX = EXAMPLES / "deep_compression"
MNIST = EXAMPLES / "mnist_cnn"
RESULTS = json.loads((EX / "results.json").read_text())


@pytest.fixture(scope="module")
def digits():
    return np.load(MNIST / "test_images.npy"), np.load(MNIST / "test_labels.npy")


def unpacked(name, tmp_path_factory):
    p = EX / name
    if name.endswith(".gz"):
        out = tmp_path_factory.mktemp("dc") / name[:-3]
        out.write_bytes(gzip.decompress(p.read_bytes()))
        return out
    return p


@pytest.mark.parametrize("arch", ["lenet300", "lenet5"])
@pytest.mark.parametrize("stage", ["pruned", "pruned_shared"])
def test_sparsity_and_shared_values(arch, stage, tmp_path_factory):
    plan = RESULTS[arch]["plan"]
    path = unpacked(f"{arch}_{stage}.onnx.gz", tmp_path_factory)
    stats = {s.name.split("/")[1]: s for s in layer_stats(onnx.load(str(path)))}
    assert sorted(stats) == sorted(plan["prune"])
    for layer, rate in plan["prune"].items():
        s = stats[layer]
        assert s.params - s.zeros == RESULTS[arch][stage]["layers"][layer]["nonzero"]
        assert s.zeros == round(rate * s.params), (layer, s.zeros, s.params)  # the exact per-layer rate
        if stage == "pruned_shared":
            assert s.distinct_nonzero + 1 <= 2 ** plan["bits"][layer], layer  # with 0: a bits-bit codebook
        else:
            assert s.distinct_nonzero > 2 ** plan["bits"][layer], layer


@pytest.mark.parametrize("arch", ["lenet300", "lenet5"])
@pytest.mark.parametrize("stage", ["dense", "pruned", "pruned_shared"])
def test_float_accuracy_as_trained(arch, stage, digits, tmp_path_factory):
    x, y = digits
    name = f"{arch}_{stage}.onnx" + ("" if stage == "dense" else ".gz")
    acc = top1(nncodegen.reference(nncodegen.load(str(unpacked(name, tmp_path_factory))), x), y)
    assert abs(acc - RESULTS[arch][stage]["accuracy"]) <= 0.001  # torch vs numpy float: one digit at most


def test_lenet5_pruned_shared_q7_compressed_c(digits, tmp_path, tmp_path_factory):
    """The compiler finds the zeros and shared values itself: compressed storage, C == simulator, and the
    q7 C within a point of the float model that was trained."""
    x, y = digits
    src = unpacked("lenet5_pruned_shared.onnx.gz", tmp_path_factory)
    out = tmp_path / "c"
    from nncodegen.cli import main
    assert main(["compile", str(src), "-o", str(out), "--quantize", "q7", "--calib", str(MNIST / "calib.npy"),
                 "--compress", "auto"]) == 0
    rep = json.loads((out / "report.json").read_text())
    assert rep["compression_totals"]["compressed_layers"] >= 3
    cm = CModel(out)
    yc = cm.run(x)
    g = load_graph(out / "model.nnc")  # the graph the C was generated from (storage chosen, formats fixed)
    assert np.array_equal(yc[:200], nncodegen.simulate(g, x[:200]))
    assert top1(yc, y) >= RESULTS["lenet5"]["dense"]["accuracy"] - 0.01


def test_binary_lenet5_c_equals_torch(digits, tmp_path):
    x, y = digits
    from nncodegen.cli import main
    out = tmp_path / "b"
    assert main(["compile", str(EX / "lenet5_binary.onnx"), "-o", str(out)]) == 0
    yc = CModel(out).run(x)
    ref = np.load(EX / "lenet5_binary_logits.npy")
    assert np.mean(np.argmax(yc, 1) == np.argmax(ref, 1)) == 1.0
    assert np.abs(yc - ref).max() < 1e-4 * np.abs(ref).max()
    assert top1(yc, y) == pytest.approx(RESULTS["binary"]["accuracy"], abs=1e-9)


@pytest.mark.parametrize("stem", ["lenet5_binary_w8", "bincnn_binary_w8"])
def test_binary_with_8bit_ends_c_equals_torch(digits, tmp_path, stem):
    """Binarized networks whose first and last layers keep 8-bit weights: the C (integer first layer with
    thresholds, binary middle, integer +-w sums in the last) gives torch's labels and logits; the sizes behind
    the Table-1 rows: the binary CNN >= 29x smaller than its float twin, LeNet-5 below (its 8-bit ends and one
    int32 threshold per channel)."""
    x, y = digits
    from nncodegen.cli import main
    out = tmp_path / "b"
    assert main(["compile", str(EX / f"{stem}.onnx"), "-o", str(out)]) == 0
    rep = json.loads((out / "report.json").read_text())
    kernels = [k for l in rep["layers"] for k in l["kernels"]]
    assert kernels[1].startswith("bconv2d_w8_q7_bits") and kernels[-1] == "bdense_bits_w8_f32"
    yc = CModel(out).run(x)
    ref = np.load(EX / f"{stem}_logits.npy")
    assert np.mean(np.argmax(yc, 1) == np.argmax(ref, 1)) == 1.0
    assert np.abs(yc - ref).max() < 1e-5 * np.abs(ref).max()
    assert top1(yc, y) == pytest.approx(RESULTS[stem]["accuracy"], abs=1e-9)
    fdense = {"lenet5_binary_w8": "lenet5_dense.onnx", "bincnn_binary_w8": "bincnn_float.onnx"}[stem]
    assert main(["compile", str(EX / fdense), "-o", str(tmp_path / "f"), "--compress", "none"]) == 0
    # against the float32 model (4 bytes a parameter), not the padded layouts its C would store
    ratio = json.loads((tmp_path / "f" / "report.json").read_text())["float_weight_bytes"] / rep["weight_bytes"]
    assert (ratio >= 29.0) == (stem == "bincnn_binary_w8"), ratio


def test_hashed_mlp_onnx(digits, tmp_path):
    """hashed_to_onnx.py writes the shipped model from the npz; nncodegen's float reference of the HashedGemm
    model equals the converter's numpy forward pass and has the accuracy torch measured."""
    import sys
    x, y = digits
    sys.path.insert(0, str(EX))
    try:
        from hashed_to_onnx import convert, numpy_forward
    finally:
        sys.path.remove(str(EX))
    convert(str(EX / "hashed_mlp.npz"), str(tmp_path / "h.onnx"))
    written = onnx.load(str(tmp_path / "h.onnx")).SerializeToString()
    assert written == onnx.load(str(EX / "hashed_mlp.onnx")).SerializeToString()
    ref = nncodegen.reference(nncodegen.load(str(EX / "hashed_mlp.onnx")), x[:300])
    assert np.abs(ref - numpy_forward(str(EX / "hashed_mlp.npz"), x[:300])).max() < 1e-4
    full = numpy_forward(str(EX / "hashed_mlp.npz"), x)
    assert top1(full, y) == pytest.approx(RESULTS["hashed"]["accuracy"], abs=0.001)
