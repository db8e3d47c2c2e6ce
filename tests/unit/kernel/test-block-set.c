/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc-util.h"
#include "block-set.h"
#include "fake-root.h"
#include "fileio.h"

/* Deterministic, so a failure can be reproduced. */
static uint64_t rng_next(uint64_t *state) {
        /* xorshift64 */
        uint64_t x = *state;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        return *state = x;
}

static void assert_contains_text(const char *haystack, const char *needle) {
        if (!strstr(haystack, needle))
                fail_msg("\"%s\" does not contain \"%s\"", haystack, needle);
}

/* --- block_size_parse ----------------------------------------------------------------------- */

static void test_block_size_parse_good(void **state) {
        static const struct {
                const char *text;
                uint64_t value;
        } cases[] = {
                { "10000000\n", UINT64_C(0x10000000) },
                { "10000000", UINT64_C(0x10000000) },
                { "1", 1 },
                { "1\n", 1 },
                { "1000000", UINT64_C(0x1000000) },
                { "80000000\n", UINT64_C(0x80000000) },
                { "8000000000000000\n", UINT64_C(0x8000000000000000) },
                { "0010", 0x10 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                Error e = {};
                uint64_t v = 0;

                assert_int_equal(block_size_parse(cases[i].text, &v, &e), 0);
                assert_int_equal(v, cases[i].value);
                assert_string_equal(e.message, "");
        }
}

static void test_block_size_parse_bad(void **state) {
        static const struct {
                const char *text;
                const char *quoted;  /* what the message must quote */
        } cases[] = {
                { "", "empty" },
                { "\n", "\"\\n\"" },
                { "0", "\"0\"" },
                { "0\n", "\"0\\n\"" },
                { "3", "\"3\"" },
                { "10000001\n", "\"10000001\\n\"" },
                { "0x10000000", "\"0x10000000\"" },
                { "10000000\n\n", "\"10000000\\n\\n\"" },
                { "10000000\nx", "\"10000000\\nx\"" },
                { " 10000000", "\" 10000000\"" },
                { "10000000 ", "\"10000000 \"" },
                { "1000000g", "\"1000000g\"" },
                { "-1", "\"-1\"" },
                { "+1", "\"+1\"" },
                { "10000000000000000", "\"10000000000000000\"" },  /* 2^64 */
                { "fffffffffffffffff", "overflows" },
                { "\x01\x7f\"\\", "\"\\x01\\x7f\\x22\\x5c\"" },
                { "\xff", "\\xff" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                Error e = {};
                uint64_t v = 12345;

                assert_int_equal(block_size_parse(cases[i].text, &v, &e), -EBADMSG);
                assert_int_equal(v, 12345);
                assert_contains_text(e.message, cases[i].quoted);
        }

        /* A NULL Error is allowed. */
        uint64_t v;
        assert_int_equal(block_size_parse("zz", &v, NULL), -EBADMSG);
}

static void test_block_size_parse_long_text_truncated(void **state) {
        char text[1000];
        Error e = {};
        uint64_t v;

        memset(text, 'z', sizeof(text) - 1);
        text[sizeof(text) - 1] = 0;

        assert_int_equal(block_size_parse(text, &v, &e), -EBADMSG);
        assert_contains_text(e.message, "zzzz...");
        assert_true(strlen(e.message) < 200);
}

/* --- memory_block_name_parse ---------------------------------------------------------------- */

static void test_memory_block_name_parse(void **state) {
        static const struct {
                const char *name;
                uint64_t value;
        } good[] = {
                { "memory0", 0 },
                { "memory1", 1 },
                { "memory10", 10 },
                { "memory123", 123 },
                { "memory67108863", BLOCK_SET_MAX_BLOCKS - 1 },
        };
        static const char *const bad[] = {
                "", "m", "memory", "Memory1", "memor1", "memory00", "memory01", "memory-1",
                "memory+1", "memory 1", "memory1 ", "memory1\n", "memory1a", "memoryx",
                "memory0x10", "xmemory1", "memory67108864", "memory99999999999999999999999",
                "memory18446744073709551617", "probe", "auto_online_blocks",
        };

        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                uint64_t v = UINT64_MAX;

                assert_int_equal(memory_block_name_parse(good[i].name, &v), 0);
                assert_int_equal(v, good[i].value);
        }

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                uint64_t v = 777;

                if (memory_block_name_parse(bad[i], &v) != -EINVAL)
                        fail_msg("\"%s\" was accepted", bad[i]);
                assert_int_equal(v, 777);
        }
}

