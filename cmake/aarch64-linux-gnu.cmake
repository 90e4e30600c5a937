# Toolchain file: 64-bit ARM Linux (Raspberry Pi 3/4/5 and other Cortex-A53-or-newer boards).
#   Debian packages: gcc-aarch64-linux-gnu libc6-dev-arm64-cross (qemu-user to run the result)
#   cmake -S OUTDIR -B build -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake && cmake --build build
#   qemu-aarch64 -cpu cortex-a53 build/NAME_main          (or copy it to the board)
# NNC_CPU_FLAGS targets the oldest core we support (Cortex-A53); a model compiled with
# --target cortex-a72 adds its own -mcpu, which then wins.  nncodegen's harness reads the
# NNC_* variables of this file (nncodegen/harness/cross.py), so keep them one line each.
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(NNC_CROSS_PREFIX "aarch64-linux-gnu-")
set(NNC_CPU_FLAGS "-mcpu=cortex-a53")
set(NNC_QEMU "qemu-aarch64 -cpu cortex-a53")
include(${CMAKE_CURRENT_LIST_DIR}/arm-linux-common.cmake)
