"""Helpers shared by the tests: the C kernel libraries built with cffi and their bit-exact comparison
with the numpy twins, and generated models compiled, run and compared with a reference runtime.
(Imported as a plain module: pytest puts tests/ on sys.path, as for conftest.py and tflite_builder.py.)"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

import nncodegen
from nncodegen.harness.cbuild import build_cffi
from nncodegen.harness.cdefs import cdef_from_headers
from nncodegen.lower.params import to_cffi

CTYPES = {np.dtype(np.int8): "int8_t", np.dtype(np.uint8): "uint8_t", np.dtype(np.int16): "int16_t",
          np.dtype(np.uint16): "uint16_t",
          np.dtype(np.int32): "int32_t", np.dtype(np.int64): "int64_t", np.dtype(np.uint32): "uint32_t",
          np.dtype(np.float32): "float"}


class CLib:
    """A kernel library built by build_clib: ``p(array)`` is a typed pointer to a C-contiguous array (None:
    NULL), ``s(params)`` a struct pointer for a params dataclass, kept alive until ``call`` returns."""

    def __init__(self, ffi, lib):
        self.ffi, self.lib, self.keep = ffi, lib, []

    def p(self, arr):
        if arr is None:
            return self.ffi.NULL
        assert arr.flags.c_contiguous
        return self.ffi.from_buffer(CTYPES[arr.dtype] + "[]", arr)

    def s(self, obj):
        return to_cffi(self.ffi, obj, self.keep)

    def call(self, name, *args):
        try:
            getattr(self.lib, name)(*args)
        finally:
            self.keep = []  # the structs' arrays must outlive the call

    def arg(self, a):
        """One kernel argument: a params dataclass as a struct pointer, an array or None as a typed pointer (NULL),
        anything else (a count, a shift) as it is."""
        if hasattr(a, "CTYPE"):
            return self.s(a)
        if a is None or isinstance(a, np.ndarray):
            return self.p(a)
        return a

    def run_into(self, name, args, out):
        """Calls kernel ``name`` on ``args`` (converted by ``arg``) and the output buffer ``out``; returns ``out``."""
        self.call(name, *[self.arg(a) for a in args], self.p(out))
        return out


def build_clib(name: str, sources: Sequence[Path], include_dirs: Sequence[Path], header_prefix: str = "",
               cls=CLib, **kw) -> CLib:
    """The kernels of ``sources`` built into one cffi module, declared from the .h next to each source.
    ``header_prefix`` goes before the includes (e.g. a hash of shared .inc bodies, which the build cache
    does not see); ``kw`` goes to build_cffi (extra_flags, libraries)."""
    headers = [Path(s).with_suffix(".h") for s in sources]
    header = header_prefix + "".join(f'#include "{h.name}"\n' for h in headers)
    ffi, lib = build_cffi(name, list(sources), cdef_from_headers(headers, include_dirs), include_dirs=include_dirs,
                          header=header, **kw)
    return cls(ffi, lib)


def garbage(shape, dtype, seed: int) -> np.ndarray:
    """Output buffers start as noise so that unwritten elements show up."""
    info = np.iinfo(dtype)
    return np.random.default_rng(seed).integers(info.min, info.max + 1, size=shape).astype(dtype)


def assert_same(got, want, what=""):
    """C output == twin output, bit for bit: the same dtype and size, then every element; a failure names the
    first mismatching index."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype, f"{what}: dtype {got.dtype} != twin {want.dtype}"
    assert got.size == want.size, f"{what}: {got.size} elements != twin {want.size}"
    got = got.reshape(want.shape)
    bad = np.argwhere(got != want)
    if bad.size:
        i = tuple(int(v) for v in bad[0])
        raise AssertionError(f"{what}: {len(bad)} of {want.size} elements differ; first mismatch at index {i} "
                             f"of shape {want.shape}: C {got[i]} != twin {want[i]}")


def broadcast_strides(shape, out_shape):
    """The element strides of a contiguous 4-D operand of ``shape`` read at each index of ``out_shape``
    (0 along the axes it is broadcast over), as in nnc_broadcast."""
    st_, acc = [0] * 4, 1
    for i in range(3, -1, -1):
        st_[i] = 0 if shape[i] == 1 and out_shape[i] != 1 else acc
        acc *= shape[i]
    return tuple(st_)


