"""Write a trained HashedNets MLP (hashed_mlp.npz, from train.py) as ONNX with nncodegen's ``HashedGemm`` nodes.

    python examples/deep_compression/hashed_to_onnx.py hashed_mlp.npz hashed_mlp.onnx

The format is the one nncodegen/compress/__init__.py defines: a node ``HashedGemm`` in domain
``"nncodegen"`` (opset 1) with inputs ``X [N, in_features]``, ``buckets [B]`` (float initializer
named ``<W>.hashed_buckets``) and ``bias [out_features]``, attributes ``in_features``,
``out_features``, ``seed`` and ``sign`` (1 here); ``Y = X @ W.T + bias`` with the virtual weight
``W[o][i] = sign(o, i) * buckets[h(o, i)]``.  The graph: input (1, 1, 28, 28) -> Flatten ->
HashedGemm -> Relu -> HashedGemm -> Relu -> HashedGemm -> logits.

The npz holds, per layer i: ``buckets{i}`` (float32), ``bias{i}`` (float32), ``seed{i}`` and
``shape{i}`` = (in_features, out_features).  Needs numpy and onnx only.
"""
from __future__ import annotations

import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))

from nncodegen.compress.storage import hashed_matrix  # noqa: E402


def _layers(npz_path: str):
    z = np.load(npz_path)
    n = len([k for k in z.files if k.startswith("buckets")])
    for i in range(n):
        in_f, out_f = (int(v) for v in z[f"shape{i}"])
        yield i, z[f"buckets{i}"].astype(np.float32), z[f"bias{i}"].astype(np.float32), int(z[f"seed{i}"]), in_f, out_f


def convert(npz_path: str, onnx_path: str) -> None:
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nodes = [helper.make_node("Flatten", ["input"], ["flat"], name="flatten", axis=1)]
    inits = []
    x = "flat"
    layers = list(_layers(npz_path))
    for i, b, bias, seed, in_f, out_f in layers:
        w = f"fc{i + 1}.weight"
        inits += [numpy_helper.from_array(b, f"{w}.hashed_buckets"),
                  numpy_helper.from_array(bias, f"fc{i + 1}.bias")]
        y = f"fc{i + 1}" if i < len(layers) - 1 else "logits"
        nodes.append(helper.make_node("HashedGemm", [x, f"{w}.hashed_buckets", f"fc{i + 1}.bias"], [y],
                                      name=f"fc{i + 1}", domain="nncodegen", in_features=in_f,
                                      out_features=out_f, seed=seed, sign=1))
        if i < len(layers) - 1:
            nodes.append(helper.make_node("Relu", [y], [f"relu{i + 1}"], name=f"relu{i + 1}"))
            x = f"relu{i + 1}"
    graph = helper.make_graph(
        nodes, "hashed_mlp", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 1, 28, 28])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, layers[-1][5]])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("nncodegen", 1)],
                              producer_name="nncodegen-examples-deep_compression")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, onnx_path)


def numpy_forward(npz_path: str, x: np.ndarray) -> np.ndarray:
    """The model in float32 numpy, virtual weights expanded with nncodegen's hash (x: (N, 784))."""
    h = np.asarray(x, dtype=np.float32).reshape(len(x), -1)
    layers = list(_layers(npz_path))
    for i, b, bias, seed, in_f, out_f in layers:
        w = hashed_matrix(b, out_f, in_f, seed, True)
        h = h @ w.T + bias
        if i < len(layers) - 1:
            h = np.maximum(h, 0)
    return h


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__.split("\n\n")[1])
    convert(sys.argv[1], sys.argv[2])
    print(f"wrote {sys.argv[2]} ({os.path.getsize(sys.argv[2]):,} bytes)")
