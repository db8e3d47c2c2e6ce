/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

/* Parses a C string as the text of "test.conf". */
static int parse(Config *c, const char *text, Error *e) {
        return config_parse(c, text, strlen(text), "test.conf", e);
}

static void assert_str_or_null(const char *a, const char *b) {
        if (!a || !b)
                assert_ptr_equal(a, b);
        else
                assert_string_equal(a, b);
}

static void assert_config_equal(const Config *a, const Config *b) {
        assert_int_equal(a->quiet, b->quiet);
        assert_int_equal(a->max_wait, b->max_wait);
        assert_int_equal(a->poll_interval, b->poll_interval);
        assert_int_equal(a->uevent_source, b->uevent_source);
        assert_int_equal(a->wait_for_drmgr, b->wait_for_drmgr);
        assert_int_equal(a->reload_backend, b->reload_backend);
        assert_int_equal(a->kexec_hotplug, b->kexec_hotplug);
        assert_int_equal(a->reload_timeout, b->reload_timeout);
        assert_str_or_null(a->reload_command, b->reload_command);
        assert_str_or_null(a->kexec_kernel, b->kexec_kernel);
        assert_str_or_null(a->kexec_initrd, b->kexec_initrd);
        assert_str_or_null(a->kexec_append, b->kexec_append);
}

/* A config with every key away from its default. */
static void config_init_nondefault(Config *c) {
        Error e = {};

        config_init(c);
        assert_int_equal(parse(c,
                               "[Settle]\n"
                               "QuietSec=7ms\n"
                               "MaxWaitSec=7s\n"
                               "PollIntervalSec=7ms\n"
                               "UeventSource=kernel\n"
                               "WaitForDrmgr=no\n"
                               "[Reload]\n"
                               "ReloadBackend=kexec\n"
                               "ReloadCommand=/bin/true\n"
                               "ReloadTimeoutSec=7min\n"
                               "KexecKernel=/boot/k\n"
                               "KexecInitrd=/boot/i\n"
                               "KexecAppend=a b\n"
                               "KexecHotplug=no\n",
                               &e),
                         0);
}

static void test_defaults(void **state) {
        Config c;

        config_init(&c);
        assert_int_equal(c.quiet, 50 * USEC_PER_MSEC);
        assert_int_equal(c.max_wait, 30 * USEC_PER_SEC);
        assert_int_equal(c.poll_interval, 5 * USEC_PER_MSEC);
        assert_int_equal(c.uevent_source, UEVENT_SOURCE_UDEV);
        assert_true(c.wait_for_drmgr);
        assert_int_equal(c.reload_timeout, 120 * USEC_PER_SEC);
        assert_null(c.reload_command);
        assert_null(c.kexec_kernel);
        assert_null(c.kexec_initrd);
        assert_null(c.kexec_append);
        config_done(&c);
        /* done twice is harmless */
        config_done(&c);
        assert_null(c.kexec_append);
}

static void test_uevent_source_strings(void **state) {
        assert_string_equal(uevent_source_to_string(UEVENT_SOURCE_UDEV), "udev");
        assert_string_equal(uevent_source_to_string(UEVENT_SOURCE_KERNEL), "kernel");
        assert_null(uevent_source_to_string(_UEVENT_SOURCE_MAX));
        assert_null(uevent_source_to_string(_UEVENT_SOURCE_INVALID));
        assert_int_equal(uevent_source_from_string("udev"), UEVENT_SOURCE_UDEV);
        assert_int_equal(uevent_source_from_string("kernel"), UEVENT_SOURCE_KERNEL);
        assert_int_equal(uevent_source_from_string("Kernel"), -EINVAL);
        assert_int_equal(uevent_source_from_string(""), -EINVAL);
        assert_int_equal(uevent_source_from_string(NULL), -EINVAL);
}

