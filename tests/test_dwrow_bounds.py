"""The few-channel depthwise row paths (conv2d_dwrow512.inc: conv2d_s8 and conv2d_dw_q7 with AVX-512BW;
conv2d_s8_dwrow256.inc: conv2d_s8 with AVX2) form no pointer outside their input and read no byte outside it.

tests/c/dwrow_bounds.c includes the kernel source with its byte loads wrapped by a check (pointer within
[input, input + size], the lanes of the load's mask within [input, input + size)) and runs 2000 random
depthwise layers of 1, 2, 4, 8 channels (padding, dilation, batch 2); built strict C99 with gcc and clang under
-fsanitize=undefined.  A masked load that starts before its row (a left border step) counts as outside.
"""
from pathlib import Path

import pytest

from helpers import BOUNDS_BUILDS, run_bounds_driver

SRC = Path(__file__).parent / "c" / "dwrow_bounds.c"


@pytest.mark.parametrize("cc", ["gcc", "clang"])
@pytest.mark.parametrize("build", list(BOUNDS_BUILDS))
@pytest.mark.parametrize("kernel", ["s8", "q7"])
def test_dwrow_loads_stay_inside_the_input(cc, build, kernel, tmp_path):
    if kernel == "q7" and build == "avx2":
        pytest.skip("conv2d_dw_q7 has no AVX2 row path")
    run_bounds_driver(SRC, cc, build, ["DWB_Q7"] if kernel == "q7" else [], tmp_path)
