"""ONNX handlers: MaxPool, AveragePool, global pools, ReduceMean / ReduceMax."""
from __future__ import annotations

import numpy as np



class PoolOps:
    # ---- pooling ---------------------------------------------------------------------
    def _pool(self, node, ins, a, op):
        x = ins[0]
        if len(x.shape) == 3:
            return self._as_2d(node, ins, a, lambda n2, i2, a2: self._pool(n2, i2, a2, op))
        xi = self.spatial_in(node, x)
        if len(node.output) > 1 and node.output[1] and self.n_consumers.get(node.output[1], 0):
            self.fail(node, "the Indices output is used - not supported")
        if "kernel_shape" not in a:
            self.fail(node, "missing attribute kernel_shape")
        ks = self._two(node, a, "kernel_shape", None)
        strides = self._two(node, a, "strides", [1, 1])
        dil = self._two(node, a, "dilations", [1, 1])
        if dil != [1, 1]:
            self.bad_attr(node, "dilations", dil, "(pooling dilation) not supported")
        if int(a.get("storage_order", 0)) != 0:
            self.bad_attr(node, "storage_order", a["storage_order"])
        pads = self._spatial_pads(node, a, x.shape[2:], ks, strides, [1, 1])
        ceil = int(a.get("ceil_mode", 0))
        extra = [0, 0]
        if ceil and a.get("auto_pad", "NOTSET") in ("NOTSET", ""):
            for i in range(2):
                size = x.shape[2 + i]
                span = size + pads[i] + pads[i + 2] - ks[i]
                out = -(-span // strides[i]) + 1
                if (out - 1) * strides[i] >= size + pads[i]:
                    out -= 1
                extra[i] = max(0, (out - 1) * strides[i] + ks[i] - (size + pads[i] + pads[i + 2]))
        attrs = {"kernel": tuple(ks), "strides": tuple(strides)}
        if op == "avgpool":
            cip = bool(int(a.get("count_include_pad", 0)))
            if cip and any(extra) and any(pads):
                # ONNX counts the declared pads but not the ceil-mode overhang: pad explicitly,
                # then average over real elements with the overhang as (uncounted) padding
                xi = self.emit("pad", [xi], {"pads": (0, 0, pads[0], pads[2], pads[1], pads[3], 0, 0),
                                             "mode": "constant", "value": 0.0},
                               name=f"{self.nname(node)}_pad")
                pads = [0, 0, 0, 0]
                cip = False
            elif cip and any(extra):
                cip = False
            attrs["count_include_pad"] = cip
        attrs["pads"] = (pads[0], pads[1], pads[2] + extra[0], pads[3] + extra[1])
        out = self.emit(op, [xi], attrs, out=node.output[0], name=self.nname(node))
        self.set_out(node, out, "nhwc")

    def op_MaxPool(self, node, ins, a):
        self._pool(node, ins, a, "maxpool")

    def op_AveragePool(self, node, ins, a):
        self._pool(node, ins, a, "avgpool")

    def op_GlobalAveragePool(self, node, ins, a):
        return self._global_pool(node, ins, a, "global_avgpool", self.op_GlobalAveragePool)

    def op_GlobalMaxPool(self, node, ins, a):
        return self._global_pool(node, ins, a, "global_maxpool", self.op_GlobalMaxPool)

    def _global_pool(self, node, ins, a, op: str, handler):
        if len(ins[0].shape) == 3:
            return self._as_2d(node, ins, a, handler)
        out = self.emit(op, [self.spatial_in(node, ins[0])], {}, out=node.output[0], name=self.nname(node))
        self.set_out(node, out, "nhwc")

    def _reduce(self, node, ins, a, op):
        """ReduceMean / ReduceMax.  Over H and W of an NHWC value: a global pool.  Over other axes: the
        reduced axes are moved to the front, the value is viewed as (1, R, 1, K) and globally pooled
        (R = product of the reduced axes, K of the kept ones)."""
        x = ins[0]
        axes = a.get("axes")
        if axes is None and len(ins) > 1 and ins[1] is not None:
            axes = self.const_in(node, ins, 1, "axes").reshape(-1).tolist()
        r = len(x.shape)
        if axes is not None and len(axes) == 0:
            axes = None
        if axes is None:
            if int(a.get("noop_with_empty_axes", 0)):
                self.alias(node, x)
                return
            axes = list(range(r))
        axes = sorted({int(ax) % r for ax in axes})
        keep = int(a.get("keepdims", 1))
        if r == 4 and axes == [2, 3] and x.layout == "nhwc":
            out = self.emit(op, [self.spatial_in(node, x)], {}, out=node.output[0] if keep else None,
                            name=self.nname(node))
            if keep:
                self.set_out(node, out, "nhwc")
                return
            n, c = x.shape[0], x.shape[1]
            out = self.emit("reshape", [out], {"shape": (n, c)}, out=node.output[0], name=f"{self.nname(node)}_sq")
            self.set_out(node, out, "plain")
            return
        kept = [k for k in range(r) if k not in axes]
        if keep:
            oshape = tuple(1 if k in axes else x.shape[k] for k in range(r))
        else:
            oshape = tuple(x.shape[k] for k in kept)
        if not oshape:
            self.fail(node, "the reduction leaves a scalar (rank-0) output - not supported")
        nm = self.nname(node)
        src = self.plain(x)
        perm = tuple(axes + kept)
        if perm != tuple(range(r)):
            src = self.emit("transpose", [src], {"perm": perm}, name=f"{nm}_axes_first")
        rr = int(np.prod([x.shape[k] for k in axes]))
        kk = int(np.prod([x.shape[k] for k in kept])) if kept else 1
        src = self.emit("reshape", [src], {"shape": (1, rr, 1, kk)}, name=f"{nm}_4d")
        pooled = self.emit(op, [src], {}, name=nm)
        out = self.emit("reshape", [pooled], {"shape": oshape}, out=node.output[0], name=f"{nm}_out")
        self.set_out(node, out, "plain")

    def op_ReduceMean(self, node, ins, a):
        self._reduce(node, ins, a, "global_avgpool")

    def op_ReduceMax(self, node, ins, a):
        self._reduce(node, ins, a, "global_maxpool")
