/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Benchmark 1: the device tree and sysfs side of a check at 65,536 and 262,144 LMBs, v1 and v2.
 *
 * Measures, against a generated fake root with a QEMU-like layout (256 MiB LMBs and blocks; the
 * first 16 LMBs reserved as QEMU boot memory, flags 0xa0, with blocks; then assigned LMBs, 0x8,
 * with blocks; the last 1/16 unassigned, no blocks):
 *   parse         dt_memory_parse_v1/v2() on an in-memory buffer
 *   dt load       dt_memory_load(): open, read the property from the page cache, parse
 *   sysfs scan    block_set_load(): readdir of the memoryN directories
 *   consistency   consistency_check() of the two
 *   settlectl     `kdump-settlectl check --root=DIR` as a subprocess: wall time, and max RSS from
 *                 wait4() compared with an empty-ish run (16 LMBs) plus the property size plus one
 *                 bit per LMB.
 * Also parse and consistency on a worst case for the range model: after the boot LMBs, every
 * other LMB assigned (one range per LMB), in memory only.
 *
 * Creating 262,144 memoryN directories takes a while: the fake roots are cached under
 * $KDUMP_SETTLE_BENCH_CACHE (default /tmp) as kdump-settle-bench-root-N and reused when complete.
 *
 *   bench-dt [--lmbs=N[,N...]] [--reps=N] [--runs=N] [--settlectl=PATH] [--cache=DIR]
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench-util.h"
#include "block-set.h"
#include "consistency.h"
#include "dt-blob.h"
#include "dt-memory.h"
#include "fake-root.h"
#include "macro.h"

extern char **environ;

#define MiB ((uint64_t) 1024 * 1024)
#define LMB_SIZE (256 * MiB)
#define N_BOOT 16
#define FLAGS_QEMU_BOOT (DRCONF_MEM_RESERVED | DRCONF_MEM_DRC_INVALID) /* 0xa0 */
#define CACHE_MARKER ".bench-complete"

typedef enum Layout {
        LAYOUT_QEMU,       /* boot reserved, assigned, unassigned tail */
        LAYOUT_ALTERNATE,  /* boot reserved, then assigned and unassigned in turn */
} Layout;

static uint32_t lmb_flags(Layout layout, uint64_t n_lmbs, uint64_t i) {
        if (i < N_BOOT)
                return FLAGS_QEMU_BOOT;
        if (layout == LAYOUT_ALTERNATE)
                return (i - N_BOOT) % 2 == 0 ? DRCONF_MEM_ASSIGNED : 0;
        return i < n_lmbs - n_lmbs / 16 ? DRCONF_MEM_ASSIGNED : 0;
}

/* Boot memory has blocks although the DT marks it reserved; assigned LMBs have theirs. */
static bool lmb_has_block(Layout layout, uint64_t n_lmbs, uint64_t i) {
        return lmb_flags(layout, n_lmbs, i) != 0;
}

static void make_property(Layout layout, uint64_t n_lmbs, DtFormat format, Blob *ret) {
        *ret = (Blob) {};

        if (format == DT_FORMAT_V1) {
                TestLmb *lmbs = calloc(n_lmbs, sizeof(TestLmb));

                if (!lmbs)
                        abort();
                for (uint64_t i = 0; i < n_lmbs; i++)
                        lmbs[i] = (TestLmb) { .base = i * LMB_SIZE, .flags = lmb_flags(layout, n_lmbs, i) };
                dt_blob_v1(ret, lmbs, n_lmbs);
                free(lmbs);
                return;
        }

        /* v2: one set per run of equal flags, as firmware and the kernel write it. */
        TestLmbSet *sets = calloc(n_lmbs, sizeof(TestLmbSet));
        size_t n_sets = 0;

        if (!sets)
                abort();
        for (uint64_t i = 0; i < n_lmbs; i++) {
                uint32_t f = lmb_flags(layout, n_lmbs, i);

                if (n_sets > 0 && sets[n_sets - 1].flags == f)
                        sets[n_sets - 1].n_lmbs++;
                else
                        sets[n_sets++] = (TestLmbSet) { .n_lmbs = 1, .base = i * LMB_SIZE, .flags = f };
        }
        dt_blob_v2(ret, sets, n_sets);
        free(sets);
}

