"""Train and export the binarized example models ``bnn_mlp.onnx`` and ``bnn_cnn.onnx``.

DEV-ONLY TOOL: this script needs PyTorch, Brevitas and (for the optional
cross-check) qonnx, none of which are dependencies of nncodegen.  Its outputs
are committed, so you only need to run it to regenerate them::

    pip install torch==2.13.0 brevitas qonnx onnxoptimizer scikit-learn onnx onnxruntime
    python examples/bnn_digits/train.py

(Brevitas 0.13.4 and qonnx 1.0.0 were used; if pip wants to replace torch,
add a constraints file pinning ``torch==2.13.0``.)

Data: scikit-learn's 1,797 8x8 digits (``sklearn.datasets.load_digits``),
pixel values 0..16 divided by 16 (so every pixel is a multiple of 1/16 in
[0, 1]), split with a fixed seed and stratified into 1,347 training and 450
test images.

Models (Brevitas; binary weights are {-scale, +scale}, binary activations
{-1, +1} with sign(0) = +1; a seeded quarter of every BatchNorm's gammas
starts at -1 so the trained models contain gamma < 0 channels):

bnn_mlp, input (1, 64):
    QuantIdentity Int8ActPerTensorFixedPoint (8-bit signed, learned power-of-two scale)
    QuantLinear 64->200, binary weights (Brevitas' stock SignedBinaryWeightPerTensorConst,
        scale 0.1: deliberately NOT a power of two), BatchNorm1d, sign   (BinaryConnect)
    QuantLinear 200->128, binary weights scale 1, BatchNorm1d, sign     (XNOR)
    QuantLinear 128->40,  binary weights scale 1, BatchNorm1d, sign     (XNOR)
    QuantLinear 40->10,   binary weights scale 1, BatchNorm1d -> logits (XNOR, float out)

bnn_cnn, input (1, 1, 8, 8) NCHW:
    QuantIdentity Uint8ActPerTensorFixedPoint (8-bit unsigned, learned power-of-two scale)
    QuantConv2d 1->16 3x3 pad 1, binary weights scale 1, BatchNorm2d, sign     -> 16x8x8
    QuantConv2d 16->24 3x3 pad 1 (zero padding of a +-1 map), BN, sign  (XNOR) -> 24x8x8
    MaxPool 2x2                                                                -> 24x4x4
    QuantConv2d 24->40 3x3 pad 0, BN, sign                              (XNOR) -> 40x2x2
    Flatten (160), QuantLinear 160->10 binary weights scale 1, BatchNorm1d -> logits

No layer has a bias.  Export: ``brevitas.export.export_qonnx`` through the
TorchScript exporter (``dynamo=False``); see README.md for the exported graphs.
A copy of the CNN exported through the default (dynamo) exporter of
torch >= 2.9 is also written (``bnn_cnn_dynamo.onnx``) as an importer test
case, since that is what users of current torch get by default.

Outputs written next to this file:

    bnn_mlp.onnx, bnn_cnn.onnx     QONNX models (opset 20 + qonnx.custom_op.general v2)
    bnn_cnn_dynamo.onnx            the same CNN through the dynamo exporter
    test_x.npy                     (450, 8, 8, 1) float32 NHWC test images in [0, 1]
    test_y.npy                     (450,) int64 labels
    calib.npy                      (100, 8, 8, 1) float32 NHWC training images
    bnn_mlp_logits.npy             (450, 10) float32 torch eval-mode logits of bnn_mlp
    bnn_cnn_logits.npy             (450, 10) float32 torch eval-mode logits of bnn_cnn
    bnn_cnn_trace.npz              torch activations of every bnn_cnn layer for the
                                   first 4 test images, keyed by ONNX tensor name
    bnn_mlp_trace.npz              same for bnn_mlp
    report.json                    accuracies, margins, checks (written by this script)

The MLP takes the same images flattened row-major: ``test_x.reshape(N, 64)``.
The CNN takes ``test_x.transpose(0, 3, 1, 2)`` (NCHW), one image at a time
(the exported batch size is 1).

Training (Adam, cosine schedule, 100 epochs, batch 64) is seeded and runs on
the CPU with one thread, about a minute for both models.  Running it again on
the same machine reproduces every file bit for bit; other torch/Brevitas
versions or CPUs may give slightly different weights.
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
N_TEST = 450
N_CALIB = 100
N_TRACE = 4
BATCH = 64
EPOCHS = 100
LR = 5e-3
MLP_H = (200, 128, 40)


def set_seeds(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def load_data():
    """Stratified, seeded 1,347 / 450 split of sklearn's digits, pixels / 16."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    d = load_digits()
    x = (d.images.astype(np.float32) / np.float32(16.0))  # (1797, 8, 8), multiples of 1/16
    y = d.target.astype(np.int64)
    x_tr, x_te, y_tr, y_te = train_test_split(
        x, y, test_size=N_TEST, random_state=SEED, stratify=y)
    return x_tr, y_tr, x_te, y_te


