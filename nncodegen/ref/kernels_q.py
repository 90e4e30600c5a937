"""Numpy twins of the integer C kernels (templates_c/kernels/*_q7.c, *_q15.c).

One function per C kernel, with the C name and argument order minus the
output pointer: params are the dataclasses of nncodegen/lower/params.py,
buffers are numpy arrays (any shape holding the right number of elements),
and the output comes back as a new array of the kernel's element type.

These functions are the specification of the integer kernels: the C is
tested bit for bit against them (tests/test_kernels_q.py).  All arithmetic
is int64, and every rounding, saturation, division and table lookup goes
through nncodegen/ref/fixedpoint.py, the twin of nnc_fixed.h.

Accumulator variants: an int32 accumulator that cannot overflow gives the
same result as an int64 one, so ``conv2d_q7`` and ``conv2d_q7_wide`` (and
``conv2d_q15_acc32`` and ``conv2d_q15``) share their arithmetic.  The int32
variants (``*_q7`` and ``*_q15_acc32`` of conv2d, conv_transpose2d, dense)
additionally raise OverflowError when |bias| + sum |x * w| >= 2^31 for some
output: that quantity bounds every partial sum of the C loop in any order,
and the compiler's proof (|bias| + sum |w| * max|x| < 2^31) bounds it, so the
error exposes a wrong proof or a wrong kernel choice.

The twins live by kernel family: kernels_q_mac.py (conv, transposed conv, dense, and the requantization
epilogue), kernels_q_pool.py, kernels_q_eltwise.py, kernels_q_data.py (pad, resize, transpose), on the
helpers of kernels_common.py; this module gathers them under one name.
"""
from __future__ import annotations

from .kernels_common import ACC32_LIMIT, _arr, _bias, _check_groups, _conv2d_sum, _pad_after, _windows  # noqa: F401
from .kernels_q_mac import (conv2d_q15, conv2d_q15_acc32, conv2d_q7, conv2d_q7_wide,  # noqa: F401
                            conv_transpose2d_q15, conv_transpose2d_q15_acc32, conv_transpose2d_q7,
                            conv_transpose2d_q7_wide, dense_q15, dense_q15_acc32, dense_q7, dense_q7_wide, Q15, Q7,
                            _bounds, _check_acc32, _conv2d, _conv_mac, _conv_transpose2d, _conv_transpose2d_sum,
                            _dense, _epilogue, _variants)
from .kernels_q_pool import (avgpool_divisors, avgpool_q15, avgpool_q7, global_avgpool_q15,  # noqa: F401
                             global_avgpool_q7, global_maxpool_q15, global_maxpool_q7, maxpool_q15, maxpool_q7,
                             _avgpool, _global_avgpool, _global_maxpool, _maxpool)
from .kernels_q_eltwise import (add_q15, add_q7, broadcast_index, lut_q15, lut_q7, mul_q15, mul_q7,  # noqa: F401
                                prelu_q15, prelu_q7, rescale_q15, rescale_q7, softmax_q15, softmax_q7, sub_q15,
                                sub_q7, _eltwise, _flat_n, _lut, _prelu, _rescale, _softmax)
from .kernels_q_data import (pad_q15, pad_q7, pad_source_index, resize_bilinear_q15,  # noqa: F401
                             resize_bilinear_q7, resize_nearest_q15, resize_nearest_q7, transpose_q15, transpose_q7,
                             _pad, _resize_bilinear, _resize_nearest, _transpose)


# the C kernels, by family, for tests and tools that enumerate them
KERNELS = {
    "conv2d": ["conv2d_q7", "conv2d_q7_wide", "conv2d_q15", "conv2d_q15_acc32"],
    "conv_transpose2d": ["conv_transpose2d_q7", "conv_transpose2d_q7_wide", "conv_transpose2d_q15",
                         "conv_transpose2d_q15_acc32"],
    "dense": ["dense_q7", "dense_q7_wide", "dense_q15", "dense_q15_acc32"],
    "pool": [f"{k}_{q}" for k in ("maxpool", "avgpool", "global_avgpool", "global_maxpool") for q in ("q7", "q15")],
    "eltwise": [f"{k}_{q}" for k in ("add", "sub", "mul") for q in ("q7", "q15")],
    "rescale": ["rescale_q7", "rescale_q15"],
    "lut": ["lut_q7", "lut_q15"],
    "prelu": ["prelu_q7", "prelu_q15"],
    "softmax": ["softmax_q7", "softmax_q15"],
    "pad": ["pad_q7", "pad_q15"],
    "resize": [f"resize_{m}_{q}" for m in ("nearest", "bilinear") for q in ("q7", "q15")],
    "transpose": ["transpose_q7", "transpose_q15"],
}
