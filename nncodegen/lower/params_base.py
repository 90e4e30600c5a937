"""The machinery of the kernel parameter structs (see params.py): field helpers for pointers and arrays, the
converters to cffi (tests) and to C initializers (generated code), and the structs every number format
shares (geometry, broadcast)."""
from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from typing import List, Tuple

import numpy as np


def ptr(ctype: str, default=None):
    return field(default=default, metadata={"ptr": ctype})


def arr(n: int):
    return field(default=(0,) * n, metadata={"array": n})


@dataclass(frozen=True)
class ConvGeom:
    CTYPE = "nnc_conv_geom"
    batch: int
    in_h: int
    in_w: int
    in_c: int
    out_h: int
    out_w: int
    out_c: int
    k_h: int = 1
    k_w: int = 1
    stride_h: int = 1
    stride_w: int = 1
    pad_top: int = 0
    pad_left: int = 0
    dil_h: int = 1
    dil_w: int = 1
    groups: int = 1


@dataclass(frozen=True)
class DenseGeom:
    CTYPE = "nnc_dense_geom"
    batch: int
    in_features: int
    out_features: int


@dataclass(frozen=True)
class Broadcast:
    CTYPE = "nnc_broadcast"
    shape: Tuple[int, ...] = arr(4)
    a_stride: Tuple[int, ...] = arr(4)
    b_stride: Tuple[int, ...] = arr(4)


def _fill_cffi(ffi, cobj, obj, keep: list) -> None:
    for f in fields(obj):
        v = getattr(obj, f.name)
        if is_dataclass(v):
            _fill_cffi(ffi, getattr(cobj, f.name), v, keep)
        elif "ptr" in f.metadata:
            if v is None:
                setattr(cobj, f.name, ffi.NULL)
            else:
                buf = ffi.new(f"{f.metadata['ptr']}[]", [x for x in v] or [0])
                keep.append(buf)
                setattr(cobj, f.name, buf)
        elif "array" in f.metadata:
            setattr(cobj, f.name, list(v))
        else:
            setattr(cobj, f.name, v)


def to_cffi(ffi, obj, keep: list):
    """A ``CTYPE *`` holding ``obj``; arrays behind pointers go into ``keep``."""
    c = ffi.new(f"{obj.CTYPE} *")
    _fill_cffi(ffi, c, obj, keep)
    keep.append(c)
    return c


def _c_number(v) -> str:
    if isinstance(v, (float, np.floating)):
        if np.isinf(v):
            return "3.402823466e+38f" if v > 0 else "-3.402823466e+38f"
        s = str(np.float32(v))
        return (s if ("e" in s or "." in s) else s + ".0") + "f"
    v = int(v)
    if v == -(1 << 31):
        return "(-2147483647 - 1)"
    return str(v)


def c_array(ctype: str, name: str, values, per_line: int = 16, align64: bool = False) -> str:
    vals = [_c_number(x) + ("u" if ctype.startswith("uint") else "") for x in values] or ["0"]
    lines = [", ".join(vals[i:i + per_line]) for i in range(0, len(vals), per_line)]
    body = ",\n    ".join(lines)
    return f"static const {ctype} {name}[{len(vals)}]{' NNC_ALIGN64' if align64 else ''} = {{\n    {body}\n}};"


def to_c(obj, prefix: str) -> Tuple[List[str], str]:
    """(declarations of the arrays behind pointers, brace initializer of obj)."""
    decls: List[str] = []
    parts = []
    for f in fields(obj):
        v = getattr(obj, f.name)
        if is_dataclass(v):
            d, init = to_c(v, f"{prefix}_{f.name}")
            decls += d
            parts.append(f".{f.name} = {init}")
        elif "ptr" in f.metadata:
            if v is None:
                parts.append(f".{f.name} = 0")
            else:
                aname = f"{prefix}_{f.name}"
                decls.append(c_array(f.metadata["ptr"], aname, v))
                parts.append(f".{f.name} = {aname}")
        elif "array" in f.metadata:
            parts.append(f".{f.name} = {{{', '.join(_c_number(x) for x in v)}}}")
        else:
            parts.append(f".{f.name} = {_c_number(v)}")
    return decls, "{ " + ", ".join(parts) + " }"