static void make_blocks(Layout layout, uint64_t n_lmbs, BlockSet *ret) {
        if (block_set_init(ret, LMB_SIZE) < 0)
                abort();
        for (uint64_t i = 0; i < n_lmbs; i++)
                if (lmb_has_block(layout, n_lmbs, i) && block_set_add(ret, i) < 0)
                        abort();
}

static double ms_since(uint64_t start) {
        return (double) (bench_now_ns() - start) / 1e6;
}

/* --- in-process measurements ------------------------------------------------------------------ */

static BenchStats time_parse(const Blob *prop, DtFormat format, unsigned reps) {
        double *v = calloc(reps, sizeof(double));

        for (unsigned i = 0; i < reps; i++) {
                DtMemory m = {};
                Error e = {};
                uint64_t t = bench_now_ns();
                int r = format == DT_FORMAT_V1 ? dt_memory_parse_v1(prop->data, prop->size, LMB_SIZE, &m, &e)
                                               : dt_memory_parse_v2(prop->data, prop->size, LMB_SIZE, &m, &e);
                v[i] = ms_since(t);
                if (r < 0) {
                        fprintf(stderr, "parse failed: %s\n", error_message(&e, r));
                        exit(1);
                }
                bench_keep(m.set_id);
                dt_memory_done(&m);
        }
        BenchStats s = bench_stats(v, reps);
        free(v);
        return s;
}

static BenchStats time_consistency(const DtMemory *dt, const BlockSet *blocks, unsigned reps, bool *ret_ok) {
        double *v = calloc(reps, sizeof(double));
        Consistency c = {};

        for (unsigned i = 0; i < reps; i++) {
                Error e = {};
                uint64_t t = bench_now_ns();
                int r = consistency_check(dt, blocks, 8, &c, &e);
                v[i] = ms_since(t);
                if (r < 0) {
                        fprintf(stderr, "consistency_check failed: %s\n", error_message(&e, r));
                        exit(1);
                }
        }
        *ret_ok = consistency_ok(&c) && c.n_compared == dt->n_lmbs - dt->n_reserved;
        BenchStats s = bench_stats(v, reps);
        free(v);
        return s;
}

static BenchStats time_dt_load(const char *root, unsigned reps, DtMemory *ret) {
        double *v = calloc(reps, sizeof(double));

        for (unsigned i = 0; i < reps; i++) {
                DtMemory m = {};
                Error e = {};
                uint64_t t = bench_now_ns();
                int r = dt_memory_load(root, &m, &e);
                v[i] = ms_since(t);
                if (r < 0) {
                        fprintf(stderr, "dt_memory_load failed: %s\n", error_message(&e, r));
                        exit(1);
                }
                if (i + 1 == reps)
                        *ret = m;
                else
                        dt_memory_done(&m);
        }
        BenchStats s = bench_stats(v, reps);
        free(v);
        return s;
}

static BenchStats time_block_scan(const char *root, unsigned reps, BlockSet *ret) {
        double *v = calloc(reps, sizeof(double));

        for (unsigned i = 0; i < reps; i++) {
                BlockSet b = {};
                Error e = {};
                uint64_t t = bench_now_ns();
                int r = block_set_load(root, &b, &e);
                v[i] = ms_since(t);
                if (r < 0) {
                        fprintf(stderr, "block_set_load failed: %s\n", error_message(&e, r));
                        exit(1);
                }
                if (i + 1 == reps)
                        *ret = b;
                else
                        block_set_done(&b);
        }
        BenchStats s = bench_stats(v, reps);
        free(v);
        return s;
}

/* --- kdump-settlectl check as a subprocess ---------------------------------------------------- */

typedef struct RunStats {
        BenchStats wall;       /* ms */
        long max_rss_kib;      /* largest over the runs */
        int exit_status;       /* of the last run */
} RunStats;

/* ru_maxrss of a child counts the pages of the process it was forked from (the kernel keeps the
 * high-water mark across exec), and this one holds the generated properties. So RSS comes from a
 * fresh copy of this program (--exec-measured), small like kdump-settlectl, which runs the
 * command and writes its ru_maxrss to fd 3. */
#define MEASURED_FD 3

