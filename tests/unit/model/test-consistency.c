/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "consistency.h"

#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)

#define PRESENT DRCONF_MEM_ASSIGNED
#define ABSENT 0u
#define RESERVED DRCONF_MEM_RESERVED

/* The DT parser is not needed: the model is filled in by hand, as the parser would. */
static DtMemory dt_make(uint64_t lmb_size, LmbRange *ranges, size_t n) {
        return (DtMemory) {
                .format = DT_FORMAT_V2,
                .lmb_size = lmb_size,
                .ranges = ranges,
                .n_ranges = n,
        };
}

static void blocks_make(BlockSet *s, uint64_t block_size) {
        assert_int_equal(block_set_init(s, block_size), 0);
}

static void add_blocks(BlockSet *s, uint64_t first, uint64_t count) {
        for (uint64_t n = first; n < first + count; n++)
                assert_true(block_set_add(s, n) >= 0);
}

static void assert_contains_text(const char *haystack, const char *needle) {
        if (!strstr(haystack, needle))
                fail_msg("\"%s\" does not contain \"%s\"", haystack, needle);
}

static Consistency check(const DtMemory *dt, const BlockSet *s, size_t max_report) {
        Consistency c;
        Error e = {};

        memset(&c, 0xaa, sizeof(c));  /* everything must be written */
        assert_int_equal(consistency_check(dt, s, max_report, &c, &e), 0);
        assert_string_equal(e.message, "");
        assert_true(c.n_first <= max_report);
        assert_true(c.n_first <= c.n_disagreeing);
        assert_true(c.n_first == MIN((uint64_t) max_report, c.n_disagreeing));
        return c;
}

static void assert_disagreement(const Consistency *c, size_t i, uint64_t address, bool in_dt) {
        assert_true(i < c->n_first);
        if (c->first[i].address != address || c->first[i].in_dt != in_dt)
                fail_msg("disagreement %zu is 0x%" PRIx64 "/%s, expected 0x%" PRIx64 "/%s", i,
                         c->first[i].address, c->first[i].in_dt ? "in DT" : "in sysfs",
                         address, in_dt ? "in DT" : "in sysfs");
}

/* --- 1:1 ------------------------------------------------------------------------------------ */

#define L (256 * MiB)

static void test_one_to_one_consistent(void **state) {
        LmbRange r[] = {
                { 0, 8, PRESENT },
                { 8 * L, 4, ABSENT },
                { 12 * L, 4, PRESENT },
        };
        DtMemory dt = dt_make(L, r, ELEMENTSOF(r));
        _cleanup_(block_set_done) BlockSet s = {};

        blocks_make(&s, L);
        add_blocks(&s, 0, 8);
        add_blocks(&s, 12, 4);

        Consistency c = check(&dt, &s, CONSISTENCY_REPORT_MAX);
        assert_true(consistency_ok(&c));
        assert_int_equal(c.n_compared, 16);
        assert_int_equal(c.n_disagreeing, 0);
        assert_int_equal(c.n_first, 0);
}

static void test_empty(void **state) {
        DtMemory dt = dt_make(L, NULL, 0);
        _cleanup_(block_set_done) BlockSet s = {};

        blocks_make(&s, L);
        add_blocks(&s, 0, 3);

        Consistency c = check(&dt, &s, CONSISTENCY_REPORT_MAX);
        assert_true(consistency_ok(&c));
        assert_int_equal(c.n_compared, 0);

        /* Zero-length ranges compare nothing. */
        LmbRange r[] = { { 0, 0, PRESENT }, { 8 * L, 0, ABSENT } };
        dt = dt_make(L, r, ELEMENTSOF(r));
        c = check(&dt, &s, CONSISTENCY_REPORT_MAX);
        assert_true(consistency_ok(&c));
        assert_int_equal(c.n_compared, 0);
}

/* The negative control: the block of an LMB the DT still lists was removed (a DT not yet updated
 * after a hot-remove). */
