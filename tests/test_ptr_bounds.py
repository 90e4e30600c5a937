"""The per-pixel depthwise and pooling SIMD paths load nothing outside their input: conv2d_s8's depthwise path
(conv2d_s8_dw512.inc, any channel count), conv2d_dw_q7's per-pixel and pixel-run paths (AVX-512 and AVX2),
global_avgpool_q7's channel sums (pool_q7.c), maxpool_s8 and avgpool_s8 (pool_s8.c, AVX-512BW).

tests/c/ptr_bounds.c includes the kernel source with its byte loads wrapped: a load from the buffer that holds the
input must have its pointer in [input, input + size] and the bytes of its mask in [input, input + size); 3000
random layers (channel counts 1 .. 70, padding on every side, strides 1 / 2, dilation, batch 2), built strict C99
with gcc and clang under -fsanitize=undefined.  The few-channel row paths have their own test (test_dwrow_bounds).
"""
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import missing_tool
from nncodegen.paths import include_dir, kernels_dir
from test_kernels_simd import cpu_flags

SRC = Path(__file__).parent / "c" / "ptr_bounds.c"
BUILDS = {"avx2": (["-mavx2", "-mfma"], "avx2"),
          "avx512": (["-mavx2", "-mfma", "-mavx512f", "-mavx512bw", "-mavx512vl"], "avx512bw"),
          "native": (["-march=native"], None)}
KERNELS = {"conv2d_s8_dw": 1, "conv2d_dw_q7": 2, "global_avgpool_q7": 3, "maxpool_s8": 4, "avgpool_s8": 5}


@pytest.mark.parametrize("cc", ["gcc", "clang"])
@pytest.mark.parametrize("build", list(BUILDS))
@pytest.mark.parametrize("kernel", list(KERNELS))
def test_simd_loads_stay_inside_the_input(cc, build, kernel, tmp_path):
    flags, cpu = BUILDS[build]
    if not shutil.which(cc):
        missing_tool(f"no {cc}")
    if cpu and cpu not in cpu_flags():
        pytest.skip(f"host CPU has no {cpu}")
    if kernel in ("maxpool_s8", "avgpool_s8") and build == "avx2":
        pytest.skip(f"{kernel} has no AVX2 path with wrapped loads")
    exe = tmp_path / "pb"
    cmd = [cc, "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-O2", "-fsanitize=undefined",
           "-fno-sanitize-recover=all", *flags, f"-DPB_KERNEL={KERNELS[kernel]}",
           "-I", str(include_dir()), "-I", str(kernels_dir()), str(SRC), "-o", str(exe)]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    r = subprocess.run([str(exe)], capture_output=True, text=True, timeout=120)
    loads = int(r.stdout.split()[0])
    assert loads > 100000, r.stdout  # the SIMD paths ran
    assert r.returncode == 0 and r.stdout.split()[2] == "0", r.stdout + r.stderr