static void test_every_key_good(void **state) {
        Config c;
        Error e = {};

        config_init(&c);
        assert_int_equal(parse(&c,
                               "[Settle]\n"
                               "QuietSec=100ms\n"
                               "MaxWaitSec=2min\n"
                               "PollIntervalSec=1ms\n"
                               "UeventSource=kernel\n"
                               "[Reload]\n"
                               "ReloadBackend=suse-kdump\n"
                               "ReloadCommand=/usr/sbin/kdump-config  reload\n"
                               "ReloadTimeoutSec=45\n"
                               "KexecKernel=/boot/vmlinux\n"
                               "KexecInitrd=/boot/initrd.img\n"
                               "KexecAppend=console=hvc0 irqpoll maxcpus=1\n"
                               "KexecHotplug=yes\n",
                               &e),
                         0);
        assert_int_equal(c.quiet, 100 * USEC_PER_MSEC);
        assert_int_equal(c.max_wait, 2 * USEC_PER_MINUTE);
        assert_int_equal(c.poll_interval, USEC_PER_MSEC);
        assert_int_equal(c.uevent_source, UEVENT_SOURCE_KERNEL);
        assert_int_equal(c.reload_timeout, 45 * USEC_PER_SEC);
        assert_int_equal(c.reload_backend, RELOAD_BACKEND_SUSE_KDUMP);
        assert_int_equal(c.kexec_hotplug, KEXEC_HOTPLUG_CHOICE_YES);
        /* stored as given, inner spaces included */
        assert_string_equal(c.reload_command, "/usr/sbin/kdump-config  reload");
        assert_string_equal(c.kexec_kernel, "/boot/vmlinux");
        assert_string_equal(c.kexec_initrd, "/boot/initrd.img");
        assert_string_equal(c.kexec_append, "console=hvc0 irqpoll maxcpus=1");

        /* and back */
        assert_int_equal(parse(&c, "[Settle]\nUeventSource=udev\nMaxWaitSec=infinity\n", &e), 0);
        assert_int_equal(c.uevent_source, UEVENT_SOURCE_UDEV);
        assert_int_equal(c.max_wait, USEC_INFINITY);
        config_done(&c);
}

static void test_timespan_bounds(void **state) {
        static const struct {
                const char *section, *key, *value;
                int ret;
                usec_t expect;
        } cases[] = {
                { "Settle", "QuietSec", "1us", 0, 1 },
                { "Settle", "QuietSec", "0", -EINVAL, 0 },
                { "Settle", "QuietSec", "infinity", -EINVAL, 0 },
                { "Settle", "MaxWaitSec", "1us", 0, 1 },
                { "Settle", "MaxWaitSec", "0", -EINVAL, 0 },
                { "Settle", "MaxWaitSec", "infinity", 0, USEC_INFINITY },
                { "Settle", "PollIntervalSec", "1ms", 0, USEC_PER_MSEC },
                { "Settle", "PollIntervalSec", "1000us", 0, USEC_PER_MSEC },
                { "Settle", "PollIntervalSec", "999us", -EINVAL, 0 },
                { "Settle", "PollIntervalSec", "0", -EINVAL, 0 },
                { "Settle", "PollIntervalSec", "infinity", -EINVAL, 0 },
                { "Reload", "ReloadTimeoutSec", "1us", 0, 1 },
                { "Reload", "ReloadTimeoutSec", "0", -EINVAL, 0 },
                { "Reload", "ReloadTimeoutSec", "infinity", -EINVAL, 0 },
                { "Reload", "ReloadTimeoutSec", "99999999999999999999", -EINVAL, 0 },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                Config c, before;
                Error e = {};
                usec_t got;
                int r;

                config_init(&c);
                config_init(&before);
                r = config_set(&c, cases[i].section, cases[i].key, cases[i].value, &e);
                assert_int_equal(r, cases[i].ret);
                if (r < 0) {
                        assert_non_null(strstr(e.message, cases[i].key));
                        assert_config_equal(&c, &before);
                        continue;
                }
                got = strcmp(cases[i].key, "QuietSec") == 0 ? c.quiet :
                      strcmp(cases[i].key, "MaxWaitSec") == 0 ? c.max_wait :
                      strcmp(cases[i].key, "PollIntervalSec") == 0 ? c.poll_interval :
                      c.reload_timeout;
                assert_int_equal(got, cases[i].expect);
                config_done(&c);
        }
}

