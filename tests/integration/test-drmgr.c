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
#include "harness.h"
#include "macro.h"

/* After macro.h: glib redefines MIN and MAX the same way, with #undef. */
#include <umockdev.h>

#define N_BOOT 8
#define N_STEPS 4               /* drmgr -c mem -a -q 4: one kernel request per LMB */
#define STEP_GAP (150 * MSEC)   /* between requests: longer than QuietSec=, as measured (60-300 ms) */
#define WAIT_MAX (10 * SEC)

typedef struct Test {
        const char *name;
        bool failed;

        UMockdevTestbed *testbed;
        char *root;      /* the testbed's root: sys/, and var/lock/ for drmgr's lock */
        char *dir;       /* ours: notify socket, reload log, daemon stderr */
        char *log;
        int notify_fd;
        pid_t pid;
        bool ready;
        bool saw_wait;   /* STATUS=waiting for drmgr (pid <ours>) */
        int lock_fd;
} Test;

static const char *arg_daemon;
static const char *arg_srcdir;

static void on_notify(const char *line, void *userdata) {
        Test *t = userdata;
        char want[64];

        snprintf(want, sizeof(want), "STATUS=waiting for drmgr (pid %ld)", (long) getpid());
        if (strcmp(line, "READY=1") == 0)
                t->ready = true;
        else if (strcmp(line, want) == 0)
                t->saw_wait = true;
}

static void watch(Test *t, int64_t usec) {
        int64_t end = harness_now_usec() + usec;

        for (int64_t now; (now = harness_now_usec()) < end;)
                (void) harness_notify_read(t->notify_fd, end - now, on_notify, t);
}

/* Reloads so far: lines of the reload log. */
static size_t n_reloads(Test *t) {
        _cleanup_free_ char *text = harness_read_all(t->log, NULL);
        size_t n = 0;

        for (const char *p = text; p && (p = strchr(p, '\n')); p++)
                n++;
        return n;
}

/* Whether the i-th reload (from 1) had this reason. */
static bool reload_reason_is(Test *t, size_t i, const char *reason) {
        _cleanup_free_ char *text = harness_read_all(t->log, NULL);
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
                watch(t, 20 * MSEC);
        return CHECK(t, n_reloads(t) >= n, "%zu reload(s) after %.0f s, expected %zu", n_reloads(t),
                     (double) WAIT_MAX / SEC, n);
}

static bool daemon_logged(Test *t, const char *text) {
        _cleanup_free_ char *err = harness_path_in(t->dir, "daemon.stderr");
        _cleanup_free_ char *data = harness_read_all(err, NULL);

        return data && strstr(data, text);
}

/* Takes drmgr's lock as drmgr does: F_SETLK, F_WRLCK, the whole file. */
static bool take_lock(Test *t) {
        _cleanup_free_ char *path = harness_path_in(t->root, DRMGR_LOCK_PATH + 1);
        struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
        int r = fake_root_write_file(t->root, DRMGR_LOCK_PATH + 1, "", 0);

        if (!CHECK(t, r >= 0, "cannot create %s: %s", path, strerror(-r)))
                return false;
        t->lock_fd = open(path, O_RDWR | O_CLOEXEC);
        return CHECK(t, t->lock_fd >= 0 && fcntl(t->lock_fd, F_SETLK, &fl) == 0, "cannot lock %s: %m", path);
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
        r = fake_root_write_dt(t->root, LMB_SIZE, DT_FORMAT_V2, &b);
        blob_done(&b);
        return CHECK(t, r >= 0, "cannot write the DT property: %s", strerror(-r));
}

