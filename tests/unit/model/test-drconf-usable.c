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
#include "dt-memory.h"
#include "fake-root.h"
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

static void test_misplaced(void **state) {
        const TestLmbSet tail_holes[] = {
                { 4, 0, DRCONF_MEM_ASSIGNED },
                { 2, 4 * LMB, 0 },
                { 2, 6 * LMB, DRCONF_MEM_RESERVED | DRCONF_MEM_ASSIGNED },
        };
        const TestLmb v1[] = {
                { 0, DRCONF_MEM_ASSIGNED },
                { LMB, 0 },
                { 2 * LMB, DRCONF_MEM_ASSIGNED },
                { 3 * LMB, DRCONF_MEM_ASSIGNED | DRCONF_MEM_HOTREMOVABLE },
        };
        Blob b = {};

        (void) state;
        /* The library's rule against the test's own model of both readers. */
        dt_blob_v2(&b, round26, ELEMENTSOF(round26));
        assert_int_equal(drconf_usable_misplaced(DT_FORMAT_V2, b.data, b.size), misplaced_counters(b.data));
        assert_int_equal(drconf_usable_misplaced(DT_FORMAT_V2, b.data, b.size), 3);
        blob_done(&b);
        /* Negative control: holes only after the last present LMB misplace nothing. */
        dt_blob_v2(&b, tail_holes, ELEMENTSOF(tail_holes));
        assert_int_equal(misplaced_counters(b.data), 0);
        assert_int_equal(drconf_usable_misplaced(DT_FORMAT_V2, b.data, b.size), 0);
        blob_done(&b);
        dt_blob_v1(&b, v1, ELEMENTSOF(v1));
        assert_int_equal(drconf_usable_misplaced(DT_FORMAT_V1, b.data, b.size), 2);
        blob_done(&b);
}

/* The present LMBs of a validated property, one by one: what the capture kernel's
 * early_init_drmem_lmb() and numa_setup_drmem_lmb() see of each (base, DRC index, associativity
 * index, flags). */
static size_t present_lmbs(DtFormat format, const void *data, uint64_t out[][4], size_t max) {
        const uint8_t *p = data;
        size_t n = 0;

        for (uint32_t i = 0; i < dt_cell32(p); i++) {
                const uint8_t *entry = p + DRMEM_ENTRY_OFFSET(i);
                bool v2 = format == DT_FORMAT_V2;
                uint32_t flags = dt_cell32(entry + (v2 ? DRMEM_V2_FLAGS_OFFSET : DRMEM_V1_FLAGS_OFFSET));
                uint32_t count = v2 ? dt_cell32(entry + DRMEM_V2_N_LMBS_OFFSET) : 1;
                uint64_t base = dt_cell64(entry + (v2 ? DRMEM_V2_BASE_OFFSET : DRMEM_V1_BASE_OFFSET));
                uint32_t drc = dt_cell32(entry + (v2 ? DRMEM_V2_DRC_INDEX_OFFSET : DRMEM_V1_DRC_INDEX_OFFSET));
                uint32_t aa = dt_cell32(entry + (v2 ? DRMEM_V2_AA_INDEX_OFFSET : DRMEM_V1_AA_INDEX_OFFSET));

                if (!lmb_flags_present(flags))
                        continue;
                for (uint32_t j = 0; j < count; j++, n++) {
                        assert_true(n < max);
                        out[n][0] = base + j * LMB;
                        out[n][1] = drc + j;
                        out[n][2] = aa;
                        out[n][3] = flags;
                }
        }
        return n;
}

/* The copy describes exactly the memory the real tree does (the daemon's consistency rule reads
 * the real tree): random layouts, both formats. */
