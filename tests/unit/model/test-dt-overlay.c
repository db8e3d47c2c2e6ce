/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "alloc-util.h"
#include "drconf-usable.h"
#include "dt-blob.h"
#include "dt-memory.h"
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

#define LMB (256ULL << 20)

static void test_drconf_usable(void **state) {
        /* QEMU's boot RAM (reserved), an LMB drmgr removed, a hot-added DIMM: its counters misplaced. */
        const TestLmbSet holes[] = {
                { 8, 0, DRCONF_MEM_RESERVED | DRCONF_MEM_ASSIGNED },
                { 1, 8 * LMB, 0 },
                { 2, 9 * LMB, DRCONF_MEM_ASSIGNED | DRCONF_MEM_HOTREMOVABLE },
        };
        /* PowerVM before any removal: the present LMBs first. */
        const TestLmbSet safe[] = { { 8, 0, DRCONF_MEM_ASSIGNED }, { 8, 8 * LMB, 0 } };
        _cleanup_(dt_overlay_plan_done) DtOverlayPlan p = {};
        _cleanup_free_ void *want = NULL;
        const DtFix *f;
        char *root = NULL, buf[64];
        size_t want_size;
        Blob b = {};
        Error e = {};

        assert_int_equal(fake_root_create(&root), 0);
        dt_blob_v2(&b, holes, ELEMENTSOF(holes));
        assert_int_equal(fake_root_write_dt(root, LMB, DT_FORMAT_V2, &b), 0);
        assert_int_equal(dt_overlay_plan(root, "ro", &p, &e), 0);
        assert_int_equal(p.n_fixes, 1);
        f = dt_overlay_plan_find(&p, DT_MEMORY_NODE, DT_PROP_DYNAMIC_MEMORY_V2);
        assert_non_null(f);
        assert_int_equal(f->action, DT_FIX_SET);
        assert_int_equal(drconf_usable_present_only(DT_FORMAT_V2, b.data, b.size, LMB, &want, &want_size, &e), 9);
        assert_int_equal(f->size, want_size);
        assert_memory_equal(f->value, want, want_size);
        assert_string_equal(dt_overlay_plan_describe(&p, buf, sizeof(buf)), "drconf-usable");
        dt_overlay_plan_done(&p);

        /* With the memory limit: both, in the table's order. */
        assert_int_equal(fake_root_write_memory_limit(root, (uint64_t) 2 << 30, NULL), 0);
        assert_int_equal(dt_overlay_plan(root, "ro", &p, &e), 0);
        assert_int_equal(p.n_fixes, 2);
        assert_string_equal(dt_overlay_plan_describe(&p, buf, sizeof(buf)), "memory-limit,drconf-usable");
        dt_overlay_plan_done(&p);
        blob_done(&b);

        /* Negative control: counters that line up leave the memory node alone. */
        dt_blob_v2(&b, safe, ELEMENTSOF(safe));
        assert_int_equal(fake_root_write_dt(root, LMB, DT_FORMAT_V2, &b), 0);
        assert_int_equal(dt_overlay_plan(root, "ro mem=2G", &p, &e), 0);
        assert_int_equal(p.n_fixes, 0);
        blob_done(&b);

        /* A malformed property fails the plan, naming the corrector. */
        assert_int_equal(fake_root_write_file(root, DT_MEMORY_NODE "/" DT_PROP_DYNAMIC_MEMORY_V2, "\0\0\0\2", 4), 0);
        assert_int_equal(dt_overlay_plan(root, "ro mem=2G", &p, &e), -EBADMSG);
        assert_non_null(strstr(e.message, "drconf-usable"));
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
                cmocka_unit_test(test_drconf_usable),
                cmocka_unit_test(test_add),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
