/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "alloc-util.h"
#include "fileio.h"
#include "proc-ancestry.h"

int proc_stat_parse_ppid(const char *what, const char *text, size_t size, pid_t *ret, Error *e) {
        const char *close = NULL, *p, *end = text + size;
        long long ppid = 0;

        for (p = text; p < end; p++)
                if (*p == ')')
                        close = p;
        if (!close)
                return error_set(e, -EBADMSG, "%s: no ')' closing the command name in %zu bytes", what, size);

        /* ") S 1234 ": one state letter, then the parent pid. */
        p = close + 1;
        if (end - p < 4 || p[0] != ' ' || p[1] == ' ' || p[2] != ' ')
                return error_set(e, -EBADMSG, "%s: no state field after the command name at byte %zu",
                                 what, (size_t) (p - text));
        p += 3;
        if (p >= end || *p < '0' || *p > '9')
                return error_set(e, -EBADMSG, "%s: no parent pid at byte %zu", what, (size_t) (p - text));
        for (; p < end && *p >= '0' && *p <= '9'; p++) {
                ppid = ppid * 10 + (*p - '0');
                if (ppid > INT_MAX)
                        return error_set(e, -EBADMSG, "%s: parent pid too large at byte %zu", what,
                                         (size_t) (p - text));
        }
        if (p < end && *p != ' ' && *p != '\n')
                return error_set(e, -EBADMSG, "%s: parent pid followed by '%c' at byte %zu", what, *p,
                                 (size_t) (p - text));
        *ret = (pid_t) ppid;
        return 0;
}

int proc_is_ancestor(const char *root, pid_t pid, pid_t ancestor, Error *e) {
        if (pid <= 0 || ancestor <= 0)
                return 0;

        for (unsigned depth = 0; depth < PROC_ANCESTRY_DEPTH_MAX; depth++) {
                _cleanup_free_ char *text = NULL;
                char path[sizeof("proc//stat") + 12];
                size_t size = 0;
                pid_t ppid;
                int r;

                snprintf(path, sizeof(path), "proc/%d/stat", (int) pid);
                r = read_full_file_root(root, path, PROC_STAT_MAX, &text, &size, e);
                if (r == -ENOENT || r == -ESRCH)
                        return 0;  /* gone: its children were given to another parent */
                if (r < 0)
                        return r;
                r = proc_stat_parse_ppid(path, text, size, &ppid, e);
                if (r < 0)
                        return r;
                if (ppid == ancestor)
                        return 1;
                if (ppid <= 1)
                        return 0;  /* init adopts every orphan: never a hook's drmgr */
                pid = ppid;
        }
        return 0;
}
