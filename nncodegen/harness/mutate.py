"""Seeded mutators for model files: byte-level and structure-aware (ONNX protobuf, TFLite FlatBuffers).

Every mutator takes a ``random.Random`` and the seed bytes and returns new bytes, so a run is
reproduced by its seed.  The structured mutators work on the parsed file and write it back, so they
reach the importers' checks past the parser: shapes, attribute values, indices, scales, names.
"""
from __future__ import annotations

import random
import struct
from typing import Callable, List, Sequence

# values that break arithmetic: zero, negative, huge, the int32 / int64 edges
EDGE_INTS = (0, 1, -1, 2, 3, 7, 8, 16, 255, 256, 65535, 2 ** 31 - 1, -2 ** 31, 2 ** 32 - 1, 2 ** 40, -2 ** 40)
EDGE_FLOATS = (0.0, -0.0, 1e-45, -1.0, 1e38, float("inf"), float("-inf"), float("nan"), 3.0e9)
HOSTILE_NAMES = ("*/\n#include <stdio.h>\n/*", "a\\", "\"; system(\"x\"); \"", "??/", "\u00e9\u2603",
                 "x" * 10000, "", "0name", "in put", "%s%n", "\n", "`|` <b>")


def _byte_flip(r: random.Random, d: bytes) -> bytes:
    b = bytearray(d)
    for _ in range(r.randint(1, 8)):
        if b:
            b[r.randrange(len(b))] ^= 1 << r.randrange(8)
    return bytes(b)


def _byte_set(r: random.Random, d: bytes) -> bytes:
    b = bytearray(d)
    for _ in range(r.randint(1, 4)):
        if b:
            b[r.randrange(len(b))] = r.choice((0, 0xFF, 0x7F, 0x80, r.randrange(256)))
    return bytes(b)


def _int_set(r: random.Random, d: bytes) -> bytes:
    """An aligned 32-bit word set to an edge value (FlatBuffers offsets, lengths and scalars)."""
    if len(d) < 8:
        return d
    b = bytearray(d)
    for _ in range(r.randint(1, 3)):
        i = r.randrange(0, len(b) - 4) & ~3
        struct.pack_into("<I", b, i, r.choice(EDGE_INTS) & 0xFFFFFFFF)
    return bytes(b)


def _truncate(r: random.Random, d: bytes) -> bytes:
    return d[:r.randrange(len(d) + 1)]


def _delete(r: random.Random, d: bytes) -> bytes:
    if not d:
        return d
    i = r.randrange(len(d))
    return d[:i] + d[i + r.randint(1, 64):]


def _insert(r: random.Random, d: bytes) -> bytes:
    i = r.randrange(len(d) + 1)
    return d[:i] + bytes(r.randrange(256) for _ in range(r.randint(1, 32))) + d[i:]


def _duplicate(r: random.Random, d: bytes) -> bytes:
    if not d:
        return d
    i = r.randrange(len(d))
    j = min(len(d), i + r.randint(1, 256))
    k = r.randrange(len(d) + 1)
    return d[:k] + d[i:j] + d[k:]


BYTE_MUTATORS: Sequence[Callable] = (_byte_flip, _byte_set, _int_set, _truncate, _delete, _insert, _duplicate)


def splice(r: random.Random, a: bytes, b: bytes) -> bytes:
    i = r.randrange(len(a) + 1)
    j = r.randrange(len(b) + 1)
    return a[:i] + b[j:]


# ---------------------------------------------------------------- ONNX: protobuf fields

