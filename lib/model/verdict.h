/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "set-id.h"

/* The capture model's answer and the settle engine's input: kept apart from lib/engine/settle.h so the
 * model does not depend on the engine. */

/* What the caller found when it compared DT and sysfs. */
typedef struct SettleVerdict {
        bool valid;       /* the DT could be read and parsed */
        bool consistent;  /* valid, and the DT agrees with sysfs */
        /* valid and not consistent, but only because of a change the kernel may still be making
         * (CPUs just offlined whose node is still there: a DLPAR remove detaches it milliseconds
         * later, a plain offline never): agreement once `quiet` passed after the last event */
        bool provisional;
        uint64_t set_id;  /* the set the DT describes when valid, else SET_ID_UNKNOWN */
        /* the DT generation the verdict was read from (capture_model_generation()'s kind), 0: not
         * known. It may be newer than the last one polled: the DT can be replaced in between. */
        uint64_t generation;
} SettleVerdict;
