/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>

#include "consistency.h"

/* How one range of LMBs maps onto block numbers. Block numbers are computed from base / size, never
 * from addresses, so nothing overflows even for a range that runs past 2^64: such LMBs get block
 * numbers beyond anything the bitmap can hold, i.e. "no block". */
typedef struct RangeMap {
        uint64_t lmb_size;
        uint64_t blocks_per_lmb;  /* >= 1, when LMBs are at least as large as blocks */
        uint64_t lmbs_per_block;  /* >= 1, when blocks are at least as large as LMBs */
        uint64_t first_block;     /* block holding the range's first LMB */
        uint64_t offset;          /* index of that LMB inside its block (lmbs_per_block > 1) */
} RangeMap;

static uint64_t mul_sat(uint64_t a, uint64_t b) {
        uint64_t r;

        return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}

static uint64_t add_sat(uint64_t a, uint64_t b) {
        uint64_t r;

        return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

/* Blocks of LMB i of the range: [*first, *first + *count). Saturates at UINT64_MAX: never a block. */
static void lmb_blocks(const RangeMap *m, uint64_t i, uint64_t *first, uint64_t *count) {
        if (m->lmbs_per_block > 1) {
                *first = add_sat(m->first_block, (m->offset + i) / m->lmbs_per_block);
                *count = 1;
        } else {
                *first = add_sat(m->first_block, mul_sat(i, m->blocks_per_lmb));
                *count = m->blocks_per_lmb;
        }
}

/* Index of the first LMB of the range whose first block is >= limit; n when there is none. */
static uint64_t first_lmb_at_block(const RangeMap *m, uint64_t n, uint64_t limit) {
        uint64_t d;

        if (m->first_block >= limit)
                return 0;
        d = limit - m->first_block;

        if (m->lmbs_per_block > 1) {
                /* (offset + i) / k >= d  <=>  i >= d * k - offset */
                uint64_t t = mul_sat(d, m->lmbs_per_block);
                return MIN(n, t - m->offset);
        }
        /* i * k >= d  <=>  i >= ceil(d / k) */
        return MIN(n, d / m->blocks_per_lmb + (d % m->blocks_per_lmb != 0));
}

static void record(Consistency *c, size_t max_report, uint64_t address, bool in_dt) {
        c->n_disagreeing++;
        if (c->n_first < max_report)
                c->first[c->n_first++] = (Disagreement) {
                        .address = address,
                        .in_dt = in_dt,
                };
}

/* The slow path, for a range that disagrees somewhere: LMB by LMB where the bitmap can hold blocks,
 * then in bulk past it, where no LMB has a block. */
static void walk_range(const LmbRange *range, const RangeMap *m, const BlockSet *blocks,
                       size_t max_report, Consistency *c) {
        uint64_t limit = (uint64_t) blocks->n_words * 64;
        uint64_t tail = first_lmb_at_block(m, range->n_lmbs, limit);
        bool present = lmb_flags_present(range->flags);

        for (uint64_t i = 0; i < tail; i++) {
                uint64_t first, count;
                bool disagrees;

                lmb_blocks(m, i, &first, &count);
                if (present)
                        disagrees = !block_set_all(blocks, first, count);
                else
                        disagrees = !block_set_none(blocks, first, count);

                if (disagrees)
                        record(c, max_report, add_sat(range->base, mul_sat(i, m->lmb_size)), present);
        }

        if (!present)
                return;

        /* Present in the DT, no block possible: every one disagrees. Addresses past 2^64 (only in a
         * DtMemory the parser would have refused) are reported as UINT64_MAX. */
        uint64_t i = tail;
        for (; i < range->n_lmbs && c->n_first < max_report; i++)
                record(c, max_report, add_sat(range->base, mul_sat(i, m->lmb_size)), true);
        c->n_disagreeing += range->n_lmbs - i;
}

int consistency_check(const DtMemory *dt, const BlockSet *blocks, size_t max_report,
                      Consistency *ret, Error *e) {
        uint64_t lmb_size, block_size;
        Consistency c = {};

        assert(dt);
        assert(blocks);
        assert(ret);
        assert(max_report <= CONSISTENCY_REPORT_MAX);

        lmb_size = dt->lmb_size;
        block_size = blocks->block_size;

        if (lmb_size == 0 || block_size == 0)
                return error_set(e, -EINVAL, "Cannot compare with a zero size: LMB size 0x%" PRIx64
                                 ", memory block size 0x%" PRIx64, lmb_size, block_size);
        if (lmb_size % block_size != 0 && block_size % lmb_size != 0)
                return error_set(e, -EINVAL, "LMB size 0x%" PRIx64 " and memory block size 0x%" PRIx64
                                 " are incompatible: neither is a multiple of the other",
                                 lmb_size, block_size);

        for (size_t r = 0; r < dt->n_ranges; r++) {
                const LmbRange *range = dt->ranges + r;
                uint64_t first, last_first, last_count, count;
                bool present, agrees;
                RangeMap m = {
                        .lmb_size = lmb_size,
                };

                if (range->flags & DRCONF_MEM_RESERVED)
                        continue;
                if (range->n_lmbs == 0)
                        continue;
                if (range->base % lmb_size != 0)
                        return error_set(e, -EINVAL, "LMB range at 0x%" PRIx64 " is not aligned to the LMB size 0x%" PRIx64,
                                         range->base, lmb_size);

                c.n_compared += range->n_lmbs;
                present = lmb_flags_present(range->flags);

                if (lmb_size >= block_size) {
                        m.blocks_per_lmb = lmb_size / block_size;
                        m.lmbs_per_block = 1;
                        m.first_block = range->base / block_size;
                } else {
                        uint64_t g = range->base / lmb_size;

                        m.blocks_per_lmb = 1;
                        m.lmbs_per_block = block_size / lmb_size;
                        m.first_block = g / m.lmbs_per_block;
                        m.offset = g % m.lmbs_per_block;
                }

                /* The blocks the whole range touches; contiguous LMBs touch contiguous blocks, and
                 * each of those holds at least one LMB of the range. A saturated count runs past
                 * 2^64, which block_set_all() counts as absent. */
                lmb_blocks(&m, 0, &first, &count);
                lmb_blocks(&m, range->n_lmbs - 1, &last_first, &last_count);
                count = last_first == UINT64_MAX ? UINT64_MAX : add_sat(last_first - first, last_count);

                /* The common case: the range agrees as a whole, at word-at-a-time cost. */
                agrees = present ? block_set_all(blocks, first, count) : block_set_none(blocks, first, count);
                if (!agrees)
                        walk_range(range, &m, blocks, max_report, &c);
        }

        *ret = c;
        return 0;
}
