/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "harness.h"

/* What the integration programs that run the real daemon share: main()'s frame (the environment,
 * the re-execution under umockdev, the watchdog, the TAP plan, KDUMP_SETTLE_TEST_ONLY and
 * KDUMP_SETTLE_TEST_KEEP), each case's scratch directory and notify socket, and starting, watching
 * and stopping the daemon. Set-up failures are "Bail out!" with exit status 99. */

/* The environment the programs are run with (tests/integration/local.mk sets it). */
typedef struct DaemonRunnerEnv {
        const char *daemon;  /* KDUMP_SETTLED */
        const char *ctl;     /* KDUMP_SETTLECTL, when the program asks for it */
        const char *srcdir;  /* KDUMP_SETTLE_SRCDIR: tests/integration/record-reload */
} DaemonRunnerEnv;

/* One case and its daemon. A program's Test has it as its member `d`: CHECK(&t->d, ...). */
typedef struct DaemonRun {
        const char *name;
        bool failed;

        char *root;          /* --root=: a umockdev testbed's, or a fake root made here */
        bool own_root;       /* made here: removed here */
        char *dir;           /* ours: notify socket, reload log, daemon.stderr, config, run/ */
        char *log;           /* dir/<log name>: what the reload command records */
        int notify_fd;       /* bound at dir/notify, or -1 */

        pid_t pid;           /* the daemon, 0 when none was started */
        bool exited;
        int wait_status;
        bool ready;          /* READY=1 came */
        char status[128];    /* the last STATUS=, "" before one */
        size_t diag_lines;   /* a failed case shows the last this many lines of each log; 0: all */

        /* Every notify line goes here too, when set. */
        void (*on_notify)(const char *line, void *userdata);
        void *userdata;
} DaemonRun;

typedef struct DaemonRunner {
        const char *program;    /* for the watchdog's message */
        unsigned timeout_sec;   /* the watchdog: kills the daemon and bails out */
        bool umockdev;          /* re-executes under libumockdev-preload */
        bool need_ctl;          /* KDUMP_SETTLECTL must be set */
        bool time_each;         /* "# N.NN s" after each case */
        /* Checked before anything runs: a reason to skip every case, or NULL. */
        const char *(*skip_all)(void);
} DaemonRunner;

/* The environment, set by daemon_runner_main() before any case runs. */
const DaemonRunnerEnv *daemon_runner_env(void);

/* The type of a program's table of cases: DAEMON_RUNNER_CASES(Test) tests[] = { { name, run }, ... }. */
#define DAEMON_RUNNER_CASES(Test)               \
        static const struct {                   \
                const char *name;               \
                void (*run)(Test *t);           \
        }

/* main() of a program whose table is `tests` ({ name, run(Test *) }) and whose test_init(t, name)
 * and test_done(t, number) set up and end a case (with daemon_run_init() and daemon_run_finish()). */
#define DAEMON_RUNNER_MAIN(Test, tests, ...)                                                    \
        static const char *daemon_runner_case_name(size_t i) {                                  \
                return tests[i].name;                                                           \
        }                                                                                       \
        static bool daemon_runner_case_run(size_t i, unsigned number) {                         \
                Test t;                                                                         \
                bool failed;                                                                    \
                test_init(&t, tests[i].name);                                                   \
                tests[i].run(&t);                                                               \
                failed = t.d.failed;                                                            \
                test_done(&t, number);                                                          \
                return failed;                                                                  \
        }                                                                                       \
        int main(int argc, char **argv) {                                                       \
                (void) argc;                                                                    \
                return daemon_runner_main(argv, &(const DaemonRunner) { __VA_ARGS__ },          \
                                          sizeof(tests) / sizeof(tests[0]),                     \
                                          daemon_runner_case_name, daemon_runner_case_run);     \
        }

int daemon_runner_main(char **argv, const DaemonRunner *runner, size_t n_cases, const char *(*case_name)(size_t i),
                       bool (*case_run)(size_t i, unsigned number));

/* A case's scratch directory with log_name in it, and its notify socket if notify; root NULL: a
 * fake root made (and removed) here, else the caller's, which it keeps owning. */
