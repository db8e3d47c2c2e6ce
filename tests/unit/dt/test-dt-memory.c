/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "alloc-util.h"
#include "dt-blob.h"
#include "dt-memory.h"
#include "macro.h"

#define LMB UINT64_C(0x10000000)  /* 256 MiB, the usual pseries LMB */

#define QEMU_BOOT_FLAGS (DRCONF_MEM_RESERVED | DRCONF_MEM_DRC_INVALID)

static void blob_donep(Blob *b) {
        blob_done(b);
}
#define _cleanup_blob_ _cleanup_(blob_donep)
#define _cleanup_dt_memory_ _cleanup_(dt_memory_done)

/* Malformed input: -EBADMSG, a message that starts with the property's name, gives a byte offset
 * and, when detail is given, says which check fired. */
static void assert_bad(int r, const Error *e, const char *property, const char *detail) {
        size_t l = strlen(property);

        assert_int_equal(r, -EBADMSG);
        if (strncmp(e->message, property, l) != 0 || e->message[l] != ':')
                fail_msg("message does not start with \"%s:\": %s", property, e->message);
        if (!strstr(e->message, "byte"))
                fail_msg("message names no byte offset: %s", e->message);
        if (detail && !strstr(e->message, detail))
                fail_msg("message lacks \"%s\": %s", detail, e->message);
}

static void assert_range(const LmbRange *r, uint64_t base, uint32_t n, uint32_t flags) {
        assert_int_equal(r->base, base);
        assert_int_equal(r->n_lmbs, n);
        assert_int_equal(r->flags, flags);
}

static void assert_same_memory(const DtMemory *a, const DtMemory *b) {
        assert_int_equal(a->lmb_size, b->lmb_size);
        assert_int_equal(a->n_ranges, b->n_ranges);
        for (size_t i = 0; i < a->n_ranges; i++)
                assert_range(&b->ranges[i], a->ranges[i].base, a->ranges[i].n_lmbs, a->ranges[i].flags);
        assert_int_equal(a->n_lmbs, b->n_lmbs);
        assert_int_equal(a->n_present, b->n_present);
        assert_int_equal(a->n_reserved, b->n_reserved);
        assert_int_equal(a->set_id, b->set_id);
}

static int parse_v1(const TestLmb *lmbs, size_t n, uint64_t lmb_size, DtMemory *ret, Error *e) {
        _cleanup_blob_ Blob b = {};

        dt_blob_v1(&b, lmbs, n);
        return dt_memory_parse_v1(b.data, b.size, lmb_size, ret, e);
}

static int parse_v2(const TestLmbSet *sets, size_t n, uint64_t lmb_size, DtMemory *ret, Error *e) {
        _cleanup_blob_ Blob b = {};

        dt_blob_v2(&b, sets, n);
        return dt_memory_parse_v2(b.data, b.size, lmb_size, ret, e);
}

static uint64_t set_id_v1(const TestLmb *lmbs, size_t n) {
        _cleanup_dt_memory_ DtMemory m = {};
        Error e = {};

        assert_int_equal(parse_v1(lmbs, n, LMB, &m, &e), 0);
        assert_int_not_equal(m.set_id, MEMORY_SET_ID_UNKNOWN);
        return m.set_id;
}

/* --- ibm,lmb-size ------------------------------------------------------------------------------ */

static void test_lmb_size_ok(void **state) {
        uint64_t sizes[] = { LMB, UINT64_C(1), UINT64_C(1) << 63 };

        for (size_t i = 0; i < ELEMENTSOF(sizes); i++) {
                _cleanup_blob_ Blob b = {};
                uint64_t v = 0;
                Error e = {};

                dt_blob_lmb_size(&b, sizes[i]);
                assert_int_equal(b.size, 8);
                assert_int_equal(dt_memory_parse_lmb_size(b.data, b.size, &v, &e), 0);
                assert_int_equal(v, sizes[i]);
        }
}

static void test_lmb_size_zero(void **state) {
        _cleanup_blob_ Blob b = {};
        uint64_t v = 42;
        Error e = {};

        dt_blob_lmb_size(&b, 0);
        assert_bad(dt_memory_parse_lmb_size(b.data, b.size, &v, &e), &e, DT_PROP_LMB_SIZE, "power of two");
        assert_int_equal(v, 42);
}

static void test_lmb_size_not_power_of_two(void **state) {
        uint64_t sizes[] = { UINT64_C(0x18000000), UINT64_C(3), UINT64_MAX };

        for (size_t i = 0; i < ELEMENTSOF(sizes); i++) {
                _cleanup_blob_ Blob b = {};
                uint64_t v;
                Error e = {};

                dt_blob_lmb_size(&b, sizes[i]);
                assert_bad(dt_memory_parse_lmb_size(b.data, b.size, &v, &e), &e, DT_PROP_LMB_SIZE,
                           "power of two");
        }
}

static void test_lmb_size_wrong_length(void **state) {
        _cleanup_blob_ Blob b = {};
        uint64_t v;
        Error e = {};

        /* One cell, three cells, nothing. */
        blob_put32(&b, 0x10000000);
        assert_bad(dt_memory_parse_lmb_size(b.data, b.size, &v, &e), &e, DT_PROP_LMB_SIZE, "expected exactly 8");
        blob_put64(&b, LMB);
        assert_int_equal(b.size, 12);
        assert_bad(dt_memory_parse_lmb_size(b.data, b.size, &v, &e), &e, DT_PROP_LMB_SIZE, "expected exactly 8");
        assert_bad(dt_memory_parse_lmb_size(b.data, 0, &v, &e), &e, DT_PROP_LMB_SIZE, "expected exactly 8");
}

/* --- happy paths ------------------------------------------------------------------------------- */

