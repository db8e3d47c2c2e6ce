/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "escape.h"
#include "macro.h"

static void test_quote(void **state) {
        static const struct {
                const char *text;
                const char *quoted;
        } cases[] = {
                { "", "" },
                { "memory17", "memory17" },
                { "a\nb", "a\\nb" },
                { "\x01\x7f\"\\", "\\x01\\x7f\\x22\\x5c" },
                { "\xff", "\\xff" },
                { "tab\there", "tab\\x09here" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char buf[TEXT_QUOTE_SIZE(16)];

                assert_string_equal(text_quote(cases[i].text, buf, sizeof(buf)), cases[i].quoted);
        }
}

static void test_quote_truncates(void **state) {
        char buf[TEXT_QUOTE_SIZE(8)], text[100];

        memset(text, 'z', sizeof(text) - 1);
        text[sizeof(text) - 1] = 0;
        assert_string_equal(text_quote(text, buf, sizeof(buf)), "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz...");
        assert_true(strlen(buf) < sizeof(buf));

        /* An escape is never cut in half. */
        memset(text, '\x01', sizeof(text) - 1);
        text_quote(text, buf, sizeof(buf));
        assert_string_equal(buf + strlen(buf) - 7, "\\x01...");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_quote),
                cmocka_unit_test(test_quote_truncates),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
