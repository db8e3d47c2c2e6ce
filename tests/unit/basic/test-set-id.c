/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdint.h>
#include <string.h>

#include "hash.h"
#include "macro.h"
#include "set-id.h"

/* The ids here stand for each other's sets: a shortcut in either function (a value dropped, values
 * that commute or cancel, bits that never reach the result) makes two sets one. */

static const uint64_t samples[] = {
        0, 1, 2, 3, UINT64_C(0x10000000), UINT64_C(0x100000000), UINT64_C(0x8000000000000000),
        UINT64_C(0xffffffffffffffff), UINT64_C(0x0123456789abcdef), HASH_SEED,
};

static void test_hash_u64_distinct_values(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(samples); i++)
                for (size_t j = 0; j < i; j++) {
                        assert_int_not_equal(hash_u64(HASH_SEED, samples[i]), hash_u64(HASH_SEED, samples[j]));
                        /* the same value into different hashes so far */
                        assert_int_not_equal(hash_u64(samples[i], 7), hash_u64(samples[j], 7));
                }
}

/* (base, length) pairs and runs are hashed in order: swapping two values is another sequence. */
static void test_hash_u64_order(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(samples); i++)
                for (size_t j = 0; j < i; j++)
                        assert_int_not_equal(hash_u64(hash_u64(HASH_SEED, samples[i]), samples[j]),
                                             hash_u64(hash_u64(HASH_SEED, samples[j]), samples[i]));
}

/* Every input bit reaches every output bit: over the samples, flipping bit b of the value flips
 * each of the 64 output bits at least once. */
static void test_hash_u64_every_bit(void **state) {
        for (unsigned b = 0; b < 64; b++) {
                uint64_t reached = 0;

                for (size_t i = 0; i < ELEMENTSOF(samples); i++)
                        for (size_t j = 0; j < ELEMENTSOF(samples); j++)
                                reached |= hash_u64(samples[j], samples[i]) ^
                                           hash_u64(samples[j], samples[i] ^ (UINT64_C(1) << b));
                if (reached != UINT64_MAX)
                        fail_msg("input bit %u reaches only output bits 0x%016llx", b, (unsigned long long) reached);
        }
}

static void test_hash_nonzero(void **state) {
        assert_int_equal(hash_nonzero(0), 1);
        for (size_t i = 1; i < ELEMENTSOF(samples); i++)
                assert_int_equal(hash_nonzero(samples[i]), samples[i]);
}

static void test_fold_one_and_none(void **state) {
        assert_int_equal(set_id_fold(NULL, 0), 0);
        for (size_t i = 0; i < ELEMENTSOF(samples); i++)
                assert_int_equal(set_id_fold(&samples[i], 1), samples[i]);
}

/* Memory and CPUs (and more resources) in fixed slots: a change in any slot shows, two slots that
 * change at once do not cancel (by xor or by sum), and two slots are not interchangeable. */
static void test_fold_each_value(void **state) {
        const uint64_t base[] = { UINT64_C(0x1111), UINT64_C(0x2222), UINT64_C(0x3333), UINT64_C(0x4444) };
        const uint64_t d = UINT64_C(0x0101);

        for (size_t n = 2; n <= ELEMENTSOF(base); n++) {
                uint64_t id = set_id_fold(base, n);

                for (size_t i = 0; i < n; i++) {
                        uint64_t v[ELEMENTSOF(base)];

                        for (size_t k = 0; k < ELEMENTSOF(samples); k++) {
                                memcpy(v, base, sizeof(v));
                                v[i] = samples[k];
                                assert_int_not_equal(set_id_fold(v, n), id);
                        }
                        for (size_t j = 0; j < i; j++) {
                                memcpy(v, base, sizeof(v));
                                v[i] ^= d, v[j] ^= d;
                                assert_int_not_equal(set_id_fold(v, n), id);
                                memcpy(v, base, sizeof(v));
                                v[i] += d, v[j] -= d;
                                assert_int_not_equal(set_id_fold(v, n), id);
                                memcpy(v, base, sizeof(v));
                                v[i] = base[j], v[j] = base[i];
                                assert_int_not_equal(set_id_fold(v, n), id);
                        }
                }
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_hash_u64_distinct_values),
                cmocka_unit_test(test_hash_u64_order),
                cmocka_unit_test(test_hash_u64_every_bit),
                cmocka_unit_test(test_hash_nonzero),
                cmocka_unit_test(test_fold_one_and_none),
                cmocka_unit_test(test_fold_each_value),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
