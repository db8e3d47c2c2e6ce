/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dump-mode.h"
#include "fake-root.h"

static void set_flag(const char *root, const char *path, const char *text) {
        assert_int_equal(fake_root_write_file(root, path, text, strlen(text)), 0);
}

/* Who keeps the crash image up to date across memory hot-plug, by the flags, and each read anew. */
static void test_read(void **state) {
        char *root = NULL;
        DumpMode a, b;

        assert_int_equal(fake_root_create(&root), 0);

        /* No flags (an older kernel): user space reloads. */
        dump_mode_read(root, &a);
        assert_false(a.fadump || a.fadump_hotplug_ready || a.memory_crash_hotplug);
        assert_false(dump_mode_kernel_handles(&a, DUMP_RESOURCE_MEMORY));
        assert_non_null(strstr(dump_mode_describe(&a), "crash_hotplug=0"));

        set_flag(root, MEMORY_CRASH_HOTPLUG_PATH, "1\n");
        dump_mode_read(root, &b);
        assert_true(dump_mode_kernel_handles(&b, DUMP_RESOURCE_MEMORY));
        assert_false(dump_mode_equal(&a, &b));
        assert_non_null(strstr(dump_mode_describe(&b), "crash_hotplug=1"));

        /* A `kdumpctl restart` loads an image without hot-plug support: read again, it says so. */
        set_flag(root, MEMORY_CRASH_HOTPLUG_PATH, "0\n");
        dump_mode_read(root, &b);
        assert_false(dump_mode_kernel_handles(&b, DUMP_RESOURCE_MEMORY));
        assert_true(dump_mode_equal(&a, &b));

        /* Anything but "1" is not 1. */
        set_flag(root, MEMORY_CRASH_HOTPLUG_PATH, "10\n");
        dump_mode_read(root, &b);
        assert_false(b.memory_crash_hotplug);

        /* fadump: crash_hotplug says nothing; hotplug_ready does. */
        set_flag(root, MEMORY_CRASH_HOTPLUG_PATH, "1\n");
        set_flag(root, FADUMP_DIR "/enabled", "1\n");
        dump_mode_read(root, &b);
        assert_false(dump_mode_kernel_handles(&b, DUMP_RESOURCE_MEMORY));
        assert_non_null(strstr(dump_mode_describe(&b), "re-registers"));
        set_flag(root, FADUMP_DIR "/hotplug_ready", "1\n");
        dump_mode_read(root, &b);
        assert_true(dump_mode_kernel_handles(&b, DUMP_RESOURCE_MEMORY));
        assert_non_null(strstr(dump_mode_describe(&b), "hotplug_ready=1"));

        assert_int_equal(fake_root_remove(root), 0);
        free(root);
}

/* CPU hot-plug by its own crash_hotplug, read anew each time, and with fadump never a reload. */
static void test_cpus(void **state) {
        char *root = NULL;
        DumpMode a, b;

        assert_int_equal(fake_root_create(&root), 0);

        /* No flag (older than Linux 6.5): user space reloads. */
        dump_mode_read(root, &a);
        assert_false(a.cpu_crash_hotplug);
        assert_false(dump_mode_kernel_handles(&a, DUMP_RESOURCE_CPU));
        assert_non_null(strstr(dump_mode_describe_cpus(&a), "crash_hotplug=0"));

        set_flag(root, CPU_CRASH_HOTPLUG_PATH, "1\n");
        dump_mode_read(root, &b);
        assert_true(b.cpu_crash_hotplug);
        assert_true(dump_mode_kernel_handles(&b, DUMP_RESOURCE_CPU));
        assert_non_null(strstr(dump_mode_describe_cpus(&b), "crash_hotplug=1"));
        /* A change of the CPU flag alone is a change of the dump mode (logged once). */
        assert_false(dump_mode_equal(&a, &b));
        /* Each resource by its own flag: CPUs' says nothing of memory, and memory's nothing of CPUs. */
        assert_false(dump_mode_kernel_handles(&b, DUMP_RESOURCE_MEMORY));
        set_flag(root, CPU_CRASH_HOTPLUG_PATH, "0");
        set_flag(root, MEMORY_CRASH_HOTPLUG_PATH, "1\n");
        dump_mode_read(root, &b);
        assert_false(b.cpu_crash_hotplug);
        assert_true(dump_mode_kernel_handles(&b, DUMP_RESOURCE_MEMORY));
        assert_false(dump_mode_kernel_handles(&b, DUMP_RESOURCE_CPU));

        /* Anything but "1" is not 1. */
        set_flag(root, CPU_CRASH_HOTPLUG_PATH, "11\n");
        dump_mode_read(root, &b);
        assert_false(b.cpu_crash_hotplug);

        /* fadump, even not hotplug_ready: firmware boots the capture kernel with every CPU. */
        set_flag(root, FADUMP_DIR "/enabled", "1\n");
        dump_mode_read(root, &b);
        assert_false(dump_mode_kernel_handles(&b, DUMP_RESOURCE_MEMORY));
        assert_true(dump_mode_kernel_handles(&b, DUMP_RESOURCE_CPU));
        assert_non_null(strstr(dump_mode_describe_cpus(&b), "need no reload"));

        assert_int_equal(fake_root_remove(root), 0);
        free(root);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_read),
                cmocka_unit_test(test_cpus),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