static void test_every_key_bad(void **state) {
        static const struct {
                const char *section, *key, *value, *msg;
        } cases[] = {
                { "Settle", "QuietSec", "fast", "QuietSec=: invalid time span 'fast'" },
                { "Settle", "QuietSec", "5x", "QuietSec=: invalid time span '5x'" },
                { "Settle", "QuietSec", "-5ms", "QuietSec=: invalid time span '-5ms'" },
                { "Settle", "MaxWaitSec", "soon", "MaxWaitSec=: invalid time span 'soon'" },
                { "Settle", "PollIntervalSec", "1.5ms", "PollIntervalSec=: invalid time span '1.5ms'" },
                { "Settle", "PollIntervalSec", "500us", "PollIntervalSec=: time span must be at least 1ms, got '500us'" },
                { "Settle", "UeventSource", "netlink", "UeventSource=: expected 'udev' or 'kernel', got 'netlink'" },
                { "Settle", "UeventSource", "UDEV", "UeventSource=: expected 'udev' or 'kernel', got 'UDEV'" },
                { "Settle", "WaitForDrmgr", "maybe", "WaitForDrmgr=: expected 'yes' or 'no', got 'maybe'" },
                { "Settle", "WaitForDrmgr", "yess", "WaitForDrmgr=: expected 'yes' or 'no', got 'yess'" },
                { "Reload", "ReloadBackend", "kdump", "ReloadBackend=: expected one of auto, kdumpctl, kdump-config, "
                  "suse-kdump, kexec, got 'kdump'" },
                { "Reload", "KexecHotplug", "1", "KexecHotplug=: expected one of auto, yes, no, got '1'" },
                { "Reload", "ReloadTimeoutSec", "2 fortnights", "ReloadTimeoutSec=: invalid time span '2 fortnights'" },
                { "Reload", "KexecKernel", "vmlinux", "KexecKernel=: path is not absolute 'vmlinux'" },
                { "Reload", "KexecKernel", "./boot/vmlinux", "KexecKernel=: path is not absolute './boot/vmlinux'" },
                { "Reload", "KexecInitrd", "initrd.img", "KexecInitrd=: path is not absolute 'initrd.img'" },
                { "Settle", "ReloadCommand", "/bin/true", "ReloadCommand=: unknown key in section [Settle]" },
                { "Reload", "QuietSec", "1s", "QuietSec=: unknown key in section [Reload]" },
                { "Reload", "quietsec", "1s", "quietsec=: unknown key in section [Reload]" },
                { "Kdump", "QuietSec", "1s", "QuietSec=: unknown section [Kdump]" },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                Config c, before;
                Error e = {};

                config_init_nondefault(&c);
                config_init_nondefault(&before);
                assert_int_equal(config_set(&c, cases[i].section, cases[i].key, cases[i].value, &e), -EINVAL);
                assert_string_equal(e.message, cases[i].msg);
                assert_config_equal(&c, &before);
                config_done(&c);
                config_done(&before);
        }
}

static void test_set_null_error(void **state) {
        Config c;

        /* e may be NULL: the error is still returned */
        config_init(&c);
        assert_int_equal(config_set(&c, "Settle", "QuietSec", "fast", NULL), -EINVAL);
        assert_int_equal(config_set(&c, "Settle", "QuietSec", "2s", NULL), 0);
        assert_int_equal(c.quiet, 2 * USEC_PER_SEC);
        config_done(&c);
}

static void test_comments_blank_crlf(void **state) {
        Config c;
        Error e = {};

        config_init(&c);
        assert_int_equal(parse(&c,
                               "# leading comment\r\n"
                               "\r\n"
                               "   ; indented comment\r\n"
                               "\t\r\n"
                               "  [Settle]  \r\n"
                               "  QuietSec  =  75ms  \r\n"
                               "# QuietSec=fast\r\n"
                               "; MaxWaitSec=fast\r\n"
                               "\tMaxWaitSec\t=\t1min 30s\t\r\n"
                               "[Reload]\r\n"
                               "KexecAppend = console=hvc0 irqpoll \r\n"
                               "KexecKernel=/boot/vmlinux\r\n"
                               "KexecInitrd=/boot/initrd", /* no final newline */
                               &e),
                         0);
        assert_int_equal(c.quiet, 75 * USEC_PER_MSEC);
        assert_int_equal(c.max_wait, 90 * USEC_PER_SEC);
        assert_string_equal(c.kexec_append, "console=hvc0 irqpoll");
        assert_string_equal(c.kexec_kernel, "/boot/vmlinux");
        assert_string_equal(c.kexec_initrd, "/boot/initrd");
        config_done(&c);
}

