/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The real kdump-settled with --uevent-source=kernel, without umockdev: its sysfs and DT are a fake
 * root (--root), and its uevents are genuine kernel netlink messages, made by writing actions to
 * the REAL /sys/devices/system/memory/memoryN/uevent files. Such synthetic uevents change no memory;
 * the fake root mirrors the block numbers they name. This reaches what umockdev cannot: a socket
 * buffer overflow (ENOBUFS), a flood of 100,000 events, the kernel's messages for other subsystems.
 *
 * Root only: it skips every case otherwise, and when memory0/uevent is not writable. No udevd may
 * run (it would act on the synthetic uevents). Environment: KDUMP_SETTLED, KDUMP_SETTLE_SRCDIR (for
 * tests/integration/record-reload). Speaks TAP; every wait is bounded. For debugging:
 * KDUMP_SETTLE_TEST_ONLY=N runs case N only, KDUMP_SETTLE_TEST_KEEP=1 keeps the directories. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dt-blob.h"
#include "dt-memory.h"
#include "fake-root.h"
#include "alloc-util.h"
#include "daemon-runner.h"
#include "harness.h"
#include "macro.h"

#define N_BOOT 4
#define N_HOT 4

#define WAIT_MAX (10 * SEC)     /* any single wait */
#define AFTER_IDLE (300 * MSEC) /* how long "nothing more happens" is watched after idle */

#define SYSFS_MEMORY "/sys/devices/system/memory"
#define NETLINK_KOBJECT_UEVENT_PROTO 15

#define FLOOD_EVENTS 100000
/* Overflow: events are written in chunks until the daemon's socket drops some; this many at most. */
#define OVERFLOW_CHUNK 20000
#define OVERFLOW_MAX 2000000

typedef struct Test {
        DaemonRun d;  /* root: a fake root: sys/devices/system/memory, sys/firmware/devicetree */
        char **status;
        size_t n_status;
} Test;

static unsigned first_block;  /* memory<first_block>.. +N_BOOT+N_HOT-1 exist in the real sysfs */

/* --- assertions, files ------------------------------------------------------------------------ */


/* Reloads recorded by record-reload: one line each. */
static size_t n_calls(Test *t) {
        char *text = harness_read_all(t->d.log, NULL);
        size_t n = 0;

        if (!text)
                return 0;
        for (const char *p = text; *p; p++)
                n += *p == '\n';
        free(text);
        return n;
}

static bool check_copy(Test *t, unsigned n, const Blob *expected, const char *what) {
        char name[64], *path, *data;
        size_t size = 0;
        bool ok;

        snprintf(name, sizeof(name), "reload.log.%u.dt", n);
        path = harness_path_in(t->d.dir, name);
        data = harness_read_all(path, &size);
        free(path);
        if (!CHECK(&t->d, data, "reload %u left no DT copy", n))
                return false;
        ok = CHECK(&t->d, size == expected->size && memcmp(data, expected->data, size) == 0,
                   "reload %u saw a DT of %zu bytes that is not %s", n, size, what);
        free(data);
        return ok;
}

/* What the daemon logged from mark on contains text. */
static bool log_has(Test *t, size_t mark, const char *text) {
        char *err = harness_path_in(t->d.dir, "daemon.stderr"), *data;
        size_t size = 0;
        bool found;

        data = harness_read_all(err, &size);
        free(err);
        found = data && size > mark && strstr(data + mark, text);
        free(data);
        return found;
}

static size_t log_mark(Test *t) {
        char *err = harness_path_in(t->d.dir, "daemon.stderr");
        size_t size = 0;

        free(harness_read_all(err, &size));
        free(err);
        return size;
}

/* --- real uevents ------------------------------------------------------------------------------ */

static int uevent_open(const char *syspath) {
        char path[256];

        snprintf(path, sizeof(path), "%s/uevent", syspath);
        return open(path, O_WRONLY | O_CLOEXEC);
}

static int block_uevent_open(unsigned n) {
        char path[128];

        snprintf(path, sizeof(path), SYSFS_MEMORY "/memory%u", n);
        return uevent_open(path);
}

/* One synthetic uevent from the kernel: the action written to the device's uevent file. */
static bool emit_fd(Test *t, int fd, const char *action) {
        return CHECK(&t->d, write(fd, action, strlen(action)) == (ssize_t) strlen(action),
                     "cannot write \"%s\" to a uevent file: %m", action);
}

