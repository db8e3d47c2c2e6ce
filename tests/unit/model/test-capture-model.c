/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "capture-memory.h"
#include "capture-model.h"
#include "dt-blob.h"
#include "dtb.h"
#include "fake-root.h"
#include "fileio.h"

#define LMB UINT64_C(0x10000000)  /* 256 MiB LMBs and memory blocks: one block per LMB */
#define N_LMBS 8

/* A fake root with the memory model in it. */
typedef struct Fixture {
        char *root;
        CaptureModel model;
        CaptureMemory *memory;
} Fixture;

/* The DT: N_LMBS LMBs from 0, the first n_present assigned. */
static void write_dt(const char *root, unsigned n_present) {
        TestLmbSet sets[2] = {
                { .n_lmbs = n_present, .base = 0, .flags = DRCONF_MEM_ASSIGNED },
                { .n_lmbs = N_LMBS - n_present, .base = n_present * LMB, .flags = 0 },
        };
        Blob b = {};

        dt_blob_v2(&b, sets, n_present == N_LMBS ? 1 : 2);
        assert_int_equal(fake_root_write_dt(root, LMB, DT_FORMAT_V2, &b), 0);
        blob_done(&b);
}

static void write_bytes(const char *root, const char *property, const void *data, size_t size) {
        char path[512];

        snprintf(path, sizeof(path), "%s/%s", DT_MEMORY_NODE, property);
        assert_int_equal(fake_root_write_file(root, path, data, size), 0);
}

static int setup(void **state) {
        Fixture *f = calloc(1, sizeof(*f));

        if (!f || fake_root_create(&f->root) < 0 || fake_root_set_block_size(f->root, LMB) < 0)
                return -1;
        for (unsigned i = 0; i < 4; i++)
                if (fake_root_add_block(f->root, i) < 0)
                        return -1;
        write_dt(f->root, 4);

        capture_model_init(&f->model, f->root);
        if (capture_memory_new(&f->memory) < 0 || capture_model_add(&f->model, &f->memory->base) < 0)
                return -1;
        *state = f;
        return 0;
}

static int teardown(void **state) {
        Fixture *f = *state;

        capture_model_done(&f->model);
        (void) fake_root_remove(f->root);
        free(f->root);
        free(f);
        return 0;
}

static SettleVerdict evaluate(Fixture *f, uint64_t *ret_generation) {
        SettleVerdict v;

        capture_model_evaluate(&f->model, &v, ret_generation);
        return v;
}

/* The notes of the last evaluation: exactly n, the first one a warning or not and containing text. */
static void expect_notes(const CaptureModel *m, size_t n, bool warning, const char *text) {
        if (m->notes.n_notes != n)
                fail_msg("%zu notes, expected %zu; first: \"%s\"", m->notes.n_notes, n,
                         m->notes.n_notes > 0 ? m->notes.notes[0].message : "");
        if (n == 0)
                return;
        assert_int_equal(m->notes.notes[0].warning, warning);
        if (!strstr(m->notes.notes[0].message, text))
                fail_msg("note \"%s\" lacks \"%s\"", m->notes.notes[0].message, text);
}

static uint64_t dt_set_id(const char *root) {
        DtMemory dt;
        uint64_t id;

        assert_int_equal(dt_memory_load(root, &dt, NULL), 0);
        id = dt.set_id;
        dt_memory_done(&dt);
        return id;
}

static uint64_t dt_generation(const char *root) {
        uint64_t g;

        assert_int_equal(dt_memory_generation(root, &g), 0);
        return g;
}

/* The first evaluation scans sysfs and reads the DT; one resource alone gives its own id and
 * generation, not a mix of them. */
static void test_memory_consistent(void **state) {
        Fixture *f = *state;
        SettleVerdict v;
        uint64_t g;

        v = evaluate(f, &g);
        assert_true(v.valid);
        assert_true(v.consistent);
        assert_int_equal(v.set_id, dt_set_id(f->root));
        assert_int_equal(g, dt_generation(f->root));
        assert_int_equal(capture_model_generation(&f->model), g);
        assert_int_equal(v.generation, g);      /* the engine's reload generation (issue 22.6) */
        assert_int_equal(f->memory->blocks.n_present, 4);
        expect_notes(&f->model, 0, false, NULL);
}