/* QEMU's layout: boot memory reserved|drc-invalid, then hot-plugged (assigned) LMBs, then empty
 * slots. */
static const TestLmbSet qemu_sets[] = {
        { .n_lmbs = 4, .base = 0,       .flags = QEMU_BOOT_FLAGS },
        { .n_lmbs = 4, .base = 4 * LMB, .flags = DRCONF_MEM_ASSIGNED },
        { .n_lmbs = 4, .base = 8 * LMB, .flags = 0 },
};

static size_t sets_to_lmbs(const TestLmbSet *sets, size_t n_sets, TestLmb *lmbs, size_t max) {
        size_t n = 0;

        for (size_t i = 0; i < n_sets; i++)
                for (uint32_t j = 0; j < sets[i].n_lmbs; j++) {
                        assert_true(n < max);
                        lmbs[n++] = (TestLmb) { .base = sets[i].base + j * LMB, .flags = sets[i].flags };
                }
        return n;
}

static void assert_qemu_layout(const DtMemory *m) {
        assert_int_equal(m->lmb_size, LMB);
        assert_int_equal(m->n_ranges, 3);
        assert_range(&m->ranges[0], 0, 4, DRCONF_MEM_RESERVED);
        assert_range(&m->ranges[1], 4 * LMB, 4, DRCONF_MEM_ASSIGNED);
        assert_range(&m->ranges[2], 8 * LMB, 4, 0);
        assert_int_equal(m->n_lmbs, 12);
        assert_int_equal(m->n_present, 4);
        assert_int_equal(m->n_reserved, 4);
        assert_int_not_equal(m->set_id, MEMORY_SET_ID_UNKNOWN);
}

static void test_v1_qemu_layout(void **state) {
        _cleanup_dt_memory_ DtMemory m = {};
        TestLmb lmbs[12];
        size_t n;
        Error e = {};

        n = sets_to_lmbs(qemu_sets, ELEMENTSOF(qemu_sets), lmbs, ELEMENTSOF(lmbs));
        assert_int_equal(parse_v1(lmbs, n, LMB, &m, &e), 0);
        assert_int_equal(m.format, DT_FORMAT_V1);
        assert_qemu_layout(&m);
}

static void test_v2_qemu_layout(void **state) {
        _cleanup_dt_memory_ DtMemory m1 = {}, m2 = {};
        TestLmb lmbs[12];
        size_t n;
        Error e = {};

        assert_int_equal(parse_v2(qemu_sets, ELEMENTSOF(qemu_sets), LMB, &m2, &e), 0);
        assert_int_equal(m2.format, DT_FORMAT_V2);
        assert_qemu_layout(&m2);

        n = sets_to_lmbs(qemu_sets, ELEMENTSOF(qemu_sets), lmbs, ELEMENTSOF(lmbs));
        assert_int_equal(parse_v1(lmbs, n, LMB, &m1, &e), 0);
        assert_same_memory(&m1, &m2);
}

/* Sets split at arbitrary points and flags that differ outside the state mask merge into the same
 * maximal ranges in both formats; a gap or a different state does not merge. */
static void test_merge_v1_v2_equal(void **state) {
        static const TestLmbSet sets[] = {
                { .n_lmbs = 2, .base = 0,        .flags = DRCONF_MEM_ASSIGNED },
                { .n_lmbs = 1, .base = 2 * LMB,  .flags = DRCONF_MEM_ASSIGNED | DRCONF_MEM_HOTREMOVABLE },
                { .n_lmbs = 3, .base = 3 * LMB,  .flags = DRCONF_MEM_ASSIGNED | DRCONF_MEM_AI_INVALID },
                /* gap: 6 and 7 are not described */
                { .n_lmbs = 2, .base = 8 * LMB,  .flags = DRCONF_MEM_ASSIGNED },
                { .n_lmbs = 1, .base = 10 * LMB, .flags = DRCONF_MEM_ASSIGNED | DRCONF_MEM_RESERVED },
                { .n_lmbs = 5, .base = 11 * LMB, .flags = 0 },
                { .n_lmbs = 5, .base = 16 * LMB, .flags = DRCONF_MEM_DRC_INVALID },
        };
        _cleanup_dt_memory_ DtMemory m1 = {}, m2 = {};
        TestLmb lmbs[32];
        size_t n;
        Error e = {};

        assert_int_equal(parse_v2(sets, ELEMENTSOF(sets), LMB, &m2, &e), 0);
        assert_int_equal(m2.n_ranges, 4);
        assert_range(&m2.ranges[0], 0, 6, DRCONF_MEM_ASSIGNED);
        assert_range(&m2.ranges[1], 8 * LMB, 2, DRCONF_MEM_ASSIGNED);
        assert_range(&m2.ranges[2], 10 * LMB, 1, DRCONF_MEM_ASSIGNED | DRCONF_MEM_RESERVED);
        assert_range(&m2.ranges[3], 11 * LMB, 10, 0);
        assert_int_equal(m2.n_lmbs, 19);
        assert_int_equal(m2.n_present, 8);
        assert_int_equal(m2.n_reserved, 1);

        n = sets_to_lmbs(sets, ELEMENTSOF(sets), lmbs, ELEMENTSOF(lmbs));
        assert_int_equal(parse_v1(lmbs, n, LMB, &m1, &e), 0);
        assert_same_memory(&m1, &m2);
}