static void test_value_with_equals(void **state) {
        Config c;
        Error e = {};

        config_init(&c);
        assert_int_equal(parse(&c, "[Reload]\nKexecAppend==a=b= c\n", &e), 0);
        assert_string_equal(c.kexec_append, "=a=b= c");
        config_done(&c);
}

static void test_empty_text(void **state) {
        Config c, d;
        Error e = {};

        config_init_nondefault(&c);
        config_init_nondefault(&d);
        assert_int_equal(config_parse(&c, "", 0, "empty.conf", &e), 0);
        assert_int_equal(parse(&c, "\n\n# nothing\n", &e), 0);
        assert_config_equal(&c, &d);
        config_done(&c);
        config_done(&d);
}

static void test_reset_by_empty_value(void **state) {
        Config c, def;
        Error e = {};

        config_init(&def);
        config_init_nondefault(&c);
        assert_int_equal(c.uevent_source, UEVENT_SOURCE_KERNEL);
        assert_false(c.wait_for_drmgr);
        assert_int_equal(parse(&c,
                               "[Settle]\n"
                               "QuietSec=\n"
                               "MaxWaitSec=   \n"
                               "PollIntervalSec=\r\n"
                               "UeventSource=\n"
                               "WaitForDrmgr=\n"
                               "[Reload]\n"
                               "ReloadBackend=\n"
                               "ReloadCommand=\n"
                               "ReloadTimeoutSec=\n"
                               "KexecKernel=\n"
                               "KexecInitrd=\n"
                               "KexecAppend=\n"
                               "KexecHotplug=\n",
                               &e),
                         0);
        assert_config_equal(&c, &def);
        config_done(&c);

        /* the same through config_set, which the command line uses */
        config_init_nondefault(&c);
        assert_int_equal(config_set(&c, "Settle", "QuietSec", "", &e), 0);
        assert_int_equal(config_set(&c, "Reload", "ReloadCommand", " \t", &e), 0);
        assert_int_equal(config_set(&c, "Reload", "KexecAppend", "", &e), 0);
        assert_int_equal(c.quiet, CONFIG_QUIET_DEFAULT);
        assert_null(c.reload_command);
        assert_null(c.kexec_append);
        /* negative control: the others kept their values */
        assert_int_equal(c.max_wait, 7 * USEC_PER_SEC);
        assert_string_equal(c.kexec_kernel, "/boot/k");
        config_done(&c);
}

static void test_later_assignment_wins(void **state) {
        Config c;
        Error e = {};

        config_init(&c);
        assert_int_equal(parse(&c,
                               "[Settle]\nQuietSec=1s\n[Reload]\nKexecAppend=one\n"
                               "[Settle]\nQuietSec=2s\n[Reload]\nKexecAppend=two\n",
                               &e),
                         0);
        assert_int_equal(c.quiet, 2 * USEC_PER_SEC);
        assert_string_equal(c.kexec_append, "two");

        /* a second file on top keeps what it does not mention */
        assert_int_equal(config_parse(&c, "[Settle]\nMaxWaitSec=5s\n", strlen("[Settle]\nMaxWaitSec=5s\n"),
                                      "second.conf", &e),
                         0);
        assert_int_equal(c.quiet, 2 * USEC_PER_SEC);
        assert_int_equal(c.max_wait, 5 * USEC_PER_SEC);
        assert_string_equal(c.kexec_append, "two");
        config_done(&c);
}

static void test_error_names_file_line_key(void **state) {
        const char *text =
                "# kdump-settle\n"
                "[Settle]\n"
                "\n"
                "MaxWaitSec=10s\n"
                "; comment\n"
                "PollIntervalSec=2ms\n"
                "QuietSec=fast\n";
        Config c;
        Error e = {};

        config_init(&c);
        assert_int_equal(config_parse(&c, text, strlen(text), "/etc/kdump-settle.conf", &e), -EINVAL);
        assert_string_equal(e.message, "/etc/kdump-settle.conf:7: QuietSec=: invalid time span 'fast'");
        config_done(&c);
}

