"""No FP contraction in the float kernels: every product is rounded before its addition, whatever the
compiler, C mode and -march (clang contracts a * b + c into an FMA by default where the target has one, gcc
does in its GNU modes, -std=gnu11 / gnu17 being its default; the runtime turns that off in nnc_types.h with
`#pragma STDC FP_CONTRACT OFF` for clang and `#pragma GCC optimize("fp-contract=off")` for gcc).

* no kernel source compiled by clang and gcc at -O3 -march=native, in ISO C99 (and by gcc in GNU C11 mode:
  clang's modes do not differ here), holds an FMA the compiler fused (x86): as many as with -ffp-contract=off, and none outside sources that name an
  fmadd intrinsic;
* act_f32.c and conv_transpose2d_f32.c built with clang -O3 -march=native and with gcc -std=gnu11 -O3
  -march=native give the same bits as with gcc -O0 on random inputs (values where a fused multiply-add rounds
  differently are common)."""
from __future__ import annotations

import platform
import re
import shutil
import subprocess

import numpy as np
import pytest

from conftest import missing_tool

from nncodegen.harness.cbuild import STRICT_FLAGS, build_cffi
from nncodegen.harness.cdefs import cdef_from_headers
from nncodegen.lower.params import ActF32, ConvGeom, to_cffi
from nncodegen.paths import include_dir, kernels_dir

X86 = platform.machine().lower() in ("x86_64", "amd64")
FMA = re.compile(r"\bv?f(n)?m(add|sub)[0-9]*[ps][sd]\b")
EXPLICIT_FMA = re.compile(r"_mm(256|512)?_mask[z3]?_f(n)?m(add|sub)_p[sd]|_mm(256|512)?_f(n)?m(add|sub)_[ps][sd]|\bv?fmaq?_f32\b")


def has_fma():
    try:
        with open("/proc/cpuinfo") as f:
            return " fma " in f.read()
    except OSError:
        return False


def _flags(std):
    """STRICT_FLAGS in C mode std (c99: as the project builds; gnu11: gcc's default kind of mode)."""
    return ["-std=" + std if f.startswith("-std=") else f for f in STRICT_FLAGS]


def _fma_count(cc, src, extra=(), std="c99"):
    r = subprocess.run([cc, *_flags(std), "-O3", "-march=native", *extra, f"-I{include_dir()}",
                        f"-I{kernels_dir()}", "-S", "-o", "-", str(src)], capture_output=True, text=True)
    assert r.returncode == 0, f"{cc} {src.name}: {r.stderr[:500]}"
    return len(FMA.findall(r.stdout))


@pytest.mark.skipif(not X86 or not has_fma(), reason="needs an x86 host with FMA")
@pytest.mark.parametrize("cc,std", [("clang", "c99"), ("gcc", "c99"), ("gcc", "gnu11")])
def test_no_fma_instruction_in_any_kernel(cc, std):
    """The compiler fuses nothing: each kernel holds as many FMA instructions at -O3 -march=native as
    with -ffp-contract=off, and only sources that ask for one by name (an fmadd intrinsic, as the
    onnxruntime-rounding add_s8 path does to repeat onnxruntime's own operations) hold any."""
    if not shutil.which(cc):
        missing_tool(f"no {cc}")
    contracted, unasked = {}, {}
    for src in sorted(kernels_dir().glob("*.c")):
        n = _fma_count(cc, src, std=std)
        if not n:
            continue
        n_off = _fma_count(cc, src, ["-ffp-contract=off"], std=std)
        if n != n_off:
            contracted[src.name] = (n, n_off)
        if not EXPLICIT_FMA.search(src.read_text()):
            unasked[src.name] = n
    assert not contracted, f"{cc} -std={std} -O3 -march=native contracted float operations into FMAs (count, " \
                           f"count with -ffp-contract=off): {contracted}"
    assert not unasked, f"{cc}: FMA instructions in sources that use no fmadd intrinsic: {unasked}"


def _lib(tag, cc, opt, flags):
    kd = kernels_dir()
    names = ["act_f32", "conv_transpose2d_f32"]
    headers = [kd / f"{n}.h" for n in names]
    return build_cffi(f"fp_contract_{tag}", [kd / f"{n}.c" for n in names],
                      cdef_from_headers(headers, [include_dir(), kd]), [include_dir(), kd],
                      header="".join(f'#include "{h.name}"\n' for h in headers), opt=opt, cc=cc,
                      extra_flags=flags, libraries=["m"])


@pytest.mark.skipif(not X86, reason="x86 host")
def test_clang_native_equals_gcc_O0_bits():
    if not (shutil.which("clang") and shutil.which("gcc")):
        missing_tool("needs clang and gcc")
    ref = _lib("gcc_O0", "gcc", "-O0", [])
    builds = {"clang -O3 -march=native": _lib("clang_native", "clang", "-O3", ["-march=native"]),
              "gcc -std=gnu11 -O3 -march=native": _lib("gcc_gnu11_native", "gcc", "-O3",
                                                       ["-march=native", "-std=gnu11"])}
    rng = np.random.default_rng(0)
    n = 4096
    x = (rng.normal(size=n) * 4).astype(np.float32)

    def run(lib, fn, *args):
        ffi, clib = lib
        keep = []
        out = np.full(n, np.nan, np.float32)
        conv = [to_cffi(ffi, a, keep) if isinstance(a, ActF32) else a for a in args]
        getattr(clib, fn)(n, *conv, ffi.from_buffer("float[]", x), ffi.from_buffer("float[]", out))
        return out

    g = ConvGeom(1, 5, 6, 7, 11, 13, 9, 3, 3, 2, 2, 1, 1, 1, 1, 1)
    xi = rng.normal(size=(1, 5, 6, 7)).astype(np.float32)
    w = rng.normal(size=(9, 3, 3, 7)).astype(np.float32)  # layout as the twin's: any fixed layout will do
    bias = rng.normal(size=9).astype(np.float32)

    def conv_t(lib):
        ffi, clib = lib
        keep = []
        y = np.full((1, 11, 13, 9), np.nan, np.float32)
        clib.conv_transpose2d_f32(to_cffi(ffi, g, keep), to_cffi(ffi, ActF32(), keep), ffi.from_buffer("float[]", xi),
                                  ffi.from_buffer("float[]", w), ffi.from_buffer("float[]", bias),
                                  ffi.from_buffer("float[]", y))
        return y

    y_ref = conv_t(ref)
    assert not np.isnan(y_ref).any()
    for what, fast in builds.items():
        for fn, args in [("hard_sigmoid_f32", (np.float32(0.2), np.float32(0.5))), ("hard_swish_f32", ()),
                         ("act_f32", (ActF32(-1.5, 2.5, 0.1),))]:
            a, b = run(fast, fn, *args), run(ref, fn, *args)
            assert a.tobytes() == b.tobytes(), f"{fn}: {what} differs from gcc -O0"
        assert conv_t(fast).tobytes() == y_ref.tobytes(), f"conv_transpose2d_f32: {what} differs from gcc -O0"
