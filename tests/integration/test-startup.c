/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The real kdump-settled against a umockdev testbed, for what issue 11 found around start-up and
 * the daemon's own state: a start after a DLPAR it did not see, the dump mode read per request, a
 * lost uevent, a timeout reload followed by a roll-back, a state file that cannot be written, and a
 * second instance. Waits go by the daemon's log (--debug logs each status) and the reload log of
 * tests/integration/record-reload; every wait is bounded.
 *
 * Environment: KDUMP_SETTLED, KDUMP_SETTLECTL, KDUMP_SETTLE_SRCDIR. Speaks TAP. Re-executes itself
 * under libumockdev-preload. KDUMP_SETTLE_TEST_ONLY=N runs case N only. */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dt-blob.h"
#include "dt-memory.h"
#include "fake-root.h"
#include "alloc-util.h"
#include "daemon-runner.h"
#include "harness.h"
#include "macro.h"

extern char **environ;

/* After macro.h: glib redefines MIN and MAX the same way, with #undef. */
#include <umockdev.h>
#include "daemon-runner-testbed.h"

#define N_BOOT 8
#define N_HOT 4

#define WAIT_MAX (10 * SEC)
#define AFTER_IDLE (300 * MSEC)

typedef struct Test {
        DaemonRun d;  /* root: the testbed's; no notify socket: the cases read the daemon's log */
        UMockdevTestbed *testbed;
        char *reload_arg;  /* --reload-command= recording into the reload log */
} Test;

/* --- the testbed ------------------------------------------------------------------------------- */

/* Boot LMBs 0..N_BOOT-1 present, hot ones N_BOOT.. with hot_flags; `hole`, if below N_BOOT, absent. */
static void make_dt(Blob *b, uint32_t hot_flags, unsigned hole) {
        TestLmbSet sets[4];
        size_t n = 0;

        if (hole < N_BOOT) {
                sets[n++] = (TestLmbSet) { .n_lmbs = hole, .base = 0, .flags = FLAGS_QEMU_BOOT };
                sets[n++] = (TestLmbSet) { .n_lmbs = 1, .base = hole * LMB_SIZE, .flags = 0 };
                if (hole + 1 < N_BOOT)
                        sets[n++] = (TestLmbSet) { .n_lmbs = N_BOOT - hole - 1, .base = (hole + 1) * LMB_SIZE,
                                                   .flags = FLAGS_QEMU_BOOT };
        } else
                sets[n++] = (TestLmbSet) { .n_lmbs = N_BOOT, .base = 0, .flags = FLAGS_QEMU_BOOT };
        sets[n++] = (TestLmbSet) { .n_lmbs = N_HOT, .base = N_BOOT * LMB_SIZE, .flags = hot_flags };
        *b = (Blob) {};
        dt_blob_v2(b, sets, n);
}

static bool write_dt(Test *t, uint32_t hot_flags, unsigned hole) {
        Blob b;
        int r;

        make_dt(&b, hot_flags, hole);
        r = fake_root_write_dt(t->d.root, LMB_SIZE, DT_FORMAT_V2, &b);
        blob_done(&b);
        return CHECK(&t->d, r >= 0, "cannot write the DT property: %s", strerror(-r));
}

static bool add_block(Test *t, unsigned n) {
        return daemon_run_add_block(&t->d, t->testbed, n);
}

/* memoryN goes; with its "remove" uevent unless silent (a uevent lost upstream). */
static void remove_block(Test *t, unsigned n, bool silent) {
        char *p = harness_block_syspath(n);

        if (!silent)
                umockdev_testbed_uevent(t->testbed, p, "remove");
        umockdev_testbed_remove_device(t->testbed, p);
        free(p);
}

/* A DLPAR add of the hot LMBs: their uevents, then the DT update. Fewer than 10 uevents: umockdev
 * aborts when more are queued unread. */
static bool dlpar_add(Test *t, unsigned hole) {
        for (unsigned n = N_BOOT; n < N_BOOT + N_HOT; n++)
                if (!add_block(t, n))
                        return false;
        harness_sleep_usec(3 * MSEC);
        return write_dt(t, DRCONF_MEM_ASSIGNED, hole);
}

