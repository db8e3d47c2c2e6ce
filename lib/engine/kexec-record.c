/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "kexec-record.h"
#include "macro.h"
#include "shell-words.h"
#include "strv.h"

/* How much of a bad record a message shows, quoted. */
#define RECORD_SHOWN 100

static bool word_in(const char *w, const char *const *set) {
        for (; *set; set++)
                if (strcmp(w, *set) == 0)
                        return true;
        return false;
}

/* The option's value if w is "--name=VALUE" with name in set, else NULL. */
static const char *valued_option(const char *w, const char *const *set) {
        for (; *set; set++) {
                size_t n = strlen(*set);

                if (strncmp(w, *set, n) == 0 && w[n] == '=')
                        return w + n + 1;
        }
        return NULL;
}

/* Removes every option w from l (never l[0], the program): whether there was one. */
static bool drop_word(char **l, const char *w) {
        size_t j = 1;
        bool dropped = false;

        for (size_t i = 1; l[i]; i++) {
                if (strcmp(l[i], w) == 0) {
                        free(l[i]);
                        dropped = true;
                } else
                        l[j++] = l[i];
        }
        l[j] = NULL;
        return dropped;
}

/* Why l is not a panic load, or NULL when it is. */
static const char *panic_load_refusal(char **l) {
        /* Not the short -c of --kexec-syscall: a record with it falls back (tests/static/test-no-shell
         * flags the word, as in "sh -c"). */
        static const char *const flags[] = { "-s", "--kexec-file-syscall", "--kexec-syscall", "-a",
                                             "--kexec-syscall-auto", "-d", "--debug", "--args-linux",
                                             "--reuse-cmdline", "--dt-no-old-root", "--hotplug", NULL };
        static const char *const texts[] = { "--command-line", "--append", NULL };
        static const char *const paths[] = { "--initrd", "--ramdisk", "--dtb", NULL };
        const char *base = strrchr(l[0], '/') ? strrchr(l[0], '/') + 1 : l[0];
        bool panic = false;
        size_t n = strv_length(l);

        if (strcmp(base, "kexec") != 0)
                return "not a kexec command";
        for (size_t i = 1; i + 1 < n; i++) {
                const char *v;

                if (word_in(l[i], (const char *const[]) { "-p", "--load-panic", NULL }))
                        panic = true;
                else if ((v = valued_option(l[i], paths))) {
                        if (v[0] != '/')
                                return "a relative file in an option";
                } else if (!word_in(l[i], flags) && !valued_option(l[i], texts))
                        return "an option that is not part of a panic load";
        }
        if (!panic)
                return "no -p";
        if (n < 3 || l[n - 1][0] != '/')
                return "no absolute kernel path last";
        return NULL;
}

int kexec_record_argv(const char *text, const char *what, const char *kexec, KexecHotplug hotplug, char ***ret,
                      bool *ret_dropped, Error *e) {
        _cleanup_strv_free_ char **l = NULL;
        char shown[RECORD_SHOWN];
        const char *nl = strchr(text, '\n'), *why;
        char *copy;
        Error sub = {};
        int r;

        if (nl && nl[strspn(nl, "\n")])
                return error_set(e, -EINVAL, "%s is more than one line: \"%s\"", what,
                                 text_quote(text, shown, sizeof(shown)));
        r = shell_words_split(text, what, &l, &sub);
        if (r == -ENOMEM)
                return error_set(e, r, "Out of memory");
        if (r < 0)
                return error_set(e, r, "%s", sub.message);
        why = panic_load_refusal(l);
        if (why)
                return error_set(e, -EINVAL, "%s is not a kexec -p load (%s): \"%s\"", what, why,
                                 text_quote(text, shown, sizeof(shown)));

        copy = strdup(kexec);
        if (!copy)
                return error_set(e, -ENOMEM, "Out of memory");
        free(l[0]);
        l[0] = copy;
        *ret_dropped = false;
        if (hotplug != KEXEC_HOTPLUG_ON)
                *ret_dropped = drop_word(l, KEXEC_HOTPLUG_OPTION);
        *ret = TAKE_PTR(l);
        return 0;
}
