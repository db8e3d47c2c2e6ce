/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Benchmark 3: end-to-end latency of the real kdump-settled under umockdev, from the DT property
 * replacement (the rename, as the kernel replaces it) to the exec of the reload command
 * (bench-record-exec, which reads CLOCK_MONOTONIC first thing).
 *
 * Each iteration is a DLPAR of 4 LMBs, alternately added (add+online) and removed
 * (offline+remove): 8 uevents, then the DT replaced dt_delay later; the next iteration starts when
 * the daemon is idle again. Two streams by default:
 *   prompt   DT replaced 3 ms after the last uevent (as the kernel and the integration test do):
 *            the reload waits for the quiet period, so the latency is bounded below by
 *            QuietSec - 3 ms;
 *   late     DT replaced QuietSec + 30 ms after the last uevent: the daemon is already waiting for
 *            it, polling its generation every PollIntervalSec; this is the daemon's own latency.
 * Also the cost of the exec itself: posix_spawn() of bench-record-exec from here.
 *
 * Environment: KDUMP_SETTLED (default: the daemon of this build tree), re-executes itself under
 * libumockdev-preload.
 *
 *   bench-latency [--iterations=N] [--quiet-ms=N] [--dt-delay-ms=N]   (one stream with that delay)
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench-util.h"
#include "alloc-util.h"
#include "dt-blob.h"
#include "dt-memory.h"
#include "fake-root.h"
#include "harness.h"
#include "macro.h"

/* After macro.h: glib redefines MIN and MAX. */
#include <umockdev.h>

extern char **environ;

#define N_BOOT 8
#define N_HOT 4
#define WAIT_MAX_NS (UINT64_C(10) * 1000000000)

static UMockdevTestbed *testbed;
static char *root, *dir, *log_path, *record_exec, *daemon_path;
static int notify_fd = -1;
static pid_t daemon_pid;
static char last_status[128];
static bool hot_present;  /* blocks N_BOOT.. exist */

static void die(const char *what) {
        fprintf(stderr, "bench-latency: %s\n", what);
        if (daemon_pid > 0)
                kill(daemon_pid, SIGKILL);
        exit(1);
}

static char *sibling(const char *name) {
        char exe[PATH_MAX], *p;
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

        if (n <= 0)
                die("cannot read /proc/self/exe");
        exe[n] = 0;
        if (asprintf(&p, "%s/%s", dirname(exe), name) < 0)
                abort();
        return p;
}

static void make_dt(Blob *b, bool hot) {
        harness_lpar_dt(b, 0, N_BOOT, N_HOT, FLAGS_QEMU_BOOT, hot ? DRCONF_MEM_ASSIGNED : 0);
}

static void add_block(unsigned n) {
        _cleanup_free_ char *desc = harness_umockdev_block(n);
        GError *error = NULL;

        if (!umockdev_testbed_add_from_string(testbed, desc, &error))
                die(error->message);
}

/* Reads sd_notify messages for up to timeout_ms. */
static void on_notify(const char *line, void *userdata) {
        bool *ready = userdata;

        if (strcmp(line, "READY=1") == 0 && ready)
                *ready = true;
        else if (strncmp(line, "STATUS=", 7) == 0)
                snprintf(last_status, sizeof(last_status), "%s", line + 7);
}

static bool pump(int timeout_ms, bool *ready) {
        return harness_notify_read(notify_fd, (int64_t) timeout_ms * MSEC, on_notify, ready);
}

static void start_daemon(unsigned quiet_ms) {
        char *conf, *err_path, *a_conf, *a_reload, *a_quiet, *a_notify, *notify;
        char **envp;
        bool ready = false;
        uint64_t end;

        notify = NULL;
        if (asprintf(&notify, "%s/notify", dir) < 0 || asprintf(&conf, "%s/kdump-settle.conf", dir) < 0 ||
            asprintf(&err_path, "%s/daemon.stderr", dir) < 0 ||
            asprintf(&a_conf, "--config=%s", conf) < 0 ||
            asprintf(&a_reload, "--reload-command=%s %s", record_exec, log_path) < 0 ||
            asprintf(&a_quiet, "--quiet-sec=%ums", quiet_ms) < 0 ||
            asprintf(&a_notify, "NOTIFY_SOCKET=%s", notify) < 0)
                abort();
        notify_fd = harness_notify_socket(notify);
        if (notify_fd == -ENAMETOOLONG)
                die("temporary directory path too long for a socket");
        if (notify_fd < 0)
                die("cannot bind the notify socket");
        FILE *f = fopen(conf, "we");
        if (!f)
                die("cannot write the config");
        fclose(f);

        char *argv[] = { daemon_path, a_conf, a_reload, a_quiet, (char *) "--poll-interval-sec=5ms",
                         (char *) "--max-wait-sec=20s", NULL };
        envp = harness_environ_with(a_notify, NULL);

        daemon_pid = harness_spawn(argv, envp, err_path, NULL);
        free(envp);

        end = bench_now_ns() + WAIT_MAX_NS;
        while (!(ready && strcmp(last_status, "idle") == 0)) {
                if (bench_now_ns() > end)
                        die("the daemon did not become ready and idle");
                pump(20, &ready);
        }
}