/* --- add, remove, contains, growth ---------------------------------------------------------- */

static void test_init(void **state) {
        BlockSet s;

        assert_int_equal(block_set_init(&s, 0), -EINVAL);
        assert_int_equal(block_set_init(&s, 3 << 20), -EINVAL);
        assert_int_equal(block_set_init(&s, 1 << 28), 0);
        assert_int_equal(s.block_size, 1 << 28);
        assert_int_equal(s.n_present, 0);
        assert_false(block_set_contains(&s, 0));
        assert_int_equal(block_set_next(&s, 0), UINT64_MAX);
        assert_true(block_set_none(&s, 0, UINT64_MAX));
        assert_false(block_set_all(&s, 0, 1));
        assert_true(block_set_all(&s, 0, 0));
        block_set_done(&s);
        block_set_done(&s);  /* idempotent */
        block_set_done(NULL);
}

static void test_add_remove_contains(void **state) {
        _cleanup_(block_set_done) BlockSet s = {};

        assert_int_equal(block_set_init(&s, 1 << 28), 0);

        assert_int_equal(block_set_add(&s, 5), 1);
        assert_int_equal(block_set_add(&s, 5), 0);
        assert_int_equal(s.n_present, 1);
        assert_true(block_set_contains(&s, 5));
        assert_false(block_set_contains(&s, 4));
        assert_false(block_set_contains(&s, 6));

        assert_int_equal(block_set_add(&s, 0), 1);
        assert_int_equal(block_set_add(&s, 63), 1);
        assert_int_equal(block_set_add(&s, 64), 1);
        assert_int_equal(s.n_present, 4);

        assert_int_equal(block_set_remove(&s, 5), 1);
        assert_int_equal(block_set_remove(&s, 5), 0);
        assert_false(block_set_contains(&s, 5));
        assert_int_equal(s.n_present, 3);

        /* Far beyond the allocation: nothing to remove, not present. */
        assert_int_equal(block_set_remove(&s, 1000000), 0);
        assert_int_equal(block_set_remove(&s, UINT64_MAX), 0);
        assert_false(block_set_contains(&s, 1000000));
        assert_false(block_set_contains(&s, UINT64_MAX));
        assert_int_equal(s.n_present, 3);
}

static void test_add_range_limit(void **state) {
        _cleanup_(block_set_done) BlockSet s = {};

        assert_int_equal(block_set_init(&s, 1 << 24), 0);

        assert_int_equal(block_set_add(&s, BLOCK_SET_MAX_BLOCKS), -ERANGE);
        assert_int_equal(block_set_add(&s, UINT64_MAX), -ERANGE);
        assert_int_equal(s.n_present, 0);

        assert_int_equal(block_set_add(&s, BLOCK_SET_MAX_BLOCKS - 1), 1);
        assert_true(block_set_contains(&s, BLOCK_SET_MAX_BLOCKS - 1));
        assert_int_equal(s.n_words, BLOCK_SET_MAX_BLOCKS / 64);
        assert_int_equal(block_set_next(&s, 0), BLOCK_SET_MAX_BLOCKS - 1);
        assert_int_equal(block_set_next(&s, BLOCK_SET_MAX_BLOCKS), UINT64_MAX);
        assert_true(block_set_all(&s, BLOCK_SET_MAX_BLOCKS - 1, 1));
        assert_false(block_set_all(&s, BLOCK_SET_MAX_BLOCKS - 1, 2));
        assert_false(block_set_none(&s, 0, UINT64_MAX));
        assert_int_equal(block_set_remove(&s, BLOCK_SET_MAX_BLOCKS - 1), 1);
        assert_int_equal(s.n_present, 0);
}

