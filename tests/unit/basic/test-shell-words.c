/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "shell-words.h"
#include "strv.h"

static void assert_words(const char *line, const char *const *expect) {
        _cleanup_strv_free_ char **l = NULL;
        Error e = {};
        size_t n = 0;
        int r;

        while (expect[n])
                n++;
        r = shell_words_split(line, "kexec_cmd", &l, &e);
        if (r < 0)
                print_message("# '%s': %s\n", line, error_message(&e, r));
        assert_int_equal(r, 0);
        assert_int_equal(strv_length(l), n);
        for (size_t i = 0; i < n; i++)
                assert_string_equal(l[i], expect[i]);
}

static void assert_refused(const char *line, const char *needle) {
        _cleanup_strv_free_ char **l = NULL;
        Error e = {};
        int r = shell_words_split(line, "kexec_cmd", &l, &e);

        assert_int_equal(r, -EINVAL);
        assert_null(l);
        if (!strstr(error_message(&e, r), needle))
                print_message("# '%s': '%s' lacks '%s'\n", line, error_message(&e, r), needle);
        assert_non_null(strstr(error_message(&e, r), needle));
}

/* What Debian's kdump_load() writes to KDUMP_COREDIR/kexec_cmd on ppc64el. */
static void test_kexec_cmd(void **state) {
        assert_words("/sbin/kexec -p --command-line=\"root=UUID=ab ro reset_devices systemd.unit=kdump-tools-dump.service "
                     "nr_cpus=1 irqpoll nousb\" --initrd=/var/lib/kdump/initrd.img /var/lib/kdump/vmlinuz\n",
                     (const char *[]) { "/sbin/kexec", "-p",
                                        "--command-line=root=UUID=ab ro reset_devices systemd.unit=kdump-tools-dump.service "
                                        "nr_cpus=1 irqpoll nousb",
                                        "--initrd=/var/lib/kdump/initrd.img", "/var/lib/kdump/vmlinuz", NULL });
        /* Its sed escapes a quote of /proc/cmdline as \". */
        assert_words("kexec -p --command-line=\"a=\\\"b c\\\" d\" k",
                     (const char *[]) { "kexec", "-p", "--command-line=a=\"b c\" d", "k", NULL });
        assert_words("a 'b c' d\\ e", (const char *[]) { "a", "b c", "d e", NULL });
}

static void test_refused(void **state) {
        assert_refused("kexec -p \"unterminated", "unterminated");
        assert_refused("kexec -p 'open", "unterminated");
        assert_refused("kexec -p $(cat /x)", "needs a shell");
        assert_refused("kexec -p \"$HOME\"", "needs a shell");
        assert_refused("kexec -p x; rm -rf /", "needs a shell");
        assert_refused("kexec `id`", "needs a shell");
        assert_refused("  \n", "no command");
}

static void assert_value(const char *text, const char *key, int expect_r, const char *expect) {
        _cleanup_free_ char *v = NULL;
        Error e = {};
        int r = shell_assignment_find(text, key, "/etc/default/kdump-tools", &v, &e);

        if (r != expect_r)
                print_message("# %s in '%s': %d %s\n", key, text, r, error_message(&e, r));
        assert_int_equal(r, expect_r);
        if (expect)
                assert_string_equal(v, expect);
        else
                assert_null(v);
}

static void test_assignment(void **state) {
        const char *debian = "# kdump-tools configuration\n"
                             "USE_KDUMP=1\n"
                             "#KDUMP_COREDIR=\"/srv/crash\"\n"
                             "KDUMP_COREDIR=\"/var/crash\"  # where\n";

        assert_value(debian, "USE_KDUMP", 1, "1");
        assert_value(debian, "KDUMP_COREDIR", 1, "/var/crash");
        assert_value(debian, "KDUMP_KERNEL", 0, NULL);
        assert_value("USE_KDUMP=1\nUSE_KDUMP=0\n", "USE_KDUMP", 1, "0");  /* the last wins */
        assert_value("  export USE_KDUMP='0'", "USE_KDUMP", 1, "0");
        assert_value("XUSE_KDUMP=1\nUSE_KDUMPX=1", "USE_KDUMP", 0, NULL);
        assert_value("USE_KDUMP=", "USE_KDUMP", 1, "");
        assert_value("USE_KDUMP=$(detect)", "USE_KDUMP", -EINVAL, NULL);
        assert_value("USE_KDUMP=1 true", "USE_KDUMP", -EINVAL, NULL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_kexec_cmd),
                cmocka_unit_test(test_refused),
                cmocka_unit_test(test_assignment),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
