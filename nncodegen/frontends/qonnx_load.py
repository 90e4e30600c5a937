"""QONNX import entry: which path a QONNX model takes (binary layers, multi-bit affine, power-of-two Q formats).

``load_qonnx`` checks every Quant first (qonnx_quant.check_quants), then: models of multi-bit Quants with no
binary weights go the affine int8 way (qonnx_to_qdq.load_affine; int16 activations on the 16x8 kernels
when an activation Quant is wider than 8 bits) or, when every scale is a power of two, keep
Q formats (``load_pow2`` below, a QonnxImporter whose activation Quants become clips carrying Q formats);
everything else (BNNs, FINN graphs) goes through qonnx_import.QonnxImporter.
"""
from __future__ import annotations

from typing import Dict, Optional

from ..ir.graph import Graph, GraphError
from .onnx_base import run_guarded
from .qonnx_defs import SHAPE_OPS, is_qonnx  # noqa: F401 -- is_qonnx is part of this module's interface
from .qonnx_import import QonnxImporter
from .qonnx_pow2 import assign_pow2_formats, pow2_quant
from .qonnx_quant import QUANT_OPS, QuantSpec, all_pow2, check_quants, is_affine_model
from .qonnx_to_qdq import load_affine


def load_qonnx(model, src: str, name: Optional[str] = None, path_or_model=None) -> Graph:
    specs = check_quants(model, src)    # every Quant's parameters, one-line errors naming the node
    if is_affine_model(model, specs):   # multi-bit Quants, no binary weights (qonnx_quant.py)
        why = "a scale is not a power of two, or a zero point / unsigned type"
        if all_pow2(model, specs):      # Q formats when every tensor's format comes from a Quant
            try:
                return load_pow2(model, src, name, path_or_model, specs)
            except GraphError as e:
                why = str(e)
        g = load_affine(model, src, name, specs)
        g.meta["quantization"]["policy"] += f"; affine, not Q formats: {why}"
        return g
    return run_guarded(QonnxImporter(model, src, name, path_or_model), src)


def load_pow2(model, src: str, name: Optional[str], path_or_model, specs: Dict[str, QuantSpec]):
    """Import a QONNX model whose Quants all have power-of-two scales as Q formats (qonnx_pow2.py):
    each activation Quant is a clip to its range whose format it gives, weights keep their integers."""

    class _Pow2Importer(QonnxImporter):
        def __init__(self, *a):
            super().__init__(*a)
            self.acts, self.consts, self.wq = {}, {}, {}

        def _fold(self, node, ins):
            outs = super()._fold(node, ins)
            if node.op_type in QUANT_OPS and specs.get(node.output[0]) is not None:
                self.wq[node.output[0]] = specs[node.output[0]]
            if node.op_type in SHAPE_OPS and node.input and node.input[0] in self.wq:
                for o in node.output:
                    self.wq[o] = self.wq[node.input[0]]
            return outs

        def op_Quant(self, node, ins, a):
            spec = specs[node.output[0]]
            if spec.bits == 1:
                return super().op_Quant(node, ins, a)
            x = ins[0]
            pq = pow2_quant(spec.scale.reshape(-1)[0], 0, spec.bits, 1, spec.narrow, spec.mode)
            lo, hi = pq.clip_range()
            src_, layout = self._layout_src(x)
            out = self.emit("clip", [src_], {"min": lo, "max": hi}, out=node.output[0], name=self.nname(node))
            self.set_out(node, out, layout, chw=x.chw if layout == "flat" else None)
            self.acts[out] = pq

        def _weights(self, node, op_names):
            spec = self.wq.get(node.input[1])
            last = next((n for n in reversed(self.g.nodes) if n.op in op_names), None)
            if spec is None or last is None:
                return
            w = self.g.tensors[last.inputs[1]]
            sc = spec.scale.reshape(-1)
            self.consts[w.name] = pow2_quant(sc if sc.size > 1 else sc[0], 0, spec.bits, 1, spec.narrow, spec.mode,
                                             axis=0 if sc.size > 1 else None)

        def op_Conv(self, node, ins, a):
            super().op_Conv(node, ins, a)
            self._weights(node, ("conv2d",))

        def op_Gemm(self, node, ins, a):
            super().op_Gemm(node, ins, a)
            self._weights(node, ("dense",))

        def op_MatMul(self, node, ins, a):
            super().op_MatMul(node, ins, a)
            self._weights(node, ("dense",))

    imp = _Pow2Importer(model, src, name, path_or_model)
    g = run_guarded(imp, src)
    g = assign_pow2_formats(g, imp.acts, imp.consts)
    g.meta["source"] = "qonnx"
    return g
