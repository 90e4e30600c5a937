# Toolchain file: bare-metal Cortex-M4 without using the FPU (soft-float ABI, as for a
# Cortex-M4 without FPU or an M3-class budget).  Integer-only models must link here with no
# floating-point helper functions at all.  Emulated on the MPS2 AN386 board.
#   cmake -S OUTDIR -B build -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi-cortex-m4-softfloat.cmake
# nncodegen's harness reads the NNC_* variables of this file, so keep them one line each.
set(CMAKE_SYSTEM_PROCESSOR cortex-m4)
set(NNC_CPU_FLAGS "-mcpu=cortex-m4 -mthumb -mfloat-abi=soft")
set(NNC_BOARD "mps2-an386")
set(NNC_QEMU "qemu-system-arm -M mps2-an386 -cpu cortex-m4")
include(${CMAKE_CURRENT_LIST_DIR}/arm-none-eabi-common.cmake)
