/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "cpu-set.h"
#include "cpu-uevent.h"
#include "macro.h"

static void test_valid(void **state) {
        static const struct {
                const char *action;
                CpuAction expected;
                bool changes;
        } cases[] = {
                { "add", CPU_ACTION_ADD, true },
                { "remove", CPU_ACTION_REMOVE, true },
                { "online", CPU_ACTION_ONLINE, true },
                { "offline", CPU_ACTION_OFFLINE, true },
                { "change", CPU_ACTION_CHANGE, false },
                { "bind", CPU_ACTION_CHANGE, false },
                { "unbind", CPU_ACTION_CHANGE, false },
                { "move", CPU_ACTION_CHANGE, false },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                CpuUevent u = {};
                Error e = {};

                assert_int_equal(cpu_uevent_parse(cases[i].action, "cpu", "/devices/system/cpu/cpu2", &u, &e), 0);
                assert_int_equal(u.action, cases[i].expected);
                assert_int_equal(u.cpu, 2);
                assert_int_equal(cpu_action_changes_set(u.action), cases[i].changes);
        }
        assert_string_equal(cpu_action_to_string(CPU_ACTION_ONLINE), "online");
        assert_null(cpu_action_to_string(_CPU_ACTION_MAX));
}

static void test_cpu_numbers(void **state) {
        CpuUevent u = {};

        assert_int_equal(cpu_uevent_parse("online", "cpu", "/devices/system/cpu/cpu0", &u, NULL), 0);
        assert_int_equal(u.cpu, 0);
        assert_int_equal(cpu_uevent_parse("offline", "cpu", "/devices/system/cpu/cpu16383", &u, NULL), 0);
        assert_int_equal(u.cpu, CPU_SET_MAX_CPUS - 1);
}

static void expect_bad(const char *action, const char *subsystem, const char *devpath, const char *needle) {
        CpuUevent u = { .action = CPU_ACTION_ADD, .cpu = 77 };
        Error e = {};

        assert_int_equal(cpu_uevent_parse(action, subsystem, devpath, &u, &e), -EBADMSG);
        if (!strstr(e.message, needle))
                fail_msg("%s %s %s: message lacks \"%s\": %s", action, subsystem, devpath, needle, e.message);
        /* Nothing is written on failure. */
        assert_int_equal(u.cpu, 77);
}

static void test_invalid(void **state) {
        expect_bad(NULL, "cpu", "/devices/system/cpu/cpu1", "without ACTION");
        expect_bad("explode", "cpu", "/devices/system/cpu/cpu1", "ACTION=explode");
        expect_bad("Online", "cpu", "/devices/system/cpu/cpu1", "ACTION=Online");
        expect_bad("online", NULL, "/devices/system/cpu/cpu1", "without SUBSYSTEM");
        expect_bad("online", "memory", "/devices/system/cpu/cpu1", "SUBSYSTEM=memory");
        expect_bad("online", "cpu", NULL, "without DEVPATH");
        expect_bad("online", "cpu", "/devices/system/memory/memory1", "DEVPATH=");
        expect_bad("online", "cpu", "/devices/system/cpu/cpu", "DEVPATH=");
        expect_bad("online", "cpu", "/devices/system/cpu/cpu-1", "DEVPATH=");
        expect_bad("online", "cpu", "/devices/system/cpu/cpu01", "DEVPATH=");
        expect_bad("online", "cpu", "/devices/system/cpu/cpu1/", "DEVPATH=");
        expect_bad("online", "cpu", "/devices/system/cpu/cpu16384", "DEVPATH=");
        expect_bad("online", "cpu", "/devices/system/cpu/cpu99999999999999999999", "DEVPATH=");
        /* Not CPUs, though under the same directory. */
        expect_bad("change", "cpu", "/devices/system/cpu/cpufreq", "DEVPATH=");
        expect_bad("add", "cpu", "/devices/system/cpu/cpu2/cache/index0", "DEVPATH=");
        expect_bad("add", "cpu", "/devices/system/cpu/microcode", "DEVPATH=");
}

static void test_message_is_printable(void **state) {
        Error e = {};

        assert_int_equal(cpu_uevent_parse("online", "cpu", "/devices/system/cpu/cpu1\x01\xff\n", NULL, &e), -EBADMSG);
        for (const char *p = e.message; *p; p++)
                assert_true(*p >= 0x20 && *p < 0x7f);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_valid),
                cmocka_unit_test(test_cpu_numbers),
                cmocka_unit_test(test_invalid),
                cmocka_unit_test(test_message_is_printable),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
