"""Train a small binarized MLP on scikit-learn's 8x8 digits and write it as FINN writes a streamlined
TFC-W1A1 graph (QONNX, by hand with onnx.helper): ``finn_tfc.onnx``, ``test_x.npy`` (the raw test
pixels 0..16, float32, (N, 64)), ``test_y.npy`` (true labels) and ``expected_labels.npy`` (the labels of
qonnx's own executor, ``qonnx.core.onnx_exec.execute_onnx``, when qonnx is installed, else of the numpy
evaluation below, which the script checks against qonnx whenever it can).

Needs only numpy, scikit-learn and onnx (training is numpy with the straight-through estimator; seeded):

    python examples/finn_tfc/make_finn_tfc.py

The graph, in FINN's streamlined form (input (1, 64), output the TopK index (1, 1) int64):

    Div(16) -> Mul(2) -> Sub(1)                     input scaling to [-1, 1]
    MultiThreshold, 15 shared thresholds (1, 15)    4-bit unsigned input quantizer: 0..15
    MatMul(+-1 weights, annotated BIPOLAR) -> Mul(scalar) -> Unsqueeze -> BatchNormalization -> Squeeze
    MultiThreshold, one threshold per channel, out_scale 2, out_bias -1  (bipolar activations)
    MatMul(+-1) -> MultiThreshold (64, 1) with the batch norm absorbed (FINN's streamlining: integer
        thresholds on the accumulator, weights of negative-gamma channels negated)
    MatMul(+-1) -> Mul(per-channel positive scale (1, 10)) -> TopK(k=1)
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = Path(__file__).resolve().parent
QD = "qonnx.custom_op.general"
N_IN_THR = 15
HID = 64
EPS = 1e-4


def load_data():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    d = load_digits()
    x = d.data.astype(np.float32)
    return train_test_split(x, d.target, test_size=0.25, random_state=0, stratify=d.target)


def in_thresholds() -> np.ndarray:
    """x' = 2 * x / 16 - 1 in [-1, 1] quantized to 0..15: thresholds at the half steps."""
    return (((np.arange(1, N_IN_THR + 1) - 0.5) / N_IN_THR) * 2 - 1).astype(np.float32)


def quant_in(x: np.ndarray) -> np.ndarray:
    xs = ((x / np.float32(16)) * np.float32(2) - np.float32(1)).astype(np.float32)
    return (xs[:, :, None] >= in_thresholds()[None, None, :]).sum(-1).astype(np.float32)


def sgn(v):
    return np.where(v >= 0, 1.0, -1.0)


def train(xtr, ytr, epochs=60, seed=0):
    rng = np.random.default_rng(seed)
    a0 = quant_in(xtr)
    sizes = [(64, HID), (HID, HID), (HID, 10)]
    W = [rng.normal(0, 0.5, s) for s in sizes]
    G = [np.ones(HID), np.ones(HID)]
    B = [np.zeros(HID), np.zeros(HID)]
    rm = [np.zeros(HID), np.zeros(HID)]
    rv = [np.ones(HID), np.ones(HID)]
    s3 = 0.1
    params = W + G + B
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    lr, t = 0.01, 0
    Y = np.eye(10)[ytr]
    for ep in range(epochs):
        perm = rng.permutation(len(a0))
        for i in range(0, len(a0), 64):
            idx = perm[i:i + 64]
            x, y = a0[idx], Y[idx]
            cache = []
            h = x
            for k in range(2):
                wb = sgn(W[k])
                d = h @ wb
                mu, var = d.mean(0), d.var(0)
                rm[k] = 0.9 * rm[k] + 0.1 * mu
                rv[k] = 0.9 * rv[k] + 0.1 * var
                xh = (d - mu) / np.sqrt(var + EPS)
                z = G[k] * xh + B[k]
                cache.append((h, wb, d, mu, var, xh, z))
                h = sgn(z)
            wb3 = sgn(W[2])
            logits = s3 * (h @ wb3)
            p = np.exp(logits - logits.max(1, keepdims=True))
            p /= p.sum(1, keepdims=True)
            g = (p - y) / len(idx)
            grads = [None] * 7
            grads[2] = h.T @ (g * s3) * (np.abs(W[2]) <= 1)
            gh = (g * s3) @ wb3.T
            for k in (1, 0):
                hin, wb, d, mu, var, xh, z = cache[k]
                gz = gh * (np.abs(z) <= 1)                    # straight-through sign
                grads[2 + 1 + k] = (gz * xh).sum(0)           # gamma
                grads[2 + 3 + k] = gz.sum(0)                  # beta
                gxh = gz * G[k]
                n = len(d)
                gd = (gxh - gxh.mean(0) - xh * (gxh * xh).mean(0)) / np.sqrt(var + EPS)
                grads[k] = hin.T @ gd * (np.abs(W[k]) <= 1)
                gh = gd @ wb.T
            # params order: W0 W1 W2 G0 G1 B0 B1
            order = [grads[0], grads[1], grads[2], grads[3], grads[4], grads[5], grads[6]]
            t += 1
            for j, (pj, gj) in enumerate(zip(params, order)):
                m[j] = 0.9 * m[j] + 0.1 * gj
                v[j] = 0.999 * v[j] + 0.001 * gj * gj
                pj -= lr * (m[j] / (1 - 0.9 ** t)) / (np.sqrt(v[j] / (1 - 0.999 ** t)) + 1e-8)
                if j < 3:
                    np.clip(pj, -1, 1, out=pj)
        lr *= 0.95
    return W, G, B, rm, rv, s3


