/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "time-util.h"

static void test_parse_good(void **state) {
        static const struct {
                const char *s;
                usec_t expect;
        } cases[] = {
                { "50ms", 50 * USEC_PER_MSEC },
                { "1s", USEC_PER_SEC },
                { "120", 120 * USEC_PER_SEC },
                { "0", 0 },
                { "2h", 2 * USEC_PER_HOUR },
                { "2min", 2 * USEC_PER_MINUTE },
                { "2m", 2 * USEC_PER_MINUTE },
                { "7us", 7 },
                { "7usec", 7 },
                { "7msec", 7 * USEC_PER_MSEC },
                { "7sec", 7 * USEC_PER_SEC },
                { "1min 30s", 90 * USEC_PER_SEC },
                { "1min30s", 90 * USEC_PER_SEC },
                { "1min 30", 90 * USEC_PER_SEC }, /* a bare number is seconds, even after a unit */
                { "1h 1min 1s 1ms 1us", USEC_PER_HOUR + USEC_PER_MINUTE + USEC_PER_SEC + USEC_PER_MSEC + 1 },
                { "1s 1s", 2 * USEC_PER_SEC },
                { "  5s  ", 5 * USEC_PER_SEC },
                { "\t5ms\n", 5 * USEC_PER_MSEC },
                { "007ms", 7 * USEC_PER_MSEC },
                { "infinity", USEC_INFINITY },
                { "  infinity  ", USEC_INFINITY },
                /* the largest finite value */
                { "18446744073709551614us", USEC_INFINITY - 1 },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                usec_t t = 12345;

                int r = parse_timespan(cases[i].s, &t);

                if (r != 0 || t != cases[i].expect)
                        print_message("# case '%s'\n", cases[i].s);
                assert_int_equal(r, 0);
                assert_int_equal(t, cases[i].expect);
        }
}

static void test_parse_bad(void **state) {
        static const char *const cases[] = {
                "", "   ", "fast", "ms", "s", "5x", "5 x", "5mss", "5hours", "5minutes", "-5", "+5", "5.5s",
                ".5s", "5s!", "5s,3s", "infinityx", "infinity 5s", "Infinity", "5 ms", "0x10",
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                usec_t t = 12345;

                int r = parse_timespan(cases[i], &t);

                if (r != -EINVAL)
                        print_message("# case '%s'\n", cases[i]);
                assert_int_equal(r, -EINVAL);
                /* untouched on error */
                assert_int_equal(t, 12345);
        }

        assert_int_equal(parse_timespan(NULL, &(usec_t) { 0 }), -EINVAL);
        assert_int_equal(parse_timespan("5s", NULL), -EINVAL);
}

static void test_parse_overflow(void **state) {
        static const char *const cases[] = {
                "18446744073709551615us",      /* == USEC_INFINITY: not a finite span */
                "18446744073709551616",        /* does not fit in 64 bits at all */
                "99999999999999999999999999",
                "18446744073709551615",        /* seconds */
                "18446744073709552ms",
                "300000000000000min",
                "5124095576030432h",
                "18446744073709551614us 1us", /* the sum overflows */
                "18446744073709s 18446744073709s",
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                usec_t t = 12345;

                int r = parse_timespan(cases[i], &t);

                if (r != -ERANGE)
                        print_message("# case '%s'\n", cases[i]);
                assert_int_equal(r, -ERANGE);
                assert_int_equal(t, 12345);
        }

        /* negative controls just below the limits */
        usec_t t;
        assert_int_equal(parse_timespan("18446744073709551ms", &t), 0);
        assert_int_equal(t, 18446744073709551ULL * USEC_PER_MSEC);
        assert_int_equal(parse_timespan("5124095576h", &t), 0);
        assert_int_equal(t, 5124095576ULL * USEC_PER_HOUR);
}

static void test_format(void **state) {
        static const struct {
                usec_t t;
                const char *expect;
        } cases[] = {
                { 0, "0" },
                { 1, "1us" },
                { 999, "999us" },
                { 1500, "1500us" },
                { USEC_PER_MSEC, "1ms" },
                { 50 * USEC_PER_MSEC, "50ms" },
                { 999 * USEC_PER_MSEC, "999ms" },
                { USEC_PER_SEC, "1s" },
                { 30 * USEC_PER_SEC, "30s" },
                { 90 * USEC_PER_SEC, "90s" },
                { 1500 * USEC_PER_MSEC, "1.5s" },
                { 1250 * USEC_PER_MSEC, "1.25s" },
                { 1000500, "1.0005s" },
                { 1000001, "1.000001s" },
                { 61 * USEC_PER_SEC + 100 * USEC_PER_MSEC, "61.1s" },
                { USEC_PER_MINUTE, "1min" },
                { 2 * USEC_PER_MINUTE, "2min" },
                { 2 * USEC_PER_HOUR, "120min" },
                { USEC_INFINITY, "infinity" },
                { USEC_INFINITY - 1, "18446744073709.551614s" },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char buf[FORMAT_TIMESPAN_MAX];

                assert_ptr_equal(format_timespan(buf, sizeof(buf), cases[i].t), buf);
                assert_string_equal(buf, cases[i].expect);
        }
}

static void test_format_parse_roundtrip(void **state) {
        /* Whole milliseconds and below a second format to something parse_timespan reads back. */
        static const usec_t cases[] = {
                0, 1, 999, 1001, USEC_PER_MSEC, 5 * USEC_PER_MSEC, 7 * USEC_PER_SEC, 3 * USEC_PER_MINUTE,
                5 * USEC_PER_HOUR, USEC_INFINITY,
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char buf[FORMAT_TIMESPAN_MAX];
                usec_t t;

                assert_int_equal(parse_timespan(format_timespan(buf, sizeof(buf), cases[i]), &t), 0);
                assert_int_equal(t, cases[i]);
        }
}

static void test_format_truncates(void **state) {
        char buf[4];

        /* a short buffer is truncated, never overrun */
        assert_string_equal(format_timespan(buf, sizeof(buf), USEC_INFINITY), "inf");
        assert_string_equal(format_timespan(buf, sizeof(buf), 1500 * USEC_PER_MSEC), "1.5");
}

static void test_usec_add(void **state) {
        assert_int_equal(usec_add(1, 2), 3);
        assert_int_equal(usec_add(USEC_INFINITY - 1, 1), USEC_INFINITY);
        assert_int_equal(usec_add(USEC_INFINITY - 1, 2), USEC_INFINITY);
        assert_int_equal(usec_add(USEC_INFINITY, 0), USEC_INFINITY);
        assert_int_equal(usec_add(5, USEC_INFINITY), USEC_INFINITY);
        assert_int_equal(usec_add(USEC_INFINITY - 2, 1), USEC_INFINITY - 1);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_good),
                cmocka_unit_test(test_parse_bad),
                cmocka_unit_test(test_parse_overflow),
                cmocka_unit_test(test_format),
                cmocka_unit_test(test_format_parse_roundtrip),
                cmocka_unit_test(test_format_truncates),
                cmocka_unit_test(test_usec_add),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