static bool dlpar_remove(Test *t) {
        for (unsigned n = N_BOOT; n < N_BOOT + N_HOT; n++)
                remove_block(t, n, false);
        harness_sleep_usec(3 * MSEC);
        return write_dt(t, 0, N_BOOT);
}

/* The system as booted: the boot LMBs, their blocks, the DT (and so the boot's flattened DT). */
static bool setup_lpar(Test *t) {
        int r = fake_root_set_block_size(t->d.root, LMB_SIZE);

        if (!CHECK(&t->d, r >= 0, "cannot write block_size_bytes: %s", strerror(-r)))
                return false;
        for (unsigned n = 0; n < N_BOOT; n++)
                if (!add_block(t, n))
                        return false;
        return write_dt(t, 0, N_BOOT);
}

/* --- the daemon -------------------------------------------------------------------------------- */

static void start_daemon(Test *t, const char *const *extra) {
        const char *argv[24] = { t->reload_arg, DAEMON_RUN_FAST_ARGS };
        size_t n = 4;

        for (; extra && *extra && n < ELEMENTSOF(argv) - 1; extra++)
                argv[n++] = *extra;
        daemon_run_start(&t->d, argv);
}

/* How often text is in dir/<err>. */
static size_t log_count(Test *t, const char *err, const char *text) {
        char *path = harness_path_in(t->d.dir, err), *data = harness_read_all(path, NULL);
        size_t count = 0;

        for (const char *p = data; p && (p = strstr(p, text)); p += strlen(text))
                count++;
        free(data);
        free(path);
        return count;
}

/* Reload log lines. */
static size_t n_calls(Test *t) {
        char *data = harness_read_all(t->d.log, NULL);
        size_t n = 0;

        for (const char *p = data; p && *p; p++)
                n += *p == '\n';
        free(data);
        return n;
}

/* The reason of reload i (from 0), "" if none. */
static void call_reason(Test *t, size_t i, char *buf, size_t size) {
        char *data = harness_read_all(t->d.log, NULL), *line = data;

        snprintf(buf, size, "%s", "");
        for (size_t k = 0; line && k < i; k++) {
                line = strchr(line, '\n');
                line = line ? line + 1 : NULL;
        }
        if (line && *line) {
                char reason[32];
                if (sscanf(line, "%*u %*f %31s", reason) == 1)
                        snprintf(buf, size, "%s", reason);
        }
        free(data);
}

/* Waits until the daemon's log has text at least `count` times (or the daemon exits). */
static bool wait_log(Test *t, const char *text, size_t count) {
        int64_t end = harness_now_usec() + WAIT_MAX;

        while (harness_now_usec() < end) {
                if (log_count(t, "daemon.stderr", text) >= count)
                        return true;
                if (t->d.exited)
                        break;
                daemon_run_pump(&t->d, 10 * MSEC);
        }
        TEST_FAIL(&t->d, "no \"%s\" (%zu times) in the daemon's log within %.0f s", text, count, (double) WAIT_MAX / SEC);
        return false;
}

/* Whether the daemon's last status was idle. */
static bool idle_now(Test *t) {
        char *path = harness_path_in(t->d.dir, "daemon.stderr"), *data = harness_read_all(path, NULL), *last = NULL;
        bool idle;

        for (char *p = data; p && (p = strstr(p, "Status: ")); p++)
                last = p;
        idle = last && strncmp(last, "Status: idle", strlen("Status: idle")) == 0;
        free(data);
        free(path);
        return idle;
}

/* The daemon idles after `reloads` reloads in all, and nothing more happens for a while. */
static bool wait_reloads(Test *t, size_t reloads, const char *what) {
        int64_t end = harness_now_usec() + WAIT_MAX;

        while ((n_calls(t) < reloads || !idle_now(t)) && harness_now_usec() < end)
                harness_sleep_usec(10 * MSEC);
        if (!CHECK(&t->d, n_calls(t) >= reloads && idle_now(t), "%zu reload(s) after %s, expected %zu, and %s",
                   n_calls(t), what, reloads, idle_now(t) ? "idle" : "not idle"))
                return false;
        harness_sleep_usec(AFTER_IDLE);
        return CHECK(&t->d, n_calls(t) == reloads && idle_now(t), "%zu reload(s) after %s, expected %zu",
                     n_calls(t), what, reloads);
}