static void test_set_id_follows_present_lmbs(void **state) {
        TestLmb lmbs[8];
        uint64_t base_id;

        for (size_t i = 0; i < ELEMENTSOF(lmbs); i++)
                lmbs[i] = (TestLmb) { .base = i * LMB, .flags = i < 6 ? DRCONF_MEM_ASSIGNED : 0 };
        base_id = set_id_v1(lmbs, ELEMENTSOF(lmbs));
        assert_int_equal(set_id_v1(lmbs, ELEMENTSOF(lmbs)), base_id);

        /* One LMB removed, reserved, or moved: a different present set. */
        lmbs[3].flags = 0;
        assert_int_not_equal(set_id_v1(lmbs, ELEMENTSOF(lmbs)), base_id);
        lmbs[3].flags = DRCONF_MEM_ASSIGNED | DRCONF_MEM_RESERVED;
        assert_int_not_equal(set_id_v1(lmbs, ELEMENTSOF(lmbs)), base_id);
        lmbs[3].flags = DRCONF_MEM_ASSIGNED;
        lmbs[6].flags = DRCONF_MEM_ASSIGNED;
        assert_int_not_equal(set_id_v1(lmbs, ELEMENTSOF(lmbs)), base_id);
        lmbs[6].flags = 0;
        assert_int_equal(set_id_v1(lmbs, ELEMENTSOF(lmbs)), base_id);
        lmbs[5].base = 7 * LMB;
        lmbs[6].base = 8 * LMB;
        lmbs[7].base = 9 * LMB;
        assert_int_not_equal(set_id_v1(lmbs, ELEMENTSOF(lmbs)), base_id);
        lmbs[5].base = 5 * LMB;
        lmbs[6].base = 6 * LMB;
        lmbs[7].base = 7 * LMB;
        assert_int_equal(set_id_v1(lmbs, ELEMENTSOF(lmbs)), base_id);

        /* Changes that leave the present set alone keep the id. */
        lmbs[7].flags = DRCONF_MEM_RESERVED | DRCONF_MEM_DRC_INVALID;
        lmbs[2].flags |= DRCONF_MEM_HOTREMOVABLE;
        assert_int_equal(set_id_v1(lmbs, ELEMENTSOF(lmbs)), base_id);
}

/* Runs of equal lengths at different bases are different sets: the id hashes where each run is,
 * not only how long (LMBs {0-3,5} against {0-3,6}, and bases that differ only above bit 32), the
 * same in both formats. */
static void test_set_id_run_bases(void **state) {
        static const uint64_t second[] = { 5, 6, 16, 32 };  /* LMB 16 is at 4 GiB, 32 at 8 GiB */
        static const TestLmbSet low[] = { { .n_lmbs = 4, .base = 0, .flags = DRCONF_MEM_ASSIGNED } };
        static const TestLmbSet high[] = { { .n_lmbs = 4, .base = 4 * LMB, .flags = DRCONF_MEM_ASSIGNED } };
        _cleanup_dt_memory_ DtMemory ml = {}, mh = {};
        uint64_t ids[ELEMENTSOF(second)];
        Error e = {};

        for (size_t i = 0; i < ELEMENTSOF(second); i++) {
                const TestLmbSet sets[] = {
                        { .n_lmbs = 4, .base = 0,                 .flags = DRCONF_MEM_ASSIGNED },
                        { .n_lmbs = 1, .base = second[i] * LMB, .flags = DRCONF_MEM_ASSIGNED },
                };
                _cleanup_dt_memory_ DtMemory m1 = {}, m2 = {};
                TestLmb lmbs[5];
                size_t n;

                assert_int_equal(parse_v2(sets, ELEMENTSOF(sets), LMB, &m2, &e), 0);
                n = sets_to_lmbs(sets, ELEMENTSOF(sets), lmbs, ELEMENTSOF(lmbs));
                assert_int_equal(parse_v1(lmbs, n, LMB, &m1, &e), 0);
                assert_int_equal(m1.set_id, m2.set_id);
                ids[i] = m2.set_id;
                for (size_t j = 0; j < i; j++)
                        assert_int_not_equal(ids[j], ids[i]);
        }

        /* One run moved whole: the same length at another base. */
        assert_int_equal(parse_v2(low, 1, LMB, &ml, &e), 0);
        assert_int_equal(parse_v2(high, 1, LMB, &mh, &e), 0);
        assert_int_not_equal(ml.set_id, mh.set_id);
}

static void test_set_id_empty(void **state) {
        _cleanup_dt_memory_ DtMemory m1 = {}, m2 = {};
        TestLmb absent[] = { { .base = 0, .flags = 0 }, { .base = LMB, .flags = QEMU_BOOT_FLAGS } };
        TestLmb one[] = { { .base = 0, .flags = DRCONF_MEM_ASSIGNED } };
        Error e = {};

        assert_int_equal(parse_v1(NULL, 0, LMB, &m1, &e), 0);
        assert_int_equal(parse_v2(NULL, 0, LMB, &m2, &e), 0);
        assert_int_equal(m1.n_ranges, 0);
        assert_null(m1.ranges);
        assert_int_equal(m1.n_lmbs, 0);
        assert_int_not_equal(m1.set_id, MEMORY_SET_ID_UNKNOWN);
        assert_int_equal(m1.set_id, m2.set_id);

        assert_int_equal(set_id_v1(absent, ELEMENTSOF(absent)), m1.set_id);
        assert_int_not_equal(set_id_v1(one, ELEMENTSOF(one)), m1.set_id);
}

/* n_lmbs in a range is 32 bits: a longer run is split into full ranges, the same way whatever the
 * encoding, while the counters and the set id see one run. */
