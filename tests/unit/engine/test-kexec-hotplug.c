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

static void version_is(const char *text, unsigned major, unsigned minor, unsigned patch, unsigned rc,
                       bool snapshot, bool fix) {
        KexecVersion v = {};
        Error e = {};

        assert_int_equal(kexec_version_parse(text, &v, &e), 0);
        assert_int_equal(v.major, major);
        assert_int_equal(v.minor, minor);
        assert_int_equal(v.patch, patch);
        assert_int_equal(v.rc, rc);
        assert_int_equal(v.snapshot, snapshot);
        assert_int_equal(kexec_version_has_reserve_fix(&v), fix);
}

static void version_bad(const char *text, const char *quoted) {
        KexecVersion v = {};
        Error e = {};

        assert_int_equal(kexec_version_parse(text, &v, &e), -EINVAL);
        assert_non_null(strstr(error_message(&e, -EINVAL), "kexec --version"));
        assert_non_null(strstr(error_message(&e, -EINVAL), quoted));
}

static void test_version(void **state) {
        /* With 600c2f9512b5: any release after 2.0.32, its release candidates (cut from master after
         * the fix) and snapshots. */
        version_is("kexec-tools 2.0.33\n", 2, 0, 33, 0, false, true);
        version_is("kexec-tools 2.0.33-rc1\n", 2, 0, 33, 1, false, true);
        version_is("kexec-tools 2.0.33.git\n", 2, 0, 33, 0, true, true);
        version_is("kexec-tools 2.1.0", 2, 1, 0, 0, false, true);
        version_is("kexec-tools 3.0.0\nmore\n", 3, 0, 0, 0, false, true);
        /* Negative controls: 2.0.29 (b8408c95e7c0) to 2.0.32 and their candidates; 2.0.32.git, which
         * master printed both before and after the fix; older releases (no --hotplug anyway). */
        version_is("kexec-tools 2.0.32\n", 2, 0, 32, 0, false, false);
        version_is("kexec-tools 2.0.32-rc1\n", 2, 0, 32, 1, false, false);
        version_is("kexec-tools 2.0.32.git\n", 2, 0, 32, 0, true, false);
        version_is("kexec-tools 2.0.29\n", 2, 0, 29, 0, false, false);
        version_is("kexec-tools 2.0.25\n", 2, 0, 25, 0, false, false);
        version_is("kexec-tools 1.0.101\n", 1, 0, 101, 0, false, false);

        /* Garbage: an error that quotes the text (escaped), never a guess. */
        version_bad("kexec 2.0.33\n", "\"kexec 2.0.33\"");
        version_bad("kexec-tools 2.0\n", "kexec-tools 2.0");
        version_bad("kexec-tools 2.0.33-beta\n", "2.0.33-beta");
        version_bad("kexec-tools 2.0.33-rc\n", "2.0.33-rc");
        version_bad("kexec-tools 2.0.33 \n", "2.0.33 ");
        version_bad("kexec-tools 2.0.99999\n", "99999");
        version_bad("kexec-tools -2.0.33\n", "-2.0.33");
        version_bad("kexec-tools 2.0.33\x01\n", "\\x01");
        version_bad("", "\"\"");
        version_bad(NULL, "\"\"");
}

