/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "alloc-util.h"
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

int strv_copy(const char *const *l, char ***ret) {
        _cleanup_strv_free_ char **c = NULL;
        size_t n = strv_length((char * const *) l);

        c = calloc(n + 1, sizeof(char *));
        if (!c)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                c[i] = strdup(l[i]);
                if (!c[i])
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(c);
        return 0;
}

int strv_push(char ***l, char *value) {
        size_t n = strv_length(*l);
        char **c;

        c = reallocarray(*l, n + 2, sizeof(char *));
        if (!c)
                return -ENOMEM;
        c[n] = value;
        c[n + 1] = NULL;
        *l = c;
        return 0;
}

int strv_extend(char ***l, const char *value) {
        char *v;
        int r;

        v = strdup(value);
        if (!v)
                return -ENOMEM;
        r = strv_push(l, v);
        if (r < 0)
                free(v);
        return r;
}

char *strv_join(char * const *l, const char *separator) {
        size_t n = 0, k = strlen(separator);
        char *s, *p;

        for (char * const *i = l; i && *i; i++)
                n += strlen(*i) + (i == l ? 0 : k);
        s = p = malloc(n + 1);
        if (!s)
                return NULL;
        for (char * const *i = l; i && *i; i++)
                p = stpcpy(i == l ? p : stpcpy(p, separator), *i);
        *p = 0;
        return s;
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
