/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* The kernel's view of memory: which /sys/devices/system/memory/memoryN blocks exist. Block N
 * covers [N * block_size, (N + 1) * block_size). A bitmap indexed by N: uevents update it in O(1)
 * (amortized, it grows on demand); a full scan is for start-up and lost events only. */

#define MEMORY_SYSFS_DIR "sys/devices/system/memory"

/* Highest block number accepted, plus one: 2^26 blocks keeps the bitmap at most 8 MiB and covers
 * 1 PiB of 16 MiB blocks. */
#define BLOCK_SET_MAX_BLOCKS ((uint64_t) 1 << 26)

typedef struct BlockSet {
        uint64_t block_size;
        uint64_t *words;  /* bit N set: memoryN exists */
        size_t n_words;
        uint64_t n_present;
} BlockSet;

void block_set_done(BlockSet *s);

/* Contents of block_size_bytes: hexadecimal without "0x", optional trailing newline, non-zero
 * power of two. -EBADMSG naming the text otherwise. */
int block_size_parse(const char *text, uint64_t *ret, Error *e);

/* "memory123" -> 123. Strict: no sign, no leading zeros (but "memory0"), no trailing garbage,
 * < BLOCK_SET_MAX_BLOCKS. -EINVAL otherwise (no message: callers name the source). */
int memory_block_name_parse(const char *name, uint64_t *ret);

/* Full scan of root/MEMORY_SYSFS_DIR: block_size_bytes and the memoryN directories (other
 * entries, such as "probe", are skipped). */
int block_set_load(const char *root, BlockSet *ret, Error *e);

/* Empty set with the given block size. */
int block_set_init(BlockSet *s, uint64_t block_size);

/* Returns 1 if the set changed, 0 if not, -ERANGE for n >= BLOCK_SET_MAX_BLOCKS, -ENOMEM. */
int block_set_add(BlockSet *s, uint64_t n);
/* Returns 1 if the set changed, 0 if not. */
int block_set_remove(BlockSet *s, uint64_t n);
bool block_set_contains(const BlockSet *s, uint64_t n);

/* Whether every / no block in [first, first + count) is present. Word-at-a-time. */
bool block_set_all(const BlockSet *s, uint64_t first, uint64_t count);
bool block_set_none(const BlockSet *s, uint64_t first, uint64_t count);

/* Same blocks present (block sizes not compared). */
bool block_set_equal(const BlockSet *a, const BlockSet *b);

/* First present block >= n, or UINT64_MAX. */
uint64_t block_set_next(const BlockSet *s, uint64_t n);
