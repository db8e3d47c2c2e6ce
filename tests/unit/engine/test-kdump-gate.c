/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "kdump-gate.h"

static KdumpGate gate_of(const char *output) {
        UnitActiveState s;
        Error e = {};

        assert_int_equal(unit_active_state_parse(output, "kdump.service", &s, &e), 0);
        return kdump_gate_from_unit_state(s);
}

static void test_rule(void **state) {
        assert_int_equal(gate_of("active\n"), KDUMP_GATE_OPEN);
        assert_int_equal(gate_of("refreshing\n"), KDUMP_GATE_OPEN);
        /* Off: only these two. */
        assert_int_equal(gate_of("inactive\n"), KDUMP_GATE_CLOSED);
        assert_int_equal(gate_of("failed\n"), KDUMP_GATE_CLOSED);
        /* A restart or reload over the request: owed, retried. */
        assert_int_equal(gate_of("activating\n"), KDUMP_GATE_DEFER);
        assert_int_equal(gate_of("deactivating\n"), KDUMP_GATE_DEFER);
        assert_int_equal(gate_of("reloading\n"), KDUMP_GATE_DEFER);
        assert_int_equal(gate_of("maintenance"), KDUMP_GATE_DEFER);
        for (UnitActiveState s = 0; s < _UNIT_ACTIVE_STATE_MAX; s++)
                assert_true(kdump_gate_from_unit_state(s) >= 0);
        assert_int_equal(kdump_gate_from_unit_state(_UNIT_ACTIVE_STATE_INVALID), _KDUMP_GATE_INVALID);
}

static void test_parse_bad(void **state) {
        UnitActiveState s = UNIT_ACTIVE;
        Error e = {};

        /* Negative controls: not a state, two lines, a prefix, nothing. */
        assert_int_equal(unit_active_state_parse("unknown\n", "kdump.service", &s, &e), -EINVAL);
        assert_non_null(strstr(e.message, "kdump.service"));
        assert_non_null(strstr(e.message, "unknown"));
        assert_int_equal(unit_active_state_parse("active\nactive\n", "u", &s, &e), -EINVAL);
        assert_int_equal(unit_active_state_parse("act", "u", &s, &e), -EINVAL);
        assert_int_equal(unit_active_state_parse("active ", "u", &s, &e), -EINVAL);
        assert_int_equal(unit_active_state_parse("", "u", &s, &e), -EINVAL);
        assert_int_equal(unit_active_state_parse("activatingactivatingactivatingactivating\n", "u", &s, &e), -EINVAL);
        assert_int_equal(s, UNIT_ACTIVE);
}

static void test_strings(void **state) {
        for (KdumpGate g = 0; g < _KDUMP_GATE_MAX; g++)
                assert_int_equal(kdump_gate_from_string(kdump_gate_to_string(g)), g);
        assert_int_equal(kdump_gate_from_string("shut"), _KDUMP_GATE_INVALID);
        assert_null(kdump_gate_to_string(_KDUMP_GATE_MAX));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_rule),
                cmocka_unit_test(test_parse_bad),
                cmocka_unit_test(test_strings),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
