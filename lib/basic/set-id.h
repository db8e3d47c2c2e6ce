/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* A set id names the set of resources a crash kernel is built from (the present LMBs, say): equal
 * ids, equal sets. It is what the settle engine compares with what is loaded and what the state
 * file keeps across restarts. */

/* Never a valid set id: "not known". */
#define SET_ID_UNKNOWN ((uint64_t) 0)

/* Folds per-resource values (set ids, DT generations) into one. With one value, that value, so a
 * single resource reads the same alone as through the fold; with more, a mix in which a change of
 * any value shows. */
static inline uint64_t set_id_fold(const uint64_t *values, size_t n) {
        uint64_t h;

        if (n == 0)
                return 0;
        h = values[0];
        for (size_t i = 1; i < n; i++) {
                h ^= values[i] + UINT64_C(0x9e3779b97f4a7c15) + (h << 6) + (h >> 2);
                h *= UINT64_C(0xbf58476d1ce4e5b9);
                h ^= h >> 31;
        }
        return h;
}