# ----------------------------------------------------------------------------- models

def build_models():
    import brevitas.nn as qnn
    from brevitas.quant import Int8ActPerTensorFixedPoint, Uint8ActPerTensorFixedPoint
    from brevitas.quant.binary import SignedBinaryActPerTensorConst
    from brevitas.quant.binary import SignedBinaryWeightPerTensorConst

    class BinaryWeightScale1(SignedBinaryWeightPerTensorConst):
        """Binary weights {-1, +1}: Brevitas' stock binary quantizer with scale 1."""
        scaling_const = 1.0

    def sign():
        # BipolarQuant in the export; Brevitas binary_sign: x >= 0 -> +1, x < 0 -> -1
        return qnn.QuantIdentity(act_quant=SignedBinaryActPerTensorConst)

    class BnnMlp(nn.Module):
        def __init__(self, h1=MLP_H[0], h2=MLP_H[1], h3=MLP_H[2]):
            super().__init__()
            self.inp_quant = qnn.QuantIdentity(act_quant=Int8ActPerTensorFixedPoint)
            self.fc1 = qnn.QuantLinear(64, h1, bias=False,
                                       weight_quant=SignedBinaryWeightPerTensorConst)  # scale 0.1
            self.bn1 = nn.BatchNorm1d(h1)
            self.sign1 = sign()
            self.fc2 = qnn.QuantLinear(h1, h2, bias=False, weight_quant=BinaryWeightScale1)
            self.bn2 = nn.BatchNorm1d(h2)
            self.sign2 = sign()
            self.fc3 = qnn.QuantLinear(h2, h3, bias=False, weight_quant=BinaryWeightScale1)
            self.bn3 = nn.BatchNorm1d(h3)
            self.sign3 = sign()
            self.fc4 = qnn.QuantLinear(h3, 10, bias=False, weight_quant=BinaryWeightScale1)
            self.bn4 = nn.BatchNorm1d(10)

        def forward(self, x):
            x = self.inp_quant(x)
            x = self.sign1(self.bn1(self.fc1(x)))
            x = self.sign2(self.bn2(self.fc2(x)))
            x = self.sign3(self.bn3(self.fc3(x)))
            return self.bn4(self.fc4(x))

    class BnnCnn(nn.Module):
        def __init__(self):
            super().__init__()
            self.inp_quant = qnn.QuantIdentity(act_quant=Uint8ActPerTensorFixedPoint)
            self.conv1 = qnn.QuantConv2d(1, 16, 3, padding=1, bias=False,
                                         weight_quant=BinaryWeightScale1)
            self.bn1 = nn.BatchNorm2d(16)
            self.sign1 = sign()
            self.conv2 = qnn.QuantConv2d(16, 24, 3, padding=1, bias=False,
                                         weight_quant=BinaryWeightScale1)
            self.bn2 = nn.BatchNorm2d(24)
            self.sign2 = sign()
            self.pool = nn.MaxPool2d(2)
            self.conv3 = qnn.QuantConv2d(24, 40, 3, padding=0, bias=False,
                                         weight_quant=BinaryWeightScale1)
            self.bn3 = nn.BatchNorm2d(40)
            self.sign3 = sign()
            self.flatten = nn.Flatten()
            self.fc = qnn.QuantLinear(160, 10, bias=False, weight_quant=BinaryWeightScale1)
            self.bn_out = nn.BatchNorm1d(10)

        def forward(self, x):
            x = self.inp_quant(x)
            x = self.sign1(self.bn1(self.conv1(x)))
            x = self.sign2(self.bn2(self.conv2(x)))
            x = self.pool(x)
            x = self.sign3(self.bn3(self.conv3(x)))
            x = self.flatten(x)
            return self.bn_out(self.fc(x))

    mlp, cnn = BnnMlp(), BnnCnn()
    for model in (mlp, cnn):
        negate_some_gammas(model)
    return mlp, cnn


