"""TFLite camera models and the operators they brought (MEAN, MUL, TRANSPOSE, RESIZE_NEAREST_NEIGHBOR)
against TFLite Micro's reference kernels, bit for bit:

* random one-operator models (tests/tflite_builder.py) of each new operator, compiled and run as C;
* three real int8 image models (tests/models/tflite/README.md): PyTorch's MobileNetV2 converted to TFLite
  (NCHW input through a TRANSPOSE, MEAN), MCUNetV2 (MEAN x28, MUL x26, TRANSPOSE) and TinyEngine's person
  detector (RESIZE_NEAREST_NEIGHBOR, three float outputs joined into one row), on random inputs and, for
  MobileNetV2, on scikit-learn's two sample photographs.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import nncodegen
from nncodegen.ir.graph import GraphError

from helpers import assert_equal_ref, random_models
from tflite_builder import f32
from test_tflite_import import run_litert_ref, run_tflm

MODELS = Path(__file__).resolve().parent / "models" / "tflite"
MOBILENET, MCUNET, DETECTION = "mobilenet_v2_quantized_1x3x224x224", "mcunetv2_large", "tinyengine_detection"



def _random_model(kind, seed):
    from tflite_builder import TfliteBuilder
    rng = np.random.default_rng(seed)
    b = TfliteBuilder()
    s_in, z_in = f32(rng.uniform(0.01, 0.1)), int(rng.integers(-40, 40))
    if kind == "mean":
        rank = int(rng.integers(2, 5))
        shape = [1] + [int(v) for v in rng.integers(1, 9, size=rank - 1)]
        x = b.input(shape, s_in, z_in)
        axes = [int(a) for a in rng.choice(rank, size=int(rng.integers(1, rank + 1)), replace=False)]
        keep = bool(rng.integers(0, 2)) or len(axes) == rank
        if seed % 2:  # the same format (MCUNet's case) or another one
            y = b.mean(x, axes, keep, s_in, z_in)
        else:
            y = b.mean(x, [a - rank if rng.integers(0, 2) else a for a in axes], keep,
                       f32(s_in * rng.uniform(0.3, 2.0)), int(rng.integers(-40, 40)))
    elif kind == "mul":
        h, w, c = (int(v) for v in rng.integers(1, 8, size=3))
        x = b.input((1, h, w, c), s_in, z_in)
        act = str(rng.choice(["none", "relu", "relu6"]))
        if seed % 2:  # squeeze-excitation: x * mean(x) over H, W
            m = b.mean(x, [1, 2], True, s_in, z_in)
            other = m
        else:  # a constant operand of another shape
            oshape = [(1, 1, 1, c), (1, h, 1, 1), (c,), (1,), (1, h, w, c)][seed // 2 % 5]
            other = b.const_s8(rng.integers(-128, 128, size=oshape), f32(rng.uniform(0.001, 0.05)),
                               int(rng.integers(-20, 20)))
        y = b.mul(x, other, f32(s_in * rng.uniform(0.01, 0.2)), int(rng.integers(-30, 30)), act)
    elif kind == "sub":  # the input minus a 1x1 conv of it, or minus a broadcast constant
        h, w, c = (int(v) for v in rng.integers(1, 8, size=3))
        x = b.input((1, h, w, c), s_in, z_in)
        if seed % 2:
            ws = rng.uniform(0.002, 0.02, c).astype(np.float32)
            other = b.conv2d(x, rng.integers(-127, 128, size=(c, 1, 1, c)), rng.integers(-300, 300, c), ws,
                             f32(s_in * float(ws.mean()) * 108 * np.sqrt(c)), int(rng.integers(-20, 20)))
        else:
            other = b.const_s8(rng.integers(-128, 128, size=(1, 1, 1, c)), f32(rng.uniform(0.01, 0.1)),
                               int(rng.integers(-20, 20)))
        y = b.sub(x, other, f32(rng.uniform(0.02, 0.2)), int(rng.integers(-20, 20)),
                  str(rng.choice(["none", "relu", "relu6"])))
    elif kind == "transpose":
        rank = int(rng.integers(2, 5))
        x = b.input([1] + [int(v) for v in rng.integers(1, 7, size=rank - 1)], s_in, z_in)
        y = b.transpose(x, [int(p) for p in rng.permutation(rank)])
    elif kind == "resize":
        h, w, c = (int(v) for v in rng.integers(1, 9, size=3))
        x = b.input((1, h, w, c), s_in, z_in)
        size = [int(v) for v in rng.integers(1, 20, size=2)]
        mode = seed % 3  # asymmetric, align_corners, half_pixel_centers
        y = b.resize_nearest(x, size, mode == 1, mode == 2)
    else:
        raise ValueError(kind)
    return b.finish(y)


NEW = ["mean", "mul", "transpose", "resize", "sub"]


@pytest.mark.parametrize("kind", NEW)
def test_one_op_models_equal_tflite_micro(kind, tmp_path):
    """Random one-operator models of MEAN (any axes, keep_dims or not, the same or another output format),
    MUL (broadcast operands, fused activations), TRANSPOSE (rank 2-4) and RESIZE_NEAREST_NEIGHBOR (up and
    down, asymmetric / align_corners / half_pixel_centers) and SUB (an activation or a broadcast constant
    subtracted, fused activations): the C equals TFLite Micro bit for bit, and LiteRT's
    reference kernels too."""
    pytest.importorskip("tflite_micro")
    seen = set()
    for seed, path, g, xs, y_c in random_models(_random_model, kind, range(10), tmp_path, 8, np.int8, 100):
        y_ref = run_tflm(path, xs).reshape(y_c.shape)
        assert_equal_ref(y_c, y_ref, f"{kind} seed {seed}")
        if seed < 4 and pytest.importorskip("ai_edge_litert"):
            np.testing.assert_array_equal(y_c, run_litert_ref(path, xs).reshape(y_c.shape), err_msg=f"{kind} {seed}")
        seen.update(int(v) for v in np.unique(y_ref))
    assert len(seen) > 8


def test_resize_indices_are_tflites():
    """align_corners rounds half away from zero in float32; half_pixel_centers offsets by 0.5 and clamps."""
    from nncodegen.ref.float_ops import tflite_nearest_index
    assert tflite_nearest_index(3, 5, True, False).tolist() == [0, 1, 1, 2, 2]  # 0.5 and 1.5 round up
    assert tflite_nearest_index(4, 8, False, False).tolist() == [0, 0, 1, 1, 2, 2, 3, 3]
    assert tflite_nearest_index(4, 3, False, True).tolist() == [0, 2, 3]


def test_refusals_name_the_operator(tmp_path):
    from tflite_builder import TfliteBuilder
    b = TfliteBuilder()
    x = b.input((1, 4, 4, 2), 0.05, 0)
    y = b.act((1, 8, 8, 2), 0.1, 0)  # another format than the input
    st = b.tensor((2,), b.s.TensorType.INT32, data=np.array([8, 8], np.int32))
    b.op(b.s.BuiltinOperator.RESIZE_NEAREST_NEIGHBOR, [x, st], [y])
    path = tmp_path / "r.tflite"
    path.write_bytes(b.finish(y))
    with pytest.raises(GraphError, match=r"operator #0 RESIZE_NEAREST_NEIGHBOR -> 't1'.*share one format"):
        nncodegen.load(path)


# ---------------------------------------------------------------- the three camera models

@pytest.fixture(scope="module")
def camera(tmp_path_factory):
    cache = {}

    def get(name):
        if name not in cache:
            g = nncodegen.load(MODELS / f"{name}.tflite")
            cache[name] = (g, nncodegen.build(nncodegen.generate(g, tmp_path_factory.mktemp(name) / "out",
                                                                  name=name.split("_")[0])))
        return cache[name]
    return get


def _inputs(g, n, seed):
    t = g.tensors[g.inputs[0]]
    rng = np.random.default_rng(seed)
    if t.fmt.kind == "float":  # the float models' inputs: normalised images, about [-2.2, 2.7]
        return rng.uniform(-2.2, 2.7, size=(n,) + tuple(t.shape[1:])).astype(np.float32)
    return rng.integers(-128, 128, size=(n,) + tuple(t.shape[1:])).astype(np.int8)


@pytest.mark.slow
@pytest.mark.parametrize("name", [MOBILENET, MCUNET, DETECTION])
def test_camera_models_equal_tflite_micro(camera, name):
    """20 random inputs each: every output value of the C equals TFLite Micro's."""
    pytest.importorskip("tflite_micro")
    g, cm = camera(name)
    xs = _inputs(g, 20, 7)
    y_c = cm.run(xs) if g.tensors[g.inputs[0]].fmt.kind == "float" else cm.run_raw(xs)
    y_ref = run_tflm(MODELS / f"{name}.tflite", xs, 4_000_000, every_output=True).reshape(y_c.shape)
    same = (y_c == y_ref).all(axis=1)
    assert same.all(), f"{name}: {int((~same).sum())} of 20 samples differ; max |diff| {np.abs(y_c - y_ref).max()}"
    assert len(np.unique(y_ref)) > 20  # the inputs exercise the model


