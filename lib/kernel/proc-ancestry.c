/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>

#include "alloc-util.h"
#include "fileio.h"
#include "proc-ancestry.h"
#include "reload-watch.h"

int proc_is_ancestor(const char *root, pid_t pid, pid_t ancestor, Error *e) {
        if (pid <= 0 || ancestor <= 0)
                return 0;

        for (unsigned depth = 0; depth < PROC_ANCESTRY_DEPTH_MAX; depth++) {
                _cleanup_free_ char *text = NULL;
                char path[sizeof("proc//stat") + 12];
                Error pe = {};
                pid_t ppid;
                int r;

                snprintf(path, sizeof(path), "proc/%d/stat", (int) pid);
                r = read_full_file_root(root, path, PROC_STAT_MAX, &text, NULL, e);
                if (r == -ENOENT || r == -ESRCH)
                        return 0;  /* gone: its children were given to another parent */
                if (r < 0)
                        return r;
                r = proc_stat_parse(text, &ppid, NULL, NULL, &pe);
                if (r < 0)
                        return error_set(e, r, "%s: %s", path, error_message(&pe, r));
                if (ppid == ancestor)
                        return 1;
                if (ppid <= 1)
                        return 0;  /* init adopts every orphan: never a hook's drmgr */
                pid = ppid;
        }
        return 0;
}