static bool emit(Test *t, unsigned block, const char *action) {
        int fd = block_uevent_open(block);
        bool ok;

        if (!CHECK(&t->d, fd >= 0, "cannot open memory%u/uevent: %m", block))
                return false;
        ok = emit_fd(t, fd, action);
        close(fd);
        return ok;
}

/* The lowest n with memory<n>..<n+count-1> all in the real sysfs; false if there is none. */
static bool find_block_run(unsigned count, unsigned *ret) {
        for (unsigned n = 0; n < 4096; n++) {
                unsigned k;

                for (k = 0; k < count; k++) {
                        char path[128];
                        struct stat st;

                        snprintf(path, sizeof(path), SYSFS_MEMORY "/memory%u/uevent", n + k);
                        if (stat(path, &st) < 0)
                                break;
                }
                if (k == count) {
                        *ret = n;
                        return true;
                }
                n += k;
        }
        return false;
}

/* --- the daemon's netlink socket --------------------------------------------------------------- */

/* Inode and fd number of the daemon's NETLINK_KOBJECT_UEVENT socket. */
static bool daemon_netlink(pid_t pid, unsigned long *ret_inode, int *ret_fd) {
        char dirpath[64], line[512];
        struct dirent *de;
        bool found = false;
        DIR *d;

        snprintf(dirpath, sizeof(dirpath), "/proc/%d/fd", (int) pid);
        d = opendir(dirpath);
        if (!d)
                return false;
        while (!found && (de = readdir(d))) {
                char target[64];
                unsigned long ino;
                FILE *f;
                ssize_t k;

                k = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);
                if (k <= 0)
                        continue;
                target[k] = 0;
                if (sscanf(target, "socket:[%lu]", &ino) != 1)
                        continue;
                f = fopen("/proc/net/netlink", "re");
                if (!f)
                        break;
                while (fgets(line, sizeof(line), f)) {
                        unsigned long inode;
                        int proto;

                        if (sscanf(line, "%*s %d %*s %*s %*s %*s %*s %*s %*s %lu", &proto, &inode) == 2 &&
                            proto == NETLINK_KOBJECT_UEVENT_PROTO && inode == ino) {
                                *ret_inode = ino;
                                *ret_fd = atoi(de->d_name);
                                found = true;
                                break;
                        }
                }
                fclose(f);
        }
        closedir(d);
        return found;
}

/* Bytes queued and messages dropped on that socket (/proc/net/netlink's Rmem and Drops). */
static bool netlink_stats(unsigned long inode, unsigned long *ret_rmem, unsigned long *ret_drops) {
        char line[512];
        bool found = false;
        FILE *f = fopen("/proc/net/netlink", "re");

        if (!f)
                return false;
        while (fgets(line, sizeof(line), f)) {
                unsigned long rmem, drops, ino;
                int proto;

                if (sscanf(line, "%*s %d %*s %*s %lu %*s %*s %*s %lu %lu", &proto, &rmem, &drops, &ino) == 4 &&
                    proto == NETLINK_KOBJECT_UEVENT_PROTO && ino == inode) {
                        *ret_rmem = rmem;
                        *ret_drops = drops;
                        found = true;
                        break;
                }
        }
        fclose(f);
        return found;
}

/* The receive buffer the daemon's socket really got (SO_RCVBUF, as the kernel doubled it), read
 * through a duplicate of its fd; 0 if that is not possible. */
static int daemon_rcvbuf(pid_t pid, int fd) {
#if defined(SYS_pidfd_open) && defined(SYS_pidfd_getfd)
        int pidfd = (int) syscall(SYS_pidfd_open, pid, 0), dup, size = 0;
        socklen_t l = sizeof(size);

        if (pidfd < 0)
                return 0;
        dup = (int) syscall(SYS_pidfd_getfd, pidfd, fd, 0);
        close(pidfd);
        if (dup < 0)
                return 0;
        if (getsockopt(dup, SOL_SOCKET, SO_RCVBUF, &size, &l) < 0)
                size = 0;
        close(dup);
        return size;
#else
        return 0;
#endif
}

/* --- the daemon ------------------------------------------------------------------------------- */