def onnx_structured(r: random.Random, d: bytes) -> bytes:
    """Parse, change one to three fields of the model, serialize (falls back to a byte mutation)."""
    import onnx
    m = onnx.ModelProto()
    try:
        m.ParseFromString(d)
    except Exception:  # noqa: BLE001 -- an unparsable seed gets byte mutations only
        return _byte_flip(r, d)
    g = m.graph
    for _ in range(r.randint(1, 3)):
        k = r.randrange(10)
        nodes = list(g.node)
        if k == 0 and nodes:                       # an attribute's value
            n = r.choice(nodes)
            if n.attribute:
                a = r.choice(list(n.attribute))
                if a.ints:
                    a.ints[r.randrange(len(a.ints))] = r.choice(EDGE_INTS)
                elif a.type == onnx.AttributeProto.INT:
                    a.i = r.choice(EDGE_INTS)
                elif a.type == onnx.AttributeProto.FLOAT:
                    a.f = r.choice(EDGE_FLOATS)
                elif a.type == onnx.AttributeProto.STRING:
                    a.s = r.choice(HOSTILE_NAMES).encode("utf-8", "surrogatepass")
                elif a.floats:
                    a.floats[r.randrange(len(a.floats))] = r.choice(EDGE_FLOATS)
        elif k == 1 and nodes:                     # names
            n = r.choice(nodes)
            n.name = r.choice(HOSTILE_NAMES)
        elif k == 2 and nodes:                     # rewire an input
            n = r.choice(nodes)
            if n.input:
                pool = [o for x in nodes for o in x.output] + [i.name for i in g.initializer] + ["", "missing"]
                n.input[r.randrange(len(n.input))] = r.choice(pool)
        elif k == 3 and g.initializer:             # an initializer's dims / type
            t = r.choice(list(g.initializer))
            if t.dims and r.random() < 0.6:
                t.dims[r.randrange(len(t.dims))] = r.choice(EDGE_INTS)
            else:
                t.data_type = r.randrange(0, 24)
        elif k == 4 and g.initializer:             # an initializer's values
            t = r.choice(list(g.initializer))
            if t.raw_data:
                raw = bytearray(t.raw_data)
                for _ in range(r.randint(1, 4)):
                    i = r.randrange(0, max(1, len(raw) - 3)) & ~3
                    if len(raw) >= i + 4:
                        struct.pack_into("<f", raw, i, r.choice(EDGE_FLOATS))
                t.raw_data = bytes(raw)
            elif t.float_data:
                t.float_data[r.randrange(len(t.float_data))] = r.choice(EDGE_FLOATS)
        elif k == 5 and nodes:                     # op type
            r.choice(nodes).op_type = r.choice(("Conv", "Gemm", "Relu", "Reshape", "Add", "Mul", "Quant",
                                                "QuantizeLinear", "DequantizeLinear", "Concat", "Pad",
                                                "MaxPool", "Transpose", "Softmax", "TopK", "Bogus"))
        elif k == 6:                               # input / output shapes
            vis = list(g.input) + list(g.output)
            if vis:
                vi = r.choice(vis)
                dims = vi.type.tensor_type.shape.dim
                if dims:
                    dims[r.randrange(len(dims))].dim_value = r.choice(EDGE_INTS) & 0x7FFFFFFFFFFFFFFF
        elif k == 7 and nodes:                     # drop or duplicate a node
            i = r.randrange(len(nodes))
            if r.random() < 0.5:
                del g.node[i]
            else:
                g.node.insert(r.randrange(len(nodes) + 1), nodes[i])
        elif k == 8:                               # opset / ir version
            if m.opset_import:
                m.opset_import[0].version = r.choice((0, 1, 6, 7, 13, 21, 99, -1 & 0x7FFFFFFFFFFFFFFF))
            else:
                m.ir_version = r.choice((0, 1, 3, 99))
        elif k == 9 and nodes:                     # domain
            r.choice(nodes).domain = r.choice(("", "com.microsoft", "qonnx.custom_op.general",
                                               "finn.custom_op.general", "bogus"))
    try:
        return m.SerializeToString()
    except Exception:  # noqa: BLE001
        return _byte_flip(r, d)


def mutate(r: random.Random, d: bytes, kind: str, others: List[bytes]) -> bytes:
    """One mutant of seed ``d`` (``kind``: "onnx" or "tflite"); ``others`` are seeds to splice with."""
    x = r.random()
    if kind == "onnx" and x < 0.45:
        out = onnx_structured(r, d)
    elif x < 0.5 and others:
        out = splice(r, d, r.choice(others))
    else:
        out = r.choice(BYTE_MUTATORS)(r, d)
    if r.random() < 0.2:                           # stack a second mutation now and then
        out = r.choice(BYTE_MUTATORS)(r, out)
    return out