/* A hot-add seen in sysfs (by uevent) before the DT: they disagree, then agree once it is replaced. */
static void test_memory_hot_add(void **state) {
        Fixture *f = *state;
        MemoryUevent add = { .action = MEMORY_ACTION_ADD, .block = 4 };
        SettleVerdict v;
        uint64_t before, g;

        v = evaluate(f, &before);
        assert_true(v.consistent);

        assert_int_equal(fake_root_add_block(f->root, 4), 0);
        assert_int_equal(capture_memory_uevent(f->memory, &add), 1);
        /* udevd passing it on again, or after a rescan that saw it: nothing new. */
        assert_int_equal(capture_memory_uevent(f->memory, &add), 0);
        v = evaluate(f, &g);
        assert_true(v.valid);
        assert_false(v.consistent);
        assert_int_equal(g, before);
        expect_notes(&f->model, 1, false, "disagrees with sysfs on 1 of 8 LMBs, first at 0x40000000 (in sysfs only)");

        write_dt(f->root, 5);
        v = evaluate(f, &g);
        assert_true(v.consistent);
        assert_int_equal(v.set_id, dt_set_id(f->root));
        assert_int_not_equal(g, before);
        assert_int_equal(g, dt_generation(f->root));
}

/* Lost events: sysfs changed behind the model's back. Seen after events_lost(), and by the scan
 * that confirms an agreement; and a new DT that disagrees with the set kept from uevents is
 * checked against a fresh scan (a uevent lost upstream), once per DT generation: a DT that has
 * not changed and still disagrees is not a reason to scan again. */
static void test_memory_events_lost(void **state) {
        Fixture *f = *state;
        SettleVerdict v;

        v = evaluate(f, NULL);
        assert_true(v.consistent);
        assert_int_equal(fake_root_remove_block(f->root, 3), 0);
        capture_model_events_lost(&f->model);
        v = evaluate(f, NULL);
        assert_false(v.consistent);  /* negative control: the rescan sees the removal */
        assert_int_equal(f->memory->blocks.n_present, 3);
        expect_notes(&f->model, 1, false, "disagrees with sysfs");

        /* memory3 comes back without its uevent, and the DT update says so: the fresh DT that
         * disagrees with the kept set is checked against a fresh scan, and agrees. */
        assert_int_equal(fake_root_add_block(f->root, 3), 0);
        write_dt(f->root, 4);
        v = evaluate(f, NULL);
        assert_true(v.consistent);
        assert_int_equal(f->memory->blocks.n_present, 4);
        expect_notes(&f->model, 1, false, "differed from what uevents said");

        /* The reproduction of issue 11.6: memory3 removed without its uevent, then a hot-add of
         * memory4..7 whose uevents arrive and whose DT update lands. */
        assert_int_equal(fake_root_remove_block(f->root, 3), 0);
        for (unsigned n = 4; n < N_LMBS; n++) {
                MemoryUevent add = { .action = MEMORY_ACTION_ADD, .block = n };

                assert_int_equal(fake_root_add_block(f->root, n), 0);
                assert_int_equal(capture_memory_uevent(f->memory, &add), 1);
        }
        {
                TestLmbSet sets[3] = {
                        { .n_lmbs = 3, .base = 0, .flags = DRCONF_MEM_ASSIGNED },
                        { .n_lmbs = 1, .base = 3 * LMB, .flags = 0 },
                        { .n_lmbs = 4, .base = 4 * LMB, .flags = DRCONF_MEM_ASSIGNED },
                };
                Blob b = {};

                dt_blob_v2(&b, sets, 3);
                assert_int_equal(fake_root_write_dt(f->root, LMB, DT_FORMAT_V2, &b), 0);
                blob_done(&b);
        }
        v = evaluate(f, NULL);
        assert_true(v.consistent);
        assert_int_equal(f->memory->blocks.n_present, 7);

        /* memory7 goes without its uevent while the DT stays: the agreement's scan sees it. */
        assert_int_equal(fake_root_remove_block(f->root, 7), 0);
        v = evaluate(f, NULL);
        assert_false(v.consistent);
        assert_int_equal(f->memory->blocks.n_present, 6);

        /* A DT that is really stale costs one scan, not one per evaluation: memory7 back in
         * sysfs, unseen, until the DT moves. */
        assert_int_equal(fake_root_add_block(f->root, 7), 0);
        v = evaluate(f, NULL);
        assert_false(v.consistent);
        assert_int_equal(f->memory->blocks.n_present, 6);
}

/* The udev source (run --udev scenario 3): two DIMMs added back to back, the second in sysfs
 * while udevd still holds its uevents. The first DT update agrees with the set kept from uevents
 * but not with the kernel: no "consistent" for a DT without the second DIMM. */