static void test_long_run_split(void **state) {
        const uint64_t small = 0x1000;
        const uint64_t full = (uint64_t) UINT32_MAX * small;
        const TestLmbSet a[] = {
                { .n_lmbs = UINT32_MAX, .base = 0,    .flags = DRCONF_MEM_ASSIGNED },
                { .n_lmbs = UINT32_MAX, .base = full, .flags = DRCONF_MEM_ASSIGNED },
        };
        const TestLmbSet b[] = {
                { .n_lmbs = 1,              .base = 0,             .flags = DRCONF_MEM_ASSIGNED },
                { .n_lmbs = UINT32_MAX,     .base = small,         .flags = DRCONF_MEM_ASSIGNED },
                { .n_lmbs = UINT32_MAX - 1, .base = full + small,  .flags = DRCONF_MEM_ASSIGNED },
        };
        const TestLmbSet shorter[] = {
                { .n_lmbs = UINT32_MAX,     .base = 0,    .flags = DRCONF_MEM_ASSIGNED },
                { .n_lmbs = UINT32_MAX - 1, .base = full, .flags = DRCONF_MEM_ASSIGNED },
        };
        _cleanup_dt_memory_ DtMemory ma = {}, mb = {}, ms = {};
        Error e = {};

        assert_int_equal(parse_v2(a, ELEMENTSOF(a), small, &ma, &e), 0);
        assert_int_equal(ma.n_ranges, 2);
        assert_range(&ma.ranges[0], 0, UINT32_MAX, DRCONF_MEM_ASSIGNED);
        assert_range(&ma.ranges[1], full, UINT32_MAX, DRCONF_MEM_ASSIGNED);
        assert_int_equal(ma.n_lmbs, 2 * (uint64_t) UINT32_MAX);
        assert_int_equal(ma.n_present, 2 * (uint64_t) UINT32_MAX);

        assert_int_equal(parse_v2(b, ELEMENTSOF(b), small, &mb, &e), 0);
        assert_same_memory(&ma, &mb);

        assert_int_equal(parse_v2(shorter, ELEMENTSOF(shorter), small, &ms, &e), 0);
        assert_int_not_equal(ms.set_id, ma.set_id);

        /* The same bytes in one range of LMBs twice as large: the same present set. */
        dt_memory_done(&ms);
        assert_int_equal(parse_v2(a, 1, 2 * small, &ms, &e), 0);
        assert_int_equal(ms.n_ranges, 1);
        assert_int_equal(ms.set_id, ma.set_id);
}

static void test_v1_large(void **state) {
        const size_t n = 262144;
        _cleanup_free_ TestLmb *lmbs = NULL;
        _cleanup_dt_memory_ DtMemory m = {};
        _cleanup_blob_ Blob b = {};
        Error e = {};

        /* Alternate runs of 1000 present and 24 absent LMBs. */
        lmbs = calloc(n, sizeof(TestLmb));
        assert_non_null(lmbs);
        for (size_t i = 0; i < n; i++)
                lmbs[i] = (TestLmb) { .base = i * LMB, .flags = i % 1024 < 1000 ? DRCONF_MEM_ASSIGNED : 0 };

        dt_blob_v1(&b, lmbs, n);
        assert_int_equal(b.size, 4 + 24 * n);
        assert_int_equal(dt_memory_parse_v1(b.data, b.size, LMB, &m, &e), 0);
        assert_int_equal(m.n_ranges, 2 * (n / 1024));
        assert_int_equal(m.n_lmbs, n);
        assert_int_equal(m.n_present, 1000 * (n / 1024));
        assert_range(&m.ranges[m.n_ranges - 1], (n - 24) * LMB, 24, 0);
}

/* --- malformed v1 ------------------------------------------------------------------------------ */

static void test_v1_short(void **state) {
        _cleanup_dt_memory_ DtMemory m = {};
        uint8_t bytes[3] = {};
        Error e = {};

        assert_bad(dt_memory_parse_v1(bytes, 0, LMB, &m, &e), &e, DT_PROP_DYNAMIC_MEMORY, "too short");
        assert_bad(dt_memory_parse_v1(bytes, 3, LMB, &m, &e), &e, DT_PROP_DYNAMIC_MEMORY, "too short");
}

static void test_v1_count_mismatch(void **state) {
        const TestLmb lmbs[] = { { .base = 0, .flags = 8 }, { .base = LMB, .flags = 8 } };
        _cleanup_dt_memory_ DtMemory m = {};
        _cleanup_blob_ Blob b = {};
        Error e = {};

        dt_blob_v1(&b, lmbs, 2);
        assert_int_equal(dt_memory_parse_v1(b.data, b.size, LMB, &m, &e), 0);
        dt_memory_done(&m);

        /* Count says 3: too few bytes. */
        blob_done(&b);
        dt_blob_v1(&b, lmbs, 2);
        b.data[3] = 3;
        assert_bad(dt_memory_parse_v1(b.data, b.size, LMB, &m, &e), &e, DT_PROP_DYNAMIC_MEMORY, "needs 76 bytes");

        /* Count says 1: 24 bytes too many. */
        b.data[3] = 1;
        assert_bad(dt_memory_parse_v1(b.data, b.size, LMB, &m, &e), &e, DT_PROP_DYNAMIC_MEMORY,
                   "24 unexpected bytes from byte 28");

        /* Last entry cut short. */
        b.data[3] = 2;
        assert_bad(dt_memory_parse_v1(b.data, b.size - 1, LMB, &m, &e), &e, DT_PROP_DYNAMIC_MEMORY, "truncated");
        /* A partial entry after the counted ones. */
        b.data[3] = 1;
        assert_bad(dt_memory_parse_v1(b.data, 4 + 24 + 10, LMB, &m, &e), &e, DT_PROP_DYNAMIC_MEMORY,
                   "10 unexpected bytes from byte 28");
}