static void test_present_memory_kept(void **state) {
        static const uint32_t flag_choice[] = {
                0, DRCONF_MEM_ASSIGNED, DRCONF_MEM_ASSIGNED | DRCONF_MEM_HOTREMOVABLE,
                DRCONF_MEM_RESERVED, DRCONF_MEM_RESERVED | DRCONF_MEM_ASSIGNED | DRCONF_MEM_DRC_INVALID,
        };
        static uint64_t before[512][4], after[512][4];
        unsigned seed = 21;

        (void) state;
        for (unsigned round = 0; round < 400; round++) {
                _cleanup_(dt_memory_done) DtMemory m_in = {}, m_out = {};
                _cleanup_free_ void *out = NULL;
                DtFormat format = round % 2 ? DT_FORMAT_V1 : DT_FORMAT_V2;
                TestLmbSet sets[16];
                TestLmb lmbs[16];
                size_t n = 1 + rand_r(&seed) % 16, size, n_before, n_after;
                uint64_t base = 0;
                Blob b = {};
                Error e = {};
                int r;

                for (size_t i = 0; i < n; i++) {
                        uint32_t count = format == DT_FORMAT_V2 ? 1 + rand_r(&seed) % 8 : 1;
                        uint32_t flags = flag_choice[rand_r(&seed) % ELEMENTSOF(flag_choice)];

                        sets[i] = (TestLmbSet) { count, base, flags };
                        lmbs[i] = (TestLmb) { base, flags };
                        base += (count + rand_r(&seed) % 2) * LMB;
                }
                if (format == DT_FORMAT_V2)
                        dt_blob_v2(&b, sets, n);
                else
                        dt_blob_v1(&b, lmbs, n);

                assert_int_equal(format == DT_FORMAT_V2 ? dt_memory_parse_v2(b.data, b.size, LMB, &m_in, &e) :
                                                          dt_memory_parse_v1(b.data, b.size, LMB, &m_in, &e), 0);
                r = drconf_usable_present_only(format, b.data, b.size, LMB, &out, &size, &e);
                assert_int_equal(r, m_in.n_lmbs - m_in.n_present);
                assert_int_equal(format == DT_FORMAT_V2 ? dt_memory_parse_v2(out, size, LMB, &m_out, &e) :
                                                          dt_memory_parse_v1(out, size, LMB, &m_out, &e), 0);
                assert_int_equal(m_out.set_id, m_in.set_id);
                assert_int_equal(m_out.n_present, m_in.n_present);
                assert_int_equal(m_out.n_lmbs, m_out.n_present);
                assert_int_equal(drconf_usable_misplaced(format, out, size), 0);
                n_before = present_lmbs(format, b.data, before, ELEMENTSOF(before));
                n_after = present_lmbs(format, out, after, ELEMENTSOF(after));
                assert_int_equal(n_after, n_before);
                assert_memory_equal(after, before, n_before * sizeof(before[0]));
                blob_done(&b);
        }
}

static void test_correction_root(void **state) {
        const TestLmbSet safe[] = { { 4, 0, DRCONF_MEM_ASSIGNED }, { 4, 4 * LMB, 0 } };
        _cleanup_free_ void *out = NULL, *want = NULL;
        DtFormat format = 0;
        size_t size = 0, want_size;
        char *root = NULL;
        Blob b = {};
        Error e = {};

        (void) state;
        assert_int_equal(fake_root_create(&root), 0);
        /* Not a pseries LPAR with dynamic memory: nothing to correct. */
        assert_int_equal(drconf_usable_correction(root, &format, &out, &size, &e), 0);
        assert_null(out);

        dt_blob_v2(&b, round26, ELEMENTSOF(round26));
        assert_int_equal(fake_root_write_dt(root, LMB, DT_FORMAT_V2, &b), 0);
        assert_int_equal(drconf_usable_correction(root, &format, &out, &size, &e), 3);
        assert_int_equal(format, DT_FORMAT_V2);
        assert_int_equal(drconf_usable_present_only(DT_FORMAT_V2, b.data, b.size, LMB, &want, &want_size, &e), 61);
        assert_int_equal(size, want_size);
        assert_memory_equal(out, want, size);
        free(out);
        out = NULL;
        blob_done(&b);

        /* Negative control: present LMBs first, the counters line up, the tree stays as it is. */
        dt_blob_v2(&b, safe, ELEMENTSOF(safe));
        assert_int_equal(fake_root_write_dt(root, LMB, DT_FORMAT_V2, &b), 0);
        assert_int_equal(drconf_usable_correction(root, &format, &out, &size, &e), 0);
        assert_null(out);
        assert_int_equal(size, 0);
        blob_done(&b);

        /* Malformed: refused with the property named. */
        assert_int_equal(fake_root_write_file(root, DT_MEMORY_NODE "/" DT_PROP_DYNAMIC_MEMORY_V2, "\0\0\0\1", 4), 0);
        assert_int_equal(drconf_usable_correction(root, &format, &out, &size, &e), -EBADMSG);
        assert_non_null(strstr(e.message, DT_PROP_DYNAMIC_MEMORY_V2));
        assert_null(out);

        assert_int_equal(fake_root_remove(root), 0);
        free(root);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_round26_detector),
                cmocka_unit_test(test_round26_v2),
                cmocka_unit_test(test_v1_holes),
                cmocka_unit_test(test_already_safe),
                cmocka_unit_test(test_nothing_present),
                cmocka_unit_test(test_malformed),
                cmocka_unit_test(test_misplaced),
                cmocka_unit_test(test_present_memory_kept),
                cmocka_unit_test(test_correction_root),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