static void test_growth(void **state) {
        _cleanup_(block_set_done) BlockSet s = {};
        static const uint64_t blocks[] = { 3, 1000, 1001, 70000, 64, 200000, 0 };
        size_t last_words = 0;

        assert_int_equal(block_set_init(&s, 1 << 28), 0);

        for (size_t i = 0; i < ELEMENTSOF(blocks); i++) {
                assert_int_equal(block_set_add(&s, blocks[i]), 1);
                assert_true(s.n_words * 64 > blocks[i]);
                assert_true(s.n_words >= last_words);
                last_words = s.n_words;

                /* Everything added so far survived the reallocation; the new words are clear. */
                for (size_t j = 0; j <= i; j++)
                        assert_true(block_set_contains(&s, blocks[j]));
                assert_int_equal(s.n_present, i + 1);
        }

        uint64_t seen = 0;
        for (uint64_t n = block_set_next(&s, 0); n != UINT64_MAX; n = block_set_next(&s, n + 1)) {
                assert_true(block_set_contains(&s, n));
                assert_true(++seen <= ELEMENTSOF(blocks));  /* fail, not hang */
        }
        assert_int_equal(seen, ELEMENTSOF(blocks));

        /* Geometric: adding blocks one by one reallocates O(log n) times, so at most doubling. */
        _cleanup_(block_set_done) BlockSet t = {};
        size_t reallocs = 0, words = 0;
        assert_int_equal(block_set_init(&t, 1 << 28), 0);
        for (uint64_t n = 0; n < 100000; n++) {
                assert_int_equal(block_set_add(&t, n), 1);
                if (t.n_words != words) {
                        reallocs++;
                        words = t.n_words;
                }
        }
        assert_true(reallocs <= 10);
        assert_true(t.n_words <= 2 * (100000 / 64 + 1));
        assert_true(block_set_all(&t, 0, 100000));
        assert_false(block_set_all(&t, 0, 100001));
}

/* --- all, none, next ------------------------------------------------------------------------ */

static bool naive_all(const BlockSet *s, uint64_t first, uint64_t count) {
        for (uint64_t i = 0; i < count; i++) {
                if (first + i < first)  /* wrapped past 2^64: absent */
                        return false;
                if (!block_set_contains(s, first + i))
                        return false;
        }
        return true;
}

static bool naive_none(const BlockSet *s, uint64_t first, uint64_t count) {
        /* Nothing lives past the allocation, so the scan may stop there. */
        uint64_t end = (uint64_t) s->n_words * 64;

        for (uint64_t i = 0; i < count && first + i >= first && first + i < end; i++)
                if (block_set_contains(s, first + i))
                        return false;
        return true;
}

static void test_all_none_word_boundaries(void **state) {
        _cleanup_(block_set_done) BlockSet s = {};

        assert_int_equal(block_set_init(&s, 1 << 28), 0);
        for (uint64_t n = 60; n < 200; n++)
                assert_int_equal(block_set_add(&s, n), 1);
        const uint64_t end = s.n_words * 64;

        assert_true(block_set_all(&s, 60, 140));
        assert_true(block_set_all(&s, 60, 4));    /* inside the first word */
        assert_true(block_set_all(&s, 62, 4));    /* across one boundary */
        assert_true(block_set_all(&s, 63, 66));   /* across two */
        assert_true(block_set_all(&s, 64, 64));   /* exactly a word */
        assert_true(block_set_all(&s, 199, 1));
        assert_false(block_set_all(&s, 59, 2));
        assert_false(block_set_all(&s, 60, 141));
        assert_false(block_set_all(&s, 199, 2));
        assert_false(block_set_all(&s, 0, 1));
        assert_false(block_set_all(&s, 100, UINT64_MAX));
        assert_false(block_set_all(&s, UINT64_MAX, 2));
        assert_false(block_set_all(&s, end, 1));

        assert_true(block_set_none(&s, 0, 60));
        assert_true(block_set_none(&s, 200, 10000));
        assert_true(block_set_none(&s, 200, UINT64_MAX));
        assert_true(block_set_none(&s, UINT64_MAX, UINT64_MAX));
        assert_true(block_set_none(&s, end, 5));
        assert_true(block_set_none(&s, 5, 0));
        assert_false(block_set_none(&s, 0, 61));
        assert_false(block_set_none(&s, 199, 1));
        assert_false(block_set_none(&s, 128, 64));
        assert_false(block_set_none(&s, 0, UINT64_MAX));

        /* A hole in the middle word. */
        assert_int_equal(block_set_remove(&s, 100), 1);
        assert_false(block_set_all(&s, 60, 140));
        assert_false(block_set_all(&s, 100, 1));
        assert_true(block_set_all(&s, 101, 27));
        assert_true(block_set_none(&s, 100, 1));
        assert_false(block_set_none(&s, 99, 2));
}

