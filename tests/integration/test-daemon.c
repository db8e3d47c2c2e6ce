/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The real kdump-settled against a fake /sys served by umockdev: uevents from the testbed, the DT
 * property replaced by rename as the kernel does, the reload command recording what it saw, and
 * sd_notify messages on a socket of our own to know when the daemon is ready or idle.
 *
 * Environment: KDUMP_SETTLED (the daemon binary) and KDUMP_SETTLE_SRCDIR (for
 * tests/integration/record-reload). Speaks TAP. Re-executes itself under libumockdev-preload when
 * it is not preloaded. Every wait is bounded. For debugging: KDUMP_SETTLE_TEST_ONLY=N runs test N
 * only, KDUMP_SETTLE_TEST_KEEP=1 keeps the temporary directories and testbeds. */

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
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alloc-util.h"
#include "dt-blob.h"
#include "dt-memory.h"
#include "fake-root.h"
#include "daemon-runner.h"
#include "harness.h"
#include "macro.h"

/* After macro.h: glib redefines MIN and MAX the same way, with #undef. */
#include <umockdev.h>
#include "daemon-runner-testbed.h"

extern char **environ;

#define N_BOOT 8
#define N_HOT 4

#define WAIT_MAX (10 * SEC)   /* any single wait */
#define AFTER_IDLE (300 * MSEC) /* how long "nothing more happens" is watched after idle */


#define MAX_STATUS 256
#define MAX_CALLS 16

typedef struct Call {
        unsigned n;
        double time;       /* CLOCK_REALTIME, seconds */
        char reason[32];
        int status;
        char copy[64];     /* the property copied, or "-" */
} Call;

typedef struct Test {
        DaemonRun d;         /* root: the testbed's: holds sys/ */
        UMockdevTestbed *testbed;

        bool stopping;
        bool own_config;     /* the test wrote kdump-settle.conf, ReloadCommand= included */
        char *status[MAX_STATUS];
        size_t n_status;
        size_t n_status_dropped;
} Test;

/* --- assertions ------------------------------------------------------------------------------- */


/* --- time ------------------------------------------------------------------------------------- */