static bool add_block(Test *t, unsigned n) {
        _cleanup_free_ char *desc = harness_umockdev_block(n);
        GError *error = NULL;

        if (!umockdev_testbed_add_from_string(t->testbed, desc, &error)) {
                TEST_FAIL(t, "umockdev cannot add memory%u: %s", n, error->message);
                g_error_free(error);
                return false;
        }
        return true;
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
        _cleanup_free_ char *config = harness_path_in(t->dir, "kdump-settle.conf");
        _cleanup_free_ char *err = harness_path_in(t->dir, "daemon.stderr");
        _cleanup_free_ char *notify = harness_path_in(t->dir, "notify");
        _cleanup_free_ char *a_config = NULL, *a_root = NULL, *a_reload = NULL, *a_runtime = NULL,
                *a_notify = NULL, *a_wait = NULL, *a_max = NULL;
        _cleanup_free_ char **envp = NULL;
        int r;

        r = fake_root_set_block_size(t->root, LMB_SIZE);
        if (!CHECK(t, r >= 0, "cannot write block_size_bytes: %s", strerror(-r)))
                return false;
        for (unsigned n = 0; n < N_BOOT; n++)
                if (!add_block(t, n))
                        return false;
        if (!write_dt(t, 0) || harness_write_text(config, "") < 0)
                return false;

        if (asprintf(&a_config, "--config=%s", config) < 0 || asprintf(&a_root, "--root=%s", t->root) < 0 ||
            asprintf(&a_reload, "--reload-command=/bin/sh %s/tests/integration/record-reload %s", arg_srcdir,
                     t->log) < 0 ||
            asprintf(&a_runtime, "--runtime-dir=%s/run", t->dir) < 0 ||
            asprintf(&a_notify, "NOTIFY_SOCKET=%s", notify) < 0 ||
            asprintf(&a_wait, "--wait-for-drmgr=%s", wait_for_drmgr) < 0 ||
            asprintf(&a_max, "--max-wait-sec=%s", max_wait) < 0)
                abort();
        char *argv[] = { (char *) arg_daemon, a_config, a_root, a_reload, a_runtime, (char *) "--debug",
                         (char *) "--quiet-sec=50ms", a_wait, a_max, NULL };

        t->notify_fd = harness_notify_socket(notify);
        if (!CHECK(t, t->notify_fd >= 0, "cannot bind the notify socket: %s", strerror(-t->notify_fd)))
                return false;
        envp = harness_environ_with(a_notify, NULL);
        t->pid = harness_spawn(argv, envp, err, "#");

        for (int64_t end = harness_now_usec() + WAIT_MAX; !t->ready && harness_now_usec() < end;)
                watch(t, 20 * MSEC);
        if (!CHECK(t, t->ready, "no READY=1"))
                return false;
        watch(t, 300 * MSEC);
        return CHECK(t, n_reloads(t) == 0, "%zu reload(s) at start-up", n_reloads(t));
}

/* The drmgr command: its lock taken before the first request, the requests STEP_GAP apart. */
static bool drmgr_command(Test *t, bool lock) {
        if (lock && !take_lock(t))
                return false;
        for (unsigned i = 0; i < N_STEPS; i++) {
                if (!request(t, i))
                        return false;
                watch(t, STEP_GAP);
        }
        return true;
}

static void test_one_reload(Test *t) {
        if (!start(t, "yes", "20s") || !drmgr_command(t, true))
                return;
        watch(t, 500 * MSEC);
        if (!CHECK(t, n_reloads(t) == 0, "%zu reload(s) while drmgr held its lock", n_reloads(t)))
                return;
        CHECK(t, t->saw_wait, "no STATUS=waiting for drmgr (pid %ld)", (long) getpid());

        release_lock(t);
        if (!wait_reloads(t, 1))
                return;
        watch(t, 500 * MSEC);
        CHECK(t, n_reloads(t) == 1, "%zu reloads after the release, expected 1", n_reloads(t));
        CHECK(t, reload_reason_is(t, 1, "settled"), "the reload's reason is not \"settled\"");
}

static void test_switched_off(Test *t) {
        if (!start(t, "no", "20s") || !drmgr_command(t, true))
                return;
        watch(t, 500 * MSEC);
        CHECK(t, n_reloads(t) > 1, "%zu reload(s) with WaitForDrmgr=no, expected one per request",
              n_reloads(t));
        release_lock(t);
}

