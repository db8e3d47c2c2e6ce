/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc-util.h"
#include "daemon-runner.h"
#include "drmgr-lock.h"
#include "fake-root.h"
#include "macro.h"

#define STOP_POLL (10 * MSEC)
#define WAIT_POLL (20 * MSEC)

/* A test program's process-wide state: what it was run with, and the daemon for the watchdog. */
static DaemonRunnerEnv env;
static const char *watchdog_program;
static volatile pid_t current_daemon;

static void bail_out(const char *format, ...) __attribute__((format(printf, 1, 2), noreturn));
static void bail_out(const char *format, ...) {
        va_list ap;

        printf("Bail out! ");
        va_start(ap, format);
        vprintf(format, ap);
        va_end(ap);
        printf("\n");
        exit(99);
}

const DaemonRunnerEnv *daemon_runner_env(void) {
        return &env;
}

static void on_alarm(int sig) {
        static const char msg[] = " took longer than its global limit\n";

        (void) sig;
        if (current_daemon > 0)
                kill(current_daemon, SIGKILL);
        (void) !write(STDOUT_FILENO, "Bail out! ", 10);
        (void) !write(STDOUT_FILENO, watchdog_program, strlen(watchdog_program));
        (void) !write(STDOUT_FILENO, msg, sizeof(msg) - 1);
        _exit(99);
}

static void check_env(const DaemonRunner *runner) {
        _cleanup_free_ char *script = NULL;
        struct stat st;

        env = (DaemonRunnerEnv) {
                .daemon = getenv("KDUMP_SETTLED"),
                .ctl = getenv("KDUMP_SETTLECTL"),
                .srcdir = getenv("KDUMP_SETTLE_SRCDIR"),
        };
        if (!env.daemon || !env.srcdir || (runner->need_ctl && !env.ctl))
                bail_out("set KDUMP_SETTLED%s and KDUMP_SETTLE_SRCDIR", runner->need_ctl ? ", KDUMP_SETTLECTL" : "");
        if (access(env.daemon, X_OK) < 0)
                bail_out("%s: %s", env.daemon, strerror(errno));
        if (asprintf(&script, "%s/tests/integration/record-reload", env.srcdir) < 0)
                abort();
        /* stat(), not access(): umockdev's preload redirects stat but not faccessat. */
        if (stat(script, &st) < 0 || strpbrk(script, " \t\n"))
                bail_out("%s: missing, or its path has white space (the reload command is split on it)", script);
}

int daemon_runner_main(char **argv, const DaemonRunner *runner, size_t n_cases, const char *(*case_name)(size_t i),
                       bool (*case_run)(size_t i, unsigned number)) {
        const char *only = getenv("KDUMP_SETTLE_TEST_ONLY");
        const char *skip = NULL;
        bool any_failed = false;
        int r;

        setvbuf(stdout, NULL, _IOLBF, 0);
        if (runner->umockdev) {
                r = harness_ensure_preload(argv, "KDUMP_SETTLE_TEST_REEXEC");
                if (r == -ELOOP)
                        bail_out("LD_PRELOAD lost across the re-execution under libumockdev-preload");
                if (r < 0)
                        bail_out("cannot run under libumockdev-preload: %s", strerror(-r));
        }
        check_env(runner);

        printf("1..%zu\n", n_cases);
        if (runner->skip_all)
                skip = runner->skip_all();
        if (skip) {
                for (size_t i = 0; i < n_cases; i++)
                        printf("ok %zu - %s # SKIP %s\n", i + 1, case_name(i), skip);
                return 0;
        }

        watchdog_program = runner->program;
        signal(SIGALRM, on_alarm);
        alarm(runner->timeout_sec);

        for (size_t i = 0; i < n_cases; i++) {
                int64_t start = harness_now_usec();

                if (only && (size_t) atoi(only) != i + 1) {
                        printf("ok %zu - %s # SKIP not selected by KDUMP_SETTLE_TEST_ONLY\n", i + 1, case_name(i));
                        continue;
                }
                any_failed |= case_run(i, (unsigned) i + 1);
                if (runner->time_each)
                        printf("# %.2f s\n", (double) (harness_now_usec() - start) / SEC);
        }
        return any_failed ? 1 : 0;
}

void daemon_run_init(DaemonRun *d, const char *name, char *root, const char *log_name, bool notify) {
        _cleanup_free_ char *notify_path = NULL;
        int r;

        *d = (DaemonRun) { .name = name, .root = root, .notify_fd = -1 };
        if (!root) {
                r = fake_root_create(&d->root);
                if (r < 0)
                        bail_out("cannot create a temporary directory: %s", strerror(-r));
                d->own_root = true;
        }
        r = fake_root_create(&d->dir);
        if (r < 0)
                bail_out("cannot create a temporary directory: %s", strerror(-r));
        d->log = harness_path_in(d->dir, log_name);
        if (!notify)
                return;

        notify_path = harness_path_in(d->dir, "notify");
        d->notify_fd = harness_notify_socket(notify_path);
        if (d->notify_fd == -ENAMETOOLONG)
                bail_out("temporary directory path too long for a socket: %s", notify_path);
        if (d->notify_fd < 0)
                bail_out("cannot bind the notify socket %s: %s", notify_path, strerror(-d->notify_fd));
}

