/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "alloc-util.h"
#include "cpu-set.h"
#include "fake-cpus.h"
#include "fake-root.h"
#include "fileio.h"
#include "macro.h"

#define _cleanup_cpu_mask_ _cleanup_(cpu_mask_done)
#define _cleanup_cpu_set_ _cleanup_(cpu_set_done)

/* --- range lists -------------------------------------------------------------------------------- */

static void expect_list(const char *text, const uint32_t *cpus, size_t n) {
        _cleanup_cpu_mask_ CpuMask m = {};
        Error e = {};
        uint32_t c = 0;

        if (cpu_mask_parse("online", text, strlen(text), &m, &e) < 0)
                fail_msg("\"%s\": %s", text, e.message);
        assert_int_equal(m.n_set, n);
        for (size_t i = 0; i < n; i++) {
                c = cpu_mask_next(&m, c);
                assert_int_equal(c, cpus[i]);
                assert_true(cpu_mask_test(&m, c));
                c++;
        }
        assert_int_equal(cpu_mask_next(&m, c), UINT32_MAX);
}

static void test_list_good(void **state) {
        expect_list("", NULL, 0);
        expect_list("\n", NULL, 0);
        expect_list("0\n", (const uint32_t[]) { 0 }, 1);
        expect_list("0-3\n", (const uint32_t[]) { 0, 1, 2, 3 }, 4);
        expect_list("0-1,4,6-7", (const uint32_t[]) { 0, 1, 4, 6, 7 }, 5);
        expect_list("2-3,4-5", (const uint32_t[]) { 2, 3, 4, 5 }, 4);  /* adjacent ranges: fine */
        expect_list("63-64,127,16383\n", (const uint32_t[]) { 63, 64, 127, 16383 }, 4);
}

static void test_mask_clear(void **state) {
        _cleanup_cpu_mask_ CpuMask m = {};

        assert_int_equal(cpu_mask_clear(&m, 5), 0);  /* empty, never allocated */
        assert_int_equal(cpu_mask_set(&m, 5), 1);
        assert_int_equal(cpu_mask_set(&m, 70), 1);
        assert_int_equal(cpu_mask_clear(&m, 5), 1);
        assert_int_equal(cpu_mask_clear(&m, 5), 0);
        assert_int_equal(cpu_mask_clear(&m, 9999), 0);  /* beyond the words */
        assert_false(cpu_mask_test(&m, 5));
        assert_true(cpu_mask_test(&m, 70));
        assert_int_equal(m.n_set, 1);
        assert_int_equal(cpu_mask_next(&m, 0), 70);
}

static void expect_bad_list(const char *text, size_t size, const char *detail) {
        _cleanup_cpu_mask_ CpuMask m = {};
        Error e = {};

        assert_int_equal(cpu_mask_parse("sys/devices/system/cpu/present", text, size, &m, &e), -EBADMSG);
        if (!strstr(e.message, "sys/devices/system/cpu/present: ") || !strstr(e.message, "byte"))
                fail_msg("\"%.*s\": message names no file or byte: %s", (int) size, text, e.message);
        if (!strstr(e.message, detail))
                fail_msg("\"%.*s\": message lacks \"%s\": %s", (int) size, text, detail, e.message);
        assert_null(m.words);
}

#define BAD(s, d) expect_bad_list(s, sizeof(s) - 1, d)

static void test_list_bad(void **state) {
        BAD("-1", "expected a CPU number at byte 0");
        BAD("0-", "expected a CPU number at byte 2");
        BAD("01", "leading zero at byte 0");
        BAD("0-07", "leading zero at byte 2");
        BAD("3-1", "ends below its start");
        BAD("0,0", "not above the previous range's end 0");
        BAD("4-7,2", "CPU 2 at byte 4 is not above");
        BAD("0-3,3-5", "CPU 3 at byte 4");
        BAD("1,,2", "expected a CPU number at byte 2");
        BAD("0,", "expected a CPU number at byte 2");
        BAD("1 2", "expected ',' at byte 1, found 0x20");
        BAD(" 0", "expected a CPU number at byte 0");
        BAD("0\n\n", "expected ',' at byte 1, found 0x0a");
        BAD("0x1", "expected ',' at byte 1, found 0x78");
        BAD("16384", "not below 16384");
        BAD("0-16384", "not below 16384");
        BAD("99999999999999999999", "not below 16384");
        BAD("0\0001", "found 0x00");
}

/* --- physical_id -------------------------------------------------------------------------------- */

static void test_physical_id(void **state) {
        uint32_t v = 5;
        Error e = {};

        assert_int_equal(cpu_physical_id_parse("p", "8\n", &v, &e), 0);
        assert_int_equal(v, 8);
        assert_int_equal(cpu_physical_id_parse("p", "0", &v, &e), 0);
        assert_int_equal(v, 0);
        assert_int_equal(cpu_physical_id_parse("p", "4294967294\n", &v, &e), 0);
        assert_int_equal(v, 4294967294u);
        assert_int_equal(cpu_physical_id_parse("p", "-1\n", &v, &e), 0);
        assert_int_equal(v, CPU_HW_ID_NONE);

        v = 5;
        assert_int_equal(cpu_physical_id_parse("cpu3/physical_id", "4294967295", &v, &e), -EBADMSG);
        assert_non_null(strstr(e.message, "cpu3/physical_id"));
        assert_int_equal(cpu_physical_id_parse("p", "-2\n", &v, &e), -EBADMSG);
        assert_int_equal(cpu_physical_id_parse("p", "", &v, &e), -EBADMSG);
        assert_int_equal(cpu_physical_id_parse("p", "08", &v, &e), -EBADMSG);
        assert_int_equal(cpu_physical_id_parse("p", "8 ", &v, &e), -EBADMSG);
        assert_non_null(strstr(e.message, "0x20 at byte 1"));
        assert_int_equal(cpu_physical_id_parse("p", "8\n\n", &v, &e), -EBADMSG);
        assert_int_equal(cpu_physical_id_parse("p", "0x8", &v, &e), -EBADMSG);
        assert_int_equal(v, 5);
}

