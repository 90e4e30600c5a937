/* Board hooks of the STM32H7 example: the functions a user fills in with the vendor HAL
 * (STM32CubeH7) for their board.  board_stubs.c holds weak defaults so that the project builds
 * and links without any HAL; each default says what the real one must do. */
#ifndef NNC_STM32H7_BOARD_H
#define NNC_STM32H7_BOARD_H

#include <stdint.h>

/* Clocks (e.g. 480 MHz from the PLL), MPU and caches (SCB_EnableICache / SCB_EnableDCache),
 * the console UART and the camera (DCMI + sensor over I2C).  Called once at start-up.
 * Default: starts the DWT cycle counter only. */
void board_init(void);

/* Send n bytes to the console (HAL_UART_Transmit on the board's USART / the ST-LINK VCP).
 * Default: ITM stimulus port 0 (SWO) when a debugger has enabled it, else nothing. */
void board_console_write(const char *s, int n);

/* Capture one 8-bit grayscale frame of width x height into `frame` (DCMI snapshot, or the Y
 * plane of a YUV frame); return 0 on success.  Default: a synthetic moving pattern. */
int board_camera_capture(uint8_t *frame, int width, int height);

/* Core clock cycles, free running (DWT->CYCCNT), and the core clock in Hz. */
uint32_t board_cycles(void);
uint32_t board_cpu_hz(void);

#endif
