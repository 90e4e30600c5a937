"""Code-generation targets: compiler flags and the feature paths they enable.

The kernel sources are the same for every target (SIMD paths sit behind the
standard feature macros); the target chooses the flags written into the
generated CMakeLists.txt, the toolchain the harness uses, and in lowering the
weight layouts (packed kernels on generic / x86, the DSP / NEON ones on ARM).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Tuple

from ..ir.graph import GraphError


@dataclass(frozen=True)
class TargetInfo:
    name: str
    arch: str                 # x86_64, aarch64, armv7, armv7e-m
    flags: Tuple[str, ...]    # compile flags for gcc/clang
    toolchain: str            # cmake/ toolchain file stem, "" for the host
    features: Tuple[str, ...] # feature macros the flags turn on
    processor: str = ""       # CMAKE_SYSTEM_PROCESSOR regex where the flags apply


TARGETS: Dict[str, TargetInfo] = {t.name: t for t in [
    TargetInfo("generic", "any", (), "", ()),
    TargetInfo("x86-64", "x86_64", ("-march=x86-64-v2",), "", ("__SSE4_1__", "__POPCNT__"), "x86_64|AMD64"),
    TargetInfo("x86-64-v3", "x86_64", ("-march=x86-64-v3",), "", ("__AVX2__", "__POPCNT__"), "x86_64|AMD64"),
    TargetInfo("cortex-a53", "aarch64", ("-mcpu=cortex-a53",), "aarch64-linux-gnu", ("__ARM_NEON",), "aarch64|arm64"),
    TargetInfo("cortex-a72", "aarch64", ("-mcpu=cortex-a72",), "aarch64-linux-gnu", ("__ARM_NEON",), "aarch64|arm64"),
    # ARMv8.2-A with the dot-product extension: SDOT / UDOT (four int8 products summed into an int32 lane)
    TargetInfo("cortex-a55", "aarch64", ("-mcpu=cortex-a55",), "aarch64-linux-gnu-cortex-a55",
               ("__ARM_NEON", "__ARM_FEATURE_DOTPROD"), "aarch64|arm64"),
    TargetInfo("armv7-a", "armv7", ("-march=armv7-a", "-mfpu=neon", "-mfloat-abi=hard"), "arm-linux-gnueabihf",
               ("__ARM_NEON",), "^arm"),
    TargetInfo("cortex-m4", "armv7e-m", ("-mcpu=cortex-m4", "-mthumb"), "arm-none-eabi-cortex-m4",
               ("__ARM_FEATURE_DSP",), "^cortex-m|^arm$"),
    TargetInfo("cortex-m7", "armv7e-m", ("-mcpu=cortex-m7", "-mthumb"), "arm-none-eabi-cortex-m7",
               ("__ARM_FEATURE_DSP",), "^cortex-m|^arm$"),
]}


def target_info(name: str) -> TargetInfo:
    try:
        return TARGETS[name]
    except KeyError:
        raise GraphError(f"unknown target {name!r} (choose one of {', '.join(TARGETS)})") from None
