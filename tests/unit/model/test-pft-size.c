/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dt-cell.h"
#include "dt-cpu.h"
#include "dt-overlay.h"
#include "fake-cpus.h"
#include "fake-root.h"
#include "pft-size.h"

#define CPUINFO_HASH "processor\t: 0\ncpu\t\t: POWER8 (architected), altivec supported\n\n" \
        "timebase\t: 512000000\nplatform\t: pSeries\nmodel\t\t: IBM pSeries (emulated by qemu)\n" \
        "machine\t\t: CHRP IBM pSeries (emulated by qemu)\nMMU\t\t: Hash\n"
#define CPUINFO_RADIX "processor\t: 0\ncpu\t\t: POWER9 (architected), altivec supported\n\n" \
        "platform\t: pSeries\nMMU\t\t: Radix\n"
#define HYPERTAS "hcall-pft\0hcall-tce\0hcall-hpt-resize\0hcall-multi-tce"

static void write_pft_size(const char *root, uint32_t reg, uint32_t order) {
        char name[64], path[256];
        uint8_t v[PFT_SIZE_BYTES];

        dt_cell32_put(v, 0);
        dt_cell32_put(v + 4, order);
        snprintf(path, sizeof(path), "%s/%s/%s", DT_CPUS_NODE, fake_cpus_node_name(reg, name, sizeof(name)),
                 DT_PROP_PFT_SIZE);
        assert_int_equal(fake_root_write_file(root, path, v, sizeof(v)), 0);
}

static void write_text(const char *root, const char *path, const char *text) {
        assert_int_equal(fake_root_write_file(root, path, text, strlen(text)), 0);
}

/* A POWER8 LPAR of two cores booted with an HPT of order 25. */
static void hash_lpar(const char *root) {
        assert_int_equal(fake_cpus_write_core(root, 0, 8), 0);
        assert_int_equal(fake_cpus_write_core(root, 8, 8), 0);
        write_pft_size(root, 0, 25);
        write_pft_size(root, 8, 25);
        write_text(root, PROC_CPUINFO, CPUINFO_HASH);
        assert_int_equal(fake_root_write_file(root, DT_HYPERTAS_FUNCTIONS, HYPERTAS, sizeof(HYPERTAS)), 0);
}

static void test_mmu_mode(void **state) {
        MmuMode m;
        Error e = {};

        assert_int_equal(mmu_mode_from_cpuinfo(CPUINFO_HASH, &m, &e), 0);
        assert_int_equal(m, MMU_MODE_HASH);
        assert_int_equal(mmu_mode_from_cpuinfo(CPUINFO_RADIX, &m, &e), 0);
        assert_int_equal(m, MMU_MODE_RADIX);
        assert_int_equal(mmu_mode_from_cpuinfo("MMU: Hash", &m, &e), 0);
        assert_int_equal(m, MMU_MODE_HASH);
        /* Negative controls: no such line (an older kernel, x86); look-alikes. */
        assert_int_equal(mmu_mode_from_cpuinfo("processor\t: 0\nmodel name\t: x\n", &m, &e), 0);
        assert_int_equal(m, MMU_MODE_UNKNOWN);
        assert_int_equal(mmu_mode_from_cpuinfo("MMUX\t: Hash\nmmu\t: Hash\n", &m, &e), 0);
        assert_int_equal(m, MMU_MODE_UNKNOWN);
        assert_int_equal(mmu_mode_from_cpuinfo("", &m, &e), 0);
        assert_int_equal(m, MMU_MODE_UNKNOWN);
        /* Malformed: named by line. */
        assert_int_equal(mmu_mode_from_cpuinfo("cpu\t: x\nMMU\t\t: Hashed\n", &m, &e), -EBADMSG);
        assert_non_null(strstr(e.message, "line 2"));
}

