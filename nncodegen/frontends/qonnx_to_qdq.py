"""QONNX -> QDQ: a multi-bit QONNX model rewritten into the QDQ form and imported by the affine int8 front end
(``to_qdq``, ``load_affine``; the rules, int16 activations included, in qonnx_quant.py's docstring)."""
from __future__ import annotations

import copy
from typing import Dict, List, Optional, Tuple

import numpy as np

from ..ir.graph import GraphError
from .common import FreshNames
from .qonnx_defs import QONNX_DOMAINS
from .qonnx_quant import QUANT_OPS, MOVES, QuantSpec, _attrs, _label, _constants


class _QdqWriter(FreshNames):
    def __init__(self, model, src, specs):
        import onnx
        self.onnx, self.h = onnx, onnx.helper
        self.model, self.src, self.specs = model, src, specs
        self.consts = _constants(model, src)
        self.names = {o for n in model.graph.node for o in n.output} | set(self.consts) | \
            {i.name for i in model.graph.input}
        self.inits: List = []
        self.nodes: List = []
        self.k = 0
        self.fmt: Dict[str, Tuple[str, str]] = {}   # value -> (scale, zero point) initializers of its Q/DQ pair
        cons: Dict[str, list] = {}
        for n in model.graph.node:
            for i in n.input:
                cons.setdefault(i, []).append(n)
        self.cons = cons
        self.skip = set()
        # int16 activations (TFLite 16x8) when an activation Quant is wider than 8 bits: every activation
        # Quant then takes int16 storage (narrower ranges are clips), weights must fit int8
        self.wide = any(n.op_type in QUANT_OPS and n.domain in QONNX_DOMAINS and n.input[0] not in self.consts
                        and specs[n.output[0]].bits > 8 for n in model.graph.node)

    def init(self, base: str, arr) -> str:
        n = self.fresh(base)
        self.inits.append(self.onnx.numpy_helper.from_array(np.asarray(arr), n))
        return n

    def fail(self, node, msg):
        raise GraphError(f"{_label(self.src, node)}: {msg}")

    def qdq(self, x: str, fmt: Tuple[str, str], out: str, name: str) -> str:
        q = self.fresh(x + "_int")
        self.nodes.append(self.h.make_node("QuantizeLinear", [x, fmt[0], fmt[1]], [q], name=name + "_quantize"))
        self.nodes.append(self.h.make_node("DequantizeLinear", [q, fmt[0], fmt[1]], [out], name=name + "_dequantize"))
        self.fmt[out] = fmt
        return out

    def storage(self, spec: QuantSpec) -> Tuple[int, int]:
        """(qmin, qmax) of an activation Quant's storage type."""
        if self.wide:
            return -32768, 32767
        return (-128, 127) if spec.signed else (0, 255)

    def act_format(self, node, spec: QuantSpec) -> Tuple[str, str]:
        if spec.mode not in ("ROUND", "HALF_EVEN"):
            self.fail(node, f"Quant with rounding_mode {spec.mode!r} on activations is not supported here "
                            f"(QuantizeLinear rounds half to even: ROUND, HALF_EVEN)")
        if self.wide:   # TFLite 16x8: symmetric int16 activations
            z = int(spec.zp.reshape(-1)[0])
            if z != 0:
                self.fail(node, f"zero point {z} on a Quant of a model with activations wider than 8 bits: "
                                f"int16 activations take zero point 0 (TFLite's 16x8 kernels)")
            if spec.qmax > 32767:
                self.fail(node, f"an unsigned {spec.bits}-bit Quant on activations (0..{spec.qmax}) does not fit "
                                f"int16 (unsigned activations up to 15 bits, signed up to 16)")
            return (self.init(spec.name + "_scale", np.float32(spec.scale.reshape(-1)[0]).reshape(())),
                    self.init(spec.name + "_zp", np.asarray(0, np.int16).reshape(())))
        if spec.bits > 8:
            self.fail(node, f"a {spec.bits}-bit Quant on activations: the affine kernels are 8-bit (bit widths 2..8)")
        dt = np.int8 if spec.signed else np.uint8
        s = np.float32(spec.scale.reshape(-1)[0])
        return (self.init(spec.name + "_scale", s.reshape(())),
                self.init(spec.name + "_zp", np.asarray(int(spec.zp.reshape(-1)[0]), dt).reshape(())))

    def act_quant(self, node, spec: QuantSpec):
        x, out = node.input[0], node.output[0]
        if spec.bits == 1:
            self.fail(node, "a 1-bit Quant on activations in a network without binary weights is not supported")
        fmt = self.act_format(node, spec)
        full = (spec.qmin, spec.qmax) == self.storage(spec)
        if full:
            self.qdq(x, fmt, out, spec.name)
            return
        mid = self.qdq(x, fmt, self.fresh(out + "_wide"), spec.name)
        s, z = float(np.float32(spec.scale.reshape(-1)[0])), int(spec.zp.reshape(-1)[0])
        lo = self.init(spec.name + "_lo", np.float32((spec.qmin - z) * s))
        hi = self.init(spec.name + "_hi", np.float32((spec.qmax - z) * s))
        clipped = self.fresh(out + "_clip")
        self.nodes.append(self.h.make_node("Clip", [mid, lo, hi], [clipped], name=spec.name + "_range"))
        self.qdq(clipped, fmt, out, spec.name + "_narrow")

    def weight_quant(self, node, spec: QuantSpec):
        """Integers behind a DequantizeLinear (int8, per tensor or per output channel), or float values
        when they do not fit int8 (the layer then runs in float)."""
        w = np.asarray(self.consts[node.input[0]], np.float64)
        q = spec.integers(w)
        zp = np.broadcast_to(spec.zp, q.shape) if spec.zp.size > 1 else spec.zp.reshape(())
        out = node.output[0]
        # follow Transpose nodes of the constant (the Linear weight of a MatMul)
        perm = list(range(q.ndim))
        while len(self.cons.get(out, [])) == 1 and self.cons[out][0].op_type == "Transpose":
            t = self.cons[out][0]
            p = _attrs(t).get("perm", list(range(q.ndim))[::-1])
            perm = [perm[i] for i in p]
            self.skip.add(id(t))
            out = t.output[0]
        q = np.transpose(q, perm)
        sc = np.transpose(np.broadcast_to(spec.scale, w.shape), perm) if spec.scale.size > 1 else spec.scale
        zpa = np.transpose(np.broadcast_to(zp, w.shape), perm) if np.ndim(zp) else zp
        ints = q - zpa
        fits = spec.bits <= 8 and spec.signed and not np.any(spec.zp) and ints.min(initial=0) >= -128 and \
            ints.max(initial=0) <= 127
        if not fits and self.wide:
            self.fail(node, f"{spec.bits}-bit {'signed' if spec.signed else 'unsigned'} weights"
                            f"{' with a zero point' if np.any(spec.zp) else ''} in a model with activations wider "
                            f"than 8 bits: int16 activations take symmetric signed weights of up to 8 bits "
                            f"(TFLite's 16x8 kernels)")
        if not fits:
            val = (ints * sc).astype(np.float32)
            self.inits.append(self.onnx.numpy_helper.from_array(val, out))
            return
        if spec.scale.size > 1:
            axis = [i for i, d in enumerate(np.shape(sc)) if d != 1]
            axis = axis[0] if len(axis) == 1 else 0
            s1 = np.moveaxis(np.asarray(sc), axis, 0).reshape(np.shape(sc)[axis], -1)[:, 0].astype(np.float32)
            attrs = {"axis": axis}
        else:
            s1, attrs = np.float32(spec.scale.reshape(-1)[0]).reshape(()), {}
        qn = self.init(spec.name + "_int", ints.astype(np.int8))
        sn = self.init(spec.name + "_scale", s1)
        zn = self.init(spec.name + "_zp", np.zeros(np.shape(s1), np.int8))
        self.nodes.append(self.h.make_node("DequantizeLinear", [qn, sn, zn], [out], name=spec.name, **attrs))

    def relu_before_quant(self, node) -> Optional[QuantSpec]:
        """The spec of the Quant that alone reads this Relu's output, when the Relu alone reads its input."""
        users = self.cons.get(node.output[0], [])
        if len(users) != 1 or users[0].op_type not in QUANT_OPS or len(self.cons.get(node.input[0], [])) != 1:
            return None
        return self.specs.get(users[0].output[0])

    def run(self):
        m = copy.deepcopy(self.model)
        for node in self.model.graph.node:
            if id(node) in self.skip:
                continue
            if node.domain in QONNX_DOMAINS:
                if node.op_type not in QUANT_OPS:
                    self.fail(node, "only Quant / IntQuant are supported in a network without binary weights")
                spec = self.specs[node.output[0]]
                if node.input[0] in self.consts:
                    self.weight_quant(node, spec)
                else:
                    self.act_quant(node, spec)
                continue
            n = copy.deepcopy(node)
            if node.op_type == "Relu":
                spec = self.relu_before_quant(node)
                if spec is not None and (spec.bits <= 8 or self.wide):
                    fmt = self.act_format(self.cons[node.output[0]][0], spec)   # errors name the Quant
                    n.input[0] = self.qdq(node.input[0], fmt, self.fresh(node.input[0] + "_q"),
                                          (node.name or "relu") + "_in")
            if node.op_type in MOVES and node.input and node.input[0] in self.fmt:
                if node.op_type in ("MaxPool", "GlobalMaxPool"):
                    raw = self.fresh(node.output[0] + "_raw")
                    n.output[0] = raw
                    self.nodes.append(n)
                    self.qdq(raw, self.fmt[node.input[0]], node.output[0], node.name or node.op_type)
                    continue
                self.fmt[node.output[0]] = self.fmt[node.input[0]]
            self.nodes.append(n)
        del m.graph.node[:]
        m.graph.node.extend(self.nodes)
        m.graph.initializer.extend(self.inits)
        keep = [o for o in m.opset_import if o.domain not in QONNX_DOMAINS]
        del m.opset_import[:]
        m.opset_import.extend(keep)
        return m


