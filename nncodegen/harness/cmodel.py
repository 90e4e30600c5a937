"""CModel: a generated C project built with cffi and run from Python."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List

import numpy as np

from ..codegen.sanitize import is_c_identifier
from ..ir.formats import format_from_json
from ..ir.graph import GraphError
from .cbuild import build_cffi
from .cdefs import cdef_from_headers

MANIFEST = "nncodegen.json"
NP_TYPES = {"int8_t": np.int8, "int16_t": np.int16, "int32_t": np.int32, "uint8_t": np.uint8,
            "uint32_t": np.uint32, "float": np.float32}


def read_manifest(outdir) -> Dict:
    p = Path(outdir) / MANIFEST
    if not p.exists():
        raise GraphError(f"{outdir}: not an nncodegen output directory (no {MANIFEST}; run 'nncodegen compile')")
    try:
        m = json.loads(p.read_text())
    except json.JSONDecodeError as e:
        raise GraphError(f"{p}: corrupt manifest ({e})") from None
    if not isinstance(m, dict) or not is_c_identifier(m.get("name")):
        # the name goes into C drivers (bench, cross builds) and file names: generate wrote an identifier
        raise GraphError(f"{p}: corrupt manifest (name is not a C identifier)")
    return m


def check_input_array(x: np.ndarray, shape: List[int], what: str = "input") -> np.ndarray:
    """Accept (N, *shape[1:]) or a single shape[1:] sample of real numbers."""
    x = np.asarray(x)
    if x.dtype.kind not in "fiu" or x.dtype == np.bool_:
        raise GraphError(f"{what}: expected float32 numbers, got dtype {x.dtype}")
    want = tuple(shape[1:])
    if x.shape == want:
        x = x[None]
    if x.ndim != len(shape) or tuple(x.shape[1:]) != want:
        raise GraphError(f"{what}: expected shape (N, {', '.join(map(str, want))}), got {tuple(x.shape)}")
    return x.astype(np.float32)


class CModel:
    """The generated C of one output directory, compiled and loaded."""

    def __init__(self, outdir, trace: bool = False, opt: str = "-O2", cc=None, extra_flags=()):
        """``opt`` and ``extra_flags`` (e.g. ``["-march=native"]`` or ``["-DNNC_NO_SIMD"]``) go to the compiler."""
        self.outdir = Path(outdir)
        m = read_manifest(outdir)
        self.manifest = m
        self.name = m["name"]
        self.ctype = m["ctype"]
        self.quantized = m["quantized"]
        self.in_shape = m["input"]["shape"]
        self.out_shape = m["output"]["shape"]
        self.in_fmt = format_from_json(m["input"]["format"])
        self.out_fmt = format_from_json(m["output"]["format"])
        self.trace = trace
        inc = [self.outdir, self.outdir / "runtime"]
        defines = ["NNC_TRACE"] if trace else []
        cdef = cdef_from_headers([self.outdir / f"{self.name}.h"], inc, defines)
        header = f'#include "{self.name}.h"\n'
        self.ffi, self.lib = build_cffi(
            f"{self.name}{'_trace' if trace else ''}", [self.outdir / s for s in m["sources"]], cdef, inc,
            header=header, opt=opt, defines=defines, cc=cc, libraries=["m"] if m.get("needs_libm") else [],
            extra_flags=list(extra_flags))
        self._run = getattr(self.lib, f"{self.name}_run")
        self.out_ctype = m.get("out_ctype", self.ctype)
        self.out_quantized = m.get("out_quantized", self.quantized)
        self.np_in = NP_TYPES[self.ctype]
        self.np_out = NP_TYPES[self.out_ctype]
        self.n_in = int(np.prod(self.in_shape[1:])) * self.in_shape[0]
        self.n_out = int(np.prod(self.out_shape))

    # ------------------------------------------------------------------ run
    def quantize_input(self, x: np.ndarray) -> np.ndarray:
        x = check_input_array(x, self.in_shape)
        return self.in_fmt.quantize(x) if self.quantized else x.astype(np.float32)

    def run_raw(self, xq: np.ndarray) -> np.ndarray:
        """Raw C output (integers or float) for raw input samples (N, ...)."""
        xq = np.ascontiguousarray(xq, dtype=self.np_in)
        n = xq.shape[0]
        # one call writes the whole output tensor; its first axis is 1 for most models, but not always
        # (e.g. Flatten(axis=2) of (1, C, H, W) gives (C, H*W)): samples are concatenated on axis 0
        out = np.empty((n,) + tuple(self.out_shape), dtype=self.np_out)
        for i in range(n):
            xi = np.ascontiguousarray(xq[i])
            oi = out[i]
            rc = self._run(self.ffi.cast(f"{self.ctype} *", xi.ctypes.data),
                           self.ffi.cast(f"{self.out_ctype} *", oi.ctypes.data))
            if rc != 0:
                raise RuntimeError(f"{self.name}_run returned {rc} on sample {i}")
        return out.reshape((n * int(self.out_shape[0]),) + tuple(self.out_shape[1:])) if self.out_shape else out

    def run(self, x: np.ndarray) -> np.ndarray:
        """Float input (N, ...) -> float32 output (N, ...), as `nncodegen run`."""
        y = self.run_raw(self.quantize_input(x))
        return self.out_fmt.dequantize(y) if self.out_quantized else y.astype(np.float32)

    def run_trace(self, xq_one: np.ndarray) -> List[np.ndarray]:
        """Every layer's raw output for one raw input sample (trace builds only)."""
        if not self.trace:
            raise RuntimeError("build the model with trace=True to trace layers")
        captured: Dict[int, bytes] = {}

        @self.ffi.callback("void(int32_t, const void *, int32_t)")
        def hook(layer, data, nbytes):
            captured[int(layer)] = bytes(self.ffi.buffer(data, nbytes))

        getattr(self.lib, f"{self.name}_set_trace")(hook)
        try:
            self.run_raw(np.asarray(xq_one)[None] if np.asarray(xq_one).ndim == len(self.in_shape) - 1
                         else xq_one)
        finally:
            getattr(self.lib, f"{self.name}_set_trace")(self.ffi.NULL)
        layers = self.manifest["layers"]
        return [np.frombuffer(captured[l["index"]], dtype=NP_TYPES[l.get("ctype", self.ctype)]).reshape(
            l.get("stored_shape", l["shape"])) for l in layers]