static void test_v1_huge_count(void **state) {
        _cleanup_dt_memory_ DtMemory m = {};
        _cleanup_blob_ Blob b = {};
        Error e = {};

        /* 4 billion LMBs claimed, none there: rejected from the length alone, before any entry is
         * read or anything allocated (ASan reports any read past the 4 or 28 bytes). */
        blob_put32(&b, UINT32_MAX);
        assert_bad(dt_memory_parse_v1(b.data, b.size, LMB, &m, &e), &e, DT_PROP_DYNAMIC_MEMORY, "needs");
        blob_put64(&b, 0);
        blob_put32(&b, 0x80000000);
        blob_put32(&b, 0);
        blob_put32(&b, 0);
        blob_put32(&b, DRCONF_MEM_ASSIGNED);
        assert_bad(dt_memory_parse_v1(b.data, b.size, LMB, &m, &e), &e, DT_PROP_DYNAMIC_MEMORY, "needs");
        assert_null(m.ranges);
}

static void test_v1_unsorted(void **state) {
        const TestLmb lmbs[] = { { .base = 2 * LMB, .flags = 8 }, { .base = LMB, .flags = 8 } };
        _cleanup_dt_memory_ DtMemory m = {};
        Error e = {};

        assert_bad(parse_v1(lmbs, ELEMENTSOF(lmbs), LMB, &m, &e), &e, DT_PROP_DYNAMIC_MEMORY, "unsorted");
        assert_non_null(strstr(e.message, "LMB 1 at byte 28"));
}

static void test_v1_overlap(void **state) {
        const TestLmb lmbs[] = {
                { .base = 0, .flags = 8 }, { .base = LMB, .flags = 8 }, { .base = LMB, .flags = 0 },
        };
        _cleanup_dt_memory_ DtMemory m = {};
        Error e = {};

        assert_bad(parse_v1(lmbs, ELEMENTSOF(lmbs), LMB, &m, &e), &e, DT_PROP_DYNAMIC_MEMORY, "overlaps");
        assert_non_null(strstr(e.message, "LMB 2 at byte 52"));
}

static void test_v1_misaligned(void **state) {
        const TestLmb lmbs[] = { { .base = 0, .flags = 8 }, { .base = LMB + 0x1000, .flags = 8 } };
        _cleanup_dt_memory_ DtMemory m = {};
        Error e = {};

        assert_bad(parse_v1(lmbs, ELEMENTSOF(lmbs), LMB, &m, &e), &e, DT_PROP_DYNAMIC_MEMORY, "not a multiple");
}

static void test_v1_overflow(void **state) {
        const TestLmb ok[] = { { .base = UINT64_MAX - 2 * LMB + 1, .flags = 8 } };
        const TestLmb top[] = { { .base = UINT64_MAX - LMB + 1, .flags = 8 } };
        _cleanup_dt_memory_ DtMemory m = {};
        Error e = {};

        assert_int_equal(parse_v1(ok, 1, LMB, &m, &e), 0);
        dt_memory_done(&m);
        /* Ends at exactly 2^64: base + length wraps. */
        assert_bad(parse_v1(top, 1, LMB, &m, &e), &e, DT_PROP_DYNAMIC_MEMORY, "64-bit address space");
}

static void test_v1_bad_lmb_size_argument(void **state) {
        const TestLmb lmbs[] = { { .base = 0, .flags = 8 } };
        _cleanup_dt_memory_ DtMemory m = {};
        Error e = {};

        assert_int_equal(parse_v1(lmbs, 1, 0, &m, &e), -EINVAL);
        assert_non_null(strstr(e.message, "power of two"));
        assert_int_equal(parse_v1(lmbs, 1, 3 * LMB, &m, &e), -EINVAL);
}

static void test_failure_leaves_ret_empty(void **state) {
        const TestLmb lmbs[] = { { .base = 0, .flags = 8 }, { .base = 2 * LMB, .flags = 0 }, { .base = LMB, .flags = 8 } };
        DtMemory m = { .n_ranges = 5, .n_lmbs = 7, .set_id = 9 };
        Error e = {};

        /* Fails at the third LMB, after ranges were allocated: nothing leaks (ASan), nothing stays. */
        assert_bad(parse_v1(lmbs, ELEMENTSOF(lmbs), LMB, &m, &e), &e, DT_PROP_DYNAMIC_MEMORY, "unsorted");
        assert_null(m.ranges);
        assert_int_equal(m.n_ranges, 0);
        assert_int_equal(m.n_lmbs, 0);
        assert_int_equal(m.set_id, MEMORY_SET_ID_UNKNOWN);
}

/* --- malformed v2 ------------------------------------------------------------------------------ */

static void test_v2_short(void **state) {
        _cleanup_dt_memory_ DtMemory m = {};
        uint8_t bytes[3] = {};
        Error e = {};

        assert_bad(dt_memory_parse_v2(bytes, 0, LMB, &m, &e), &e, DT_PROP_DYNAMIC_MEMORY_V2, "too short");
        assert_bad(dt_memory_parse_v2(bytes, 2, LMB, &m, &e), &e, DT_PROP_DYNAMIC_MEMORY_V2, "too short");
}

static void test_v2_count_mismatch(void **state) {
        _cleanup_dt_memory_ DtMemory m = {};
        _cleanup_blob_ Blob b = {};
        Error e = {};

        dt_blob_v2(&b, qemu_sets, ELEMENTSOF(qemu_sets));
        assert_int_equal(b.size, 4 + 3 * 24);
        assert_int_equal(dt_memory_parse_v2(b.data, b.size, LMB, &m, &e), 0);
        dt_memory_done(&m);

        b.data[3] = 4;
        assert_bad(dt_memory_parse_v2(b.data, b.size, LMB, &m, &e), &e, DT_PROP_DYNAMIC_MEMORY_V2, "needs 100 bytes");
        b.data[3] = 2;
        assert_bad(dt_memory_parse_v2(b.data, b.size, LMB, &m, &e), &e, DT_PROP_DYNAMIC_MEMORY_V2,
                   "24 unexpected bytes from byte 52");
        b.data[3] = 3;
        assert_bad(dt_memory_parse_v2(b.data, b.size - 5, LMB, &m, &e), &e, DT_PROP_DYNAMIC_MEMORY_V2, "truncated");
        blob_put32(&b, 0);
        assert_bad(dt_memory_parse_v2(b.data, b.size, LMB, &m, &e), &e, DT_PROP_DYNAMIC_MEMORY_V2,
                   "4 unexpected bytes from byte 76");
}