static void test_stale_dt(void **state) {
        LmbRange r[] = {
                { 0, 8, PRESENT },
                { 8 * L, 4, ABSENT },
        };
        DtMemory dt = dt_make(L, r, ELEMENTSOF(r));
        _cleanup_(block_set_done) BlockSet s = {};

        blocks_make(&s, L);
        add_blocks(&s, 0, 8);
        assert_true(consistency_ok((Consistency[]) { check(&dt, &s, 4) }));

        assert_int_equal(block_set_remove(&s, 5), 1);
        Consistency c = check(&dt, &s, 4);
        assert_false(consistency_ok(&c));
        assert_int_equal(c.n_compared, 12);
        assert_int_equal(c.n_disagreeing, 1);
        assert_int_equal(c.n_first, 1);
        assert_disagreement(&c, 0, 5 * L, true);
}

/* The other way: sysfs has a block (hot-add done) the DT does not have yet. */
static void test_block_not_in_dt(void **state) {
        LmbRange r[] = {
                { 0, 8, PRESENT },
                { 8 * L, 4, ABSENT },
        };
        DtMemory dt = dt_make(L, r, ELEMENTSOF(r));
        _cleanup_(block_set_done) BlockSet s = {};

        blocks_make(&s, L);
        add_blocks(&s, 0, 8);
        assert_int_equal(block_set_add(&s, 9), 1);
        assert_int_equal(block_set_add(&s, 11), 1);

        Consistency c = check(&dt, &s, 4);
        assert_false(consistency_ok(&c));
        assert_int_equal(c.n_disagreeing, 2);
        assert_disagreement(&c, 0, 9 * L, false);
        assert_disagreement(&c, 1, 11 * L, false);
}

static void test_reserved_ignored(void **state) {
        LmbRange r[] = {
                { 0, 4, PRESENT },
                { 4 * L, 4, RESERVED },              /* blocks exist: not compared */
                { 8 * L, 4, RESERVED | PRESENT },    /* no blocks: not compared */
                { 12 * L, 2, ABSENT },
        };
        DtMemory dt = dt_make(L, r, ELEMENTSOF(r));
        _cleanup_(block_set_done) BlockSet s = {};

        blocks_make(&s, L);
        add_blocks(&s, 0, 8);

        Consistency c = check(&dt, &s, CONSISTENCY_REPORT_MAX);
        assert_true(consistency_ok(&c));
        assert_int_equal(c.n_compared, 6);

        /* Control: the same blocks disagree with a non-reserved range there. */
        r[1].flags = ABSENT;
        c = check(&dt, &s, CONSISTENCY_REPORT_MAX);
        assert_int_equal(c.n_disagreeing, 4);
        assert_disagreement(&c, 0, 4 * L, false);
        r[1].flags = RESERVED;
        r[2].flags = PRESENT;
        c = check(&dt, &s, CONSISTENCY_REPORT_MAX);
        assert_int_equal(c.n_disagreeing, 4);
        assert_disagreement(&c, 0, 8 * L, true);
}

static void test_blocks_outside_dt_ignored(void **state) {
        LmbRange r[] = {
                { 4 * L, 4, PRESENT },
                { 16 * L, 4, PRESENT },
        };
        DtMemory dt = dt_make(L, r, ELEMENTSOF(r));
        _cleanup_(block_set_done) BlockSet s = {};

        blocks_make(&s, L);
        add_blocks(&s, 0, 4);      /* boot memory below the DT's LMBs */
        add_blocks(&s, 4, 4);
        add_blocks(&s, 10, 2);     /* in the gap */
        add_blocks(&s, 16, 4);
        add_blocks(&s, 500, 10);   /* far above */

        Consistency c = check(&dt, &s, CONSISTENCY_REPORT_MAX);
        assert_true(consistency_ok(&c));
        assert_int_equal(c.n_compared, 8);
}

/* --- blocks larger than LMBs ---------------------------------------------------------------- */

