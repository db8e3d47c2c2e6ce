/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc-util.h"
#include "block-set.h"
#include "escape.h"
#include "fileio.h"
#include "hexdecoct.h"

#define BITS_PER_WORD 64u
#define MAX_WORDS ((size_t) (BLOCK_SET_MAX_BLOCKS / BITS_PER_WORD))
/* First allocation: 16 words cover 1024 blocks, 256 GiB of 256 MiB blocks. */
#define MIN_WORDS ((size_t) 16)

/* block_size_bytes is a handful of hex digits; anything longer is not the kernel's. */
#define BLOCK_SIZE_FILE_MAX 64

/* How much of a bad input a message quotes. */
#define QUOTE_MAX 32

/* Bits lo..hi (inclusive, 0..63) of a word. */
static inline uint64_t word_mask(unsigned lo, unsigned hi) {
        assert(lo <= hi && hi < BITS_PER_WORD);
        return (UINT64_MAX << lo) & (UINT64_MAX >> (BITS_PER_WORD - 1 - hi));
}

static inline uint64_t allocated_bits(const BlockSet *s) {
        return (uint64_t) s->n_words * BITS_PER_WORD;
}

void block_set_done(BlockSet *s) {
        if (!s)
                return;
        free(s->words);
        *s = (BlockSet) {};
}

int block_size_parse(const char *text, uint64_t *ret, Error *e) {
        char q[TEXT_QUOTE_SIZE(QUOTE_MAX)];
        const char *p = text;
        uint64_t v = 0;
        int r;

        assert(text);
        assert(ret);

        if (!*p)
                return error_set(e, -EBADMSG, "Memory block size is empty");

        p += strcspn(p, "\n");
        if (p > text) {
                r = parse_hex_u64(text, (size_t) (p - text), &v);
                if (r == -ERANGE)
                        return error_set(e, -EBADMSG, "Memory block size \"%s\" overflows 64 bits",
                                         text_quote(text, q, sizeof(q)));
                if (r < 0)
                        return error_set(e, -EBADMSG, "Memory block size \"%s\" is not hexadecimal",
                                         text_quote(text, q, sizeof(q)));
        }

        if (p == text)
                return error_set(e, -EBADMSG, "Memory block size \"%s\" has no digits",
                                 text_quote(text, q, sizeof(q)));
        /* At most one newline, and only at the end. */
        if (*p == '\n' && p[1] != 0)
                return error_set(e, -EBADMSG, "Memory block size \"%s\" has trailing garbage",
                                 text_quote(text, q, sizeof(q)));
        if (!is_power_of_two(v))
                return error_set(e, -EBADMSG, "Memory block size \"%s\" is not a non-zero power of two",
                                 text_quote(text, q, sizeof(q)));

        *ret = v;
        return 0;
}

/* Like memory_block_name_parse(), but tells a well-formed name beyond the bitmap (-ERANGE) from a
 * malformed one (-EINVAL). */
static int block_name_parse_full(const char *name, uint64_t *ret) {
        const char *p;
        uint64_t v = 0;

        if (strncmp(name, "memory", strlen("memory")) != 0)
                return -EINVAL;
        p = name + strlen("memory");

        if (*p < '0' || *p > '9')
                return -EINVAL;
        if (*p == '0' && p[1] != 0)
                return -EINVAL;

        bool too_big = false;
        for (; *p; p++) {
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                /* Saturate instead of overflowing; the rest must still be digits. */
                if (!too_big) {
                        v = v * 10 + (uint64_t) (*p - '0');
                        if (v >= BLOCK_SET_MAX_BLOCKS)
                                too_big = true;
                }
        }
        if (too_big)
                return -ERANGE;

        *ret = v;
        return 0;
}

int memory_block_name_parse(const char *name, uint64_t *ret) {
        uint64_t v;
        int r;

        assert(name);
        assert(ret);

        r = block_name_parse_full(name, &v);
        if (r < 0)
                return -EINVAL;

        *ret = v;
        return 0;
}

int block_set_init(BlockSet *s, uint64_t block_size) {
        assert(s);

        if (!is_power_of_two(block_size))
                return -EINVAL;

        *s = (BlockSet) {
                .block_size = block_size,
        };
        return 0;
}

int block_set_load(const char *root, BlockSet *ret, Error *e) {
        _cleanup_(block_set_done) BlockSet s = {};
        _cleanup_free_ char *text = NULL, *dir = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        uint64_t block_size;
        size_t size;
        int r;

        assert(ret);

        r = read_full_file_root(root, MEMORY_SYSFS_DIR "/block_size_bytes", BLOCK_SIZE_FILE_MAX,
                                &text, &size, e);
        if (r < 0)
                return r;

        r = path_join_root(root, MEMORY_SYSFS_DIR, &dir);
        if (r < 0)
                return error_set(e, r, "Out of memory");

        if (strlen(text) != size)
                return error_set(e, -EBADMSG, "%s/block_size_bytes contains a NUL byte", dir);

        r = block_size_parse(text, &block_size, e);
        if (r < 0) {
                /* Name the file in front of what block_size_parse() said. */
                char msg[sizeof(e->message)] = "";

                if (e)
                        memcpy(msg, e->message, sizeof(msg));
                return error_set(e, r, "%s/block_size_bytes: %s", dir, msg);
        }

        r = block_set_init(&s, block_size);
        if (r < 0)
                return error_set(e, r, "Bad memory block size in %s", dir);

        /* Path-based, not dirfd-relative: umockdev redirects only path-based calls under /sys. */
        d = opendir(dir);
        if (!d)
                return error_set(e, negative_errno(), "Cannot open directory %s: %m", dir);

        for (;;) {
                struct dirent *de;
                uint64_t n;

                r = read_dir_entry(d, dir, &de, e);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;

                r = block_name_parse_full(de->d_name, &n);
                if (r == -ERANGE)
                        /* A real block we cannot track: failing is better than reporting its
                         * memory as missing forever. */
                        return error_set(e, -ERANGE, "%s/%.64s: block number beyond the supported %" PRIu64 " blocks",
                                         dir, de->d_name, (uint64_t) BLOCK_SET_MAX_BLOCKS);
                if (r < 0)
                        /* "probe", "uevent", "power", ... and names the kernel never creates
                         * ("memory01"): not blocks. */
                        continue;

                r = block_set_add(&s, n);
                if (r < 0)
                        return error_set(e, r, "Cannot add %s/%s: %s", dir, de->d_name,
                                         r == -ENOMEM ? "out of memory" : "out of range");
        }

        *ret = s;
        s = (BlockSet) {};
        return 0;
}