def to_qdq(model, src: str, specs: Dict[str, QuantSpec]):
    """The QONNX model rewritten into QDQ form (see the module docstring)."""
    return _QdqWriter(model, src, specs).run()


def load_affine(model, src: str, name: Optional[str], specs: Dict[str, QuantSpec]):
    """Import a multi-bit QONNX model through the affine int8 front end (int16 activations when an
    activation Quant is wider than 8 bits: see the module docstring)."""
    from .onnx_qdq import load_qdq
    from .onnx_qdq_fold import ROUNDING_POLICY
    ROUNDING_POLICY_DOUBLE = ROUNDING_POLICY["double"]
    w = _QdqWriter(model, src, specs)
    m = w.run()
    m.graph.name = m.graph.name or "qonnx"
    tag = f"onnx model {m.graph.name!r}"
    try:   # int16 activations run on TFLite's 16x8 kernels, whose element-wise rescaling rounds twice
        g = load_qdq(m, name, rounding="double" if w.wide else "single", int16=w.wide)
    except GraphError as e:
        raise GraphError(str(e).replace(tag, src, 1)) from None
    q = g.meta["quantization"]
    q["policy"] = "formats from the model's QONNX Quant nodes (no recalibration); " + \
        q["policy"].split("; ", 1)[1] if "; " in q["policy"] else q["policy"]
    if w.wide:
        q.update(scheme="int16x8", bits=16)
        q["policy"] = q["policy"].replace(
            ROUNDING_POLICY_DOUBLE, "int16 activations (an activation Quant is wider than 8 bits) on TFLite's "
            "16x8 kernels: int64 accumulators rescaled by TFLite's 64-bit multiplier (15-bit), element-wise "
            "rescaling with double rounding", 1)
    q["source"] = "qonnx"
    g.meta["source"] = "qonnx"
    return g