static const char *last_status(Test *t) {
        return t->n_status > 0 ? t->status[t->n_status - 1] : "";
}

static bool status_is(const char *s, const char *prefix) {
        return s && strncasecmp(s, prefix, strlen(prefix)) == 0;
}

static void on_notify(const char *line, void *userdata) {
        Test *t = userdata;

        if (strncmp(line, "STATUS=", 7) == 0) {
                char **n = realloc(t->status, sizeof(char *) * (t->n_status + 1));
                if (!n)
                        abort();
                t->status = n;
                t->status[t->n_status++] = strdup(line + 7);
        }
}

typedef bool (*Predicate)(Test *t, const void *arg);

static bool wait_for_max(Test *t, Predicate pred, const void *arg, const char *what, int64_t max) {
        return DAEMON_RUN_WAIT(&t->d, max, pred(t, arg), what);
}

static bool wait_for(Test *t, Predicate pred, const void *arg, const char *what) {
        return wait_for_max(t, pred, arg, what, WAIT_MAX);
}

static bool pred_ready(Test *t, const void *arg) {
        (void) arg;
        return t->d.ready;
}

/* A status starting with busy since index since, idle last, and at least min_calls reloads. */
typedef struct IdleAfter {
        size_t since;
        const char *busy;
        size_t min_calls;
} IdleAfter;

static bool pred_idle_after(Test *t, const void *arg) {
        const IdleAfter *a = arg;
        bool busy = false;

        if (!status_is(last_status(t), "idle"))
                return false;
        for (size_t i = a->since; i < t->n_status; i++)
                busy |= status_is(t->status[i], a->busy);
        return busy && n_calls(t) >= a->min_calls;
}

static bool pred_status_since(Test *t, const void *arg) {
        const IdleAfter *a = arg;

        for (size_t i = a->since; i < t->n_status; i++)
                if (status_is(t->status[i], a->busy))
                        return true;
        return false;
}

static bool start_daemon(Test *t) {
        _cleanup_free_ char *a_reload = daemon_run_reload_command(&t->d, "record-reload"), *a_root = NULL;
        _cleanup_free_ char *e_notify = NULL, *e_root = NULL, *notify = daemon_run_path(&t->d, "notify");
        _cleanup_free_ char **envp = NULL;

        if (asprintf(&a_root, "--root=%s", t->d.root) < 0 || asprintf(&e_notify, "NOTIFY_SOCKET=%s", notify) < 0 ||
            /* record-reload reads the DT under the fake root. */
            asprintf(&e_root, "RECORD_RELOAD_ROOT=%s", t->d.root) < 0)
                abort();
        envp = harness_environ_with(e_notify, e_root, NULL);
        daemon_run_start_env(&t->d, envp, (const char *const[]) { a_reload, a_root, "--uevent-source=kernel",
                                                                  DAEMON_RUN_FAST_ARGS, NULL });
        return true;
}

static bool start_and_wait_idle(Test *t) {
        IdleAfter idle = { .since = 0, .busy = "idle" };

        if (!start_daemon(t) || !wait_for(t, pred_ready, NULL, "READY=1") ||
            !wait_for(t, pred_status_since, &idle, "STATUS=idle after start-up"))
                return false;
        daemon_run_watch(&t->d, AFTER_IDLE);
        return CHECK(&t->d, n_calls(t) == 0, "%zu reload(s) at start-up", n_calls(t)) &&
               CHECK(&t->d, status_is(last_status(t), "idle"), "not idle after start-up: \"%s\"", last_status(t));
}

static void stop_daemon(Test *t) {
        if (t->d.pid <= 0 || t->d.exited)
                return;
        kill(t->d.pid, SIGCONT);  /* a case may have stopped it */
        if (daemon_run_stop(&t->d, WAIT_MAX))
                daemon_run_check_exit_0(&t->d, "on SIGTERM");
}