static void test_lmbs_per_block(void **state) {
        /* 4 LMBs of 256 MiB per 1 GiB block. */
        LmbRange r[] = {
                { 0, 8, PRESENT },          /* blocks 0, 1 */
                { 8 * L, 2, ABSENT },       /* first half of block 2 */
                { 10 * L, 2, PRESENT },     /* second half of block 2 */
                { 13 * L, 6, PRESENT },     /* starts inside block 3, ends inside block 4 */
                { 24 * L, 4, ABSENT },      /* block 6 */
        };
        DtMemory dt = dt_make(L, r, ELEMENTSOF(r));
        _cleanup_(block_set_done) BlockSet s = {};
        Consistency c;

        blocks_make(&s, GiB);
        add_blocks(&s, 0, 2);
        add_blocks(&s, 3, 2);

        /* Block 2 missing: the present LMBs in it disagree. */
        c = check(&dt, &s, CONSISTENCY_REPORT_MAX);
        assert_int_equal(c.n_compared, 22);
        assert_int_equal(c.n_disagreeing, 2);
        assert_disagreement(&c, 0, 10 * L, true);
        assert_disagreement(&c, 1, 11 * L, true);

        /* Block 2 there: now the absent LMBs in it disagree. */
        assert_int_equal(block_set_add(&s, 2), 1);
        c = check(&dt, &s, CONSISTENCY_REPORT_MAX);
        assert_int_equal(c.n_disagreeing, 2);
        assert_disagreement(&c, 0, 8 * L, false);
        assert_disagreement(&c, 1, 9 * L, false);

        /* Make LMBs 8, 9 present: consistent. */
        r[1].flags = PRESENT;
        c = check(&dt, &s, CONSISTENCY_REPORT_MAX);
        assert_true(consistency_ok(&c));

        /* The block of the range that starts mid-block: LMBs 13..15 live in block 3. */
        assert_int_equal(block_set_remove(&s, 3), 1);
        c = check(&dt, &s, CONSISTENCY_REPORT_MAX);
        assert_int_equal(c.n_disagreeing, 3);
        assert_disagreement(&c, 0, 13 * L, true);
        assert_disagreement(&c, 2, 15 * L, true);
        assert_int_equal(block_set_add(&s, 3), 1);

        /* ... and LMBs 16..18 in block 4. */
        assert_int_equal(block_set_remove(&s, 4), 1);
        c = check(&dt, &s, CONSISTENCY_REPORT_MAX);
        assert_int_equal(c.n_disagreeing, 3);
        assert_disagreement(&c, 0, 16 * L, true);
        assert_disagreement(&c, 2, 18 * L, true);
        assert_int_equal(block_set_add(&s, 4), 1);

        /* Block 6 appears under absent LMBs 24..27. */
        assert_int_equal(block_set_add(&s, 6), 1);
        c = check(&dt, &s, CONSISTENCY_REPORT_MAX);
        assert_int_equal(c.n_disagreeing, 4);
        assert_disagreement(&c, 0, 24 * L, false);
        assert_disagreement(&c, 3, 27 * L, false);
}

/* --- LMBs larger than blocks ---------------------------------------------------------------- */

static void test_blocks_per_lmb(void **state) {
        /* 4 blocks of 256 MiB per 1 GiB LMB. */
        LmbRange r[] = {
                { 0, 2, PRESENT },           /* blocks 0..7 */
                { 2 * GiB, 2, ABSENT },      /* blocks 8..15 */
        };
        DtMemory dt = dt_make(GiB, r, ELEMENTSOF(r));
        _cleanup_(block_set_done) BlockSet s = {};
        Consistency c;

        blocks_make(&s, L);
        add_blocks(&s, 0, 8);
        c = check(&dt, &s, CONSISTENCY_REPORT_MAX);
        assert_true(consistency_ok(&c));
        assert_int_equal(c.n_compared, 4);

        /* Present needs all four: one missing block makes LMB 1 disagree. */
        assert_int_equal(block_set_remove(&s, 7), 1);
        c = check(&dt, &s, CONSISTENCY_REPORT_MAX);
        assert_int_equal(c.n_disagreeing, 1);
        assert_disagreement(&c, 0, GiB, true);

        /* Absent needs none: one block of LMB 3 makes it disagree, the other way. */
        assert_int_equal(block_set_add(&s, 7), 1);
        assert_int_equal(block_set_add(&s, 13), 1);
        c = check(&dt, &s, CONSISTENCY_REPORT_MAX);
        assert_int_equal(c.n_disagreeing, 1);
        assert_disagreement(&c, 0, 3 * GiB, false);

        /* Both partial at once, in address order. */
        assert_int_equal(block_set_remove(&s, 0), 1);
        c = check(&dt, &s, CONSISTENCY_REPORT_MAX);
        assert_int_equal(c.n_disagreeing, 2);
        assert_disagreement(&c, 0, 0, true);
        assert_disagreement(&c, 1, 3 * GiB, false);
}

