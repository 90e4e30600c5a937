"""The few-channel depthwise row paths (conv2d_dwrow512.inc: conv2d_s8 and conv2d_dw_q7 with AVX-512BW;
conv2d_s8_dwrow256.inc: conv2d_s8 with AVX2) form no pointer outside their input and read no byte outside it.

tests/c/dwrow_bounds.c includes the kernel source with its byte loads wrapped by a check (pointer within
[input, input + size], the lanes of the load's mask within [input, input + size)) and runs 2000 random
depthwise layers of 1, 2, 4, 8 channels (padding, dilation, batch 2); built strict C99 with gcc and clang under
-fsanitize=undefined.  A masked load that starts before its row (a left border step) counts as outside.
"""
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import missing_tool
from nncodegen.paths import include_dir, kernels_dir
from test_kernels_simd import cpu_flags

SRC = Path(__file__).parent / "c" / "dwrow_bounds.c"
BUILDS = {"avx2": (["-mavx2", "-mfma"], "avx2"),
          "avx512": (["-mavx2", "-mavx512f", "-mavx512bw", "-mavx512vl"], "avx512bw"),
          "native": (["-march=native"], None)}


@pytest.mark.parametrize("cc", ["gcc", "clang"])
@pytest.mark.parametrize("build", list(BUILDS))
@pytest.mark.parametrize("kernel", ["s8", "q7"])
def test_dwrow_loads_stay_inside_the_input(cc, build, kernel, tmp_path):
    flags, cpu = BUILDS[build]
    if not shutil.which(cc):
        missing_tool(f"no {cc}")
    if cpu and cpu not in cpu_flags():
        pytest.skip(f"host CPU has no {cpu}")
    if kernel == "q7" and build == "avx2":
        pytest.skip("conv2d_dw_q7 has no AVX2 row path")
    exe = tmp_path / "dwb"
    cmd = [cc, "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-O2", "-fsanitize=undefined",
           "-fno-sanitize-recover=all", *flags, *(["-DDWB_Q7"] if kernel == "q7" else []),
           "-I", str(include_dir()), "-I", str(kernels_dir()), str(SRC), "-o", str(exe)]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    r = subprocess.run([str(exe)], capture_output=True, text=True, timeout=120)
    loads = int(r.stdout.split()[0])
    assert loads > 100000, r.stdout  # the row paths ran
    assert r.returncode == 0 and r.stdout.split()[2] == "0", r.stdout + r.stderr