static void test_max_wait(Test *t) {
        int64_t last;

        if (!start(t, "yes", "2s") || !take_lock(t) || !request(t, 0))
                return;
        last = harness_now_usec();
        watch(t, 1500 * MSEC);
        if (!CHECK(t, n_reloads(t) == 0, "%zu reload(s) before MaxWaitSec= while held", n_reloads(t)) ||
            !wait_reloads(t, 1))
                return;
        CHECK(t, harness_now_usec() - last >= 2 * SEC, "reloaded %.2f s after the last event, before MaxWaitSec=2s",
              (double) (harness_now_usec() - last) / SEC);
        CHECK(t, reload_reason_is(t, 1, "hold-timeout"), "the reload's reason is not \"hold-timeout\"");
        CHECK(t, daemon_logged(t, "still holds"), "no warning about the held lock");
        watch(t, 500 * MSEC);
        CHECK(t, n_reloads(t) == 1, "%zu reloads, expected 1", n_reloads(t));
        /* The release alone is no new request. */
        release_lock(t);
        watch(t, 500 * MSEC);
        CHECK(t, n_reloads(t) == 1, "%zu reloads after the late release, expected 1", n_reloads(t));
}

static void test_init(Test *t, const char *name) {
        int r;

        *t = (Test) { .name = name, .notify_fd = -1, .lock_fd = -1 };
        t->testbed = umockdev_testbed_new();
        if (!umockdev_in_mock_environment()) {
                printf("Bail out! umockdev's preload library is not active\n");
                exit(99);
        }
        t->root = umockdev_testbed_get_root_dir(t->testbed);
        r = fake_root_create(&t->dir);
        if (r < 0) {
                printf("Bail out! cannot create a temporary directory: %s\n", strerror(-r));
                exit(99);
        }
        t->log = harness_path_in(t->dir, "reload.log");
}

static void test_done(Test *t, unsigned number) {
        if (t->pid > 0) {
                int st = 0;

                kill(t->pid, SIGTERM);
                if (waitpid(t->pid, &st, 0) == t->pid)
                        CHECK(t, WIFEXITED(st) && WEXITSTATUS(st) == 0, "the daemon exited with status 0x%x", st);
        }
        release_lock(t);
        printf("%s %u - %s\n", t->failed ? "not ok" : "ok", number, t->name);
        if (t->failed) {
                _cleanup_free_ char *err = harness_path_in(t->dir, "daemon.stderr");
                _cleanup_free_ char *text = harness_read_all(err, NULL);
                _cleanup_free_ char *log = harness_read_all(t->log, NULL);

                if (log)
                        harness_diag_lines("reload log: ", log);
                if (text)
                        harness_diag_lines("daemon: ", text);
        }
        fflush(stdout);
        if (t->notify_fd >= 0)
                close(t->notify_fd);
        (void) fake_root_remove(t->dir);
        free(t->dir);
        free(t->log);
        g_free(t->root);
        g_object_unref(t->testbed);
}

static const struct {
        const char *name;
        void (*run)(Test *t);
} tests[] = {
        { "drmgr: 4 requests under its lock, no reload while held, exactly one after the release", test_one_reload },
        { "drmgr (negative control): the same with WaitForDrmgr=no reloads more than once", test_switched_off },
        { "drmgr hangs: the lock never released, one reload at MaxWaitSec= (hold-timeout)", test_max_wait },
};

int main(int argc, char **argv) {
        bool any_failed = false;
        int r;

        (void) argc;
        setvbuf(stdout, NULL, _IOLBF, 0);
        r = harness_ensure_preload(argv, "KDUMP_SETTLE_TEST_REEXEC");
        if (r < 0) {
                printf("Bail out! cannot run under libumockdev-preload: %s\n", strerror(-r));
                return 99;
        }
        arg_daemon = getenv("KDUMP_SETTLED");
        arg_srcdir = getenv("KDUMP_SETTLE_SRCDIR");
        if (!arg_daemon || !arg_srcdir) {
                printf("Bail out! set KDUMP_SETTLED and KDUMP_SETTLE_SRCDIR\n");
                return 99;
        }
        alarm(120);

        printf("1..%zu\n", ELEMENTSOF(tests));
        for (size_t i = 0; i < ELEMENTSOF(tests); i++) {
                Test t;

                test_init(&t, tests[i].name);
                tests[i].run(&t);
                any_failed |= t.failed;
                test_done(&t, (unsigned) i + 1);
        }
        return any_failed ? 1 : 0;
}
