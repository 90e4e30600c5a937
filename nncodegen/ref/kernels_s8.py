"""Numpy twins of the affine int8 C kernels (templates_c/kernels/*_s8.c).

One function per C kernel, with the C name and argument order minus the
output pointer (concat parts also take the output so far, like every concat
part twin).  Params are the dataclasses of nncodegen/lower/params.py; buffers
are numpy arrays of any shape holding the right number of elements.  These
functions are the specification: tests/test_kernels_s8.py compares the C with
them bit for bit.  Arithmetic is int64 on int32 values, and every rounding goes
through nncodegen/ref/affine.py, the twin of nnc_affine.h.

Semantics follow TFLite's reference kernels (tensorflow/lite/kernels/internal/
reference/integer_ops/): conv / depthwise conv / fully connected (per-channel
multipliers, input offset, padded taps skipped = the input zero point),
add / sub (left shift 20 and three multipliers), mul, max / average pool
(average rounded half away from zero, input and output share a format),
PReLU.  Where TFLite uses float inside a kernel (concat with rescale,
sigmoid, tanh, ...) the compiler builds a 256-entry table instead, so the C
stays integer-only.  Softmax is table-based (see softmax_s8), or TFLite's own
gemmlowp fixed-point kernel where a model asks for it (softmax_tfl_s8); log-softmax
exists only as TFLite's kernel (log_softmax_tfl_s8).  TFLite models get TFLite's own gemmlowp
fixed-point logistic and tanh (logistic_tfl_s8, tanh_tfl_s8) instead of the tables.

The twins live by kernel family: kernels_s8_mac.py (conv, dense, transposed conv, and the requantization
epilogue), kernels_s8_pool.py, kernels_s8_eltwise.py, kernels_s8_act.py (softmax and TFLite's activations),
kernels_s8_data.py (data movement, quantize / dequantize); this module gathers them under one name.
"""
from __future__ import annotations

from .kernels_common import ACC32_LIMIT, _arr, _bias, _pad_after, _windows  # noqa: F401
from .kernels_s8_mac import (conv2d_pw_s8, conv2d_pwp_s8, conv2d_s8, conv_transpose2d_s8, dense_s8,  # noqa: F401
                             pack_pwp_s8, pw_bias_s8, S8, U8, unpack_pwp_s8, _bounds, _check_acc32, _epilogue,
                             _conv_sum, _table_f32)
from .kernels_s8_pool import (avgpool_ort_s8, avgpool_s8, global_avgpool_s8, global_maxpool_s8,  # noqa: F401
                              maxpool_s8, mean_s8)
from .kernels_s8_eltwise import (add_s8, concat_part_s8, leaky_relu_s8, lut_s8, maximum_s8, minimum_s8,  # noqa: F401
                                 mul_s8, prelu_s8, sub_s8, tfl_addsub, _add_ort, _addsub, _minmax, _operands)
from .kernels_s8_act import (hard_swish_tfl_s8, log_softmax_tfl_s8, logistic_tfl_s8, softmax_ort_s8,  # noqa: F401
                             softmax_s8, softmax_tfl_s8, tanh_tfl_s8, _act_tfl_out, _act_tfl_s8, _dhm16, _sat16,
                             _srdhm16)
from .kernels_s8_data import (convert_s8_u8, convert_u8_s8, dequantize_s8, pad_s8, quantize_f32,  # noqa: F401
                              quantize_s8, resize_nearest_s8, strided_slice, strided_slice_s8, _rne_f32)

KERNELS = ["conv2d_s8", "dense_s8", "pool_s8", "eltwise_s8", "lut_s8", "concat_s8", "softmax_s8", "prelu_s8",
           "pad_s8", "resize_s8", "quant_s8", "act_tfl_s8", "mean_s8", "hard_swish_tfl_s8", "leaky_relu_s8", "minmax_s8",
           "strided_slice_s8", "conv_transpose2d_s8"]
