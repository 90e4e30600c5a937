"""Writes the fuzzing seed corpus (tests/fuzz/seeds/<importer>/): small models of the repo's own.

    python tests/fuzz/make_seeds.py

Small seeds keep a run fast (thousands of imports a minute) and still reach every importer path:
the shipped MNIST CNN and zoo models (float ONNX), their onnxruntime-quantized QDQ copies, the
binarized CNN of examples/bnn_digits (QONNX), and TFLite Micro's small models plus generated
one-layer TFLite models of each supported operator family and a float32 CNN with float16 weights.
"""
import shutil
import sys
from pathlib import Path

import numpy as np
import onnx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / "tests"))
import onnx_zoo  # noqa: E402
import test_tflite_import as tt  # noqa: E402
import test_tflite_float as ttf  # noqa: E402


def main():
    out = HERE / "seeds"
    shutil.rmtree(out, ignore_errors=True)
    for d in ("onnx", "qdq", "qonnx", "tflite"):
        (out / d).mkdir(parents=True)
    shutil.copy(ROOT / "examples/mnist_cnn/mnist_cnn.onnx", out / "onnx/mnist_cnn.onnx")
    from nncodegen.harness.int8_agreement import quantize_with_onnxruntime
    for name in ("misc_ops", "mlp_ops", "fire", "encoder_decoder_resize"):
        m = onnx_zoo.ALL[name]()
        fp = out / "onnx" / f"{name}.onnx"
        onnx.save(m, str(fp))
        if name in ("misc_ops", "fire"):
            shape = [d.dim_value for d in m.graph.input[0].type.tensor_type.shape.dim]
            x = np.random.default_rng(0).normal(size=[16] + shape[1:]).astype(np.float32)
            quantize_with_onnxruntime(fp, out / "qdq" / f"{name}_s8.onnx", x, "s8", quant_format="QDQ")
            quantize_with_onnxruntime(fp, out / "qdq" / f"{name}_u8_qop.onnx", x, "u8", quant_format="QOperator")
    for f in (out / "qdq").glob("*_pre.onnx"):   # the quantizer's preprocessed float copies
        f.unlink()
    shutil.copy(ROOT / "examples/bnn_digits/bnn_cnn.onnx", out / "qonnx/bnn_cnn.onnx")
    for f in ("hello_world_int8", "hello_world_float", "micro_speech_quantized", "seanet_conv0_int16",
              "simple_add_model"):
        shutil.copy(ROOT / f"tests/models/tflite/{f}.tflite", out / f"tflite/{f}.tflite")
    for kind in tt.KINDS:
        data = tt._random_model(kind, 0)
        (out / "tflite" / f"gen_{kind}.tflite").write_bytes(data[0] if isinstance(data, tuple) else data)
    (out / "tflite" / "gen_float_cnn_f16.tflite").write_bytes(ttf._cnn(0, True))   # a float32 model, fp16 weights
    for p in sorted(out.rglob("*.*")):
        print(f"{p.relative_to(HERE)}  {p.stat().st_size} B")


if __name__ == "__main__":
    main()
