# Toolchain file: 64-bit ARM Linux on an ARMv8.2-A core with the dot-product extension (Cortex-A55,
# A75, A76 and newer: Raspberry Pi 5, RK3566/RK3588 boards, most phones since 2018).
#   Debian packages: gcc-aarch64-linux-gnu libc6-dev-arm64-cross (qemu-user to run the result)
#   cmake -S OUTDIR -B build -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu-cortex-a55.cmake && cmake --build build
#   qemu-aarch64 -cpu cortex-a55 build/NAME_main   (QEMU before 9.0 has no cortex-a55: -cpu cortex-a76,
#                                                   which the harness then uses, implements the same ISA)
# -mcpu=cortex-a55 turns on __ARM_FEATURE_DOTPROD, hence the SDOT paths of nnc_simd_neon.h.
# nncodegen's harness reads the NNC_* variables of this file (nncodegen/harness/cross.py).
include(${CMAKE_CURRENT_LIST_DIR}/aarch64-linux-gnu.cmake)

set(NNC_CPU_FLAGS "-mcpu=cortex-a55")
set(NNC_QEMU "qemu-aarch64 -cpu cortex-a55")

set(CMAKE_C_FLAGS_INIT "${NNC_CPU_FLAGS}")
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -cpu cortex-a55)