def draw_operand_shape(data, out, label):
    """A hypothesis-drawn 4-D operand shape that broadcasts to ``out``: the same, one channel vector, a
    scalar, one row, or any axes set to 1."""
    from hypothesis import strategies as st
    pat = data.draw(st.sampled_from(["same", "channel", "scalar", "row", "random"]), label=f"{label} broadcast")
    if pat == "same":
        return out
    if pat == "channel":
        return (1, 1, 1, out[3])
    if pat == "scalar":
        return (1, 1, 1, 1)
    if pat == "row":
        return (1, 1, out[2], out[3])
    mask = data.draw(st.lists(st.booleans(), min_size=4, max_size=4), label=f"{label} mask")
    return tuple(o if m else 1 for o, m in zip(out, mask))


# ---------------------------------------------------------------- whole models

def random_models(make, kind: str, seeds, tmp_path: Path, n: int, dtype, input_seed: int):
    """For each seed: the model file ``make(kind, seed)`` (bytes) written under tmp_path, loaded, generated as
    "m" and built, and run on ``n`` random inputs of ``dtype`` over its whole range (from input_seed + seed).
    Yields (seed, model path, graph, inputs, the C's outputs)."""
    for seed in seeds:
        path = tmp_path / f"{kind}{seed}.tflite"
        path.write_bytes(make(kind, seed))
        g = nncodegen.load(path)
        cm = nncodegen.build(nncodegen.generate(g, tmp_path / f"c_{kind}{seed}", name="m"))
        info = np.iinfo(dtype)
        xs = np.random.default_rng(input_seed + seed).integers(info.min, info.max + 1, size=(n,) + tuple(
            g.tensors[g.inputs[0]].shape[1:])).astype(dtype)
        yield seed, path, g, xs, cm.run_raw(xs)


def assert_equal_ref(y_c, y_ref, what: str, ref: str = "TFLM"):
    """Generated C == a reference runtime's output (reshaped to the C's), naming the first difference."""
    y_ref = np.asarray(y_ref).reshape(y_c.shape)
    bad = np.argwhere(y_c != y_ref)
    assert bad.size == 0, f"{what}: {len(bad)} of {y_c.size} differ, first {bad[0]}: " \
                          f"C {y_c[tuple(bad[0])]} {ref} {y_ref[tuple(bad[0])]}"


# ---------------------------------------------------------------- kernels on a target (cross builds, qemu)

class ScratchArg:
    """A kernel argument of kernel_check_program that the kernel may write: a zeroed static array of n ctype."""

    def __init__(self, ctype: str, n: int):
        self.ctype, self.n = ctype, max(1, int(n))


class InPlaceArg:
    """A kernel argument of kernel_check_program that is the output buffer itself (a kernel run in place): the array
    is copied into the output buffer before the call and the output pointer passed for it."""

    def __init__(self, a):
        self.a = np.asarray(a)