@pytest.mark.slow
def test_mobilenet_litert_differs_only_in_fully_connected(camera):
    """LiteRT's reference kernels (built with single rounding in FULLY_CONNECTED) give the C's integers for
    every layer up to the MEAN before the classifier; the last layer differs by at most 1 LSB."""
    pytest.importorskip("ai_edge_litert")
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    from nncodegen.lower.lower import lower
    from nncodegen.ref.program_sim import run_program
    g, cm = camera(MOBILENET)
    path = MODELS / f"{MOBILENET}.tflite"
    it = Interpreter(model_path=str(path), experimental_op_resolver_type=OpResolverType.BUILTIN_REF,
                     experimental_preserve_all_tensors=True)
    it.allocate_tensors()
    mean = [n for n in g.nodes if n.op == "mean"][0]
    idx = {d["name"]: d["index"] for d in it.get_tensor_details()}[mean.outputs[0]]
    prog = lower(g)
    xs = _inputs(g, 3, 11)
    for x in xs:
        it.set_tensor(it.get_input_details()[0]["index"], x[None])
        it.invoke()
        _, trace = run_program(g, prog, x[None], trace=True)
        np.testing.assert_array_equal(trace[mean.outputs[0]].reshape(-1), it.get_tensor(idx).reshape(-1))
        y_l = it.get_tensor(it.get_output_details()[0]["index"]).astype(np.int64).reshape(-1)
        assert np.abs(cm.run_raw(x[None]).astype(np.int64).reshape(-1) - y_l).max() <= 1