static int exec_measured(char *argv[]) {
        struct rusage ru = {};
        char line[32];
        int status, n;
        pid_t pid = fork();

        if (pid < 0)
                return 127;
        if (pid == 0) {
                execv(argv[0], argv);
                _exit(127);
        }
        if (wait4(pid, &status, 0, &ru) != pid)
                return 127;
        n = snprintf(line, sizeof(line), "%ld\n", ru.ru_maxrss);
        if (write(MEASURED_FD, line, (size_t) n) != n)
                return 127;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static char *self_exe(void) {
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

        if (n <= 0)
                abort();
        exe[n] = 0;
        return strdup(exe);
}

static pid_t spawn_quiet(char *const argv[], int extra_fd) {
        posix_spawn_file_actions_t fa;
        pid_t pid;

        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
        if (extra_fd >= 0)
                posix_spawn_file_actions_adddup2(&fa, extra_fd, MEASURED_FD);
        /* posix_spawn() uses CLONE_VFORK: no copy of this process's page tables to time. */
        if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) != 0)
                abort();
        posix_spawn_file_actions_destroy(&fa);
        return pid;
}

static RunStats time_settlectl(const char *settlectl, const char *root, unsigned runs) {
        double *v = calloc(runs, sizeof(double));
        RunStats rs = { .exit_status = -1 };
        char *arg_root, *self = self_exe();

        if (asprintf(&arg_root, "--root=%s", root) < 0)
                abort();

        char *argv[] = { (char *) settlectl, arg_root, (char *) "check", NULL };
        char *argv_measured[] = { self, (char *) "--exec-measured", (char *) settlectl, arg_root,
                                  (char *) "check", NULL };

        /* One unmeasured run first: page cache and dentries warm, as they are on a live system. */
        for (unsigned i = 0; i < runs + 1; i++) {
                int status;
                uint64_t t = bench_now_ns();
                pid_t pid = spawn_quiet(argv, -1);

                if (waitpid(pid, &status, 0) != pid)
                        abort();
                double ms = ms_since(t);
                if (i > 0)
                        v[i - 1] = ms;
                rs.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }

        for (unsigned i = 0; i < 3; i++) {
                int p[2], status;
                char buf[32] = "";

                if (pipe(p) < 0)
                        abort();
                pid_t pid = spawn_quiet(argv_measured, p[1]);
                close(p[1]);
                if (read(p[0], buf, sizeof(buf) - 1) <= 0 || waitpid(pid, &status, 0) != pid)
                        abort();
                close(p[0]);
                rs.max_rss_kib = MAX(rs.max_rss_kib, atol(buf));
        }

        rs.wall = bench_stats(v, runs);
        free(v);
        free(arg_root);
        free(self);
        return rs;
}

/* --- fake roots ------------------------------------------------------------------------------- */

static int write_property(const char *root, const Blob *prop, DtFormat format) {
        char *other;

        /* Only the measured format: dt_memory_load() prefers v2 when both exist. */
        if (asprintf(&other, "%s/%s/%s", root, DT_MEMORY_NODE,
                     dt_format_property(format == DT_FORMAT_V1 ? DT_FORMAT_V2 : DT_FORMAT_V1)) < 0)
                abort();
        (void) unlink(other);
        free(other);
        return fake_root_write_dt(root, LMB_SIZE, format, prop);
}