static void test_all_none_random(void **state) {
        uint64_t rng = UINT64_C(0x9e3779b97f4a7c15);
        unsigned n_all_true = 0, n_none_true = 0;

        for (unsigned round = 0; round < 40; round++) {
                _cleanup_(block_set_done) BlockSet s = {};
                /* From sparse to full, with long runs, so that all() is sometimes true. */
                unsigned density = round % 5;
                uint64_t universe = 64 * (1 + rng_next(&rng) % 8) + rng_next(&rng) % 64;

                assert_int_equal(block_set_init(&s, 1 << 28), 0);
                for (uint64_t n = 0; n < universe; n++) {
                        bool set;

                        switch (density) {
                        case 0: set = rng_next(&rng) % 50 == 0; break;
                        case 1: set = rng_next(&rng) % 2 == 0; break;
                        case 2: set = (n / 37) % 2 == 0; break;
                        case 3: set = rng_next(&rng) % 200 != 0; break;
                        default: set = true; break;
                        }
                        if (set)
                                assert_int_equal(block_set_add(&s, n), 1);
                }

                for (unsigned q = 0; q < 500; q++) {
                        uint64_t first = rng_next(&rng) % (universe + 130);
                        uint64_t count = rng_next(&rng) % 200;

                        if (q % 50 == 0)
                                count = UINT64_MAX - rng_next(&rng) % 3;

                        bool all = block_set_all(&s, first, count);
                        bool none = block_set_none(&s, first, count);

                        if (all != naive_all(&s, first, count))
                                fail_msg("all(%" PRIu64 ", %" PRIu64 ") = %d, round %u", first, count, all, round);
                        if (none != naive_none(&s, first, count))
                                fail_msg("none(%" PRIu64 ", %" PRIu64 ") = %d, round %u", first, count, none, round);
                        n_all_true += all && count > 0;
                        n_none_true += none && count > 0;
                }
        }

        /* The cross-check must have seen both answers. */
        assert_true(n_all_true > 100);
        assert_true(n_none_true > 100);
}

static void test_next(void **state) {
        _cleanup_(block_set_done) BlockSet s = {};
        static const uint64_t blocks[] = { 0, 1, 63, 64, 127, 128, 500, 4095 };
        uint64_t rng = 42;
        size_t k = 0;

        assert_int_equal(block_set_init(&s, 1 << 28), 0);
        assert_int_equal(block_set_next(&s, 0), UINT64_MAX);

        for (size_t i = 0; i < ELEMENTSOF(blocks); i++)
                assert_int_equal(block_set_add(&s, blocks[i]), 1);

        for (uint64_t n = block_set_next(&s, 0); n != UINT64_MAX; n = block_set_next(&s, n + 1)) {
                assert_true(k < ELEMENTSOF(blocks));
                assert_int_equal(n, blocks[k++]);
        }
        assert_int_equal(k, ELEMENTSOF(blocks));

        assert_int_equal(block_set_next(&s, 2), 63);
        assert_int_equal(block_set_next(&s, 129), 500);
        assert_int_equal(block_set_next(&s, 4096), UINT64_MAX);
        assert_int_equal(block_set_next(&s, UINT64_MAX), UINT64_MAX);

        /* Against a naive scan, at random starting points. */
        for (unsigned q = 0; q < 2000; q++) {
                uint64_t from = rng_next(&rng) % (s.n_words * 64 + 10), want = UINT64_MAX;

                for (uint64_t n = from; n < s.n_words * 64; n++)
                        if (block_set_contains(&s, n)) {
                                want = n;
                                break;
                        }
                assert_int_equal(block_set_next(&s, from), want);
        }
}

