/* Bare-metal support for Cortex-M builds of nncodegen models: startup, semihosting.
 *
 * startup_cortexm.c  vector table, Reset_Handler, stack painting, fault handler
 * semihost.c         ARM semihosting primitives (BKPT 0xAB): console output, exit code
 * semihost_main.c    nnc_bare_main(): command line from the host, newlib's stdio and files
 *                    through rdimon (--specs=rdimon.specs), then main(argc, argv)
 *
 * Semihosting needs a debugger or an emulator that serves it (qemu-system-arm
 * -semihosting-config enable=on); on a bare board without one, BKPT 0xAB stops the core.
 * Boards without a host replace semihost.c and semihost_main.c with their own
 * nnc_bare_main, nnc_exit and nnc_write0.
 */
#ifndef NNC_BAREMETAL_H
#define NNC_BAREMETAL_H

#include <stdint.h>

/* Called by Reset_Handler once memory is set up; returns the exit code. */
int nnc_bare_main(void);

/* Report the exit code to the host (semihosting SYS_EXIT_EXTENDED) and stop. */
__attribute__((noreturn)) void nnc_exit(int code);

/* Write a NUL-terminated string to the host console. */
void nnc_write0(const char *s);

/* One semihosting call: operation op with argument block arg; returns r0. */
int32_t nnc_semihost(int32_t op, const void *arg);

/* Deepest stack use so far, in bytes (the stack is painted at reset). */
uint32_t nnc_stack_peak(void);

#endif /* NNC_BAREMETAL_H */
