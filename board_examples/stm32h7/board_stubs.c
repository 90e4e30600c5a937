/* Weak default board hooks for the STM32H7 example (see board.h): no HAL needed.  Replace them by
 * defining the same functions in your own file (e.g. board_cube.c using STM32CubeH7). */
#include "board.h"

/* Cortex-M7 core debug registers (ARMv7-M architecture, identical on every STM32H7) */
#define DEMCR (*(volatile uint32_t *)0xE000EDFCu)
#define DWT_LAR (*(volatile uint32_t *)0xE0001FB0u)
#define DWT_CTRL (*(volatile uint32_t *)0xE0001000u)
#define DWT_CYCCNT (*(volatile uint32_t *)0xE0001004u)
#define ITM_TER (*(volatile uint32_t *)0xE0000E00u)
#define ITM_TCR (*(volatile uint32_t *)0xE0000E80u)
#define ITM_PORT0 (*(volatile uint32_t *)0xE0000000u)

__attribute__((weak)) void board_init(void)
{
    DEMCR |= 1u << 24;      /* TRCENA: enable DWT and ITM */
    DWT_LAR = 0xC5ACCE55u;  /* unlock DWT (needed on the Cortex-M7) */
    DWT_CYCCNT = 0;
    DWT_CTRL |= 1u;         /* CYCCNTENA */
}

__attribute__((weak)) void board_console_write(const char *s, int n)
{
    int i;
    if (!(ITM_TCR & 1u) || !(ITM_TER & 1u)) {
        return; /* no debugger listening on SWO */
    }
    for (i = 0; i < n; ++i) {
        while (ITM_PORT0 == 0u) {
        }
        *(volatile uint8_t *)&ITM_PORT0 = (uint8_t)s[i];
    }
}

__attribute__((weak)) int board_camera_capture(uint8_t *frame, int width, int height)
{
    static uint32_t t;
    int x, y;
    ++t;
    for (y = 0; y < height; ++y) {
        for (x = 0; x < width; ++x) {
            frame[y * width + x] = (uint8_t)((x + y + (int)t * 4) & 0xFF);
        }
    }
    return 0;
}

__attribute__((weak)) uint32_t board_cycles(void)
{
    return DWT_CYCCNT;
}

__attribute__((weak)) uint32_t board_cpu_hz(void)
{
    return 64000000u; /* HSI after reset; set yours (e.g. 480000000) when board_init raises the clock */
}
