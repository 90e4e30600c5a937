# Shared part of the ARM Linux toolchain files (aarch64-linux-gnu.cmake, arm-linux-gnueabihf.cmake set
# CMAKE_SYSTEM_PROCESSOR, NNC_CROSS_PREFIX, NNC_CPU_FLAGS and NNC_QEMU, then include this file).  Libraries
# and headers come from the Debian cross packages' /usr/<triple>; programs are linked static, so that
# qemu-user runs them without a target sysroot.
set(CMAKE_SYSTEM_NAME Linux)
set(NNC_LINK_FLAGS "-static")

set(CMAKE_C_COMPILER ${NNC_CROSS_PREFIX}gcc)
set(CMAKE_C_FLAGS_INIT "${NNC_CPU_FLAGS}")
set(CMAKE_EXE_LINKER_FLAGS_INIT "${NNC_LINK_FLAGS}")
separate_arguments(CMAKE_CROSSCOMPILING_EMULATOR UNIX_COMMAND "${NNC_QEMU}")

string(REGEX REPLACE "-$" "" nnc_triple "${NNC_CROSS_PREFIX}")
set(CMAKE_FIND_ROOT_PATH /usr/${nnc_triple})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
