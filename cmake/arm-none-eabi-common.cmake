# Shared part of the bare-metal Cortex-M toolchain files (arm-none-eabi-cortex-*.cmake set
# NNC_CPU_FLAGS, NNC_BOARD and NNC_QEMU, then include this file).
#   Debian packages: gcc-arm-none-eabi libnewlib-arm-none-eabi (qemu-system-arm to run the result)
# With this toolchain the generated CMakeLists.txt links the example program NAME_main.elf with
# the project's startup code and vector table, the linker script of board NNC_BOARD (MPS2 boards:
# code at 0x00000000, data at 0x20000000) and newlib's semihosting library (rdimon), so that
# stdio, file I/O and the exit code reach the host.
set(CMAKE_SYSTEM_NAME Generic)
set(NNC_CROSS_PREFIX "arm-none-eabi-")
set(CMAKE_C_COMPILER ${NNC_CROSS_PREFIX}gcc)
set(CMAKE_ASM_COMPILER ${NNC_CROSS_PREFIX}gcc)
set(CMAKE_OBJCOPY ${NNC_CROSS_PREFIX}objcopy)
set(CMAKE_SIZE ${NNC_CROSS_PREFIX}size)
# no OS to run a test executable on while cmake probes the compiler
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(CMAKE_C_FLAGS_INIT "${NNC_CPU_FLAGS} -ffunction-sections -fdata-sections")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-Wl,--gc-sections")
set(NNC_BAREMETAL ON)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