/* The cached sysfs side of a QEMU-layout root with n_lmbs LMBs. */
static char *cached_root(const char *cache, uint64_t n_lmbs) {
        char *root, *marker, expect[128], found[128] = "";
        FILE *f;
        int r;

        if (asprintf(&root, "%s/kdump-settle-bench-root-%" PRIu64, cache, n_lmbs) < 0 ||
            asprintf(&marker, "%s/" CACHE_MARKER, root) < 0)
                abort();
        snprintf(expect, sizeof(expect), "qemu lmbs=%" PRIu64 " boot=%d lmb=%" PRIu64 "\n", n_lmbs, N_BOOT, LMB_SIZE);

        f = fopen(marker, "re");
        if (f) {
                if (!fgets(found, sizeof(found), f))
                        found[0] = 0;
                fclose(f);
        }
        if (strcmp(found, expect) == 0) {
                fprintf(stderr, "# reusing the fake root %s\n", root);
                free(marker);
                return root;
        }

        uint64_t t = bench_now_ns();
        fprintf(stderr, "# creating the fake root %s (%" PRIu64 " LMBs; cached for the next run)...\n", root, n_lmbs);
        (void) fake_root_remove(root);
        if (mkdir(root, 0755) < 0 && errno != EEXIST) {
                fprintf(stderr, "cannot create %s: %m\n", root);
                exit(1);
        }
        r = fake_root_set_block_size(root, LMB_SIZE);
        for (uint64_t i = 0; r >= 0 && i < n_lmbs; i++)
                if (lmb_has_block(LAYOUT_QEMU, n_lmbs, i))
                        r = fake_root_add_block(root, i);
        if (r < 0) {
                fprintf(stderr, "cannot populate %s: %s\n", root, strerror(-r));
                exit(1);
        }
        f = fopen(marker, "we");
        if (!f || fputs(expect, f) < 0 || fclose(f) != 0) {
                fprintf(stderr, "cannot write %s\n", marker);
                exit(1);
        }
        fprintf(stderr, "# created in %.1f s\n", ms_since(t) / 1000);
        free(marker);
        return root;
}

/* --- main ------------------------------------------------------------------------------------- */

static char *default_settlectl(void) {
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        char *p;

        if (n <= 0)
                return strdup("kdump-settlectl");
        exe[n] = 0;
        /* BUILDDIR/tests/bench/bench-dt -> BUILDDIR/daemon/kdump-settlectl */
        if (asprintf(&p, "%s/../../daemon/kdump-settlectl", dirname(exe)) < 0)
                abort();
        return p;
}

