"""ONNX handlers: Identity, Dropout, Cast / CastLike, and Max / Min with a constant (a clip)."""
from __future__ import annotations

import numpy as np



class BasicOps:
    # ---- trivial -----------------------------------------------------------------------
    def op_Identity(self, node, ins, a):
        self.alias(node, ins[0])

    def op_Dropout(self, node, ins, a):
        if len(node.output) > 1 and node.output[1] and self.n_consumers.get(node.output[1], 0):
            self.fail(node, "the mask output is used (training mode) - not supported")
        if len(ins) > 2 and ins[2] is not None:
            if not ins[2].is_const or bool(np.asarray(ins[2].const).reshape(-1)[0]):
                self.fail(node, "training_mode must be a constant false")
        self.alias(node, ins[0])

    def op_Cast(self, node, ins, a):
        if a.get("to") != self.onnx.TensorProto.FLOAT:
            self.bad_attr(node, "to", a.get("to"), "(only a cast to float32 of an activation is supported)")
        self.alias(node, ins[0])

    def op_CastLike(self, node, ins, a):
        x, like = ins[0], ins[1]
        if like.is_const and np.asarray(like.const).dtype != np.float32:
            self.fail(node, f"only a cast to float32 is supported (target {np.asarray(like.const).dtype})")
        if x.is_const:   # e.g. a function body's CastLike(constant, X): the constant in X's type (float32)
            self.vals[node.output[0]] = self._const_val(np.asarray(x.const).astype(np.float32))
            return
        self.alias(node, x)

    def _clamp_by_consts(self, node, ins, bound: str):
        """Max / Min of one activation and constants of one value: a clip at that value; of two operands
        otherwise (two activations, or an activation and a constant of several values): the element-wise
        maximum / minimum node (float32 kernels maximum_f32 / minimum_f32)."""
        acts = [v for v in ins if v is not None and not v.is_const]
        consts = [np.asarray(v.const, np.float64) for v in ins if v is not None and v.is_const]
        vals = np.concatenate([c.reshape(-1) for c in consts]) if consts else np.zeros(0)
        uniform = not consts or not np.any(vals != vals[0])
        if len(acts) != 1 or not uniform:
            ops = [v for v in ins if v is not None]
            if len(ops) != 2 or not acts:
                self.fail(node, f"{node.op_type} of {len(acts)} activations and {len(consts)} constants is not "
                                "supported (one activation and constants of one value, or two operands)")
            self._binary(node, ops, "maximum" if node.op_type == "Max" else "minimum")
            return
        x = acts[0]
        if not consts:
            self.alias(node, x)
            return
        shape = tuple(np.broadcast_shapes(tuple(x.shape), *[c.shape for c in consts]))
        if shape != tuple(x.shape):
            self.fail(node, f"the constants would broadcast the activation {x.shape} to {shape}")
        v = float(vals[0])
        attrs = {"min": v, "max": None} if bound == "min" else {"min": None, "max": v}
        if attrs == {"min": 0.0, "max": None}:
            self._unary(node, x, "relu", {})
        else:
            self._unary(node, x, "clip", attrs)

    def op_Max(self, node, ins, a):
        self._clamp_by_consts(node, ins, "min")

    def op_Min(self, node, ins, a):
        self._clamp_by_consts(node, ins, "max")