static void test_memory_uevents_behind(void **state) {
        Fixture *f = *state;
        MemoryUevent add4 = { .action = MEMORY_ACTION_ADD, .block = 4 };
        MemoryUevent add5 = { .action = MEMORY_ACTION_ADD, .block = 5 };
        SettleVerdict v;

        v = evaluate(f, NULL);
        assert_true(v.consistent);
        expect_notes(&f->model, 0, false, NULL);

        assert_int_equal(fake_root_add_block(f->root, 4), 0);
        assert_int_equal(capture_memory_uevent(f->memory, &add4), 1);
        write_dt(f->root, 5);
        assert_int_equal(fake_root_add_block(f->root, 5), 0);  /* its uevent still in udevd */
        v = evaluate(f, NULL);
        assert_true(v.valid);
        assert_false(v.consistent);
        assert_int_equal(f->memory->blocks.n_present, 6);
        expect_notes(&f->model, 2, false, "differed from what uevents said");
        if (!strstr(f->model.notes.notes[1].message, "first at 0x50000000 (in sysfs only)"))
                fail_msg("note \"%s\"", f->model.notes.notes[1].message);

        /* Its uevent comes late: no news. The second DT update agrees, confirmed by a scan that
         * finds nothing new: no note. */
        assert_int_equal(capture_memory_uevent(f->memory, &add5), 0);
        write_dt(f->root, 6);
        v = evaluate(f, NULL);
        assert_true(v.consistent);
        expect_notes(&f->model, 0, false, NULL);
}

/* The boot's flattened DT gives the set id a verdict gives for the same DT; a later DT another. */
static void test_memory_boot_set_id(void **state) {
        Fixture *f = *state;
        void *fdt = NULL;
        size_t size = 0;
        uint64_t id = 0;
        SettleVerdict v;

        assert_int_equal(dtb_from_memory_node(f->root, &fdt, &size, NULL), 0);
        v = evaluate(f, NULL);
        assert_int_equal(capture_model_boot_set_id(&f->model, fdt, size, &id, NULL), 0);
        assert_int_equal(id, v.set_id);

        write_dt(f->root, 5);
        v = evaluate(f, NULL);
        assert_int_not_equal(id, v.set_id);

        /* Untrusted bytes: an error, not a set. */
        assert_int_equal(capture_model_boot_set_id(&f->model, fdt, 16, &id, NULL) < 0, true);
        free(fdt);
}

/* capture_model_rescan() says whether anything changed. */
static void test_memory_rescan_changed(void **state) {
        Fixture *f = *state;
        bool changed = true;

        assert_int_equal(capture_model_rescan(&f->model, &changed, NULL), 0);
        assert_true(changed);  /* from nothing to four blocks */
        assert_int_equal(capture_model_rescan(&f->model, &changed, NULL), 0);
        assert_false(changed);
        assert_int_equal(fake_root_add_block(f->root, 6), 0);
        assert_int_equal(capture_model_rescan(&f->model, &changed, NULL), 0);
        assert_true(changed);
}

/* A bad DT is reported once per generation, as a warning naming the property; the verdict is
 * invalid until a good one comes. */
static void test_memory_bad_dt_once(void **state) {
        Fixture *f = *state;
        static const uint8_t garbage[12] = { 0x10 };
        SettleVerdict v;

        write_bytes(f->root, DT_PROP_DYNAMIC_MEMORY_V2, garbage, sizeof(garbage));
        v = evaluate(f, NULL);
        assert_false(v.valid);
        assert_false(v.consistent);
        assert_int_equal(v.set_id, SET_ID_UNKNOWN);
        expect_notes(&f->model, 1, true, "Cannot use the device tree memory description: ");
        assert_non_null(strstr(f->model.notes.notes[0].message, DT_PROP_DYNAMIC_MEMORY_V2));
        assert_int_equal(f->model.notes.notes[0].error, -EBADMSG);

        v = evaluate(f, NULL);
        assert_false(v.valid);
        expect_notes(&f->model, 0, false, NULL);

        write_dt(f->root, 4);
        v = evaluate(f, NULL);
        assert_true(v.consistent);
        expect_notes(&f->model, 0, false, NULL);
}