static void test_error_cases(void **state) {
        static const struct {
                const char *text, *msg;
        } cases[] = {
                { "[Settle]\nQuietSec=1s\n[Kdump]\nQuietSec=1s\n", "test.conf:3: unknown section [Kdump]" },
                { "[settle]\n", "test.conf:1: unknown section [settle]" },
                { "[Settle\n", "test.conf:1: invalid section header '[Settle'" },
                { "[]\n", "test.conf:1: invalid section header '[]'" },
                { "[Settle] x\n", "test.conf:1: invalid section header '[Settle] x'" },
                { "[Settle]\n\nSpeed=fast\n", "test.conf:3: Speed=: unknown key in section [Settle]" },
                { "[Reload]\nQuietSec=1s\n", "test.conf:2: QuietSec=: unknown key in section [Reload]" },
                { "[Settle]\nQuietSec 5s\n", "test.conf:2: missing '=' in 'QuietSec 5s'" },
                { "[Settle]\n=5s\n", "test.conf:2: missing key before '='" },
                { "QuietSec=5s\n[Settle]\n", "test.conf:1: QuietSec=: assignment outside of any section" },
                { "# c\n\nKexecAppend=x\n", "test.conf:3: KexecAppend=: assignment outside of any section" },
                { "[Reload]\r\nKexecKernel=boot/vmlinux\r\n", "test.conf:2: KexecKernel=: path is not absolute 'boot/vmlinux'" },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                Config c, before;
                Error e = {};

                config_init_nondefault(&c);
                config_init_nondefault(&before);
                assert_int_equal(parse(&c, cases[i].text, &e), -EINVAL);
                assert_string_equal(e.message, cases[i].msg);
                assert_config_equal(&c, &before);
                config_done(&c);
                config_done(&before);
        }
}

static void test_nul_byte(void **state) {
        static const char text[] = "[Settle]\nQuietSec=1s\nMaxWaitSec=1\0s\n";
        Config c, before;
        Error e = {};

        config_init(&c);
        config_init(&before);
        assert_int_equal(config_parse(&c, text, sizeof(text) - 1, "nul.conf", &e), -EINVAL);
        assert_string_equal(e.message, "nul.conf:3: NUL byte in line");
        assert_config_equal(&c, &before);

        /* negative control: the same text without the NUL parses */
        assert_int_equal(config_parse(&c, text, strlen(text), "nul.conf", &e), 0);
        assert_int_equal(c.quiet, USEC_PER_SEC);
        assert_int_equal(c.max_wait, USEC_PER_SEC);
        config_done(&c);
}

static char *make_line(size_t value_len, const char *ending) {
        const char *head = "[Reload]\nKexecAppend=";
        size_t hl = strlen(head), el = strlen(ending);
        char *s = malloc(hl + value_len + el + 1);

        assert_non_null(s);
        memcpy(s, head, hl);
        memset(s + hl, 'x', value_len);
        memcpy(s + hl + value_len, ending, el + 1);
        return s;
}

static void test_long_line(void **state) {
        const size_t key_len = strlen("KexecAppend=");
        Config c;
        Error e = {};
        char *s;

        config_init(&c);

        /* exactly CONFIG_LINE_MAX, with CRLF: fine */
        s = make_line(CONFIG_LINE_MAX - key_len, "\r\n");
        assert_int_equal(parse(&c, s, &e), 0);
        assert_int_equal(strlen(c.kexec_append), CONFIG_LINE_MAX - key_len);
        free(s);

        /* one byte more: rejected, c unchanged */
        s = make_line(CONFIG_LINE_MAX - key_len + 1, "\n");
        assert_int_equal(parse(&c, s, &e), -EINVAL);
        assert_string_equal(e.message, "test.conf:2: line longer than 4096 bytes");
        assert_int_equal(strlen(c.kexec_append), CONFIG_LINE_MAX - key_len);
        free(s);

        /* also without a final newline */
        s = make_line(2 * CONFIG_LINE_MAX, "");
        assert_int_equal(parse(&c, s, &e), -EINVAL);
        assert_string_equal(e.message, "test.conf:2: line longer than 4096 bytes");
        free(s);
        config_done(&c);
}