void daemon_run_init(DaemonRun *d, const char *name, char *root, const char *log_name, bool notify);
/* Stops the daemon (checking its exit status 0 if it ran until then), prints the case's TAP line
 * and, when it failed, the log (lines prefixed log_prefix) and the daemon's stderr. */
void daemon_run_finish(DaemonRun *d, unsigned number, const char *log_prefix);
/* Closes and removes what daemon_run_init() made (kept with KDUMP_SETTLE_TEST_KEEP). */
void daemon_run_free(DaemonRun *d);

/* "DIR/NAME" of the case's directory, newly allocated. */
char *daemon_run_path(const DaemonRun *d, const char *name);
/* "--reload-command=" running tests/integration/SCRIPT with the case's log, which it records into. */
char *daemon_run_reload_command(const DaemonRun *d, const char *script);

/* record-reload's "slow" call: makes the next reload one (a "slow" line in its LOG.exit); waits up
 * to max µs until it runs, failing the case past that; lets it end. */
void daemon_run_slow_next_reload(DaemonRun *d);
bool daemon_run_wait_slow_reload(DaemonRun *d, int64_t max);
void daemon_run_end_slow_reload(DaemonRun *d);

/* Takes drmgr's lock (DRMGR_LOCK_PATH under d->root) as drmgr does: F_SETLK, F_WRLCK, the whole
 * file. Its fd, whose close releases it (as drmgr's exit does), or -1, failing the case. */
int daemon_run_take_drmgr_lock(DaemonRun *d);

/* kdump-settlectl --runtime-dir=DIR/run ARGS (the program needs need_ctl), its output into
 * DIR/ctl.out: its pid, not waited for; or its exit status, -1 if it did not exit. */
pid_t daemon_run_ctl_spawn(const DaemonRun *d, const char *const *args);
int daemon_run_ctl(const DaemonRun *d, const char *const *args);

/* The daemon with --config=DIR/kdump-settle.conf (created empty if missing), --runtime-dir=DIR/run,
 * --debug and the NULL-terminated extra, its output into DIR/err_name, in the environment envp
 * (NULL: ours, with NOTIFY_SOCKET at DIR/notify when the case has that socket). Its pid: nothing
 * here waits for it. */
pid_t daemon_run_spawn(const DaemonRun *d, const char *err_name, char **envp, const char *const *extra);
/* daemon_run_spawn() of the case's daemon, into DIR/daemon.stderr: d->pid, watched by the
 * watchdog and by the functions below. */
void daemon_run_start_env(DaemonRun *d, char **envp, const char *const *extra);
void daemon_run_start(DaemonRun *d, const char *const *extra);

/* Short settle times for the cases, and a max wait longer than any wait (a case that wants a
 * timeout says so after these: the last one wins). */
#define DAEMON_RUN_FAST_ARGS "--quiet-sec=50ms", "--poll-interval-sec=5ms", "--max-wait-sec=20s"

/* Reads notify messages for up to timeout µs (or until one comes), then reaps an exited daemon. */
void daemon_run_pump(DaemonRun *d, int64_t timeout);
/* Pumps for usec. */
void daemon_run_watch(DaemonRun *d, int64_t usec);
/* One step of waiting for something until end (harness_now_usec()): false, failing the case,
 * when the daemon exited or end passed; else pumps up to 20 ms and returns true. */
bool daemon_run_wait_step(DaemonRun *d, int64_t end, const char *what);
/* Pumps until cond holds: true; false, failing the case, when the daemon exits or max µs pass. */
#define DAEMON_RUN_WAIT(d, max, cond, what)                                                     \
        ({                                                                                      \
                bool _going = true;                                                             \
                for (int64_t _end = harness_now_usec() + (max); _going && !(cond);)             \
                        _going = daemon_run_wait_step((d), _end, (what));                       \
                _going;                                                                         \
        })
/* SIGTERM, and waits up to timeout µs for the exit; SIGKILL and a failure past that. */
bool daemon_run_stop(DaemonRun *d, int64_t timeout);
/* SIGKILL, reaped: a crash. */
void daemon_run_kill(DaemonRun *d);
/* Whether the daemon exited with status 0 (else fails the case, naming `when`). */
bool daemon_run_check_exit_0(DaemonRun *d, const char *when);