static void test_v2_huge_count(void **state) {
        _cleanup_dt_memory_ DtMemory m = {};
        _cleanup_blob_ Blob b = {};
        Error e = {};

        blob_put32(&b, UINT32_MAX);
        assert_bad(dt_memory_parse_v2(b.data, b.size, LMB, &m, &e), &e, DT_PROP_DYNAMIC_MEMORY_V2, "needs");
        assert_null(m.ranges);
}

static void test_v2_zero_lmbs(void **state) {
        const TestLmbSet sets[] = {
                { .n_lmbs = 2, .base = 0, .flags = 8 }, { .n_lmbs = 0, .base = 2 * LMB, .flags = 8 },
        };
        _cleanup_dt_memory_ DtMemory m = {};
        Error e = {};

        assert_bad(parse_v2(sets, ELEMENTSOF(sets), LMB, &m, &e), &e, DT_PROP_DYNAMIC_MEMORY_V2, "0 LMBs");
        assert_non_null(strstr(e.message, "set 1 at byte 28"));
}

static void test_v2_overlap(void **state) {
        const TestLmbSet sets[] = {
                { .n_lmbs = 1, .base = 0,       .flags = QEMU_BOOT_FLAGS },
                { .n_lmbs = 1, .base = LMB,     .flags = 8 },
                { .n_lmbs = 4, .base = 2 * LMB, .flags = 8 },
                { .n_lmbs = 4, .base = 5 * LMB, .flags = 0 },
        };
        _cleanup_dt_memory_ DtMemory m = {};
        Error e = {};

        assert_bad(parse_v2(sets, ELEMENTSOF(sets), LMB, &m, &e), &e, DT_PROP_DYNAMIC_MEMORY_V2,
                   "set 3 at byte 76: base 0x50000000 overlaps the previous set ending at 0x60000000");
}

static void test_v2_unsorted(void **state) {
        const TestLmbSet sets[] = {
                { .n_lmbs = 1, .base = 4 * LMB, .flags = 8 }, { .n_lmbs = 2, .base = 0, .flags = 8 },
        };
        _cleanup_dt_memory_ DtMemory m = {};
        Error e = {};

        assert_bad(parse_v2(sets, ELEMENTSOF(sets), LMB, &m, &e), &e, DT_PROP_DYNAMIC_MEMORY_V2, "unsorted");
}

static void test_v2_misaligned(void **state) {
        const TestLmbSet sets[] = { { .n_lmbs = 1, .base = LMB / 2, .flags = 8 } };
        _cleanup_dt_memory_ DtMemory m = {};
        Error e = {};

        assert_bad(parse_v2(sets, ELEMENTSOF(sets), LMB, &m, &e), &e, DT_PROP_DYNAMIC_MEMORY_V2,
                   "set 0 at byte 4: base 0x8000000 is not a multiple");
}

static void test_v2_length_overflow(void **state) {
        const uint64_t big = UINT64_C(1) << 40;
        const TestLmbSet fits[] = { { .n_lmbs = (1u << 24) - 1, .base = 0, .flags = 8 } };
        const TestLmbSet wraps[] = { { .n_lmbs = UINT32_MAX, .base = 0, .flags = 8 } };
        _cleanup_dt_memory_ DtMemory m = {};
        Error e = {};

        assert_int_equal(parse_v2(fits, 1, big, &m, &e), 0);
        dt_memory_done(&m);
        /* n * lmb_size itself overflows. */
        assert_bad(parse_v2(wraps, 1, big, &m, &e), &e, DT_PROP_DYNAMIC_MEMORY_V2, "overflow 64 bits");
}

static void test_v2_end_overflow(void **state) {
        const TestLmbSet ok[] = { { .n_lmbs = 1, .base = UINT64_MAX - 2 * LMB + 1, .flags = 8 } };
        const TestLmbSet top[] = { { .n_lmbs = 2, .base = UINT64_MAX - 2 * LMB + 1, .flags = 8 } };
        const TestLmbSet past[] = {
                { .n_lmbs = 1, .base = 0, .flags = 8 }, { .n_lmbs = 3, .base = UINT64_MAX - 2 * LMB + 1, .flags = 8 },
        };
        _cleanup_dt_memory_ DtMemory m = {};
        Error e = {};

        assert_int_equal(parse_v2(ok, 1, LMB, &m, &e), 0);
        dt_memory_done(&m);
        assert_bad(parse_v2(top, 1, LMB, &m, &e), &e, DT_PROP_DYNAMIC_MEMORY_V2, "64-bit address space");
        assert_bad(parse_v2(past, ELEMENTSOF(past), LMB, &m, &e), &e, DT_PROP_DYNAMIC_MEMORY_V2,
                   "set 1 at byte 28");
}

