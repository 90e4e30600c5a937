"""The last pass: every precondition of lowering that a model can break, checked once, with one line naming
the node (so that nothing lowering cannot do surfaces later as an internal error).

Checked here (lowering relies on them; lower_binary.py and lower_finn.py):
* a ``sign`` writes packed binary and reads a Q-format or float value: a sign whose output is not packed
  means no binarized layer (binary / ternary weights) follows to read the bits;
* a ``batchnorm`` is left only where the binarize pass could not fold it into a binary layer;
* a packed binary value is read only by binary layers, binary max pools, reshapes and unpack, and is
  neither the graph input nor its output;
* binary layers: a threshold epilogue writes packed bits, an affine one does not; a binary-weight layer
  reads packed bits or a Q-format (8 / 16-bit) value, not float, its accumulator provably below 2^31
  (integer-weight layers of a binarized network: from the sum of |weights|),
  and pads with +1 / -1 only a packed input;
* ``multithreshold``: an integer input needs an integer output of the same width;
* ``argmax`` reads a Q-format, affine or float value and writes an index;
* a conv / dense reading an integer (Q-format or affine) value has integer weights and bias.
Graphs without these ops pass unchanged.
"""
from __future__ import annotations

import numpy as np

from ..ir.formats import QFormat
from ..ir.graph import Graph, GraphError, Node

BIN_READERS = ("bconv2d", "bdense", "maxpool", "reshape", "unpack")


def _fail(node: Node, msg: str):
    raise GraphError(f"node {node.name!r} ({node.op}): {msg}")


def _kind(g: Graph, name: str) -> str:
    return g.tensors[name].fmt.kind


def check_lowerable(graph: Graph) -> Graph:
    g = graph
    for t in g.inputs + g.outputs:
        if _kind(g, t) in ("binary", "ternary"):
            p = g.producer(t)
            where = f"output of node {p.name!r} ({p.op})" if p is not None and t in g.outputs else "input"
            raise GraphError(f"graph {where} {t!r} is packed binary: the model must end in a layer with "
                             f"real-valued outputs (or an unpack)")
    for n in g.nodes:
        acts = [i for i in n.inputs if not g.tensors[i].is_const]
        if any(_kind(g, i) == "binary" for i in acts) and n.op not in BIN_READERS:
            _fail(n, "reads a packed binary {-1, +1} value, which only binary layers, max pools and reshapes can")
        if n.op == "sign":
            if _kind(g, n.outputs[0]) != "binary":
                _fail(n, "a {-1, +1} activation (bipolar quantizer or one-threshold MultiThreshold) is stored as "
                         "packed bits, which only layers with binary or ternary weights read; no such layer reads "
                         f"this one (its output {n.outputs[0]!r} is {g.tensors[n.outputs[0]].fmt})")
            if _kind(g, n.inputs[0]) == "binary":
                _fail(n, "sign of a value that is already {-1, +1}")
        elif n.op == "batchnorm":
            _fail(n, "a batch norm that does not follow a binary / ternary layer directly cannot be folded into "
                     "integer thresholds or scales")
        elif n.op in ("bconv2d", "bdense"):
            out = _kind(g, n.outputs[0])
            if n.attrs["epilogue"] == "threshold" and out != "binary":
                _fail(n, f"its thresholds give {{-1, +1}}, but its output is stored as {g.tensors[n.outputs[0]].fmt}")
            if n.attrs["epilogue"] != "threshold" and out == "binary":
                _fail(n, "a layer with a real-valued epilogue cannot write packed bits")
            xf = g.tensors[n.inputs[0]].fmt
            if xf.kind == "float":
                _fail(n, "a layer with binary / ternary weights reads packed bits or a Q-format value; its input "
                         f"{n.inputs[0]!r} is float (quantize it: an input Quant or a MultiThreshold before it)")
            wt = g.tensors[n.inputs[1]]
            if wt.fmt.kind == "q":   # integer (int8) weights: |acc| <= sum |q| * the largest input integer
                wsum = int(np.abs(np.asarray(wt.qdata, np.int64)).reshape(wt.shape[0], -1).sum(axis=1).max(initial=0))
                ibits = xf.bits - 1 if xf.kind in ("q", "affine") else 0
                if wsum << ibits >= 1 << 31:
                    _fail(n, f"its accumulator may reach 2^31 (sum of |weights| {wsum} of int8 weights times a "
                             f"{xf} input)")
            elif xf.kind == "q" and int(np.prod(wt.shape[1:])) << (xf.bits - 1) >= 1 << 31:
                _fail(n, f"its accumulator may reach 2^31 ({int(np.prod(wt.shape[1:]))} weights "
                         f"of a {xf} input)")
            if n.op == "bconv2d" and float(n.attrs["pad_value"]) != 0.0 and xf.kind != "binary":
                _fail(n, "+1 / -1 padding needs a packed binary input")
        elif n.op == "multithreshold":
            fi, fo = g.tensors[n.inputs[0]].fmt, g.tensors[n.outputs[0]].fmt
            if fi.kind not in ("q", "float") or (isinstance(fi, QFormat) and fi.per_channel):
                _fail(n, f"thresholds on a {fi} input are not supported (Q-format or float)")
            if fi.kind == "q" and (fo.kind != "q" or fo.bits != fi.bits):
                _fail(n, f"an integer input {fi} needs an integer output of the same width, not {fo}")
        elif n.op in ("conv2d", "dense", "conv_transpose2d") and _kind(g, n.inputs[0]) in ("q", "affine"):
            w = g.tensors[n.inputs[1]]
            b = g.tensors[n.inputs[2]] if len(n.inputs) > 2 else None
            if w.qdata is None or (b is not None and b.qdata is None):
                _fail(n, f"reads an integer value ({g.tensors[n.inputs[0]].fmt}) but its weights have no integer "
                         "format (a multi-bit weight quantizer inside a binarized network, or weights without a "
                         "quantizer in a quantized model): not supported")
        elif n.op == "argmax":
            if _kind(g, n.inputs[0]) not in ("q", "affine", "float"):
                _fail(n, f"argmax of a {g.tensors[n.inputs[0]].fmt} value is not supported")
    return graph
