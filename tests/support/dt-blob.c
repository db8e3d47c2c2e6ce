/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include <libfdt_env.h>

#include "dt-blob.h"

#define DRC_INDEX_FIRST 0x80000000u

void blob_done(Blob *b) {
        if (!b)
                return;
        free(b->data);
        *b = (Blob) {};
}

static void blob_append(Blob *b, const void *p, size_t n) {
        if (b->size + n > b->allocated) {
                size_t na = b->allocated ? b->allocated : 64;
                uint8_t *nd;

                while (na < b->size + n)
                        na *= 2;
                nd = realloc(b->data, na);
                if (!nd)
                        abort();
                b->data = nd;
                b->allocated = na;
        }
        memcpy(b->data + b->size, p, n);
        b->size += n;
}

void blob_put32(Blob *b, uint32_t v) {
        fdt32_t be = cpu_to_fdt32(v);

        blob_append(b, &be, sizeof(be));
}

void blob_put64(Blob *b, uint64_t v) {
        fdt64_t be = cpu_to_fdt64(v);

        blob_append(b, &be, sizeof(be));
}

void dt_blob_lmb_size(Blob *b, uint64_t lmb_size) {
        blob_put64(b, lmb_size);
}

void dt_blob_v1(Blob *b, const TestLmb *lmbs, size_t n) {
        blob_put32(b, (uint32_t) n);
        for (size_t i = 0; i < n; i++) {
                blob_put64(b, lmbs[i].base);
                blob_put32(b, DRC_INDEX_FIRST + (uint32_t) i);
                blob_put32(b, 0);           /* reserved */
                blob_put32(b, 0);           /* associativity index */
                blob_put32(b, lmbs[i].flags);
        }
}

void dt_blob_v2(Blob *b, const TestLmbSet *sets, size_t n) {
        uint32_t drc = DRC_INDEX_FIRST;

        blob_put32(b, (uint32_t) n);
        for (size_t i = 0; i < n; i++) {
                blob_put32(b, sets[i].n_lmbs);
                blob_put64(b, sets[i].base);
                blob_put32(b, drc);         /* DRC indexes continue across sets, as in v1 */
                blob_put32(b, 0);           /* associativity index */
                blob_put32(b, sets[i].flags);
                drc += sets[i].n_lmbs;
        }
}
