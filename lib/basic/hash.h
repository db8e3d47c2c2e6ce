/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

/* A word-at-a-time hash for set ids and generations: fold each 64-bit value in, then stir with
 * multiply/xor-shift rounds so every input bit reaches every output bit. It works on values, not
 * bytes, so it does not depend on the host's endianness. */
#define HASH_SEED UINT64_C(0x6b64756d702d7374)

static inline uint64_t hash_u64(uint64_t h, uint64_t v) {
        h ^= v;
        h ^= h >> 33;
        h *= UINT64_C(0xff51afd7ed558ccd);
        h ^= h >> 29;
        h *= UINT64_C(0xc4ceb9fe1a85ec53);
        h ^= h >> 32;
        return h;
}

/* A hash that is never 0, the value every id type here reserves for "unknown". */
static inline uint64_t hash_nonzero(uint64_t h) {
        return h == 0 ? 1 : h;
}
