"""Train and export Brevitas models that use Brevitas' *default* quantizers (float scales).

DEV-ONLY TOOL: needs PyTorch and Brevitas, which are not dependencies of nncodegen.  Its outputs are
committed; run it only to regenerate them::

    pip install torch brevitas scikit-learn onnx
    python examples/brevitas_defaults/train.py

Unlike examples/bnn_digits (exported to fit: power-of-two input scales), these models are written
the way Brevitas users write them: the input quantizer is ``QuantIdentity(act_quant=
Int8ActPerTensorFloat)``, whose learned scale is an arbitrary float (not a power of two), and the
multi-bit model uses QuantConv2d / QuantLinear / QuantReLU with their default quantizers.

Data: scikit-learn's 8x8 digits, pixels / 16, stratified seeded split 1,347 train / 450 test (the
same split as examples/bnn_digits, read from its train.py).  The three ONNX models take NCHW (1, 1, 8, 8).

bnn_mlp:   Flatten -> QuantIdentity(Int8ActPerTensorFloat) -> QuantLinear 64->128 binary weights
           -> BN -> sign -> QuantLinear 128->64 binary -> BN -> sign -> QuantLinear 64->10 binary -> BN
bnn_cnn:   QuantIdentity(Int8ActPerTensorFloat) -> QuantConv2d 1->16 3x3 pad 1 binary -> BN -> sign
           -> QuantConv2d 16->32 3x3 pad 1 binary -> BN -> sign -> MaxPool 2 -> Flatten
           -> QuantLinear 512->10 binary -> BN
int_cnn:   QuantIdentity(Int8ActPerTensorFloat) -> QuantConv2d 1->8 3x3 pad 1 (default
           Int8WeightPerTensorFloat, float bias) -> QuantReLU (default Uint8ActPerTensorFloat)
           -> QuantConv2d 8->16 3x3 (weight_bit_width=4: the default quantizer at 4 bits;
           Brevitas 0.13 has no Int4WeightPerTensorFloat class) -> QuantReLU -> MaxPool 2
           -> Flatten -> QuantLinear 144->10 (weight_bit_width=4, float bias) -> logits

Binary weights: Brevitas' SignedBinaryWeightPerTensorConst with scale 1; binary activations:
SignedBinaryActPerTensorConst (sign(0) = +1).  Adam, cosine schedule, seeded, one CPU thread.

Written next to this file: the three .onnx (brevitas.export.export_qonnx, TorchScript exporter),
test_x.npy (450, 8, 8, 1) float32 NHWC (the layout nncodegen run / verify take), test_y.npy, <model>_logits.npy (torch eval-mode logits of the
450 test images, float32) and report.json (accuracies, scales, versions).
"""
from __future__ import annotations

import json
import os
import random
import time
import warnings

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 0
BATCH = 64
EPOCHS = 60
LR = 5e-3


