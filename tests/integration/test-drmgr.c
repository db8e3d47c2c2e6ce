/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The real kdump-settled and one drmgr command (issue 13.1): drmgr holds a POSIX write lock on
 * /var/lock/dr_config_lock for the whole command, which is several kernel DLPAR requests, each
 * its uevents and its DT replacement. This program holds that lock itself, under the testbed's
 * root (passed with --root=), while it sends the requests: no reload while held, exactly one after
 * the release; a lock never released ends at MaxWaitSec=; with WaitForDrmgr=no (the negative
 * control) each request gets its reload.
 *
 * Environment: KDUMP_SETTLED and KDUMP_SETTLE_SRCDIR (for tests/integration/record-reload). Speaks
 * TAP. Re-executes itself under libumockdev-preload (the uevents come from its testbed). */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc-util.h"
#include "drmgr-lock.h"
#include "dt-memory.h"
#include "fake-root.h"
#include "daemon-runner.h"
#include "harness.h"
#include "macro.h"

/* After macro.h: glib redefines MIN and MAX the same way, with #undef. */
#include <umockdev.h>
#include "daemon-runner-testbed.h"

#define N_BOOT 8
#define N_STEPS 4               /* drmgr -c mem -a -q 4: one kernel request per LMB */
#define STEP_GAP (150 * MSEC)   /* between requests: longer than QuietSec=, as measured (60-300 ms) */
#define WAIT_MAX (10 * SEC)

typedef struct Test {
        DaemonRun d;     /* root: the testbed's: sys/, and var/lock/ for drmgr's lock */
        UMockdevTestbed *testbed;
        bool saw_wait;   /* STATUS=waiting for drmgr (pid <ours>) */
        int lock_fd;
} Test;

static void on_notify(const char *line, void *userdata) {
        Test *t = userdata;
        char want[64];

        snprintf(want, sizeof(want), "STATUS=waiting for drmgr (pid %ld)", (long) getpid());
        if (strcmp(line, want) == 0)
                t->saw_wait = true;
}

/* Reloads so far: lines of the reload log. */
static size_t n_reloads(Test *t) {
        _cleanup_free_ char *text = harness_read_all(t->d.log, NULL);
        size_t n = 0;

        for (const char *p = text; p && (p = strchr(p, '\n')); p++)
                n++;
        return n;
}

/* Whether the i-th reload (from 1) had this reason. */
static bool reload_reason_is(Test *t, size_t i, const char *reason) {
        _cleanup_free_ char *text = harness_read_all(t->d.log, NULL);
        char want[64];
        const char *p = text;

        for (size_t k = 1; p && k < i; k++)
                if ((p = strchr(p, '\n')))
                        p++;
        if (!p)
                return false;
        snprintf(want, sizeof(want), " %s ", reason);
        p = strchr(p, ' ');  /* past the call number */
        return p && (p = strchr(p + 1, ' ')) && strncmp(p, want, strlen(want)) == 0;
}

static bool wait_reloads(Test *t, size_t n) {
        int64_t end = harness_now_usec() + WAIT_MAX;

        while (n_reloads(t) < n && harness_now_usec() < end)
                daemon_run_watch(&t->d, 20 * MSEC);
        return CHECK(&t->d, n_reloads(t) >= n, "%zu reload(s) after %.0f s, expected %zu", n_reloads(t),
                     (double) WAIT_MAX / SEC, n);
}

static bool daemon_logged(Test *t, const char *text) {
        _cleanup_free_ char *err = daemon_run_path(&t->d, "daemon.stderr");
        _cleanup_free_ char *data = harness_read_all(err, NULL);

        return data && strstr(data, text);
}

/* Takes drmgr's lock as drmgr does: F_SETLK, F_WRLCK, the whole file. */
static bool take_lock(Test *t) {
        t->lock_fd = daemon_run_take_drmgr_lock(&t->d);
        return t->lock_fd >= 0;
}

static void release_lock(Test *t) {
        if (t->lock_fd >= 0)
                close(t->lock_fd);  /* drops the POSIX lock, as drmgr's exit does */
        t->lock_fd = -1;
}

