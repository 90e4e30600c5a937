"""Twins of the in-place kernels: conv2d_inplace_*, maxpool_inplace_* (templates_c/kernels/inplace_rows.inc)
and pad_inplace_* (templates_c/kernels/pad_inplace.c).

The C kernel writes its output over its input one row at a time, with rows waiting in scratch;
its result is, by construction, the out-of-place kernel's on the whole tensor (tests/test_inplace.py
checks C in place == C out of place == twin on random geometries).  So the twin is the out-of-place
twin; scratch, ring_rows and backward only say how the C orders its rows and where it keeps the
rows that wait.
"""
from __future__ import annotations

from . import kernels_f32, kernels_pk_f32, kernels_pk_q, kernels_pk_s8, kernels_q, kernels_s8


def _inplace(base):
    """The twin of base's row-wise in-place form: base's arguments, then scratch, ring_rows, backward."""
    def twin(*args):
        return base(*args[:-3])
    fam = base.__name__.split("_")[0]
    twin.__name__ = base.__name__.replace(f"{fam}_", f"{fam}_inplace_", 1)
    twin.__doc__ = f"{twin.__name__}: {base.__name__} computed in place (same result)."
    return twin


conv2d_inplace_q7 = _inplace(kernels_q.conv2d_q7)
conv2d_inplace_q7_wide = _inplace(kernels_q.conv2d_q7_wide)
conv2d_inplace_q15 = _inplace(kernels_q.conv2d_q15)
conv2d_inplace_q15_acc32 = _inplace(kernels_q.conv2d_q15_acc32)
conv2d_inplace_s8 = _inplace(kernels_s8.conv2d_s8)
conv2d_inplace_pw_s8 = _inplace(kernels_s8.conv2d_pw_s8)
conv2d_inplace_pwp_s8 = _inplace(kernels_s8.conv2d_pwp_s8)
conv2d_inplace_pk_s8 = _inplace(kernels_pk_s8.conv2d_pk_s8)
conv2d_inplace_dw_q7 = _inplace(kernels_pk_q.conv2d_dw_q7)
conv2d_inplace_pk_q7 = _inplace(kernels_pk_q.conv2d_pk_q7)
conv2d_inplace_pw4_q7 = _inplace(kernels_pk_q.conv2d_pw4_q7)
conv2d_inplace_pk_f32 = _inplace(kernels_pk_f32.conv2d_pk_f32)
conv2d_inplace_f32 = _inplace(kernels_f32.conv2d_f32)

# pad_inplace_*: a constant pad written from the last element to the first (templates_c/kernels/pad_inplace.c),
# the same values as the out-of-place pad
pad_inplace_q7 = kernels_q.pad_q7
pad_inplace_q15 = kernels_q.pad_q15
pad_inplace_s8 = kernels_s8.pad_s8
pad_inplace_f32 = kernels_f32.pad_f32

# maxpool_inplace_*: the max pool one output row at a time (inplace_rows.inc), the same maxima
maxpool_inplace_q7 = _inplace(kernels_q.maxpool_q7)
maxpool_inplace_q15 = _inplace(kernels_q.maxpool_q15)
maxpool_inplace_s8 = _inplace(kernels_s8.maxpool_s8)
maxpool_inplace_f32 = _inplace(kernels_f32.maxpool_f32)