def build_model(W, G, B, rm, rv, s3, seed=0) -> onnx.ModelProto:
    rng = np.random.default_rng(seed + 1)
    inits, nodes = [], []

    def c(name, arr, dtype=np.float32):
        inits.append(numpy_helper.from_array(np.asarray(arr, dtype), name))
        return name

    def n(op, ins, outs, domain="", **kw):
        nodes.append(helper.make_node(op, ins, outs, name=f"{op}_{len(nodes)}", domain=domain, **kw))
        return outs[0]

    w = [sgn(Wk).astype(np.float32) for Wk in W]
    x = n("Div", ["global_in", c("div_c", 16.0)], ["scaled0"])
    x = n("Mul", [x, c("mul_c", 2.0)], ["scaled1"])
    x = n("Sub", [x, c("sub_c", 1.0)], ["scaled2"])
    x = n("MultiThreshold", [x, c("thr_in", in_thresholds()[None, :])], ["q_in"], domain=QD,
          out_dtype="UINT4", out_scale=1.0, out_bias=0.0, data_layout="NC")
    # layer 1: MatMul, Mul by a scalar, Unsqueeze / BatchNormalization / Squeeze, bipolar MultiThreshold.
    # The Mul's scalar is folded back out of the batch norm (mean and std scaled by it) so the model is the
    # trained one: gamma * (d - m) / sqrt(v + eps) + beta with d the integer accumulator.
    sc = np.float32(0.125)
    x = n("MatMul", [x, c("W1", w[0])], ["mm1"])
    x = n("Mul", [x, c("scale1", sc)], ["mul1"])
    x = n("Unsqueeze", [x], ["unsq1"], axes=[2])
    x = n("BatchNormalization", [x, c("bn1_g", G[0]), c("bn1_b", B[0]), c("bn1_m", rm[0] * float(sc)),
                                 c("bn1_v", rv[0] * float(sc) ** 2)], ["bn1"], epsilon=EPS * float(sc) ** 2)
    x = n("Squeeze", [x], ["sq1"], axes=[2])
    x = n("MultiThreshold", [x, c("thr1", np.zeros((HID, 1)))], ["act1"], domain=QD, out_dtype="BIPOLAR",
          out_scale=2.0, out_bias=-1.0, data_layout="NC")
    # layer 2, streamlined: sign(g * (d - m) / s + b) >= 0  <=>  d >= m - b * s / g (g > 0); for g < 0 the
    # weights' column is negated (FINN's AbsorbSignBiasIntoMultiThreshold / negative-gamma handling),
    # thresholds rounded up to integers (RoundAndClipThresholds: d is an integer)
    s2 = np.sqrt(rv[1] + EPS)
    t2 = rm[1] - B[1] * s2 / np.where(G[1] == 0, 1e-12, G[1])
    neg = G[1] < 0
    w2 = w[1].copy()
    w2[:, neg] = -w2[:, neg]
    t2 = np.where(neg, -t2, t2)
    t2 = np.ceil(t2 - 1e-9)
    # a channel with negative gamma keeps "d <= t": -d >= -t, i.e. the threshold -t rounded the same way
    x = n("MatMul", [x, c("W2", w2)], ["mm2"])
    x = n("MultiThreshold", [x, c("thr2", t2[:, None])], ["act2"], domain=QD, out_dtype="BIPOLAR",
          out_scale=2.0, out_bias=-1.0, data_layout="NC")
    # output layer: MatMul, a per-channel positive scale, TopK
    alpha = (s3 * rng.uniform(0.8, 1.2, 10)).astype(np.float32)[None, :]
    x = n("MatMul", [x, c("W3", w[2])], ["mm3"])
    x = n("Mul", [x, c("scale3", alpha)], ["logits"])
    n("TopK", [x, c("k", [1], np.int64)], ["topk_values", "global_out"], axis=-1, largest=1, sorted=1)
    g = helper.make_graph(nodes, "finn_tfc_w1a1_digits",
                          [helper.make_tensor_value_info("global_in", TensorProto.FLOAT, [1, 64])],
                          [helper.make_tensor_value_info("global_out", TensorProto.INT64, [1, 1])],
                          initializer=inits)
    for wn in ("W1", "W2", "W3"):
        qa = onnx.TensorAnnotation()
        qa.tensor_name = wn
        kv = qa.quant_parameter_tensor_names.add()
        kv.key, kv.value = "finn_datatype", "BIPOLAR"
        g.quantization_annotation.append(qa)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 11), helper.make_opsetid(QD, 1)],
                          producer_name="nncodegen examples/finn_tfc (FINN streamlined form, by hand)")
    m.ir_version = 7
    return m


