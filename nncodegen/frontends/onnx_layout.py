"""Layout conversions and producer folding shared by every ONNX importer (a mixin of ImporterBase).

A value's storage may differ from ONNX's axis order (``nhwc``, ``flat``); handlers ask for the form they
need (``plain``, ``nhwc``) and these helpers emit the transposes / reshapes once per value (cached).
``try_fold_affine`` folds a per-channel scale and shift (BatchNormalization, a constant Mul / Add)
into the conv / dense that produced the value.
"""
from __future__ import annotations

from typing import Optional, Tuple

import numpy as np

from ..ir.graph import GraphError
from .onnx_values import NCHW_TO_NHWC, NHWC_TO_NCHW, Val, flat_perm, strip_leading_ones


class LayoutConversions:
    # ---- layout conversions -----------------------------------------------------------
    def plain(self, v: Val) -> str:
        """IR tensor holding v in ONNX axis order."""
        if "plain" in v.cache:
            return v.cache["plain"]
        if v.is_const:
            r = self.const(v.const, "const")
        elif v.layout == "plain":
            r = v.ir
        elif v.layout == "nhwc":
            r = self.emit("transpose", [v.ir], {"perm": NHWC_TO_NCHW}, name=f"{v.ir}_to_nchw")
        elif v.layout == "flat":
            c, h, w = v.chw
            n = v.shape[0]
            t = self.emit("reshape", [v.ir], {"shape": (n, h, w, c)}, name=f"{v.ir}_unflat")
            t = self.emit("transpose", [t], {"perm": NHWC_TO_NCHW}, name=f"{v.ir}_to_nchw")
            r = self.emit("reshape", [t], {"shape": tuple(v.shape)}, name=f"{v.ir}_flat")
        else:  # pragma: no cover
            raise AssertionError(v.layout)
        v.cache["plain"] = r
        return r

    def nhwc(self, v: Val, node=None) -> str:
        """IR tensor holding a 4-D value in NHWC order (lower ranks get leading 1s)."""
        if v.layout == "nhwc" and not v.is_const:
            return v.ir
        if "nhwc" in v.cache:
            return v.cache["nhwc"]
        if len(v.shape) > 4:
            if node is not None:
                self.fail(node, f"a {len(v.shape)}-D tensor cannot be used here")
            raise GraphError(f"{self.src}: cannot convert a {len(v.shape)}-D tensor to NHWC")
        shape4 = (1,) * (4 - len(v.shape)) + tuple(v.shape)
        if v.is_const:
            r = self.const(np.asarray(v.const, np.float32).reshape(shape4).transpose(NCHW_TO_NHWC), "const")
        else:
            p = self.plain(v)
            if len(v.shape) < 4:
                p = self.emit("reshape", [p], {"shape": shape4}, name=f"{p}_4d")
            r = self.emit("transpose", [p], {"perm": NCHW_TO_NHWC}, name=f"{p}_to_nhwc")
        v.cache["nhwc"] = r
        return r

    def spatial_in(self, node, v: Val) -> str:
        if v is None:
            self.fail(node, "missing input")
        if len(v.shape) != 4:
            self.fail(node, f"only 1-D and 2-D spatial inputs ((N,C,L) or (N,C,H,W)) are supported, "
                            f"got shape {v.shape}")
        return self.nhwc(v, node)

    def const_in(self, node, ins, k: int, what: str, optional: bool = False) -> Optional[np.ndarray]:
        v = ins[k] if k < len(ins) else None
        if v is None:
            if optional:
                return None
            self.fail(node, f"missing {what} input")
        if not v.is_const:
            self.fail(node, f"{what} (input {k}) must be a constant")
        return v.const

    def const_to_storage(self, c: np.ndarray, v: Val) -> Optional[np.ndarray]:
        """A constant broadcast against ONNX value v, rearranged for v's storage (None: impossible)."""
        c = np.asarray(c, np.float32)
        if v.layout == "plain":
            return c
        if v.layout == "nhwc":
            if c.ndim > 4:
                return None
            c4 = c.reshape((1,) * (4 - c.ndim) + c.shape).transpose(NCHW_TO_NHWC)
            return strip_leading_ones(c4)
        if v.layout == "flat":
            n, f = v.shape
            if c.size == 1 and c.ndim <= 2:
                return c.reshape(1)
            if c.ndim <= 2 and c.shape[-1] == f and c.size == f:
                return c.reshape(-1)[flat_perm(*v.chw)]
            return None
        return None

    # ---- folding into the producer -------------------------------------------------------
    def try_fold_affine(self, node, x: Val, scale: Optional[np.ndarray], shift: Optional[np.ndarray]) -> bool:
        """Fold y = x*scale + shift (per storage-last-axis channel vectors) into x's producer."""
        if x.is_const or x.ir is None:
            return False
        prod = self.g.producer(x.ir)
        if prod is None or prod.op not in ("conv2d", "conv_transpose2d", "dense"):
            return False
        if prod.attrs.get("act", "none") != "none":
            return False
        # every ONNX name stored in x's IR tensor (aliases through Identity, Transpose, ...) counts
        names = self.vals.holders(x.ir)
        if sum(self.n_consumers.get(k, 0) for k in names) != 1 or any(k in self.graph_outputs for k in names):
            return False
        # an IR reader of x (a layout conversion) comes after its producer: look there only
        nodes = self.g.nodes
        k = len(nodes) - 1
        while nodes[k] is not prod:
            k -= 1
        if any(x.ir in n.inputs for n in nodes[k + 1:]) or x.ir in self.g.outputs:
            return False
        if (prod.op == "dense" and x.layout != "plain") or (prod.op != "dense" and x.layout != "nhwc"):
            return False
        w = self.g.tensors[prod.inputs[1]].data.astype(np.float64)
        cout = w.shape[0]
        b = self.g.tensors[prod.inputs[2]].data.astype(np.float64) if len(prod.inputs) > 2 else np.zeros(cout)
        if scale is not None:
            scale = np.broadcast_to(np.asarray(scale, np.float64).reshape(-1), (cout,))
            w = w * scale.reshape((cout,) + (1,) * (w.ndim - 1))
            b = b * scale
        if shift is not None:
            b = b + np.broadcast_to(np.asarray(shift, np.float64).reshape(-1), (cout,))
        hint = prod.name
        prod.inputs = [prod.inputs[0], self.const(w, f"{hint}_w"), self.const(b, f"{hint}_b")]
        # the producer's output takes the ONNX name of the folded node's output when free
        new = node.output[0]
        if new not in self.g.tensors and new not in self._names:
            self._names.add(new)
            t = self.g.tensors.pop(x.ir)
            t.name = new
            self.g.tensors[new] = t
            prod.outputs = [new]
            ir = new
        else:
            ir = x.ir
        self.vals[node.output[0]] = Val(x.shape, ir=ir, layout=x.layout)
        return True

    @staticmethod
    def channel_vector(c: np.ndarray, storage_shape: Tuple[int, ...]) -> Optional[np.ndarray]:
        """c (already in storage layout) as a per-last-axis vector, if it is one and does not widen x."""
        c = np.asarray(c)
        if c.ndim > len(storage_shape):
            return None
        cs = (1,) * (len(storage_shape) - c.ndim) + c.shape
        ch = storage_shape[-1]
        if any(d != 1 for d in cs[:-1]) or cs[-1] not in (1, ch):
            return None
        return np.broadcast_to(c.reshape(-1), (ch,)).astype(np.float64)
