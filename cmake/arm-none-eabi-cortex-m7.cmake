# Toolchain file: bare-metal Cortex-M7 with the double-precision FPU (FPv5-D16), hard-float ABI
# (STM32F7/H7, i.MX RT; emulated on qemu-system-arm's MPS2 AN500 board).
#   cmake -S OUTDIR -B build -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi-cortex-m7.cmake && cmake --build build
#   qemu-system-arm -M mps2-an500 -cpu cortex-m7 -nographic -monitor none \
#       -semihosting-config enable=on,target=native -kernel build/NAME_main.elf
# nncodegen's harness reads the NNC_* variables of this file, so keep them one line each.
set(CMAKE_SYSTEM_PROCESSOR cortex-m7)
set(NNC_CPU_FLAGS "-mcpu=cortex-m7 -mthumb -mfloat-abi=hard -mfpu=fpv5-d16")
set(NNC_BOARD "mps2-an500")
set(NNC_QEMU "qemu-system-arm -M mps2-an500 -cpu cortex-m7")
include(${CMAKE_CURRENT_LIST_DIR}/arm-none-eabi-common.cmake)