def numpy_labels(m: onnx.ModelProto, x: np.ndarray) -> np.ndarray:
    """The graph's own semantics in float32 numpy (QONNX MultiThreshold, ONNX ops)."""
    from onnx.numpy_helper import to_array
    P = {i.name: to_array(i) for i in m.graph.initializer}
    f = np.float32
    out = []
    for row in x.astype(f):
        v = row[None]
        v = (v / P["div_c"]).astype(f) * P["mul_c"] - P["sub_c"]
        v = (v[..., None] >= P["thr_in"][None]).sum(-1).astype(f)
        v = (v @ P["W1"]).astype(f) * P["scale1"]
        eps = f(next(nd for nd in m.graph.node if nd.op_type == "BatchNormalization").attribute[0].f)
        v = ((v - P["bn1_m"]) / np.sqrt(P["bn1_v"] + eps) * P["bn1_g"] + P["bn1_b"]).astype(f)
        v = np.where(v >= 0, f(1), f(-1))
        v = (v @ P["W2"]).astype(f)
        v = np.where(v >= P["thr2"][:, 0], f(1), f(-1))
        v = (v @ P["W3"]).astype(f) * P["scale3"]
        out.append(int(np.argmax(v[0])))
    return np.asarray(out, np.int64)


def qonnx_labels(path: Path, x: np.ndarray):
    try:
        from qonnx.core.modelwrapper import ModelWrapper
        from qonnx.core.onnx_exec import execute_onnx
        from qonnx.transformation.infer_shapes import InferShapes
    except ImportError:
        return None
    mw = ModelWrapper(str(path)).transform(InferShapes())
    return np.asarray([int(np.asarray(execute_onnx(mw, {"global_in": r[None]})["global_out"]).reshape(-1)[0])
                       for r in x.astype(np.float32)], np.int64)


def main():
    xtr, xte, ytr, yte = load_data()
    W, G, B, rm, rv, s3 = train(xtr, ytr)
    m = build_model(W, G, B, rm, rv, s3)
    onnx.checker.check_model(m)
    path = HERE / "finn_tfc.onnx"
    onnx.save(m, path)
    ynp = numpy_labels(m, xte)
    yq = qonnx_labels(path, xte)
    if yq is not None:
        assert np.array_equal(yq, ynp), f"qonnx and numpy disagree on {np.sum(yq != ynp)} inputs"
    np.save(HERE / "test_x.npy", xte.astype(np.float32))
    np.save(HERE / "test_y.npy", yte.astype(np.int64))
    np.save(HERE / "expected_labels.npy", yq if yq is not None else ynp)
    print(f"test accuracy {np.mean(ynp == yte):.4f} on {len(yte)} digits; "
          f"expected labels from {'qonnx' if yq is not None else 'numpy'}")


if __name__ == "__main__":
    main()