/* "status" on the control socket; the value of field (e.g. "events") in *ret. */
static bool control_field(Test *t, const char *field, unsigned long long *ret) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        struct timeval tv = { .tv_sec = WAIT_MAX / SEC };
        char reply[4096], key[64];
        const char *p;
        ssize_t n;
        int fd;

        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/run/control", t->d.dir);
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0)
                abort();
        (void) setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 || send(fd, "status", 6, MSG_NOSIGNAL) < 0 ||
            (n = recv(fd, reply, sizeof(reply) - 1, 0)) <= 0) {
                close(fd);
                return CHECK(&t->d, false, "no status from the control socket: %m");
        }
        close(fd);
        reply[n] = 0;
        snprintf(key, sizeof(key), "\n%s=", field);
        p = strstr(reply, key);
        if (!CHECK(&t->d, p, "no %s in the status reply: %s", field, reply))
                return false;
        *ret = strtoull(p + strlen(key), NULL, 10);
        return true;
}

/* --- the fake LPAR ----------------------------------------------------------------------------- */

/* The boot LMBs present, the hot ones as hot_flags says; both starting at first_block. */
static void make_dt(Blob *b, uint32_t hot_flags) {
        harness_lpar_dt(b, first_block, N_BOOT, N_HOT, DRCONF_MEM_ASSIGNED, hot_flags);
}

static bool write_dt(Test *t, const Blob *b) {
        int r = fake_root_write_dt(t->d.root, LMB_SIZE, DT_FORMAT_V2, b);

        return CHECK(&t->d, r >= 0, "cannot write the DT: %s", strerror(-r));
}

static bool setup_lpar(Test *t, const Blob *dt) {
        int r = fake_root_set_block_size(t->d.root, LMB_SIZE);

        for (unsigned n = first_block; r >= 0 && n < first_block + N_BOOT; n++)
                r = fake_root_add_block(t->d.root, n);
        return CHECK(&t->d, r >= 0, "cannot build the fake sysfs: %s", strerror(-r)) && write_dt(t, dt);
}

/* The fake side of a DLPAR add: the hot blocks appear in the fake sysfs. */
static bool add_hot_blocks(Test *t) {
        int r = 0;

        for (unsigned n = first_block + N_BOOT; r >= 0 && n < first_block + N_BOOT + N_HOT; n++)
                r = fake_root_add_block(t->d.root, n);
        return CHECK(&t->d, r >= 0, "cannot add the hot blocks: %s", strerror(-r));
}

/* Waits for idle after "reloading", watches a little longer, and checks the count. */
static bool wait_reloads(Test *t, size_t since, size_t expected, const char *what) {
        IdleAfter a = { .since = since, .busy = "reloading", .min_calls = expected };

        if (!wait_for(t, pred_idle_after, &a, what))
                return false;
        daemon_run_watch(&t->d, AFTER_IDLE);
        return CHECK(&t->d, n_calls(t) == expected, "%zu reload(s) after %s, expected %zu", n_calls(t), what, expected);
}

/* --- the cases -------------------------------------------------------------------------------- */

/* 1: a DLPAR add as the kernel would announce it (add, online, and a change) for 4 blocks, the DT
 * replaced after the last event: exactly one reload, which saw the new DT. */
static void test_burst(Test *t) {
        Blob before = {}, after = {};
        size_t seq, mark;

        make_dt(&before, 0);
        make_dt(&after, DRCONF_MEM_ASSIGNED);
        if (!setup_lpar(t, &before) || !start_and_wait_idle(t))
                goto out;

        seq = t->n_status;
        mark = log_mark(t);
        if (!add_hot_blocks(t))
                goto out;
        for (unsigned n = first_block + N_BOOT; n < first_block + N_BOOT + N_HOT; n++)
                if (!emit(t, n, "add") || !emit(t, n, "online"))
                        goto out;
        if (!emit(t, first_block + N_BOOT, "change"))
                goto out;
        harness_sleep_usec(3 * MSEC);
        if (!write_dt(t, &after) || !wait_reloads(t, seq, 1, "the hot-add"))
                goto out;
        check_copy(t, 1, &after, "the DT after the hot-add");

        char text[64];
        snprintf(text, sizeof(text), "uevent add memory%u\n", first_block + N_BOOT);
        CHECK(&t->d, log_has(t, mark, text), "the daemon did not log \"%s\"", text);
        CHECK(&t->d, log_has(t, mark, "Memory settled after 9 uevent(s)"), "the daemon did not count 9 uevents");
out:
        blob_done(&before);
        blob_done(&after);
}

/* 2: the daemon is stopped (SIGSTOP) while change events fill its socket until the kernel drops
 * some, and then the hot-add's own events, which are lost; the DT is updated. On SIGCONT it
 * logs the overflow, rescans sysfs (the only way to learn of the new blocks) and reloads once. */