char *daemon_run_path(const DaemonRun *d, const char *name) {
        return harness_path_in(d->dir, name);
}

static bool file_exists(const char *path) {
        struct stat st;

        return stat(path, &st) == 0;  /* not access(): umockdev's preload does not redirect faccessat */
}

static char *slow_reload_file(const DaemonRun *d, const char *suffix) {
        char *s;

        if (asprintf(&s, "%s.slow.%s", d->log, suffix) < 0)
                abort();
        return s;
}

void daemon_run_slow_next_reload(DaemonRun *d) {
        _cleanup_free_ char *ctl = NULL;

        if (asprintf(&ctl, "%s.exit", d->log) < 0 || harness_write_text(ctl, "slow\n") < 0)
                abort();
}

bool daemon_run_wait_slow_reload(DaemonRun *d, int64_t max) {
        _cleanup_free_ char *pidfile = slow_reload_file(d, "pid");

        return DAEMON_RUN_WAIT(d, max, file_exists(pidfile), "the slow reload to start");
}

void daemon_run_end_slow_reload(DaemonRun *d) {
        _cleanup_free_ char *go = slow_reload_file(d, "go");

        if (harness_write_text(go, "") < 0)
                abort();
}

int daemon_run_take_drmgr_lock(DaemonRun *d) {
        _cleanup_free_ char *path = harness_path_in(d->root, DRMGR_LOCK_PATH + 1);
        struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
        int r = fake_root_write_file(d->root, DRMGR_LOCK_PATH + 1, "", 0), fd;

        if (!CHECK(d, r >= 0, "cannot create %s: %s", path, strerror(-r)))
                return -1;
        fd = open(path, O_RDWR | O_CLOEXEC);
        if (!CHECK(d, fd >= 0 && fcntl(fd, F_SETLK, &fl) == 0, "cannot lock %s: %m", path)) {
                if (fd >= 0)
                        close(fd);
                return -1;
        }
        return fd;
}

char *daemon_run_reload_command(const DaemonRun *d, const char *script) {
        char *s;

        if (asprintf(&s, "--reload-command=/bin/sh %s/tests/integration/%s %s", env.srcdir, script, d->log) < 0)
                abort();
        return s;
}

pid_t daemon_run_ctl_spawn(const DaemonRun *d, const char *const *args) {
        _cleanup_free_ char *a_runtime = NULL, *out = daemon_run_path(d, "ctl.out");
        char *argv[16];
        size_t n = 0;

        assert(env.ctl);
        if (asprintf(&a_runtime, "--runtime-dir=%s/run", d->dir) < 0)
                abort();
        argv[n++] = (char *) env.ctl;
        argv[n++] = a_runtime;
        for (; *args && n < ELEMENTSOF(argv) - 1; args++)
                argv[n++] = (char *) *args;
        argv[n] = NULL;
        return harness_spawn(argv, environ, out, NULL);
}