/* --- reporting ------------------------------------------------------------------------------ */

static void test_report_order_and_limit(void **state) {
        LmbRange r[] = {
                { 0, 10, PRESENT },          /* blocks missing for LMBs 2, 4, 6, 8 */
                { 10 * L, 10, ABSENT },      /* blocks there for 11, 13, 15, 17, 19 */
                { 30 * L, 10, PRESENT },     /* all missing */
        };
        DtMemory dt = dt_make(L, r, ELEMENTSOF(r));
        _cleanup_(block_set_done) BlockSet s = {};
        static const struct {
                uint64_t lmb;
                bool in_dt;
        } want[] = {
                { 2, true }, { 4, true }, { 6, true }, { 8, true },
                { 11, false }, { 13, false }, { 15, false }, { 17, false }, { 19, false },
                { 30, true }, { 31, true }, { 32, true }, { 33, true }, { 34, true },
                { 35, true }, { 36, true }, { 37, true }, { 38, true }, { 39, true },
        };
        Consistency c;

        blocks_make(&s, L);
        for (uint64_t n = 0; n < 10; n++)
                if (n % 2 == 1 || n == 0)
                        assert_int_equal(block_set_add(&s, n), 1);
        for (uint64_t n = 11; n < 20; n += 2)
                assert_int_equal(block_set_add(&s, n), 1);

        for (size_t max = 0; max <= CONSISTENCY_REPORT_MAX; max++) {
                c = check(&dt, &s, max);
                assert_int_equal(c.n_compared, 30);
                assert_int_equal(c.n_disagreeing, ELEMENTSOF(want));
                assert_int_equal(c.n_first, MIN(max, ELEMENTSOF(want)));
                for (size_t i = 0; i < c.n_first; i++)
                        assert_disagreement(&c, i, want[i].lmb * L, want[i].in_dt);
        }
}

/* --- bad input ------------------------------------------------------------------------------ */

static void test_incompatible_sizes(void **state) {
        LmbRange r[] = { { 0, 4, PRESENT } };
        _cleanup_(block_set_done) BlockSet s = {};
        Consistency c = { .n_compared = 77 };
        DtMemory dt;
        Error e = {};

        /* LMBs of 768 MiB against blocks of 512 MiB. */
        dt = dt_make(768 * MiB, r, ELEMENTSOF(r));
        blocks_make(&s, 512 * MiB);
        add_blocks(&s, 0, 6);
        assert_int_equal(consistency_check(&dt, &s, 4, &c, &e), -EINVAL);
        assert_contains_text(e.message, "incompatible");
        assert_contains_text(e.message, "0x30000000");
        assert_contains_text(e.message, "0x20000000");
        assert_int_equal(c.n_compared, 77);  /* untouched */

        /* The other way round; the block size comes from the kernel, so set it by hand. */
        dt = dt_make(512 * MiB, r, ELEMENTSOF(r));
        s.block_size = 768 * MiB;
        e = (Error) {};
        assert_int_equal(consistency_check(&dt, &s, 4, &c, &e), -EINVAL);
        assert_contains_text(e.message, "incompatible");

        /* Zero sizes must not divide by zero. */
        dt = dt_make(0, r, ELEMENTSOF(r));
        s.block_size = 256 * MiB;
        e = (Error) {};
        assert_int_equal(consistency_check(&dt, &s, 4, &c, &e), -EINVAL);
        assert_contains_text(e.message, "zero");
        dt = dt_make(256 * MiB, r, ELEMENTSOF(r));
        s.block_size = 0;
        e = (Error) {};
        assert_int_equal(consistency_check(&dt, &s, 4, &c, &e), -EINVAL);
        assert_contains_text(e.message, "zero");

        /* Control: multiples either way are fine. */
        s.block_size = 128 * MiB;
        assert_int_equal(consistency_check(&dt, &s, 4, &c, NULL), 0);
        s.block_size = 1024 * MiB;
        assert_int_equal(consistency_check(&dt, &s, 4, &c, NULL), 0);
}

