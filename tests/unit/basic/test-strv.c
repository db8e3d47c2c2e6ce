/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "strv.h"

static void assert_split(const char *s, const char *const *expect) {
        _cleanup_strv_free_ char **l = NULL;
        size_t n = 0;
        int r;

        while (expect[n])
                n++;

        r = strv_split_whitespace(s, &l);
        if (r < 0 || strv_length(l) != n)
                print_message("# case '%s'\n", s);
        assert_int_equal(r, 0);
        assert_non_null(l);
        assert_int_equal(strv_length(l), n);
        for (size_t i = 0; i < n; i++)
                assert_string_equal(l[i], expect[i]);
        assert_null(l[n]);
}

static void test_split(void **state) {
        assert_split("a", (const char *[]) { "a", NULL });
        assert_split("/usr/sbin/kdump-config reload", (const char *[]) { "/usr/sbin/kdump-config", "reload", NULL });
        assert_split("a   b    c", (const char *[]) { "a", "b", "c", NULL });
        assert_split("a\tb\t\tc", (const char *[]) { "a", "b", "c", NULL });
        assert_split("a \t\n b", (const char *[]) { "a", "b", NULL });
        assert_split("   lead", (const char *[]) { "lead", NULL });
        assert_split("trail \t\n", (const char *[]) { "trail", NULL });
        assert_split(" \t both \t ", (const char *[]) { "both", NULL });
        assert_split("x\r\ny", (const char *[]) { "x", "y", NULL });
        /* no quoting and no shell: quotes and '=' are ordinary characters */
        assert_split("sh -c 'a b'", (const char *[]) { "sh", "-c", "'a", "b'", NULL });
        assert_split("console=hvc0 irqpoll", (const char *[]) { "console=hvc0", "irqpoll", NULL });
}

static void test_split_many_words(void **state) {
        /* the most words a string of its length can hold, with and without a trailing blank */
        assert_split("a b c d e", (const char *[]) { "a", "b", "c", "d", "e", NULL });
        assert_split("a b c d e ", (const char *[]) { "a", "b", "c", "d", "e", NULL });
        assert_split(" a b c d e", (const char *[]) { "a", "b", "c", "d", "e", NULL });
        assert_split("a b", (const char *[]) { "a", "b", NULL });
}

static void test_split_long(void **state) {
        _cleanup_strv_free_ char **l = NULL;
        char *s = malloc(20001);

        assert_non_null(s);
        /* 10000 one-letter words */
        for (size_t i = 0; i < 20000; i += 2) {
                s[i] = (char) ('a' + (i / 2) % 26);
                s[i + 1] = ' ';
        }
        s[20000] = 0;
        assert_int_equal(strv_split_whitespace(s, &l), 0);
        assert_int_equal(strv_length(l), 10000);
        assert_string_equal(l[0], "a");
        assert_string_equal(l[9999], "p"); /* 9999 % 26 == 15 */
        free(s);
}

static void test_split_empty(void **state) {
        static const char *const cases[] = { "", " ", "   ", "\t", "\n", " \t\n\r " };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char **l = (char **) 0x1;

                assert_int_equal(strv_split_whitespace(cases[i], &l), -EINVAL);
                /* untouched on error */
                assert_ptr_equal(l, (char **) 0x1);
        }
}

static void test_length_free(void **state) {
        char **l = calloc(3, sizeof(char *));

        assert_int_equal(strv_length(NULL), 0);
        assert_non_null(l);
        assert_int_equal(strv_length(l), 0);
        l[0] = strdup("x");
        l[1] = strdup("y");
        assert_int_equal(strv_length(l), 2);
        strv_free(l);
        strv_free(NULL);
}

static void test_copy(void **state) {
        _cleanup_strv_free_ char **l = NULL, **empty = NULL;

        assert_int_equal(strv_copy((const char *const[]) { "kexec", "-p", NULL, "ignored", NULL }, &l), 0);
        assert_int_equal(strv_length(l), 2);
        assert_string_equal(l[0], "kexec");
        assert_string_equal(l[1], "-p");
        assert_null(l[2]);

        assert_int_equal(strv_copy(NULL, &empty), 0);
        assert_non_null(empty);
        assert_null(empty[0]);
}

static void test_extend_push_join(void **state) {
        _cleanup_strv_free_ char **l = NULL;
        _cleanup_free_ char *joined = NULL, *none = NULL;
        char *owned = strdup("three");

        assert_non_null(owned);
        assert_int_equal(strv_extend(&l, "one"), 0);
        assert_int_equal(strv_extend(&l, "two"), 0);
        assert_int_equal(strv_push(&l, owned), 0);
        assert_int_equal(strv_length(l), 3);
        assert_ptr_equal(l[2], owned);

        joined = strv_join(l, " ");
        assert_string_equal(joined, "one two three");

        none = strv_join(NULL, ", ");
        assert_string_equal(none, "");
}

/* Longer than the 512-byte line the daemon once joined into, which cut it silently. */
static void test_join_long(void **state) {
        _cleanup_strv_free_ char **l = NULL;
        _cleanup_free_ char *joined = NULL;
        char word[100];

        memset(word, 'w', sizeof(word) - 1);
        word[sizeof(word) - 1] = 0;
        for (int i = 0; i < 20; i++)
                assert_int_equal(strv_extend(&l, word), 0);
        joined = strv_join(l, "--");
        assert_int_equal(strlen(joined), 20 * 99 + 19 * 2);
        assert_string_equal(joined + strlen(joined) - 101, "--" "wwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwww");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_split),
                cmocka_unit_test(test_split_many_words),
                cmocka_unit_test(test_split_long),
                cmocka_unit_test(test_split_empty),
                cmocka_unit_test(test_length_free),
                cmocka_unit_test(test_copy),
                cmocka_unit_test(test_extend_push_join),
                cmocka_unit_test(test_join_long),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