/* --- block_set_load ------------------------------------------------------------------------- */

/* In a setup and teardown, so that a failing test (cmocka longjmps out) still removes its root. */
static int root_setup(void **state) {
        char *root;

        if (fake_root_create(&root) < 0)
                return -1;
        *state = root;
        return 0;
}

static int root_teardown(void **state) {
        int r = fake_root_remove(*state);

        free(*state);
        return r < 0 ? -1 : 0;
}

static void write_text(const char *root, const char *path, const char *text) {
        assert_int_equal(fake_root_write_file(root, path, text, strlen(text)), 0);
}

static void test_load(void **state) {
        const char *root = *state;
        _cleanup_(block_set_done) BlockSet s = {};
        static const uint64_t blocks[] = { 0, 1, 2, 5, 64, 130, 4097 };
        Error e = {};

        assert_int_equal(fake_root_set_block_size(root, UINT64_C(0x10000000)), 0);
        for (size_t i = 0; i < ELEMENTSOF(blocks); i++)
                assert_int_equal(fake_root_add_block(root, blocks[i]), 0);

        /* What else lives there, and names that only look like blocks. */
        write_text(root, MEMORY_SYSFS_DIR "/probe", "");
        write_text(root, MEMORY_SYSFS_DIR "/auto_online_blocks", "online\n");
        write_text(root, MEMORY_SYSFS_DIR "/uevent", "");
        write_text(root, MEMORY_SYSFS_DIR "/hard_offline_page", "");
        write_text(root, MEMORY_SYSFS_DIR "/soft_offline_page", "");
        write_text(root, MEMORY_SYSFS_DIR "/power/control", "auto\n");
        write_text(root, MEMORY_SYSFS_DIR "/memory/state", "online\n");
        write_text(root, MEMORY_SYSFS_DIR "/memoryX/state", "online\n");
        write_text(root, MEMORY_SYSFS_DIR "/memory01/state", "online\n");
        write_text(root, MEMORY_SYSFS_DIR "/memory-3/state", "online\n");
        write_text(root, MEMORY_SYSFS_DIR "/memory7x/state", "online\n");

        assert_int_equal(block_set_load(root, &s, &e), 0);
        assert_int_equal(s.block_size, UINT64_C(0x10000000));
        assert_int_equal(s.n_present, ELEMENTSOF(blocks));

        size_t k = 0;
        for (uint64_t n = block_set_next(&s, 0); n != UINT64_MAX; n = block_set_next(&s, n + 1)) {
                assert_true(k < ELEMENTSOF(blocks));
                assert_int_equal(n, blocks[k++]);
        }
        assert_int_equal(k, ELEMENTSOF(blocks));

        /* A removal shows in the next scan. */
        _cleanup_(block_set_done) BlockSet t = {};
        assert_int_equal(fake_root_remove_block(root, 64), 0);
        assert_int_equal(fake_root_remove_block(root, 64), -ENOENT);
        assert_int_equal(block_set_load(root, &t, &e), 0);
        assert_int_equal(t.n_present, ELEMENTSOF(blocks) - 1);
        assert_false(block_set_contains(&t, 64));
        assert_true(block_set_contains(&t, 130));
}

static void test_load_empty(void **state) {
        const char *root = *state;
        _cleanup_(block_set_done) BlockSet s = {};
        Error e = {};

        assert_int_equal(fake_root_set_block_size(root, UINT64_C(0x1000000)), 0);
        assert_int_equal(block_set_load(root, &s, &e), 0);
        assert_int_equal(s.block_size, UINT64_C(0x1000000));
        assert_int_equal(s.n_present, 0);
        assert_int_equal(block_set_next(&s, 0), UINT64_MAX);
}