static void stop_daemon(void) {
        int st;

        kill(daemon_pid, SIGTERM);
        waitpid(daemon_pid, &st, 0);
        daemon_pid = 0;
}

/* Lines in the reload log, and the time of the last one. */
static size_t read_log(uint64_t *ret_last_ns) {
        FILE *f = fopen(log_path, "re");
        char line[128];
        size_t n = 0;

        if (!f)
                return 0;
        while (fgets(line, sizeof(line), f)) {
                n++;
                if (ret_last_ns)
                        *ret_last_ns = strtoull(line, NULL, 10);
        }
        fclose(f);
        return n;
}

static void sleep_ms(double ms) {
        struct timespec ts = { .tv_sec = (time_t) (ms / 1000), .tv_nsec = (long) ((ms - (double) (time_t) (ms / 1000) * 1000) * 1e6) };

        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

typedef struct Stream {
        double *dt_to_exec, *event_to_exec;  /* ms */
        unsigned n;
} Stream;

static void run_stream(unsigned iterations, double dt_delay_ms, Stream *s, size_t *reloads) {
        Blob with = {}, without = {};

        make_dt(&with, true);
        make_dt(&without, false);
        s->dt_to_exec = calloc(iterations, sizeof(double));
        s->event_to_exec = calloc(iterations, sizeof(double));
        s->n = iterations;

        for (unsigned i = 0; i < iterations; i++) {
                bool add = !hot_present;
                uint64_t t_event, t_dt, t_exec = 0, end;

                for (unsigned b = N_BOOT; b < N_BOOT + N_HOT; b++) {
                        char *p = harness_block_syspath(b);

                        if (add) {
                                add_block(b);  /* umockdev sends "add" */
                                umockdev_testbed_uevent(testbed, p, "online");
                        } else {
                                umockdev_testbed_uevent(testbed, p, "offline");
                                umockdev_testbed_uevent(testbed, p, "remove");
                                umockdev_testbed_remove_device(testbed, p);
                        }
                        free(p);
                }
                hot_present = add;
                t_event = bench_now_ns();
                sleep_ms(dt_delay_ms);
                /* Before the write: the rename inside it is the replacement, and the daemon may
                 * see it before the call returns. This over-counts by the write's own time. */
                t_dt = bench_now_ns();
                if (fake_root_write_dt(root, LMB_SIZE, DT_FORMAT_V2, add ? &with : &without) < 0)
                        die("cannot write the DT");

                end = t_dt + WAIT_MAX_NS;
                while (read_log(&t_exec) < *reloads + 1) {
                        if (bench_now_ns() > end)
                                die("no reload within 10 s of the DT replacement");
                        pump(1, NULL);
                }
                (*reloads)++;
                s->dt_to_exec[i] = (double) ((int64_t) t_exec - (int64_t) t_dt) / 1e6;
                s->event_to_exec[i] = (double) ((int64_t) t_exec - (int64_t) t_event) / 1e6;

                /* Idle again (the reload has ended) before the next request. */
                end = bench_now_ns() + WAIT_MAX_NS;
                do {
                        if (bench_now_ns() > end)
                                die("the daemon did not return to idle");
                        pump(10, NULL);
                } while (strcmp(last_status, "idle") != 0);
                sleep_ms(20);
                pump(0, NULL);
                if (read_log(NULL) != *reloads)
                        die("more than one reload for one request");
        }
        blob_done(&with);
        blob_done(&without);
}

static void exec_cost(unsigned iterations, double *ret_median, double *ret_max) {
        double *v = calloc(iterations, sizeof(double));
        char *path;

        if (asprintf(&path, "%s/exec-cost.log", dir) < 0)
                abort();
        for (unsigned i = 0; i < iterations; i++) {
                char *argv[] = { record_exec, path, NULL };
                uint64_t t = bench_now_ns(), t_exec = 0;
                pid_t pid;
                int st;
                FILE *f;
                char line[128];

                (void) unlink(path);
                if (posix_spawn(&pid, record_exec, NULL, NULL, argv, environ) != 0)
                        die("posix_spawn");
                waitpid(pid, &st, 0);
                f = fopen(path, "re");
                if (!f || !fgets(line, sizeof(line), f))
                        die("bench-record-exec wrote nothing");
                fclose(f);
                t_exec = strtoull(line, NULL, 10);
                v[i] = (double) (t_exec - t) / 1e6;
        }
        BenchStats s = bench_stats(v, iterations);
        *ret_median = s.median;
        *ret_max = s.max;
        free(v);
        free(path);
}

static void ensure_preload(char **argv) {
        int r = harness_ensure_preload(argv, "KDUMP_SETTLE_BENCH_REEXEC");

        if (r == -ELOOP)
                die("LD_PRELOAD lost across re-exec");
        if (r < 0)
                die("cannot re-execute under libumockdev-preload");
}

static void print_stream(const char *name, double delay, const Stream *s) {
        double *a = calloc(s->n, sizeof(double)), *b = calloc(s->n, sizeof(double));

        memcpy(a, s->dt_to_exec, s->n * sizeof(double));
        memcpy(b, s->event_to_exec, s->n * sizeof(double));
        BenchStats x = bench_stats(a, s->n), y = bench_stats(b, s->n);
        printf("%-8s %9.1f %5u %10.2f %10.2f %10.2f %14.2f %14.2f\n", name, delay, s->n, x.median, x.min, x.max,
               y.median, y.max);
        free(a);
        free(b);
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "iterations",  required_argument, NULL, 'i' },
                { "quiet-ms",    required_argument, NULL, 'q' },
                { "dt-delay-ms", required_argument, NULL, 'd' },
                { "help",        no_argument,       NULL, 'h' },
                {}
        };
        unsigned iterations = 50, quiet_ms = 50;
        double only_delay = -1;
        size_t reloads = 0;
        int c;

        setvbuf(stdout, NULL, _IOLBF, 0);
        ensure_preload(argv);

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'i': iterations = (unsigned) atoi(optarg); break;
                case 'q': quiet_ms = (unsigned) atoi(optarg); break;
                case 'd': only_delay = atof(optarg); break;
                case 'h':
                default:
                        fprintf(stderr, "usage: %s [--iterations=N] [--quiet-ms=N] [--dt-delay-ms=N]\n", argv[0]);
                        return c == 'h' ? 0 : 2;
                }
        if (iterations < 1 || quiet_ms < 1)
                return 2;

        daemon_path = getenv("KDUMP_SETTLED") ? strdup(getenv("KDUMP_SETTLED")) : sibling("../../daemon/kdump-settled");
        record_exec = sibling("bench-record-exec");
        if (access(daemon_path, X_OK) < 0 || access(record_exec, X_OK) < 0 || strpbrk(record_exec, " \t\n"))
                die("the daemon or bench-record-exec is missing (make), or the path has white space");

        testbed = umockdev_testbed_new();
        if (!umockdev_in_mock_environment())
                die("umockdev's preload library is not active");
        root = umockdev_testbed_get_root_dir(testbed);
        if (fake_root_create(&dir) < 0 || asprintf(&log_path, "%s/reload.log", dir) < 0)
                die("cannot create a temporary directory");

        Blob before = {};
        make_dt(&before, false);
        if (fake_root_set_block_size(root, LMB_SIZE) < 0)
                die("cannot write block_size_bytes");
        for (unsigned b = 0; b < N_BOOT; b++)
                add_block(b);
        if (fake_root_write_dt(root, LMB_SIZE, DT_FORMAT_V2, &before) < 0)
                die("cannot write the DT");
        blob_done(&before);

        start_daemon(quiet_ms);

        double exec_median, exec_max;
        exec_cost(iterations, &exec_median, &exec_max);

        printf("# bench-latency: kdump-settled under umockdev, QuietSec=%ums, PollIntervalSec=5ms; %u DLPARs of 4 LMBs "
               "(8 uevents) per stream; times in ms\n", quiet_ms, iterations);
        printf("# exec of the reload command alone (posix_spawn -> its first clock read): median %.2f, max %.2f\n",
               exec_median, exec_max);
        printf("%-8s %9s %5s %10s %10s %10s %14s %14s\n", "stream", "DT delay", "N", "DT->exec", "min", "max",
               "uevent->exec", "max");

        if (only_delay >= 0) {
                Stream s;
                run_stream(iterations, only_delay, &s, &reloads);
                print_stream("custom", only_delay, &s);
        } else {
                Stream s1, s2;
                run_stream(iterations, 3, &s1, &reloads);
                print_stream("prompt", 3, &s1);
                run_stream(iterations, quiet_ms + 30, &s2, &reloads);
                print_stream("late", quiet_ms + 30, &s2);
        }
        printf("reloads: %zu, one per DLPAR (checked)\n", reloads);

        stop_daemon();
        (void) fake_root_remove(dir);
        g_object_unref(testbed);
        return 0;
}