static void test_order_parse(void **state) {
        unsigned v = 0;
        Error e = {};

        assert_int_equal(hpt_order_parse("25\n", 3, &v, &e), 0);
        assert_int_equal(v, 25);
        assert_int_equal(hpt_order_parse("18\n", 3, &v, &e), 0);
        assert_int_equal(hpt_order_parse("46\n", 3, &v, &e), 0);
        /* Malformed or out of the architecture's bounds. */
        assert_int_equal(hpt_order_parse("17\n", 3, &v, &e), -EBADMSG);
        assert_non_null(strstr(e.message, "17"));
        assert_int_equal(hpt_order_parse("47\n", 3, &v, &e), -EBADMSG);
        assert_int_equal(hpt_order_parse("25", 2, &v, &e), -EBADMSG);
        assert_int_equal(hpt_order_parse("2 5\n", 4, &v, &e), -EBADMSG);
        assert_non_null(strstr(e.message, "byte 1"));
        assert_int_equal(hpt_order_parse("\n", 1, &v, &e), -EBADMSG);
        assert_int_equal(hpt_order_parse("0025\n", 5, &v, &e), -EBADMSG);
        assert_int_equal(hpt_order_parse("25\n\0", 4, &v, &e), -EBADMSG);
}

static void test_resize_offered(void **state) {
        assert_true(hpt_resize_offered(HYPERTAS, sizeof(HYPERTAS)));
        assert_true(hpt_resize_offered("hcall-hpt-resize", strlen("hcall-hpt-resize")));
        /* Negative controls: not listed, a prefix, a longer name, nothing. */
        assert_false(hpt_resize_offered("hcall-pft\0hcall-tce", sizeof("hcall-pft\0hcall-tce")));
        assert_false(hpt_resize_offered("hcall-hpt-resiz", sizeof("hcall-hpt-resiz")));
        assert_false(hpt_resize_offered("hcall-hpt-resize-2", sizeof("hcall-hpt-resize-2")));
        assert_false(hpt_resize_offered("", 0));
}

static void test_load(void **state) {
        const char *root = *state;
        _cleanup_(pft_size_done) PftSize p = {};
        Error e = {};

        /* No /cpus: nothing to say. */
        assert_int_equal(pft_size_load(root, &p, &e), 0);
        assert_int_equal(p.correction, PFT_SIZE_ABSENT);
        pft_size_done(&p);

        hash_lpar(root);

        /* hpt_order unreadable (no debugfs): unknown on a resizable HPT... */
        assert_int_equal(pft_size_load(root, &p, &e), 0);
        assert_int_equal(p.mmu, MMU_MODE_HASH);
        assert_true(p.resizable);
        assert_false(p.order_known);
        assert_int_equal(p.order_error, -ENOENT);
        assert_int_equal(p.n_nodes, 2);
        assert_int_equal(p.correction, PFT_SIZE_UNKNOWN);
        assert_string_equal(pft_size_correction_to_string(p.correction), "unknown");
        pft_size_done(&p);
        /* ...static without hcall-hpt-resize. */
        assert_int_equal(fake_root_write_file(root, DT_HYPERTAS_FUNCTIONS, "hcall-pft", sizeof("hcall-pft")), 0);
        assert_int_equal(pft_size_load(root, &p, &e), 0);
        assert_false(p.resizable);
        assert_int_equal(p.correction, PFT_SIZE_STATIC);
        pft_size_done(&p);
        assert_int_equal(fake_root_write_file(root, DT_HYPERTAS_FUNCTIONS, HYPERTAS, sizeof(HYPERTAS)), 0);

        /* Negative control: the order in use is the boot's. */
        write_text(root, HPT_ORDER_PATH, "25\n");
        assert_int_equal(pft_size_load(root, &p, &e), 0);
        assert_true(p.order_known);
        assert_int_equal(p.order, 25);
        assert_int_equal(p.n_stale, 0);
        assert_int_equal(p.correction, PFT_SIZE_CURRENT);
        pft_size_done(&p);

        /* Resized by a hot-plug: both boot nodes are stale; a node added since has the order. */
        write_text(root, HPT_ORDER_PATH, "23\n");
        assert_int_equal(fake_cpus_write_core(root, 16, 8), 0);
        write_pft_size(root, 16, 23);
        assert_int_equal(pft_size_load(root, &p, &e), 0);
        assert_int_equal(p.n_nodes, 3);
        assert_int_equal(p.n_stale, 2);
        assert_int_equal(p.correction, PFT_SIZE_CORRECTED);
        pft_size_done(&p);

        /* Radix: no hashed page table to be stale, whatever the property says. */
        write_text(root, PROC_CPUINFO, CPUINFO_RADIX);
        assert_int_equal(pft_size_load(root, &p, &e), 0);
        assert_int_equal(p.correction, PFT_SIZE_RADIX);
        pft_size_done(&p);
        /* ... and the kernel's hpt_order there, 0 (no HPT), is not an error (a POWER9 guest). */
        write_text(root, HPT_ORDER_PATH, "0\n");
        assert_int_equal(pft_size_load(root, &p, &e), 0);
        assert_int_equal(p.correction, PFT_SIZE_RADIX);
        pft_size_done(&p);
        /* Negative control: with a hashed page table, order 0 is. */
        write_text(root, PROC_CPUINFO, CPUINFO_HASH);
        assert_int_equal(pft_size_load(root, &p, &e), -EBADMSG);
        assert_non_null(strstr(e.message, "order 0"));
        write_text(root, HPT_ORDER_PATH, "23\n");

        /* A node without the property is left out; a malformed one is an error naming it. */
        assert_int_equal(fake_cpus_write_core(root, 24, 8), 0);
        assert_int_equal(pft_size_load(root, &p, &e), 0);
        assert_int_equal(p.n_nodes, 3);
        pft_size_done(&p);
        assert_int_equal(fake_root_write_file(root, DT_CPUS_NODE "/PowerPC,POWER9@18/" DT_PROP_PFT_SIZE,
                                              "\0\0\0\x19", 4), 0);
        assert_int_equal(pft_size_load(root, &p, &e), -EBADMSG);
        assert_non_null(strstr(e.message, "PowerPC,POWER9@18/" DT_PROP_PFT_SIZE));
        assert_non_null(strstr(e.message, "4 bytes"));
        assert_int_equal(fake_cpus_remove_core(root, 24), 0);

        write_text(root, HPT_ORDER_PATH, "x\n");
        assert_int_equal(pft_size_load(root, &p, &e), -EBADMSG);
        assert_non_null(strstr(e.message, "hpt_order"));
}