static void test_load_bad_block_size(void **state) {
        static const char *const bad[] = { "", "0\n", "abc\n", "0x10000000\n", "10000000\n\n", "lots of text\n" };
        const char *root = *state;

        assert_int_equal(fake_root_add_block(root, 1), 0);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                BlockSet s = { .n_present = 99 };
                Error e = {};

                write_text(root, MEMORY_SYSFS_DIR "/block_size_bytes", bad[i]);

                assert_int_equal(block_set_load(root, &s, &e), -EBADMSG);
                assert_contains_text(e.message, "block_size_bytes");
                assert_contains_text(e.message, root);
                /* Untouched on failure. */
                assert_int_equal(s.n_present, 99);
                assert_null(s.words);
        }

        /* The bad text is quoted. */
        BlockSet s = {};
        Error e = {};
        write_text(root, MEMORY_SYSFS_DIR "/block_size_bytes", "12q4\n");
        assert_int_equal(block_set_load(root, &s, &e), -EBADMSG);
        assert_contains_text(e.message, "\"12q4\\n\"");

        /* A NUL byte would hide the rest of the text from the parser. */
        assert_int_equal(fake_root_write_file(root, MEMORY_SYSFS_DIR "/block_size_bytes", "10\0zz\n", 6), 0);
        assert_int_equal(block_set_load(root, &s, &e), -EBADMSG);
        assert_contains_text(e.message, "NUL");

        /* Too long for what the kernel prints. */
        char big[200];
        memset(big, '1', sizeof(big) - 1);
        big[sizeof(big) - 1] = 0;
        write_text(root, MEMORY_SYSFS_DIR "/block_size_bytes", big);
        assert_int_equal(block_set_load(root, &s, &e), -EFBIG);
        assert_contains_text(e.message, "block_size_bytes");
}

static void test_load_missing(void **state) {
        const char *root = *state;
        BlockSet s = {};
        Error e = {};

        /* No memory directory at all: not a system with memory blocks. */
        assert_int_equal(block_set_load(root, &s, &e), -ENOENT);
        assert_contains_text(e.message, "block_size_bytes");

        /* Blocks but no block size. */
        assert_int_equal(fake_root_add_block(root, 3), 0);
        e = (Error) {};
        assert_int_equal(block_set_load(root, &s, &e), -ENOENT);
        assert_contains_text(e.message, "block_size_bytes");
        assert_null(s.words);
}

static void test_load_block_out_of_range(void **state) {
        const char *root = *state;
        BlockSet s = {};
        Error e = {};
        char name[64];

        assert_int_equal(fake_root_set_block_size(root, UINT64_C(0x1000000)), 0);
        assert_int_equal(fake_root_add_block(root, 1), 0);
        snprintf(name, sizeof(name), MEMORY_SYSFS_DIR "/memory%" PRIu64 "/state", BLOCK_SET_MAX_BLOCKS);
        write_text(root, name, "online\n");

        /* A real block we cannot hold: an error, not silently missing memory. */
        assert_int_equal(block_set_load(root, &s, &e), -ERANGE);
        assert_contains_text(e.message, "memory67108864");
        assert_null(s.words);

        /* The largest supported block loads. */
        _cleanup_(block_set_done) BlockSet t = {};
        char dir[64];
        snprintf(dir, sizeof(dir), MEMORY_SYSFS_DIR "/memory%" PRIu64, BLOCK_SET_MAX_BLOCKS);
        _cleanup_free_ char *full = NULL;
        assert_int_equal(path_join_root(root, dir, &full), 0);
        assert_int_equal(fake_root_remove(full), 0);
        assert_int_equal(fake_root_add_block(root, BLOCK_SET_MAX_BLOCKS - 1), 0);
        assert_int_equal(block_set_load(root, &t, &e), 0);
        assert_int_equal(t.n_present, 2);
        assert_true(block_set_contains(&t, BLOCK_SET_MAX_BLOCKS - 1));
}

