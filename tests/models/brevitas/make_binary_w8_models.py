"""Write the binarized Brevitas models with 8-bit first and last layers of tests/test_binary_w8.py
(dev-only: torch, brevitas).

    pip install torch brevitas onnx
    python tests/models/brevitas/make_binary_w8_models.py [NAME ...]     (all models when no name is given)

The survey's binary networks keep their first and last layers in 8 bits: here the first layer has 8-bit
weights (Brevitas' Int8WeightPerTensorFloat or Int8WeightPerChannelFloat: float scales) and reads the
8-bit input, its BatchNorm + sign gives binary activations, binary {-1, +1} layers follow, and the last
layer has 8-bit (or 4-bit) weights and reads the binary activations.  Each model is put in train mode for
a few seeded batches (activation scales from statistics), its BatchNorm affine parameters are drawn at
random in [-1, 1] (negative gammas included), then it is exported with brevitas.export.export_qonnx.
Beside each NAME.onnx: NAME_x.npy (16 seeded inputs, float32, NCHW) and NAME_y.npy (torch's eval-mode
outputs).
"""
from __future__ import annotations

import os
import sys
import warnings

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
SEEDS = {"binary_w8_cnn": 200, "binary_w8_mlp": 201}


def models():
    import brevitas.nn as qnn
    from brevitas.quant import (Int8ActPerTensorFixedPoint, Int8ActPerTensorFloat, Int8WeightPerChannelFloat,
                                Int8WeightPerTensorFloat)
    from brevitas.quant.binary import SignedBinaryActPerTensorConst, SignedBinaryWeightPerTensorConst

    def sign():
        return qnn.QuantIdentity(act_quant=SignedBinaryActPerTensorConst)

    B = SignedBinaryWeightPerTensorConst
    return {
        # Q-format input (power-of-two scale), 8-bit conv (float scale) -> BN -> sign, binary conv -> BN -> sign,
        # max pool, 8-bit QuantLinear with a float bias reading the binary map (float logits)
        "binary_w8_cnn": ((1, 1, 8, 8), nn.Sequential(
            qnn.QuantIdentity(act_quant=Int8ActPerTensorFixedPoint),
            qnn.QuantConv2d(1, 8, 3, padding=1, bias=False, weight_quant=Int8WeightPerTensorFloat),
            nn.BatchNorm2d(8), sign(),
            qnn.QuantConv2d(8, 40, 3, padding=1, bias=False, weight_quant=B), nn.BatchNorm2d(40), sign(),
            nn.MaxPool2d(2), nn.Flatten(),
            qnn.QuantLinear(40 * 16, 10, bias=True, weight_quant=Int8WeightPerTensorFloat))),
        # affine int8 input (float scale), per-channel 8-bit first dense -> BN -> sign, binary dense -> BN -> sign,
        # a 4-bit last dense (the default quantizer at 4 bits) -> BN
        "binary_w8_mlp": ((1, 1, 6, 6), nn.Sequential(
            nn.Flatten(), qnn.QuantIdentity(act_quant=Int8ActPerTensorFloat),
            qnn.QuantLinear(36, 48, bias=False, weight_quant=Int8WeightPerChannelFloat), nn.BatchNorm1d(48), sign(),
            qnn.QuantLinear(48, 33, bias=False, weight_quant=B), nn.BatchNorm1d(33), sign(),
            qnn.QuantLinear(33, 7, bias=False, weight_quant=Int8WeightPerTensorFloat, weight_bit_width=4),
            nn.BatchNorm1d(7))),
    }


def main():
    from brevitas.export import export_qonnx
    torch.set_num_threads(1)
    for name, (shape, model) in sorted(models().items()):
        if len(sys.argv) > 1 and name not in sys.argv[1:]:
            continue
        torch.manual_seed(SEEDS[name])
        model.train()
        with torch.no_grad():
            for _ in range(20):
                model(torch.rand((32,) + shape[1:]))
            for m in model.modules():
                if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                    m.weight.uniform_(-1.0, 1.0)
                    m.bias.uniform_(-1.0, 1.0)
        model.eval()
        x = torch.rand((16,) + shape[1:])
        with torch.no_grad():
            y = model(x)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            export_qonnx(model, input_t=x[:1], export_path=os.path.join(HERE, f"{name}.onnx"), dynamo=False,
                         input_names=["input"], output_names=["output"])
        np.save(os.path.join(HERE, f"{name}_x.npy"), x.numpy().astype(np.float32))
        np.save(os.path.join(HERE, f"{name}_y.npy"), y.numpy().astype(np.float32))
        print(name, tuple(y.shape))


if __name__ == "__main__":
    main()
