"""ONNX handlers: Relu, Sigmoid, Tanh, HardSwish, LeakyRelu, HardSigmoid, Clip, PRelu."""
from __future__ import annotations

import numpy as np

from ..onnx_values import Val


class ActivationOps:
    # ---- activations --------------------------------------------------------------------
    def _unary(self, node, x: Val, op: str, attrs: dict):
        if x.layout in ("nhwc", "flat"):
            src, layout = x.ir, x.layout
        else:
            src, layout = self.plain(x), "plain"
        out = self.emit(op, [src], attrs, out=node.output[0], name=self.nname(node))
        self.set_out(node, out, layout, chw=x.chw if layout == "flat" else None)

    def op_Relu(self, node, ins, a):
        self._unary(node, ins[0], "relu", {})

    def op_Sigmoid(self, node, ins, a):
        self._unary(node, ins[0], "sigmoid", {})

    def op_Tanh(self, node, ins, a):
        self._unary(node, ins[0], "tanh", {})

    def op_HardSwish(self, node, ins, a):
        self._unary(node, ins[0], "hard_swish", {})

    def op_LeakyRelu(self, node, ins, a):
        self._unary(node, ins[0], "leaky_relu", {"alpha": float(a.get("alpha", 0.01))})

    def op_HardSigmoid(self, node, ins, a):
        self._unary(node, ins[0], "hard_sigmoid", {"alpha": float(a.get("alpha", 0.2)),
                                                   "beta": float(a.get("beta", 0.5))})

    def op_Clip(self, node, ins, a):
        if self.opset < 11:
            lo = a.get("min", None)
            hi = a.get("max", None)
        else:
            lo = self.const_in(node, ins, 1, "min", optional=True)
            hi = self.const_in(node, ins, 2, "max", optional=True)
            lo = None if lo is None else float(np.asarray(lo).reshape(-1)[0])
            hi = None if hi is None else float(np.asarray(hi).reshape(-1)[0])
        if lo is not None and lo <= -3.4e38:
            lo = None
        if hi is not None and hi >= 3.4e38:
            hi = None
        if lo is None and hi is None:
            self.alias(node, ins[0])
            return
        if lo == 0.0 and hi is None:
            self._unary(node, ins[0], "relu", {})
            return
        self._unary(node, ins[0], "clip", {"min": lo, "max": hi})

    def op_PRelu(self, node, ins, a):
        x = ins[0]
        slope = np.asarray(self.const_in(node, ins, 1, "slope"), np.float64)
        r = len(x.shape)
        try:
            full = np.broadcast_to(slope.reshape((1,) * max(0, r - slope.ndim) + slope.shape), x.shape)
        except ValueError:
            self.fail(node, f"slope {slope.shape} does not broadcast to the input {x.shape}")
        varying = [ax for ax in range(r) if x.shape[ax] > 1 and
                   not np.all(full == np.take(full, [0], axis=ax))]
        if not varying:
            layout = x.layout if x.layout in ("nhwc", "flat") else "plain"
            src = x.ir if layout != "plain" else self.plain(x)
            c = self.ir_shape(src)[-1]
            vec = np.full((c,), float(slope.reshape(-1)[0]))
        elif varying == [1] and r == 4:
            layout, src = "nhwc", self.nhwc(x)
            vec = full[0, :, 0, 0]
        elif varying == [r - 1]:
            layout, src = "plain", self.plain(x)
            vec = full.reshape(-1, x.shape[-1])[0]
        else:
            # the slope varies along several axes: y = relu(x) + slope * min(x, 0)
            if x.layout == "nhwc":
                src, layout, cs = x.ir, "nhwc", self.const_to_storage(full, x)
            else:
                src, layout, cs = self.plain(x), "plain", full
            nm = self.nname(node)
            pos = self.emit("relu", [src], {}, name=f"{nm}_pos")
            neg = self.emit("clip", [src], {"min": None, "max": 0.0}, name=f"{nm}_neg")
            neg = self.emit("mul", [neg, self.const(cs, f"{nm}_slope")], {}, name=f"{nm}_scaled")
            out = self.emit("add", [pos, neg], {}, out=node.output[0], name=nm)
            self.set_out(node, out, layout)
            return
        out = self.emit("prelu", [src, self.const(vec, f"{self.nname(node)}_slope")], {},
                        out=node.output[0], name=self.nname(node))
        self.set_out(node, out, layout, chw=x.chw if layout == "flat" else None)