/* Started on a system whose DT is as booted: idle and no reload. */
static bool start_idle(Test *t, const char *const *extra) {
        start_daemon(t, extra);
        if (!wait_log(t, "Status: idle", 1))
                return false;
        harness_sleep_usec(AFTER_IDLE);
        return CHECK(&t->d, n_calls(t) == 0, "%zu reload(s) at start-up on a system as booted", n_calls(t));
}

static bool stop_daemon(Test *t) {
        if (t->d.pid <= 0 || t->d.exited)
                return true;
        return daemon_run_stop(&t->d, WAIT_MAX) && daemon_run_check_exit_0(&t->d, "on SIGTERM");
}

/* kdump-settlectl --runtime-dir=DIR/run ARGS: its exit status, -1 if it did not exit. */
static int run_ctl(Test *t, const char *const *args) {
        char *a_runtime, *out = harness_path_in(t->d.dir, "ctl.out"), *argv[8];
        size_t n = 0;
        int status = 0;

        if (asprintf(&a_runtime, "--runtime-dir=%s/run", t->d.dir) < 0)
                abort();
        argv[n++] = (char *) daemon_runner_env()->ctl;
        argv[n++] = a_runtime;
        for (; *args && n < ELEMENTSOF(argv) - 1; args++)
                argv[n++] = (char *) *args;
        argv[n] = NULL;
        (void) waitpid(harness_spawn(argv, environ, out, NULL), &status, 0);
        free(out);
        free(a_runtime);
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* --- the cases --------------------------------------------------------------------------------- */

/* Stops the daemon as `systemctl stop` does: SIGTERM, then its runtime directory goes. */
static bool stop_and_clean(Test *t) {
        char *run = harness_path_in(t->d.dir, "run");
        bool ok = stop_daemon(t);

        (void) fake_root_remove(run);
        free(run);
        return ok;
}

/* A start that should not reload: idle, and the reloads so far stay `reloads`. */
static void start_expect_none(Test *t, const char *const *extra, size_t reloads, const char *what) {
        /* Each start truncates the daemon's log. */
        start_daemon(t, extra);
        if (wait_log(t, "Status: idle", 1))
                harness_sleep_usec(AFTER_IDLE);
        CHECK(&t->d, n_calls(t) == reloads, "%s reloaded (%zu in all, expected %zu)", what, n_calls(t), reloads);
}

/* 11.1: DLPARs while the daemon is stopped (its runtime directory gone, as `systemctl stop` does):
 * the next start reloads once, by the state file kept in the state directory, or, without one,
 * because the DT is not the one the system booted with. The negative controls: starts on a system
 * nobody changed, as booted and as last loaded. */
static void test_start_after_unseen_dlpar(Test *t) {
        char *a_state = NULL, *state = NULL, reason[32];

        if (asprintf(&a_state, "--state-dir=%s/lib", t->d.dir) < 0)
                abort();
        const char *const extra[] = { a_state, NULL };

        if (!setup_lpar(t) || !start_idle(t, extra) || !stop_and_clean(t))
                goto out;

        /* A hot-add while stopped: the state of this boot says what is loaded, and it differs. */
        if (!dlpar_add(t, N_BOOT))
                goto out;
        start_daemon(t, extra);
        if (!wait_reloads(t, 1, "a start after an unseen hot-add"))
                goto out;
        call_reason(t, 0, reason, sizeof(reason));
        CHECK(&t->d, strcmp(reason, "settled") == 0, "the reload's reason is \"%s\", expected settled", reason);
        CHECK(&t->d, log_count(t, "daemon.stderr", "may not match the memory (the state file of this boot)") == 1,
              "the start did not say why it reloads");

        /* Nothing changed since: no reload. */
        if (!stop_and_clean(t))
                goto out;
        start_expect_none(t, extra, 1, "a start with nothing changed since the last reload");

        /* A hot-remove while stopped, and no state at all: the DT is not the boot's either. */
        if (!stop_and_clean(t))
                goto out;
        remove_block(t, N_BOOT - 1, false);
        if (!write_dt(t, DRCONF_MEM_ASSIGNED, N_BOOT - 1))
                goto out;
        state = harness_path_in(t->d.dir, "lib/state");
        (void) unlink(state);
        start_daemon(t, extra);
        if (!wait_reloads(t, 2, "a start without state after an unseen hot-remove"))
                goto out;
        CHECK(&t->d, log_count(t, "daemon.stderr", "may not match the memory (the device tree changed since boot") == 1,
              "the start without state did not say why it reloads");
out:
        free(state);
        free(a_state);
}

/* 11.4: crash_hotplug=1 at start: a hot-add reloads nothing. Then the loaded image changes to one
 * without hot-plug support (crash_hotplug=0): the next hot-remove reloads, and the change is
 * logged once. */
static void test_crash_hotplug_per_request(Test *t) {
        static const char path[] = "sys/devices/system/memory/crash_hotplug";

        if (!setup_lpar(t) || fake_root_write_file(t->d.root, path, "1\n", 2) < 0 || !start_idle(t, NULL))
                return;
        if (!dlpar_add(t, N_BOOT))
                return;
        harness_sleep_usec(500 * MSEC);
        if (!CHECK(&t->d, n_calls(t) == 0, "%zu reload(s) with crash_hotplug=1", n_calls(t)))
                return;

        if (fake_root_write_file(t->d.root, path, "0\n", 2) < 0 || !dlpar_remove(t))
                return;
        if (!wait_reloads(t, 1, "a hot-remove with crash_hotplug=0"))
                return;
        CHECK(&t->d, log_count(t, "daemon.stderr", "The dump mode changed") == 1,
              "the change of crash_hotplug was logged %zu times, expected once",
              log_count(t, "daemon.stderr", "The dump mode changed"));
}

/* 11.6: memory7 goes without its uevent (udevd killed mid-DLPAR), then a hot-add of memory8..11
 * arrives normally, DT update included: one reload, settled, long before max wait; `wait` returns. */
static void test_lost_uevent(Test *t) {
        static const char *const wait[] = { "wait", "--timeout=5s", NULL };
        char reason[32];
        int r;

        if (!setup_lpar(t) || !start_idle(t, NULL))
                return;
        remove_block(t, N_BOOT - 1, true);
        if (!dlpar_add(t, N_BOOT - 1) || !wait_reloads(t, 1, "a hot-add after a lost uevent"))
                return;
        call_reason(t, 0, reason, sizeof(reason));
        CHECK(&t->d, strcmp(reason, "settled") == 0, "the reload's reason is \"%s\", expected settled", reason);
        r = run_ctl(t, wait);
        CHECK(&t->d, r == 0, "kdump-settlectl wait exited %d", r);
}

/* 11.6, the other half: a DLPAR remove of memory8 fails and the kernel puts the block back; its
 * "remove" uevent arrives but the "add" is lost, and the DT is never replaced. At max wait (1 s) a
 * fresh scan finds sysfs agreeing with the DT: no timeout reload, idle, `wait` returns. */
static void test_lost_uevent_no_dt_change(Test *t) {
        static const char *const extra[] = { "--max-wait-sec=1s", NULL };
        static const char *const wait[] = { "wait", "--timeout=4s", NULL };
        char *p = harness_block_syspath(N_BOOT);
        int r;

        if (!setup_lpar(t))
                goto out;
        for (unsigned n = N_BOOT; n < N_BOOT + N_HOT; n++)
                if (!add_block(t, n))
                        goto out;
        if (!write_dt(t, DRCONF_MEM_ASSIGNED, N_BOOT) || fake_root_write_boot_fdt(t->d.root) < 0 ||
            !start_idle(t, extra))
                goto out;

        umockdev_testbed_uevent(t->testbed, p, "remove");  /* the block stays: its "add" was lost */
        harness_sleep_usec(1500 * MSEC);
        r = run_ctl(t, wait);
        CHECK(&t->d, r == 0, "kdump-settlectl wait exited %d", r);
        CHECK(&t->d, n_calls(t) == 0, "%zu reload(s) for a change that was undone", n_calls(t));
        CHECK(&t->d, idle_now(t), "not idle");
        CHECK(&t->d, log_count(t, "daemon.stderr", "differed from what uevents said") == 1, "the rescan was not said once");
out:
        free(p);
}

/* Two DIMMs close behind each other on the udev source: the second's blocks are in sysfs while
 * udevd still holds their uevents, and the first's DT update agrees with the blocks the uevents
 * gave. No reload over that DT (it lacks the second DIMM); one, over the second's DT, once it
 * comes. The held blocks are written into sysfs without umockdev's "add" uevent. */
static void test_uevents_behind_sysfs(Test *t) {
        const unsigned first = N_HOT / 2;
        TestLmbSet sets[3] = {
                { .n_lmbs = N_BOOT, .base = 0, .flags = FLAGS_QEMU_BOOT },
                { .n_lmbs = first, .base = N_BOOT * LMB_SIZE, .flags = DRCONF_MEM_ASSIGNED },
                { .n_lmbs = N_HOT - first, .base = (N_BOOT + first) * LMB_SIZE, .flags = 0 },
        };
        Blob b = {};
        int r;

        if (!setup_lpar(t) || !start_idle(t, NULL))
                return;
        for (unsigned n = N_BOOT; n < N_BOOT + first; n++)
                if (!add_block(t, n))
                        return;
        for (unsigned n = N_BOOT + first; n < N_BOOT + N_HOT; n++) {
                char *p = harness_block_syspath(n), *state;

                if (asprintf(&state, "%s/state", p) < 0)
                        abort();
                r = fake_root_write_file(t->d.root, state, "online\n", strlen("online\n"));
                free(state);
                free(p);
                if (!CHECK(&t->d, r >= 0, "cannot write memory%u: %s", n, strerror(-r)))
                        return;
        }
        harness_sleep_usec(3 * MSEC);
        dt_blob_v2(&b, sets, ELEMENTSOF(sets));
        r = fake_root_write_dt(t->d.root, LMB_SIZE, DT_FORMAT_V2, &b);
        blob_done(&b);
        if (!CHECK(&t->d, r >= 0, "cannot write the DT property: %s", strerror(-r)))
                return;
        harness_sleep_usec(AFTER_IDLE);
        if (!CHECK(&t->d, n_calls(t) == 0, "%zu reload(s) over a DT without the blocks in sysfs", n_calls(t)))
                return;

        for (unsigned n = N_BOOT + first; n < N_BOOT + N_HOT; n++) {
                char *p = harness_block_syspath(n);

                umockdev_testbed_uevent(t->testbed, p, "add");
                free(p);
        }
        harness_sleep_usec(3 * MSEC);
        if (!write_dt(t, DRCONF_MEM_ASSIGNED, N_BOOT) || !wait_reloads(t, 1, "the second DIMM's DT"))
                return;
        CHECK(&t->d, log_count(t, "daemon.stderr", "differed from what uevents said") >= 1,
              "the confirming scan was not said");
}

/* 11.10: a hot-add whose DT is never updated: a timeout reload at max wait (1 s). The DLPAR then
 * rolls back to the set the stale DT describes: reloaded, not skipped (the timeout image may hold
 * the memory that went). */
static void test_rollback_after_timeout(Test *t) {
        static const char *const extra[] = { "--max-wait-sec=1s", NULL };
        char reason[32];

        if (!setup_lpar(t) || !start_idle(t, extra))
                return;
        for (unsigned n = N_BOOT; n < N_BOOT + N_HOT; n++)
                if (!add_block(t, n))
                        return;
        if (!wait_log(t, "waiting for device tree (crash kernel loaded at max wait)", 1))
                return;
        call_reason(t, 0, reason, sizeof(reason));
        if (!CHECK(&t->d, n_calls(t) == 1 && strcmp(reason, "timeout") == 0, "%zu reload(s), the first \"%s\"; "
                   "expected one timeout", n_calls(t), reason))
                return;

        for (unsigned n = N_BOOT; n < N_BOOT + N_HOT; n++)
                remove_block(t, n, false);
        if (!wait_reloads(t, 2, "the roll-back"))
                return;
        call_reason(t, 1, reason, sizeof(reason));
        CHECK(&t->d, strcmp(reason, "settled") == 0, "the roll-back's reload has reason \"%s\"", reason);
}

/* 11.9: the state file cannot be written (run/state is a directory): said once, not per dispatch;
 * retried, and said when it works again. */
static void test_state_write_fails(Test *t) {
        static const char *const reload[] = { "reload", NULL };
        char *state = harness_path_in(t->d.dir, "run/state");
        size_t n;

        if (!setup_lpar(t) || !start_idle(t, NULL))
                goto out;
        if (!CHECK(&t->d, unlink(state) == 0 && mkdir(state, 0755) == 0, "cannot make run/state a directory: %m"))
                goto out;
        for (size_t i = 1; i <= 3; i++) {
                if (!CHECK(&t->d, run_ctl(t, reload) == 0, "kdump-settlectl reload failed") ||
                    !wait_reloads(t, i, "a reload request"))
                        goto out;
        }
        n = log_count(t, "daemon.stderr", "Cannot save state");
        CHECK(&t->d, n == 1, "the failing state file was warned about %zu times, expected once", n);

        (void) rmdir(state);
        if (run_ctl(t, reload) == 0 && wait_reloads(t, 4, "a reload request"))
                CHECK(&t->d, log_count(t, "daemon.stderr", "State saved again.") == 1, "no \"State saved again.\"");
out:
        free(state);
}

/* 11.13: a second daemon on the same runtime directory refuses to start, with a message, and
 * leaves the first one's control socket alone. */
static void test_second_instance(Test *t) {
        static const char *const status[] = { "status", NULL };
        char *sock = harness_path_in(t->d.dir, "run/control");
        struct stat before, after;
        pid_t second;
        int st = 0;

        if (!setup_lpar(t) || !start_idle(t, NULL) || !CHECK(&t->d, stat(sock, &before) == 0, "no control socket"))
                goto out;
        second = daemon_run_spawn(&t->d, "second.stderr", NULL,
                                  (const char *const[]) { t->reload_arg, DAEMON_RUN_FAST_ARGS, NULL });
        for (int64_t end = harness_now_usec() + WAIT_MAX; harness_now_usec() < end;) {
                if (waitpid(second, &st, WNOHANG) == second) {
                        second = 0;
                        break;
                }
                harness_sleep_usec(10 * MSEC);
        }
        if (second > 0) {
                kill(second, SIGKILL);
                waitpid(second, NULL, 0);
                TEST_FAIL(&t->d, "the second daemon did not exit");
        } else
                CHECK(&t->d, WIFEXITED(st) && WEXITSTATUS(st) != 0, "the second daemon exited with status 0");
        CHECK(&t->d, log_count(t, "second.stderr", "Another kdump-settled is running") == 1,
              "the second daemon did not say why it stops");
        CHECK(&t->d, stat(sock, &after) == 0 && after.st_ino == before.st_ino, "the control socket was replaced");
        CHECK(&t->d, run_ctl(t, status) == 0, "the first daemon does not answer status any more");
        CHECK(&t->d, kill(t->d.pid, 0) == 0, "the first daemon is gone");
out:
        free(sock);
}

/* 11.7: the DT is replaced right after the start-up evaluation (the daemon's 3rd stat() of the
 * property: two around the first read, then, on main, the separate generation read). Blocks
 * memory8..11 exist already, so the old DT disagrees; the new one agrees. The engine must see the
 * replacement as news: one settled reload, not a wait for max wait. */
static void test_dt_replaced_after_first_look(Test *t) {
        char *shim = NULL, *preload = NULL, *next = harness_path_in(t->d.dir, "next-dt"), *target = NULL;
        const char *old_preload = getenv("LD_PRELOAD");
        char reason[32];
        Blob b;

        /* Built next to the daemon: BUILDDIR/daemon/kdump-settled. */
        const char *slash = strrchr(daemon_runner_env()->daemon, '/');
        int dir_len = slash ? (int) (slash - daemon_runner_env()->daemon) : 1;
        if (asprintf(&shim, "%.*s/../tests/integration/stat-shim.so", dir_len, slash ? daemon_runner_env()->daemon : ".") < 0 ||
            asprintf(&preload, "%s%s%s", shim, old_preload ? ":" : "", old_preload ?: "") < 0 ||
            asprintf(&target, "%s/%s/%s", t->d.root, DT_MEMORY_NODE, DT_PROP_DYNAMIC_MEMORY_V2) < 0)
                abort();
        if (!CHECK(&t->d, access(shim, F_OK) == 0, "no %s", shim) || !setup_lpar(t))
                goto out;
        for (unsigned n = N_BOOT; n < N_BOOT + N_HOT; n++)
                if (!add_block(t, n))
                        goto out;
        make_dt(&b, DRCONF_MEM_ASSIGNED, N_BOOT);
        if (harness_write_text(next, "") < 0)
                abort();
        {
                FILE *f = fopen(next, "we");
                if (!f || fwrite(b.data, 1, b.size, f) != b.size || fclose(f) != 0)
                        abort();
        }
        blob_done(&b);

        {
                char *a_preload, *a_from, *a_to, **envp;

                if (asprintf(&a_preload, "LD_PRELOAD=%s", preload) < 0 ||
                    asprintf(&a_from, "STAT_SHIM_RENAME=%s", next) < 0 ||
                    asprintf(&a_to, "STAT_SHIM_TARGET=%s", target) < 0)
                        abort();
                envp = harness_environ_with(a_preload, "STAT_SHIM_AT=3", a_from, a_to, NULL);
                daemon_run_start_env(&t->d, envp, (const char *const[]) { t->reload_arg, DAEMON_RUN_FAST_ARGS, NULL });
                free(envp);
                free(a_to);
                free(a_from);
                free(a_preload);
        }

        if (!wait_reloads(t, 1, "a DT replaced right after the first look"))
                goto out;
        call_reason(t, 0, reason, sizeof(reason));
        CHECK(&t->d, strcmp(reason, "settled") == 0, "the reload's reason is \"%s\", expected settled", reason);
        CHECK(&t->d, access(next, F_OK) < 0, "the shim did not replace the DT (the test is void)");
out:
        free(target);
        free(next);
        free(preload);
        free(shim);
}

/* --- main -------------------------------------------------------------------------------------- */

static void test_init(Test *t, const char *name) {
        *t = (Test) {};
        t->testbed = daemon_run_init_testbed(&t->d, name, "reload.log", false);
        t->reload_arg = daemon_run_reload_command(&t->d, "record-reload");
}

static void test_done(Test *t, unsigned number) {
        if (t->d.pid > 0)
                (void) stop_daemon(t);
        daemon_run_finish(&t->d, number, "reload log: ");
        free(t->reload_arg);
        daemon_run_free_testbed(&t->d, t->testbed);
}

DAEMON_RUNNER_CASES(Test) tests[] = {
        { "starts after DLPARs it did not see reload once, by the kept state or the boot DT; others do not", test_start_after_unseen_dlpar },
        { "crash_hotplug is read per request: from 1 to 0, the next hot-plug reloads, logged once", test_crash_hotplug_per_request },
        { "a uevent lost upstream: the DT update is checked against sysfs, one settled reload, wait returns", test_lost_uevent },
        { "a lost uevent and no DT change: a fresh scan at max wait, no timeout reload, wait returns", test_lost_uevent_no_dt_change },
        { "blocks in sysfs before their uevents (udevd holding them): no reload over a DT without them, one over theirs", test_uevents_behind_sysfs },
        { "a roll-back after a timeout reload reloads again", test_rollback_after_timeout },
        { "a state file that cannot be written is warned about once per failure", test_state_write_fails },
        { "a second daemon refuses to start and leaves the control socket alone", test_second_instance },
        { "a DT replaced right after the start-up evaluation is news to the engine: one settled reload", test_dt_replaced_after_first_look },
};

DAEMON_RUNNER_MAIN(Test, tests, .program = "test-startup", .timeout_sec = 240, .umockdev = true, .need_ctl = true)
