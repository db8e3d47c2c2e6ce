/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dt_memory_parse_v2() and dt_memory_parse_lmb_size(). Input: ibm,lmb-size (8 bytes), then the
 * bytes of ibm,dynamic-memory-v2. On success the same LMBs written as v1 (when there are few
 * enough) and the merged ranges written as v2 must give the same memory. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc-util.h"
#include "dt-blob.h"
#include "dt-check.h"
#include "fuzz.h"
#include "papr-drmem.h"

static void check_as_v1(const uint8_t *prop, const DtMemory *m) {
        _cleanup_free_ TestLmb *lmbs = NULL;
        uint32_t count = dt_cell32(prop);
        DtMemory v1 = {};
        Blob blob = {};
        Error e = {};
        size_t n = 0;
        int r;

        if (m->n_lmbs > DT_FUZZ_EXPAND_MAX)
                return;

        lmbs = calloc(m->n_lmbs ? m->n_lmbs : 1, sizeof(TestLmb));
        FUZZ_CHECK(lmbs);
        for (uint32_t i = 0; i < count; i++) {
                const uint8_t *entry = prop + DRMEM_ENTRY_OFFSET(i);
                uint32_t n_lmbs = dt_cell32(entry + DRMEM_V2_N_LMBS_OFFSET);
                uint32_t flags = dt_cell32(entry + DRMEM_V2_FLAGS_OFFSET);
                uint64_t base = dt_cell64(entry + DRMEM_V2_BASE_OFFSET);

                for (uint32_t j = 0; j < n_lmbs; j++) {
                        FUZZ_CHECK(n < m->n_lmbs);
                        lmbs[n++] = (TestLmb) { .base = base + (uint64_t) j * m->lmb_size, .flags = flags };
                }
        }
        FUZZ_CHECK(n == m->n_lmbs);
        dt_blob_v1(&blob, lmbs, n);

        r = dt_memory_parse_v1(blob.data, blob.size, m->lmb_size, &v1, &e);
        if (r < 0)
                fprintf(stderr, "v2 accepted, the same LMBs as v1 rejected: %s\n", e.message);
        FUZZ_CHECK(r == 0);
        FUZZ_CHECK(dt_memory_same(m, &v1));

        dt_memory_done(&v1);
        blob_done(&blob);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const uint8_t *prop;
        size_t prop_size;
        uint64_t lmb_size, sum = 0;
        DtMemory m;
        Error e = {};
        bool valid;
        int r;

        if (!dt_fuzz_lmb_size(data, size, &lmb_size, &valid))
                return 0;

        prop_size = size - DT_FUZZ_LMB_SIZE_BYTES;
        _cleanup_free_ uint8_t *copy = malloc(prop_size ? prop_size : 1);
        FUZZ_CHECK(copy);
        memcpy(copy, data + DT_FUZZ_LMB_SIZE_BYTES, prop_size);
        prop = copy;

        memset(&m, 0xaa, sizeof(m));
        r = dt_memory_parse_v2(prop, prop_size, lmb_size, &m, &e);
        dt_check_result(r, &m, &e, DT_FORMAT_V2, lmb_size, valid);
        if (r < 0)
                return 0;

        for (uint32_t i = 0; i < dt_cell32(prop); i++)
                sum += dt_cell32(prop + DRMEM_ENTRY_OFFSET(i) + DRMEM_V2_N_LMBS_OFFSET);
        FUZZ_CHECK(m.n_lmbs == sum);

        check_as_v1(prop, &m);
        dt_check_v2_reencoding(&m);

        dt_memory_done(&m);
        return 0;
}