def _sample_photos(size=224):
    """scikit-learn's two sample photographs, centre-cropped to squares and resized (box filter, numpy only)."""
    from sklearn.datasets import load_sample_images
    out = []
    for im in load_sample_images().images:
        h, w, _ = im.shape
        s = min(h, w)
        sq = im[(h - s) // 2:(h - s) // 2 + s, (w - s) // 2:(w - s) // 2 + s].astype(np.float64)
        edges = np.linspace(0, s, size + 1).astype(int)
        rows = np.add.reduceat(sq, edges[:-1], axis=0) / np.diff(edges)[:, None, None]
        out.append(np.add.reduceat(rows, edges[:-1], axis=1) / np.diff(edges)[None, :, None])
    return np.stack(out) / 255.0


@pytest.mark.slow
def test_mobilenet_top1_on_sample_photos_equals_tflite_micro(camera):
    """The two photographs, normalised as torchvision's ImageNet models expect, quantized with the model's
    input scale, NCHW: the C's top-1 class (and every logit) equals TFLite Micro's."""
    pytest.importorskip("tflite_micro")
    pytest.importorskip("sklearn")
    g, cm = camera(MOBILENET)
    assert g.nodes[0].op == "transpose" and g.tensors[g.inputs[0]].shape == (1, 3, 224, 224)
    x = (_sample_photos() - np.array([0.485, 0.456, 0.406])) / np.array([0.229, 0.224, 0.225])
    x = x.transpose(0, 3, 1, 2).astype(np.float32)  # NCHW, as the model takes it
    xq = cm.quantize_input(x)
    y_c = cm.run_raw(xq)
    y_ref = run_tflm(MODELS / f"{MOBILENET}.tflite", xq, 4_000_000, every_output=True).reshape(y_c.shape)
    np.testing.assert_array_equal(y_c, y_ref)
    assert (y_c.argmax(1) == y_ref.argmax(1)).all()
    assert y_c.argmax(1)[0] != y_c.argmax(1)[1]  # two different photographs, two different classes


def test_detection_outputs_joined_in_order():
    g = nncodegen.load(MODELS / f"{DETECTION}.tflite")
    outs = g.meta["outputs"]
    assert [o["shape"] for o in outs] == [[1, 4, 5, 18], [1, 8, 10, 18], [1, 16, 20, 18]]
    assert [o["offset"] for o in outs] == [0, 360, 1800]
    assert g.tensors[g.outputs[0]].shape == (1, 7560)
    assert sum(n.op == "resize" for n in g.nodes) == 2
