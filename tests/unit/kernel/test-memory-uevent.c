/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "memory-uevent.h"

static void test_valid(void **state) {
        static const struct {
                const char *action;
                MemoryAction expected;
        } cases[] = {
                { "add", MEMORY_ACTION_ADD },
                { "remove", MEMORY_ACTION_REMOVE },
                { "online", MEMORY_ACTION_ONLINE },
                { "offline", MEMORY_ACTION_OFFLINE },
                { "change", MEMORY_ACTION_CHANGE },
                { "bind", MEMORY_ACTION_CHANGE },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                MemoryUevent u = {};
                Error e = {};

                assert_int_equal(memory_uevent_parse(cases[i].action, "memory",
                                                     "/devices/system/memory/memory11", &u, &e), 0);
                assert_int_equal(u.action, cases[i].expected);
                assert_int_equal(u.block, 11);
        }
}

static void test_block_zero_and_large(void **state) {
        MemoryUevent u = {};

        assert_int_equal(memory_uevent_parse("add", "memory", "/devices/system/memory/memory0", &u, NULL), 0);
        assert_int_equal(u.block, 0);
        assert_int_equal(memory_uevent_parse("remove", "memory", "/devices/system/memory/memory262143", &u, NULL), 0);
        assert_int_equal(u.block, 262143);
}

static void expect_bad(const char *action, const char *subsystem, const char *devpath, const char *needle) {
        MemoryUevent u = { .action = MEMORY_ACTION_ADD, .block = 77 };
        Error e = {};

        assert_int_equal(memory_uevent_parse(action, subsystem, devpath, &u, &e), -EBADMSG);
        assert_non_null(strstr(e.message, needle));
        /* Nothing is written on failure. */
        assert_int_equal(u.block, 77);
}

static void test_invalid(void **state) {
        expect_bad(NULL, "memory", "/devices/system/memory/memory1", "ACTION");
        expect_bad("explode", "memory", "/devices/system/memory/memory1", "ACTION=explode");
        expect_bad("add", NULL, "/devices/system/memory/memory1", "SUBSYSTEM");
        expect_bad("add", "cpu", "/devices/system/memory/memory1", "SUBSYSTEM=cpu");
        expect_bad("add", "memory", NULL, "DEVPATH");
        expect_bad("add", "memory", "/devices/system/cpu/cpu1", "DEVPATH=");
        expect_bad("add", "memory", "/devices/system/memory/memory", "DEVPATH=");
        expect_bad("add", "memory", "/devices/system/memory/memory-1", "DEVPATH=");
        expect_bad("add", "memory", "/devices/system/memory/memory01", "DEVPATH=");
        expect_bad("add", "memory", "/devices/system/memory/memory1/", "DEVPATH=");
        expect_bad("add", "memory", "/devices/system/memory/memory99999999999999999999", "DEVPATH=");
        expect_bad("add", "memory", "/devices/system/memory/probe", "DEVPATH=");
}

static void test_message_is_printable(void **state) {
        Error e = {};

        assert_int_equal(memory_uevent_parse("a\x01\x7f\n", "memory", "/devices/system/memory/memory1", NULL, &e),
                         -EBADMSG);
        for (const char *p = e.message; *p; p++)
                assert_true(*p >= 0x20 && *p < 0x7f);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_valid),
                cmocka_unit_test(test_block_zero_and_large),
                cmocka_unit_test(test_invalid),
                cmocka_unit_test(test_message_is_printable),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
