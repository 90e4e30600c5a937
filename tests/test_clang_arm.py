"""Every kernel source compiles with clang for the ARM targets under the strict flags (-std=c99 -Wall -Wextra
-Werror -pedantic), as gcc builds them in tests/test_cross.py: the DSP paths' inline assembly (register lists,
constraints), the NEON / SDOT intrinsics and the feature macros must suit both compilers. Cortex-M4 also at
-O0, where the assembly blocks that need free registers fall back to their C steps (no __OPTIMIZE__), and with
hard float (the VFP assembly)."""
from __future__ import annotations

import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import missing_tool

from nncodegen.codegen.targets import TARGETS
from nncodegen.harness.cbuild import STRICT_FLAGS
from nncodegen.paths import include_dir, kernels_dir

pytestmark = pytest.mark.cross

# target name -> (clang triple, extra flags, the C library headers its cross gcc uses)
CLANG_TARGETS = {
    "cortex-m4": ("thumbv7em-none-eabi", ("-mfloat-abi=soft",), "/usr/lib/arm-none-eabi/include"),
    # the hard-float build the cortex-m4 target makes (the VFP asm of dense_sparse_cd_f32)
    "cortex-m4-hf": ("thumbv7em-none-eabihf", ("-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"), "/usr/lib/arm-none-eabi/include"),
    "cortex-m7": ("thumbv7em-none-eabi", ("-mfloat-abi=soft",), "/usr/lib/arm-none-eabi/include"),
    "armv7-a": ("armv7a-linux-gnueabihf", (), "/usr/arm-linux-gnueabihf/include"),
    "cortex-a55": ("aarch64-linux-gnu", (), "/usr/aarch64-linux-gnu/include"),
}
CASES = [("cortex-m4", "-O2"), ("cortex-m4", "-O0"), ("cortex-m4-hf", "-O2"), ("cortex-m7", "-O2"), ("armv7-a", "-O2"),
         ("cortex-a55", "-O2")]


def _compile(src: Path, cmd: list, out: Path) -> str:
    r = subprocess.run([*cmd, "-c", str(src), "-o", str(out / (src.stem + ".o"))], capture_output=True, text=True)
    return "" if r.returncode == 0 else f"{src.name}: {r.stderr.strip()[:600]}"


@pytest.mark.parametrize("target,opt", CASES, ids=[f"{t}{o}" for t, o in CASES])
def test_kernels_compile_with_clang_for_arm(tmp_path, target, opt):
    if not shutil.which("clang"):
        missing_tool("no clang")
    triple, extra, libc = CLANG_TARGETS[target]
    tinfo = TARGETS[target[:-3] if target.endswith("-hf") else target]
    if not Path(libc, "stdint.h").is_file():
        missing_tool(f"no C library headers for {target} ({libc})")
    cmd = ["clang", f"--target={triple}", *tinfo.flags, *extra, *STRICT_FLAGS, opt, "-isystem", libc,
           f"-I{include_dir()}", f"-I{kernels_dir()}"]
    probe = subprocess.run([*cmd, "-dM", "-E", "-x", "c", "/dev/null"], capture_output=True, text=True)
    assert probe.returncode == 0, probe.stderr[:500]
    for macro in tinfo.features:  # the paths the target is meant to take are the ones compiled
        assert f"#define {macro} " in probe.stdout, f"clang --target={triple} does not define {macro}"
    sources = sorted(kernels_dir().glob("*.c"))
    assert len(sources) > 50
    with ThreadPoolExecutor(2) as pool:
        errors = [e for e in pool.map(lambda s: _compile(s, cmd, tmp_path), sources) if e]
    assert not errors, f"clang {target} {opt}:\n" + "\n".join(errors)