/* The fake root itself: files are replaced by rename (new inode), removal is complete. */
static void test_fake_root(void **state) {
        const char *root = *state;
        _cleanup_free_ char *data = NULL;
        struct stat st1, st2;
        size_t size;
        Error e = {};

        assert_int_equal(fake_root_set_block_size(root, UINT64_C(0x10000000)), 0);
        assert_int_equal(read_full_file_root(root, MEMORY_SYSFS_DIR "/block_size_bytes", 64, &data, &size, &e), 0);
        assert_string_equal(data, "10000000\n");

        assert_int_equal(fake_root_add_block(root, 12), 0);
        free(data);
        data = NULL;
        assert_int_equal(read_full_file_root(root, MEMORY_SYSFS_DIR "/memory12/state", 64, &data, &size, &e), 0);
        assert_string_equal(data, "online\n");

        assert_int_equal(stat_root(root, MEMORY_SYSFS_DIR "/block_size_bytes", &st1), 0);
        assert_int_equal(fake_root_set_block_size(root, UINT64_C(0x10000000)), 0);
        assert_int_equal(stat_root(root, MEMORY_SYSFS_DIR "/block_size_bytes", &st2), 0);
        assert_true(st1.st_ino != st2.st_ino);

        /* Property and LMB size, for both formats. */
        Blob p = {};
        blob_put32(&p, 0);
        assert_int_equal(fake_root_write_dt(root, UINT64_C(0x10000000), DT_FORMAT_V2, &p), 0);
        assert_int_equal(fake_root_write_dt(root, UINT64_C(0x10000000), DT_FORMAT_V1, &p), 0);
        blob_done(&p);
        free(data);
        data = NULL;
        assert_int_equal(read_full_file_root(root, DT_MEMORY_NODE "/" DT_PROP_LMB_SIZE, 64, &data, &size, &e), 0);
        assert_int_equal(size, 8);
        assert_memory_equal(data, "\0\0\0\0\x10\0\0\0", 8);
        assert_int_equal(stat_root(root, DT_MEMORY_NODE "/" DT_PROP_DYNAMIC_MEMORY, &st1), 0);
        assert_int_equal(st1.st_size, 4);
        assert_int_equal(stat_root(root, DT_MEMORY_NODE "/" DT_PROP_DYNAMIC_MEMORY_V2, &st1), 0);
        assert_int_equal(st1.st_size, 4);

        /* No temporary files left behind. */
        _cleanup_free_ char *dir = NULL;
        assert_int_equal(path_join_root(root, DT_MEMORY_NODE, &dir), 0);
        _cleanup_closedir_ DIR *d = opendir(dir);
        assert_non_null(d);
        unsigned n = 0;
        for (struct dirent *de; (de = readdir(d));)
                if (de->d_name[0] != '.' || strstr(de->d_name, ".#"))
                        n++;
        assert_int_equal(n, 3);

        assert_int_equal(fake_root_remove(root), 0);
        assert_int_equal(stat(root, &st1), -1);
        assert_int_equal(errno, ENOENT);
        assert_int_equal(fake_root_remove(root), 0);  /* rm -rf: gone is fine */
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_block_size_parse_good),
                cmocka_unit_test(test_block_size_parse_bad),
                cmocka_unit_test(test_block_size_parse_long_text_truncated),
                cmocka_unit_test(test_memory_block_name_parse),
                cmocka_unit_test(test_init),
                cmocka_unit_test(test_add_remove_contains),
                cmocka_unit_test(test_add_range_limit),
                cmocka_unit_test(test_growth),
                cmocka_unit_test(test_all_none_word_boundaries),
                cmocka_unit_test(test_all_none_random),
                cmocka_unit_test(test_next),
                cmocka_unit_test_setup_teardown(test_load, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_load_empty, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_load_bad_block_size, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_load_missing, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_load_block_out_of_range, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_fake_root, root_setup, root_teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
