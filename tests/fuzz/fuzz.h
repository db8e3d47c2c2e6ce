/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* The entry point of every fuzz target, called by libFuzzer or by standalone-main.c. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant of the code under test. Unlike assert() it is never compiled out: a violated one
 * is a finding, and abort() is what both libFuzzer and the standalone driver catch. */
#define FUZZ_CHECK(expr)                                                                        \
        do {                                                                                    \
                if (!(expr)) {                                                                  \
                        fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #expr); \
                        abort();                                                                \
                }                                                                               \
        } while (0)
