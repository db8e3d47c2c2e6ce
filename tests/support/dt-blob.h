/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Builders for big-endian device-tree property bytes, for tests and benchmarks. */

typedef struct Blob {
        uint8_t *data;
        size_t size;
        size_t allocated;
} Blob;

void blob_done(Blob *b);
void blob_put32(Blob *b, uint32_t v);  /* aborts on out-of-memory: test code */
void blob_put64(Blob *b, uint64_t v);

typedef struct TestLmb {
        uint64_t base;
        uint32_t flags;
} TestLmb;

typedef struct TestLmbSet {
        uint32_t n_lmbs;
        uint64_t base;
        uint32_t flags;
} TestLmbSet;

/* ibm,lmb-size: one 64-bit value in two cells. */
void dt_blob_lmb_size(Blob *b, uint64_t lmb_size);

/* ibm,dynamic-memory: count, then per LMB base(64) drc(32) reserved(32) aa-index(32) flags(32).
 * DRC indexes are 0x80000000 + i. */
void dt_blob_v1(Blob *b, const TestLmb *lmbs, size_t n);

/* ibm,dynamic-memory-v2: count of sets, then per set n(32) base(64) drc(32) aa-index(32) flags(32). */
void dt_blob_v2(Blob *b, const TestLmbSet *sets, size_t n);
