"""Write the small Brevitas models of tests/test_qonnx_int16.py: 12- and 16-bit activation quantizers with
Brevitas' default float scales, 8-bit weights (dev-only: torch, brevitas).

    pip install torch brevitas onnx onnxoptimizer
    python tests/models/brevitas/make_int16_models.py [NAME ...]     (all models when no name is given)

Each model is put in train mode for a few seeded batches (the activation quantizers' scales come from
statistics, as in real training), then exported with brevitas.export.export_qonnx.  Beside each NAME.onnx:
NAME_x.npy (32 seeded inputs, float32, in the model's ONNX layout) and NAME_y.npy (torch's eval-mode
outputs).  The activation quantizers are the defaults with bit_width overridden, as users write it:
QuantIdentity(bit_width=16) is Int8ActPerTensorFloat at 16 bits (signed, zero point 0), QuantReLU(bit_width=12)
Uint8ActPerTensorFloat at 12 bits (unsigned, 0..4095).
"""
from __future__ import annotations

import torch.nn as nn

from make_models import write_cases  # this folder is on sys.path when the script runs


def models():
    import brevitas.nn as qnn

    def ident(bits):
        return qnn.QuantIdentity(bit_width=bits, return_quant_tensor=True)

    return {
        # 16-bit input, two 8-bit-weight convs with 12-bit QuantReLUs, a max pool, float logits
        "int16act_cnn": ((1, 1, 8, 8), nn.Sequential(
            ident(16), qnn.QuantConv2d(1, 4, 3, padding=1, bias=True), qnn.QuantReLU(bit_width=12, return_quant_tensor=True),
            nn.MaxPool2d(2), qnn.QuantConv2d(4, 6, 3, bias=True), qnn.QuantReLU(bit_width=12, return_quant_tensor=True),
            nn.Flatten(), qnn.QuantLinear(24, 10, bias=True))),
        # 12-bit input, QuantLinear -> 12-bit QuantReLU -> QuantLinear -> 16-bit output quantizer (integer only)
        "int12act_mlp": ((1, 16), nn.Sequential(
            ident(12), qnn.QuantLinear(16, 12, bias=True), qnn.QuantReLU(bit_width=12, return_quant_tensor=True),
            qnn.QuantLinear(12, 5, bias=True), qnn.QuantIdentity(bit_width=16))),
    }


def main():
    write_cases(models(), lambda i, name: 200 + i, 32)


if __name__ == "__main__":
    main()
