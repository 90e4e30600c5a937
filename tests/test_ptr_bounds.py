"""The per-pixel depthwise and pooling SIMD paths load nothing outside their input: conv2d_s8's depthwise path
(conv2d_s8_dw512.inc, any channel count), conv2d_dw_q7's per-pixel and pixel-run paths (AVX-512 and AVX2),
global_avgpool_q7's channel sums (pool_q7.c), maxpool_s8 and avgpool_s8 (pool_s8.c, AVX-512BW).

tests/c/ptr_bounds.c includes the kernel source with its byte loads wrapped: a load from the buffer that holds the
input must have its pointer in [input, input + size] and the bytes of its mask in [input, input + size); 3000
random layers (channel counts 1 .. 70, padding on every side, strides 1 / 2, dilation, batch 2), built strict C99
with gcc and clang under -fsanitize=undefined.  The few-channel row paths have their own test (test_dwrow_bounds).
"""
from pathlib import Path

import pytest

from helpers import BOUNDS_BUILDS, run_bounds_driver

SRC = Path(__file__).parent / "c" / "ptr_bounds.c"
KERNELS = {"conv2d_s8_dw": 1, "conv2d_dw_q7": 2, "global_avgpool_q7": 3, "maxpool_s8": 4, "avgpool_s8": 5}


@pytest.mark.parametrize("cc", ["gcc", "clang"])
@pytest.mark.parametrize("build", list(BOUNDS_BUILDS))
@pytest.mark.parametrize("kernel", list(KERNELS))
def test_simd_loads_stay_inside_the_input(cc, build, kernel, tmp_path):
    if kernel in ("maxpool_s8", "avgpool_s8") and build == "avx2":
        pytest.skip(f"{kernel} has no AVX2 path (its SIMD paths need AVX-512BW)")
    run_bounds_driver(SRC, cc, build, [f"PB_KERNEL={KERNELS[kernel]}"], tmp_path)