static int block_set_grow(BlockSet *s, size_t need) {
        uint64_t *w;
        size_t n;

        assert(need <= MAX_WORDS);

        if (need <= s->n_words)
                return 0;

        /* Geometric, so a scan adding blocks in order costs amortized O(1) per block. */
        n = MAX(MAX(need, MIN_WORDS), s->n_words * 2);
        n = MIN(n, MAX_WORDS);

        w = realloc(s->words, n * sizeof(uint64_t));
        if (!w)
                return -ENOMEM;
        memset(w + s->n_words, 0, (n - s->n_words) * sizeof(uint64_t));

        s->words = w;
        s->n_words = n;
        return 0;
}

int block_set_add(BlockSet *s, uint64_t n) {
        uint64_t bit;
        size_t i;
        int r;

        assert(s);

        if (n >= BLOCK_SET_MAX_BLOCKS)
                return -ERANGE;

        i = (size_t) (n / BITS_PER_WORD);
        r = block_set_grow(s, i + 1);
        if (r < 0)
                return r;

        bit = UINT64_C(1) << (n % BITS_PER_WORD);
        if (s->words[i] & bit)
                return 0;

        s->words[i] |= bit;
        s->n_present++;
        return 1;
}

int block_set_remove(BlockSet *s, uint64_t n) {
        uint64_t bit;
        size_t i;

        assert(s);

        if (n >= allocated_bits(s))
                return 0;

        i = (size_t) (n / BITS_PER_WORD);
        bit = UINT64_C(1) << (n % BITS_PER_WORD);
        if (!(s->words[i] & bit))
                return 0;

        s->words[i] &= ~bit;
        assert(s->n_present > 0);
        s->n_present--;
        return 1;
}

bool block_set_contains(const BlockSet *s, uint64_t n) {
        assert(s);

        if (n >= allocated_bits(s))
                return false;

        return s->words[n / BITS_PER_WORD] & (UINT64_C(1) << (n % BITS_PER_WORD));
}

bool block_set_all(const BlockSet *s, uint64_t first, uint64_t count) {
        uint64_t last, fw, lw;

        assert(s);

        if (count == 0)
                return true;
        /* Blocks past the allocated words (or past 2^64) are absent. */
        if (first > UINT64_MAX - (count - 1))
                return false;
        last = first + (count - 1);
        if (last >= allocated_bits(s))
                return false;

        fw = first / BITS_PER_WORD;
        lw = last / BITS_PER_WORD;
        for (uint64_t w = fw; w <= lw; w++) {
                unsigned lo = w == fw ? (unsigned) (first % BITS_PER_WORD) : 0;
                unsigned hi = w == lw ? (unsigned) (last % BITS_PER_WORD) : BITS_PER_WORD - 1;
                uint64_t m = word_mask(lo, hi);

                if ((s->words[w] & m) != m)
                        return false;
        }

        return true;
}

bool block_set_none(const BlockSet *s, uint64_t first, uint64_t count) {
        uint64_t last, fw, lw;

        assert(s);

        if (count == 0 || first >= allocated_bits(s))
                return true;
        /* Only the allocated part can hold blocks. */
        last = first > UINT64_MAX - (count - 1) ? UINT64_MAX : first + (count - 1);
        last = MIN(last, allocated_bits(s) - 1);

        fw = first / BITS_PER_WORD;
        lw = last / BITS_PER_WORD;
        for (uint64_t w = fw; w <= lw; w++) {
                unsigned lo = w == fw ? (unsigned) (first % BITS_PER_WORD) : 0;
                unsigned hi = w == lw ? (unsigned) (last % BITS_PER_WORD) : BITS_PER_WORD - 1;

                if (s->words[w] & word_mask(lo, hi))
                        return false;
        }

        return true;
}

uint64_t block_set_next(const BlockSet *s, uint64_t n) {
        uint64_t w, bits;

        assert(s);

        if (n >= allocated_bits(s))
                return UINT64_MAX;

        w = n / BITS_PER_WORD;
        bits = s->words[w] & (UINT64_MAX << (n % BITS_PER_WORD));
        for (;;) {
                if (bits)
                        return w * BITS_PER_WORD + (uint64_t) __builtin_ctzll(bits);
                if (++w >= s->n_words)
                        return UINT64_MAX;
                bits = s->words[w];
        }
}

bool block_set_equal(const BlockSet *a, const BlockSet *b) {
        size_t common = MIN(a->n_words, b->n_words);

        if (a->n_present != b->n_present)
                return false;
        if (memcmp(a->words, b->words, common * sizeof(uint64_t)) != 0)
                return false;
        /* The longer bitmap may only have zero words beyond the shorter one. */
        for (size_t i = common; i < a->n_words; i++)
                if (a->words[i])
                        return false;
        for (size_t i = common; i < b->n_words; i++)
                if (b->words[i])
                        return false;
        return true;
}
