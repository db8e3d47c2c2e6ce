/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

/* NULL-terminated string vectors. */

void strv_free(char **l);
static inline void strv_freep(char ***l) {
        strv_free(*l);
}
#define _cleanup_strv_free_ __attribute__((cleanup(strv_freep)))

size_t strv_length(char * const *l);

/* Splits on white space (space, tab, newline); no quoting, no shell. Empty input gives -EINVAL. */
int strv_split_whitespace(const char *s, char ***ret);
