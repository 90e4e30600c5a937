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

import torch
import torch.nn as nn

from make_models import write_cases  # this folder is on sys.path when the script runs

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
    write_cases(models(), lambda i, name: SEEDS[name], 16, draw=torch.rand, random_bn=(nn.BatchNorm1d, nn.BatchNorm2d))


if __name__ == "__main__":
    main()