static void test_reload_command(void **state) {
        Config c;
        Error e = {};

        config_init(&c);
        assert_int_equal(config_set(&c, "Reload", "ReloadCommand", "kdump-config reload", &e), 0);
        assert_string_equal(c.reload_command, "kdump-config reload");
        /* config_set stores as given; the files trim */
        assert_int_equal(config_set(&c, "Reload", "ReloadCommand", " /bin/sh -c 'x y' ", &e), 0);
        assert_string_equal(c.reload_command, " /bin/sh -c 'x y' ");
        assert_int_equal(parse(&c, "[Reload]\nReloadCommand=  /bin/a\tb  \n", &e), 0);
        assert_string_equal(c.reload_command, "/bin/a\tb");
        config_done(&c);
}

static void test_atomic_on_error(void **state) {
        Config c, before;
        Error e = {};

        config_init_nondefault(&c);
        config_init_nondefault(&before);
        /* many valid assignments, including owned strings, then one bad line */
        assert_int_equal(parse(&c,
                               "[Settle]\n"
                               "QuietSec=1s\n"
                               "UeventSource=udev\n"
                               "[Reload]\n"
                               "ReloadCommand=/bin/false\n"
                               "KexecKernel=\n"
                               "KexecAppend=new\n"
                               "KexecInitrd=relative\n",
                               &e),
                         -EINVAL);
        assert_string_equal(e.message, "test.conf:8: KexecInitrd=: path is not absolute 'relative'");
        assert_config_equal(&c, &before);

        /* negative control: without the bad line the same text does change c */
        assert_int_equal(parse(&c,
                               "[Settle]\n"
                               "QuietSec=1s\n"
                               "[Reload]\n"
                               "KexecKernel=\n"
                               "KexecAppend=new\n",
                               &e),
                         0);
        assert_int_equal(c.quiet, USEC_PER_SEC);
        assert_null(c.kexec_kernel);
        assert_string_equal(c.kexec_append, "new");
        config_done(&c);
        config_done(&before);
}

/* --- files ------------------------------------------------------------------------------------ */

