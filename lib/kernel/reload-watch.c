/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "reload-watch.h"

/* Progress: at least this share of one CPU over the window (1/20). */
#define RELOAD_WATCH_CPU_SHARE 20

void reload_watch_init(ReloadWatch *w, usec_t started_at, usec_t timeout, uint64_t cpu, int loaded) {
        assert(w);
        *w = (ReloadWatch) {
                .started_at = started_at,
                .timeout = timeout,
                .window_start = started_at,
                .window_cpu = cpu,
                .loaded = loaded,
        };
}

ReloadWatchVerdict reload_watch_poll(ReloadWatch *w, usec_t now, uint64_t cpu, int loaded) {
        usec_t span;

        assert(w);

        if (loaded != w->loaded || cpu < w->window_cpu) {
                /* It loaded or unloaded (or the group's accounting restarted): progress. */
                w->window_start = now;
                w->window_cpu = cpu;
                w->loaded = loaded;
                return RELOAD_WATCH_KEEP;
        }

        span = now - MIN(now, w->window_start);
        if (span < w->timeout)
                return RELOAD_WATCH_KEEP;
        if ((cpu - w->window_cpu) * RELOAD_WATCH_CPU_SHARE >= span) {
                w->window_start = now;
                w->window_cpu = cpu;
                return RELOAD_WATCH_KEEP_BUSY;
        }
        if (loaded == 0 && now < usec_add(w->started_at, usec_add(w->timeout, w->timeout)))
                return RELOAD_WATCH_KEEP_UNLOADED;
        return RELOAD_WATCH_KILL;
}

usec_t reload_watch_deadline(const ReloadWatch *w) {
        usec_t stall = usec_add(w->window_start, w->timeout);

        assert(w);
        if (w->loaded != 0)
                return stall;
        return MAX(stall, usec_add(w->started_at, usec_add(w->timeout, w->timeout)));
}

int proc_stat_parse(const char *text, pid_t *ret_ppid, pid_t *ret_pgrp, uint64_t *ret_ticks, Error *e) {
        /* "pid (comm) state ppid pgrp ..."; comm may hold spaces and parentheses: after the last ')'. */
        const char *p = strrchr(text, ')');
        unsigned long long ticks[4];
        int ppid, pgrp, n = -1;

        /* Fields 3 to 17: state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt
         * utime stime cutime cstime. */
        if (!p || sscanf(p + 1, " %*c %d %d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %llu %llu%n", &ppid, &pgrp,
                         &ticks[0], &ticks[1], &ticks[2], &ticks[3], &n) != 6 || n < 0 || ppid < 0 || pgrp <= 0)
                return error_set(e, -EINVAL, "Not the text of /proc/PID/stat (parent, process group, CPU times)");
        if (ret_ppid)
                *ret_ppid = ppid;
        if (ret_pgrp)
                *ret_pgrp = pgrp;
        if (ret_ticks)
                *ret_ticks = (uint64_t) ticks[0] + ticks[1] + ticks[2] + ticks[3];
        return 0;
}