int daemon_run_ctl(const DaemonRun *d, const char *const *args) {
        int status = 0;

        (void) waitpid(daemon_run_ctl_spawn(d, args), &status, 0);
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

pid_t daemon_run_spawn(const DaemonRun *d, const char *err_name, char **envp, const char *const *extra) {
        _cleanup_free_ char *config = daemon_run_path(d, "kdump-settle.conf");
        _cleanup_free_ char *err = daemon_run_path(d, err_name);
        _cleanup_free_ char *notify = daemon_run_path(d, "notify");
        _cleanup_free_ char *a_config = NULL, *a_runtime = NULL, *a_notify = NULL;
        _cleanup_free_ char **our_env = NULL;
        char *argv[48];
        size_t n = 0;

        if (access(config, F_OK) < 0 && harness_write_text(config, "") < 0)
                abort();
        if (asprintf(&a_config, "--config=%s", config) < 0 || asprintf(&a_runtime, "--runtime-dir=%s/run", d->dir) < 0 ||
            asprintf(&a_notify, "NOTIFY_SOCKET=%s", notify) < 0)
                abort();

        argv[n++] = (char *) env.daemon;
        argv[n++] = a_config;
        argv[n++] = a_runtime;
        argv[n++] = (char *) "--debug";
        for (; extra && *extra; extra++) {
                if (n >= sizeof(argv) / sizeof(argv[0]) - 1)
                        abort();
                argv[n++] = (char *) *extra;
        }
        argv[n] = NULL;

        if (!envp && d->notify_fd >= 0)
                envp = our_env = harness_environ_with(a_notify, NULL);
        return harness_spawn(argv, envp ?: environ, err, "#");
}

void daemon_run_start_env(DaemonRun *d, char **envp, const char *const *extra) {
        d->pid = current_daemon = daemon_run_spawn(d, "daemon.stderr", envp, extra);
        d->exited = d->ready = false;
        d->status[0] = 0;
}

void daemon_run_start(DaemonRun *d, const char *const *extra) {
        daemon_run_start_env(d, NULL, extra);
}

static void reap(DaemonRun *d) {
        if (d->pid > 0 && !d->exited && waitpid(d->pid, &d->wait_status, WNOHANG) == d->pid) {
                d->exited = true;
                current_daemon = 0;
        }
}

static void on_notify_line(const char *line, void *userdata) {
        DaemonRun *d = userdata;

        if (strcmp(line, "READY=1") == 0)
                d->ready = true;
        else if (strncmp(line, "STATUS=", 7) == 0)
                snprintf(d->status, sizeof(d->status), "%s", line + 7);
        if (d->on_notify)
                d->on_notify(line, d->userdata);
}

void daemon_run_pump(DaemonRun *d, int64_t timeout) {
        if (d->notify_fd >= 0)
                (void) harness_notify_read(d->notify_fd, timeout, on_notify_line, d);
        else
                harness_sleep_usec(timeout);
        reap(d);
}

void daemon_run_watch(DaemonRun *d, int64_t usec) {
        int64_t end = harness_now_usec() + usec;

        for (int64_t now; (now = harness_now_usec()) < end;)
                daemon_run_pump(d, end - now);
}

bool daemon_run_wait_step(DaemonRun *d, int64_t end, const char *what) {
        int64_t now = harness_now_usec();

        if (d->exited)
                return CHECK(d, false, "the daemon exited while waiting for %s", what);
        if (now >= end)
                return CHECK(d, false, "no %s in time (last status \"%s\")", what, d->status);
        daemon_run_pump(d, end - now < WAIT_POLL ? end - now : WAIT_POLL);
        return true;
}

bool daemon_run_stop(DaemonRun *d, int64_t timeout) {
        int64_t end = harness_now_usec() + timeout;

        if (d->pid <= 0 || d->exited)
                return true;
        kill(d->pid, SIGTERM);
        while (!d->exited && harness_now_usec() < end)
                daemon_run_pump(d, STOP_POLL);
        if (d->exited)
                return true;
        TEST_FAIL(d, "the daemon did not exit within %.0f s of SIGTERM", (double) timeout / SEC);
        daemon_run_kill(d);
        return false;
}

void daemon_run_kill(DaemonRun *d) {
        if (d->pid <= 0 || d->exited)
                return;
        kill(d->pid, SIGKILL);
        (void) waitpid(d->pid, &d->wait_status, 0);
        d->exited = true;
        current_daemon = 0;
}

bool daemon_run_check_exit_0(DaemonRun *d, const char *when) {
        int st = d->wait_status;

        if (WIFSIGNALED(st))
                return CHECK(d, false, "the daemon was killed by signal %d %s", WTERMSIG(st), when);
        return CHECK(d, WIFEXITED(st) && WEXITSTATUS(st) == 0, "the daemon exited with status %d %s",
                     WEXITSTATUS(st), when);
}

/* The file's last max_lines lines (0: all) as diagnostics: a flood logs 100,000. */
static void diag_file(const char *prefix, const char *path, size_t max_lines) {
        _cleanup_free_ char *text = harness_read_all(path, NULL);
        size_t lines = 0, skipped = 0;
        const char *p;

        if (!text)
                return;
        for (p = text; *p; p++)
                lines += *p == '\n';
        for (p = text; max_lines > 0 && lines > max_lines && *p; p++)
                if (*p == '\n') {
                        lines--;
                        skipped++;
                }
        if (skipped)
                printf("#   %s(%zu lines left out)\n", prefix, skipped);
        harness_diag_lines(prefix, p);
}

void daemon_run_finish(DaemonRun *d, unsigned number, const char *log_prefix) {
        if (d->pid > 0 && !d->exited && daemon_run_stop(d, 10 * SEC))
                daemon_run_check_exit_0(d, "on SIGTERM at the end of the test");

        printf("%s %u - %s\n", d->failed ? "not ok" : "ok", number, d->name);
        if (d->failed) {
                _cleanup_free_ char *err = daemon_run_path(d, "daemon.stderr");

                diag_file(log_prefix, d->log, d->diag_lines);
                diag_file("daemon: ", err, d->diag_lines);
        }
        fflush(stdout);
}

void daemon_run_free(DaemonRun *d) {
        bool keep = getenv("KDUMP_SETTLE_TEST_KEEP");

        if (d->notify_fd >= 0)
                close(d->notify_fd);
        if (keep)
                printf("#   kept %s and %s\n", d->dir, d->root);
        else {
                (void) fake_root_remove(d->dir);
                if (d->own_root)
                        (void) fake_root_remove(d->root);
        }
        free(d->dir);
        free(d->log);
        if (d->own_root)
                free(d->root);
        *d = (DaemonRun) { .notify_fd = -1 };
}