static char *tmpdir_new(void) {
        char *d = strdup("/tmp/test-config-XXXXXX");

        assert_non_null(d);
        assert_non_null(mkdtemp(d));
        return d;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

static void tmpdir_free(char *d) {
        assert_int_equal(nftw(d, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
        free(d);
}

static void write_file(const char *dir, const char *name, const char *text) {
        char *path;
        FILE *f;

        assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
        f = fopen(path, "we");
        assert_non_null(f);
        assert_int_equal(fputs(text, f) >= 0, 1);
        assert_int_equal(fclose(f), 0);
        free(path);
}

static void make_dir(const char *dir, const char *name) {
        char *path;

        assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
        assert_int_equal(mkdir(path, 0755), 0);
        free(path);
}

static void test_load_drop_in_order(void **state) {
        char *d = tmpdir_new(), *main_path, *expect;
        Config c;
        Error e = {};

        assert_true(asprintf(&main_path, "%s/kdump-settle.conf", d) > 0);
        write_file(d, "kdump-settle.conf",
                   "[Settle]\nQuietSec=1s\nMaxWaitSec=1min\nPollIntervalSec=10ms\n[Reload]\nKexecAppend=main\n");
        make_dir(d, "kdump-settle.conf.d");
        /* created out of order, so readdir order does not give the right answer by luck */
        write_file(d, "kdump-settle.conf.d/20-b.conf", "[Settle]\nQuietSec=3s\n[Reload]\nKexecAppend=b\n");
        write_file(d, "kdump-settle.conf.d/10-a.conf",
                   "[Settle]\nQuietSec=2s\nMaxWaitSec=2min\n[Reload]\nKexecAppend=a\nKexecKernel=/boot/a\n");
        /* none of these may be read: they would change values or fail */
        write_file(d, "kdump-settle.conf.d/99-z.conf.disabled", "[Settle]\nQuietSec=9s\n");
        write_file(d, "kdump-settle.conf.d/99-z.txt", "[Settle]\nQuietSec=9s\n");
        write_file(d, "kdump-settle.conf.d/conf", "garbage\n");
        /* sorts first, so it must touch a key nothing else sets */
        write_file(d, "kdump-settle.conf.d/.00-hidden.conf", "[Reload]\nKexecInitrd=/hidden\n");
        make_dir(d, "kdump-settle.conf.d/50-dir.conf");

        config_init(&c);
        assert_int_equal(config_load(&c, main_path, &e), 0);
        assert_int_equal(c.quiet, 3 * USEC_PER_SEC);             /* 20-b */
        assert_int_equal(c.max_wait, 2 * USEC_PER_MINUTE);       /* 10-a */
        assert_int_equal(c.poll_interval, 10 * USEC_PER_MSEC);   /* main */
        assert_string_equal(c.kexec_append, "b");
        assert_string_equal(c.kexec_kernel, "/boot/a");
        assert_null(c.kexec_initrd);
        config_done(&c);

        /* strcmp order, not numeric: 10-a < 100-c < 20-b */
        write_file(d, "kdump-settle.conf.d/100-c.conf", "[Settle]\nMaxWaitSec=3min\nQuietSec=4s\n");
        config_init(&c);
        assert_int_equal(config_load(&c, main_path, &e), 0);
        assert_int_equal(c.quiet, 3 * USEC_PER_SEC);
        assert_int_equal(c.max_wait, 3 * USEC_PER_MINUTE);
        config_done(&c);

        /* and a symlink to a regular file counts */
        assert_true(asprintf(&expect, "%s/kdump-settle.conf.d/30-link.conf", d) > 0);
        write_file(d, "target", "[Settle]\nQuietSec=5s\n");
        {
                char *target;

                assert_true(asprintf(&target, "%s/target", d) > 0);
                assert_int_equal(symlink(target, expect), 0);
                free(target);
        }
        config_init(&c);
        assert_int_equal(config_load(&c, main_path, &e), 0);
        assert_int_equal(c.quiet, 5 * USEC_PER_SEC);
        config_done(&c);

        free(expect);
        free(main_path);
        tmpdir_free(d);
}

static void test_load_missing(void **state) {
        char *d = tmpdir_new(), *main_path;
        Config c, before;
        Error e = {};

        assert_true(asprintf(&main_path, "%s/kdump-settle.conf", d) > 0);

        /* neither file nor directory */
        config_init_nondefault(&c);
        config_init_nondefault(&before);
        assert_int_equal(config_load(&c, main_path, &e), 0);
        assert_config_equal(&c, &before);
        config_done(&c);

        /* only the directory */
        make_dir(d, "kdump-settle.conf.d");
        write_file(d, "kdump-settle.conf.d/10-a.conf", "[Settle]\nQuietSec=2s\n");
        config_init(&c);
        assert_int_equal(config_load(&c, main_path, &e), 0);
        assert_int_equal(c.quiet, 2 * USEC_PER_SEC);
        config_done(&c);
        config_done(&before);

        free(main_path);
        tmpdir_free(d);
}

static void test_load_errors(void **state) {
        char *d = tmpdir_new(), *main_path, *expect, *big;
        Config c, before;
        Error e = {};

        assert_true(asprintf(&main_path, "%s/kdump-settle.conf", d) > 0);
        write_file(d, "kdump-settle.conf", "[Settle]\nQuietSec=1s\n");
        make_dir(d, "kdump-settle.conf.d");
        write_file(d, "kdump-settle.conf.d/10-a.conf", "[Settle]\nMaxWaitSec=1min\n");
        write_file(d, "kdump-settle.conf.d/20-b.conf", "[Settle]\n\nMaxWaitSec=later\n");

        /* an error in a drop-in names it and its line, and loses nothing */
        config_init_nondefault(&c);
        config_init_nondefault(&before);
        assert_int_equal(config_load(&c, main_path, &e), -EINVAL);
        assert_true(asprintf(&expect, "%s/kdump-settle.conf.d/20-b.conf:3: MaxWaitSec=: invalid time span 'later'", d) > 0);
        assert_string_equal(e.message, expect);
        free(expect);
        assert_config_equal(&c, &before);

        /* a file larger than CONFIG_FILE_MAX is rejected by name */
        big = malloc(CONFIG_FILE_MAX + 2);
        assert_non_null(big);
        memset(big, '#', CONFIG_FILE_MAX + 1);
        big[CONFIG_FILE_MAX + 1] = 0;
        write_file(d, "kdump-settle.conf.d/20-b.conf", big);
        memset(&e, 0, sizeof(e));
        assert_int_equal(config_load(&c, main_path, &e), -EFBIG);
        assert_non_null(strstr(e.message, "20-b.conf"));
        assert_non_null(strstr(e.message, "65536"));
        assert_config_equal(&c, &before);

        /* negative control: exactly CONFIG_FILE_MAX is fine (comment lines of 4096 bytes) */
        for (size_t i = CONFIG_LINE_MAX; i < CONFIG_FILE_MAX; i += CONFIG_LINE_MAX + 1)
                big[i] = '\n';
        big[CONFIG_FILE_MAX] = 0;
        write_file(d, "kdump-settle.conf.d/20-b.conf", big);
        assert_int_equal(config_load(&c, main_path, &e), 0);
        assert_int_equal(c.quiet, USEC_PER_SEC);
        assert_int_equal(c.max_wait, USEC_PER_MINUTE);
        free(big);

        /* the main file must be a regular file */
        config_done(&c);
        config_init(&c);
        assert_int_equal(unlink(main_path), 0);
        make_dir(d, "kdump-settle.conf");
        assert_int_equal(config_load(&c, main_path, &e), -EINVAL);
        assert_non_null(strstr(e.message, "kdump-settle.conf: not a regular file"));

        /* the null device means "no configuration": defaults, no error; another character
         * device is still refused */
        config_done(&c);
        config_init(&c);
        assert_int_equal(config_load(&c, "/dev/null", &e), 0);
        assert_int_equal(c.quiet, CONFIG_QUIET_DEFAULT);
        assert_int_equal(config_load(&c, "/dev/zero", &e), -EINVAL);
        assert_non_null(strstr(e.message, "/dev/zero: not a regular file"));

        /* a relative path is refused rather than read below "/" */
        assert_int_equal(config_load(&c, "etc/kdump-settle.conf", &e), -EINVAL);
        assert_non_null(strstr(e.message, "etc/kdump-settle.conf"));

        config_done(&c);
        config_done(&before);
        free(main_path);
        tmpdir_free(d);
}

static void test_load_unreadable_dir(void **state) {
        char *d = tmpdir_new(), *main_path;
        Config c;
        Error e = {};

        /* "<main>.d" exists but is not a directory: reported, not ignored */
        assert_true(asprintf(&main_path, "%s/kdump-settle.conf", d) > 0);
        write_file(d, "kdump-settle.conf.d", "[Settle]\n");
        config_init(&c);
        assert_int_equal(config_load(&c, main_path, &e), -ENOTDIR);
        assert_non_null(strstr(e.message, "kdump-settle.conf.d"));
        config_done(&c);
        free(main_path);
        tmpdir_free(d);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_defaults),
                cmocka_unit_test(test_uevent_source_strings),
                cmocka_unit_test(test_every_key_good),
                cmocka_unit_test(test_timespan_bounds),
                cmocka_unit_test(test_every_key_bad),
                cmocka_unit_test(test_set_null_error),
                cmocka_unit_test(test_comments_blank_crlf),
                cmocka_unit_test(test_value_with_equals),
                cmocka_unit_test(test_empty_text),
                cmocka_unit_test(test_reset_by_empty_value),
                cmocka_unit_test(test_later_assignment_wins),
                cmocka_unit_test(test_error_names_file_line_key),
                cmocka_unit_test(test_error_cases),
                cmocka_unit_test(test_nul_byte),
                cmocka_unit_test(test_long_line),
                cmocka_unit_test(test_reload_command),
                cmocka_unit_test(test_atomic_on_error),
                cmocka_unit_test(test_load_drop_in_order),
                cmocka_unit_test(test_load_missing),
                cmocka_unit_test(test_load_errors),
                cmocka_unit_test(test_load_unreadable_dir),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
