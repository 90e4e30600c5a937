/* ARM semihosting primitives for Cortex-M builds of nncodegen models (see nnc_baremetal.h):
 * BKPT 0xAB with the operation in r0 and its argument block in r1.  No C library needed. */
#include <stdint.h>

#include "nnc_baremetal.h"

#define SYS_WRITE0 0x04
#define SYS_EXIT 0x18
#define SYS_EXIT_EXTENDED 0x20
#define ADP_STOPPED_APPLICATION_EXIT 0x20026

int32_t nnc_semihost(int32_t op, const void *arg)
{
    register int32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void nnc_write0(const char *s)
{
    (void)nnc_semihost(SYS_WRITE0, s);
}

__attribute__((noreturn)) void nnc_exit(int code)
{
    /* SYS_EXIT_EXTENDED carries the exit code on 32-bit ARM; plain SYS_EXIT as a fallback */
    uint32_t block[2];
    block[0] = ADP_STOPPED_APPLICATION_EXIT;
    block[1] = (uint32_t)code;
    (void)nnc_semihost(SYS_EXIT_EXTENDED, block);
    (void)nnc_semihost(SYS_EXIT, (const void *)(uintptr_t)ADP_STOPPED_APPLICATION_EXIT);
    for (;;) {
    }
}