static void test_unaligned_range(void **state) {
        LmbRange r[] = { { L / 2, 4, PRESENT } };
        DtMemory dt = dt_make(L, r, ELEMENTSOF(r));
        _cleanup_(block_set_done) BlockSet s = {};
        Consistency c;
        Error e = {};

        blocks_make(&s, L);
        assert_int_equal(consistency_check(&dt, &s, 4, &c, &e), -EINVAL);
        assert_contains_text(e.message, "0x8000000");
        assert_contains_text(e.message, "aligned");
}

/* --- scale and limits ----------------------------------------------------------------------- */

static void test_large_range(void **state) {
        /* 64 TiB of 256 MiB LMBs, all present, then an absent stretch. */
        LmbRange r[] = {
                { 0, 262144, PRESENT },
                { UINT64_C(262144) * L, 262144, ABSENT },
        };
        DtMemory dt = dt_make(L, r, ELEMENTSOF(r));
        _cleanup_(block_set_done) BlockSet s = {};
        Consistency c;

        blocks_make(&s, L);
        add_blocks(&s, 0, 262144);
        c = check(&dt, &s, CONSISTENCY_REPORT_MAX);
        assert_true(consistency_ok(&c));
        assert_int_equal(c.n_compared, 524288);

        /* One block gone in the middle is found, exactly. */
        assert_int_equal(block_set_remove(&s, 131071), 1);
        c = check(&dt, &s, CONSISTENCY_REPORT_MAX);
        assert_int_equal(c.n_disagreeing, 1);
        assert_disagreement(&c, 0, UINT64_C(131071) * L, true);
        assert_int_equal(block_set_add(&s, 131071), 1);

        /* And one block too many at the very end of the absent stretch. */
        assert_int_equal(block_set_add(&s, 2 * 262144 - 1), 1);
        c = check(&dt, &s, CONSISTENCY_REPORT_MAX);
        assert_int_equal(c.n_disagreeing, 1);
        assert_disagreement(&c, 0, UINT64_C(524287) * L, false);
}

static void test_beyond_bitmap(void **state) {
        _cleanup_(block_set_done) BlockSet s = {};
        const uint64_t B = 16 * MiB;
        const uint64_t max_base = BLOCK_SET_MAX_BLOCKS * B;  /* first address the bitmap cannot hold */
        Consistency c;

        blocks_make(&s, B);
        add_blocks(&s, 0, 4);
        add_blocks(&s, BLOCK_SET_MAX_BLOCKS - 2, 2);

        /* Absent LMBs out there agree: there can be no block. */
        LmbRange r1[] = {
                { 0, 4, PRESENT },
                { max_base, 100, ABSENT },
        };
        DtMemory dt = dt_make(B, r1, ELEMENTSOF(r1));
        c = check(&dt, &s, CONSISTENCY_REPORT_MAX);
        assert_true(consistency_ok(&c));

        /* Present ones disagree, every one counted; a range straddling the limit splits. */
        LmbRange r2[] = {
                { max_base - 2 * B, 5, PRESENT },
                { UINT64_C(1) << 62, UINT32_MAX, PRESENT },
        };
        dt = dt_make(B, r2, ELEMENTSOF(r2));
        c = check(&dt, &s, 4);
        assert_int_equal(c.n_compared, 5 + (uint64_t) UINT32_MAX);
        assert_int_equal(c.n_disagreeing, 3 + (uint64_t) UINT32_MAX);
        assert_disagreement(&c, 0, max_base, true);
        assert_disagreement(&c, 1, max_base + B, true);
        assert_disagreement(&c, 2, max_base + 2 * B, true);
        assert_disagreement(&c, 3, UINT64_C(1) << 62, true);

        /* Larger LMBs than blocks, out there too. */
        LmbRange r3[] = { { UINT64_C(1) << 60, 1000, PRESENT } };
        dt = dt_make(GiB, r3, ELEMENTSOF(r3));
        c = check(&dt, &s, 2);
        assert_int_equal(c.n_disagreeing, 1000);
        assert_disagreement(&c, 1, (UINT64_C(1) << 60) + GiB, true);

        /* Smaller LMBs than blocks, out there too. */
        LmbRange r4[] = { { max_base - 4 * MiB, 8, PRESENT } };
        dt = dt_make(4 * MiB, r4, ELEMENTSOF(r4));
        c = check(&dt, &s, 2);
        /* LMB 0 is in block MAX - 1, which exists; LMBs 1..7 are past it. */
        assert_int_equal(c.n_compared, 8);
        assert_int_equal(c.n_disagreeing, 7);
        assert_disagreement(&c, 0, max_base, true);
        assert_disagreement(&c, 1, max_base + 4 * MiB, true);
}

