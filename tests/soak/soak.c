/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Soak: N simulated DLPAR requests through the real kdump-settled under umockdev, alternately a
 * hot-add and a hot-remove of 4 LMBs (8 uevents, then the DT replaced, as the kernel does). Each
 * request must give exactly one reload, with reason "settled", that saw the request's final DT.
 * Every --sample requests the daemon's VmRSS and open fds are sampled (/proc/PID/status, /proc/PID/fd);
 * at the end they must be flat: the fds the same at every sample, VmRSS at most --rss-slack-kb above
 * the first sample. Not part of make check: see tests/soak/run.
 *
 * Environment: KDUMP_SETTLED (the daemon), KDUMP_SETTLE_SRCDIR (for
 * tests/integration/record-reload); KDUMP_SETTLE_SOAK_WRAPPER, if set, is a command the daemon is
 * run under (split on white space, e.g. "valgrind --leak-check=full --log-file=F"); RSS is then
 * the wrapper's and is reported, not judged. Re-executes itself under libumockdev-preload. Exit
 * status 0: passed, 1: failed, 99: could not run. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
#include "harness.h"
#include "macro.h"

/* After macro.h: glib redefines MIN and MAX the same way, with #undef. */
#include <umockdev.h>

extern char **environ;

#define N_BOOT 8
#define N_HOT 4


static unsigned arg_requests = 10000;
static unsigned arg_sample = 100;
static long arg_rss_slack_kb = 256;
static int64_t arg_request_timeout = 10 * SEC;
static bool arg_keep;
static const char *arg_daemon, *arg_srcdir, *arg_wrapper;

static UMockdevTestbed *testbed;
static char *root, *dir, *log_path;
static int notify_fd = -1;
static pid_t daemon_pid;
static bool daemon_exited;
static char last_status[128];
static bool saw_reloading;

/* The reload log, read as it grows. */
static FILE *log_file;
static char log_partial[512];
static size_t log_partial_len;
static unsigned n_reloads;

static Blob dt_before, dt_after;

static void cleanup(void) {
        if (daemon_pid > 0 && !daemon_exited) {
                kill(daemon_pid, SIGTERM);
                for (int i = 0; i < 500 && waitpid(daemon_pid, NULL, WNOHANG) == 0; i++)
                        harness_sleep_usec(10 * MSEC);
                kill(daemon_pid, SIGKILL);
                waitpid(daemon_pid, NULL, 0);
                daemon_exited = true;
        }
}

__attribute__((format(printf, 1, 2), noreturn))
static void die(const char *fmt, ...) {
        va_list ap;

        printf("FAIL: ");
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        printf("\n  last status \"%s\", %u reloads; daemon log: %s/daemon.stderr (kept)\n", last_status, n_reloads,
               dir ? dir : "?");
        fflush(stdout);
        cleanup();
        exit(1);
}

/* --- the testbed (as in tests/integration/test-daemon.c) ---------------------------------------- */

static void make_dt(Blob *b, uint32_t hot_flags) {
        harness_lpar_dt(b, 0, N_BOOT, N_HOT, FLAGS_QEMU_BOOT, hot_flags);
}

static void add_block(unsigned n) {
        _cleanup_free_ char *desc = harness_umockdev_block(n);
        GError *error = NULL;

        if (!umockdev_testbed_add_from_string(testbed, desc, &error))
                die("umockdev cannot add memory%u: %s", n, error->message);
}

/* umockdev aborts this program if more than 10 uevents are queued unread: 8 per request. */
static void hot_add(void) {
        for (unsigned n = N_BOOT; n < N_BOOT + N_HOT; n++) {
                char *p = harness_block_syspath(n);

                add_block(n);  /* "add" */
                umockdev_testbed_uevent(testbed, p, "online");
                free(p);
        }
}

static void hot_remove(void) {
        for (unsigned n = N_BOOT; n < N_BOOT + N_HOT; n++) {
                char *p = harness_block_syspath(n);

                umockdev_testbed_uevent(testbed, p, "offline");
                umockdev_testbed_uevent(testbed, p, "remove");
                umockdev_testbed_remove_device(testbed, p);
                free(p);
        }
}

static void write_dt(const Blob *b) {
        int r = fake_root_write_dt(root, LMB_SIZE, DT_FORMAT_V2, b);

        if (r < 0)
                die("cannot write the DT: %s", strerror(-r));
}

/* --- the daemon ------------------------------------------------------------------------------- */

