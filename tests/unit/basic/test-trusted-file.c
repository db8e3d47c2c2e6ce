/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/basic/trusted-file.c: the owner and mode rule, and opening a file below a root through trusted
 * directories only, following no link, never blocking on a FIFO. The test's own user stands in for
 * root (the owner argument), as in the daemon's tests. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc-util.h"
#include "fake-root.h"
#include "harness.h"
#include "macro.h"
#include "trusted-file.h"

static void test_check(void **state) {
        const uid_t me = 1000;
        static const struct {
                uid_t uid;
                mode_t mode;
                bool dir;
                int expect;
                const char *message;
        } cases[] = {
                { 0, S_IFREG | 0644, false, 0, NULL },
                { 1000, S_IFREG | 0600, false, 0, NULL },
                { 0, S_IFDIR | 0755, true, 0, NULL },
                { 0, S_IFDIR | 01755, true, 0, NULL },
                /* Negative controls. */
                { 1001, S_IFREG | 0644, false, -EPERM, "owned by uid 1001" },
                { 0, S_IFREG | 0664, false, -EPERM, "writable by its group" },
                { 0, S_IFREG | 0646, false, -EPERM, "writable by others" },
                { 0, S_IFDIR | 01777, true, -EPERM, "writable by others (mode 1777)" },
                { 0, S_IFIFO | 0644, false, -EPERM, "not a regular file" },
                { 0, S_IFREG | 0755, true, -EPERM, "not a directory" },
                { 0, S_IFDIR | 0755, false, -EPERM, "not a regular file" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct stat st = { .st_uid = cases[i].uid, .st_mode = cases[i].mode };
                Error e = {};
                int r = trusted_file_check(&st, me, cases[i].dir, "X", &e);

                assert_int_equal(r, cases[i].expect);
                if (cases[i].message && !strstr(error_message(&e, r), cases[i].message))
                        fail_msg("case %zu: '%s' lacks '%s'", i, error_message(&e, r), cases[i].message);
        }
}

static int setup(void **state) {
        char *root;

        if (fake_root_create(&root) < 0)
                return -1;
        if (fake_root_write_file(root, "var/crash/kexec_cmd", "x\n", 2) < 0 ||
            fake_root_write_file(root, "etc/other", "y\n", 2) < 0)
                return -1;
        *state = root;
        return 0;
}

static int teardown(void **state) {
        (void) fake_root_remove(*state);
        free(*state);
        return 0;
}

static char *in_root(const char *root, const char *path) {
        return harness_path_in(root, path);
}

static void assert_open_fails(const char *root, const char *path, int expect, const char *needle) {
        Error e = {};
        int r = trusted_file_open(root, path, geteuid(), &e);

        if (r >= 0)
                close(r);
        if (r != expect || !strstr(error_message(&e, r), needle))
                fail_msg("%s: %d '%s', expected %d and '%s'", path, r, error_message(&e, r), expect, needle);
}

static void test_read(void **state) {
        const char *root = *state;
        _cleanup_free_ char *text = NULL;
        Error e = {};

        assert_int_equal(trusted_file_read(root, "/var/crash/kexec_cmd", geteuid(), 1024, &text, &e), 0);
        assert_string_equal(text, "x\n");

        assert_open_fails(root, "/var/crash/missing", -ENOENT, "var/crash/missing");
        assert_open_fails(root, "var/crash/kexec_cmd", -EINVAL, "not an absolute path");
        assert_open_fails(root, "/var/../etc/other", -EINVAL, "\"..\"");
}

static void test_untrusted(void **state) {
        static const struct {
                const char *path;   /* below the root ("": the root) */
                mode_t bad, good;
                const char *message;
        } cases[] = {
                /* The file, its directory, one above it, the root. */
                { "var/crash/kexec_cmd", 0620, 0600, "kexec_cmd is writable by its group" },
                { "var/crash", 01777, 0755, "var/crash is writable by others" },
                { "var", 0775, 0755, "/var is writable by its group" },
                { "", 0777, 0700, "is writable by others" },
        };
        const char *root = *state;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *path = in_root(root, cases[i].path);

                assert_int_equal(chmod(path, cases[i].bad), 0);
                assert_open_fails(root, "/var/crash/kexec_cmd", -EPERM, cases[i].message);
                assert_int_equal(chmod(path, cases[i].good), 0);
        }
}

static void test_links_and_fifos(void **state) {
        const char *root = *state;
        _cleanup_free_ char *file = in_root(root, "var/crash/kexec_cmd"), *dir = in_root(root, "var/crash");
        _cleanup_free_ char *moved = in_root(root, "var/real");

        /* A link to a trusted file is still a link: whoever could plant it chose its target. */
        assert_int_equal(unlink(file), 0);
        assert_int_equal(symlink("../../etc/other", file), 0);
        assert_open_fails(root, "/var/crash/kexec_cmd", -ELOOP, "kexec_cmd is a symbolic link");
        assert_int_equal(unlink(file), 0);

        /* A FIFO: refused at once, not waited on for a writer. */
        assert_int_equal(mkfifo(file, 0600), 0);
        assert_open_fails(root, "/var/crash/kexec_cmd", -EPERM, "not a regular file");
        assert_int_equal(unlink(file), 0);

        /* A directory on the way that is a link. */
        assert_int_equal(rename(dir, moved), 0);
        assert_int_equal(symlink("real", dir), 0);
        assert_open_fails(root, "/var/crash/kexec_cmd", -ELOOP, "var/crash is a symbolic link");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_check),
                cmocka_unit_test_setup_teardown(test_read, setup, teardown),
                cmocka_unit_test_setup_teardown(test_untrusted, setup, teardown),
                cmocka_unit_test_setup_teardown(test_links_and_fifos, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
