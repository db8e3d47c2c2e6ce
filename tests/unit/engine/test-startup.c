/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "startup.h"

#define SET_A UINT64_C(0xa1a1a1a1)
#define SET_B UINT64_C(0xb2b2b2b2)
#define BOOT "0f3c1a52-5d4e-4b6c-9a0e-2d1b7c8e9f10"
#define OTHER_BOOT "11111111-2222-3333-4444-555555555555"

static const SettleVerdict consistent_a = { .valid = true, .consistent = true, .set_id = SET_A };

static StartupDecision decide(const LoadedState *saved, const char *boot_id, uint64_t boot_set, SettleVerdict v) {
        StartupFacts f = { .saved = saved, .boot_id = boot_id, .boot_set_id = boot_set };

        return startup_decide(&f, &v);
}

/* Issue 11.1: a DLPAR nobody saw (the DT left the boot's set, no state of this boot): a reload;
 * the negative control: nobody changed it since boot, no reload. */
static void test_first_start(void **state) {
        StartupDecision d;

        d = decide(NULL, BOOT, SET_B, consistent_a);
        assert_int_equal(d.basis, STARTUP_CHANGED);
        assert_int_equal(d.loaded_id, SET_ID_UNKNOWN);
        assert_false(d.owed);

        d = decide(NULL, BOOT, SET_A, consistent_a);
        assert_int_equal(d.basis, STARTUP_AS_BOOTED);
        assert_int_equal(d.loaded_id, SET_A);

        /* The boot's DT cannot be read, or the DT now cannot: not known, so reload. */
        d = decide(NULL, BOOT, SET_ID_UNKNOWN, consistent_a);
        assert_int_equal(d.basis, STARTUP_UNKNOWN);
        assert_int_equal(d.loaded_id, SET_ID_UNKNOWN);
        d = decide(NULL, BOOT, SET_A, (SettleVerdict) {});
        assert_int_equal(d.basis, STARTUP_UNKNOWN);
}

/* A state file counts only in the boot it was written in. */
static void test_saved(void **state) {
        LoadedState saved = { .loaded_id = SET_B, .owed = true, .boot_id = BOOT };
        StartupDecision d;

        d = decide(&saved, BOOT, SET_A, consistent_a);
        assert_int_equal(d.basis, STARTUP_SAVED);
        assert_int_equal(d.loaded_id, SET_B);
        assert_true(d.owed);

        /* Of another boot, of no known boot, or this boot unknown: as if there were none. */
        d = decide(&saved, OTHER_BOOT, SET_A, consistent_a);
        assert_int_equal(d.basis, STARTUP_AS_BOOTED);
        assert_false(d.owed);
        d = decide(&saved, "", SET_A, consistent_a);
        assert_int_equal(d.basis, STARTUP_AS_BOOTED);
        saved.boot_id[0] = 0;
        d = decide(&saved, BOOT, SET_B, consistent_a);
        assert_int_equal(d.basis, STARTUP_CHANGED);
        assert_false(startup_saved_this_boot(&saved, ""));
}

static void test_strings(void **state) {
        for (int b = 0; b < _STARTUP_BASIS_MAX; b++)
                assert_non_null(startup_basis_to_string(b));
        assert_null(startup_basis_to_string(_STARTUP_BASIS_MAX));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_first_start),
                cmocka_unit_test(test_saved),
                cmocka_unit_test(test_strings),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
