/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/engine/kexec-record.c: the argv rule for Debian's recorded kexec command. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "kexec-record.h"
#include "macro.h"
#include "strv.h"

#define KEXEC "/root/sbin/kexec"

static void test_accepted(void **state) {
        static const struct {
                const char *text;
                const char *joined;
        } cases[] = {
                /* What kdump_load() writes on ppc64el. */
                { "/sbin/kexec -p --command-line=\"root=/dev/sda2 ro reset_devices nr_cpus=1 irqpoll nousb\" "
                  "--initrd=/var/lib/kdump/initrd.img /var/lib/kdump/vmlinuz\n",
                  KEXEC " -p --command-line=root=/dev/sda2 ro reset_devices nr_cpus=1 irqpoll nousb "
                  "--initrd=/var/lib/kdump/initrd.img /var/lib/kdump/vmlinuz" },
                /* Secure boot (-s), an ELF kernel, KDUMP_KEXEC_ARGS. */
                { "/usr/sbin/kexec -p -s --args-linux -d --command-line=\"x\" /boot/vmlinux",
                  KEXEC " -p -s --args-linux -d --command-line=x /boot/vmlinux" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_strv_free_ char **l = NULL;
                _cleanup_free_ char *joined = NULL;
                bool dropped = true;
                Error e = {};
                int r = kexec_record_argv(cases[i].text, "kexec_cmd", KEXEC, KEXEC_HOTPLUG_ON, &l, &dropped, &e);

                if (r < 0)
                        fail_msg("case %zu: %s", i, error_message(&e, r));
                joined = strv_join(l, " ");
                assert_string_equal(joined, cases[i].joined);
                assert_false(dropped);
        }
}

/* A record's --hotplug (KDUMP_KEXEC_ARGS) stays only where the kexec fallback would load with it
 * (issue 20.2): with a kexec without the elfcorehdr reservation fix it goes, the rest as it was. */
static void test_hotplug(void **state) {
        static const char record[] = "/sbin/kexec -p --hotplug --command-line=\"root=/dev/sda2 nr_cpus=1\" "
                                     "--initrd=/var/lib/kdump/initrd.img /var/lib/kdump/vmlinuz\n";
        static const struct {
                KexecHotplug mode;
                const char *joined;
        } cases[] = {
                /* The negative control: a kexec with the fix (or KexecHotplug=yes) keeps it. */
                { KEXEC_HOTPLUG_ON, KEXEC " -p --hotplug --command-line=root=/dev/sda2 nr_cpus=1 "
                                    "--initrd=/var/lib/kdump/initrd.img /var/lib/kdump/vmlinuz" },
                { KEXEC_HOTPLUG_NO_RESERVE_FIX, KEXEC " -p --command-line=root=/dev/sda2 nr_cpus=1 "
                                                "--initrd=/var/lib/kdump/initrd.img /var/lib/kdump/vmlinuz" },
                { KEXEC_HOTPLUG_OFF, KEXEC " -p --command-line=root=/dev/sda2 nr_cpus=1 "
                                     "--initrd=/var/lib/kdump/initrd.img /var/lib/kdump/vmlinuz" },
                /* kexec --hotplug refuses on such a kernel, or does not know the option. */
                { KEXEC_HOTPLUG_NO_KERNEL, KEXEC " -p --command-line=root=/dev/sda2 nr_cpus=1 "
                                           "--initrd=/var/lib/kdump/initrd.img /var/lib/kdump/vmlinuz" },
                { KEXEC_HOTPLUG_NO_KEXEC, KEXEC " -p --command-line=root=/dev/sda2 nr_cpus=1 "
                                          "--initrd=/var/lib/kdump/initrd.img /var/lib/kdump/vmlinuz" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_strv_free_ char **l = NULL;
                _cleanup_free_ char *joined = NULL;
                bool dropped = cases[i].mode == KEXEC_HOTPLUG_ON;
                Error e = {};
                int r = kexec_record_argv(record, "kexec_cmd", KEXEC, cases[i].mode, &l, &dropped, &e);

                if (r < 0)
                        fail_msg("case %zu: %s", i, error_message(&e, r));
                joined = strv_join(l, " ");
                assert_string_equal(joined, cases[i].joined);
                assert_int_equal(dropped, cases[i].mode != KEXEC_HOTPLUG_ON);
        }

        /* Without --hotplug nothing is dropped, whatever the mode. */
        for (KexecHotplug k = 0; k < _KEXEC_HOTPLUG_MAX; k++) {
                _cleanup_strv_free_ char **l = NULL;
                bool dropped = true;
                Error e = {};

                assert_int_equal(kexec_record_argv("/sbin/kexec -p /k", "kexec_cmd", KEXEC, k, &l, &dropped, &e), 0);
                assert_int_equal(strv_length(l), 3);
                assert_false(dropped);
        }
}

static void test_refused(void **state) {
        static const struct {
                const char *text;
                const char *why;
        } cases[] = {
                /* Another program, whatever its argument. */
                { "/home/u/evil -p /k", "not a kexec command" },
                /* Not a panic load, or one that also does something else. */
                { "/sbin/kexec -l /k", "not part of a panic load" },
                { "/sbin/kexec /k", "no -p" },
                { "/sbin/kexec -p -f /k", "not part of a panic load" },
                { "/sbin/kexec -p -e /k", "not part of a panic load" },
                { "/sbin/kexec -p -u /k", "not part of a panic load" },
                /* --kexec-syscall is accepted, its short -c not (see lib/engine/kexec-record.c). */
                { "/sbin/kexec -p -c /k", "not part of a panic load" },
                { "/sbin/kexec -p --initrd /tmp/i /k", "not part of a panic load" },
                { "/sbin/kexec -p --initrd=tmp/i /k", "relative file" },
                { "/sbin/kexec -p --command-line=x", "no absolute kernel path last" },
                { "/sbin/kexec -p vmlinuz", "no absolute kernel path last" },
                { "/sbin/kexec --command-line=x /k", "no -p" },
                /* Two commands: each line alone may be fine, together they are not a record. */
                { "/sbin/kexec -p /k\n/sbin/kexec -e\n", "more than one line: \"/sbin/kexec -p /k\\n/sbin/kexec -e\\n\"" },
                { "/sbin/kexec -p /k; reboot", "needs a shell" },
                { "/sbin/kexec -p \"/k\n<0>injected\n", "more than one line" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_strv_free_ char **l = NULL;
                bool dropped = true;
                Error e = {};
                int r = kexec_record_argv(cases[i].text, "kexec_cmd", KEXEC, KEXEC_HOTPLUG_ON, &l, &dropped, &e);

                assert_int_equal(r, -EINVAL);
                assert_null(l);
                if (!strstr(error_message(&e, r), cases[i].why))
                        fail_msg("case %zu: '%s' lacks '%s'", i, error_message(&e, r), cases[i].why);
                /* One line in the log whatever the record holds. */
                assert_null(strchr(error_message(&e, r), '\n'));
        }
}

/* A long bad record is shown cut, never whole. */
static void test_bounded(void **state) {
        _cleanup_strv_free_ char **l = NULL;
        char text[2048];
        bool dropped;
        Error e = {};
        int r;

        memset(text, 'a', sizeof(text) - 1);
        text[sizeof(text) - 1] = 0;
        memcpy(text, "/x/kexec -p -e ", 15);
        r = kexec_record_argv(text, "kexec_cmd", KEXEC, KEXEC_HOTPLUG_ON, &l, &dropped, &e);
        assert_int_equal(r, -EINVAL);
        assert_non_null(strstr(error_message(&e, r), "...\""));
        assert_true(strlen(error_message(&e, r)) < 200);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_accepted),
                cmocka_unit_test(test_hotplug),
                cmocka_unit_test(test_refused),
                cmocka_unit_test(test_bounded),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
