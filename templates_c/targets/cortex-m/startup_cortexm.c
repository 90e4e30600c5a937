/* Startup code and vector table for Cortex-M bare-metal builds of nncodegen models
 * (Cortex-M3/M4/M7; used with the linker scripts in this folder and newlib).
 *
 * Reset_Handler copies .data from flash, clears .bss, paints the stack so that the
 * deepest use can be measured afterwards (nnc_stack_peak), gives the FPU full access
 * (harmless on a core without one, and needed before any hard-float instruction), and
 * calls nnc_bare_main().  Its return value becomes the exit code (nnc_exit).
 *
 * The linker script provides: __data_load__, __data_start__, __data_end__,
 * __bss_start__, __bss_end__, __stack_limit__, __stack_top__.
 */
#include <stdint.h>

#include "nnc_baremetal.h"

extern uint32_t __data_load__[], __data_start__[], __data_end__[];
extern uint32_t __bss_start__[], __bss_end__[];
extern uint32_t __stack_limit__[], __stack_top__[];

#define NNC_STACK_PAINT 0xA5A5A5A5u
#define NNC_CPACR (*(volatile uint32_t *)0xE000ED88u)

void Reset_Handler(void);
void nnc_fault_handler(void);

typedef void (*nnc_handler)(void);

/* Exceptions 1..15; external interrupts are not used (the MPS2 boards have 32..64). */
struct nnc_vector_table {
    uint32_t *initial_sp;
    nnc_handler exceptions[15];
};

__attribute__((section(".isr_vector"), used))
const struct nnc_vector_table nnc_vectors = {
    __stack_top__,
    {
        Reset_Handler,     /*  1 reset */
        nnc_fault_handler, /*  2 NMI */
        nnc_fault_handler, /*  3 HardFault */
        nnc_fault_handler, /*  4 MemManage */
        nnc_fault_handler, /*  5 BusFault */
        nnc_fault_handler, /*  6 UsageFault */
        0, 0, 0, 0,        /*  7..10 reserved */
        nnc_fault_handler, /* 11 SVCall */
        nnc_fault_handler, /* 12 DebugMonitor */
        0,                 /* 13 reserved */
        nnc_fault_handler, /* 14 PendSV */
        nnc_fault_handler, /* 15 SysTick */
    },
};

static uint32_t *nnc_paint_end;

__attribute__((noreturn)) void Reset_Handler(void)
{
    uint32_t *src = __data_load__;
    uint32_t *dst;
    uint32_t sp;
    for (dst = __data_start__; dst < __data_end__; ++dst) {
        *dst = *src++;
    }
    for (dst = __bss_start__; dst < __bss_end__; ++dst) {
        *dst = 0;
    }
    /* paint the stack below this frame (keep 64 bytes of margin) */
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    nnc_paint_end = (uint32_t *)(uintptr_t)((sp - 64u) & ~3u);
    for (dst = __stack_limit__; dst < nnc_paint_end; ++dst) {
        *(volatile uint32_t *)dst = NNC_STACK_PAINT;
    }
    NNC_CPACR |= 0xFu << 20; /* CP10 and CP11: full access */
    __asm__ volatile("dsb\n\tisb" ::: "memory");
    nnc_exit(nnc_bare_main());
}

uint32_t nnc_stack_peak(void)
{
    const uint32_t *p = __stack_limit__;
    while (p < nnc_paint_end && *p == NNC_STACK_PAINT) {
        ++p;
    }
    return (uint32_t)((uintptr_t)__stack_top__ - (uintptr_t)p);
}

/* Any fault or unexpected exception: say so and stop with exit code 128 + exception number. */
void nnc_fault_handler(void)
{
    uint32_t ipsr;
    __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
    nnc_write0("nnc: fault or unexpected exception on the target\n");
    nnc_exit(128 + (int)(ipsr & 0x1FFu));
}
