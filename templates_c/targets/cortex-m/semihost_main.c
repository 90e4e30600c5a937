/* main(argc, argv) on a Cortex-M under semihosting (see nnc_baremetal.h).
 *
 * nnc_bare_main() opens newlib's standard streams through rdimon (link with
 * --specs=rdimon.specs -nostartfiles), fetches the command line from the host
 * (SYS_GET_CMDLINE; under qemu: -semihosting-config enable=on,arg=PROG,arg=...),
 * runs main(argc, argv) and returns its result.  A first argument "--nnc-stack"
 * is removed and makes it print "nnc-stack-peak BYTES" on stderr after main returns.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "nnc_baremetal.h"

#define SYS_GET_CMDLINE 0x15
#define NNC_MAX_ARGS 16

extern void initialise_monitor_handles(void);
int main(int argc, char **argv);

int nnc_bare_main(void)
{
    static char cmdline[512];
    static char *argv[NNC_MAX_ARGS + 1];
    static char prog[] = "nnc";
    struct {
        char *buf;
        int32_t len;
    } block;
    int argc = 0, rc, report_stack = 0;
    char *p;

    initialise_monitor_handles();
    block.buf = cmdline;
    block.len = (int32_t)sizeof cmdline - 1;
    if (nnc_semihost(SYS_GET_CMDLINE, &block) == 0 && block.len >= 0) {
        cmdline[block.len] = '\0';
        for (p = cmdline; *p != '\0' && argc < NNC_MAX_ARGS;) {
            while (*p == ' ') {
                *p++ = '\0';
            }
            if (*p == '\0') {
                break;
            }
            argv[argc++] = p;
            while (*p != '\0' && *p != ' ') {
                ++p;
            }
        }
    }
    if (argc == 0) {
        argv[argc++] = prog;
    }
    if (argc > 1 && strcmp(argv[1], "--nnc-stack") == 0) {
        report_stack = 1;
        memmove(&argv[1], &argv[2], (size_t)(argc - 1) * sizeof argv[0]);
        --argc;
    }
    argv[argc] = NULL;
    rc = main(argc, argv);
    fflush(stdout);
    if (report_stack) {
        fprintf(stderr, "nnc-stack-peak %lu\n", (unsigned long)nnc_stack_peak());
    }
    fflush(stderr);
    return rc;
}
