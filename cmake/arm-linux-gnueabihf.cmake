# Toolchain file: 32-bit ARM Linux, ARMv7-A with NEON, hard-float ABI (Raspberry Pi 2/3/4 on a
# 32-bit OS, BeagleBone, i.MX6 and other Cortex-A7/A8/A9/A15 boards).
#   Debian packages: gcc-arm-linux-gnueabihf libc6-dev-armhf-cross (qemu-user to run the result)
#   cmake -S OUTDIR -B build -DCMAKE_TOOLCHAIN_FILE=cmake/arm-linux-gnueabihf.cmake && cmake --build build
#   qemu-arm -cpu cortex-a8 build/NAME_main
# The oldest core these flags allow is the Cortex-A8 (ARMv7-A, VFPv3, NEON, no integer divide),
# so emulation runs on that core.  nncodegen's harness reads the NNC_* variables of this file.
set(CMAKE_SYSTEM_PROCESSOR armv7l)

set(NNC_CROSS_PREFIX "arm-linux-gnueabihf-")
set(NNC_CPU_FLAGS "-march=armv7-a -mfpu=neon -mfloat-abi=hard")
set(NNC_QEMU "qemu-arm -cpu cortex-a8")
include(${CMAKE_CURRENT_LIST_DIR}/arm-linux-common.cmake)