static void on_notify(const char *line, void *userdata) {
        if (strncmp(line, "STATUS=", 7) == 0) {
                snprintf(last_status, sizeof(last_status), "%s", line + 7);
                if (strcmp(last_status, "reloading") == 0)
                        saw_reloading = true;
        }
}

static void pump(int64_t timeout) {
        int st;

        (void) harness_notify_read(notify_fd, timeout, on_notify, NULL);
        if (!daemon_exited && waitpid(daemon_pid, &st, WNOHANG) == daemon_pid) {
                daemon_exited = true;
                die("the daemon exited (wait status 0x%x)", (unsigned) st);
        }
}

/* Reads new lines of the reload log: each must be the next reload, reason settled, status 0, and
 * have seen the expected DT (its copy is then removed). */
static void read_reloads(const Blob *expected) {
        int c;

        if (!log_file) {
                log_file = fopen(log_path, "re");
                if (!log_file)
                        return;
        }
        clearerr(log_file);
        while ((c = fgetc(log_file)) != EOF) {
                unsigned n;
                double time;
                char reason[32], copy[64], name[64], *path, *data;
                int status;
                size_t size = 0;

                if (c != '\n') {
                        if (log_partial_len < sizeof(log_partial) - 1)
                                log_partial[log_partial_len++] = (char) c;
                        continue;
                }
                log_partial[log_partial_len] = 0;
                log_partial_len = 0;
                if (sscanf(log_partial, "%u %lf %31s %d %63s", &n, &time, reason, &status, copy) != 5)
                        die("bad line in the reload log: \"%s\"", log_partial);
                n_reloads++;
                if (n != n_reloads || strcmp(reason, "settled") != 0 || status != 0)
                        die("reload %u: \"%s\", expected reload %u with reason settled and status 0", n,
                            log_partial, n_reloads);
                snprintf(name, sizeof(name), "reload.log.%u.dt", n);
                path = harness_path_in(dir, name);
                data = harness_read_all(path, &size);
                if (!data || size != expected->size || memcmp(data, expected->data, size) != 0)
                        die("reload %u did not see the request's final DT", n);
                unlink(path);
                free(path);
                free(data);
        }
}