/* A property being replaced (absent, node there) is expected; a node gone is a warning. */
static void test_memory_dt_absent(void **state) {
        Fixture *f = *state;
        char *path = NULL;
        SettleVerdict v;

        v = evaluate(f, NULL);
        assert_true(v.consistent);

        assert_true(asprintf(&path, "%s/%s/%s", f->root, DT_MEMORY_NODE, DT_PROP_DYNAMIC_MEMORY_V2) > 0);
        assert_int_equal(unlink(path), 0);
        free(path);
        v = evaluate(f, NULL);
        assert_false(v.valid);
        expect_notes(&f->model, 1, false, "Device tree memory property absent (being replaced?)");

        assert_true(asprintf(&path, "%s/%s", f->root, DT_MEMORY_NODE) > 0);
        assert_int_equal(fake_root_remove(path), 0);
        free(path);
        v = evaluate(f, NULL);
        assert_false(v.valid);
        expect_notes(&f->model, 1, true, "Device tree node /" DT_MEMORY_NODE " vanished");

        write_dt(f->root, 4);
        v = evaluate(f, NULL);
        assert_true(v.consistent);
}

/* --- a second resource ------------------------------------------------------------------------ */

/* A resource whose every answer the test sets: the CPUs to come, as far as the model can tell. */
typedef struct FakeResource {
        CaptureResource base;
        uint64_t generation;
        bool bump_on_load;   /* the input is replaced while read, every time */
        int load_result;
        int rescan_result;
        int agree;           /* compare()'s answer */
        uint64_t staged_id, set_id;
        unsigned n_loads, n_rescans;
} FakeResource;

/* The one of the current test (cmocka runs them one at a time). */
static FakeResource *fake;

static int fake_generation(const CaptureResource *r, const char *root, uint64_t *ret) {
        const FakeResource *fr = (const FakeResource *) r;

        (void) root;
        *ret = fr->generation;
        return fr->generation == 0 ? -ENOENT : 0;
}

static int fake_load(CaptureResource *r, const char *root, Error *e) {
        FakeResource *fr = (FakeResource *) r;

        (void) root;
        fr->n_loads++;
        fr->staged_id = fr->generation * 1000;
        if (fr->bump_on_load)
                fr->generation++;
        if (fr->load_result < 0)
                return error_set(e, fr->load_result, "fake input broken");
        return 0;
}

static void fake_commit(CaptureResource *r, bool keep) {
        FakeResource *fr = (FakeResource *) r;

        if (keep)
                fr->set_id = fr->staged_id;
}

static void fake_load_failed(CaptureResource *r, const char *root, int error, const Error *e, CaptureNotes *notes) {
        (void) r;
        (void) root;
        (void) capture_note(notes, true, error, "fake: %s", error_message(e, error));
}

static int fake_rescan(CaptureResource *r, const char *root, bool *ret_changed, Error *e) {
        FakeResource *fr = (FakeResource *) r;

        (void) root;
        fr->n_rescans++;
        if (fr->rescan_result < 0)
                return error_set(e, fr->rescan_result, "fake sysfs broken");
        if (ret_changed)
                *ret_changed = false;
        return 0;
}

static int fake_compare(CaptureResource *r, CaptureNotes *notes) {
        FakeResource *fr = (FakeResource *) r;

        if (fr->agree <= 0)
                (void) capture_note(notes, fr->agree < 0, fr->agree, "fake disagrees");
        return fr->agree;
}

static uint64_t fake_set_id(const CaptureResource *r) {
        return ((const FakeResource *) r)->set_id;
}

static void fake_free(CaptureResource *r) {
        free(r);
}

static const CaptureResourceOps fake_ops = {
        .dt_input = "fake property",
        .kernel_set = "fake set",
        .generation = fake_generation,
        .load = fake_load,
        .commit = fake_commit,
        .load_failed = fake_load_failed,
        .rescan = fake_rescan,
        .compare = fake_compare,
        .set_id = fake_set_id,
        .free = fake_free,
};

static int setup_two(void **state) {
        Fixture *f;

        if (setup(state) < 0)
                return -1;
        f = *state;
        fake = calloc(1, sizeof(*fake));
        if (!fake)
                return -1;
        *fake = (FakeResource) { .base = { .ops = &fake_ops }, .generation = 7, .agree = 1 };
        return capture_model_add(&f->model, &fake->base);
}

/* Both resources make one verdict: consistent only when both agree, valid only when both are,
 * and a set id and generation that change with either. */