static void test_overflow(Test *t) {
        Blob before = {}, after = {};
        unsigned long inode = 0, rmem = 0, drops = 0, drops_before_add;
        size_t seq, mark;
        unsigned long long emitted = 0;
        int nlfd = -1, fd = -1;
        int64_t start;

        make_dt(&before, 0);
        make_dt(&after, DRCONF_MEM_ASSIGNED);
        if (!setup_lpar(t, &before) || !start_and_wait_idle(t))
                goto out;
        if (!CHECK(&t->d, daemon_netlink(t->d.pid, &inode, &nlfd), "cannot find the daemon's uevent socket"))
                goto out;
        printf("# the daemon's uevent socket: receive buffer %d bytes (SO_RCVBUF)\n", daemon_rcvbuf(t->d.pid, nlfd));

        seq = t->n_status;
        mark = log_mark(t);
        kill(t->d.pid, SIGSTOP);
        fd = block_uevent_open(first_block);
        if (!CHECK(&t->d, fd >= 0, "cannot open memory%u/uevent: %m", first_block))
                goto out;
        start = harness_now_usec();
        while (emitted < OVERFLOW_MAX) {
                for (unsigned i = 0; i < OVERFLOW_CHUNK; i++)
                        if (!emit_fd(t, fd, "change"))
                                goto out;
                emitted += OVERFLOW_CHUNK;
                if (!CHECK(&t->d, netlink_stats(inode, &rmem, &drops), "the daemon's socket is gone"))
                        goto out;
                if (drops > 0)
                        break;
        }
        printf("# overflow after %llu events in %.2f s: %lu bytes queued, %lu dropped\n", emitted,
               (double) (harness_now_usec() - start) / SEC, rmem, drops);
        if (!CHECK(&t->d, drops > 0, "no drop after %llu events", emitted))
                goto out;

        /* The hot-add, whose events the full socket drops. */
        drops_before_add = drops;
        if (!add_hot_blocks(t))
                goto out;
        for (unsigned n = first_block + N_BOOT; n < first_block + N_BOOT + N_HOT; n++)
                if (!emit(t, n, "add") || !emit(t, n, "online"))
                        goto out;
        (void) netlink_stats(inode, &rmem, &drops);
        CHECK(&t->d, drops >= drops_before_add + 2 * N_HOT, "the hot-add's events were not dropped (%lu -> %lu)",
              drops_before_add, drops);
        if (!write_dt(t, &after))
                goto out;

        start = harness_now_usec();
        kill(t->d.pid, SIGCONT);
        if (!wait_reloads(t, seq, 1, "the reload after the overflow"))
                goto out;
        printf("# drained, rescanned and reloaded %.2f s after SIGCONT (including %.2f s of watching)\n",
               (double) (harness_now_usec() - start) / SEC, (double) AFTER_IDLE / SEC);
        check_copy(t, 1, &after, "the DT after the hot-add");
        CHECK(&t->d, log_has(t, mark, "<4>Uevent socket overflowed, events were lost; rescanning memory blocks."),
              "the daemon did not log the overflow");
out:
        if (fd >= 0)
                close(fd);
        if (t->d.pid > 0)
                kill(t->d.pid, SIGCONT);
        blob_done(&before);
        blob_done(&after);
}

/* 3: 100,000 events as fast as the kernel makes them (online, offline, change over the boot blocks),
 * with a DLPAR add's events among them and its DT update after: the daemon keeps up (no overflow),
 * its memory stays flat, and it reloads exactly once, with the final DT. */
