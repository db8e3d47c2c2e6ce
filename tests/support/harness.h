/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Test harness utilities shared by the programs that run the real daemon (integration tests, soak,
 * bench-latency): the clock, small files, the sd_notify socket, the daemon's environment and the
 * re-execution under umockdev. They abort() on out-of-memory: a harness has no way on without it. */

/* CLOCK_MONOTONIC in µs: every wait of a harness is bounded by it. */
int64_t harness_now_usec(void);
/* Sleeps the whole time, across signals (the harnesses use SIGALRM as a watchdog). */
void harness_sleep_usec(int64_t usec);

/* The whole file, NUL-terminated (the size excludes the NUL); NULL if it cannot be opened. */
char *harness_read_all(const char *path, size_t *ret_size);
/* Creates or truncates path with text. 0 or a negative errno. */
int harness_write_text(const char *path, const char *text);
/* "dir/name", newly allocated. */
char *harness_path_in(const char *dir, const char *name);
/* "/sys/devices/system/memory/memoryN", as umockdev and the daemon name the block. */
char *harness_block_syspath(unsigned n);

/* A datagram socket bound at path, non-blocking, for the daemon's sd_notify messages. The fd or a
 * negative errno (-ENAMETOOLONG when path does not fit in sockaddr_un). */
int harness_notify_socket(const char *path);
/* environ with assignment ("NAME=value") in place of any NAME= there. Built before fork(): a
 * umockdev testbed has threads, so the child must only exec. Free the array, not the strings. */
char **harness_environ_with(const char *assignment);

/* Re-executes this program under libumockdev-preload unless it is preloaded already; reexec_var
 * marks the re-execution, so that a lost LD_PRELOAD does not loop. Returns 0 when preloaded,
 * -ELOOP when LD_PRELOAD was lost across the re-execution, or the negative errno of execv(). */
int harness_ensure_preload(char **argv, const char *reexec_var);
