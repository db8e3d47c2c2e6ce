/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "dt-blob.h"
#include "papr-drmem.h"

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
        uint8_t cell[4];

        dt_cell32_put(cell, v);
        blob_append(b, cell, sizeof(cell));
}

void blob_put64(Blob *b, uint64_t v) {
        uint8_t cell[8];

        dt_cell64_put(cell, v);
        blob_append(b, cell, sizeof(cell));
}

void dt_blob_lmb_size(Blob *b, uint64_t lmb_size) {
        blob_put64(b, lmb_size);
}

/* Entries are written at the offsets of lib/dt/papr-drmem.h; the reserved cell and the associativity
 * index stay 0. */
void dt_blob_v1(Blob *b, const TestLmb *lmbs, size_t n) {
        blob_put32(b, (uint32_t) n);
        for (size_t i = 0; i < n; i++) {
                uint8_t entry[DRMEM_ENTRY_SIZE] = {};

                dt_cell64_put(entry + DRMEM_V1_BASE_OFFSET, lmbs[i].base);
                dt_cell32_put(entry + DRMEM_V1_DRC_INDEX_OFFSET, DRC_INDEX_FIRST + (uint32_t) i);
                dt_cell32_put(entry + DRMEM_V1_FLAGS_OFFSET, lmbs[i].flags);
                blob_append(b, entry, sizeof(entry));
        }
}

void dt_blob_v2(Blob *b, const TestLmbSet *sets, size_t n) {
        uint32_t drc = DRC_INDEX_FIRST;

        blob_put32(b, (uint32_t) n);
        for (size_t i = 0; i < n; i++) {
                uint8_t entry[DRMEM_ENTRY_SIZE] = {};

                dt_cell32_put(entry + DRMEM_V2_N_LMBS_OFFSET, sets[i].n_lmbs);
                dt_cell64_put(entry + DRMEM_V2_BASE_OFFSET, sets[i].base);
                /* DRC indexes continue across sets, as in v1. */
                dt_cell32_put(entry + DRMEM_V2_DRC_INDEX_OFFSET, drc);
                dt_cell32_put(entry + DRMEM_V2_FLAGS_OFFSET, sets[i].flags);
                blob_append(b, entry, sizeof(entry));
                drc += sets[i].n_lmbs;
        }
}