static void test_flood(Test *t) {
        static const char *const actions[] = { "online", "offline", "change" };
        Blob before = {}, after = {};
        unsigned long long events0 = 0, events = 0;
        unsigned long inode = 0, rmem = 0, drops = 0;
        long rss0, rss1, hwm;
        int fds[N_BOOT], nlfd = -1;
        size_t seq, mark;
        int64_t start, emitted_at, drained_at;
        unsigned long long emitted = 0;

        for (unsigned i = 0; i < N_BOOT; i++)
                fds[i] = -1;
        make_dt(&before, 0);
        make_dt(&after, DRCONF_MEM_ASSIGNED);
        if (!setup_lpar(t, &before) || !start_and_wait_idle(t))
                goto out;
        if (!CHECK(&t->d, daemon_netlink(t->d.pid, &inode, &nlfd), "cannot find the daemon's uevent socket") ||
            !control_field(t, "events", &events0))
                goto out;
        for (unsigned i = 0; i < N_BOOT; i++)
                if (!CHECK(&t->d, (fds[i] = block_uevent_open(first_block + i)) >= 0, "cannot open a uevent file: %m"))
                        goto out;
        rss0 = harness_proc_status_kb(t->d.pid, "VmRSS");

        seq = t->n_status;
        mark = log_mark(t);
        start = harness_now_usec();
        for (unsigned i = 0; i < FLOOD_EVENTS - 2 * N_HOT; i++) {
                if (!emit_fd(t, fds[i % N_BOOT], actions[(i / N_BOOT) % ELEMENTSOF(actions)]))
                        goto out;
                emitted++;
                if (i == FLOOD_EVENTS / 2) {
                        /* The DLPAR add, halfway. */
                        if (!add_hot_blocks(t))
                                goto out;
                        for (unsigned n = first_block + N_BOOT; n < first_block + N_BOOT + N_HOT; n++)
                                if (!emit(t, n, "add") || !emit(t, n, "online"))
                                        goto out;
                        emitted += 2 * N_HOT;
                }
        }
        emitted_at = harness_now_usec();
        if (!write_dt(t, &after))
                goto out;
        printf("# %llu events written in %.3f s\n", emitted, (double) (emitted_at - start) / SEC);

        /* The control socket is served after the uevents: a reply counting them all comes once
         * they are drained. */
        for (int64_t end = harness_now_usec() + WAIT_MAX;;) {
                if (!control_field(t, "events", &events))
                        goto out;
                if (events - events0 >= emitted || harness_now_usec() >= end)
                        break;
                daemon_run_pump(&t->d, 5 * MSEC);
        }
        drained_at = harness_now_usec();
        CHECK(&t->d, events - events0 == emitted, "the daemon counted %llu events of %llu", events - events0, emitted);
        printf("# the daemon drained them %.3f s after the last write (%.3f s after the first)\n",
               (double) (drained_at - emitted_at) / SEC, (double) (drained_at - start) / SEC);

        if (!wait_reloads(t, seq, 1, "the flood and the DT update"))
                goto out;
        check_copy(t, 1, &after, "the DT after the hot-add");
        (void) netlink_stats(inode, &rmem, &drops);
        CHECK(&t->d, drops == 0, "%lu events dropped: the daemon did not keep up", drops);
        CHECK(&t->d, !log_has(t, mark, "overflowed"), "the daemon saw an overflow");

        rss1 = harness_proc_status_kb(t->d.pid, "VmRSS");
        hwm = harness_proc_status_kb(t->d.pid, "VmHWM");
        printf("# daemon memory: VmRSS %ld kB before, %ld kB after, peak %ld kB\n", rss0, rss1, hwm);
        /* Each event is parsed and freed: nothing may pile up (2 MiB of slack for stdio and malloc).
         * Under AddressSanitizer, whose quarantine keeps freed memory on purpose, RSS says nothing
         * about that; its leak check at exit does. */
        if (getenv("ASAN_OPTIONS"))
                printf("# memory not compared under AddressSanitizer (its quarantine holds freed memory)\n");
        else
                CHECK(&t->d, rss0 > 0 && rss1 > 0 && hwm > 0 && rss1 - rss0 < 2048 && hwm - rss0 < 4096,
                      "the daemon's memory grew: VmRSS %ld -> %ld kB, peak %ld kB", rss0, rss1, hwm);
out:
        for (unsigned i = 0; i < N_BOOT; i++)
                if (fds[i] >= 0)
                        close(fds[i]);
        blob_done(&before);
        blob_done(&after);
}

/* 4: uevents of other subsystems (a CPU, the loopback interface) reach the kernel source's socket
 * too; the daemon drops them: no status change, nothing logged, no reload. Negative control: a
 * memory change event right after is seen (logged, a busy status) and settles without a reload. */
