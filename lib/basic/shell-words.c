/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "shell-words.h"
#include "strv.h"

/* How much of a bad line a message shows, quoted: the line may be anything. */
#define SHOWN_MAX 100

/* One word from *p into out (which has room for strlen(*p) + 1); *p moves past it. */
static int next_word(const char **p, char *out, const char *what, const char *line, Error *e) {
        const char *s = *p;
        size_t n = 0;

        while (*s && !strchr(" \t\n", *s)) {
                if (*s == '\'') {
                        const char *end = strchr(s + 1, '\'');
                        if (!end)
                                return error_set(e, -EINVAL, "%s: unterminated ' at column %zu", what,
                                                 (size_t) (s - line) + 1);
                        memcpy(out + n, s + 1, (size_t) (end - s - 1));
                        n += (size_t) (end - s - 1);
                        s = end + 1;
                } else if (*s == '"') {
                        for (s++; *s != '"'; s++) {
                                if (!*s) {
                                        char shown[SHOWN_MAX];

                                        return error_set(e, -EINVAL, "%s: unterminated \" in \"%s\"", what,
                                                         text_quote(line, shown, sizeof(shown)));
                                }
                                if (*s == '$' || *s == '`')
                                        return error_set(e, -EINVAL, "%s: %c at column %zu needs a shell",
                                                         what, *s, (size_t) (s - line) + 1);
                                if (*s == '\\' && s[1] && strchr("\"\\$`", s[1]))
                                        s++;
                                out[n++] = *s;
                        }
                        s++;
                } else if (*s == '\\' && s[1]) {
                        out[n++] = s[1];
                        s += 2;
                } else if (*s == '$' || *s == '`' || *s == ';' || *s == '|' || *s == '&' || *s == '<' ||
                           *s == '>' || *s == '(' || *s == ')') {
                        return error_set(e, -EINVAL, "%s: %c at column %zu needs a shell", what, *s,
                                         (size_t) (s - line) + 1);
                } else
                        out[n++] = *s++;
        }
        out[n] = 0;
        *p = s;
        return 0;
}

int shell_words_split(const char *line, const char *what, char ***ret, Error *e) {
        _cleanup_strv_free_ char **l = NULL;
        size_t n = 0;
        const char *p = line;
        int r;

        /* At most one word per two characters, plus the terminator. */
        l = calloc(strlen(line) / 2 + 2, sizeof(char *));
        if (!l)
                return error_set(e, -ENOMEM, "Out of memory");
        for (;;) {
                p += strspn(p, " \t\n");
                if (!*p)
                        break;
                l[n] = malloc(strlen(p) + 1);
                if (!l[n])
                        return error_set(e, -ENOMEM, "Out of memory");
                r = next_word(&p, l[n], what, line, e);
                n++;
                if (r < 0)
                        return r;
        }
        if (n == 0)
                return error_set(e, -EINVAL, "%s: no command", what);
        *ret = TAKE_PTR(l);
        return 0;
}

int shell_assignment_find(const char *text, const char *key, const char *what, char **ret, Error *e) {
        _cleanup_free_ char *found = NULL;
        size_t klen = strlen(key);
        unsigned line_no = 0;

        for (const char *line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
                size_t len = strcspn(line, "\n");
                _cleanup_free_ char *copy = strndup(line, len);
                const char *p;
                char *value;
                int r;

                line_no++;
                if (!copy)
                        return error_set(e, -ENOMEM, "Out of memory");
                p = copy + strspn(copy, " \t");
                if (strncmp(p, "export ", 7) == 0)
                        p += 7 + strspn(p + 7, " \t");
                if (strncmp(p, key, klen) != 0 || p[klen] != '=')
                        continue;
                p += klen + 1;
                /* A trailing comment is not part of the value. */
                value = malloc(strlen(p) + 1);
                if (!value)
                        return error_set(e, -ENOMEM, "Out of memory");
                r = next_word(&p, value, what, copy, e);
                if (r < 0) {
                        free(value);
                        return error_set(e, r, "%s line %u: %s= cannot be read without a shell", what,
                                         line_no, key);
                }
                p += strspn(p, " \t");
                if (*p && *p != '#') {
                        free(value);
                        return error_set(e, -EINVAL, "%s line %u: %s= is followed by more than a value", what,
                                         line_no, key);
                }
                free(found);
                found = value;
        }
        if (!found)
                return 0;
        *ret = TAKE_PTR(found);
        return 1;
}
