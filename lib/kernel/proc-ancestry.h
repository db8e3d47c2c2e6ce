/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* Whether a process descends from another, by the parent pids in /proc/PID/stat: how the daemon
 * tells a `kdump-settlectl wait` that drmgr runs from one of its hooks (its pid from the control
 * socket's SO_PEERCRED) from any other, drmgr's pid being its lock's holder (F_GETLK). The text
 * is parsed by proc_stat_parse() (lib/kernel/reload-watch.h). */

/* /proc/PID/stat is a few hundred bytes. */
#define PROC_STAT_MAX ((size_t) 4096)
/* Deeper than any hook's chain (drmgr, a shell, a script, kdump-settlectl). */
#define PROC_ANCESTRY_DEPTH_MAX 64

/* Whether `ancestor` is the parent of pid, or its parent's, and so on, reading root/proc/PID/stat
 * (at most PROC_ANCESTRY_DEPTH_MAX of them, PROC_STAT_MAX bytes each): 1 yes, 0 no (also when a
 * process on the way has exited, or the chain is longer than that), -errno with e set when a
 * stat cannot be read or parsed (-EINVAL). A process is not its own ancestor. */
int proc_is_ancestor(const char *root, pid_t pid, pid_t ancestor, Error *e);
