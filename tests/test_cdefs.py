"""cdef_from_headers: the cffi declarations of every kernel header parse in cffi without a warning (the headers'
pragmas, nnc_types.h's fp-contract ones, are dropped; cffi warns that it ignores a #pragma in cdef())."""
from __future__ import annotations

import warnings

import cffi

from nncodegen.harness.cdefs import cdef_from_headers
from nncodegen.paths import include_dir, kernels_dir


def test_kernel_header_cdefs_hold_no_pragma():
    headers = sorted(kernels_dir().glob("*.h"))
    assert len(headers) > 50
    text = cdef_from_headers(headers, [include_dir(), kernels_dir()])
    assert "#pragma" not in text
    assert "void conv2d_f32(" in text and "nnc_conv_geom" in text
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cffi.FFI().cdef(text)
