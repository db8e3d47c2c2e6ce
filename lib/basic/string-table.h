/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <string.h>
#include <sys/types.h>

#include "macro.h"

/* Enum <-> string tables, one shape for all: a `static const char *const name##_table[]` indexed
 * by the enum, then
 *
 *   DEFINE_STRING_TABLE_LOOKUP_TO_STRING(name, type)    const char *name_to_string(type), NULL if out of range
 *   DEFINE_STRING_TABLE_LOOKUP_FROM_STRING(name, type)  type name_from_string(const char *), -EINVAL if unknown
 *   DEFINE_STRING_TABLE_LOOKUP(name, type)              both
 *
 * DEFINE_PRIVATE_STRING_TABLE_LOOKUP_FROM_STRING(name, type) is the file-local from_string.
 * The enum needs a `_X_INVALID = -EINVAL` member: without a negative value it may be unsigned, and
 * the caller's `< 0` check would never hold. */

static inline ssize_t string_table_lookup(const char *const *table, size_t n, const char *s) {
        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < n; i++)
                if (table[i] && strcmp(table[i], s) == 0)
                        return (ssize_t) i;
        return -EINVAL;
}

#define _DEFINE_STRING_TABLE_LOOKUP_TO_STRING(name, type, scope)                        \
        scope const char *name##_to_string(type i) {                                    \
                if ((size_t) i >= ELEMENTSOF(name##_table))                             \
                        return NULL;                                                    \
                return name##_table[i];                                                 \
        }

#define _DEFINE_STRING_TABLE_LOOKUP_FROM_STRING(name, type, scope)                      \
        scope type name##_from_string(const char *s) {                                  \
                return (type) string_table_lookup(name##_table, ELEMENTSOF(name##_table), s); \
        }

#define DEFINE_STRING_TABLE_LOOKUP_TO_STRING(name, type) _DEFINE_STRING_TABLE_LOOKUP_TO_STRING(name, type, )
#define DEFINE_STRING_TABLE_LOOKUP_FROM_STRING(name, type) _DEFINE_STRING_TABLE_LOOKUP_FROM_STRING(name, type, )
#define DEFINE_STRING_TABLE_LOOKUP(name, type)                          \
        DEFINE_STRING_TABLE_LOOKUP_TO_STRING(name, type)                \
        DEFINE_STRING_TABLE_LOOKUP_FROM_STRING(name, type)
#define DEFINE_PRIVATE_STRING_TABLE_LOOKUP_FROM_STRING(name, type) \
        _DEFINE_STRING_TABLE_LOOKUP_FROM_STRING(name, type, static)
