"""ONNX handlers: Gemm, MatMul, BatchNormalization and nncodegen.HashedGemm (HashedNets)."""
from __future__ import annotations

from typing import Optional

import numpy as np

from ..onnx_values import Val, flat_perm


class DenseOps:
    # ---- dense --------------------------------------------------------------------------
    def _dense(self, node, x: Val, w: np.ndarray, b: Optional[np.ndarray], final: bool = True):
        """y = x @ w.T + b with x a 2-D ONNX value, w (M, K).  ``final``: y is the node's output (else the
        IR tensor is returned for more work)."""
        if x.layout == "flat":
            w = w[:, flat_perm(*x.chw)]
            xi = x.ir
        else:
            xi = self.plain(x)
        ins_ir = [xi, self.const(w, f"{self.nname(node)}_w")]
        if b is not None:
            ins_ir.append(self.const(b, f"{self.nname(node)}_b"))
        if not final:
            return self.emit("dense", ins_ir, {}, name=f"{self.nname(node)}_mm")
        out = self.emit("dense", ins_ir, {}, out=node.output[0], name=self.nname(node))
        self.set_out(node, out, "plain")

    def op_HashedGemm(self, node, ins, a):
        """``nncodegen.HashedGemm`` (nncodegen/compress/__init__.py): Y = X @ W.T + bias with the virtual
        weights W[o][i] = sign(o, i) * buckets[h(o, i)], expanded here into a dense layer whose weight
        tensor carries the buckets (meta["hashed"]) and the request for hashed storage."""
        from ...compress.storage import M32, hashed_matrix
        from ...ir.limits import LIMITS
        if node.domain != "nncodegen":
            self.fail(node, "HashedGemm belongs to the 'nncodegen' domain")
        if len(node.input) not in (2, 3) or not node.input[1] or len(node.output) != 1:
            self.fail(node, "HashedGemm takes X, buckets and an optional bias, and gives one output")
        unknown = sorted(set(a) - {"in_features", "out_features", "seed", "sign"})
        if unknown:
            self.fail(node, f"unknown attribute(s) {', '.join(unknown)}")
        for req in ("in_features", "out_features", "seed"):
            if req not in a:
                self.fail(node, f"attribute {req} is required")
        vals = {k: a.get(k, 1) for k in ("in_features", "out_features", "seed", "sign")}
        for k, v in vals.items():
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
                self.bad_attr(node, k, v, "must be an integer")
        k_in, m, seed, sign = (int(vals[k]) for k in ("in_features", "out_features", "seed", "sign"))
        if k_in < 1 or m < 1 or k_in * m > LIMITS.max_tensor_elements:
            self.fail(node, f"in_features {k_in} x out_features {m}: need >= 1 each and at most "
                            f"{LIMITS.max_tensor_elements} virtual weights")
        if not 0 <= seed <= M32:
            self.bad_attr(node, "seed", seed, "must be in [0, 2**32)")
        if sign not in (0, 1):
            self.bad_attr(node, "sign", sign, "must be 0 or 1")
        bk = self.const_in(node, ins, 1, "buckets")
        if bk.ndim != 1 or bk.size < 1 or not np.issubdtype(bk.dtype, np.floating):
            self.fail(node, f"buckets must be a non-empty 1-D float tensor, got {bk.dtype} {bk.shape}")
        buckets = np.asarray(bk, dtype=np.float32)
        if not np.all(np.isfinite(buckets)):
            self.fail(node, "buckets must be finite")
        b = self.const_in(node, ins, 2, "bias", optional=True)
        if b is not None and (b.ndim != 1 or b.shape[0] != m):
            self.fail(node, f"bias must have shape ({m},), got {b.shape}")
        x = ins[0]
        if len(x.shape) != 2 or x.shape[1] != k_in:
            self.fail(node, f"X must be [N, {k_in}], got {x.shape}")
        w = hashed_matrix(buckets, m, k_in, seed, bool(sign))
        if x.layout == "flat":
            self.fail(node, "HashedGemm after a flattened feature map (the virtual weights follow ONNX's "
                            "NCHW order, the C's NHWC): put the layer after a dense layer")
        xi = self.plain(x)
        wname = self.const(w, f"{self.nname(node)}_w")
        wt = self.g.tensors[wname]
        wt.meta["hashed"] = {"buckets": [float(v) for v in buckets], "seed": seed, "sign": bool(sign)}
        wt.meta["storage_request"] = "hashed"
        ins_ir = [xi, wname] + ([self.const(b, f"{self.nname(node)}_b")] if b is not None else [])
        out = self.emit("dense", ins_ir, {}, out=node.output[0], name=self.nname(node))
        self.set_out(node, out, "plain")

    def op_Gemm(self, node, ins, a):
        x = ins[0]
        Bm = self.const_in(node, ins, 1, "B (weight)").astype(np.float64)
        C = self.const_in(node, ins, 2, "C (bias)", optional=True)
        if len(x.shape) != 2 or Bm.ndim != 2:
            self.fail(node, f"Gemm needs 2-D A and B, got {x.shape} and {Bm.shape}")
        if int(a.get("transA", 0)):
            xt = self.emit("transpose", [self.plain(x)], {"perm": (1, 0)}, name=f"{self.nname(node)}_At")
            x = Val((x.shape[1], x.shape[0]), ir=xt, layout="plain")
        alpha, beta = float(a.get("alpha", 1.0)), float(a.get("beta", 1.0))
        w = Bm if int(a.get("transB", 0)) else Bm.T   # (M, K)
        if w.shape[1] != x.shape[1]:
            self.fail(node, f"A {x.shape} and B {Bm.shape} do not match")
        w = w * alpha
        b = None
        if C is not None:
            m = w.shape[0]
            try:
                cb = np.broadcast_to(np.asarray(C, np.float64), (x.shape[0], m))
            except ValueError:
                self.fail(node, f"bias C {C.shape} does not broadcast to {(x.shape[0], m)}")
            if np.any(cb != cb[:1]):
                # a bias that differs between rows: dense, then the (rows, M) constant added
                d = self._dense(node, x, w, None, final=False)
                out = self.emit("add", [d, self.const(cb * beta, f"{self.nname(node)}_c")], {},
                                out=node.output[0], name=f"{self.nname(node)}_bias")
                self.set_out(node, out, "plain")
                return
            b = cb[0] * beta
        self._dense(node, x, w, b)

    def op_MatMul(self, node, ins, a):
        x, Bv = ins[0], ins[1]
        if x.is_const or not Bv.is_const:
            self.fail(node, "only activation @ constant matrix is supported")
        Bm = np.asarray(Bv.const, np.float64)
        if Bm.ndim == 1 and len(x.shape) >= 2 and x.shape[-1] == Bm.shape[0]:
            # x @ vector: the last axis goes (ONNX promotes B to (K, 1) and drops the 1 again)
            lead = x.shape[:-1]
            p = self.plain(x)
            if len(x.shape) != 2:
                p = self.emit("reshape", [p], {"shape": (int(np.prod(lead)), x.shape[-1])},
                              name=f"{self.nname(node)}_2d")
            d = self.emit("dense", [p, self.const(Bm.reshape(1, -1), f"{self.nname(node)}_w")], {},
                          name=self.nname(node))
            out = self.emit("reshape", [d], {"shape": tuple(lead)}, out=node.output[0], name=f"{self.nname(node)}_nd")
            self.set_out(node, out, "plain")
            return
        if Bm.ndim >= 3 or (Bm.ndim == 2 and len(x.shape) == 1):
            self._matmul_batched(node, x, Bm)
            return
        if Bm.ndim != 2:
            self.fail(node, f"the constant must be a matrix or a vector, got shape {Bm.shape}")
        if len(x.shape) < 2 or x.shape[-1] != Bm.shape[0]:
            self.fail(node, f"shapes {x.shape} and {Bm.shape} do not match")
        if len(x.shape) == 2:
            self._dense(node, x, Bm.T, None)
            return
        lead = x.shape[:-1]
        p = self.emit("reshape", [self.plain(x)], {"shape": (int(np.prod(lead)), x.shape[-1])},
                      name=f"{self.nname(node)}_2d")
        d = self.emit("dense", [p, self.const(Bm.T, f"{self.nname(node)}_w")], {}, name=self.nname(node))
        out = self.emit("reshape", [d], {"shape": tuple(lead) + (Bm.shape[1],)}, out=node.output[0],
                        name=f"{self.nname(node)}_nd")
        self.set_out(node, out, "plain")

    MAX_MATMUL_BATCH = 16

    def _matmul_batched(self, node, x: Val, Bm: np.ndarray):
        """x @ B with a stack of constant matrices B (..., K, N) (and a 1-D x): one dense with a
        block-diagonal weight.  x is broadcast to the batch (repeated by concat), its G matrices laid side
        by side as (M, G*K); the weight holds B[g].T at block (g, g)."""
        nm = self.nname(node)
        xs = tuple(x.shape)
        src = self.plain(x)
        squeeze_m = len(xs) == 1
        if squeeze_m:     # ONNX promotes a 1-D x to (1, K) and drops that axis again
            xs = (1,) + xs
            src = self.emit("reshape", [src], {"shape": xs}, name=f"{nm}_row")
        m, k = xs[-2], xs[-1]
        if Bm.shape[-2] != k:
            self.fail(node, f"shapes {x.shape} and {Bm.shape} do not match")
        n = Bm.shape[-1]
        try:
            ob = tuple(int(d) for d in np.broadcast_shapes(xs[:-2], Bm.shape[:-2]))
        except ValueError:
            self.fail(node, f"batch shapes of {x.shape} and {Bm.shape} do not broadcast")
        g = int(np.prod(ob)) if ob else 1
        if g > self.MAX_MATMUL_BATCH:
            self.fail(node, f"MatMul over a batch of {g} constant matrices is not supported "
                            f"(at most {self.MAX_MATMUL_BATCH}: the weight is block-diagonal)")
        xb = (1,) * (len(ob) - (len(xs) - 2)) + xs[:-2]
        if xb + (m, k) != xs:
            src = self.emit("reshape", [src], {"shape": xb + (m, k)}, name=f"{nm}_rank")
        for ax in range(len(ob)):
            if xb[ax] == 1 and ob[ax] > 1:
                src = self.emit("concat", [src] * ob[ax], {"axis": ax}, name=f"{nm}_bcast{ax}")
                xb = xb[:ax] + (ob[ax],) + xb[ax + 1:]
        src = self.emit("reshape", [src], {"shape": (g, m, k)}, name=f"{nm}_g")
        src = self.emit("transpose", [src], {"perm": (1, 0, 2)}, name=f"{nm}_side")
        src = self.emit("reshape", [src], {"shape": (m, g * k)}, name=f"{nm}_rows")
        bfull = np.broadcast_to(Bm, ob + (k, n)).reshape(g, k, n)
        w = np.zeros((g * n, g * k))
        for i in range(g):
            w[i * n:(i + 1) * n, i * k:(i + 1) * k] = bfull[i].T
        d = self.emit("dense", [src, self.const(w, f"{nm}_w")], {}, name=nm)
        d = self.emit("reshape", [d], {"shape": (m, g, n)}, name=f"{nm}_split")
        d = self.emit("transpose", [d], {"perm": (1, 0, 2)}, name=f"{nm}_back")
        oshape = ob + ((n,) if squeeze_m else (m, n))
        out = self.emit("reshape", [d], {"shape": oshape}, out=node.output[0], name=f"{nm}_out")
        self.set_out(node, out, "plain")

    # ---- batch norm --------------------------------------------------------------------
    def op_BatchNormalization(self, node, ins, a):
        x = ins[0]
        if int(a.get("training_mode", 0)):
            self.bad_attr(node, "training_mode", a["training_mode"])
        if self.opset < 9 and int(a.get("spatial", 1)) != 1:
            self.bad_attr(node, "spatial", a["spatial"])
        for k in range(1, len(node.output)):
            if node.output[k] and self.n_consumers.get(node.output[k], 0):
                self.fail(node, "training outputs (running mean/var) are used - not supported")
        gamma, beta, mean, var = (np.asarray(self.const_in(node, ins, k, nm), np.float64).reshape(-1)
                                  for k, nm in ((1, "scale"), (2, "B"), (3, "mean"), (4, "var")))
        eps = float(a.get("epsilon", 1e-5))
        s = gamma / np.sqrt(var + eps)
        t = beta - mean * s
        if len(x.shape) < 2:
            self.fail(node, f"input must have a channel axis, got shape {x.shape}")
        c = x.shape[1]
        for v, nm in ((gamma, "scale"), (beta, "B"), (mean, "mean"), (var, "var")):
            if v.size != c:
                self.fail(node, f"{nm} has {v.size} values for {c} channels")
        if x.layout in ("nhwc", "plain") and (x.layout == "nhwc" or len(x.shape) == 2):
            if self.try_fold_affine(node, x, s, t):
                return
        cshape = (c,) + (1,) * (len(x.shape) - 2)
        y = self._binary_const(node, "mul", x, s.reshape(cshape), const_first=False, out=None)
        self._binary_const(node, "add", y, t.reshape(cshape), const_first=False, out=node.output[0])