/* --- loading from a root directory ------------------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

static int setup_root(void **state) {
        char *root = strdup("/tmp/test-dt-memory-XXXXXX");

        if (!root || !mkdtemp(root)) {
                free(root);
                return -1;
        }
        *state = root;
        return 0;
}

static int teardown_root(void **state) {
        char *root = *state;
        int r;

        r = nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        free(root);
        return r;
}

static char *node_path(const char *root) {
        char *p;

        assert_true(asprintf(&p, "%s/%s", root, DT_MEMORY_NODE) >= 0);
        return p;
}

static void make_node(const char *root) {
        _cleanup_free_ char *p = node_path(root);

        for (char *s = p + strlen(root) + 1; ; s++) {
                if (*s == '/' || *s == 0) {
                        char c = *s;

                        *s = 0;
                        if (mkdir(p, 0755) < 0 && errno != EEXIST)
                                fail_msg("mkdir %s: %m", p);
                        *s = c;
                        if (c == 0)
                                break;
                }
        }
}

/* Replaced by rename, as the kernel replaces a property. */
static void write_property(const char *root, const char *name, const Blob *b) {
        _cleanup_free_ char *node = node_path(root), *path = NULL, *tmp = NULL;
        FILE *f;

        assert_true(asprintf(&path, "%s/%s", node, name) >= 0);
        assert_true(asprintf(&tmp, "%s/.%s.tmp", node, name) >= 0);
        f = fopen(tmp, "we");
        assert_non_null(f);
        if (b->size > 0)
                assert_int_equal(fwrite(b->data, 1, b->size, f), b->size);
        assert_int_equal(fclose(f), 0);
        assert_int_equal(rename(tmp, path), 0);
}

static void write_lmb_size(const char *root, uint64_t lmb_size) {
        _cleanup_blob_ Blob b = {};

        dt_blob_lmb_size(&b, lmb_size);
        write_property(root, DT_PROP_LMB_SIZE, &b);
}

static void write_v1(const char *root, const TestLmb *lmbs, size_t n) {
        _cleanup_blob_ Blob b = {};

        dt_blob_v1(&b, lmbs, n);
        write_property(root, DT_PROP_DYNAMIC_MEMORY, &b);
}

static void write_v2(const char *root, const TestLmbSet *sets, size_t n) {
        _cleanup_blob_ Blob b = {};

        dt_blob_v2(&b, sets, n);
        write_property(root, DT_PROP_DYNAMIC_MEMORY_V2, &b);
}

static void test_load_missing_node(void **state) {
        _cleanup_dt_memory_ DtMemory m = {};
        Error e = {};

        assert_int_equal(dt_memory_load(*state, &m, &e), -ENOENT);
        assert_non_null(strstr(e.message, "ibm,dynamic-reconfiguration-memory"));
        assert_non_null(strstr(e.message, "not a pseries LPAR"));
}

static void test_load_missing_properties(void **state) {
        _cleanup_dt_memory_ DtMemory m = {};
        Error e = {};

        make_node(*state);
        write_lmb_size(*state, LMB);
        assert_int_equal(dt_memory_load(*state, &m, &e), -ENOENT);
        assert_non_null(strstr(e.message, "neither"));
        assert_null(m.ranges);
}

static void test_load_v1(void **state) {
        _cleanup_dt_memory_ DtMemory m = {};
        TestLmb lmbs[12];
        size_t n;
        Error e = {};

        make_node(*state);
        write_lmb_size(*state, LMB);
        n = sets_to_lmbs(qemu_sets, ELEMENTSOF(qemu_sets), lmbs, ELEMENTSOF(lmbs));
        write_v1(*state, lmbs, n);

        assert_int_equal(dt_memory_load(*state, &m, &e), 0);
        assert_int_equal(m.format, DT_FORMAT_V1);
        assert_qemu_layout(&m);
}

static void test_load_prefers_v2(void **state) {
        const TestLmb v1[] = { { .base = 0, .flags = DRCONF_MEM_ASSIGNED } };
        _cleanup_dt_memory_ DtMemory m = {};
        Error e = {};

        make_node(*state);
        write_lmb_size(*state, LMB);
        write_v1(*state, v1, ELEMENTSOF(v1));
        write_v2(*state, qemu_sets, ELEMENTSOF(qemu_sets));

        assert_int_equal(dt_memory_load(*state, &m, &e), 0);
        assert_int_equal(m.format, DT_FORMAT_V2);
        assert_qemu_layout(&m);
}

static void test_load_malformed_keeps_message(void **state) {
        const TestLmbSet sets[] = {
                { .n_lmbs = 4, .base = 0, .flags = 8 }, { .n_lmbs = 4, .base = 2 * LMB, .flags = 8 },
        };
        _cleanup_dt_memory_ DtMemory m = {};
        Error e = {};

        make_node(*state);
        write_lmb_size(*state, LMB);
        write_v2(*state, sets, ELEMENTSOF(sets));
        assert_bad(dt_memory_load(*state, &m, &e), &e, DT_PROP_DYNAMIC_MEMORY_V2, "overlaps");
        assert_null(m.ranges);
}

static void test_load_bad_lmb_size(void **state) {
        _cleanup_dt_memory_ DtMemory m = {};
        _cleanup_blob_ Blob b = {};
        Error e = {};

        make_node(*state);
        write_v2(*state, qemu_sets, ELEMENTSOF(qemu_sets));

        /* Missing: the error names the file. */
        assert_int_equal(dt_memory_load(*state, &m, &e), -ENOENT);
        assert_non_null(strstr(e.message, DT_PROP_LMB_SIZE));

        blob_put32(&b, 0x10000000);
        write_property(*state, DT_PROP_LMB_SIZE, &b);
        assert_bad(dt_memory_load(*state, &m, &e), &e, DT_PROP_LMB_SIZE, "expected exactly 8");

        write_lmb_size(*state, 0x18000000);
        assert_bad(dt_memory_load(*state, &m, &e), &e, DT_PROP_LMB_SIZE, "power of two");
}