static void test_other_subsystems(Test *t) {
        static const char *const others[] = { "/sys/devices/system/cpu/cpu0", "/sys/class/net/lo" };
        Blob dt = {};
        size_t seq, mark;
        unsigned long long events0 = 0, events = 0;
        unsigned sent = 0;

        make_dt(&dt, 0);
        if (!setup_lpar(t, &dt) || !start_and_wait_idle(t) || !control_field(t, "events", &events0))
                goto out;

        seq = t->n_status;
        mark = log_mark(t);
        for (size_t i = 0; i < ELEMENTSOF(others); i++) {
                int fd = uevent_open(others[i]);

                if (fd < 0) {
                        printf("# %s/uevent: %m; not used\n", others[i]);
                        continue;
                }
                for (unsigned k = 0; k < 5; k++)
                        sent += emit_fd(t, fd, "change");
                close(fd);
        }
        if (!CHECK(&t->d, sent > 0, "no uevent of another subsystem could be made"))
                goto out;
        daemon_run_watch(&t->d, AFTER_IDLE);
        CHECK(&t->d, t->n_status == seq, "the status changed (to \"%s\") on %u uevents of other subsystems",
              last_status(t), sent);
        CHECK(&t->d, log_mark(t) == mark, "the daemon logged something on uevents of other subsystems");
        if (control_field(t, "events", &events))
                CHECK(&t->d, events == events0, "the daemon counted %llu events of other subsystems", events - events0);

        /* Negative control: a memory uevent the same way is seen. */
        if (!emit(t, first_block, "change"))
                goto out;
        IdleAfter a = { .since = seq, .busy = "collecting memory events" };
        if (!wait_for(t, pred_idle_after, &a, "a busy status then idle after a memory change event"))
                goto out;
        char text[64];
        snprintf(text, sizeof(text), "uevent change memory%u\n", first_block);
        CHECK(&t->d, log_has(t, mark, text), "the daemon did not log \"%s\"", text);
        daemon_run_watch(&t->d, AFTER_IDLE);
        CHECK(&t->d, n_calls(t) == 0, "%zu reload(s) on a change event", n_calls(t));
out:
        blob_done(&dt);
}

/* --- main ------------------------------------------------------------------------------------- */

static void test_init(Test *t, const char *name) {
        *t = (Test) {};
        daemon_run_init(&t->d, name, NULL, "reload.log", true);
        t->d.on_notify = on_notify;
        t->d.userdata = t;
        t->d.diag_lines = 40;
}

static void test_done(Test *t, unsigned number) {
        stop_daemon(t);
        daemon_run_finish(&t->d, number, "reload log: ");
        if (t->d.failed) {
                printf("#   statuses:");
                for (size_t i = 0; i < t->n_status; i++)
                        printf(" \"%s\"", t->status[i]);
                printf("\n");
        }
        for (size_t i = 0; i < t->n_status; i++)
                free(t->status[i]);
        free(t->status);
        daemon_run_free(&t->d);
}

DAEMON_RUNNER_CASES(Test) tests[] = {
        { "kernel uevents: a DLPAR add's add, online and change events give one reload, after the DT update", test_burst },
        { "socket overflow (ENOBUFS): logged, sysfs rescanned, one reload with the final DT", test_overflow },
        { "flood of 100,000 uevents: no overflow, memory flat, one reload after the DT update", test_flood },
        { "other subsystems' uevents are dropped: no status change, no log line, no reload", test_other_subsystems },
};

/* Real kernel uevents need root, no udevd, and real memory blocks to name. */
static const char *skip_all(void) {
        int fd;

        if (geteuid() != 0)
                return "needs root to make kernel uevents";
        if (access("/run/udev/control", F_OK) == 0)
                /* It would run its rules for every one of several hundred thousand events. */
                return "udevd runs (/run/udev/control exists)";
        fd = open(SYSFS_MEMORY "/memory0/uevent", O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return "/sys/devices/system/memory/memory0/uevent is not writable";
        close(fd);
        if (!find_block_run(N_BOOT + N_HOT, &first_block))
                return "no run of 8 consecutive memory blocks in /sys/devices/system/memory";
        printf("# real memory blocks used: memory%u..memory%u\n", first_block, first_block + N_BOOT + N_HOT - 1);
        return NULL;
}

DAEMON_RUNNER_MAIN(Test, tests, .program = "test-kernel-uevents", .timeout_sec = 120, .time_each = true,
                   .skip_all = skip_all)
