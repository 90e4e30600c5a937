# Toolchain file: bare-metal Cortex-M4 with its single-precision FPU, hard-float ABI
# (STM32F4, nRF52, ... ; emulated on qemu-system-arm's MPS2 AN386 board).
#   cmake -S OUTDIR -B build -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi-cortex-m4.cmake && cmake --build build
#   qemu-system-arm -M mps2-an386 -cpu cortex-m4 -nographic -monitor none \
#       -semihosting-config enable=on,target=native -kernel build/NAME_main.elf
# nncodegen's harness reads the NNC_* variables of this file, so keep them one line each.
set(CMAKE_SYSTEM_PROCESSOR cortex-m4)
set(NNC_CPU_FLAGS "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16")
set(NNC_BOARD "mps2-an386")
set(NNC_QEMU "qemu-system-arm -M mps2-an386 -cpu cortex-m4")
include(${CMAKE_CURRENT_LIST_DIR}/arm-none-eabi-common.cmake)