static void test_generation(void **state) {
        const char *root = *state;
        TestLmb lmbs[12];
        uint64_t g = 77, g1, g2, g3;
        _cleanup_free_ char *node = NULL, *v1_path = NULL, *v2_path = NULL;
        struct stat st;
        size_t n;

        /* No node, then no property: -ENOENT and 0. */
        assert_int_equal(dt_memory_generation(root, &g), -ENOENT);
        assert_int_equal(g, 0);
        make_node(root);
        write_lmb_size(root, LMB);
        g = 77;
        assert_int_equal(dt_memory_generation(root, &g), -ENOENT);
        assert_int_equal(g, 0);

        n = sets_to_lmbs(qemu_sets, ELEMENTSOF(qemu_sets), lmbs, ELEMENTSOF(lmbs));
        write_v1(root, lmbs, n);
        assert_int_equal(dt_memory_generation(root, &g1), 0);
        assert_int_not_equal(g1, 0);
        node = node_path(root);
        assert_true(asprintf(&v1_path, "%s/%s", node, DT_PROP_DYNAMIC_MEMORY) >= 0);
        assert_int_equal(stat(v1_path, &st), 0);
        assert_int_equal(g1, dt_memory_generation_from_stat(DT_FORMAT_V1, &st));

        /* Untouched: the same token. */
        assert_int_equal(dt_memory_generation(root, &g), 0);
        assert_int_equal(g, g1);

        /* Replaced with one LMB less. */
        write_v1(root, lmbs, n - 1);
        assert_int_equal(dt_memory_generation(root, &g2), 0);
        assert_int_not_equal(g2, 0);
        assert_int_not_equal(g2, g1);

        /* v2 appears and wins. */
        write_v2(root, qemu_sets, ELEMENTSOF(qemu_sets));
        assert_int_equal(dt_memory_generation(root, &g3), 0);
        assert_int_not_equal(g3, g2);
        assert_true(asprintf(&v2_path, "%s/%s", node, DT_PROP_DYNAMIC_MEMORY_V2) >= 0);
        assert_int_equal(stat(v2_path, &st), 0);
        assert_int_equal(g3, dt_memory_generation_from_stat(DT_FORMAT_V2, &st));
}

static void test_generation_from_stat(void **state) {
        struct stat st = {
                .st_ino = 1234,
                .st_size = 4 + 24 * 3,
                .st_mtim = { .tv_sec = 1700000000, .tv_nsec = 5 },
        }, other;
        uint64_t g;

        g = dt_memory_generation_from_stat(DT_FORMAT_V2, &st);
        assert_int_not_equal(g, 0);
        assert_int_equal(dt_memory_generation_from_stat(DT_FORMAT_V2, &st), g);
        assert_int_not_equal(dt_memory_generation_from_stat(DT_FORMAT_V1, &st), g);

        other = st;
        other.st_ino++;
        assert_int_not_equal(dt_memory_generation_from_stat(DT_FORMAT_V2, &other), g);
        other = st;
        other.st_size += 24;
        assert_int_not_equal(dt_memory_generation_from_stat(DT_FORMAT_V2, &other), g);
        other = st;
        other.st_mtim.tv_nsec++;
        assert_int_not_equal(dt_memory_generation_from_stat(DT_FORMAT_V2, &other), g);
        other = st;
        other.st_mtim.tv_sec++;
        assert_int_not_equal(dt_memory_generation_from_stat(DT_FORMAT_V2, &other), g);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_lmb_size_ok),
                cmocka_unit_test(test_lmb_size_zero),
                cmocka_unit_test(test_lmb_size_not_power_of_two),
                cmocka_unit_test(test_lmb_size_wrong_length),
                cmocka_unit_test(test_v1_qemu_layout),
                cmocka_unit_test(test_v2_qemu_layout),
                cmocka_unit_test(test_merge_v1_v2_equal),
                cmocka_unit_test(test_set_id_follows_present_lmbs),
                cmocka_unit_test(test_set_id_run_bases),
                cmocka_unit_test(test_set_id_empty),
                cmocka_unit_test(test_long_run_split),
                cmocka_unit_test(test_v1_large),
                cmocka_unit_test(test_v1_short),
                cmocka_unit_test(test_v1_count_mismatch),
                cmocka_unit_test(test_v1_huge_count),
                cmocka_unit_test(test_v1_unsorted),
                cmocka_unit_test(test_v1_overlap),
                cmocka_unit_test(test_v1_misaligned),
                cmocka_unit_test(test_v1_overflow),
                cmocka_unit_test(test_v1_bad_lmb_size_argument),
                cmocka_unit_test(test_failure_leaves_ret_empty),
                cmocka_unit_test(test_v2_short),
                cmocka_unit_test(test_v2_count_mismatch),
                cmocka_unit_test(test_v2_huge_count),
                cmocka_unit_test(test_v2_zero_lmbs),
                cmocka_unit_test(test_v2_overlap),
                cmocka_unit_test(test_v2_unsorted),
                cmocka_unit_test(test_v2_misaligned),
                cmocka_unit_test(test_v2_length_overflow),
                cmocka_unit_test(test_v2_end_overflow),
                cmocka_unit_test_setup_teardown(test_load_missing_node, setup_root, teardown_root),
                cmocka_unit_test_setup_teardown(test_load_missing_properties, setup_root, teardown_root),
                cmocka_unit_test_setup_teardown(test_load_v1, setup_root, teardown_root),
                cmocka_unit_test_setup_teardown(test_load_prefers_v2, setup_root, teardown_root),
                cmocka_unit_test_setup_teardown(test_load_malformed_keeps_message, setup_root, teardown_root),
                cmocka_unit_test_setup_teardown(test_load_bad_lmb_size, setup_root, teardown_root),
                cmocka_unit_test_setup_teardown(test_generation, setup_root, teardown_root),
                cmocka_unit_test(test_generation_from_stat),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