static bool write_dt(Test *t, unsigned n_hot) {
        Blob b = {};
        int r;

        harness_lpar_dt(&b, 0, N_BOOT, n_hot, FLAGS_QEMU_BOOT, DRCONF_MEM_ASSIGNED);
        r = fake_root_write_dt(t->d.root, LMB_SIZE, DT_FORMAT_V2, &b);
        blob_done(&b);
        return CHECK(&t->d, r >= 0, "cannot write the DT property: %s", strerror(-r));
}

static bool add_block(Test *t, unsigned n) {
        return daemon_run_add_block(&t->d, t->testbed, n);
}

/* One kernel request of the drmgr command: the LMB's block ("add", "online"), then the DT. */
static bool request(Test *t, unsigned step) {
        _cleanup_free_ char *p = harness_block_syspath(N_BOOT + step);

        if (!add_block(t, N_BOOT + step))
                return false;
        umockdev_testbed_uevent(t->testbed, p, "online");
        harness_sleep_usec(3 * MSEC);
        return write_dt(t, step + 1);
}

static bool start(Test *t, const char *wait_for_drmgr, const char *max_wait) {
        _cleanup_free_ char *a_root = NULL, *a_reload = daemon_run_reload_command(&t->d, "record-reload"), *a_wait = NULL,
                *a_max = NULL;
        int r;

        r = fake_root_set_block_size(t->d.root, LMB_SIZE);
        if (!CHECK(&t->d, r >= 0, "cannot write block_size_bytes: %s", strerror(-r)))
                return false;
        for (unsigned n = 0; n < N_BOOT; n++)
                if (!add_block(t, n))
                        return false;
        if (!write_dt(t, 0))
                return false;

        if (asprintf(&a_root, "--root=%s", t->d.root) < 0 ||
            asprintf(&a_wait, "--wait-for-drmgr=%s", wait_for_drmgr) < 0 ||
            asprintf(&a_max, "--max-wait-sec=%s", max_wait) < 0)
                abort();
        daemon_run_start(&t->d, (const char *const[]) { a_root, a_reload, "--quiet-sec=50ms", a_wait, a_max, NULL });

        for (int64_t end = harness_now_usec() + WAIT_MAX; !t->d.ready && harness_now_usec() < end;)
                daemon_run_watch(&t->d, 20 * MSEC);
        if (!CHECK(&t->d, t->d.ready, "no READY=1"))
                return false;
        daemon_run_watch(&t->d, 300 * MSEC);
        return CHECK(&t->d, n_reloads(t) == 0, "%zu reload(s) at start-up", n_reloads(t));
}

/* The drmgr command: its lock taken before the first request, the requests STEP_GAP apart. */
static bool drmgr_command(Test *t, bool lock) {
        if (lock && !take_lock(t))
                return false;
        for (unsigned i = 0; i < N_STEPS; i++) {
                if (!request(t, i))
                        return false;
                daemon_run_watch(&t->d, STEP_GAP);
        }
        return true;
}

/* drmgr's release gives exactly one reload more, the n-th in all, "settled". */
static bool release_after(Test *t, size_t n) {
        release_lock(t);
        if (!wait_reloads(t, n))
                return false;
        daemon_run_watch(&t->d, 500 * MSEC);
        return CHECK(&t->d, n_reloads(t) == n, "%zu reloads after the release, expected %zu in all", n_reloads(t), n) &&
               CHECK(&t->d, reload_reason_is(t, n, "settled"), "reload %zu's reason is not \"settled\"", n);
}

static void test_one_reload(Test *t) {
        if (!start(t, "yes", "20s") || !drmgr_command(t, true))
                return;
        daemon_run_watch(&t->d, 500 * MSEC);
        if (!CHECK(&t->d, n_reloads(t) == 0, "%zu reload(s) while drmgr held its lock", n_reloads(t)))
                return;
        CHECK(&t->d, t->saw_wait, "no STATUS=waiting for drmgr (pid %ld)", (long) getpid());

        release_after(t, 1);
}

static void test_switched_off(Test *t) {
        if (!start(t, "no", "20s") || !drmgr_command(t, true))
                return;
        daemon_run_watch(&t->d, 500 * MSEC);
        CHECK(&t->d, n_reloads(t) > 1, "%zu reload(s) with WaitForDrmgr=no, expected one per request",
              n_reloads(t));
        release_lock(t);
}

