/* nnc_icount: a QEMU TCG plugin that counts executed guest instructions and records the count
 * each time the guest reaches a marker address (nncodegen bench --target).
 *
 *   qemu-aarch64 -plugin ./nnc_icount.so,marker=0x4005d0,out=counts.txt PROG
 *   qemu-system-arm ... -plugin ./nnc_icount.so,marker=0x1f4,out=counts.txt -kernel PROG.elf
 *
 * Every executed translation block adds its instruction count to a 64-bit counter; every time
 * the instruction at `marker` executes, the counter is appended to `out` (one decimal per line,
 * flushed at once, so that the file is complete however the guest exits).  Counts are exact
 * and repeatable: they do not depend on the host or on timing.
 *
 * QEMU installs no plugin header on Debian, so the few API functions used are declared here
 * (QEMU plugin API version 1, as in QEMU 4.2 .. 8.x; see include/qemu/qemu-plugin.h upstream).
 * Build: gcc -shared -fPIC -O2 -o nnc_icount.so nnc_icount.c
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef NNC_QEMU_PLUGIN_VERSION
#define NNC_QEMU_PLUGIN_VERSION 1
#endif

/* ---- the subset of qemu-plugin.h this plugin uses ---- */
typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t; /* only passed through */
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb, qemu_plugin_vcpu_udata_cb_t cb,
                                          enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn, qemu_plugin_vcpu_udata_cb_t cb,
                                            enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);

#define QEMU_PLUGIN_EXPORT __attribute__((visibility("default")))
QEMU_PLUGIN_EXPORT int qemu_plugin_version = NNC_QEMU_PLUGIN_VERSION;
/* ------------------------------------------------------- */

static uint64_t insn_count; /* one vCPU: the boards and user-mode programs used are single-core */
static uint64_t marker = UINT64_MAX;
static FILE *out;

static void on_tb(unsigned int vcpu, void *n_insns)
{
    (void)vcpu;
    insn_count += (uint64_t)(uintptr_t)n_insns;
}

static void on_marker(unsigned int vcpu, void *udata)
{
    (void)vcpu;
    (void)udata;
    if (out) {
        fprintf(out, "%" PRIu64 "\n", insn_count);
        fflush(out);
    }
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    size_t i, n = qemu_plugin_tb_n_insns(tb);
    (void)id;
    /* the count is added when a block starts, so a marker sees its own block counted */
    qemu_plugin_register_vcpu_tb_exec_cb(tb, on_tb, QEMU_PLUGIN_CB_NO_REGS, (void *)(uintptr_t)n);
    for (i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        if ((qemu_plugin_insn_vaddr(insn) & ~(uint64_t)1) == marker) {
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_marker, QEMU_PLUGIN_CB_NO_REGS, NULL);
        }
    }
}

static void on_exit_cb(qemu_plugin_id_t id, void *udata)
{
    (void)id;
    (void)udata;
    if (out) {
        fprintf(out, "total %" PRIu64 "\n", insn_count);
        fclose(out);
        out = NULL;
    }
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv);

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
    int i;
    (void)info;
    for (i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "arg=", 4) == 0) { /* older QEMU spelling: -plugin lib.so,arg=key=value */
            a += 4;
        }
        if (strncmp(a, "marker=", 7) == 0) {
            marker = strtoull(a + 7, NULL, 0) & ~(uint64_t)1; /* Thumb symbols have bit 0 set */
        } else if (strncmp(a, "out=", 4) == 0) {
            out = fopen(a + 4, "w");
            if (!out) {
                fprintf(stderr, "nnc_icount: cannot write %s\n", a + 4);
                return -1;
            }
        } else {
            fprintf(stderr, "nnc_icount: unknown argument %s (use marker=ADDR,out=FILE)\n", a);
            return -1;
        }
    }
    if (!out) {
        fprintf(stderr, "nnc_icount: give out=FILE\n");
        return -1;
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, on_exit_cb, NULL);
    return 0;
}
