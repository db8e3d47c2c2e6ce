/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "strv.h"

#define WHITESPACE " \t\n\r"

void strv_free(char **l) {
        if (!l)
                return;
        for (char **i = l; *i; i++)
                free(*i);
        free(l);
}

size_t strv_length(char * const *l) {
        size_t n = 0;

        while (l && l[n])
                n++;
        return n;
}

int strv_split_whitespace(const char *s, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        size_t n = 0;

        /* At most one word per two characters, plus the terminator. */
        l = calloc(strlen(s) / 2 + 2, sizeof(char *));
        if (!l)
                return -ENOMEM;

        for (;;) {
                size_t len;

                s += strspn(s, WHITESPACE);
                if (!*s)
                        break;
                len = strcspn(s, WHITESPACE);
                l[n] = strndup(s, len);
                if (!l[n])
                        return -ENOMEM;
                n++;
                s += len;
        }

        if (n == 0)
                return -EINVAL;
        *ret = TAKE_PTR(l);
        return 0;
}
