/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include "alloc-util.h"

/* NULL-terminated string vectors. */

void strv_free(char **l);
static inline void strv_freep(char ***l) {
        strv_free(*l);
}
#define _cleanup_strv_free_ __attribute__((cleanup(strv_freep)))

size_t strv_length(char * const *l);

/* A deep copy of l (NULL gives an empty vector). -ENOMEM. */
int strv_copy(const char *const *l, char ***ret);

/* Appends value to *l (which may be NULL: it is created). strv_push() takes value over on
 * success; strv_extend() appends a copy. -ENOMEM, *l unchanged. */
int strv_push(char ***l, char *value);
int strv_extend(char ***l, const char *value);

/* The words joined with separator ("" for an empty or NULL vector); NULL when out of memory. */
char *strv_join(char * const *l, const char *separator);

/* Splits on white space (space, tab, newline); no quoting, no shell. Empty input gives -EINVAL. */
int strv_split_whitespace(const char *s, char ***ret);
