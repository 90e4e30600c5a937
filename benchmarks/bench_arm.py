"""Instructions per inference on ARM cores, under qemu with the project's instruction-count plugin.

    python benchmarks/bench_arm.py [--target cortex-m4] [--portable] [--json benchmarks/results/arm.json]
                                   [--skip-a55]

Models:
  person_detect  an int8 MobileNetV1-0.25 on a 96x96x1 input laid out like TFLite Micro's person-detection
                 network (PEERS.md): a first depthwise 3x3 with channel multiplier 8, thirteen 3x3 depthwise +
                 1x1 blocks, average pool, a 1x1 convolution to 2 classes, softmax; 7.16 M MACs.  Weights are
                 seeded random int8 with per-channel scales (the instruction counts do not depend on what the
                 network learned), built as a .tflite file with tests/tflite_builder.py and compiled by the
                 TFLite front end (TFLite's double rounding).
  mnist_cnn q7   examples/mnist_cnn quantized to Q7 with its calibration set.
Per conv layer: MACs (out_h * out_w * out_c * k_h * k_w * in_c / groups), instructions (the plugin's count
between the trace marks, hook cost removed) and MACs per instruction; the physical bound on a Cortex-M4 is 2
MACs per instruction (SMLAD).  CMSIS-NN's count for the same network at -O2 is 22,919,957 instructions
(PEERS.md, measured with the same plugin and board).  With --portable the same C is also counted with
-DNNC_NO_SIMD.  Unless --skip-a55, the q7 MNIST model and the int8 network are also counted on
aarch64 Linux with -mcpu=cortex-a53 (NEON) and -mcpu=cortex-a55 (NEON + SDOT).
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import nncodegen  # noqa: E402
from nncodegen.harness.icount import count_on_target  # noqa: E402

CMSIS_NN_M4_O2 = 22_919_957
# MobileNetV1-0.25 body: (depthwise stride, pointwise output channels)
MOBILENET_BLOCKS = [(1, 16), (2, 32), (1, 32), (2, 64), (1, 64), (2, 128), (1, 128), (1, 128), (1, 128),
                    (1, 128), (1, 128), (2, 256), (1, 256)]


def person_detect_tflite(seed: int = 0) -> bytes:
    """The int8 MobileNetV1-0.25 96x96x1 network as .tflite bytes (seeded random weights)."""
    from tflite_builder import TfliteBuilder
    rng = np.random.default_rng(seed)
    b = TfliteBuilder()
    act_scale, act_zp = 6.0 / 255.0, -128  # ReLU6 activations, as in TFLite's person-detection model

    def weights(shape, fan_in, n_out):
        w = rng.integers(-127, 128, size=shape).astype(np.int8)
        scales = (np.sqrt(6.0 / fan_in) / 127.0 * rng.uniform(0.7, 1.3, n_out)).astype(np.float32)
        return w, scales

    def bias(n, in_scale, w_scales):
        real = rng.normal(0.0, 0.3, n)
        return np.round(real / (np.float32(in_scale) * w_scales)).astype(np.int32)

    x = b.input((1, 96, 96, 1), 1.0 / 128.0, 0)
    w, s = weights((1, 3, 3, 8), 9, 8)
    y = b.conv2d(x, w, bias(8, 1 / 128, s), s, act_scale, act_zp, stride=2, padding="SAME", act="relu6",
                 depthwise=True)
    c = 8
    for stride, co in MOBILENET_BLOCKS:
        w, s = weights((1, 3, 3, c), 9, c)
        y = b.conv2d(y, w, bias(c, act_scale, s), s, act_scale, act_zp, stride=stride, padding="SAME",
                     act="relu6", depthwise=True)
        w, s = weights((co, 1, 1, c), c, co)
        y = b.conv2d(y, w, bias(co, act_scale, s), s, act_scale, act_zp, stride=1, padding="SAME", act="relu6")
        c = co
    y = b.pool(y, "avg", 3, 3)
    w, s = weights((2, 1, 1, c), c, 2)
    y = b.conv2d(y, w, bias(2, act_scale, s), s, 0.1, 0, stride=1, padding="SAME")
    y = b.reshape(y, (1, 2))
    out = b.act((1, 2), 1.0 / 256.0, -128)
    o = b.s.SoftmaxOptionsT()
    o.beta = 1.0
    b.op(b.s.BuiltinOperator.SOFTMAX, [y], [out], b.s.BuiltinOptions.SoftmaxOptions, o, 2)
    return b.finish(out)


def person_detect_graph(seed: int = 0):
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "person_detect.tflite"
        p.write_bytes(person_detect_tflite(seed))
        return nncodegen.load(str(p))


def mnist_q7_graph():
    import onnx
    from nncodegen.frontends.onnx_import import load_onnx
    mn = ROOT / "examples" / "mnist_cnn"
    g = load_onnx(onnx.load(str(mn / "mnist_cnn.onnx")))
    return nncodegen.quantize(g, np.load(mn / "calib.npy"), "q7")


def layer_macs(g) -> dict:
    """MACs of every conv2d / dense node of the graph, by node name."""
    macs = {}
    for n in g.nodes:
        if n.op == "conv2d":
            w = g.tensors[n.inputs[1]].shape  # [out_c, k_h, k_w, in_c / groups]
            y = g.tensors[n.outputs[0]].shape
            macs[n.name] = int(np.prod(y[1:]) * np.prod(w[1:]))
        elif n.op == "dense":
            w = g.tensors[n.inputs[1]].shape
            macs[n.name] = int(w[0] * w[1])
    return macs


def conv_kind(g, name: str) -> str:
    n = next(n for n in g.nodes if n.name == name)
    if n.op == "dense":
        return "dense"
    w = g.tensors[n.inputs[1]].shape
    groups = n.attrs.get("groups", 1)
    if groups > 1:
        return f"dw {w[1]}x{w[2]}"
    return f"{w[1]}x{w[2]}"


def count(g, name: str, target: str, codegen_target: str, defines=()) -> dict:
    with tempfile.TemporaryDirectory() as d:
        out = nncodegen.generate(g, Path(d) / name, name=name, target=codegen_target)
        res = count_on_target(out, target, defines=defines)
    macs = layer_macs(g)
    for layer in res["layers"]:
        layer["macs"] = macs.get(layer["name"], 0)
        if layer["macs"]:
            layer["kind"] = conv_kind(g, layer["name"])
    res["macs"] = sum(macs.values())
    return res


def table(res: dict) -> str:
    lines = [f"{res['name']} on {res['target']} ({res['simd_path']}): {res['instructions_per_inference']:,} "
             f"instructions per inference, {res['macs']:,} MACs, "
             f"{res['macs'] / res['instructions_per_inference']:.3f} MACs per instruction"]
    w = max(len(layer["name"]) for layer in res["layers"])
    lines.append(f"{'layer'.ljust(w)}  {'kind':<7} {'MACs':>10} {'instructions':>13} {'MACs/instr':>10}")
    conv_m = conv_i = 0
    for layer in res["layers"]:
        if not layer["macs"]:
            lines.append(f"{layer['name'].ljust(w)}  {layer['op']:<7} {'':>10} {layer['instructions']:>13,}")
            continue
        conv_m += layer["macs"]
        conv_i += layer["instructions"]
        lines.append(f"{layer['name'].ljust(w)}  {layer['kind']:<7} {layer['macs']:>10,} "
                     f"{layer['instructions']:>13,} {layer['macs'] / max(1, layer['instructions']):>10.3f}")
    lines.append(f"{'conv layers'.ljust(w)}  {'':<7} {conv_m:>10,} {conv_i:>13,} {conv_m / max(1, conv_i):>10.3f}")
    kinds = {}
    for layer in res["layers"]:
        if layer["macs"]:
            k = kinds.setdefault(layer["kind"], [0, 0])
            k[0] += layer["macs"]
            k[1] += layer["instructions"]
    for kind, (m, i) in kinds.items():
        lines.append(f"{('  ' + kind + ' layers').ljust(w)}  {'':<7} {m:>10,} {i:>13,} {m / max(1, i):>10.3f}")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--target", default="cortex-m4", choices=["cortex-m4", "cortex-m7"])
    ap.add_argument("--portable", action="store_true", help="also count the -DNNC_NO_SIMD build")
    ap.add_argument("--skip-a55", action="store_true", help="skip the aarch64 Cortex-A53 / A55 counts")
    ap.add_argument("--json", default=str(ROOT / "benchmarks" / "results" / "arm.json"))
    a = ap.parse_args(argv)
    graphs = {"person_detect": person_detect_graph(), "mnist_q7": mnist_q7_graph()}
    results = {"cmsis_nn_person_detect_m4_o2": CMSIS_NN_M4_O2, "runs": []}
    for name, g in graphs.items():
        variants = [("simd", ())] + ([("portable", ("NNC_NO_SIMD",))] if a.portable else [])
        for label, defs in variants:
            res = count(g, name, a.target, a.target, defs)
            res["variant"] = label
            results["runs"].append(res)
            print(table(res))
            if name == "person_detect" and label == "simd":
                print(f"vs CMSIS-NN ({CMSIS_NN_M4_O2:,} instructions, -O2, Cortex-M4): "
                      f"{res['instructions_per_inference'] / CMSIS_NN_M4_O2:.2f}x")
            print()
    if not a.skip_a55:
        for name, g in graphs.items():
            per = {}
            for cpu in ("cortex-a53", "cortex-a55"):
                res = count(g, name, "aarch64-linux", cpu)
                res["variant"] = cpu
                results["runs"].append(res)
                per[cpu] = res["instructions_per_inference"]
            print(f"{name} on aarch64: cortex-a53 (neon) {per['cortex-a53']:,}, cortex-a55 (neon + sdot) "
                  f"{per['cortex-a55']:,} instructions: {per['cortex-a53'] / per['cortex-a55']:.2f}x")
    Path(a.json).parent.mkdir(parents=True, exist_ok=True)
    Path(a.json).write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {a.json}")


if __name__ == "__main__":
    main()
