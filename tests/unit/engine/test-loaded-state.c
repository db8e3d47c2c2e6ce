/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "alloc-util.h"
#include "fake-root.h"
#include "loaded-state.h"

static void test_parse(void **state) {
        static const char text[] = "loaded_set=00000000deadbeef\nowed=1\n";
        LoadedState s = {};

        assert_int_equal(loaded_state_parse(text, strlen(text), &s, NULL), 0);
        assert_int_equal(s.loaded_id, 0xdeadbeef);
        assert_true(s.owed);

        assert_int_equal(loaded_state_parse("owed=0\nloaded_set=ffffffffffffffff", 34, &s, NULL), 0);
        assert_int_equal(s.loaded_id, UINT64_MAX);
        assert_false(s.owed);
        assert_string_equal(s.boot_id, "");

        static const char with_boot[] = "loaded_set=1\nowed=0\nboot_id=0f3c1a52-5d4e-4b6c-9a0e-2d1b7c8e9f10\n";
        assert_int_equal(loaded_state_parse(with_boot, strlen(with_boot), &s, NULL), 0);
        assert_string_equal(s.boot_id, "0f3c1a52-5d4e-4b6c-9a0e-2d1b7c8e9f10");
}

static void test_boot_id_valid(void **state) {
        static const char id[] = "0f3c1a52-5d4e-4b6c-9a0e-2d1b7c8e9f10\n";

        assert_true(boot_id_valid(id, strlen(id)));
        assert_true(boot_id_valid(id, strlen(id) - 1));
        assert_false(boot_id_valid(id, strlen(id) - 2));
        assert_false(boot_id_valid("0F3C1A52-5D4E-4B6C-9A0E-2D1B7C8E9F10", 36));
        assert_false(boot_id_valid("0f3c1a52-5d4e-4b6c-9a0e-2d1b7c8e9f1\0", 36));
        assert_false(boot_id_valid("", 0));
}

static void expect_bad(const char *text, const char *needle) {
        LoadedState s = { .loaded_id = 7 };
        Error e = {};

        assert_int_equal(loaded_state_parse(text, strlen(text), &s, &e), -EBADMSG);
        assert_non_null(strstr(e.message, needle));
        assert_int_equal(s.loaded_id, 7);
}

static void test_parse_bad(void **state) {
        expect_bad("", "missing loaded_set=");
        expect_bad("loaded_set=1\n", "missing owed=");
        expect_bad("owed=1\n", "missing loaded_set=");
        expect_bad("loaded_set=xyz\nowed=1\n", "line 1");
        expect_bad("loaded_set=10000000000000000\nowed=1\n", "line 1");
        expect_bad("loaded_set=1\nowed=2\n", "line 2");
        expect_bad("loaded_set=1\nowed=1\nowed=0\n", "line 3");
        expect_bad("loaded_set=1\nowed=1\nextra=1\n", "line 3");
        expect_bad("loaded_set=ABC\nowed=1\n", "line 1");
        expect_bad("loaded_set=1\nowed=1\nboot_id=0f3c1a52\n", "line 3");
        expect_bad("loaded_set=1\nowed=1\nboot_id=0f3c1a52-5d4e-4b6c-9a0e-2d1b7c8e9f10\n"
                   "boot_id=0f3c1a52-5d4e-4b6c-9a0e-2d1b7c8e9f10\n", "line 4");
}

static void test_write_read(void **state) {
        _cleanup_free_ char *dir = NULL, *path = NULL;
        LoadedState in = { .loaded_id = 0x0123456789abcdefULL, .owed = true,
                           .boot_id = "0f3c1a52-5d4e-4b6c-9a0e-2d1b7c8e9f10" }, out = {};
        struct stat st1, st2;
        Error e = {};

        assert_int_equal(fake_root_create(&dir), 0);
        assert_int_equal(loaded_state_read(dir, &out, &e), -ENOENT);

        assert_int_equal(loaded_state_write(dir, &in, &e), 0);
        assert_int_equal(loaded_state_read(dir, &out, &e), 0);
        assert_int_equal(out.loaded_id, in.loaded_id);
        assert_true(out.owed);
        assert_string_equal(out.boot_id, in.boot_id);

        /* Atomic replacement: a new inode each time, and no temporary left behind. */
        assert_non_null(path = malloc(strlen(dir) + 32));
        sprintf(path, "%s/%s", dir, LOADED_STATE_FILE);
        assert_int_equal(stat(path, &st1), 0);
        in.owed = false;
        assert_int_equal(loaded_state_write(dir, &in, &e), 0);
        assert_int_equal(stat(path, &st2), 0);
        assert_int_not_equal(st1.st_ino, st2.st_ino);
        assert_int_equal(loaded_state_read(dir, &out, &e), 0);
        assert_false(out.owed);

        /* A damaged file is an error naming it, not a crash or a silent default. */
        assert_int_equal(fake_root_write_file(dir, LOADED_STATE_FILE, "garbage", 7), 0);
        assert_int_equal(loaded_state_read(dir, &out, &e), -EBADMSG);
        assert_non_null(strstr(e.message, LOADED_STATE_FILE));

        assert_int_equal(fake_root_remove(dir), 0);
        assert_int_equal(loaded_state_write(dir, &in, &e), -ENOENT);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse),
                cmocka_unit_test(test_parse_bad),
                cmocka_unit_test(test_boot_id_valid),
                cmocka_unit_test(test_write_read),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
