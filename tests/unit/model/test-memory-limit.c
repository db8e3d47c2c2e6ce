/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fake-root.h"
#include "memory-limit.h"

#define GiB ((uint64_t) 1 << 30)
#define BLOCK (256 * ((uint64_t) 1 << 20))

static void test_cmdline(void **state) {
        assert_true(cmdline_has_mem("root=/dev/sda2 mem=4G quiet\n"));
        assert_true(cmdline_has_mem("mem=2G"));
        assert_true(cmdline_has_mem("ro \"mem=2G\""));
        assert_true(cmdline_has_mem("\tmem=0x80000000\n"));
        /* Negative controls: look-alikes, a quoted value holding it, init's words, nothing. */
        assert_false(cmdline_has_mem("root=/dev/sda2 crashkernel=2G-4G:512M quiet"));
        assert_false(cmdline_has_mem("memmap=1G$4G memhp_default_state=online fadump_mem=1G"));
        assert_false(cmdline_has_mem("ro dyndbg=\"file x mem=2G\""));
        assert_false(cmdline_has_mem("ro -- mem=2G"));
        assert_false(cmdline_has_mem("xmem=2G"));
        assert_false(cmdline_has_mem(""));
        assert_false(cmdline_has_mem(NULL));
}

static void blocks(BlockSet *s, uint64_t first, uint64_t count) {
        assert_int_equal(block_set_init(s, BLOCK), 0);
        for (uint64_t n = first; n < first + count; n++)
                assert_int_equal(block_set_add(s, n), 1);
}

static void test_hazard(void **state) {
        _cleanup_(block_set_done) BlockSet boot = {}, grown = {};
        MemoryLimitHazard h;
        char *root = NULL;
        uint64_t limit;
        Error e = {};

        assert_int_equal(fake_root_create(&root), 0);
        blocks(&boot, 0, 8);    /* 2 GiB at boot */
        blocks(&grown, 0, 12);  /* and 1 GiB hot-added */

        /* No property (before 6.10): no hazard. */
        assert_int_equal(memory_limit_read(root, &limit, &e), 0);
        assert_int_equal(memory_limit_hazard(root, "ro", &grown, &h, &e), 0);
        assert_false(h.present);
        assert_false(h.clips);

        /* 6.10+: the boot RAM's size, memory above it: the dump would lose it. */
        assert_int_equal(fake_root_write_memory_limit(root, 2 * GiB, NULL), 0);
        assert_int_equal(memory_limit_read(root, &limit, &e), 1);
        assert_int_equal(limit, 2 * GiB);
        assert_int_equal(memory_limit_hazard(root, "ro quiet", &grown, &h, &e), 0);
        assert_true(h.present);
        assert_false(h.mem_given);
        assert_int_equal(h.memory_end, 3 * GiB);
        assert_true(h.clips);
        assert_int_equal(memory_limit_hazard(root, NULL, &grown, &h, &e), 0);
        assert_true(h.clips);

        /* Negative controls: nothing above the limit yet; the administrator's mem=. */
        assert_int_equal(memory_limit_hazard(root, "ro quiet", &boot, &h, &e), 0);
        assert_false(h.clips);
        assert_int_equal(memory_limit_hazard(root, "ro mem=2G", &grown, &h, &e), 0);
        assert_true(h.mem_given);
        assert_false(h.clips);

        /* Malformed: not one cell. */
        assert_int_equal(fake_root_write_file(root, DT_CHOSEN_NODE "/" DT_PROP_MEMORY_LIMIT, "\0\0\0\1", 4), 0);
        assert_int_equal(memory_limit_read(root, &limit, &e), -EBADMSG);
        assert_non_null(strstr(e.message, DT_PROP_MEMORY_LIMIT));
        assert_non_null(strstr(e.message, "4 bytes"));

        assert_int_equal(fake_root_remove(root), 0);
        free(root);
}

static void test_correction(void **state) {
        MemoryLimitCorrection c;
        char *root = NULL;
        Error e = {};

        assert_int_equal(fake_root_create(&root), 0);
        assert_int_equal(memory_limit_correction(root, "ro", &c, &e), 0);
        assert_int_equal(c, MEMORY_LIMIT_ABSENT);  /* nothing to drop */
        assert_int_equal(fake_root_write_memory_limit(root, 2 * GiB, NULL), 0);
        assert_int_equal(memory_limit_correction(root, "ro", &c, &e), 0);
        assert_int_equal(c, MEMORY_LIMIT_CORRECTED);
        assert_string_equal(memory_limit_correction_to_string(c), "corrected");
        /* Negative controls: mem= given; the command line unknown. */
        assert_int_equal(memory_limit_correction(root, "ro mem=2G", &c, &e), 0);
        assert_int_equal(c, MEMORY_LIMIT_KEPT);
        assert_int_equal(memory_limit_correction(root, NULL, &c, &e), 0);
        assert_int_equal(c, MEMORY_LIMIT_KEPT);
        assert_int_equal(fake_root_remove(root), 0);
        free(root);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_cmdline),
                cmocka_unit_test(test_hazard),
                cmocka_unit_test(test_correction),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
