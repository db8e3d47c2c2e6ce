/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dt_memory_parse_v1() and dt_memory_parse_lmb_size(). Input: ibm,lmb-size (8 bytes), then the
 * bytes of ibm,dynamic-memory. On success the same LMBs written as v2 (one set per LMB, and
 * the merged ranges as sets) must give the same memory. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc-util.h"
#include "dt-blob.h"
#include "dt-check.h"
#include "fuzz.h"
#include "papr-drmem.h"

static void check_as_v2(const uint8_t *prop, const DtMemory *m) {
        _cleanup_free_ TestLmbSet *sets = NULL;
        uint32_t count = dt_cell32(prop);
        DtMemory v2 = {};
        Blob blob = {};
        Error e = {};
        int r;

        if (count > DT_FUZZ_EXPAND_MAX)
                return;

        sets = calloc(count ? count : 1, sizeof(TestLmbSet));
        FUZZ_CHECK(sets);
        for (uint32_t i = 0; i < count; i++) {
                const uint8_t *entry = prop + DRMEM_ENTRY_OFFSET(i);

                /* The raw flags, other bits included: the model must ignore them in both formats. */
                sets[i] = (TestLmbSet) {
                        .n_lmbs = 1,
                        .base = dt_cell64(entry + DRMEM_V1_BASE_OFFSET),
                        .flags = dt_cell32(entry + DRMEM_V1_FLAGS_OFFSET),
                };
        }
        dt_blob_v2(&blob, sets, count);

        r = dt_memory_parse_v2(blob.data, blob.size, m->lmb_size, &v2, &e);
        if (r < 0)
                fprintf(stderr, "v1 accepted, the same LMBs as v2 rejected: %s\n", e.message);
        FUZZ_CHECK(r == 0);
        FUZZ_CHECK(dt_memory_same(m, &v2));

        dt_memory_done(&v2);
        blob_done(&blob);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const uint8_t *prop;
        size_t prop_size;
        uint64_t lmb_size;
        DtMemory m;
        Error e = {};
        bool valid;
        int r;

        if (!dt_fuzz_lmb_size(data, size, &lmb_size, &valid))
                return 0;

        /* An exact-size copy, so that reading one byte past the property is caught. */
        prop_size = size - DT_FUZZ_LMB_SIZE_BYTES;
        _cleanup_free_ uint8_t *copy = malloc(prop_size ? prop_size : 1);
        FUZZ_CHECK(copy);
        memcpy(copy, data + DT_FUZZ_LMB_SIZE_BYTES, prop_size);
        prop = copy;

        memset(&m, 0xaa, sizeof(m));  /* must be reset on every path */
        r = dt_memory_parse_v1(prop, prop_size, lmb_size, &m, &e);
        dt_check_result(r, &m, &e, DT_FORMAT_V1, lmb_size, valid);
        if (r < 0)
                return 0;

        FUZZ_CHECK(m.n_lmbs == dt_cell32(prop));  /* one LMB per entry */
        check_as_v2(prop, &m);
        dt_check_v2_reencoding(&m);

        dt_memory_done(&m);
        return 0;
}
