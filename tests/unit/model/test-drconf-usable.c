/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "alloc-util.h"
#include "drconf-usable.h"
#include "dt-blob.h"
#include "papr-drmem.h"

#define LMB (256ULL << 20)

/* Torture round 26 as the guest's DT had it (tests/e2e/notes/round26.md): QEMU's boot RAM
 * (reserved), the two LMBs drmgr removed from the boot DIMM, the two it kept, dimm10 removed,
 * dimm11, the empty slots. */
static const TestLmbSet round26[] = {
        { 8, 0, DRCONF_MEM_RESERVED | DRCONF_MEM_DRC_INVALID },
        { 2, 8 * LMB, DRCONF_MEM_HOTREMOVABLE },
        { 2, 10 * LMB, DRCONF_MEM_ASSIGNED | DRCONF_MEM_HOTREMOVABLE },
        { 1, 12 * LMB, 0 },
        { 1, 13 * LMB, DRCONF_MEM_ASSIGNED },
        { 50, 14 * LMB, 0 },
};

/* The hazard itself, as a detector over a v2 property: kexec-tools writes counter k for the k-th
 * LMB of the property, the kernel reads its j-th counter for its j-th present LMB. Returns how
 * many present LMBs take a counter written for another LMB. */
static unsigned misplaced_counters(const void *data) {
        const uint8_t *p = data;
        uint64_t written = 0, read = 0;
        unsigned bad = 0;

        for (uint32_t i = 0; i < dt_cell32(p); i++) {
                const uint8_t *entry = p + DRMEM_ENTRY_OFFSET(i);
                uint32_t flags = dt_cell32(entry + DRMEM_V2_FLAGS_OFFSET);

                for (uint32_t j = 0; j < dt_cell32(entry + DRMEM_V2_N_LMBS_OFFSET); j++, written++)
                        if (lmb_flags_present(flags) && read++ != written)
                                bad++;
        }
        return bad;
}

/* The correction of a v2 property built from sets (into b). */
static int correct_v2(const TestLmbSet *sets, size_t n, Blob *b, void **out, size_t *size) {
        Error e = {};

        dt_blob_v2(b, sets, n);
        return drconf_usable_present_only(DT_FORMAT_V2, b->data, b->size, LMB, out, size, &e);
}

static void test_round26_detector(void **state) {
        Blob b = {};

        (void) state;
        /* The negative control: round 26's property as it is shifts all three present LMBs. */
        dt_blob_v2(&b, round26, ELEMENTSOF(round26));
        assert_int_equal(misplaced_counters(b.data), 3);
        blob_done(&b);
}

static void test_round26_v2(void **state) {
        _cleanup_free_ void *out = NULL;
        size_t size;
        Blob b = {};
        const uint8_t *p;

        (void) state;
        assert_int_equal(correct_v2(round26, ELEMENTSOF(round26), &b, &out, &size), 8 + 2 + 1 + 50);
        assert_int_equal(size, DRMEM_ENTRY_OFFSET(2));
        p = out;
        assert_int_equal(dt_cell32(p), 2);
        /* The kept sets byte for byte, DRC indexes and associativity included. */
        assert_memory_equal(p + DRMEM_ENTRY_OFFSET(0), b.data + DRMEM_ENTRY_OFFSET(2), DRMEM_ENTRY_SIZE);
        assert_memory_equal(p + DRMEM_ENTRY_OFFSET(1), b.data + DRMEM_ENTRY_OFFSET(4), DRMEM_ENTRY_SIZE);
        assert_int_equal(misplaced_counters(out), 0);
        blob_done(&b);
}

static void test_v1_holes(void **state) {
        const TestLmb lmbs[] = {
                { 0, DRCONF_MEM_ASSIGNED },
                { LMB, 0 },
                { 2 * LMB, DRCONF_MEM_ASSIGNED | DRCONF_MEM_RESERVED },
                { 3 * LMB, DRCONF_MEM_ASSIGNED | DRCONF_MEM_HOTREMOVABLE },
        };
        _cleanup_free_ void *out = NULL;
        size_t size;
        Blob b = {};
        Error e = {};

        (void) state;
        dt_blob_v1(&b, lmbs, ELEMENTSOF(lmbs));
        assert_int_equal(drconf_usable_present_only(DT_FORMAT_V1, b.data, b.size, LMB, &out, &size, &e), 2);
        assert_int_equal(size, DRMEM_ENTRY_OFFSET(2));
        assert_int_equal(dt_cell32(out), 2);
        assert_memory_equal((uint8_t *) out + DRMEM_ENTRY_OFFSET(0), b.data + DRMEM_ENTRY_OFFSET(0), DRMEM_ENTRY_SIZE);
        assert_memory_equal((uint8_t *) out + DRMEM_ENTRY_OFFSET(1), b.data + DRMEM_ENTRY_OFFSET(3), DRMEM_ENTRY_SIZE);
        blob_done(&b);
}

static void test_already_safe(void **state) {
        const TestLmbSet sets[] = {
                { 4, 0, DRCONF_MEM_ASSIGNED },
                { 4, 4 * LMB, DRCONF_MEM_ASSIGNED | DRCONF_MEM_HOTREMOVABLE },
        };
        _cleanup_free_ void *out = NULL;
        size_t size;
        Blob b = {};

        (void) state;
        assert_int_equal(correct_v2(sets, ELEMENTSOF(sets), &b, &out, &size), 0);
        assert_int_equal(misplaced_counters(b.data), 0);
        assert_int_equal(size, b.size);
        assert_memory_equal(out, b.data, size);
        blob_done(&b);
}

static void test_nothing_present(void **state) {
        const TestLmbSet sets[] = { { 4, 0, 0 } };
        _cleanup_free_ void *out = NULL;
        size_t size;
        Blob b = {};

        (void) state;
        assert_int_equal(correct_v2(sets, ELEMENTSOF(sets), &b, &out, &size), 4);
        assert_int_equal(size, DRMEM_COUNT_SIZE);
        assert_int_equal(dt_cell32(out), 0);
        blob_done(&b);
}

static void test_malformed(void **state) {
        const TestLmbSet sets[] = { { 4, 0, DRCONF_MEM_ASSIGNED }, { 1, 4 * LMB, 0 } };
        void *out = (void *) 1;
        size_t size = 1;
        Blob b = {};
        Error e = {};

        (void) state;
        dt_blob_v2(&b, sets, ELEMENTSOF(sets));
        /* One byte short of the count's two entries. */
        assert_int_equal(drconf_usable_present_only(DT_FORMAT_V2, b.data, b.size - 1, LMB, &out, &size, &e), -EBADMSG);
        assert_null(out);
        assert_int_equal(size, 0);
        assert_non_null(strstr(e.message, DT_PROP_DYNAMIC_MEMORY_V2));
        blob_done(&b);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_round26_detector),
                cmocka_unit_test(test_round26_v2),
                cmocka_unit_test(test_v1_holes),
                cmocka_unit_test(test_already_safe),
                cmocka_unit_test(test_nothing_present),
                cmocka_unit_test(test_malformed),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