static void test_max_wait(Test *t) {
        int64_t last;

        if (!start(t, "yes", "2s") || !take_lock(t) || !request(t, 0))
                return;
        last = harness_now_usec();
        daemon_run_watch(&t->d, 1500 * MSEC);
        if (!CHECK(&t->d, n_reloads(t) == 0, "%zu reload(s) before MaxWaitSec= while held", n_reloads(t)) ||
            !wait_reloads(t, 1))
                return;
        CHECK(&t->d, harness_now_usec() - last >= 2 * SEC, "reloaded %.2f s after the last event, before MaxWaitSec=2s",
              (double) (harness_now_usec() - last) / SEC);
        CHECK(&t->d, reload_reason_is(t, 1, "hold-timeout"), "the reload's reason is not \"hold-timeout\"");
        CHECK(&t->d, daemon_logged(t, "still holds"), "no warning about the held lock");
        daemon_run_watch(&t->d, 500 * MSEC);
        CHECK(&t->d, n_reloads(t) == 1, "%zu reloads, expected 1", n_reloads(t));
        /* The release alone is no new request. */
        release_lock(t);
        daemon_run_watch(&t->d, 500 * MSEC);
        CHECK(&t->d, n_reloads(t) == 1, "%zu reloads after the late release, expected 1", n_reloads(t));
}

/* Whether the i-th reload (from 1) saw the DT with n_hot hot-added LMBs. */
static bool reload_saw_dt(Test *t, unsigned i, unsigned n_hot) {
        _cleanup_free_ char *name = NULL, *path = NULL, *data = NULL;
        Blob b = {};
        size_t size = 0;
        bool same;

        if (asprintf(&name, "reload.log.%u.dt", i) < 0)
                abort();
        path = daemon_run_path(&t->d, name);
        data = harness_read_all(path, &size);
        harness_lpar_dt(&b, 0, N_BOOT, n_hot, FLAGS_QEMU_BOOT, DRCONF_MEM_ASSIGNED);
        same = harness_dt_copy_is(data, size, &b);
        blob_done(&b);
        return CHECK(&t->d, same, "reload %u did not see the DT with %u hot-added LMB(s)", i, n_hot);
}

/* A drmgr command that starts while the reload of an earlier request runs (issue 22.9): its
 * requests come during that reload, whose end gives no reload while drmgr holds its lock, and
 * exactly one after the release, of the command's final DT. */
static void test_during_reload(Test *t) {
        if (!start(t, "yes", "20s"))
                return;
        daemon_run_slow_next_reload(&t->d);
        if (!request(t, 0) || !daemon_run_wait_slow_reload(&t->d, WAIT_MAX) || !take_lock(t))
                return;
        for (unsigned i = 1; i < N_STEPS; i++) {
                if (!request(t, i))
                        return;
                daemon_run_watch(&t->d, STEP_GAP);
        }

        daemon_run_end_slow_reload(&t->d);
        if (!wait_reloads(t, 1))
                return;
        daemon_run_watch(&t->d, 500 * MSEC);
        if (!CHECK(&t->d, n_reloads(t) == 1, "%zu reload(s) while drmgr held its lock after the first, expected 1",
                   n_reloads(t)))
                return;
        CHECK(&t->d, t->saw_wait, "no STATUS=waiting for drmgr (pid %ld)", (long) getpid());
        reload_saw_dt(t, 1, 1);

        if (release_after(t, 2))
                reload_saw_dt(t, 2, N_STEPS);
}

/* Runs `kdump-settlectl wait --timeout=SPAN` while pumping the daemon: its exit status (-1: none
 * in time) and how long it took. */
