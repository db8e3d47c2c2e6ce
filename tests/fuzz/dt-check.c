/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt_env.h>

#include "alloc-util.h"
#include "dt-blob.h"
#include "dt-check.h"
#include "fuzz.h"

bool dt_fuzz_lmb_size(const uint8_t *data, size_t size, uint64_t *ret_raw, bool *ret_valid) {
        Error e = {};
        uint64_t lmb_size = 0;
        fdt64_t be;
        int r;

        /* The property parser sees at most the prefix, so short inputs test its length check. */
        r = dt_memory_parse_lmb_size(data, size < DT_FUZZ_LMB_SIZE_BYTES ? size : DT_FUZZ_LMB_SIZE_BYTES,
                                     &lmb_size, &e);
        if (size < DT_FUZZ_LMB_SIZE_BYTES) {
                FUZZ_CHECK(r == -EBADMSG);
                FUZZ_CHECK(e.message[0]);
                return false;
        }

        memcpy(&be, data, sizeof(be));
        *ret_raw = fdt64_to_cpu(be);
        *ret_valid = r >= 0;

        if (r < 0) {
                FUZZ_CHECK(r == -EBADMSG);
                FUZZ_CHECK(e.message[0]);
                FUZZ_CHECK(*ret_raw == 0 || (*ret_raw & (*ret_raw - 1)) != 0);
        } else {
                FUZZ_CHECK(r == 0);
                FUZZ_CHECK(lmb_size == *ret_raw);
                FUZZ_CHECK(lmb_size != 0 && (lmb_size & (lmb_size - 1)) == 0);
        }
        return true;
}

void dt_check_result(int r, const DtMemory *m, const Error *e, DtFormat format, uint64_t lmb_size,
                     bool lmb_size_valid) {
        uint64_t n_lmbs = 0, n_present = 0, n_reserved = 0, prev_end = 0;

        if (r < 0) {
                /* A bad LMB size is -EINVAL before anything else; bad bytes are -EBADMSG. */
                FUZZ_CHECK(r == (lmb_size_valid ? -EBADMSG : -EINVAL));
                FUZZ_CHECK(e->message[0]);
                FUZZ_CHECK(memchr(e->message, 0, sizeof(e->message)));
                FUZZ_CHECK(!m->ranges && m->n_ranges == 0 && m->n_lmbs == 0 && m->set_id == 0);
                return;
        }

        FUZZ_CHECK(r == 0);
        FUZZ_CHECK(lmb_size_valid);
        FUZZ_CHECK(m->format == format);
        FUZZ_CHECK(m->lmb_size == lmb_size);
        FUZZ_CHECK(m->set_id != MEMORY_SET_ID_UNKNOWN);
        FUZZ_CHECK(m->n_ranges == 0 || m->ranges);

        for (size_t i = 0; i < m->n_ranges; i++) {
                const LmbRange *x = &m->ranges[i];
                uint64_t length, end;

                FUZZ_CHECK(x->n_lmbs > 0);
                FUZZ_CHECK((x->flags & ~DT_MEMORY_STATE_MASK) == 0);
                FUZZ_CHECK((x->base & (lmb_size - 1)) == 0);
                /* base + length stays below 2^64: consumers compute the end. */
                FUZZ_CHECK(!__builtin_mul_overflow((uint64_t) x->n_lmbs, lmb_size, &length));
                FUZZ_CHECK(!__builtin_add_overflow(x->base, length, &end));

                if (i > 0) {
                        const LmbRange *p = &m->ranges[i - 1];

                        /* Sorted and non-overlapping. */
                        FUZZ_CHECK(x->base >= prev_end);
                        /* Merged: a range continuing the last one with the same state exists only
                         * when the last one is full. */
                        if (x->base == prev_end && x->flags == p->flags)
                                FUZZ_CHECK(p->n_lmbs == UINT32_MAX);
                }
                prev_end = end;

                n_lmbs += x->n_lmbs;
                if (lmb_flags_present(x->flags))
                        n_present += x->n_lmbs;
                if (x->flags & DRCONF_MEM_RESERVED)
                        n_reserved += x->n_lmbs;
        }

        FUZZ_CHECK(m->n_lmbs == n_lmbs);
        FUZZ_CHECK(m->n_present == n_present);
        FUZZ_CHECK(m->n_reserved == n_reserved);
        FUZZ_CHECK(m->n_present <= m->n_lmbs);
        FUZZ_CHECK(m->n_present + m->n_reserved <= m->n_lmbs);
        FUZZ_CHECK((m->n_ranges == 0) == (m->n_lmbs == 0));
}

bool dt_memory_same(const DtMemory *a, const DtMemory *b) {
        return a->lmb_size == b->lmb_size &&
                a->n_ranges == b->n_ranges &&
                (a->n_ranges == 0 || memcmp(a->ranges, b->ranges, a->n_ranges * sizeof(LmbRange)) == 0) &&
                a->n_lmbs == b->n_lmbs &&
                a->n_present == b->n_present &&
                a->n_reserved == b->n_reserved &&
                a->set_id == b->set_id;
}

void dt_check_v2_reencoding(const DtMemory *m) {
        _cleanup_free_ TestLmbSet *sets = NULL;
        DtMemory again = {};
        Blob blob = {};
        Error e = {};
        int r;

        sets = calloc(m->n_ranges ? m->n_ranges : 1, sizeof(TestLmbSet));
        FUZZ_CHECK(sets);
        for (size_t i = 0; i < m->n_ranges; i++)
                sets[i] = (TestLmbSet) {
                        .n_lmbs = m->ranges[i].n_lmbs,
                        .base = m->ranges[i].base,
                        .flags = m->ranges[i].flags,
                };
        dt_blob_v2(&blob, sets, m->n_ranges);

        r = dt_memory_parse_v2(blob.data, blob.size, m->lmb_size, &again, &e);
        if (r < 0)
                fprintf(stderr, "re-encoded v2 rejected: %s\n", e.message);
        FUZZ_CHECK(r == 0);
        FUZZ_CHECK(dt_memory_same(m, &again));

        dt_memory_done(&again);
        blob_done(&blob);
}