static void test_plan(void **state) {
        const char *root = *state;
        _cleanup_(dt_overlay_plan_done) DtOverlayPlan p = {};
        char name[64], node[256], buf[64];
        const DtFix *f;
        Error e = {};

        hash_lpar(root);
        assert_int_equal(dt_overlay_plan(root, "ro", &p, &e), 0);
        assert_int_equal(p.n_fixes, 0);  /* the order unknown: nothing to set */

        /* Negative control: the order in use is the property's. */
        write_text(root, HPT_ORDER_PATH, "25\n");
        assert_int_equal(dt_overlay_plan(root, "ro", &p, &e), 0);
        assert_int_equal(p.n_fixes, 0);

        /* Shrunk to 23: each stale node gets [cookie, 23]. */
        write_text(root, HPT_ORDER_PATH, "23\n");
        assert_int_equal(fake_cpus_write_core(root, 16, 8), 0);
        write_pft_size(root, 16, 23);
        assert_int_equal(dt_overlay_plan(root, "ro", &p, &e), 0);
        assert_int_equal(p.n_fixes, 2);
        assert_string_equal(dt_overlay_plan_describe(&p, buf, sizeof(buf)), "pft-size");
        for (uint32_t reg = 0; reg <= 16; reg += 8) {
                snprintf(node, sizeof(node), "%s/%s", DT_CPUS_NODE, fake_cpus_node_name(reg, name, sizeof(name)));
                f = dt_overlay_plan_find(&p, node, DT_PROP_PFT_SIZE);
                if (reg == 16) {
                        assert_null(f);  /* already right */
                        continue;
                }
                assert_non_null(f);
                assert_int_equal(f->action, DT_FIX_SET);
                assert_int_equal(f->size, PFT_SIZE_BYTES);
                assert_int_equal(dt_cell32(f->value), 0);
                assert_int_equal(dt_cell32((const uint8_t *) f->value + 4), 23);
        }
        dt_overlay_plan_done(&p);

        /* Radix: nothing, whatever hpt_order says. */
        write_text(root, PROC_CPUINFO, CPUINFO_RADIX);
        assert_int_equal(dt_overlay_plan(root, "ro", &p, &e), 0);
        assert_int_equal(p.n_fixes, 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_mmu_mode),
                cmocka_unit_test(test_order_parse),
                cmocka_unit_test(test_resize_offered),
                cmocka_unit_test_setup_teardown(test_load, fake_cpus_root_setup, fake_cpus_root_teardown),
                cmocka_unit_test_setup_teardown(test_plan, fake_cpus_root_setup, fake_cpus_root_teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