@torch.no_grad()
def negate_some_gammas(model, frac=0.25):
    """Start a seeded quarter of every BatchNorm's gammas at -1 instead of +1.

    Training keeps them negative (a gamma rarely crosses 0), so the exported
    models contain gamma < 0 channels: the compiler's threshold folding must
    flip the comparison there.  Functionally this is just a different init.
    """
    g = torch.Generator().manual_seed(SEED + 1)
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            neg = torch.rand(m.weight.shape, generator=g) < frac
            m.weight[neg] = -1.0


# ----------------------------------------------------------------------------- training

def train(model, x_tr, y_tr, x_te, y_te, name):
    set_seeds(SEED)
    g = torch.Generator().manual_seed(SEED)
    # Adam's step is about lr whatever the gradient, so a binary layer whose latent
    # weights are clamped to [-s, s] gets lr * s (else the 0.1-scale layer flips
    # its weights every few steps and training does not settle).
    groups = []
    for mod in model.modules():
        if hasattr(mod, "weight_quant") and hasattr(mod, "quant_weight"):
            s = float(mod.quant_weight().scale.max())
            groups.append({"params": [mod.weight], "lr": LR * s})
    seen = {id(p) for g_ in groups for p in g_["params"]}
    rest = [p for p in model.parameters() if id(p) not in seen]
    opt = torch.optim.Adam(groups + [{"params": rest, "lr": LR}], lr=LR)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=EPOCHS)
    xt, yt = torch.from_numpy(x_tr), torch.from_numpy(y_tr)
    n = len(xt)
    t0 = time.time()
    for ep in range(EPOCHS):
        model.train()
        perm = torch.randperm(n, generator=g)
        tot = 0.0
        for i in range(0, n, BATCH):
            idx = perm[i:i + BATCH]
            if len(idx) < 2:  # BatchNorm needs > 1 sample in training mode
                continue
            opt.zero_grad()
            loss = F.cross_entropy(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
            tot += loss.item() * len(idx)
        sched.step()
        if ep % 20 == 0 or ep == EPOCHS - 1:
            acc = accuracy(model, x_te, y_te)
            iq = model.inp_quant.act_quant.scale().item() if hasattr(model, "inp_quant") else 0
            print(f"[{name}] epoch {ep:3d}  loss {tot / n:.4f}  test acc {acc:.4f}  in-scale {iq}  "
                  f"({time.time() - t0:.0f} s)")
    model.eval()
    return model


@torch.no_grad()
def logits_of(model, x):
    model.eval()
    return model(torch.from_numpy(x)).numpy().astype(np.float32)


def accuracy(model, x, y):
    return float((logits_of(model, x).argmax(1) == y).mean())


# ----------------------------------------------------------------------------- export + checks

def export(model, example, path, dynamo=False):
    from brevitas.export import export_qonnx
    import onnx

    model.eval()
    kw = dict(input_names=["input"], output_names=["logits"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if dynamo:
            export_qonnx(model, input_t=example, export_path=path, dynamo=True)
        else:
            export_qonnx(model, input_t=example, export_path=path, dynamo=False, **kw)
    if dynamo:
        # torch.onnx writes the weights to PATH.data; Brevitas then re-loads the model
        # and saves it again inline, so PATH.data is a stale orphan: remove it.  The
        # dynamo exporter also records a Python stack trace (with this machine's
        # absolute file paths) in every node's metadata_props: drop that key only.
        if os.path.exists(path + ".data"):
            os.remove(path + ".data")
        m = onnx.load(path)
        for node in m.graph.node:
            keep = [(p.key, p.value) for p in node.metadata_props
                    if p.key != "pkg.torch.onnx.stack_trace"]
            del node.metadata_props[:]
            for k, v in keep:
                node.metadata_props.add(key=k, value=v)
        onnx.save(m, path)
    m = onnx.load(path)
    onnx.checker.check_model(path)
    return m


def module_tensor_names(onnx_model, module_names):
    """For each torch submodule name, the ONNX tensor that holds that module's output.

    Nodes exported from submodule ``m`` have names/outputs starting with ``/m/``;
    the last such node in the graph produces the module's output (the others
    are its weight quantizers).  The graph output is named ``logits``.
    """
    out = {}
    last = {}
    for node in onnx_model.graph.node:
        for o in node.output:
            if o.startswith("/"):
                last[o.split("/")[1]] = o
    for mn in module_names:
        out[mn] = last.get(mn)
    out[module_names[-1]] = "logits"  # the last BN writes the graph output
    return out


@torch.no_grad()
def trace(model, x, onnx_model):
    """Torch activations of every top-level submodule, keyed by ONNX tensor name."""
    names = [n for n, _ in model.named_children()]
    tmap = module_tensor_names(onnx_model, names)
    acts = {"input": x.numpy().astype(np.float32)}
    hooks = []
    for n, mod in model.named_children():
        def hook(_m, _i, o, n=n):
            acts[tmap[n]] = o.detach().numpy().astype(np.float32).copy()
        hooks.append(mod.register_forward_hook(hook))
    model.eval()
    model(x)
    for h in hooks:
        h.remove()
    return acts, tmap


@torch.no_grad()
def sign_margins(model, x):
    """Is every sign decision robust, i.e. would an exact implementation agree with torch?

    The C code decides each sign with an exact integer threshold; torch computes
    the layer and its BatchNorm in float32.  For each weighted layer followed by a
    BN, recompute the accumulator in float64 from the layer's (quantized) input
    and quantized weights -- exact here: inputs are k * 2^-7 or +-1, weights
    +-1 or +-0.1f, sums of at most 216 terms -- then the BN in float64 from the
    float32 parameters (eps as the float32 in the ONNX attribute), and compare
    the resulting signs (x >= 0 -> +1) with torch's.
    """
    res = {}
    seen = {}
    hooks = []
    kids = list(model.named_children())
    pairs = [(kids[i - 1], kids[i]) for i in range(1, len(kids))
             if isinstance(kids[i][1], nn.modules.batchnorm._BatchNorm)]
    for (ln, lm), (bn_name, bm) in pairs:
        def hook_l(mod, inp, out, ln=ln):
            seen[ln] = (inp[0].detach().double(), out.detach().double())
        def hook_b(mod, inp, out, bn_name=bn_name):
            seen[bn_name] = out.detach()
        hooks += [lm.register_forward_hook(hook_l), bm.register_forward_hook(hook_b)]
    model.eval()
    model(torch.from_numpy(x))
    for h in hooks:
        h.remove()
    for i, ((ln, lm), (bn_name, bm)) in enumerate(pairs):
        xin, acc32 = seen[ln]
        w64 = lm.quant_weight().value.double()
        if isinstance(lm, nn.Conv2d):
            acc64 = F.conv2d(xin, w64, None, lm.stride, lm.padding, lm.dilation, lm.groups)
        else:
            acc64 = F.linear(xin, w64)
        shape = [1, -1] + [1] * (acc64.dim() - 2)
        eps = float(np.float32(bm.eps))
        y64 = ((acc64 - bm.running_mean.double().view(shape))
               / torch.sqrt(bm.running_var.double().view(shape) + eps)
               * bm.weight.double().view(shape) + bm.bias.double().view(shape))
        out32 = seen[bn_name]
        r = {"channels": int(bm.weight.numel()),
             "gamma_negative": int((bm.weight < 0).sum()),
             "gamma_zero": int((bm.weight == 0).sum()),
             "accumulator_f32_vs_exact_max_abs_diff": float((acc32 - acc64).abs().max()),
             "bn_f32_vs_f64_max_abs_diff": float((out32.double() - y64).abs().max())}
        if i < len(pairs) - 1:  # every BN but the last feeds a sign
            r.update({"min_abs_bn_out": float(y64.abs().min()),
                      "sign_plus_fraction": float((y64 >= 0).double().mean()),
                      "sign_disagreements_torch_vs_exact": int(((y64 >= 0) != (out32 >= 0)).sum())})
        res[bn_name] = r
    return res


@torch.no_grad()
def weight_stats(model, x):
    """Per binary layer: scale, latent weights exactly 0 (sign(0) = +1 applies) and
    storage (float32 latent weights vs 1 bit per weight); plus the input quantizer."""
    out = {}
    for n, m in model.named_children():
        if hasattr(m, "quant_weight"):
            qw = m.quant_weight()
            w = m.weight.detach()
            vals = torch.unique(qw.value).tolist()
            out[n] = {"shape": list(w.shape), "scale": float(qw.scale.max()),
                      "quantized_values": vals,
                      "latent_exact_zero": int((w == 0).sum()),
                      "latent_abs_max": float(w.abs().max()),
                      "float32_bytes": int(w.numel() * 4), "packed_bits_bytes": int((w.numel() + 7) // 8)}
    iq = model.inp_quant
    scale = float(iq.act_quant.scale())
    xq = iq(torch.from_numpy(x))
    xq = xq.value if hasattr(xq, "value") else xq
    out["inp_quant"] = {"scale": scale, "log2_scale": float(np.log2(scale)),
                        "signed": bool(iq.act_quant.is_signed),
                        "bit_width": int(iq.act_quant.bit_width()),
                        "lossless_on_data": bool(torch.equal(xq, torch.from_numpy(x)))}
    return out


def qonnx_check(path, x_batches, ref_logits):
    """Run the QONNX graph through qonnx's executor (per image), compare with torch."""
    try:
        from qonnx.core.modelwrapper import ModelWrapper
        from qonnx.core.onnx_exec import execute_onnx
    except Exception as e:  # pragma: no cover - optional
        return {"ran": False, "why": f"qonnx not importable: {e}"}
    from qonnx.transformation.infer_shapes import InferShapes
    mw = ModelWrapper(path).transform(InferShapes())
    iname = mw.graph.input[0].name
    oname = mw.graph.output[0].name
    outs = []
    for xb in x_batches:
        outs.append(execute_onnx(mw, {iname: xb})[oname])
    got = np.concatenate(outs).reshape(ref_logits.shape).astype(np.float32)
    return {"ran": True,
            "max_abs_diff_logits": float(np.abs(got - ref_logits).max()),
            "top1_agreement": float((got.argmax(1) == ref_logits.argmax(1)).mean())}


def qonnx_trace_check(path, x1, acts):
    """Compare the torch trace (image 0) with qonnx's full execution context."""
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.core.onnx_exec import execute_onnx
    from qonnx.transformation.infer_shapes import InferShapes
    mw = ModelWrapper(path).transform(InferShapes())
    ctx = execute_onnx(mw, {mw.graph.input[0].name: x1}, return_full_exec_context=True)
    worst = 0.0
    for k, v in acts.items():
        worst = max(worst, float(np.abs(ctx[k] - v[:1]).max()))
    return worst


def onnx_summary(m):
    import onnx
    from onnx import numpy_helper
    inits = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    nodes = []
    for n in m.graph.node:
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}
        attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in attrs.items()}
        small = {i: inits[i].tolist() for i in n.input if i in inits and inits[i].size == 1}
        nodes.append({"op": n.op_type, "domain": n.domain, "inputs": list(n.input),
                      "outputs": list(n.output), "attrs": attrs, "scalar_inputs": small})
    return {"ir_version": m.ir_version,
            "opsets": {o.domain: o.version for o in m.opset_import},
            "inputs": [i.name for i in m.graph.input],
            "outputs": [o.name for o in m.graph.output],
            "n_initializers": len(m.graph.initializer),
            "nodes": nodes}


def main():
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    set_seeds(SEED)
    x_tr, y_tr, x_te, y_te = load_data()
    print(f"train {x_tr.shape}  test {x_te.shape}")

    set_seeds(SEED)
    mlp, cnn = build_models()
    report = {"data": {"train": int(len(x_tr)), "test": int(len(x_te))}}

    # ---- MLP: input (N, 64)
    xtr_m, xte_m = x_tr.reshape(-1, 64), x_te.reshape(-1, 64)
    set_seeds(SEED)
    train(mlp, xtr_m, y_tr, xte_m, y_te, "bnn_mlp")
    # ---- CNN: input (N, 1, 8, 8)
    xtr_c, xte_c = x_tr[:, None], x_te[:, None]
    set_seeds(SEED)
    train(cnn, xtr_c, y_tr, xte_c, y_te, "bnn_cnn")

    np.save(os.path.join(HERE, "test_x.npy"), x_te[..., None].astype(np.float32))
    np.save(os.path.join(HERE, "test_y.npy"), y_te.astype(np.int64))
    np.save(os.path.join(HERE, "calib.npy"), x_tr[:N_CALIB, ..., None].astype(np.float32))

    for name, model, xte, xcal in (("bnn_mlp", mlp, xte_m, xtr_m[:N_CALIB]),
                                   ("bnn_cnn", cnn, xte_c, xtr_c[:N_CALIB])):
        logits = logits_of(model, xte)
        acc = float((logits.argmax(1) == y_te).mean())
        train_acc = float((logits_of(model, xtr_m if name == "bnn_mlp" else xtr_c).argmax(1)
                           == y_tr).mean())
        np.save(os.path.join(HERE, f"{name}_logits.npy"), logits)
        path = os.path.join(HERE, f"{name}.onnx")
        m = export(model, torch.from_numpy(xte[:1]), path)
        acts, tmap = trace(model, torch.from_numpy(xte[:N_TRACE]), m)
        np.savez_compressed(os.path.join(HERE, f"{name}_trace.npz"), **acts)
        r = {"test_accuracy": acc, "train_accuracy": train_acc,
             "sign_margins_test": sign_margins(model, xte),
             "sign_margins_calib": sign_margins(model, xcal),
             "weights": weight_stats(model, xte),
             "trace_keys": {k: v for k, v in tmap.items()},
             "graph": onnx_summary(m)}
        try:
            r["qonnx_exec"] = qonnx_check(path, [xte[i:i + 1] for i in range(len(xte))], logits)
            r["qonnx_exec"]["trace_max_abs_diff_img0"] = qonnx_trace_check(path, xte[:1], acts)
        except Exception as e:  # optional check
            r["qonnx_exec"] = {"ran": False, "why": repr(e)}
        report[name] = r
        print(f"[{name}] test accuracy {acc:.4f}  train {train_acc:.4f}  qonnx {r['qonnx_exec']}")

    # The default exporter of torch >= 2.9 (dynamo): a second importer test case.
    dpath = os.path.join(HERE, "bnn_cnn_dynamo.onnx")
    md = export(cnn, torch.from_numpy(xte_c[:1]), dpath, dynamo=True)
    rd = {"graph": onnx_summary(md)}
    try:
        rd["qonnx_exec"] = qonnx_check(dpath, [xte_c[i:i + 1] for i in range(len(xte_c))],
                                       np.load(os.path.join(HERE, "bnn_cnn_logits.npy")))
    except Exception as e:
        rd["qonnx_exec"] = {"ran": False, "why": repr(e)}
    report["bnn_cnn_dynamo"] = rd
    print(f"[bnn_cnn_dynamo] qonnx {rd['qonnx_exec']}")

    report["versions"] = {"torch": torch.__version__}
    try:
        import brevitas
        report["versions"]["brevitas"] = brevitas.__version__
        import onnx
        report["versions"]["onnx"] = onnx.__version__
        import qonnx  # noqa: F401
        from importlib.metadata import version
        report["versions"]["qonnx"] = version("qonnx")
    except Exception:
        pass
    with open(os.path.join(HERE, "report.json"), "w") as f:
        json.dump(report, f, indent=1, sort_keys=False)
        f.write("\n")


if __name__ == "__main__":
    main()
