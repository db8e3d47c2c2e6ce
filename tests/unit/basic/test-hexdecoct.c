/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "hexdecoct.h"
#include "macro.h"

static void test_parse_hex_u64(void **state) {
        static const struct {
                const char *text;
                int r;
                uint64_t value;
        } cases[] = {
                { "0", 0, 0 },
                { "10000000", 0, 0x10000000 },
                { "deadBEEF", 0, 0xdeadbeef },  /* either case */
                { "ffffffffffffffff", 0, UINT64_MAX },
                { "0000000000000000001", 0, 1 },  /* leading zeros do not overflow */
                { "", -EINVAL, 0 },
                { "0x1", -EINVAL, 0 },
                { " 1", -EINVAL, 0 },
                { "1 ", -EINVAL, 0 },
                { "-1", -EINVAL, 0 },
                { "g", -EINVAL, 0 },
                { "10000000000000000", -ERANGE, 0 },  /* 2^64 */
                { "fffffffffffffffffg", -ERANGE, 0 },  /* the overflow comes first */
                { "fffffffffffffffgff", -EINVAL, 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                uint64_t v = 12345;
                int r = parse_hex_u64(cases[i].text, strlen(cases[i].text), &v);

                if (r != cases[i].r)
                        print_message("# case '%s': %d\n", cases[i].text, r);
                assert_int_equal(r, cases[i].r);
                assert_int_equal(v, r == 0 ? cases[i].value : 12345);
        }

        /* Only len bytes count. */
        uint64_t v;
        assert_int_equal(parse_hex_u64("12zz", 2, &v), 0);
        assert_int_equal(v, 0x12);
}

static void test_unhexchar(void **state) {
        assert_int_equal(unhexchar('0'), 0);
        assert_int_equal(unhexchar('9'), 9);
        assert_int_equal(unhexchar('a'), 10);
        assert_int_equal(unhexchar('F'), 15);
        assert_int_equal(unhexchar('g'), -EINVAL);
        assert_int_equal(unhexchar('/'), -EINVAL);
        assert_int_equal(unhexchar(':'), -EINVAL);
        assert_int_equal(unhexchar('@'), -EINVAL);
        assert_int_equal(unhexchar('`'), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_hex_u64),
                cmocka_unit_test(test_unhexchar),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
