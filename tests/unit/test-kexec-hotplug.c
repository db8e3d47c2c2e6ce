/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fake-root.h"
#include "kexec-hotplug.h"

/* Help texts in the shape kexec prints (an option per line, indented, its text after it), in our
 * own words. */
#define HELP_HEAD "Usage: kexec [OPTIONS] [kernel]\n" \
        " -p, --load-panic     Load a kernel to boot after a crash.\n" \
        " -s, --kexec-file-syscall Load with kexec_file_load.\n"
#define HELP_TAIL " -d, --debug          Say more.\n\nArchitecture options:\n"

static void test_help(void **state) {
        /* kexec-tools >= 2.0.29: its own line. */
        assert_true(kexec_help_has_hotplug(HELP_HEAD " --hotplug            Let the kernel update the image.\n"
                                           "                      More text.\n" HELP_TAIL));
        assert_true(kexec_help_has_hotplug("\t--hotplug\n"));
        assert_true(kexec_help_has_hotplug("--hotplug text"));
        /* Negative controls: older kexec-tools, a mention in another option's text, a longer
         * option of the same stem, the word at the very end without its line. */
        assert_false(kexec_help_has_hotplug(HELP_HEAD HELP_TAIL));
        assert_false(kexec_help_has_hotplug(" -x, --other          Unlike --hotplug, does this.\n"));
        assert_false(kexec_help_has_hotplug(" --hotplug-cpu        Something else.\n"));
        assert_false(kexec_help_has_hotplug(" --hotplugs\n"));
        assert_false(kexec_help_has_hotplug(" --hotplug"));
        assert_false(kexec_help_has_hotplug(""));
        assert_false(kexec_help_has_hotplug(NULL));
}

static void put(const char *root, const char *text) {
        assert_int_equal(fake_root_write_file(root, KEXEC_CRASH_ELFCOREHDR_SIZE_PATH, text, strlen(text)), 0);
}

static void test_kernel(void **state) {
        char *root = NULL;
        bool b = true;
        Error e = {};

        assert_int_equal(fake_root_create(&root), 0);

        /* Before 6.10 (or without CONFIG_CRASH_HOTPLUG): no file, no support, no error. */
        assert_int_equal(kexec_hotplug_kernel_supports(root, &b, &e), 0);
        assert_false(b);

        put(root, "65536\n");
        assert_int_equal(kexec_hotplug_kernel_supports(root, &b, &e), 0);
        assert_true(b);
        put(root, "0x10000");
        assert_int_equal(kexec_hotplug_kernel_supports(root, &b, &e), 0);
        assert_true(b);

        /* Zero is what kexec --hotplug refuses too. */
        put(root, "0\n");
        assert_int_equal(kexec_hotplug_kernel_supports(root, &b, &e), 0);
        assert_false(b);

        /* Garbage: an error naming the file, and no support. */
        put(root, "lots\n");
        b = true;
        assert_int_equal(kexec_hotplug_kernel_supports(root, &b, &e), -EINVAL);
        assert_false(b);
        assert_non_null(strstr(error_message(&e, -EINVAL), KEXEC_CRASH_ELFCOREHDR_SIZE_PATH));
        put(root, "-1\n");
        assert_int_equal(kexec_hotplug_kernel_supports(root, &b, &e), -EINVAL);
        put(root, "12 34\n");
        assert_int_equal(kexec_hotplug_kernel_supports(root, &b, &e), -EINVAL);

        assert_int_equal(fake_root_remove(root), 0);
        free(root);
}

static void test_decide(void **state) {
        assert_int_equal(kexec_hotplug_decide(true, true), KEXEC_HOTPLUG_ON);
        assert_int_equal(kexec_hotplug_decide(true, false), KEXEC_HOTPLUG_NO_KEXEC);
        assert_int_equal(kexec_hotplug_decide(false, true), KEXEC_HOTPLUG_NO_KERNEL);
        assert_int_equal(kexec_hotplug_decide(false, false), KEXEC_HOTPLUG_NO_KERNEL);

        assert_string_equal(kexec_hotplug_to_string(KEXEC_HOTPLUG_ON), "yes");
        assert_string_equal(kexec_hotplug_to_string(KEXEC_HOTPLUG_NO_KERNEL), "no-kernel");
        assert_string_equal(kexec_hotplug_to_string(KEXEC_HOTPLUG_NO_KEXEC), "no-kexec");
        assert_string_equal(kexec_hotplug_to_string(KEXEC_HOTPLUG_UNUSED), "unused");
        assert_null(kexec_hotplug_to_string(_KEXEC_HOTPLUG_MAX));
        for (KexecHotplug k = 0; k < _KEXEC_HOTPLUG_MAX; k++)
                assert_non_null(kexec_hotplug_describe(k));
        assert_non_null(strstr(kexec_hotplug_describe(KEXEC_HOTPLUG_ON), "--hotplug"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_help),
                cmocka_unit_test(test_kernel),
                cmocka_unit_test(test_decide),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
