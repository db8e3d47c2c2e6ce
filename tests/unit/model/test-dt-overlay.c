/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dt-overlay.h"
#include "fake-root.h"
#include "memory-limit.h"

static void test_plan(void **state) {
        _cleanup_(dt_overlay_plan_done) DtOverlayPlan p = {};
        const DtFix *f;
        char *root = NULL, buf[64];
        Error e = {};

        assert_int_equal(fake_root_create(&root), 0);

        /* Nothing to correct: the reload runs over the real tree. */
        assert_int_equal(dt_overlay_plan(root, "ro", &p, &e), 0);
        assert_int_equal(p.n_fixes, 0);
        assert_string_equal(dt_overlay_plan_describe(&p, buf, sizeof(buf)), "");

        assert_int_equal(fake_root_write_memory_limit(root, (uint64_t) 2 << 30, NULL), 0);
        assert_int_equal(dt_overlay_plan(root, "ro quiet", &p, &e), 0);
        assert_int_equal(p.n_fixes, 1);
        f = dt_overlay_plan_find(&p, "/" DT_CHOSEN_NODE, DT_PROP_MEMORY_LIMIT);
        assert_non_null(f);
        assert_int_equal(f->action, DT_FIX_DROP);
        assert_string_equal(f->node, DT_CHOSEN_NODE);
        assert_string_equal(dt_overlay_plan_describe(&p, buf, sizeof(buf)), "memory-limit");
        assert_null(dt_overlay_plan_find(&p, DT_CHOSEN_NODE, "bootargs"));
        dt_overlay_plan_done(&p);

        /* Negative control: the administrator's mem= stays. */
        assert_int_equal(dt_overlay_plan(root, "ro mem=2G", &p, &e), 0);
        assert_int_equal(p.n_fixes, 0);

        /* A corrector that cannot read its input fails the plan, naming itself. */
        assert_int_equal(fake_root_write_file(root, DT_CHOSEN_NODE "/" DT_PROP_MEMORY_LIMIT, "x", 1), 0);
        assert_int_equal(dt_overlay_plan(root, "ro", &p, &e), -EBADMSG);
        assert_non_null(strstr(e.message, "memory-limit"));
        assert_int_equal(p.n_fixes, 0);

        assert_int_equal(fake_root_remove(root), 0);
        free(root);
}

static void test_add(void **state) {
        _cleanup_(dt_overlay_plan_done) DtOverlayPlan p = {};
        const DtFix *f;
        char buf[16];
        Error e = {};

        assert_int_equal(dt_overlay_plan_add(&p, "one", "a/b", "x", DT_FIX_SET, "\0\0\0\1", 4, &e), 0);
        assert_int_equal(dt_overlay_plan_add(&p, "one", "a/c", "y", DT_FIX_DROP, NULL, 0, &e), 0);
        assert_int_equal(dt_overlay_plan_add(&p, "two", "a/b", "z", DT_FIX_DROP, NULL, 0, &e), 0);
        f = dt_overlay_plan_find(&p, "a/b", "x");
        assert_non_null(f);
        assert_int_equal(f->size, 4);
        assert_memory_equal(f->value, "\0\0\0\1", 4);
        assert_string_equal(dt_overlay_plan_describe(&p, buf, sizeof(buf)), "one,two");
        /* Too small a buffer leaves out what does not fit, never a part of a name. */
        assert_string_equal(dt_overlay_plan_describe(&p, buf, 6), "one");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_plan),
                cmocka_unit_test(test_add),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
