/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "block-set.h"
#include "dt-memory.h"
#include "error.h"

/* The rule: over the LMBs the DT describes and does not mark reserved, an LMB is present in the DT
 * exactly when its memory block(s) exist in sysfs. With blocks smaller than LMBs, "present" needs
 * all of an LMB's blocks and "absent" needs none of them; with blocks larger than LMBs, an LMB's
 * block is the one containing it. Blocks outside those LMBs are not compared. */

#define CONSISTENCY_REPORT_MAX 16

typedef struct Disagreement {
        uint64_t address;  /* base of the LMB */
        bool in_dt;        /* true: the DT has it and sysfs does not; false: the other way */
} Disagreement;

typedef struct Consistency {
        uint64_t n_compared;     /* LMBs compared (described, not reserved) */
        uint64_t n_disagreeing;
        Disagreement first[CONSISTENCY_REPORT_MAX]; /* in address order */
        size_t n_first;
} Consistency;

static inline bool consistency_ok(const Consistency *c) {
        return c->n_disagreeing == 0;
}

/* Compares; report up to max_report (<= CONSISTENCY_REPORT_MAX) disagreements in ret->first.
 * -EINVAL with a message if neither size is a multiple of the other. */
int consistency_check(const DtMemory *dt, const BlockSet *blocks, size_t max_report,
                      Consistency *ret, Error *e);
