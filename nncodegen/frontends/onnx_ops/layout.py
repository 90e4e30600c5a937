"""ONNX handlers: Concat, Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Softmax."""
from __future__ import annotations

from typing import Tuple

import numpy as np

from ..onnx_values import NCHW_AXIS, NCHW_TO_NHWC, NHWC_TO_NCHW, Val


class LayoutOps:
    # ---- layout ops --------------------------------------------------------------------
    def op_Concat(self, node, ins, a):
        vals = [v for v in ins if v is not None]
        r = len(vals[0].shape)
        axis = int(a.get("axis", 1 if self.opset < 4 else 0))
        if not -r <= axis < r:
            self.bad_attr(node, "axis", axis, f"out of range for rank {r}")
        axis %= r
        if r == 4 and any(v.layout == "nhwc" and not v.is_const for v in vals):
            irs = [self.nhwc(v, node) for v in vals]
            out = self.emit("concat", irs, {"axis": NCHW_AXIS[axis]}, out=node.output[0], name=self.nname(node))
            self.set_out(node, out, "nhwc")
            return
        irs = [self.plain(v) for v in vals]
        out = self.emit("concat", irs, {"axis": axis}, out=node.output[0], name=self.nname(node))
        self.set_out(node, out, "plain")

    def _reshape_to(self, node, x: Val, shape: Tuple[int, ...]):
        shape = tuple(int(d) for d in shape)
        if int(np.prod(shape)) != int(np.prod(x.shape)):
            self.fail(node, f"cannot reshape {x.shape} to {shape}")
        if shape == tuple(x.shape):
            self.alias(node, x)
            return
        n = x.shape[0] if x.shape else 1
        if x.layout == "nhwc":
            _, c, h, w = x.shape
            if len(shape) == 5 and shape[0] == n and shape[3:] == (h, w) and shape[1] * shape[2] == c \
                    and shape[1] > 1:
                # maybe the first half of a channel shuffle; plain form emitted (dead code if it is)
                out = self.emit("reshape", [self.plain(x)], {"shape": shape}, out=node.output[0],
                                name=self.nname(node))
                self.set_out(node, out, "plain", origin=("shuffle1", x, shape[1]))
                return
            if shape == (n, c * h * w) and (c == 1 or h * w == 1):
                out = self.emit("reshape", [x.ir], {"shape": shape}, out=node.output[0], name=self.nname(node))
                self.set_out(node, out, "plain")
                return
            if shape == (n, c * h * w):
                out = self.emit("reshape", [x.ir], {"shape": shape}, out=node.output[0], name=self.nname(node))
                self.set_out(node, out, "flat", chw=(c, h, w))
                return
        if x.layout == "flat":
            c, h, w = x.chw
            if shape == (n, c, h, w):
                out = self.emit("reshape", [x.ir], {"shape": (n, h, w, c)}, out=node.output[0],
                                name=self.nname(node))
                self.set_out(node, out, "nhwc")
                return
        if x.origin and x.origin[0] == "shuffle2":
            base, g = x.origin[1], x.origin[2]
            if shape == tuple(base.shape):
                out = self.emit("channel_shuffle", [base.ir], {"groups": g}, out=node.output[0],
                                name=self.nname(node))
                self.set_out(node, out, "nhwc")
                return
        out = self.emit("reshape", [self.plain(x)], {"shape": shape}, out=node.output[0], name=self.nname(node))
        self.set_out(node, out, "plain")

    def op_Reshape(self, node, ins, a):
        x = ins[0]
        if self.opset < 5:
            target = list(a.get("shape", []))
        else:
            target = self.const_in(node, ins, 1, "shape").reshape(-1).astype(np.int64).tolist()
        allowzero = int(a.get("allowzero", 0))
        shape = []
        for k, d in enumerate(target):
            if d == 0 and not allowzero:
                if k >= len(x.shape):
                    self.fail(node, f"shape {target}: 0 at axis {k} beyond the input rank")
                shape.append(x.shape[k])
            else:
                shape.append(int(d))
        if shape.count(-1) > 1:
            self.fail(node, f"shape {target} has more than one -1")
        if -1 in shape:
            known = int(np.prod([d for d in shape if d != -1]))
            total = int(np.prod(x.shape))
            if known == 0 or total % known:
                self.fail(node, f"cannot reshape {x.shape} to {target}")
            shape[shape.index(-1)] = total // known
        if any(d < 0 for d in shape):
            self.fail(node, f"bad target shape {target}")
        self._reshape_to(node, x, tuple(shape))

    def op_Flatten(self, node, ins, a):
        x = ins[0]
        r = len(x.shape)
        axis = int(a.get("axis", 1))
        if not -r <= axis <= r:
            self.bad_attr(node, "axis", axis, f"out of range for rank {r}")
        if axis < 0:
            axis += r
        lead = int(np.prod(x.shape[:axis])) if axis else 1
        self._reshape_to(node, x, (lead, int(np.prod(x.shape[axis:]))))

    def _axes(self, node, ins, a, rank):
        axes = a.get("axes")
        if axes is None and len(ins) > 1 and ins[1] is not None:
            axes = self.const_in(node, ins, 1, "axes").reshape(-1).tolist()
        if axes is None:
            return None
        return sorted(int(ax) % rank for ax in axes)

    def op_Squeeze(self, node, ins, a):
        x = ins[0]
        axes = self._axes(node, ins, a, len(x.shape))
        if axes is None:
            axes = [i for i, d in enumerate(x.shape) if d == 1]
        if any(x.shape[i] != 1 for i in axes):
            self.fail(node, f"cannot squeeze axes {axes} of shape {x.shape}")
        self._reshape_to(node, x, tuple(d for i, d in enumerate(x.shape) if i not in axes))

    def op_Unsqueeze(self, node, ins, a):
        x = ins[0]
        raw = a.get("axes")
        if raw is None:
            raw = self.const_in(node, ins, 1, "axes").reshape(-1).tolist()
        r = len(x.shape) + len(raw)
        axes = sorted(int(ax) % r for ax in raw)
        shape = list(x.shape)
        for ax in axes:
            shape.insert(ax, 1)
        self._reshape_to(node, x, tuple(shape))

    def op_Transpose(self, node, ins, a):
        x = ins[0]
        r = len(x.shape)
        perm = [int(p) for p in a.get("perm", list(range(r))[::-1])]
        if sorted(perm) != list(range(r)):
            self.bad_attr(node, "perm", perm, f"is not a permutation of rank {r}")
        if x.origin and x.origin[0] == "shuffle1" and perm == [0, 2, 1, 3, 4]:
            out = self.emit("transpose", [x.ir], {"perm": tuple(perm)}, out=node.output[0],
                            name=self.nname(node))
            self.set_out(node, out, "plain", origin=("shuffle2", x.origin[1], x.origin[2]))
            return
        if x.layout == "nhwc":
            src, a_ = x.ir, NHWC_TO_NCHW
        else:
            src, a_ = self.plain(x), tuple(range(r))
        q = tuple(a_[p] for p in perm)               # Y (plain) = S.transpose(q)
        ident = tuple(range(r))
        if q == ident:
            self.vals[node.output[0]] = Val(tuple(x.shape[p] for p in perm), ir=src, layout="plain")
            return
        if r == 4:
            qn = tuple(q[b] for b in NCHW_TO_NHWC)  # Y stored nhwc = S.transpose(qn)
            if qn == ident:
                self.vals[node.output[0]] = Val(tuple(x.shape[p] for p in perm), ir=src, layout="nhwc")
                return
        out = self.emit("transpose", [src], {"perm": q}, out=node.output[0], name=self.nname(node))
        self.set_out(node, out, "plain")

    def op_Softmax(self, node, ins, a):
        x = ins[0]
        r = len(x.shape)
        if self.opset < 13:
            axis = int(a.get("axis", 1)) % r
            big = [k for k in range(axis, r) if x.shape[k] > 1]
            if len(big) > 1:
                self.fail(node, f"opset-{self.opset} Softmax flattens axes {list(range(axis, r))} of shape "
                                f"{x.shape} into one softmax; only a softmax over a single axis is supported")
            axis = big[0] if big else r - 1
        else:
            axis = int(a.get("axis", -1)) % r
        self._softmax(node, x, axis)

    def _softmax(self, node, x, axis):
        r = len(x.shape)
        if x.layout == "nhwc" and NCHW_AXIS[axis] == 3:
            out = self.emit("softmax", [x.ir], {"axis": -1}, out=node.output[0], name=self.nname(node))
            self.set_out(node, out, "nhwc")
            return
        if x.layout == "flat" and axis == 1:
            out = self.emit("softmax", [x.ir], {"axis": -1}, out=node.output[0], name=self.nname(node))
            self.set_out(node, out, "flat", chw=x.chw)
            return
        src = self.plain(x)
        if axis == r - 1:
            out = self.emit("softmax", [src], {"axis": -1}, out=node.output[0], name=self.nname(node))
            self.set_out(node, out, "plain")
            return
        perm = tuple(k for k in range(r) if k != axis) + (axis,)
        inv = tuple(int(i) for i in np.argsort(perm))
        t = self.emit("transpose", [src], {"perm": perm}, name=f"{self.nname(node)}_axis_last")
        s = self.emit("softmax", [t], {"axis": -1}, name=self.nname(node))
        out = self.emit("transpose", [s], {"perm": inv}, out=node.output[0], name=f"{self.nname(node)}_back")
        self.set_out(node, out, "plain")