/* An LMB that starts inside the bitmap and ends past it. */
static void test_lmb_straddles_bitmap_end(void **state) {
        /* 2048 blocks of 16 MiB per 32 GiB LMB; the bitmap holds fewer blocks than one LMB. */
        LmbRange r[] = { { 0, 2, ABSENT } };
        DtMemory dt = dt_make(32 * GiB, r, ELEMENTSOF(r));
        _cleanup_(block_set_done) BlockSet s = {};
        Consistency c;

        blocks_make(&s, 16 * MiB);
        assert_int_equal(block_set_add(&s, 5), 1);
        assert_true(s.n_words * 64 < 2048);

        c = check(&dt, &s, CONSISTENCY_REPORT_MAX);
        assert_int_equal(c.n_disagreeing, 1);
        assert_disagreement(&c, 0, 0, false);

        r[0].flags = PRESENT;
        c = check(&dt, &s, CONSISTENCY_REPORT_MAX);
        assert_int_equal(c.n_disagreeing, 2);
        assert_disagreement(&c, 0, 0, true);
        assert_disagreement(&c, 1, 32 * GiB, true);

        assert_int_equal(block_set_remove(&s, 5), 1);
        r[0].flags = ABSENT;
        c = check(&dt, &s, CONSISTENCY_REPORT_MAX);
        assert_true(consistency_ok(&c));
}

static void test_past_2_64(void **state) {
        /* A hand-made range that runs past 2^64 (the parser refuses these): no overflow, no block. */
        _cleanup_(block_set_done) BlockSet s = {};
        LmbRange r[] = { { UINT64_MAX - 2 * L + 1, 4, PRESENT } };
        DtMemory dt;
        Consistency c;

        blocks_make(&s, L);
        add_blocks(&s, 0, 64);

        dt = dt_make(L, r, ELEMENTSOF(r));
        c = check(&dt, &s, 4);
        assert_int_equal(c.n_compared, 4);
        assert_int_equal(c.n_disagreeing, 4);
        assert_disagreement(&c, 0, UINT64_MAX - 2 * L + 1, true);
        assert_disagreement(&c, 1, UINT64_MAX - L + 1, true);
        assert_true(c.first[2].address >= UINT64_MAX - L + 1);  /* saturated, never wrapped to 0 */
        assert_true(c.first[3].address >= UINT64_MAX - L + 1);

        /* The same with a 1-byte "block size": block numbers near 2^64 must not wrap. */
        s.block_size = 1;
        dt = dt_make(L, r, ELEMENTSOF(r));
        c = check(&dt, &s, 4);
        assert_int_equal(c.n_disagreeing, 4);
        r[0].flags = ABSENT;
        c = check(&dt, &s, 4);
        assert_true(consistency_ok(&c));
}

/* --- against a naive model ------------------------------------------------------------------ */

static uint64_t rng_next(uint64_t *state) {
        uint64_t x = *state;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        return *state = x;
}

