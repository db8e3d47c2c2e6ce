/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "dt-blob.h"
#include "papr-drmem.h"

/* Test harness utilities shared by the programs that run the real daemon (integration tests, soak,
 * bench-latency): the clock, small files, the sd_notify socket, the daemon's environment and the
 * re-execution under umockdev. They abort() on out-of-memory: a harness has no way on without it. */

/* The LPAR the harnesses simulate: LMBs of LMB_SIZE, the boot LMBs flagged as QEMU's pseries
 * machine flags them. How many there are is each program's. */
#define MiB ((uint64_t) 1024 * 1024)
#define LMB_SIZE (256 * MiB)
#define FLAGS_QEMU_BOOT (DRCONF_MEM_RESERVED | DRCONF_MEM_DRC_INVALID) /* 0xa0 */

#define MSEC ((int64_t) 1000)
#define SEC ((int64_t) 1000000)

/* An LPAR's ibm,dynamic-memory-v2 in *b (which it resets): n_boot LMBs from first_lmb with
 * boot_flags, then n_hot with hot_flags. */
void harness_lpar_dt(Blob *b, unsigned first_lmb, unsigned n_boot, unsigned n_hot, uint32_t boot_flags,
                     uint32_t hot_flags);

/* Whether a reload's copy of ibm,dynamic-memory-v2 (data, size) is expected, or what the reload's
 * drconf-usable correction (lib/model/drconf-usable.h) makes of it: the same present LMBs, entry
 * for entry, and nothing else. Either, as the daemon runs the reload over the copy only where it
 * can mount one (root, a real root: not under umockdev's redirection). */
bool harness_dt_copy_is(const void *data, size_t size, const Blob *expected);

/* The umockdev description of memory block n (online), for umockdev_testbed_add_from_string(). "P:"
 * gives exactly this devpath (umockdev_testbed_add_device() would put it under /sys/devices/). */
char *harness_umockdev_block(unsigned n);

/* A /proc/PID/status field in kB ("VmRSS"), or -1. */
long harness_proc_status_kb(pid_t pid, const char *field);

/* The failures of a TAP test case: t is any struct with `const char *name` and `bool failed`.
 * TEST_FAIL() prints "# NAME: FAIL: message" and marks the case failed; CHECK() does so when cond
 * is false and returns cond, so that a test can stop at a check that later ones depend on. */
void harness_fail(const char *name, bool *failed, const char *format, ...) __attribute__((format(printf, 3, 4)));
#define TEST_FAIL(t, ...) harness_fail((t)->name, &(t)->failed, __VA_ARGS__)
#define CHECK(t, cond, ...)                             \
        ({                                              \
                bool _ok = (cond);                      \
                if (!_ok)                               \
                        TEST_FAIL((t), __VA_ARGS__);    \
                _ok;                                    \
        })

/* Every line of text as a TAP diagnostic, "#   PREFIXline". */
void harness_diag_lines(const char *prefix, const char *text);

/* Starts argv[0] (looked up in PATH if it has no slash) with argv and envp, stdin from /dev/null,
 * stdout and stderr into output_path (created or truncated), killed with SIGKILL if this program
 * dies. Prints the command line first, after print_prefix, unless that is NULL. The child only
 * dups and execs: safe with a umockdev testbed's threads. The pid; aborts when it cannot start. */
pid_t harness_spawn(char *const *argv, char *const *envp, const char *output_path, const char *print_prefix);

/* What harness_run_forked() returns for a child that did not exit (killed by a signal). */
#define HARNESS_CHILD_DIED 100

/* fn(userdata) in a forked child (stdout flushed first, so the child does not print it again), as
 * the reload child runs what must not touch this process (a mount namespace, a lock): its exit
 * status, HARNESS_CHILD_DIED if it did not exit. Aborts when fork() or waitpid() fails. */
int harness_run_forked(int (*fn)(const void *userdata), const void *userdata);

/* Whether a process here can make a mount namespace whose mounts do not reach ours, as the reload
 * child's device-tree overlay does (mount_namespace_own(), daemon/mount-namespace.c): not in
 * a chroot whose / is not a mount point, as in ../shared/fresh-debian, nor without root. Asked in a
 * child. */
bool harness_mount_namespace_usable(void);

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
/* Waits up to timeout µs for sd_notify messages on fd, then reads all that are queued and calls
 * on_line(line, userdata) for each of their lines ("READY=1", "STATUS=..."). Returns whether any
 * message came. */
bool harness_notify_read(int fd, int64_t timeout, void (*on_line)(const char *line, void *userdata), void *userdata);

/* environ with the assignments ("NAME=value", a NULL-terminated list) in place of any NAME= there.
 * Built before fork(): a umockdev testbed has threads, so the child must only exec. Free the
 * array, not the strings. */
char **harness_environ_with(const char *assignment, ...) __attribute__((sentinel));

/* Re-executes this program under libumockdev-preload unless it is preloaded already; reexec_var
 * marks the re-execution, so that a lost LD_PRELOAD does not loop. Returns 0 when preloaded,
 * -ELOOP when LD_PRELOAD was lost across the re-execution, or the negative errno of execv(). */
int harness_ensure_preload(char **argv, const char *reexec_var);