static void test_decide(void **state) {
        const KexecHotplugChoice auto_ = KEXEC_HOTPLUG_CHOICE_AUTO, yes = KEXEC_HOTPLUG_CHOICE_YES;

        assert_int_equal(kexec_hotplug_decide(auto_, true, true, true), KEXEC_HOTPLUG_ON);
        assert_int_equal(kexec_hotplug_decide(auto_, true, true, false), KEXEC_HOTPLUG_NO_RESERVE_FIX);
        assert_int_equal(kexec_hotplug_decide(auto_, true, false, true), KEXEC_HOTPLUG_NO_KEXEC);
        assert_int_equal(kexec_hotplug_decide(auto_, false, true, true), KEXEC_HOTPLUG_NO_KERNEL);
        assert_int_equal(kexec_hotplug_decide(auto_, false, false, false), KEXEC_HOTPLUG_NO_KERNEL);
        /* yes: the administrator's word for the fix, not for the kernel or the option. */
        assert_int_equal(kexec_hotplug_decide(yes, true, true, false), KEXEC_HOTPLUG_ON);
        assert_int_equal(kexec_hotplug_decide(yes, true, false, false), KEXEC_HOTPLUG_NO_KEXEC);
        assert_int_equal(kexec_hotplug_decide(yes, false, true, false), KEXEC_HOTPLUG_NO_KERNEL);
        /* no: never, whatever the rest says. */
        assert_int_equal(kexec_hotplug_decide(KEXEC_HOTPLUG_CHOICE_NO, true, true, true), KEXEC_HOTPLUG_OFF);

        assert_string_equal(kexec_hotplug_to_string(KEXEC_HOTPLUG_ON), "yes");
        assert_string_equal(kexec_hotplug_to_string(KEXEC_HOTPLUG_NO_KERNEL), "no-kernel");
        assert_string_equal(kexec_hotplug_to_string(KEXEC_HOTPLUG_NO_KEXEC), "no-kexec");
        assert_string_equal(kexec_hotplug_to_string(KEXEC_HOTPLUG_UNUSED), "unused");
        assert_string_equal(kexec_hotplug_to_string(KEXEC_HOTPLUG_NO_RESERVE_FIX), "no-reserve-fix");
        assert_string_equal(kexec_hotplug_to_string(KEXEC_HOTPLUG_OFF), "off");
        assert_null(kexec_hotplug_to_string(_KEXEC_HOTPLUG_MAX));
        for (KexecHotplug k = 0; k < _KEXEC_HOTPLUG_MAX; k++)
                assert_non_null(kexec_hotplug_reason(k));
        assert_non_null(strstr(kexec_hotplug_reason(KEXEC_HOTPLUG_ON), "needs no reload"));
        assert_non_null(strstr(kexec_hotplug_reason(KEXEC_HOTPLUG_NO_RESERVE_FIX), "KexecHotplug=yes"));
}

/* The hazard check and status name (issue 20.4), each way to it and its negative controls. */
static void test_hazard(void **state) {
        assert_int_equal(kexec_hotplug_hazard(KEXEC_HOTPLUG_NO_RESERVE_FIX, true, 1), KEXEC_HOTPLUG_HAZARD_LOADED);
        /* Nothing loaded, or loaded plainly (the daemon's backends without the fix): not yet. */
        assert_int_equal(kexec_hotplug_hazard(KEXEC_HOTPLUG_NO_RESERVE_FIX, false, 1), KEXEC_HOTPLUG_HAZARD_NOT_LOADED);
        assert_int_equal(kexec_hotplug_hazard(KEXEC_HOTPLUG_NO_RESERVE_FIX, true, 0), KEXEC_HOTPLUG_HAZARD_NOT_LOADED);
        assert_int_equal(kexec_hotplug_hazard(KEXEC_HOTPLUG_NO_RESERVE_FIX, true, -1), KEXEC_HOTPLUG_HAZARD_NOT_LOADED);
        /* A kexec with the fix, without --hotplug, or a kernel that cannot update an image: none. */
        for (KexecHotplug k = 0; k < _KEXEC_HOTPLUG_MAX; k++)
                if (k != KEXEC_HOTPLUG_NO_RESERVE_FIX)
                        assert_int_equal(kexec_hotplug_hazard(k, true, 1), KEXEC_HOTPLUG_HAZARD_NONE);

        assert_string_equal(kexec_hotplug_hazard_to_string(KEXEC_HOTPLUG_HAZARD_NONE), "none");
        assert_string_equal(kexec_hotplug_hazard_to_string(KEXEC_HOTPLUG_HAZARD_NOT_LOADED), "not-loaded");
        assert_string_equal(kexec_hotplug_hazard_to_string(KEXEC_HOTPLUG_HAZARD_LOADED), "loaded");
        assert_null(kexec_hotplug_hazard_to_string(_KEXEC_HOTPLUG_HAZARD_MAX));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_help),
                cmocka_unit_test(test_kernel),
                cmocka_unit_test(test_version),
                cmocka_unit_test(test_decide),
                cmocka_unit_test(test_hazard),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