static void test_random_against_naive(void **state) {
        static const struct {
                uint64_t lmb_size, block_size;
        } ratios[] = {
                { L, L },
                { L, GiB },           /* 4 LMBs per block */
                { GiB, L },           /* 4 blocks per LMB */
                { 16 * MiB, GiB },    /* 64 LMBs per block */
                { GiB, 16 * MiB },    /* 64 blocks per LMB */
        };
        uint64_t rng = UINT64_C(0x243f6a8885a308d3);
        uint64_t total_disagreeing = 0, total_clean = 0;

        for (unsigned round = 0; round < 200; round++) {
                uint64_t lmb = ratios[round % ELEMENTSOF(ratios)].lmb_size;
                uint64_t bs = ratios[round % ELEMENTSOF(ratios)].block_size;
                _cleanup_(block_set_done) BlockSet s = {};
                LmbRange r[12];
                size_t n = 1 + rng_next(&rng) % ELEMENTSOF(r);
                uint64_t cursor = rng_next(&rng) % 5;  /* in LMBs */
                /* How noisy the blocks are: 0 means they match the DT exactly. */
                unsigned noise = (unsigned) (rng_next(&rng) % 3);

                for (size_t i = 0; i < n; i++) {
                        static const uint32_t flags[] = { PRESENT, PRESENT, ABSENT, RESERVED, RESERVED | PRESENT };

                        cursor += rng_next(&rng) % 3;
                        r[i] = (LmbRange) {
                                .base = cursor * lmb,
                                .n_lmbs = 1 + (uint32_t) (rng_next(&rng) % 150),
                                .flags = flags[rng_next(&rng) % ELEMENTSOF(flags)],
                        };
                        cursor += r[i].n_lmbs;
                }
                DtMemory dt = dt_make(lmb, r, n);

                blocks_make(&s, bs);
                uint64_t n_blocks = cursor * lmb / bs + 2;
                /* Blocks as the kernel would have them for present LMBs, with some noise. */
                for (size_t i = 0; i < n; i++)
                        if (lmb_flags_present(r[i].flags))
                                for (uint64_t a = r[i].base; a < r[i].base + r[i].n_lmbs * lmb; a += MIN(lmb, bs))
                                        assert_true(block_set_add(&s, a / bs) >= 0);
                for (uint64_t b = 0; noise > 0 && b < n_blocks; b++)
                        if (rng_next(&rng) % (noise == 1 ? 100 : 10) == 0) {
                                if (block_set_contains(&s, b))
                                        block_set_remove(&s, b);
                                else
                                        assert_true(block_set_add(&s, b) >= 0);
                        }

                /* The naive rule, LMB by LMB, bit by bit. */
                Disagreement want[CONSISTENCY_REPORT_MAX];
                uint64_t n_want = 0, n_compared = 0;
                for (size_t i = 0; i < n; i++) {
                        if (r[i].flags & DRCONF_MEM_RESERVED)
                                continue;
                        bool present = lmb_flags_present(r[i].flags);

                        for (uint64_t j = 0; j < r[i].n_lmbs; j++) {
                                uint64_t a = r[i].base + j * lmb, have = 0, need;

                                n_compared++;
                                if (lmb >= bs) {
                                        need = lmb / bs;
                                        for (uint64_t b = a / bs; b < a / bs + need; b++)
                                                have += block_set_contains(&s, b);
                                } else {
                                        need = 1;
                                        have = block_set_contains(&s, a / bs);
                                }
                                if ((present && have != need) || (!present && have != 0)) {
                                        if (n_want < ELEMENTSOF(want))
                                                want[n_want] = (Disagreement) { a, present };
                                        n_want++;
                                }
                        }
                }

                size_t max = round % (CONSISTENCY_REPORT_MAX + 1);
                Consistency c = check(&dt, &s, max);
                assert_int_equal(c.n_compared, n_compared);
                assert_int_equal(c.n_disagreeing, n_want);
                for (size_t i = 0; i < c.n_first; i++)
                        assert_disagreement(&c, i, want[i].address, want[i].in_dt);

                total_disagreeing += n_want;
                total_clean += n_want == 0;
        }

        /* Both outcomes were exercised. */
        assert_true(total_disagreeing > 100);
        assert_true(total_clean > 20);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_one_to_one_consistent),
                cmocka_unit_test(test_empty),
                cmocka_unit_test(test_stale_dt),
                cmocka_unit_test(test_block_not_in_dt),
                cmocka_unit_test(test_reserved_ignored),
                cmocka_unit_test(test_blocks_outside_dt_ignored),
                cmocka_unit_test(test_lmbs_per_block),
                cmocka_unit_test(test_blocks_per_lmb),
                cmocka_unit_test(test_report_order_and_limit),
                cmocka_unit_test(test_incompatible_sizes),
                cmocka_unit_test(test_unaligned_range),
                cmocka_unit_test(test_large_range),
                cmocka_unit_test(test_beyond_bitmap),
                cmocka_unit_test(test_lmb_straddles_bitmap_end),
                cmocka_unit_test(test_past_2_64),
                cmocka_unit_test(test_random_against_naive),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
