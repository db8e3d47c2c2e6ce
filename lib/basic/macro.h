/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Compiler attributes and small macros. Nothing here needs libc beyond these few headers: the
 * cleanup helpers live with their resources (alloc-util.h, fd-util.h, fileio.h), so a file that
 * uses one includes what it really needs. */

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _unused_ __attribute__((unused))
#define _pure_ __attribute__((pure))
#define _noreturn_ __attribute__((noreturn))
#define _fallthrough_ __attribute__((__fallthrough__))
#define _likely_(x) __builtin_expect(!!(x), 1)
#define _unlikely_(x) __builtin_expect(!!(x), 0)

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

/* x is one of the listed values. */
#define IN_SET(x, ...)                                                          \
        ({                                                                      \
                const __typeof__(x) _set[] = { __VA_ARGS__ };                   \
                bool _found = false;                                            \
                for (size_t _i = 0; _i < ELEMENTSOF(_set); _i++)                \
                        if (_set[_i] == (x)) {                                  \
                                _found = true;                                  \
                                break;                                          \
                        }                                                       \
                _found;                                                         \
        })

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* A path the code cannot take (a switch over every enum value, say): a programmer error, so it
 * aborts even with NDEBUG, where a plain assert() would fall through into undefined behaviour. */
#define assert_not_reached()                                            \
        do {                                                            \
                assert(!"reached code that cannot be reached");         \
                __builtin_trap();                                       \
        } while (0)

static inline bool is_power_of_two(uint64_t v) {
        return v != 0 && (v & (v - 1)) == 0;
}

#define TAKE_PTR(p)                             \
        ({                                      \
                __typeof__(p) _taken = (p);     \
                (p) = NULL;                     \
                _taken;                         \
        })

#define TAKE_FD(fd)                             \
        ({                                      \
                int _taken = (fd);              \
                (fd) = -1;                      \
                _taken;                         \
        })

/* Negative errno from the last libc failure, never 0 even if errno was not set. */
static inline int negative_errno(void) {
        return errno > 0 ? -errno : -EIO;
}