static int run_wait(Test *t, const char *timeout, int64_t *ret_usec) {
        const char *const wait[] = { "wait", timeout, NULL };
        int64_t t0 = harness_now_usec();
        pid_t pid = daemon_run_ctl_spawn(&t->d, wait);
        int status = 0;

        while (waitpid(pid, &status, WNOHANG) == 0 && harness_now_usec() - t0 < WAIT_MAX)
                daemon_run_watch(&t->d, 20 * MSEC);
        *ret_usec = harness_now_usec() - t0;
        if (*ret_usec >= WAIT_MAX) {
                (void) kill(pid, SIGKILL);
                (void) waitpid(pid, &status, 0);
                return -1;
        }
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Issue 19.9: drmgr runs its hooks with its lock held and waits for them, so a `wait` from a hook
 * (here: a child of this program, which holds the lock) must not wait for that lock: it returns
 * after one reload, long before MaxWaitSec=, while the lock is still held. */
static void test_hook_wait(Test *t) {
        int64_t took;
        int r;

        if (!start(t, "yes", "20s") || !drmgr_command(t, true))
                return;
        r = run_wait(t, "--timeout=8s", &took);
        if (!CHECK(&t->d, r == 0, "kdump-settlectl wait from drmgr's hook exited %d after %.1f s", r, (double) took / SEC))
                return;
        CHECK(&t->d, took < 2 * SEC, "kdump-settlectl wait from drmgr's hook took %.1f s", (double) took / SEC);
        CHECK(&t->d, n_reloads(t) == 1, "%zu reloads for the drmgr command, expected 1", n_reloads(t));
        CHECK(&t->d, reload_reason_is(t, 1, "settled"), "the reload's reason is not \"settled\"");
        CHECK(&t->d, daemon_logged(t, "from one of its hooks"), "the daemon did not say why it stopped waiting");
        release_lock(t);
        daemon_run_watch(&t->d, 500 * MSEC);
        CHECK(&t->d, n_reloads(t) == 1, "%zu reloads after the release, expected 1", n_reloads(t));
}

/* Its negative control: the lock held by another process (a drmgr that is no ancestor of the
 * waiter): the `wait` waits for it, no reload while it is held, one after the release. */
static void test_stranger_wait(Test *t) {
        int64_t took;
        int holder, status, r;

        if (!start(t, "yes", "20s"))
                return;
        holder = fake_root_hold_drmgr_lock(t->d.root, F_WRLCK);
        if (!CHECK(&t->d, holder > 0, "the lock holder did not start: %s", strerror(-holder)))
                return;
        if (drmgr_command(t, false)) {
                r = run_wait(t, "--timeout=1500ms", &took);
                CHECK(&t->d, r != 0, "kdump-settlectl wait returned %d while a stranger held drmgr's lock", r);
                CHECK(&t->d, n_reloads(t) == 0, "%zu reload(s) while a stranger held drmgr's lock", n_reloads(t));
        }
        (void) kill(holder, SIGKILL);
        (void) waitpid(holder, &status, 0);
        if (wait_reloads(t, 1)) {
                r = run_wait(t, "--timeout=5s", &took);
                CHECK(&t->d, r == 0, "kdump-settlectl wait exited %d after the release", r);
        }
}

static void test_init(Test *t, const char *name) {
        *t = (Test) { .lock_fd = -1 };
        t->testbed = daemon_run_init_testbed(&t->d, name, "reload.log", true);
        t->d.on_notify = on_notify;
        t->d.userdata = t;
}

static void test_done(Test *t, unsigned number) {
        daemon_run_finish(&t->d, number, "reload log: ");
        release_lock(t);
        daemon_run_free_testbed(&t->d, t->testbed);
}

DAEMON_RUNNER_CASES(Test) tests[] = {
        { "drmgr: 4 requests under its lock, no reload while held, exactly one after the release", test_one_reload },
        { "drmgr (negative control): the same with WaitForDrmgr=no reloads more than once", test_switched_off },
        { "drmgr hangs: the lock never released, one reload at MaxWaitSec= (hold-timeout)", test_max_wait },
        { "drmgr during a reload: no reload while its lock is held after the running one, exactly one after the release", test_during_reload },
        { "drmgr hook: a wait from under drmgr holding its lock returns after one reload, lock still held", test_hook_wait },
        { "drmgr hook (negative control): a wait from no child of the holder waits for the lock", test_stranger_wait },
};

DAEMON_RUNNER_MAIN(Test, tests, .program = "test-drmgr", .timeout_sec = 120, .umockdev = true, .need_ctl = true)
