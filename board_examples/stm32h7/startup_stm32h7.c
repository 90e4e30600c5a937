/* Minimal startup for the STM32H7 example (Cortex-M7): vector table, .data/.bss set-up, FPU on,
 * then main().  A project using STM32CubeH7 may use ST's startup_stm32h7xx.s and system_stm32h7xx.c
 * instead: then drop this file and keep the linker script's section names. */
#include <stdint.h>

extern uint32_t __data_load__[], __data_start__[], __data_end__[];
extern uint32_t __bss_start__[], __bss_end__[], __stack_top__[];
int main(void);

void Reset_Handler(void);
void Default_Handler(void);

#define NNC_STM32H7_IRQS 150

typedef void (*handler)(void);
struct vector_table {
    uint32_t *initial_sp;
    handler exceptions[15];
    handler irq[NNC_STM32H7_IRQS];
};

#define D Default_Handler
#define D10 D, D, D, D, D, D, D, D, D, D
__attribute__((section(".isr_vector"), used))
const struct vector_table stm32h7_vectors = {
    __stack_top__,
    {Reset_Handler, D, D, D, D, D, 0, 0, 0, 0, D, D, 0, D, D},
    {D10, D10, D10, D10, D10, D10, D10, D10, D10, D10, D10, D10, D10, D10, D10},
};

__attribute__((noreturn)) void Reset_Handler(void)
{
    uint32_t *src = __data_load__, *dst;
    for (dst = __data_start__; dst < __data_end__; ++dst) {
        *dst = *src++;
    }
    for (dst = __bss_start__; dst < __bss_end__; ++dst) {
        *dst = 0;
    }
    *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20; /* CPACR: FPU (CP10, CP11) full access */
    __asm__ volatile("dsb\n\tisb" ::: "memory");
    (void)main();
    for (;;) {
    }
}

void Default_Handler(void)
{
    for (;;) {
    }
}
