"""ONNX handlers: Add, Sub, Mul, Div (two activations, or an activation and a constant)."""
from __future__ import annotations

from typing import Optional

import numpy as np

from ..onnx_values import NCHW_TO_NHWC, NHWC_TO_NCHW, Val


class ElementwiseOps:
    # ---- elementwise binary ------------------------------------------------------------------
    def _binary_const(self, node, op, x: Val, c: np.ndarray, const_first: bool, out: Optional[str]):
        """x (activation) op c (constant) -> the result Val; bound to node.output[0] when out is given."""
        c = np.asarray(c, np.float64)
        oshape = tuple(np.broadcast_shapes(tuple(x.shape), c.shape))
        layout = x.layout
        cs = self.const_to_storage(c, x) if layout != "plain" else c
        if layout == "nhwc" and len(oshape) != 4:
            cs = None
        if layout == "flat" and oshape != tuple(x.shape):
            cs = None
        if cs is None:
            layout, src, cs = "plain", self.plain(x), c
        else:
            src = x.ir
        hint = f"{self.nname(node)}_{op}_c"
        ci = self.const(cs, hint)
        ins_ir = [ci, src] if const_first else [src, ci]
        name = self.nname(node) if out else f"{self.nname(node)}_{op}"
        o = self.emit(op, ins_ir, {}, out=out, name=name)
        st = self.ir_shape(o)
        if layout == "nhwc":
            shape = tuple(st[i] for i in NHWC_TO_NCHW)
        elif layout == "flat":
            shape = tuple(x.shape)
        else:
            shape = st
        v = Val(shape, ir=o, layout=layout, chw=x.chw if layout == "flat" else None)
        if out:
            self.vals[node.output[0]] = v
        return v

    def _binary(self, node, ins, op):
        a_, b_ = ins[0], ins[1]
        if a_.is_const or b_.is_const:
            x, c, const_first = (b_, a_.const, True) if a_.is_const else (a_, b_.const, False)
            cf = np.asarray(c, np.float64)
            if op == "div":
                if const_first:
                    self.fail(node, "constant / activation is not supported")
                op, cf = "mul", 1.0 / cf
            # fold into a preceding conv / dense
            if op in ("add", "sub", "mul") and not (op == "sub" and const_first) and x.layout in ("nhwc", "plain"):
                try:
                    oshape = tuple(np.broadcast_shapes(tuple(x.shape), cf.shape))
                except ValueError:
                    self.fail(node, f"shapes {x.shape} and {cf.shape} do not broadcast")
                if oshape == tuple(x.shape):
                    cs = self.const_to_storage(cf, x)
                    st = tuple(x.shape[i] for i in NCHW_TO_NHWC) if x.layout == "nhwc" else tuple(x.shape)
                    vec = None if cs is None else self.channel_vector(cs, st)
                    if vec is not None:
                        ok = self.try_fold_affine(node, x, vec if op == "mul" else None,
                                                  None if op == "mul" else (vec if op == "add" else -vec))
                        if ok:
                            return
            try:
                np.broadcast_shapes(tuple(x.shape), cf.shape)
            except ValueError:
                self.fail(node, f"shapes {x.shape} and {cf.shape} do not broadcast")
            self._binary_const(node, op, x, cf, const_first, out=node.output[0])
            return
        if op == "div":
            self.fail(node, "division of two activations is not supported")
        try:
            oshape = tuple(np.broadcast_shapes(tuple(a_.shape), tuple(b_.shape)))
        except ValueError:
            self.fail(node, f"shapes {a_.shape} and {b_.shape} do not broadcast")
        if a_.layout == "flat" and b_.layout == "flat" and a_.chw == b_.chw and a_.shape == b_.shape:
            out = self.emit(op, [a_.ir, b_.ir], {}, out=node.output[0], name=self.nname(node))
            self.set_out(node, out, "flat", chw=a_.chw)
            return
        if len(oshape) == 4 and "nhwc" in (a_.layout, b_.layout):
            out = self.emit(op, [self.nhwc(a_, node), self.nhwc(b_, node)], {}, out=node.output[0],
                            name=self.nname(node))
            self.set_out(node, out, "nhwc")
            return
        out = self.emit(op, [self.plain(a_), self.plain(b_)], {}, out=node.output[0], name=self.nname(node))
        self.set_out(node, out, "plain")

    def op_Add(self, node, ins, a):
        self._binary(node, ins, "add")

    def op_Sub(self, node, ins, a):
        self._binary(node, ins, "sub")

    def op_Mul(self, node, ins, a):
        self._binary(node, ins, "mul")

    def op_Div(self, node, ins, a):
        self._binary(node, ins, "div")
