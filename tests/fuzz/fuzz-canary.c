/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The smoke runner's negative control (smoke-selftest): a target with a planted bug, a failed
 * invariant on any input that starts with "CANARY". */
#include <string.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        FUZZ_CHECK(!(size >= 6 && memcmp(data, "CANARY", 6) == 0));
        return 0;
}
