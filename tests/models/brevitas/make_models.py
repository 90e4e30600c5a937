"""Write the small one-layer Brevitas models of tests/test_brevitas_defaults.py (dev-only: torch, brevitas).

    pip install torch brevitas onnx onnxoptimizer
    python tests/models/brevitas/make_models.py [NAME ...]     (all models when no name is given)

Each model is one layer with Brevitas' default quantizers (float scales), put in train mode for a few
seeded batches so that the activation quantizers' scales come from statistics as in real training,
then exported with brevitas.export.export_qonnx (TorchScript exporter).  Beside each NAME.onnx:
NAME_x.npy (8 seeded inputs, float32, in the model's ONNX layout) and NAME_y.npy (torch's eval-mode
outputs).  Brevitas 0.13 has no Int4WeightPerTensorFloat class: the 4-bit weights are the default
weight quantizer with weight_bit_width=4, as users write it.
"""
from __future__ import annotations

import os
import warnings

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))


def models():
    import brevitas.nn as qnn
    from brevitas.quant import (Int8ActPerTensorFixedPoint, Int8ActPerTensorFloat, Int8WeightPerChannelFloat,
                                Int8WeightPerTensorFixedPoint, Int8WeightPerTensorFloat, Uint8ActPerTensorFloat)
    from brevitas.quant.binary import SignedBinaryActPerTensorConst, SignedBinaryWeightPerTensorConst

    def inq(q=Int8ActPerTensorFloat):
        return qnn.QuantIdentity(act_quant=q, return_quant_tensor=True)

    return {
        # Int8ActPerTensorFloat input, Int8WeightPerTensorFloat (the QuantLinear default), float bias
        "int8act_int8w_linear": ((1, 16), nn.Sequential(inq(), qnn.QuantLinear(16, 8, bias=True))),
        # Uint8ActPerTensorFloat input (unsigned, zero point 0) into a conv
        "uint8act_conv": ((1, 2, 6, 6), nn.Sequential(inq(Uint8ActPerTensorFloat),
                                                      qnn.QuantConv2d(2, 4, 3, weight_quant=Int8WeightPerTensorFloat))),
        # 4-bit weights (weight_bit_width=4 on the default quantizer), QuantReLU (Uint8ActPerTensorFloat)
        "int4w_conv_relu": ((1, 3, 6, 6), nn.Sequential(inq(), qnn.QuantConv2d(3, 5, 3, padding=1, weight_bit_width=4),
                                                        qnn.QuantReLU())),
        # per-channel weights, a 4-bit QuantReLU (narrower than its uint8 storage: a clip)
        "perchannel_relu4": ((1, 12), nn.Sequential(inq(), qnn.QuantLinear(12, 6, weight_quant=Int8WeightPerChannelFloat),
                                                    qnn.QuantReLU(bit_width=4))),
        # Int8ActPerTensorFloat output quantizer (QuantIdentity after a layer, signed)
        "int8act_output": ((1, 10), nn.Sequential(inq(), qnn.QuantLinear(10, 7),
                                                  qnn.QuantIdentity(act_quant=Int8ActPerTensorFloat))),
        # power-of-two scales everywhere (the FixedPoint quantizers) and a quantized output: Q formats
        "fixedpoint_linear": ((1, 12), nn.Sequential(
            inq(Int8ActPerTensorFixedPoint), qnn.QuantLinear(12, 6, weight_quant=Int8WeightPerTensorFixedPoint),
            qnn.QuantIdentity(act_quant=Int8ActPerTensorFixedPoint))),
        # a binary layer reading an Int8ActPerTensorFloat input (the first layer of a BNN)
        "int8act_binary": ((1, 20), nn.Sequential(
            inq(), qnn.QuantLinear(20, 9, bias=False, weight_quant=SignedBinaryWeightPerTensorConst),
            nn.BatchNorm1d(9), qnn.QuantIdentity(act_quant=SignedBinaryActPerTensorConst),
            qnn.QuantLinear(9, 4, bias=False, weight_quant=SignedBinaryWeightPerTensorConst))),
    }


def save_case(name, model, x, y):
    """The model as QONNX (traced on x[:1]) and its float input / output pair: NAME.onnx, NAME_x.npy,
    NAME_y.npy next to this file (make_int16_models.py writes its cases the same way)."""
    from brevitas.export import export_qonnx
    y = y.value if hasattr(y, "value") else y
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        export_qonnx(model, input_t=x[:1], export_path=os.path.join(HERE, f"{name}.onnx"), dynamo=False,
                     input_names=["input"], output_names=["output"])
    np.save(os.path.join(HERE, f"{name}_x.npy"), x.numpy().astype(np.float32))
    np.save(os.path.join(HERE, f"{name}_y.npy"), y.numpy().astype(np.float32))
    print(name, tuple(y.shape))


def write_cases(cases, seed, n_out, draw=torch.randn, random_bn=()):
    """For each (NAME, (input shape, model)) of ``cases`` in name order (only the names on the command line
    when any are given): torch seeded with seed(i, NAME), the model run in train mode on 20 batches of 32
    inputs from ``draw`` (activation quantizer scales from statistics, as in real training), the affine
    parameters of its BatchNorm layers of the types ``random_bn`` drawn in [-1, 1], then ``n_out`` inputs
    through the eval-mode model written by save_case (make_int16_models.py and make_binary_w8_models.py
    write theirs with it too)."""
    import sys
    torch.set_num_threads(1)
    for i, (name, (shape, model)) in enumerate(sorted(cases.items())):
        if len(sys.argv) > 1 and name not in sys.argv[1:]:
            continue
        torch.manual_seed(seed(i, name))
        model.train()
        with torch.no_grad():
            for _ in range(20):
                model(draw((32,) + shape[1:]))
            for m in model.modules():
                if isinstance(m, tuple(random_bn)):
                    m.weight.uniform_(-1.0, 1.0)
                    m.bias.uniform_(-1.0, 1.0)
        model.eval()
        x = draw((n_out,) + shape[1:])
        with torch.no_grad():
            y = model(x)
        save_case(name, model, x, y)


def main():
    write_cases(models(), lambda i, name: 100 + i, 8, random_bn=(nn.BatchNorm1d,))


if __name__ == "__main__":
    main()