def _bnn_digits():
    """examples/bnn_digits/train.py, whose data split this example shares."""
    import importlib.util
    path = os.path.join(os.path.dirname(HERE), "bnn_digits", "train.py")
    spec = importlib.util.spec_from_file_location("bnn_digits_train", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def set_seeds(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def load_data():
    """bnn_digits' split (train x, train y, test x, test y), images as NCHW (N, 1, 8, 8), in
    train_test_split's order: x_tr, x_te, y_tr, y_te."""
    x_tr, y_tr, x_te, y_te = _bnn_digits().load_data()
    return x_tr[:, None], x_te[:, None], y_tr, y_te


def build(name):
    import brevitas.nn as qnn
    from brevitas.quant import Int8ActPerTensorFloat
    from brevitas.quant.binary import SignedBinaryActPerTensorConst, SignedBinaryWeightPerTensorConst

    class Bin1(SignedBinaryWeightPerTensorConst):
        scaling_const = 1.0

    def sign():
        return qnn.QuantIdentity(act_quant=SignedBinaryActPerTensorConst)

    if name == "bnn_mlp":
        return nn.Sequential(
            nn.Flatten(), qnn.QuantIdentity(act_quant=Int8ActPerTensorFloat),
            qnn.QuantLinear(64, 128, bias=False, weight_quant=Bin1), nn.BatchNorm1d(128), sign(),
            qnn.QuantLinear(128, 64, bias=False, weight_quant=Bin1), nn.BatchNorm1d(64), sign(),
            qnn.QuantLinear(64, 10, bias=False, weight_quant=Bin1), nn.BatchNorm1d(10))
    if name == "bnn_cnn":
        return nn.Sequential(
            qnn.QuantIdentity(act_quant=Int8ActPerTensorFloat),
            qnn.QuantConv2d(1, 16, 3, padding=1, bias=False, weight_quant=Bin1), nn.BatchNorm2d(16), sign(),
            qnn.QuantConv2d(16, 32, 3, padding=1, bias=False, weight_quant=Bin1), nn.BatchNorm2d(32), sign(),
            nn.MaxPool2d(2), nn.Flatten(),
            qnn.QuantLinear(512, 10, bias=False, weight_quant=Bin1), nn.BatchNorm1d(10))
    if name == "int_cnn":
        return nn.Sequential(
            qnn.QuantIdentity(act_quant=Int8ActPerTensorFloat, return_quant_tensor=True),
            qnn.QuantConv2d(1, 8, 3, padding=1), qnn.QuantReLU(return_quant_tensor=True),
            qnn.QuantConv2d(8, 16, 3, weight_bit_width=4), qnn.QuantReLU(return_quant_tensor=True),
            nn.MaxPool2d(2), nn.Flatten(),
            qnn.QuantLinear(144, 10, weight_bit_width=4))
    raise ValueError(name)


def logits_of(model, x):
    model.eval()
    with torch.no_grad():
        y = model(torch.from_numpy(x))
    y = y.value if hasattr(y, "value") else y
    return y.numpy().astype(np.float32)


def train(model, x_tr, y_tr, x_te, y_te, name):
    set_seeds(SEED)
    g = torch.Generator().manual_seed(SEED)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=EPOCHS)
    xt, yt = torch.from_numpy(x_tr), torch.from_numpy(y_tr)
    t0 = time.time()
    for ep in range(EPOCHS):
        model.train()
        perm = torch.randperm(len(xt), generator=g)
        for i in range(0, len(xt), BATCH):
            idx = perm[i:i + BATCH]
            if len(idx) < 2:
                continue
            opt.zero_grad()
            out = model(xt[idx])
            out = out.value if hasattr(out, "value") else out
            F.cross_entropy(out, yt[idx]).backward()
            opt.step()
        sched.step()
        if ep % 20 == 0 or ep == EPOCHS - 1:
            acc = float((logits_of(model, x_te).argmax(1) == y_te).mean())
            print(f"[{name}] epoch {ep:3d} test acc {acc:.4f} ({time.time() - t0:.0f} s)")
    model.eval()
    return model


def export(model, example, path):
    from brevitas.export import export_qonnx
    import onnx

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        export_qonnx(model, input_t=example, export_path=path, dynamo=False,
                     input_names=["input"], output_names=["logits"])
    m = onnx.load(path)
    onnx.checker.check_model(m)
    return m


def main():
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    x_tr, x_te, y_tr, y_te = load_data()
    np.save(os.path.join(HERE, "test_x.npy"), x_te.transpose(0, 2, 3, 1).astype(np.float32))  # NHWC
    np.save(os.path.join(HERE, "test_y.npy"), y_te.astype(np.int64))
    report = {}
    for name in ("bnn_mlp", "bnn_cnn", "int_cnn"):
        set_seeds(SEED)
        model = train(build(name), x_tr, y_tr, x_te, y_te, name)
        logits = logits_of(model, x_te)
        np.save(os.path.join(HERE, f"{name}_logits.npy"), logits)
        m = export(model, torch.from_numpy(x_te[:1]), os.path.join(HERE, f"{name}.onnx"))
        scales = {}
        from onnx import numpy_helper
        inits = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
        for n in m.graph.node:
            if n.op_type == "Quant" and n.input[0] not in inits:
                scales[n.name] = {"scale": inits[n.input[1]].ravel().tolist(),
                                  "bit_width": float(inits[n.input[3]].ravel()[0]),
                                  "signed": [a.i for a in n.attribute if a.name == "signed"][0]}
        report[name] = {"test_accuracy": float((logits.argmax(1) == y_te).mean()),
                        "activation_quants": scales,
                        "nodes": [f"{n.domain + '.' if n.domain else ''}{n.op_type}" for n in m.graph.node]}
        print(name, report[name]["test_accuracy"], scales)
    import brevitas
    report["versions"] = {"torch": torch.__version__, "brevitas": brevitas.__version__}
    with open(os.path.join(HERE, "report.json"), "w") as f:
        json.dump(report, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
