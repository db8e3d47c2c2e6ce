/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture-cmdline.h"

/* The appended parameters, space-separated, as the builder puts them at the end. */
static char *appended(void) {
        static char buf[1024];

        buf[0] = 0;
        for (const char * const *a = capture_cmdline_append; *a; a++)
                snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s", a == capture_cmdline_append ? "" : " ", *a);
        return buf;
}

static void assert_built(const char *in, const char *kept) {
        char expect[2048];
        char *out = NULL;
        Error e = {};

        snprintf(expect, sizeof(expect), "%s%s%s", kept, *kept ? " " : "", appended());
        assert_int_equal(capture_cmdline_build(in, &out, &e), 0);
        if (strcmp(out, expect) != 0)
                print_message("# in:     '%s'\n# got:    '%s'\n# expect: '%s'\n", in, out, expect);
        assert_string_equal(out, expect);
        free(out);
}

/* A Debian ppc64el LPAR's line: BOOT_IMAGE, crashkernel and huge pages go, the rest stays. */
static void test_typical(void **state) {
        assert_built("BOOT_IMAGE=/boot/vmlinux-6.1.0-28-powerpc64le root=UUID=1234 ro crashkernel=512M "
                     "hugepagesz=16M hugepages=64 default_hugepagesz=16M quiet\n",
                     "root=UUID=1234 ro");
}

static void test_drop_list(void **state) {
        for (const char * const *d = capture_cmdline_drop; *d; d++) {
                char in[256];

                snprintf(in, sizeof(in), "a %s=1 b %s c", *d, *d);
                assert_built(in, "a b c");
        }
        /* A name that only starts like a dropped one stays. */
        assert_built("crashkernelx=1 hugepages_extra quietly", "crashkernelx=1 hugepages_extra quietly");
        assert_built("resume=/dev/sda2 resume_offset=5", "resume_offset=5");
}

/* This kernel's own values of what is appended are dropped, so that the capture kernel's win;
 * maxcpus= would override nr_cpus=. */
static void test_appended_replace(void **state) {
        assert_built("nr_cpus=64 maxcpus=8 panic=0 numa=on irqpoll x=1", "x=1");
}

/* The kernel's parser keeps double-quoted white space in one parameter. */
static void test_quotes(void **state) {
        assert_built("dyndbg=\"file foo.c +p\" crashkernel=\"256M@64M\" y", "dyndbg=\"file foo.c +p\" y");
        assert_built("\"quoted word\" z", "\"quoted word\" z");
}

static void test_empty(void **state) {
        assert_built("", "");
        assert_built(" \t\n", "");
        assert_built("crashkernel=1G\n", "");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_typical),
                cmocka_unit_test(test_drop_list),
                cmocka_unit_test(test_appended_replace),
                cmocka_unit_test(test_quotes),
                cmocka_unit_test(test_empty),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