static double now_real(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* --- files ------------------------------------------------------------------------------------ */

/* The reload log, parsed. */
static size_t read_calls(Test *t, Call *calls, size_t max) {
        char *text = harness_read_all(t->d.log, NULL), *p, *save = NULL;
        size_t n = 0;

        if (!text)
                return 0;
        for (p = strtok_r(text, "\n", &save); p; p = strtok_r(NULL, "\n", &save)) {
                Call c = {};

                if (sscanf(p, "%u %lf %31s %d %63s", &c.n, &c.time, c.reason, &c.status, c.copy) != 5) {
                        TEST_FAIL(&t->d, "bad line in the reload log: \"%s\"", p);
                        continue;
                }
                if (n < max)
                        calls[n] = c;
                n++;
        }
        free(text);
        return n;
}

static size_t n_calls(Test *t) {
        Call calls[MAX_CALLS];

        return read_calls(t, calls, MAX_CALLS);
}

/* Whether the DT the n-th reload saw is byte for byte the expected blob. */
static bool check_copy(Test *t, unsigned n, const Blob *expected, const char *what) {
        char name[64];
        char *path;
        char *data;
        size_t size = 0;
        bool ok;

        snprintf(name, sizeof(name), "reload.log.%u.dt", n);
        path = harness_path_in(t->d.dir, name);
        data = harness_read_all(path, &size);
        free(path);
        if (!CHECK(&t->d, data, "reload %u left no DT copy (the command could not read the testbed's /sys?)", n))
                return false;
        ok = CHECK(&t->d, harness_dt_copy_is(data, size, expected),
                   "reload %u saw a DT of %zu bytes that is not %s (%zu bytes)", n, size, what,
                   expected->size);
        free(data);
        return ok;
}

/* --- the testbed ------------------------------------------------------------------------------ */

static void make_dt(Blob *b, uint32_t boot_flags, uint32_t hot_flags) {
        harness_lpar_dt(b, 0, N_BOOT, N_HOT, boot_flags, hot_flags);
}

static bool add_block(Test *t, unsigned n) {
        return daemon_run_add_block(&t->d, t->testbed, n);
}

static void uevent(Test *t, unsigned n, const char *action) {
        char *p = harness_block_syspath(n);

        umockdev_testbed_uevent(t->testbed, p, action);
        free(p);
}

/* What the kernel does for each LMB of a DLPAR add: the block appears with "add", then "online".
 *
 * umockdev hands each uevent to the daemon's socket without blocking, and aborts this program if
 * more than net.unix.max_dgram_qlen (10) are queued unread: keep bursts at 10 events or fewer. */
static bool hot_add(Test *t, unsigned first, unsigned count) {
        for (unsigned n = first; n < first + count; n++) {
                if (!add_block(t, n))  /* "add" */
                        return false;
                uevent(t, n, "online");
        }
        return true;
}

/* And for a DLPAR remove: "offline", "remove", then the block goes. umockdev needs the device to
 * exist to send its uevent, and the kernel also sends "remove" before the directory goes;
 * umockdev_testbed_remove_device() sends no uevent itself. */
static void hot_remove(Test *t, unsigned first, unsigned count) {
        for (unsigned n = first; n < first + count; n++) {
                char *p = harness_block_syspath(n);

                uevent(t, n, "offline");
                umockdev_testbed_uevent(t->testbed, p, "remove");
                umockdev_testbed_remove_device(t->testbed, p);
                free(p);
        }
}

static bool write_dt(Test *t, const Blob *b) {
        int r = fake_root_write_dt(t->d.root, LMB_SIZE, DT_FORMAT_V2, b);

        return CHECK(&t->d, r >= 0, "cannot write the DT property: %s", strerror(-r));
}

/* A whole DLPAR add as the kernel does it: the blocks' uevents, then, 3 ms after the last, the DT
 * replaced with `dt`. */
static bool dlpar_add(Test *t, const Blob *dt) {
        if (!hot_add(t, N_BOOT, N_HOT))
                return false;
        harness_sleep_usec(3 * MSEC);
        return write_dt(t, dt);
}

/* A fake LPAR: 256 MiB LMBs and blocks, blocks memory0..n_blocks-1, and the DT (if any). */
static bool setup_lpar(Test *t, unsigned n_blocks, const Blob *dt) {
        int r = fake_root_set_block_size(t->d.root, LMB_SIZE);

        if (!CHECK(&t->d, r >= 0, "cannot write block_size_bytes: %s", strerror(-r)))
                return false;
        for (unsigned n = 0; n < n_blocks; n++)
                if (!add_block(t, n))
                        return false;
        return !dt || write_dt(t, dt);
}

/* --- the daemon ------------------------------------------------------------------------------- */

static void record_status(Test *t, const char *s) {
        if (t->n_status >= MAX_STATUS) {
                /* keep the newest: drop the oldest half */
                for (size_t i = 0; i < MAX_STATUS / 2; i++)
                        free(t->status[i]);
                memmove(t->status, t->status + MAX_STATUS / 2, sizeof(char *) * (MAX_STATUS / 2));
                t->n_status -= MAX_STATUS / 2;
                t->n_status_dropped += MAX_STATUS / 2;
        }
        t->status[t->n_status++] = strdup(s);
}

/* Status index in the whole history, stable across drops. */
static size_t status_seq(Test *t) {
        return t->n_status_dropped + t->n_status;
}

static const char *status_at(Test *t, size_t seq) {
        if (seq < t->n_status_dropped || seq >= status_seq(t))
                return NULL;
        return t->status[seq - t->n_status_dropped];
}

static const char *last_status(Test *t) {
        return t->n_status > 0 ? t->status[t->n_status - 1] : "";
}

static bool status_is(const char *s, const char *prefix) {
        return s && strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* Index of the last status since seq starting with prefix, or SIZE_MAX. */
static size_t status_find_last(Test *t, size_t since, const char *prefix) {
        size_t found = SIZE_MAX;

        for (size_t i = since; i < status_seq(t); i++)
                if (status_is(status_at(t, i), prefix))
                        found = i;
        return found;
}

static void on_notify(const char *line, void *userdata) {
        Test *t = userdata;

        if (strcmp(line, "STOPPING=1") == 0)
                t->stopping = true;
        else if (strncmp(line, "STATUS=", 7) == 0)
                record_status(t, line + 7);
}

typedef bool (*Predicate)(Test *t, const void *arg);

/* Pumps until pred holds, failing the case after WAIT_MAX or if the daemon exits. */
static bool wait_for(Test *t, Predicate pred, const void *arg, const char *what) {
        return DAEMON_RUN_WAIT(&t->d, WAIT_MAX, pred(t, arg), what);
}

static bool pred_ready(Test *t, const void *arg) {
        (void) arg;
        return t->d.ready;
}

static bool pred_exited(Test *t, const void *arg) {
        (void) arg;
        return t->d.exited;
}

/* Idle after activity: a status matching `busy` since `since`, and idle after the last one. */
typedef struct IdleAfter {
        size_t since;
        const char *busy;   /* prefix; NULL: any status other than idle */
        size_t min_calls;
} IdleAfter;

static bool pred_idle_after(Test *t, const void *arg) {
        const IdleAfter *a = arg;
        bool busy = false;

        if (!status_is(last_status(t), "idle"))
                return false;
        for (size_t i = a->since; i < status_seq(t); i++) {
                const char *s = status_at(t, i);
                if (a->busy ? status_is(s, a->busy) : !status_is(s, "idle"))
                        busy = true;
        }
        return busy && n_calls(t) >= a->min_calls;
}

static bool pred_status_since(Test *t, const void *arg) {
        const IdleAfter *a = arg;

        return status_find_last(t, a->since, a->busy) != SIZE_MAX;
}

static bool start_daemon(Test *t, const char *const *extra) {
        _cleanup_free_ char *a_reload = daemon_run_reload_command(&t->d, "record-reload");
        const char *argv[32] = { DAEMON_RUN_FAST_ARGS };
        size_t n = 3;

        if (!t->own_config)  /* the command line wins over the file */
                argv[n++] = a_reload;
        for (; extra && *extra && n < ELEMENTSOF(argv) - 1; extra++)
                argv[n++] = *extra;
        daemon_run_start(&t->d, argv);
        return true;
}

static bool start_and_wait_idle(Test *t, const char *const *extra) {
        IdleAfter any = { .since = 0, .busy = "idle" };

        if (!start_daemon(t, extra))
                return false;
        if (!wait_for(t, pred_ready, NULL, "READY=1"))
                return false;
        /* Consistent at start-up: the first status is idle, and no reload follows. */
        if (!wait_for(t, pred_status_since, &any, "STATUS=idle after start-up"))
                return false;
        daemon_run_watch(&t->d, AFTER_IDLE);
        return CHECK(&t->d, n_calls(t) == 0, "%zu reload(s) at start-up although the DT agrees with sysfs",
                     n_calls(t)) &&
               CHECK(&t->d, status_is(last_status(t), "idle"), "not idle after start-up: \"%s\"",
                     last_status(t));
}

static bool stop_daemon(Test *t) {
        bool ok = daemon_run_stop(&t->d, WAIT_MAX);

        daemon_run_pump(&t->d, 0);
        return ok;
}

static bool check_exit_0(Test *t, const char *when) {
        return daemon_run_check_exit_0(&t->d, when);
}

/* --- the daemon's log ------------------------------------------------------------------------- */

/* How much the daemon has logged so far: a mark to search from. */
static size_t log_mark(Test *t) {
        char *err = harness_path_in(t->d.dir, "daemon.stderr");
        size_t size = 0;

        free(harness_read_all(err, &size));
        free(err);
        return size;
}

/* Whether the daemon logged text after mark; the number of times in *ret_count. */
static bool log_has(Test *t, size_t mark, const char *text, size_t *ret_count) {
        char *err = harness_path_in(t->d.dir, "daemon.stderr"), *data;
        size_t size = 0, count = 0;

        data = harness_read_all(err, &size);
        free(err);
        if (data && size > mark)
                for (const char *p = data + mark; (p = strstr(p, text)); p += strlen(text))
                        count++;
        free(data);
        if (ret_count)
                *ret_count = count;
        return count > 0;
}

typedef struct LogText {
        size_t mark;
        const char *text;
} LogText;

static bool pred_log(Test *t, const void *arg) {
        const LogText *l = arg;

        return log_has(t, l->mark, l->text, NULL);
}

/* Pumps until the daemon logs text after mark, or fails the test after WAIT_MAX. */
static bool wait_log(Test *t, size_t mark, const char *text) {
        LogText l = { .mark = mark, .text = text };
        char what[256];

        snprintf(what, sizeof(what), "log line with \"%s\"", text);
        return wait_for(t, pred_log, &l, what);
}

#define CHECK_LOG(t, mark, text) \
        CHECK(&(t)->d, log_has((t), (mark), (text), NULL), "the daemon did not log \"%s\"", (text))

/* --- set-up and tear-down --------------------------------------------------------------------- */

static void test_init(Test *t, const char *name) {
        *t = (Test) {};
        t->testbed = daemon_run_init_testbed(&t->d, name, "reload.log", true);
        t->d.on_notify = on_notify;
        t->d.userdata = t;
}

static void test_done(Test *t, unsigned number) {
        daemon_run_finish(&t->d, number, "reload log: ");
        if (t->d.failed) {
                printf("#   statuses:");
                for (size_t i = 0; i < t->n_status; i++)
                        printf(" \"%s\"", t->status[i]);
                printf("\n");
        }
        for (size_t i = 0; i < t->n_status; i++)
                free(t->status[i]);
        daemon_run_free_testbed(&t->d, t->testbed);
}

/* --- the tests -------------------------------------------------------------------------------- */

/* Reloads since calls_before: waits for idle after `reloading`, watches a little longer, and checks
 * that exactly `expected` reloads happened in all. */
static bool wait_reloads(Test *t, size_t since, size_t expected, const char *what) {
        IdleAfter a = { .since = since, .busy = "reloading", .min_calls = expected };
        size_t n;

        if (!wait_for(t, pred_idle_after, &a, what))
                return false;
        daemon_run_watch(&t->d, AFTER_IDLE);
        n = n_calls(t);
        return CHECK(&t->d, n == expected, "%zu reload(s) in all after %s, expected %zu", n, what, expected);
}

static bool check_call(Test *t, size_t i, const char *reason, int status) {
        Call calls[MAX_CALLS];
        size_t n = read_calls(t, calls, MAX_CALLS);

        if (!CHECK(&t->d, i < n, "no reload %zu", i + 1))
                return false;
        return CHECK(&t->d, strcmp(calls[i].reason, reason) == 0, "reload %zu had reason \"%s\", expected \"%s\"",
                     i + 1, calls[i].reason, reason) &&
               CHECK(&t->d, calls[i].status == status, "reload %zu exited %d, expected %d", i + 1,
                     calls[i].status, status) &&
               CHECK(&t->d, strcmp(calls[i].copy, DT_PROP_DYNAMIC_MEMORY_V2) == 0,
                     "reload %zu could not copy ibm,dynamic-memory-v2 from /sys (got \"%s\")", i + 1,
                     calls[i].copy);
}

/* 1 (and 7): a DLPAR add of 4 LMBs as 8 uevents, the DT replaced 3 ms after the last one: one
 * reload, after the DT changed. Then the DLPAR remove of the same 4: one more reload. */
static void burst(Test *t, uint32_t boot_flags, const char *const *extra) {
        Blob before = {}, after = {};
        size_t seq;

        make_dt(&before, boot_flags, 0);
        make_dt(&after, boot_flags, DRCONF_MEM_ASSIGNED);
        if (!setup_lpar(t, N_BOOT, &before) || !start_and_wait_idle(t, extra))
                goto out;

        seq = status_seq(t);
        if (!dlpar_add(t, &after))
                goto out;
        if (!wait_reloads(t, seq, 1, "the hot-add"))
                goto out;
        if (!check_call(t, 0, "settled", 0) || !check_copy(t, 1, &after, "the DT after the hot-add"))
                goto out;

        seq = status_seq(t);
        hot_remove(t, N_BOOT, N_HOT);
        harness_sleep_usec(3 * MSEC);
        if (!write_dt(t, &before))
                goto out;
        if (!wait_reloads(t, seq, 2, "the hot-remove"))
                goto out;
        if (!check_call(t, 1, "settled", 0))
                goto out;
        check_copy(t, 2, &before, "the DT after the hot-remove");
out:
        blob_done(&before);
        blob_done(&after);
}

static void test_burst(Test *t) {
        burst(t, FLAGS_QEMU_BOOT, NULL);
}

static void test_kernel_source(Test *t) {
        static const char *const extra[] = { "--uevent-source=kernel", NULL };

        /* Boot LMBs assigned, as PowerVM describes them, so they are compared too. */
        burst(t, DRCONF_MEM_ASSIGNED, extra);
}

/* 2: the reload fails once: retried after about 1 s with reason retry, then done. */
static void test_retry(Test *t) {
        Blob before = {}, after = {};
        Call calls[MAX_CALLS];
        _cleanup_free_ char *ctl = NULL;
        size_t seq, n;

        make_dt(&before, FLAGS_QEMU_BOOT, 0);
        make_dt(&after, FLAGS_QEMU_BOOT, DRCONF_MEM_ASSIGNED);
        if (!setup_lpar(t, N_BOOT, &before) || !start_and_wait_idle(t, NULL))
                goto out;

        ctl = harness_path_in(t->d.dir, "reload.log.exit");
        if (harness_write_text(ctl, "1\n") < 0)
                abort();

        seq = status_seq(t);
        if (!dlpar_add(t, &after))
                goto out;
        if (!wait_reloads(t, seq, 2, "the failed reload and its retry"))
                goto out;

        CHECK(&t->d, status_find_last(t, seq, "retrying in") != SIZE_MAX, "no \"retrying in N s\" status");
        n = read_calls(t, calls, MAX_CALLS);
        if (n != 2)
                goto out;
        check_call(t, 0, "settled", 1);
        check_call(t, 1, "retry", 0);
        double gap = calls[1].time - calls[0].time;
        CHECK(&t->d, gap >= 0.9 && gap <= 3.0, "retry came %.3f s after the failure, expected about 1 s", gap);
        check_copy(t, 2, &after, "the DT after the hot-add");
        /* The failure at error level with its exit status, the retry, the success. */
        CHECK_LOG(t, 0, "<3>Crash kernel reload failed (exit status 1)");
        CHECK_LOG(t, 0, "Retrying the crash kernel reload.");
        CHECK_LOG(t, 0, "Crash kernel reloaded in");
out:
        blob_done(&before);
        blob_done(&after);
}

/* 3: a DLPAR remove that failed and rolled back: offline then online of memory8, no DT change. The
 * daemon sees the events (leaves idle) and comes back to idle without a reload. */
static void test_rollback(Test *t) {
        Blob dt = {};
        IdleAfter a;

        make_dt(&dt, FLAGS_QEMU_BOOT, DRCONF_MEM_ASSIGNED);
        if (!setup_lpar(t, N_BOOT + N_HOT, &dt) || !start_and_wait_idle(t, NULL))
                goto out;

        a = (IdleAfter) { .since = status_seq(t), .busy = NULL };
        uevent(t, N_BOOT, "offline");
        uevent(t, N_BOOT, "online");
        if (!wait_for(t, pred_idle_after, &a, "a busy status then idle after offline+online"))
                goto out;
        daemon_run_watch(&t->d, 500 * MSEC);
        CHECK(&t->d, n_calls(t) == 0, "%zu reload(s) after a rolled-back remove", n_calls(t));
        CHECK(&t->d, status_is(last_status(t), "idle"), "not idle 500 ms later: \"%s\"", last_status(t));
out:
        blob_done(&dt);
}

/* 4: SIGTERM: STOPPING=1, exit status 0, promptly. */
static void test_sigterm(Test *t) {
        Blob dt = {};
        int64_t start;

        make_dt(&dt, FLAGS_QEMU_BOOT, 0);
        if (!setup_lpar(t, N_BOOT, &dt) || !start_and_wait_idle(t, NULL))
                goto out;

        start = harness_now_usec();
        kill(t->d.pid, SIGTERM);
        if (!wait_for(t, pred_exited, NULL, "exit after SIGTERM"))
                goto out;
        printf("# exited %.0f ms after SIGTERM\n", (double) (harness_now_usec() - start) / MSEC);
        check_exit_0(t, "on SIGTERM");
        daemon_run_pump(&t->d, 50 * MSEC);
        CHECK(&t->d, t->stopping, "no STOPPING=1 before exiting");
        CHECK(&t->d, n_calls(t) == 0, "%zu reload(s)", n_calls(t));
out:
        blob_done(&dt);
}

/* 5: no ibm,dynamic-reconfiguration-memory node: a log line and exit 0, without waiting. */
static void test_not_pseries(Test *t) {
        char *err, *text;

        if (!setup_lpar(t, N_BOOT, NULL) || !start_daemon(t, NULL))
                return;
        if (!wait_for(t, pred_exited, NULL, "exit without the DT node"))
                return;
        check_exit_0(t, "without the DT node");
        CHECK(&t->d, n_calls(t) == 0, "%zu reload(s)", n_calls(t));
        err = harness_path_in(t->d.dir, "daemon.stderr");
        text = harness_read_all(err, NULL);
        CHECK(&t->d, text && strstr(text, "ibm,dynamic-reconfiguration-memory"),
              "the daemon did not say the node is missing");
        free(text);
        free(err);
}

/* After the DT went stale at t0 (real time) with --max-wait-sec=1s: no reload for 0.5 s, then
 * exactly one with reason timeout, at least 1 s after t0, that saw the stale DT, with a warning,
 * and the daemon is not idle after it (it watches for the late DT). Returns the reloads so far. */
static size_t check_timeout_reload(Test *t, size_t seq, double t0, size_t err_size, const Blob *stale) {
        Call calls[MAX_CALLS];
        IdleAfter gave_up = { .since = seq, .busy = "waiting for device tree (" };
        char *err = harness_path_in(t->d.dir, "daemon.stderr"), *text = NULL;
        size_t n;

        daemon_run_watch(&t->d, 500 * MSEC);
        if (!CHECK(&t->d, n_calls(t) == 0, "reloaded within 0.5 s of the DT going stale, before max wait"))
                goto out;
        CHECK(&t->d, status_find_last(t, seq, "waiting for device tree") != SIZE_MAX,
              "no \"waiting for device tree\" status while the DT is stale");

        /* Max wait is over when the daemon says it watches the DT ("waiting for device tree (...)"),
         * whether or not it reloaded first. */
        if (!wait_for(t, pred_status_since, &gave_up, "the end of max wait (\"waiting for device tree (...)\")"))
                goto out;
        daemon_run_watch(&t->d, AFTER_IDLE);
        n = read_calls(t, calls, MAX_CALLS);
        if (!CHECK(&t->d, n == 1, "%zu reload(s) at max wait, expected 1 with reason timeout (status \"%s\")", n,
                   last_status(t)))
                goto out;
        check_call(t, 0, "timeout", 0);
        CHECK(&t->d, calls[0].time - t0 >= 0.95, "the timeout reload came %.3f s after the DT went stale, before max wait",
              calls[0].time - t0);
        check_copy(t, 1, stale, "the stale DT");
        CHECK(&t->d, !status_is(last_status(t), "idle"), "idle after a timeout reload: the late DT would be missed");

        text = harness_read_all(err, NULL);
        CHECK(&t->d, text && strlen(text) > err_size && strstr(text + err_size, "<4>"),
              "no warning (<4>) logged for the timeout reload");
out:
        free(text);
        free(err);
        return n_calls(t);
}

/* 6, the negative control of the stale-DT detector: a DLPAR add whose DT is never replaced. No
 * reload before --max-wait-sec=1s, then one with reason timeout and a warning; the late DT update
 * then gives exactly one more (settled). */
static void test_stale_dt(Test *t) {
        static const char *const extra[] = { "--max-wait-sec=1s", NULL };
        Blob before = {}, after = {};
        size_t seq, err_size = 0, n;
        char *err = NULL;
        double t0;

        make_dt(&before, FLAGS_QEMU_BOOT, 0);
        make_dt(&after, FLAGS_QEMU_BOOT, DRCONF_MEM_ASSIGNED);
        if (!setup_lpar(t, N_BOOT, &before) || !start_and_wait_idle(t, extra))
                goto out;

        err = harness_path_in(t->d.dir, "daemon.stderr");
        free(harness_read_all(err, &err_size));

        seq = status_seq(t);
        t0 = now_real();
        if (!hot_add(t, N_BOOT, N_HOT))
                goto out;
        n = check_timeout_reload(t, seq, t0, err_size, &before);

        seq = status_seq(t);
        if (!write_dt(t, &after))
                goto out;
        if (!wait_reloads(t, seq, n + 1, "the late DT update"))
                goto out;
        check_call(t, n, "settled", 0);
        check_copy(t, (unsigned) n + 1, &after, "the late DT");
out:
        free(err);
        blob_done(&before);
        blob_done(&after);
}

/* The race itself, on a remove: a DLPAR remove whose DT replacement comes late (well after
 * QuietSec=). The DT still lists the removed LMBs as assigned, which a capture kernel would touch
 * (makedumpfile's SIGBUS): no reload on it, "waiting for device tree", then exactly one reload
 * after the replacement, of it. */
static void test_remove_late_dt(Test *t) {
        Blob before = {}, after = {};
        size_t seq;

        make_dt(&before, FLAGS_QEMU_BOOT, 0);
        make_dt(&after, FLAGS_QEMU_BOOT, DRCONF_MEM_ASSIGNED);
        if (!setup_lpar(t, N_BOOT + N_HOT, &after) || !start_and_wait_idle(t, NULL))
                goto out;

        seq = status_seq(t);
        hot_remove(t, N_BOOT, N_HOT);
        daemon_run_watch(&t->d, 500 * MSEC);
        if (!CHECK(&t->d, n_calls(t) == 0, "%zu reload(s) on the stale DT of a remove", n_calls(t)))
                goto out;
        CHECK(&t->d, status_find_last(t, seq, "waiting for device tree") != SIZE_MAX,
              "no \"waiting for device tree\" status while the DT lists removed LMBs (status \"%s\")", last_status(t));
        if (!write_dt(t, &before) || !wait_reloads(t, seq, 1, "the late DT replacement of the remove"))
                goto out;
        check_call(t, 0, "settled", 0);
        check_copy(t, 1, &before, "the DT after the remove");
out:
        blob_done(&before);
        blob_done(&after);
}

/* The DT with the hot LMBs first..first+1 assigned, the other two not. */
static void make_dt_pair_at(Blob *b, unsigned first) {
        TestLmbSet sets[4] = { { .n_lmbs = N_BOOT, .base = 0, .flags = FLAGS_QEMU_BOOT } };
        size_t n = 1;

        if (first > 0)
                sets[n++] = (TestLmbSet) { .n_lmbs = first, .base = (uint64_t) N_BOOT * LMB_SIZE };
        sets[n++] = (TestLmbSet) { .n_lmbs = 2, .base = (uint64_t) (N_BOOT + first) * LMB_SIZE,
                                   .flags = DRCONF_MEM_ASSIGNED };
        if (first + 2 < N_HOT)
                sets[n++] = (TestLmbSet) { .n_lmbs = N_HOT - first - 2, .base = (uint64_t) (N_BOOT + first + 2) * LMB_SIZE };
        *b = (Blob) {};
        dt_blob_v2(b, sets, n);
}

/* Memory moved within one request: the first hot LMB removed and the third added, so the present
 * memory is as long as before but starts one LMB higher (a run of 2 at another base). It is not
 * the set the crash kernel was loaded with: one reload, of the new DT; an id that forgot where the
 * runs are would call it "already loaded" and skip it. */
static void test_memory_moved(Test *t) {
        Blob before = {}, after = {};
        char *p = harness_block_syspath(N_BOOT);
        size_t seq;

        make_dt_pair_at(&before, 0);
        make_dt_pair_at(&after, 1);
        if (!setup_lpar(t, N_BOOT + 2, &before) || !start_and_wait_idle(t, NULL))
                goto out;

        seq = status_seq(t);
        uevent(t, N_BOOT, "offline");
        umockdev_testbed_uevent(t->testbed, p, "remove");
        umockdev_testbed_remove_device(t->testbed, p);
        if (!hot_add(t, N_BOOT + 2, 1))
                goto out;
        harness_sleep_usec(3 * MSEC);
        if (!write_dt(t, &after) || !wait_reloads(t, seq, 1, "the move of an LMB"))
                goto out;
        check_call(t, 0, "settled", 0);
        check_copy(t, 1, &after, "the DT after the move");
out:
        free(p);
        blob_done(&before);
        blob_done(&after);
}

/* 8: the daemon starts while the DT is stale (blocks memory8..11 exist, the DT does not have them
 * yet): no reload until max wait, one with reason timeout, one more (settled) on the DT update. */
static void test_stale_at_start(Test *t) {
        static const char *const extra[] = { "--max-wait-sec=1s", NULL };
        Blob before = {}, after = {};
        size_t seq, n;
        double t0;

        make_dt(&before, FLAGS_QEMU_BOOT, 0);
        make_dt(&after, FLAGS_QEMU_BOOT, DRCONF_MEM_ASSIGNED);
        if (!setup_lpar(t, N_BOOT + N_HOT, &before))
                goto out;

        t0 = now_real();
        if (!start_daemon(t, extra) || !wait_for(t, pred_ready, NULL, "READY=1"))
                goto out;
        n = check_timeout_reload(t, 0, t0, 0, &before);

        seq = status_seq(t);
        if (!write_dt(t, &after))
                goto out;
        if (!wait_reloads(t, seq, n + 1, "the late DT update"))
                goto out;
        check_call(t, n, "settled", 0);
        check_copy(t, (unsigned) n + 1, &after, "the late DT");
out:
        blob_done(&before);
        blob_done(&after);
}

/* --- main ------------------------------------------------------------------------------------- */

/* --- the control socket and the saved state ---------------------------------------------------- */

/* Runs kdump-settlectl --runtime-dir=DIR/run ARGS...; its stdout in *ret_out; returns its exit
 * status, or -1 if it did not exit normally. */
static int run_ctl(Test *t, char **ret_out, const char *const *args) {
        char *out_path = harness_path_in(t->d.dir, "ctl.out"), *a_runtime;
        char *argv[16];
        size_t n = 0;
        int status;
        pid_t pid;

        if (asprintf(&a_runtime, "--runtime-dir=%s/run", t->d.dir) < 0)
                abort();
        argv[n++] = (char *) daemon_runner_env()->ctl;
        argv[n++] = a_runtime;
        for (; *args && n < ELEMENTSOF(argv) - 1; args++)
                argv[n++] = (char *) *args;
        argv[n] = NULL;

        pid = harness_spawn(argv, environ, out_path, NULL);
        /* Pump notifications meanwhile: `wait` may take a while and the daemon talks to us. */
        for (;;) {
                pid_t r = waitpid(pid, &status, WNOHANG);
                if (r == pid)
                        break;
                daemon_run_pump(&t->d, 10 * MSEC);
        }
        if (ret_out)
                *ret_out = harness_read_all(out_path, NULL);
        free(out_path);
        free(a_runtime);
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* One raw request on the control socket, as a process with the given uid; the reply (or an
 * "errno=N" text when connecting failed) in buf. */
static void raw_request(Test *t, uid_t uid, const void *req, size_t len, char *buf, size_t size) {
        int p[2];
        pid_t pid;
        ssize_t n;

        if (pipe(p) < 0)
                abort();
        pid = fork();
        if (pid < 0)
                abort();
        if (pid == 0) {
                struct sockaddr_un sa = { .sun_family = AF_UNIX };
                char reply[4096];
                int fd;

                close(p[0]);
                if (uid != 0 && (setgid(uid) < 0 || setuid(uid) < 0))
                        _exit(2);
                snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/run/control", t->d.dir);
                fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
                if (fd < 0 || connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                        dprintf(p[1], "errno=%d", errno);
                        _exit(0);
                }
                /* A refused peer gets its reply and the close at once: a failed send is fine,
                 * the reply is still there to read. */
                (void) send(fd, req, len, MSG_NOSIGNAL);
                n = recv(fd, reply, sizeof(reply) - 1, 0);
                if (n < 0)
                        n = 0;
                (void) !write(p[1], reply, (size_t) n);
                _exit(0);
        }
        close(p[1]);
        n = read(p[0], buf, size - 1);
        buf[n < 0 ? 0 : n] = 0;
        close(p[0]);
        waitpid(pid, NULL, 0);
}

/* 9: status, reload, wait over the control socket; malformed requests change nothing. */
static void test_control(Test *t) {
        static const char *const status_json[] = { "status", "--json", NULL };
        static const char *const reload[] = { "reload", NULL };
        static const char *const wait[] = { "wait", "--timeout=5s", NULL };
        char big[300], reply[4096], *out = NULL;
        Blob dt = {};
        size_t seq;
        int r;

        make_dt(&dt, FLAGS_QEMU_BOOT, 0);
        if (!setup_lpar(t, N_BOOT, &dt) || !start_and_wait_idle(t, NULL))
                goto out;

        r = run_ctl(t, &out, status_json);
        if (!CHECK(&t->d, r == 0 && out, "status --json exited %d", r))
                goto out;
        CHECK(&t->d, strstr(out, "\"state\": \"idle\"") && strstr(out, "\"reloads\": 0") &&
                 strstr(out, "\"consistent\": \"yes\"") && strstr(out, "\"kexec_hotplug_hazard\": \"none\""),
              "status --json said: %s", out);
        free(out);
        out = NULL;

        /* An explicit reload with nothing changed still reloads, once. */
        seq = status_seq(t);
        r = run_ctl(t, NULL, reload);
        CHECK(&t->d, r == 0, "reload exited %d", r);
        if (!wait_reloads(t, seq, 1, "the requested reload") || !check_call(t, 0, "requested", 0))
                goto out;
        r = run_ctl(t, NULL, wait);
        CHECK(&t->d, r == 0, "wait exited %d on an idle daemon", r);

        /* Malformed and oversized requests: an error reply, and nothing happens. */
        raw_request(t, 0, "explode", 7, reply, sizeof(reply));
        CHECK(&t->d, strncmp(reply, "result=error\nmessage=unknown request", 36) == 0, "bad request got: %s", reply);
        memset(big, 'x', sizeof(big));
        raw_request(t, 0, big, sizeof(big), reply, sizeof(reply));
        CHECK(&t->d, strncmp(reply, "result=error", 12) == 0 && strstr(reply, "larger"), "oversized request got: %s", reply);
        raw_request(t, 0, "status", 6, reply, sizeof(reply));
        CHECK(&t->d, strncmp(reply, "result=ok\nstate=idle\n", 21) == 0, "status after bad requests: %s", reply);
        daemon_run_watch(&t->d, AFTER_IDLE);
        CHECK(&t->d, n_calls(t) == 1, "%zu reloads after bad requests, expected 1", n_calls(t));
out:
        free(out);
        blob_done(&dt);
}

/* 10: root only. The socket's mode keeps others out; with that lock opened by hand, the peer
 * credential check still answers "permission denied". Root, the negative control, gets in. */
static void test_control_permissions(Test *t) {
        char path[512], reply[4096];
        Blob dt = {};

        make_dt(&dt, FLAGS_QEMU_BOOT, 0);
        if (!setup_lpar(t, N_BOOT, &dt) || !start_and_wait_idle(t, NULL))
                goto out;
        if (getuid() != 0) {
                printf("# not root: cannot drop to nobody; only the root side is checked\n");
                raw_request(t, 0, "status", 6, reply, sizeof(reply));
                CHECK(&t->d, strncmp(reply, "result=ok", 9) == 0, "status as ourselves: %s", reply);
                goto out;
        }

        /* Let nobody reach the socket's directory, so that only the socket's own mode stops it. */
        chmod(t->d.dir, 0755);
        snprintf(path, sizeof(path), "%s/run", t->d.dir);
        chmod(path, 0755);

        raw_request(t, 65534, "status", 6, reply, sizeof(reply));
        CHECK(&t->d, strcmp(reply, "errno=13") == 0, "nobody connecting to the 0600 socket got: %s", reply);

        snprintf(path, sizeof(path), "%s/run/control", t->d.dir);
        chmod(path, 0666);
        raw_request(t, 65534, "status", 6, reply, sizeof(reply));
        CHECK(&t->d, strcmp(reply, "result=error\nmessage=permission denied\n") == 0,
              "nobody past the mode got: %s", reply);
        raw_request(t, 65534, "reload", 6, reply, sizeof(reply));
        daemon_run_watch(&t->d, AFTER_IDLE);
        CHECK(&t->d, n_calls(t) == 0, "a reload by nobody ran %zu reload(s)", n_calls(t));

        raw_request(t, 0, "status", 6, reply, sizeof(reply));
        CHECK(&t->d, strncmp(reply, "result=ok", 9) == 0, "root got: %s", reply);
out:
        blob_done(&dt);
}

/* A second daemon in the same test: READY=1 again before anything else. */
static bool restart_daemon(Test *t) {
        t->d.ready = false;
        t->stopping = false;
        return start_daemon(t, NULL) && wait_for(t, pred_ready, NULL, "READY=1 after the restart");
}

/* 11: the daemon is killed in the middle of a request (uevents seen, DT not yet updated) and
 * restarted after the DT update: it reloads once. Restarted again on the settled system: none.
 * 12: without the state file the same restart reloads once too: the DT is not the one the system
 * booted with, and nothing says the crash kernel was loaded after it changed (issue 11.1; this
 * test asserted no reload before). */
static void restart_mid_request(Test *t, bool keep_state) {
        Blob before = {}, after = {};
        char *state = NULL;
        size_t seq;

        make_dt(&before, FLAGS_QEMU_BOOT, 0);
        make_dt(&after, FLAGS_QEMU_BOOT, DRCONF_MEM_ASSIGNED);
        if (!setup_lpar(t, N_BOOT, &before) || !start_and_wait_idle(t, NULL))
                goto out;

        seq = status_seq(t);
        if (!hot_add(t, N_BOOT, N_HOT))
                goto out;
        IdleAfter ws = { .since = seq, .busy = "waiting for device tree" };
        if (!wait_for(t, pred_status_since, &ws, "waiting for the device tree"))
                goto out;

        daemon_run_kill(&t->d);
        if (!write_dt(t, &after))
                goto out;
        state = harness_path_in(t->d.dir, "run/state");
        if (!keep_state)
                unlink(state);

        seq = status_seq(t);
        if (!restart_daemon(t))
                goto out;
        if (!wait_reloads(t, seq, 1, "the restart with a reload owed"))
                goto out;
        check_copy(t, 1, &after, "the DT after the hot-add");

        if (!stop_daemon(t) || !check_exit_0(t, "on SIGTERM"))
                goto out;
        seq = status_seq(t);
        if (!restart_daemon(t))
                goto out;
        IdleAfter idle = { .since = seq, .busy = "idle" };
        if (wait_for(t, pred_status_since, &idle, "idle after the second restart"))
                daemon_run_watch(&t->d, AFTER_IDLE);
        CHECK(&t->d, n_calls(t) == 1, "a restart on the settled system reloaded (%zu in all)", n_calls(t));
out:
        free(state);
        blob_done(&before);
        blob_done(&after);
}

static void test_restart_owed(Test *t) {
        restart_mid_request(t, true);
}

static void test_restart_without_state(Test *t) {
        restart_mid_request(t, false);
}

/* --- fault injection ------------------------------------------------------------------------- */

/* 13: the reload command hangs: killed (its whole process group) at --reload-timeout-sec=1s,
 * logged as timed out, retried after 1 s, and the retry loads the final DT. */
static void test_reload_hangs(Test *t) {
        static const char *const extra[] = { "--reload-timeout-sec=1s", NULL };
        Blob before = {}, after = {};
        Call calls[MAX_CALLS];
        char *ctl = NULL, *pidfile = NULL, *pidtext = NULL;
        size_t seq, n;

        make_dt(&before, FLAGS_QEMU_BOOT, 0);
        make_dt(&after, FLAGS_QEMU_BOOT, DRCONF_MEM_ASSIGNED);
        if (!setup_lpar(t, N_BOOT, &before) || !start_and_wait_idle(t, extra))
                goto out;

        ctl = harness_path_in(t->d.dir, "reload.log.exit");
        if (harness_write_text(ctl, "hang\n") < 0)
                abort();

        seq = status_seq(t);
        if (!dlpar_add(t, &after))
                goto out;
        if (!wait_reloads(t, seq, 2, "the hung reload and its retry"))
                goto out;

        n = read_calls(t, calls, MAX_CALLS);
        if (n != 2)
                goto out;
        check_call(t, 0, "settled", 137);  /* the hung one logs itself before hanging */
        check_call(t, 1, "retry", 0);
        double gap = calls[1].time - calls[0].time;
        /* 1 s until the kill, 1 s of back-off. */
        CHECK(&t->d, gap >= 1.8 && gap <= 4.0, "retry came %.3f s after the hung reload began, expected about 2 s", gap);
        check_copy(t, 2, &after, "the DT after the hot-add");
        CHECK(&t->d, status_find_last(t, seq, "retrying in") != SIZE_MAX, "no \"retrying in N s\" status");
        CHECK_LOG(t, 0, "<3>Crash kernel reload failed (timed out after 1s and was killed)");

        /* The hung process is gone, not left behind. */
        pidfile = harness_path_in(t->d.dir, "reload.log.hang.pid");
        pidtext = harness_read_all(pidfile, NULL);
        if (CHECK(&t->d, pidtext && atoi(pidtext) > 0, "the hung reload left no pid")) {
                pid_t pid = (pid_t) atoi(pidtext);
                CHECK(&t->d, kill(pid, 0) < 0 && errno == ESRCH, "the hung reload (pid %d) still runs", (int) pid);
        }
out:
        free(pidtext);
        free(pidfile);
        free(ctl);
        blob_done(&before);
        blob_done(&after);
}

static bool write_config(Test *t, const char *text) {
        char *config = harness_path_in(t->d.dir, "kdump-settle.conf");
        int r = harness_write_text(config, text);

        free(config);
        t->own_config = true;
        return CHECK(&t->d, r >= 0, "cannot write the config file: %s", strerror(-r));
}

/* 14: ReloadCommand= (in the config file) does not exist: an error naming it, the daemon stays up
 * and retries, and status says the last reload could not start and a retry is due. The file is
 * then fixed and SIGHUP sent: the next retry runs the new command and loads the final DT. */
static void test_reload_missing(Test *t) {
        static const char *const status_args[] = { "status", NULL };
        Blob before = {}, after = {};
        char *text = NULL, *out = NULL;
        size_t seq, mark;
        int r;

        make_dt(&before, FLAGS_QEMU_BOOT, 0);
        make_dt(&after, FLAGS_QEMU_BOOT, DRCONF_MEM_ASSIGNED);
        if (!write_config(t, "[Reload]\nReloadCommand=/nonexistent/reload\n") ||
            !setup_lpar(t, N_BOOT, &before) || !start_and_wait_idle(t, NULL))
                goto out;
        CHECK_LOG(t, 0, "Reload command (ReloadCommand=): /nonexistent/reload");

        seq = status_seq(t);
        if (!dlpar_add(t, &after))
                goto out;
        IdleAfter backoff = { .since = seq, .busy = "retrying in" };
        if (!wait_for(t, pred_status_since, &backoff, "\"retrying in N s\" after the missing command"))
                goto out;
        CHECK_LOG(t, 0, "<3>Reload command /nonexistent/reload not found or not executable: No such file or directory");
        CHECK(&t->d, !t->d.exited, "the daemon exited");

        r = run_ctl(t, &out, status_args);
        if (CHECK(&t->d, r == 0 && out, "status exited %d", r)) {
                CHECK(&t->d, strstr(out, "State:          backoff (retrying in"), "status does not say it retries:\n%s", out);
                CHECK(&t->d, strstr(out, "could not start: /nonexistent/reload: No such file or directory"),
                      "status does not show the failure:\n%s", out);
                /* "reloads" counts attempts. */
                CHECK(&t->d, strstr(out, " 1 reloads, 1 failures,"), "status does not count the failure:\n%s", out);
        }
        CHECK(&t->d, n_calls(t) == 0, "%zu reload(s) ran", n_calls(t));

        /* The fix: the recorder in the file, then SIGHUP. */
        if (asprintf(&text, "[Reload]\nReloadCommand=/bin/sh %s/tests/integration/record-reload %s\n", daemon_runner_env()->srcdir,
                     t->d.log) < 0)
                abort();
        if (!write_config(t, text))
                goto out;
        mark = log_mark(t);
        kill(t->d.pid, SIGHUP);
        if (!wait_log(t, mark, "Configuration reloaded."))
                goto out;
        CHECK_LOG(t, mark, "record-reload");
        if (!wait_reloads(t, seq, 1, "the retry with the fixed command"))
                goto out;
        check_call(t, 0, "retry", 0);
        check_copy(t, 1, &after, "the DT after the hot-add");
        free(out);
        out = NULL;
        r = run_ctl(t, &out, status_args);
        CHECK(&t->d, r == 0 && out && strstr(out, "State:          idle") && strstr(out, ", success\n"),
              "status after the fix:\n%s", out ?: "");
out:
        free(out);
        free(text);
        blob_done(&before);
        blob_done(&after);
}

/* 15: the DT property is replaced with a truncated one, then with garbage (a set count far beyond
 * its length) while a hot-add is pending: each is an error naming the property, no reload, no crash;
 * the next, good, generation gives exactly one reload that saw it. */
static void test_bad_dt(Test *t) {
        Blob before = {}, after = {}, truncated = {}, garbage = {};
        size_t seq, mark;

        make_dt(&before, FLAGS_QEMU_BOOT, 0);
        make_dt(&after, FLAGS_QEMU_BOOT, DRCONF_MEM_ASSIGNED);
        /* The good property cut in the middle of its second set. */
        truncated.size = truncated.allocated = after.size - 10;
        truncated.data = malloc(truncated.size);
        if (!truncated.data)
                abort();
        memcpy(truncated.data, after.data, truncated.size);
        blob_put32(&garbage, 0x10000000);  /* 268 million sets in 12 bytes */
        blob_put64(&garbage, 0xdeadbeefcafef00dull);
        if (!setup_lpar(t, N_BOOT, &before) || !start_and_wait_idle(t, NULL))
                goto out;

        seq = status_seq(t);
        mark = log_mark(t);
        if (!dlpar_add(t, &truncated) || !wait_log(t, mark, "<4>Cannot use the device tree memory description"))
                goto out;
        CHECK_LOG(t, mark, DT_PROP_DYNAMIC_MEMORY_V2);

        mark = log_mark(t);
        if (!write_dt(t, &garbage) || !wait_log(t, mark, "<4>Cannot use the device tree memory description"))
                goto out;
        CHECK_LOG(t, mark, DT_PROP_DYNAMIC_MEMORY_V2);
        daemon_run_watch(&t->d, 200 * MSEC);
        CHECK(&t->d, n_calls(t) == 0, "%zu reload(s) with a bad DT", n_calls(t));
        CHECK(&t->d, status_is(last_status(t), "waiting for device tree"), "status with a bad DT: \"%s\"",
              last_status(t));
        size_t count = 0;
        log_has(t, mark, "Cannot use the device tree memory description", &count);
        CHECK(&t->d, count == 1, "the bad DT was reported %zu times, expected once per generation", count);

        if (!write_dt(t, &after) || !wait_reloads(t, seq, 1, "the good DT"))
                goto out;
        check_call(t, 0, "settled", 0);
        check_copy(t, 1, &after, "the good DT");
out:
        blob_done(&before);
        blob_done(&after);
        blob_done(&truncated);
        blob_done(&garbage);
}

/* 16: the whole DT memory node vanishes while a hot-add is pending, then comes back updated: a
 * warning naming it, no reload and no crash meanwhile, one reload once it is back. */
static void test_dt_node_vanishes(Test *t) {
        Blob before = {}, after = {};
        char *node = NULL, *gone = NULL, *cmd = NULL;
        size_t seq, mark;

        make_dt(&before, FLAGS_QEMU_BOOT, 0);
        make_dt(&after, FLAGS_QEMU_BOOT, DRCONF_MEM_ASSIGNED);
        if (!setup_lpar(t, N_BOOT, &before) || !start_and_wait_idle(t, NULL))
                goto out;

        seq = status_seq(t);
        mark = log_mark(t);
        if (!hot_add(t, N_BOOT, N_HOT))
                goto out;
        IdleAfter waiting = { .since = seq, .busy = "waiting for device tree" };
        if (!wait_for(t, pred_status_since, &waiting, "waiting for the device tree"))
                goto out;

        node = harness_path_in(t->d.root, DT_MEMORY_NODE);
        gone = harness_path_in(t->d.root, DT_MEMORY_NODE ".gone");
        /* At once, by a rename: removed file by file, a poll between the property and the node
         * sees "property absent" (a replacement), and the node's going then changes nothing. */
        if (!CHECK(&t->d, rename(node, gone) >= 0 && fake_root_remove(gone) >= 0, "cannot remove %s", node))
                goto out;
        if (!wait_log(t, mark, "<4>Device tree node /sys/firmware/devicetree/base/ibm,dynamic-reconfiguration-memory vanished"))
                goto out;
        daemon_run_watch(&t->d, 300 * MSEC);
        CHECK(&t->d, !t->d.exited, "the daemon exited without the DT node");
        CHECK(&t->d, n_calls(t) == 0, "%zu reload(s) without the DT node", n_calls(t));
        size_t count = 0;
        log_has(t, mark, "<4>", &count);
        CHECK(&t->d, count == 1, "%zu warnings while the node was gone, expected 1", count);

        if (!write_dt(t, &after) || !wait_reloads(t, seq, 1, "the DT node's return"))
                goto out;
        check_call(t, 0, "settled", 0);
        check_copy(t, 1, &after, "the DT after its return");
out:
        free(cmd);
        free(node);
        free(gone);
        blob_done(&before);
        blob_done(&after);
}


/* Whether a distribution's kdump tool is in PATH: the daemon would pick it over fadump's own
 * re-registration. stat(), not access(): the preload does not redirect faccessat. */
static bool system_has_kdump_tool(void) {
        const char *path = getenv("PATH");
        char *copy, *saveptr = NULL;
        bool found = false;

        copy = strdup(path ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
        if (!copy)
                abort();
        for (char *dir = strtok_r(copy, ":", &saveptr); dir && !found; dir = strtok_r(NULL, ":", &saveptr))
                for (const char *const *tool = (const char *const[]) { "kdumpctl", "kdump-config", NULL }; *tool; tool++) {
                        char full[4096];
                        struct stat st;

                        snprintf(full, sizeof(full), "%s/%s", dir, *tool);
                        if (stat(full, &st) == 0)
                                found = true;
                }
        free(copy);
        return found;
}

/* --- when the kernel, or firmware-assisted dump, changes what a reload is -------------------------- */

/* Writes "1\n" to each of the testbed files. */
static bool set_flags(Test *t, const char *const *paths) {
        for (; *paths; paths++) {
                int r = fake_root_write_file(t->d.root, *paths, "1\n", 2);
                if (!CHECK(&t->d, r >= 0, "cannot write %s: %s", *paths, strerror(-r)))
                        return false;
        }
        return true;
}

/* A hot-add with the given flags set in sysfs: the kernel updates the crash image itself, so the
 * daemon says so once and reloads nothing. The negative control is test 1: the same hot-add
 * without the flag reloads once. */
static void kernel_handles_hotplug(Test *t, const char *const *flags, const char *expect_log) {
        Blob before = {}, after = {};

        make_dt(&before, FLAGS_QEMU_BOOT, 0);
        make_dt(&after, FLAGS_QEMU_BOOT, DRCONF_MEM_ASSIGNED);
        if (!setup_lpar(t, N_BOOT, &before) || !set_flags(t, flags) || !start_and_wait_idle(t, NULL))
                goto out;
        CHECK_LOG(t, 0, expect_log);

        if (!dlpar_add(t, &after))
                goto out;
        daemon_run_watch(&t->d, 500 * MSEC);
        CHECK(&t->d, n_calls(t) == 0, "%zu reload(s) although the kernel handles hot-plug", n_calls(t));
        CHECK(&t->d, status_is(last_status(t), "idle"), "status \"%s\", expected idle", last_status(t));
out:
        blob_done(&before);
        blob_done(&after);
}

/* 17: crash_hotplug=1. */
static void test_crash_hotplug(Test *t) {
        static const char *const flags[] = { "sys/devices/system/memory/crash_hotplug", NULL };

        kernel_handles_hotplug(t, flags, "(crash_hotplug=1); memory events need no reload");
}

/* 18: firmware-assisted dump whose kernel handles hot-plug (hotplug_ready=1). */
static void test_fadump_hotplug_ready(Test *t) {
        static const char *const flags[] = { "sys/kernel/fadump/enabled", "sys/kernel/fadump/hotplug_ready", NULL };

        kernel_handles_hotplug(t, flags, "(hotplug_ready=1); memory events need no reload");
}

/* 19: firmware-assisted dump without hotplug_ready and no ReloadCommand= (nor kdumpctl): a hot-add
 * re-registers fadump (registered: SUSE's rule) by writing /sys/kernel/fadump/registered, once,
 * after the DT update. */
static void test_fadump_reregister(Test *t) {
        static const char *const flags[] = { "sys/kernel/fadump/enabled", NULL };
        Blob before = {}, after = {};
        char *registered = NULL, *text = NULL;
        size_t seq;

        if (system_has_kdump_tool()) {
                printf("# kdumpctl or kdump-config is installed: it, not the re-registration, would run\n");
                return;
        }
        make_dt(&before, FLAGS_QEMU_BOOT, 0);
        make_dt(&after, FLAGS_QEMU_BOOT, DRCONF_MEM_ASSIGNED);
        if (!write_config(t, "") || !setup_lpar(t, N_BOOT, &before) || !set_flags(t, flags) ||
            fake_root_write_file(t->d.root, "sys/kernel/fadump/registered", "1 before\n", 9) < 0 ||
            !start_and_wait_idle(t, NULL))
                goto out;
        CHECK_LOG(t, 0, "Firmware-assisted dump is enabled: memory hot-plug re-registers it.");
        CHECK_LOG(t, 0, "Reload: fadump re-registration through ");

        seq = status_seq(t);
        if (!dlpar_add(t, &after))
                goto out;
        IdleAfter a = { .since = seq, .busy = "reloading" };
        if (!wait_for(t, pred_idle_after, &a, "the re-registration"))
                goto out;
        CHECK_LOG(t, 0, "Firmware-assisted dump re-registered in");

        if (asprintf(&registered, "%s/sys/kernel/fadump/registered", t->d.root) < 0)
                abort();
        text = harness_read_all(registered, NULL);
        CHECK(&t->d, text && strcmp(text, "1") == 0, "registered holds \"%s\", expected the re-registration's 1",
              text ? text : "(unreadable)");
out:
        free(text);
        free(registered);
        blob_done(&before);
        blob_done(&after);
}

/* --- events during a reload (issue 22.9) ----------------------------------------------------- */

/* What came while the slow reload ran has settled (past QuietSec=) with no other reload ended; it
 * ends, and exactly one more follows (since status seq). */
static bool end_slow_reload(Test *t, size_t seq, const char *what) {
        daemon_run_watch(&t->d, AFTER_IDLE);
        if (!CHECK(&t->d, n_calls(t) == 0, "%zu reload(s) ended while the slow one still ran", n_calls(t)))
                return false;
        daemon_run_end_slow_reload(&t->d);
        return wait_reloads(t, seq, 2, what);
}

/* The slow reload (for reason) read `slow`, the one after it (settled) `next`. */
static void check_slow_and_next(Test *t, const char *reason, const Blob *slow, const char *slow_what, const Blob *next,
                                const char *next_what) {
        check_call(t, 0, reason, 0);
        check_call(t, 1, "settled", 0);
        check_copy(t, 1, slow, slow_what);
        check_copy(t, 2, next, next_what);
}

/* A DLPAR add of the first 2 hot LMBs (then the DT `first`) starts a reload that runs until the
 * test lets it end; while it runs, the uevents of a second DLPAR add, of the other 2. *ret_seq:
 * the status before it all. */
static bool add_during_slow_reload(Test *t, const Blob *before, const Blob *first, size_t *ret_seq) {
        if (!setup_lpar(t, N_BOOT, before) || !start_and_wait_idle(t, NULL))
                return false;
        daemon_run_slow_next_reload(&t->d);
        *ret_seq = status_seq(t);
        if (!hot_add(t, N_BOOT, N_HOT / 2))
                return false;
        harness_sleep_usec(3 * MSEC);
        return write_dt(t, first) && daemon_run_wait_slow_reload(&t->d, WAIT_MAX) &&
                hot_add(t, N_BOOT + N_HOT / 2, N_HOT / 2);
}

/* Such a second add, its DT replaced while the reload still runs or (dt_after) only after it
 * ended. The running reload read the DT before the second add: exactly one more reload follows
 * its end, and it loads the DT of the second add. With dt_after only the uevents fell into the
 * reload, and they alone owe the one more request: without it the daemon would go idle on the
 * verdict taken before them, and idle it polls no DT, so the second add would never be loaded. */
static void events_during_reload(Test *t, bool dt_after) {
        Blob before = {}, first = {}, second = {};
        size_t seq;

        make_dt(&before, FLAGS_QEMU_BOOT, 0);
        make_dt_pair_at(&first, 0);
        make_dt(&second, FLAGS_QEMU_BOOT, DRCONF_MEM_ASSIGNED);
        if (!add_during_slow_reload(t, &before, &first, &seq))
                goto out;
        if (dt_after) {
                daemon_run_watch(&t->d, AFTER_IDLE);
                if (!CHECK(&t->d, n_calls(t) == 0, "%zu reload(s) ended while the slow one still ran", n_calls(t)))
                        goto out;
                daemon_run_end_slow_reload(&t->d);
                if (!DAEMON_RUN_WAIT(&t->d, WAIT_MAX, n_calls(t) == 1, "the end of the slow reload"))
                        goto out;
                daemon_run_watch(&t->d, AFTER_IDLE);
                if (!write_dt(t, &second) ||
                    !wait_reloads(t, seq, 2, "the slow reload and the one the events during it owe"))
                        goto out;
        } else {
                harness_sleep_usec(3 * MSEC);
                if (!write_dt(t, &second) ||
                    !end_slow_reload(t, seq, "the slow reload and the one the events during it owe"))
                        goto out;
        }
        check_slow_and_next(t, "settled", &first, "the DT after the first add", &second,
                            "the DT of the add during the reload");
out:
        blob_done(&before);
        blob_done(&first);
        blob_done(&second);
}

static void test_events_during_reload(Test *t) {
        events_during_reload(t, false);
}

static void test_events_during_reload_dt_after(Test *t) {
        events_during_reload(t, true);
}

/* The late DT update of a stale-DT request, with no uevent of its own, while the reload at
 * --max-wait-sec=1s (reason timeout) still runs: that reload read the stale DT, so exactly one more
 * follows its end, and it loads the new DT. */
static void test_dt_during_reload(Test *t) {
        static const char *const extra[] = { "--max-wait-sec=1s", NULL };
        Blob before = {}, after = {};
        size_t seq;

        make_dt(&before, FLAGS_QEMU_BOOT, 0);
        make_dt(&after, FLAGS_QEMU_BOOT, DRCONF_MEM_ASSIGNED);
        if (!setup_lpar(t, N_BOOT, &before) || !start_and_wait_idle(t, extra))
                goto out;

        daemon_run_slow_next_reload(&t->d);
        seq = status_seq(t);
        if (!hot_add(t, N_BOOT, N_HOT) || !daemon_run_wait_slow_reload(&t->d, WAIT_MAX) || !write_dt(t, &after))
                goto out;
        if (!end_slow_reload(t, seq, "the slow timeout reload and the one the DT update during it owes"))
                goto out;
        check_slow_and_next(t, "timeout", &before, "the stale DT", &after, "the DT updated during the reload");
out:
        blob_done(&before);
        blob_done(&after);
}

/* A DT replaced while a reload runs, with no uevent of its own: the reload may have read either
 * version, so exactly one more follows its end. Only the DT poll at the reload's end can see it:
 * that reload (requested, the DT agreeing) leaves the engine idle, and idle polls nothing. The
 * replacement is the same property byte for byte, written anew (a new inode and mtime): the
 * daemon tells a replacement by its generation, without reading it. */
static void test_dt_replaced_during_reload(Test *t) {
        static const char *const reload[] = { "reload", NULL };
        Blob dt = {};
        size_t seq;
        int r;

        make_dt(&dt, FLAGS_QEMU_BOOT, 0);
        if (!setup_lpar(t, N_BOOT, &dt) || !start_and_wait_idle(t, NULL))
                goto out;

        daemon_run_slow_next_reload(&t->d);
        seq = status_seq(t);
        r = run_ctl(t, NULL, reload);
        if (!CHECK(&t->d, r == 0, "reload exited %d", r) || !daemon_run_wait_slow_reload(&t->d, WAIT_MAX))
                goto out;
        harness_sleep_usec(10 * MSEC);
        if (!write_dt(t, &dt))
                goto out;
        if (!end_slow_reload(t, seq, "the slow requested reload and the one the DT replaced during it owes"))
                goto out;
        check_call(t, 0, "requested", 0);
        check_call(t, 1, "settled", 0);
        check_copy(t, 2, &dt, "the DT as replaced");
out:
        blob_done(&dt);
}

/* drmgr's lock through the daemon (WaitForDrmgr= on, its default; the lock under --root=): a
 * DLPAR add while drmgr holds it gives no reload until the release, then exactly one, of the new
 * DT. */
static void test_drmgr_hold(Test *t) {
        Blob before = {}, after = {};
        char *a_root = NULL;
        size_t seq;
        int lock = -1;

        make_dt(&before, FLAGS_QEMU_BOOT, 0);
        make_dt(&after, FLAGS_QEMU_BOOT, DRCONF_MEM_ASSIGNED);
        if (asprintf(&a_root, "--root=%s", t->d.root) < 0)
                abort();
        if (!setup_lpar(t, N_BOOT, &before) || !start_and_wait_idle(t, (const char *const[]) { a_root, NULL }))
                goto out;

        lock = daemon_run_take_drmgr_lock(&t->d);
        seq = status_seq(t);
        if (lock < 0 || !dlpar_add(t, &after))
                goto out;
        if (!wait_for(t, pred_status_since, &(IdleAfter) { .since = seq, .busy = "waiting for drmgr" },
                      "STATUS=waiting for drmgr"))
                goto out;
        daemon_run_watch(&t->d, 2 * AFTER_IDLE);
        if (!CHECK(&t->d, n_calls(t) == 0, "%zu reload(s) while drmgr held its lock", n_calls(t)))
                goto out;

        close(lock);
        lock = -1;
        if (!wait_reloads(t, seq, 1, "the release of drmgr's lock"))
                goto out;
        check_call(t, 0, "settled", 0);
        check_copy(t, 1, &after, "the DT after the add");
out:
        if (lock >= 0)
                close(lock);
        free(a_root);
        blob_done(&before);
        blob_done(&after);
}

DAEMON_RUNNER_CASES(Test) tests[] = {
        { "burst: a DLPAR add and remove of 4 LMBs give one reload each, after the DT update", test_burst },
        { "retry: a failed reload is retried after 1 s, once", test_retry },
        { "roll-back: offline+online without a DT change gives no reload", test_rollback },
        { "SIGTERM: STOPPING=1 and exit status 0", test_sigterm },
        { "not pseries: no DT node, exit 0 at once", test_not_pseries },
        { "stale DT: reload at max wait (timeout), then once more on the late DT update", test_stale_dt },
        { "stale DT of a remove: no reload while the DT lists the removed LMBs, one after its late update", test_remove_late_dt },
        { "memory moved in one request (a run as long at another base): one reload, not \"already loaded\"", test_memory_moved },
        { "kernel uevent source: a DLPAR add and remove give one reload each", test_kernel_source },
        { "stale DT at start-up: reload at max wait (timeout), then once more on the DT update", test_stale_at_start },
        { "control socket: status --json, reload (requested), wait; bad requests change nothing", test_control },
        { "control socket: root only, by the socket's mode and by the peer's credentials", test_control_permissions },
        { "restart: killed mid-request, restarted after the DT update, reloads once", test_restart_owed },
        { "restart without the state file: the DT changed since boot, reloads once all the same", test_restart_without_state },
        { "reload hangs: killed at its timeout, logged, retried, the retry loads the final DT", test_reload_hangs },
        { "reload command missing: an error, status says so, retried; fixed by SIGHUP, the retry loads", test_reload_missing },
        { "bad DT: truncated, then garbage: an error naming the property each, then one reload on a good DT", test_bad_dt },
        { "DT node vanishes mid-request: a warning, no crash, one reload when it is back", test_dt_node_vanishes },
        { "crash_hotplug=1: the kernel updates the crash image, a hot-add reloads nothing", test_crash_hotplug },
        { "fadump with hotplug_ready=1: a hot-add reloads nothing", test_fadump_hotplug_ready },
        { "fadump: a hot-add re-registers it through /sys/kernel/fadump/registered, once", test_fadump_reregister },
        { "events during a reload: a DLPAR add while one runs gives exactly one more reload, of the new DT", test_events_during_reload },
        { "events during a reload, their DT after it: exactly one more reload, of that DT", test_events_during_reload_dt_after },
        { "DT during a reload: the late DT update while the timeout reload runs gives exactly one more, of it", test_dt_during_reload },
        { "drmgr's lock: a DLPAR add under it gives no reload while held, exactly one after the release", test_drmgr_hold },
        { "DT replaced during a reload: no uevent, the poll at its end gives exactly one more reload, of it", test_dt_replaced_during_reload },
};

DAEMON_RUNNER_MAIN(Test, tests, .program = "the integration test", .timeout_sec = 300, .umockdev = true,
                   .need_ctl = true, .time_each = true)