static void start_daemon(void) {
        char *config = harness_path_in(dir, "kdump-settle.conf"), *err = harness_path_in(dir, "daemon.stderr");
        char *a_config, *a_reload, *a_notify, *a_runtime, *wrapper = NULL;
        char *argv[64], **envp;
        size_t n = 0;
        int fd;

        fd = open(config, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
                abort();
        close(fd);
        if (asprintf(&a_config, "--config=%s", config) < 0 ||
            asprintf(&a_reload, "--reload-command=/bin/sh %s/tests/integration/record-reload %s", arg_srcdir,
                     log_path) < 0 ||
            asprintf(&a_notify, "NOTIFY_SOCKET=%s/notify", dir) < 0 ||
            asprintf(&a_runtime, "--runtime-dir=%s/run", dir) < 0)
                abort();

        if (arg_wrapper) {
                char *save = NULL;

                wrapper = strdup(arg_wrapper);
                for (char *w = strtok_r(wrapper, " \t", &save); w && n < 32; w = strtok_r(NULL, " \t", &save))
                        argv[n++] = w;
        }
        argv[n++] = (char *) arg_daemon;
        argv[n++] = a_config;
        argv[n++] = a_reload;
        argv[n++] = a_runtime;
        argv[n++] = (char *) "--quiet-sec=50ms";
        argv[n++] = (char *) "--poll-interval-sec=5ms";
        argv[n++] = (char *) "--max-wait-sec=20s";
        argv[n] = NULL;

        envp = harness_environ_with(a_notify, NULL);

        daemon_pid = harness_spawn(argv, envp, err, "daemon:");
        free(envp);
        free(wrapper);
        free(a_config);
        free(a_reload);
        free(a_notify);
        free(a_runtime);
        free(config);
        free(err);
}

static void wait_idle(int64_t timeout, const char *what) {
        int64_t end = harness_now_usec() + timeout;

        while (strcmp(last_status, "idle") != 0) {
                if (harness_now_usec() >= end)
                        die("no idle status %s within %.1f s", what, (double) timeout / SEC);
                pump(20 * MSEC);
        }
}

static int count_fds(void) {
        char path[64];
        struct dirent *de;
        int n = 0;
        DIR *d;

        snprintf(path, sizeof(path), "/proc/%d/fd", (int) daemon_pid);
        d = opendir(path);
        if (!d)
                return -1;
        while ((de = readdir(d)))
                n += de->d_name[0] != '.';
        closedir(d);
        return n;
}

/* --- main ------------------------------------------------------------------------------------- */

static void ensure_preload(char **argv) {
        int r = harness_ensure_preload(argv, "KDUMP_SETTLE_SOAK_REEXEC");

        if (r == -ELOOP) {
                printf("cannot run: LD_PRELOAD lost across re-exec\n");
                exit(99);
        }
        if (r < 0) {
                printf("cannot run: cannot re-execute under libumockdev-preload: %s\n", strerror(-r));
                exit(99);
        }
}

static void help(void) {
        printf("soak [--requests=N] [--sample=N] [--rss-slack-kb=N] [--request-timeout-sec=N] [--keep]\n"
               "  N simulated DLPAR requests (default 10000) through the real daemon under umockdev;\n"
               "  the daemon's VmRSS and open fds every --sample requests (default 100) must stay flat.\n");
}

static void parse_argv(int argc, char **argv) {
        static const struct option options[] = {
                { "help",                no_argument,       NULL, 'h' },
                { "requests",            required_argument, NULL, 'n' },
                { "sample",              required_argument, NULL, 's' },
                { "rss-slack-kb",        required_argument, NULL, 'r' },
                { "request-timeout-sec", required_argument, NULL, 't' },
                { "keep",                no_argument,       NULL, 'k' },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        exit(0);
                case 'n':
                        arg_requests = (unsigned) strtoul(optarg, NULL, 10);
                        break;
                case 's':
                        arg_sample = (unsigned) strtoul(optarg, NULL, 10);
                        break;
                case 'r':
                        arg_rss_slack_kb = strtol(optarg, NULL, 10);
                        break;
                case 't':
                        arg_request_timeout = (int64_t) strtoul(optarg, NULL, 10) * SEC;
                        break;
                case 'k':
                        arg_keep = true;
                        break;
                default:
                        exit(99);
                }
        if (arg_requests == 0 || arg_sample == 0 || arg_request_timeout <= 0) {
                printf("cannot run: --requests, --sample and --request-timeout-sec must be positive\n");
                exit(99);
        }
}

int main(int argc, char **argv) {
        long rss_first = -1, rss_max = -1, rss_last = -1;
        int fds_first = -1, fds_min = -1, fds_max = -1;
        unsigned n_samples = 0;
        int64_t start, slowest = 0;
        char *notify;
        int r;

        setvbuf(stdout, NULL, _IOLBF, 0);
        parse_argv(argc, argv);
        ensure_preload(argv);

        arg_daemon = getenv("KDUMP_SETTLED");
        arg_srcdir = getenv("KDUMP_SETTLE_SRCDIR");
        arg_wrapper = getenv("KDUMP_SETTLE_SOAK_WRAPPER");
        if (arg_wrapper && !*arg_wrapper)
                arg_wrapper = NULL;
        if (!arg_daemon || !arg_srcdir) {
                printf("cannot run: set KDUMP_SETTLED and KDUMP_SETTLE_SRCDIR\n");
                return 99;
        }

        testbed = umockdev_testbed_new();
        if (!umockdev_in_mock_environment()) {
                printf("cannot run: umockdev's preload library is not active\n");
                return 99;
        }
        root = umockdev_testbed_get_root_dir(testbed);
        r = fake_root_create(&dir);
        if (r < 0) {
                printf("cannot run: cannot create a temporary directory: %s\n", strerror(-r));
                return 99;
        }
        log_path = harness_path_in(dir, "reload.log");
        notify = harness_path_in(dir, "notify");
        notify_fd = harness_notify_socket(notify);
        if (notify_fd < 0) {
                printf("cannot run: cannot bind %s: %s\n", notify, strerror(-notify_fd));
                return 99;
        }
        free(notify);

        make_dt(&dt_before, 0);
        make_dt(&dt_after, DRCONF_MEM_ASSIGNED);
        r = fake_root_set_block_size(root, LMB_SIZE);
        if (r < 0)
                die("cannot write block_size_bytes: %s", strerror(-r));
        for (unsigned n = 0; n < N_BOOT; n++)
                add_block(n);
        write_dt(&dt_before);

        start_daemon();
        /* Under valgrind start-up takes seconds. */
        wait_idle(60 * SEC, "after start-up");
        harness_sleep_usec(300 * MSEC);
        pump(0);
        read_reloads(&dt_before);
        if (n_reloads != 0)
                die("%u reload(s) at start-up", n_reloads);

        printf("%10s %10s %8s %6s %10s %12s\n", "requests", "reloads", "rss_kb", "fds", "elapsed_s", "slowest_ms");
        start = harness_now_usec();
        for (unsigned i = 1; i <= arg_requests; i++) {
                bool add = i % 2 == 1;
                const Blob *expected = add ? &dt_after : &dt_before;
                int64_t t0 = harness_now_usec(), end = t0 + arg_request_timeout;

                saw_reloading = false;
                if (add)
                        hot_add();
                else
                        hot_remove();
                harness_sleep_usec(3 * MSEC);
                write_dt(expected);

                /* Done: this request's reload recorded, and idle after it. */
                for (;;) {
                        pump(2 * MSEC);
                        read_reloads(expected);
                        if (n_reloads > i)
                                die("request %u: %u reloads", i, n_reloads);
                        if (n_reloads == i && saw_reloading && strcmp(last_status, "idle") == 0)
                                break;
                        if (harness_now_usec() >= end)
                                die("request %u (%s): no reload and idle within %.1f s", i, add ? "add" : "remove",
                                    (double) arg_request_timeout / SEC);
                }
                slowest = MAX(slowest, harness_now_usec() - t0);

                if (i % arg_sample == 0 || i == arg_requests) {
                        long rss;
                        int fds;

                        /* Idle is announced before the daemon is done: it still writes its state
                         * file and sd-event closes the reload's pidfd after the callback. */
                        for (int64_t quiet = harness_now_usec() + 100 * MSEC; harness_now_usec() < quiet;)
                                pump(10 * MSEC);
                        rss = harness_proc_status_kb(daemon_pid, "VmRSS");
                        fds = count_fds();

                        if (rss < 0 || fds < 0)
                                die("cannot read /proc/%d", (int) daemon_pid);
                        if (n_samples++ == 0) {
                                rss_first = rss_max = rss;
                                fds_first = fds_min = fds_max = fds;
                        }
                        rss_max = MAX(rss_max, rss);
                        rss_last = rss;
                        fds_min = MIN(fds_min, fds);
                        fds_max = MAX(fds_max, fds);
                        printf("%10u %10u %8ld %6d %10.1f %12.1f\n", i, n_reloads, rss, fds,
                               (double) (harness_now_usec() - start) / SEC, (double) slowest / MSEC);
                        slowest = 0;
                }
        }

        /* Nothing more may come. */
        for (int64_t end = harness_now_usec() + 500 * MSEC; harness_now_usec() < end;) {
                pump(20 * MSEC);
                read_reloads(arg_requests % 2 ? &dt_after : &dt_before);
        }

        double elapsed = (double) (harness_now_usec() - start) / SEC;
        printf("requests %u, reloads %u, %.1f s (%.1f ms per request)\n", arg_requests, n_reloads, elapsed,
               elapsed * 1000 / arg_requests);
        printf("VmRSS first sample %ld kB, max %ld kB, last %ld kB; open fds %d..%d (first %d)\n", rss_first,
               rss_max, rss_last, fds_min, fds_max, fds_first);

        bool ok = true;
        if (n_reloads != arg_requests) {
                printf("FAIL: %u reloads for %u requests\n", n_reloads, arg_requests);
                ok = false;
        }
        if (fds_min != fds_first || fds_max != fds_first) {
                printf("FAIL: the daemon's open fds changed: %d..%d\n", fds_min, fds_max);
                ok = false;
        }
        if (arg_wrapper)
                printf("RSS not judged: the daemon runs under %s\n", arg_wrapper);
        else if (rss_max - rss_first > arg_rss_slack_kb) {
                printf("FAIL: VmRSS grew by %ld kB (more than %ld kB)\n", rss_max - rss_first, arg_rss_slack_kb);
                ok = false;
        }

        kill(daemon_pid, SIGTERM);
        for (int64_t end = harness_now_usec() + 30 * SEC; !daemon_exited && harness_now_usec() < end;) {
                int st;
                if (waitpid(daemon_pid, &st, WNOHANG) == daemon_pid) {
                        daemon_exited = true;
                        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
                                printf("FAIL: the daemon ended with wait status 0x%x on SIGTERM\n", (unsigned) st);
                                ok = false;
                        }
                        break;
                }
                harness_sleep_usec(10 * MSEC);
        }
        if (!daemon_exited) {
                printf("FAIL: the daemon did not exit within 30 s of SIGTERM\n");
                ok = false;
                cleanup();
        }

        printf("%s\n", ok ? "PASS" : "FAIL");
        if (arg_keep || !ok)
                printf("kept %s\n", dir);
        else
                (void) fake_root_remove(dir);
        g_object_unref(testbed);
        return ok ? 0 : 1;
}