def kernel_check_program(cases, headers: Sequence[str], path: Path, first_lines: Sequence[str] = ()) -> Path:
    """A C program that runs each case (kernel name, args, expected output) and prints the first mismatching
    element of each failing case and, last, "<count> mismatches in <n> cases" (exit status 1 if any).  Args:
    params dataclasses (static structs), arrays (static arrays), ints (literals), ScratchArg (writable arrays),
    InPlaceArg (the output buffer, holding the array before the call) or None (NULL); the output pointer goes last.
    ``first_lines``: statements run before the cases."""
    from nncodegen.lower.params import c_array, to_c
    lines = ["#include <stdint.h>", "#include <stdio.h>", "#include <string.h>", '#include "nnc_types.h"']
    lines += [f'#include "{h}"' for h in headers] + [""]
    body = ["int main(void)", "{", "    long bad = 0, i;", *first_lines]
    for n, (kern, args, want) in enumerate(cases):
        cargs, got_n, pre = [], np.asarray(want).size, []
        for j, a in enumerate(args):
            if a is None:
                cargs.append("0")
            elif isinstance(a, (int, np.integer)):  # a scalar argument
                cargs.append(str(int(a)))
            elif isinstance(a, InPlaceArg):
                lines.append(c_array(CTYPES[a.a.dtype], f"c{n}_a{j}", a.a.ravel()))
                got_n = max(got_n, a.a.size)
                pre.append(f"    memcpy(c{n}_got, c{n}_a{j}, sizeof c{n}_a{j});")
                cargs.append(f"c{n}_got")
            elif isinstance(a, ScratchArg):
                lines.append(f"static {a.ctype} c{n}_a{j}[{a.n}];")
                cargs.append(f"c{n}_a{j}")
            elif hasattr(a, "CTYPE"):
                decls, init = to_c(a, f"c{n}_a{j}")
                lines += decls + [f"static const {a.CTYPE} c{n}_a{j} = {init};"]
                cargs.append(f"&c{n}_a{j}")
            else:
                a = np.asarray(a)
                lines.append(c_array(CTYPES[a.dtype], f"c{n}_a{j}", a.ravel()))
                cargs.append(f"c{n}_a{j}")
        want = np.asarray(want).ravel()
        lines.append(c_array(CTYPES[want.dtype], f"c{n}_want", want))
        lines.append(f"static {CTYPES[want.dtype]} c{n}_got[{got_n}];")
        body += [*pre, f"    {kern}({', '.join(cargs)}, c{n}_got);",
                 f"    for (i = 0; i < {want.size}; i++) {{",
                 f"        if (c{n}_got[i] != c{n}_want[i]) {{",
                 f'            printf("case {n} {kern}: element %ld: %ld != %ld\\n", i, (long)c{n}_got[i], '
                 f"(long)c{n}_want[i]);",
                 "            bad++;", "            break;", "        }", "    }"]
    body += ['    printf("%ld mismatches in ' + str(len(cases)) + ' cases\\n", bad);', "    return bad != 0;", "}"]
    path.write_text("\n".join(lines + [""] + body) + "\n")
    return path


def quantized_build_agrees(g, x, scheme: str, tol: float, outdir: Path):
    """Quantize the float graph g on the batch x (``scheme``), generate and build the C: the C equals the
    simulator bit for bit and stays within ``tol`` of the float model (relative to its largest output)."""
    gq = nncodegen.quantize(g, x, scheme)
    cm = nncodegen.build(nncodegen.generate(gq, outdir, name="m"))
    y = cm.run(x)
    np.testing.assert_array_equal(y, nncodegen.simulate(gq, x))
    y_f = nncodegen.reference(g, x)
    assert np.abs(y - y_f).max() <= tol * np.abs(y_f).max(), (scheme, float(np.abs(y - y_f).max()))


# the x86 builds the load-bounds drivers (tests/c/dwrow_bounds.c, tests/c/ptr_bounds.c) run in: flags, the CPU
# flag the host needs (None: -march=native)
BOUNDS_BUILDS = {"avx2": (["-mavx2", "-mfma"], "avx2"),
                 "avx512": (["-mavx2", "-mfma", "-mavx512f", "-mavx512bw", "-mavx512vl"], "avx512bw"),
                 "native": (["-march=native"], None)}


def run_bounds_driver(src: Path, cc: str, build: str, defines: Sequence[str], tmp_path: Path) -> None:
    """Builds a load-bounds driver (strict C99, -fsanitize=undefined) in one of BOUNDS_BUILDS and runs it: it must
    check more than 100,000 loads (the SIMD paths ran) and find none outside the input."""
    import shutil
    import subprocess

    import pytest

    from conftest import missing_tool
    from nncodegen.paths import include_dir, kernels_dir
    from test_kernels_simd import cpu_flags
    flags, cpu = BOUNDS_BUILDS[build]
    if not shutil.which(cc):
        missing_tool(f"no {cc}")
    if cpu and cpu not in cpu_flags():
        pytest.skip(f"host CPU has no {cpu}")
    exe = tmp_path / src.stem
    cmd = [cc, "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-O2", "-fsanitize=undefined",
           "-fno-sanitize-recover=all", *flags, *(f"-D{d}" for d in defines),
           "-I", str(include_dir()), "-I", str(kernels_dir()), str(src), "-o", str(exe)]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    r = subprocess.run([str(exe)], capture_output=True, text=True, timeout=120)
    loads = int(r.stdout.split()[0])
    assert loads > 100000, r.stdout  # the SIMD paths ran
    assert r.returncode == 0 and r.stdout.split()[2] == "0", r.stdout + r.stderr