/* --- the kernel's set ---------------------------------------------------------------------------- */

/* Two SMT-4 cores at threads 0x10 and 0x20 as CPUs 0-7; 8-15 possible, not present. */
static void write_kernel(const char *root, const char *present, const char *online) {
        assert_int_equal(fake_cpus_set_lists(root, present, online), 0);
        for (uint32_t c = 0; c < 16; c++)
                assert_int_equal(fake_cpus_set_physical_id(root, c, c < 8 ? (int32_t) (c < 4 ? 0x10 + c : 0x20 + c - 4) : -1), 0);
}

static void test_load(void **state) {
        const char *root = *state;
        _cleanup_cpu_set_ CpuSet s = {};
        Error e = {};

        write_kernel(root, "0-7\n", "0-1,4-5\n");
        assert_int_equal(cpu_set_load(root, NULL, &s, &e), 0);
        assert_int_equal(s.present.n_set, 8);
        assert_int_equal(s.online.n_set, 4);
        assert_true(cpu_set_online(&s, 5));
        assert_false(cpu_set_online(&s, 6));
        assert_true(cpu_set_present(&s, 6));
        assert_false(cpu_set_present(&s, 8));
        assert_int_equal(cpu_set_hw_id(&s, 0), 0x10);
        assert_int_equal(cpu_set_hw_id(&s, 7), 0x23);
        /* Not present: never read, unknown. */
        assert_int_equal(cpu_set_hw_id(&s, 8), CPU_HW_ID_NONE);
        assert_int_equal(cpu_set_hw_id(&s, 100000), CPU_HW_ID_NONE);
}

static void test_load_reuse_and_forget(void **state) {
        const char *root = *state;
        _cleanup_cpu_set_ CpuSet a = {}, b = {}, c = {};
        Error e = {};

        write_kernel(root, "0-7\n", "0-7\n");
        assert_int_equal(cpu_set_load(root, NULL, &a, &e), 0);

        /* Core 0x20 removed and another core put in CPUs 4-7: with reuse and no forget, the old
         * ids stay (this is why uevents must forget); forgotten ones are read again. */
        for (uint32_t cpu = 4; cpu < 8; cpu++)
                assert_int_equal(fake_cpus_set_physical_id(root, cpu, (int32_t) (0x40 + cpu - 4)), 0);
        assert_int_equal(cpu_set_load(root, &a, &b, &e), 0);
        assert_int_equal(cpu_set_hw_id(&b, 4), 0x20);
        cpu_set_forget(&a, 4);
        cpu_set_forget(&a, 5);
        assert_int_equal(cpu_set_load(root, &a, &c, &e), 0);
        assert_int_equal(cpu_set_hw_id(&c, 4), 0x40);
        assert_int_equal(cpu_set_hw_id(&c, 5), 0x41);
        assert_int_equal(cpu_set_hw_id(&c, 6), 0x22);
}

static void test_load_errors(void **state) {
        const char *root = *state;
        _cleanup_cpu_set_ CpuSet s = {};
        _cleanup_free_ char *p = NULL;
        Error e = {};

        assert_int_equal(cpu_set_load(root, NULL, &s, &e), -ENOENT);
        assert_non_null(strstr(e.message, "present"));

        write_kernel(root, "0-7\n", "0-8\n");
        assert_int_equal(cpu_set_load(root, NULL, &s, &e), -EBADMSG);
        assert_non_null(strstr(e.message, "CPU 8 is online but not present"));

        write_kernel(root, "0-7\n", "0-3,2\n");
        assert_int_equal(cpu_set_load(root, NULL, &s, &e), -EBADMSG);
        assert_non_null(strstr(e.message, "sys/devices/system/cpu/online: "));

        write_kernel(root, "0-7\n", "0\n");
        assert_int_equal(fake_root_write_file(root, CPU_SYSFS_DIR "/cpu6/physical_id", "0x22\n", 5), 0);
        assert_int_equal(cpu_set_load(root, NULL, &s, &e), -EBADMSG);
        assert_non_null(strstr(e.message, "cpu6/physical_id"));

        assert_int_equal(fake_root_write_file(root, CPU_SYSFS_DIR "/cpu6/physical_id", "34\0\n", 4), 0);
        assert_int_equal(cpu_set_load(root, NULL, &s, &e), -EBADMSG);
        assert_non_null(strstr(e.message, "NUL"));

        assert_int_equal(path_join_root(root, CPU_SYSFS_DIR "/cpu6/physical_id", &p), 0);
        assert_int_equal(unlink(p), 0);
        assert_int_equal(cpu_set_load(root, NULL, &s, &e), -ENOENT);
        assert_non_null(strstr(e.message, "cpu6/physical_id"));
        assert_null(s.hw_ids);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_list_good),
                cmocka_unit_test(test_mask_clear),
                cmocka_unit_test(test_list_bad),
                cmocka_unit_test(test_physical_id),
                cmocka_unit_test_setup_teardown(test_load, fake_cpus_root_setup, fake_cpus_root_teardown),
                cmocka_unit_test_setup_teardown(test_load_reuse_and_forget, fake_cpus_root_setup, fake_cpus_root_teardown),
                cmocka_unit_test_setup_teardown(test_load_errors, fake_cpus_root_setup, fake_cpus_root_teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
