/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Clock and statistics helpers shared by the benchmark programs. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline uint64_t bench_now_ns(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * UINT64_C(1000000000) + (uint64_t) ts.tv_nsec;
}

static inline int bench_cmp_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;

        return x < y ? -1 : x > y;
}

typedef struct BenchStats {
        double min, median, max, mean;
        size_t n;
} BenchStats;

/* Sorts v in place. */
static inline BenchStats bench_stats(double *v, size_t n) {
        BenchStats s = { .n = n };
        double sum = 0;

        if (n == 0)
                return s;
        qsort(v, n, sizeof(double), bench_cmp_double);
        for (size_t i = 0; i < n; i++)
                sum += v[i];
        s.min = v[0];
        s.max = v[n - 1];
        s.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
        s.mean = sum / (double) n;
        return s;
}

/* Keeps the optimizer from dropping a computation whose result is otherwise unused. */
static inline void bench_keep(uint64_t v) {
        __asm__ volatile("" : : "r"(v) : "memory");
}