static void test_two_resources_one_verdict(void **state) {
        Fixture *f = *state;
        uint64_t memory_id = dt_set_id(f->root), id, g, g2;
        char words[64];
        SettleVerdict v;

        v = evaluate(f, &g);
        assert_true(v.valid);
        assert_true(v.consistent);
        assert_string_equal(capture_model_disagreeing(&f->model, words, sizeof(words)), "kernel");
        id = v.set_id;
        assert_int_not_equal(id, memory_id);
        assert_int_not_equal(id, SET_ID_UNKNOWN);
        assert_int_not_equal(g, dt_generation(f->root));
        assert_int_equal(capture_model_generation(&f->model), g);

        /* The second resource disagrees: no longer consistent, same sets. */
        fake->agree = 0;
        fake->generation = 8;
        v = evaluate(f, &g2);
        assert_true(v.valid);
        assert_false(v.consistent);
        assert_int_not_equal(g2, g);
        assert_int_not_equal(v.set_id, id);  /* the fake's set moved with its generation */
        expect_notes(&f->model, 1, false, "fake disagrees");
        /* Messages name the one that disagrees, not the memory. */
        assert_string_equal(capture_model_disagreeing(&f->model, words, sizeof(words)), "fake set");

        /* Back to the first input: the same id as the first time. */
        fake->agree = 1;
        fake->generation = 7;
        v = evaluate(f, NULL);
        assert_true(v.consistent);
        assert_int_equal(v.set_id, id);

        /* The memory disagrees: not consistent either. */
        assert_int_equal(fake_root_add_block(f->root, 4), 0);
        capture_model_events_lost(&f->model);
        v = evaluate(f, NULL);
        assert_true(v.valid);
        assert_false(v.consistent);
        assert_string_equal(capture_model_disagreeing(&f->model, words, sizeof(words)), "memory blocks");
        fake->agree = 0;
        fake->generation = 10;
        (void) evaluate(f, NULL);
        assert_string_equal(capture_model_disagreeing(&f->model, words, sizeof(words)), "memory blocks and fake set");
        fake->agree = 1;

        /* The second resource's input is unusable: no verdict at all. */
        fake->load_result = -EBADMSG;
        fake->generation = 9;
        v = evaluate(f, NULL);
        assert_false(v.valid);
        assert_int_equal(v.set_id, SET_ID_UNKNOWN);
}

/* An input is read only when its generation moves; one replaced on every read is given up after a
 * few attempts, keeping the last input it could read (and its generation). */
static void test_read_once_per_generation(void **state) {
        Fixture *f = *state;
        uint64_t g, g2;

        (void) evaluate(f, &g);
        assert_int_equal(fake->n_loads, 1);
        (void) evaluate(f, &g2);
        (void) evaluate(f, &g2);
        assert_int_equal(fake->n_loads, 1);
        assert_int_equal(g2, g);

        fake->bump_on_load = true;
        fake->generation = 20;
        (void) evaluate(f, &g2);
        assert_int_equal(fake->n_loads, 4);
        assert_int_equal(fake->base.generation, 7);
        assert_int_equal(g2, g);
        expect_notes(&f->model, 1, false, "The fake property keeps changing while read");

        fake->bump_on_load = false;
        (void) evaluate(f, &g2);
        assert_int_equal(fake->n_loads, 5);
        assert_int_equal(fake->base.generation, 23);
        assert_int_not_equal(g2, g);
}

/* A set that cannot be rescanned after lost events gives no verdict, and a warning each time. */
static void test_rescan_failure(void **state) {
        Fixture *f = *state;
        SettleVerdict v;

        v = evaluate(f, NULL);
        assert_true(v.consistent);

        fake->rescan_result = -EIO;
        capture_model_events_lost(&f->model);
        v = evaluate(f, NULL);
        assert_false(v.valid);
        expect_notes(&f->model, 1, true, "Cannot rescan fake set: fake sysfs broken");
        assert_int_equal(f->model.notes.notes[0].error, -EIO);
        v = evaluate(f, NULL);
        assert_false(v.valid);

        fake->rescan_result = 0;
        v = evaluate(f, NULL);
        assert_true(v.consistent);
        expect_notes(&f->model, 0, false, NULL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_memory_consistent, setup, teardown),
                cmocka_unit_test_setup_teardown(test_memory_hot_add, setup, teardown),
                cmocka_unit_test_setup_teardown(test_memory_events_lost, setup, teardown),
                cmocka_unit_test_setup_teardown(test_memory_uevents_behind, setup, teardown),
                cmocka_unit_test_setup_teardown(test_memory_rescan_changed, setup, teardown),
                cmocka_unit_test_setup_teardown(test_memory_boot_set_id, setup, teardown),
                cmocka_unit_test_setup_teardown(test_memory_bad_dt_once, setup, teardown),
                cmocka_unit_test_setup_teardown(test_memory_dt_absent, setup, teardown),
                cmocka_unit_test_setup_teardown(test_two_resources_one_verdict, setup_two, teardown),
                cmocka_unit_test_setup_teardown(test_read_once_per_generation, setup_two, teardown),
                cmocka_unit_test_setup_teardown(test_rescan_failure, setup_two, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
