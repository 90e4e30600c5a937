"""The Python API (see CONTRACT.md)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np

from .ir.checker import check_graph
from .ir.graph import Graph, GraphError


def load(path) -> Graph:
    """Load a model: .onnx (float, QDQ int8, QONNX), .tflite (int8), .nnc (native)."""
    p = Path(path)
    if not p.exists():
        raise GraphError(f"{path}: no such file")
    suffix = p.suffix.lower()
    if suffix == ".onnx":
        from .frontends.onnx_import import load_onnx
        g = load_onnx(str(p))
    elif suffix == ".tflite":
        from .frontends.tflite_import import load_tflite
        g = load_tflite(p)
    elif suffix == ".nnc":
        from .ir.serialize import load_graph
        g = load_graph(p)
    else:
        raise GraphError(f"{path}: unknown model format {suffix!r} (expected .onnx, .tflite or .nnc)")
    from .passes.pipeline import run_passes
    try:
        return run_passes(g)
    except GraphError:
        raise
    except Exception as e:  # noqa: BLE001 -- a pass met a graph no import check refused: one line
        from .frontends.common import one_line
        raise GraphError(f"{path}: cannot import: the passes failed: {type(e).__name__}: {one_line(e)}") from None


def quantize(graph: Graph, calib: np.ndarray, scheme: str = "q7", rounding: str = "double") -> Graph:
    """Post-training quantization: Q-format (``q7``, ``q15``) or affine ``int8`` (onnxruntime's MinMax
    policy; ``rounding`` "double" or "single" requantization); ``calib`` is a float batch (N, H, W, C)
    or (N, F)."""
    if scheme in ("none", "float", "f32"):
        return graph.copy()
    if scheme == "int8":
        from .passes.quantize_affine import quantize_graph_int8
        return quantize_graph_int8(graph, calib, rounding)
    from .passes.quantize import quantize_graph
    return quantize_graph(graph, calib, scheme)


def join_inputs(graph: Graph, xs) -> np.ndarray:
    """The one input of a model whose several inputs are joined (a TFLite model with several inputs:
    ``graph.meta["inputs"]``): ``xs`` holds one batch (N, *shape_k) per model input, in the model's input order;
    returns (N, inputs, longest), row k input k flattened and zero-padded, in xs' dtype (float inputs for
    ``run`` / ``verify`` / ``reference``, raw integers for ``CModel.run_raw``)."""
    meta = graph.meta.get("inputs") or []
    if len(meta) < 2:
        raise GraphError(f"model {graph.name!r} has one input: nothing to join")
    if len(xs) != len(meta):
        raise GraphError(f"model {graph.name!r} has {len(meta)} inputs, {len(xs)} arrays given")
    arrs = [np.asarray(x) for x in xs]
    n = {a.shape[0] if a.ndim else -1 for a in arrs}
    if len(n) != 1 or -1 in n:
        raise GraphError(f"join_inputs: the arrays need one batch size on their first axis, have "
                         f"{[a.shape for a in arrs]}")
    n = n.pop()
    longest = int(graph.tensors[graph.inputs[0]].shape[2])
    out = np.zeros((n, len(meta), longest), dtype=np.result_type(*arrs))
    for k, (m, a) in enumerate(zip(meta, arrs)):
        if a[0].size != int(m["size"]):
            raise GraphError(f"join_inputs: input {k} ({m['name'][:80]!r}) has {int(m['size'])} elements a sample "
                             f"(shape {tuple(m['shape'])}), the array {a[0].size} (shape {a.shape[1:]})")
        out[:, k, :a[0].size] = a.reshape(n, -1)
    return out


def split_outputs(graph: Graph, y: np.ndarray) -> list:
    """The model's outputs from the one output of a model whose several outputs are joined
    (``graph.meta["outputs"]``): ``y`` a batch of joined outputs (as ``CModel.run`` / ``run_raw``, ``simulate`` or
    ``nncodegen run`` give them); returns one array (N, *shape_k[1:]) per model output, in the model's order."""
    meta = graph.meta.get("outputs") or []
    if len(meta) < 2:
        raise GraphError(f"model {graph.name!r} has one output: nothing to split")
    per = int(np.prod(graph.tensors[graph.outputs[0]].shape, dtype=np.int64))
    y = np.asarray(y)
    if y.size % per:
        raise GraphError(f"split_outputs: {y.size} values are not whole samples of {per}")
    flat = y.reshape(-1, per)
    return [flat[:, int(m["offset"]):int(m["offset"]) + int(m["size"])].reshape((-1,) + tuple(m["shape"][1:]))
            for m in meta]


def reference(graph: Graph, x: np.ndarray) -> np.ndarray:
    """Float reference output for a batch x (float32, NHWC)."""
    from .ref.interpreter import run_float
    return run_float(graph, x)


def simulate(graph: Graph, x: np.ndarray, raw: bool = False, trace: bool = False):
    """Bit-exact execution of what the generated C computes, from float input x (N, ...).

    Integer graphs: input quantized with the input format, output dequantized to
    float32 (``raw=True`` returns the integers).  Float graphs: the float32 kernel twins.
    """
    from .lower.lower import lower
    from .ref.interpreter import _check_input
    from .ref.program_sim import run_program
    x = _check_input(graph, x)
    prog = lower(graph)
    tin = graph.tensors[graph.inputs[0]]
    tout = graph.tensors[graph.outputs[0]]
    xq = tin.fmt.quantize(x) if tin.fmt.kind != "float" else x.astype(np.float32)
    outs, traces = [], []
    for i in range(x.shape[0]):
        r = run_program(graph, prog, xq[i:i + 1], trace=trace)
        if trace:
            outs.append(r[0])
            traces.append(r[1])
        else:
            outs.append(r)
    y = np.concatenate(outs)
    if tout.fmt.kind != "float" and not raw:
        y = tout.fmt.dequantize(y)
    if trace:
        return y, traces
    return y


def generate(graph: Graph, outdir, name: Optional[str] = None, target: str = "generic", source: str = "",
             sample: Optional[np.ndarray] = None) -> Path:
    """Write the C project for ``graph`` into ``outdir``; returns the directory."""
    from .codegen.emit import generate as _gen
    check_graph(graph, "generate")
    return _gen(graph, outdir, name=name, target=target, source=source, sample=sample)


def build(outdir, trace: bool = False):
    """Build the generated C in ``outdir`` with cffi; returns a CModel."""
    from .harness.cmodel import CModel
    return CModel(outdir, trace=trace)