static void usage(const char *name) {
        fprintf(stderr, "usage: %s [--lmbs=N[,N...]] [--reps=N] [--runs=N] [--settlectl=PATH] [--cache=DIR]\n", name);
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "lmbs",      required_argument, NULL, 'n' },
                { "reps",      required_argument, NULL, 'r' },
                { "runs",      required_argument, NULL, 'R' },
                { "settlectl", required_argument, NULL, 's' },
                { "cache",     required_argument, NULL, 'c' },
                { "help",      no_argument,       NULL, 'h' },
                {}
        };
        const char *lmbs_arg = "65536,262144";
        const char *cache = getenv("KDUMP_SETTLE_BENCH_CACHE");
        char *settlectl = NULL;
        unsigned reps = 101, runs = 21;
        int c;

        /* Before anything grows this process: see exec_measured(). */
        if (argc >= 3 && strcmp(argv[1], "--exec-measured") == 0)
                return exec_measured(argv + 2);

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'n': lmbs_arg = optarg; break;
                case 'r': reps = (unsigned) atoi(optarg); break;
                case 'R': runs = (unsigned) atoi(optarg); break;
                case 's': settlectl = strdup(optarg); break;
                case 'c': cache = optarg; break;
                case 'h': usage(argv[0]); return 0;
                default: usage(argv[0]); return 2;
                }
        if (reps < 1 || runs < 1) {
                usage(argv[0]);
                return 2;
        }
        if (!cache || !*cache)
                cache = "/tmp";
        if (!settlectl)
                settlectl = default_settlectl();
        if (access(settlectl, X_OK) < 0) {
                fprintf(stderr, "%s: %m (pass --settlectl=PATH)\n", settlectl);
                return 1;
        }

        /* The baseline: the same program on a 16-LMB root, for RSS. */
        char *tiny;
        Blob tiny_prop;
        if (fake_root_create(&tiny) < 0 || fake_root_set_block_size(tiny, LMB_SIZE) < 0)
                abort();
        for (uint64_t i = 0; i < N_BOOT; i++)
                if (fake_root_add_block(tiny, i) < 0)
                        abort();
        make_property(LAYOUT_QEMU, N_BOOT, DT_FORMAT_V2, &tiny_prop);
        if (write_property(tiny, &tiny_prop, DT_FORMAT_V2) < 0)
                abort();
        RunStats base = time_settlectl(settlectl, tiny, runs);
        blob_done(&tiny_prop);
        (void) fake_root_remove(tiny);
        free(tiny);

        printf("# bench-dt: %u reps in process (median, min), %u runs of kdump-settlectl (median, max); times in ms\n",
               reps, runs);
        printf("# baseline: kdump-settlectl check on a 16-LMB root: %.2f ms median, max RSS %ld KiB\n",
               base.wall.median, base.max_rss_kib);
        printf("%-8s %-3s %-9s %9s %15s %15s %15s %15s %15s %9s %9s %s\n", "LMBs", "fmt", "layout", "prop KiB",
               "parse", "dt load", "sysfs scan", "consistency", "settlectl", "RSS+KiB", "budgetKiB", "ok");

        char *save = NULL, *list = strdup(lmbs_arg);
        for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                uint64_t n_lmbs = strtoull(tok, NULL, 10);
                char *root;

                if (n_lmbs <= N_BOOT * 2 || n_lmbs > UINT32_MAX) {
                        fprintf(stderr, "bad LMB count %s\n", tok);
                        return 2;
                }
                root = cached_root(cache, n_lmbs);

                for (DtFormat format = DT_FORMAT_V1; format <= DT_FORMAT_V2; format++) {
                        Blob prop;
                        DtMemory dt = {};
                        BlockSet blocks = {};
                        BenchStats parse, load, scan, cons;
                        RunStats ctl;
                        bool ok;

                        make_property(LAYOUT_QEMU, n_lmbs, format, &prop);
                        if (write_property(root, &prop, format) < 0)
                                abort();

                        parse = time_parse(&prop, format, reps);
                        load = time_dt_load(root, reps, &dt);
                        scan = time_block_scan(root, MAX(reps / 10, 3u), &blocks);
                        cons = time_consistency(&dt, &blocks, reps, &ok);
                        ctl = time_settlectl(settlectl, root, runs);
                        ok = ok && ctl.exit_status == 0;

                        /* What the check needs to hold beyond a tiny run: the property, one bit per
                         * LMB (the block bitmap); everything else is the baseline. */
                        long budget = (long) ((prop.size + n_lmbs / 8 + 1023) / 1024);
                        long delta = ctl.max_rss_kib - base.max_rss_kib;

                        printf("%-8" PRIu64 " v%-2d %-9s %9zu %7.3f %7.3f %7.3f %7.3f %7.2f %7.2f %7.3f %7.3f %7.2f %7.2f %9ld %9ld %s\n",
                               n_lmbs, format, "qemu", prop.size / 1024,
                               parse.median, parse.min, load.median, load.min, scan.median, scan.min,
                               cons.median, cons.min, ctl.wall.median, ctl.wall.max, delta, budget,
                               ok ? (delta <= budget ? "agree" : "agree, OVER MEMORY BUDGET") : "FAILED");
                        dt_memory_done(&dt);
                        block_set_done(&blocks);
                        blob_done(&prop);
                }

                /* Worst case for the range model, in memory: one range per LMB. */
                for (DtFormat format = DT_FORMAT_V1; format <= DT_FORMAT_V2; format++) {
                        Blob prop;
                        DtMemory dt = {};
                        BlockSet blocks = {};
                        BenchStats parse, cons;
                        Error e = {};
                        bool ok;
                        int r;

                        make_property(LAYOUT_ALTERNATE, n_lmbs, format, &prop);
                        parse = time_parse(&prop, format, reps);
                        r = format == DT_FORMAT_V1 ? dt_memory_parse_v1(prop.data, prop.size, LMB_SIZE, &dt, &e)
                                                   : dt_memory_parse_v2(prop.data, prop.size, LMB_SIZE, &dt, &e);
                        if (r < 0)
                                abort();
                        make_blocks(LAYOUT_ALTERNATE, n_lmbs, &blocks);
                        cons = time_consistency(&dt, &blocks, reps, &ok);
                        printf("%-8" PRIu64 " v%-2d %-9s %9zu %7.3f %7.3f %15s %15s %7.3f %7.3f %15s %9s %9s %s\n",
                               n_lmbs, format, "alternate", prop.size / 1024, parse.median, parse.min, "-", "-",
                               cons.median, cons.min, "-", "-", "-", ok ? "agree" : "FAILED");
                        dt_memory_done(&dt);
                        block_set_done(&blocks);
                        blob_done(&prop);
                }
                free(root);
        }
        free(list);
        free(settlectl);
        return 0;
}
