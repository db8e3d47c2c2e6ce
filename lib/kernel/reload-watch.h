/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "time-util.h"

/* When a reload past ReloadTimeoutSec= is killed. The timeout is there for a hung backend; a
 * killed one is retried from the start, so killing one that works (kdumpctl rebuilding its
 * initramfs on a slow disk) means it never finishes. Past the timeout a reload is killed only
 * when it is stalled: its process group used less than 5% of a CPU over the last whole timeout,
 * and kexec_crash_loaded did not change in it. A dracut run (compressing an initramfs) uses far
 * more even on a busy LPAR; a backend waiting on a lock or the network, or a sleep, far less, and
 * so does a tool's start-up, which a short timeout's first window includes. And while no crash kernel is
 * loaded (kdumpctl and kdump-config unload first; a retry after a kill starts with none), even a
 * stalled reload runs until twice the timeout: a kill then cannot leave less than there is, but
 * the retry would have to be quicker than this attempt, and the first attempt had that long. */

typedef enum ReloadWatchVerdict {
        RELOAD_WATCH_KEEP,          /* not judged yet: the window is not over, or it loaded or unloaded */
        RELOAD_WATCH_KEEP_BUSY,     /* it used CPU time over the window */
        RELOAD_WATCH_KEEP_UNLOADED, /* stalled, but nothing is loaded and twice the timeout is not over */
        RELOAD_WATCH_KILL,
} ReloadWatchVerdict;

typedef struct ReloadWatch {
        usec_t started_at;
        usec_t timeout;
        usec_t window_start;      /* the stall window: since the last progress seen */
        uint64_t window_cpu;      /* the group's CPU time (µs) at window_start */
        int loaded;               /* kexec_crash_loaded as seen last: 1, 0, -1 not known (no allowance) */
} ReloadWatch;

void reload_watch_init(ReloadWatch *w, usec_t started_at, usec_t timeout, uint64_t cpu, int loaded);

/* A look at now (past the timeout): the group's CPU time so far and kexec_crash_loaded. */
ReloadWatchVerdict reload_watch_poll(ReloadWatch *w, usec_t now, uint64_t cpu, int loaded);

/* The earliest it can be killed if it makes no more progress. */
usec_t reload_watch_deadline(const ReloadWatch *w);

/* Of /proc/PID/stat's text: the parent pid (0 for init and kthreadd), the process group and the
 * CPU time in clock ticks (utime, stime and the waited-for children's cutime, cstime); each may be
 * NULL. -EINVAL with e naming what when the text is not that. The one reader of that layout
 * (lib/kernel/proc-ancestry.h walks the parents with it). */
int proc_stat_parse(const char *text, pid_t *ret_ppid, pid_t *ret_pgrp, uint64_t *ret_ticks, Error *e);
