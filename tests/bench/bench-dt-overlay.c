/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Benchmark: the reload's corrected device tree (daemon/dt-overlay-mount.c), what it adds to a
 * reload. In a forked child each time (a fresh mount namespace, as the reload child), timed inside
 * the child around dt_overlay_apply(): unshare, the tmpfs, the copy of the node, the read-only
 * remount. On a fake root:
 *   chosen        /chosen as a pseries guest has it (a dozen small properties, the 6.10+
 *                 linux,memory-limit dropped): the plan of lib/model/dt-overlay.c's table, what every
 *                 reload on 6.10+ pays
 *   memory v1     the memory node at N LMBs in v1 (ibm,dynamic-memory: 24 bytes an LMB, 6 MiB at
 *                 262,144), one property set: what a correction of the memory node (issue 21)
 *                 would pay on a v1 LPAR
 *   memory v2     the same node in v2 (one set): the usual case
 *   drconf v1/v2  issue 21's correction for real: the memory node at N LMBs, the first one reserved
 *                 (QEMU's boot memory) and every other one after it removed (drmgr's holes, the
 *                 most entries to drop), planned by dt_overlay_plan() (read, validate, the
 *                 present-only copy; timed in-process) and then applied
 * Root only (mounts).
 *
 *   bench-dt-overlay [--lmbs=N] [--reps=N]
 */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench-util.h"
#include "dt-blob.h"
#include "dt-memory.h"
#include "dt-overlay-mount.h"
#include "dt-overlay.h"
#include "fake-root.h"
#include "harness.h"
#include "memory-limit.h"

/* One run in a child: the time of dt_overlay_apply() in ns, or 0 if it failed. */
static uint64_t run_once(const char *root, const DtOverlayPlan *plan) {
        int fd[2], status;
        uint64_t ns = 0;
        pid_t pid;

        if (pipe(fd) < 0)
                abort();
        pid = fork();
        if (pid < 0)
                abort();
        if (pid == 0) {
                Error e = {};
                uint64_t t0 = bench_now_ns(), t;
                int r = dt_overlay_apply(root, plan, &e);

                t = r > 0 ? bench_now_ns() - t0 : 0;
                if (r < 0)
                        fprintf(stderr, "dt_overlay_apply: %s\n", error_message(&e, r));
                (void) !write(fd[1], &t, sizeof(t));
                _exit(0);
        }
        close(fd[1]);
        if (read(fd[0], &ns, sizeof(ns)) != sizeof(ns))
                ns = 0;
        close(fd[0]);
        (void) waitpid(pid, &status, 0);
        return ns;
}

static void bench(const char *what, const char *root, const DtOverlayPlan *plan, unsigned reps) {
        double *v = calloc(reps, sizeof(double));
        BenchStats s;

        if (!v)
                abort();
        for (unsigned i = 0; i < reps; i++) {
                uint64_t ns = run_once(root, plan);

                if (ns == 0) {
                        printf("%-12s failed\n", what);
                        free(v);
                        return;
                }
                v[i] = (double) ns / 1e6;
        }
        s = bench_stats(v, reps);
        printf("%-12s median %7.3f ms  min %7.3f  max %7.3f  (%u runs)\n", what, s.median, s.min, s.max, reps);
        free(v);
}

static void chosen(unsigned reps) {
        static const char *const props[] = {
                "bootargs", "linux,stdout-path", "stdout-path", "linux,initrd-start", "linux,initrd-end",
                "linux,crashkernel-base", "linux,crashkernel-size", "linux,kernel-end", "ibm,architecture-vec-5",
                "rng-seed", "name", "phandle",
        };
        _cleanup_(dt_overlay_plan_done) DtOverlayPlan plan = {};
        char *root = NULL, value[64];
        Error e = {};

        memset(value, 0x5a, sizeof(value));
        if (fake_root_create(&root) < 0 || fake_root_write_memory_limit(root, (uint64_t) 2 << 30, "ro quiet\n") < 0)
                abort();
        for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++) {
                char path[256];

                snprintf(path, sizeof(path), "%s/%s", DT_CHOSEN_NODE, props[i]);
                if (fake_root_write_file(root, path, value, 8 + i * 4) < 0)
                        abort();
        }
        if (dt_overlay_plan(root, "ro quiet", &plan, &e) < 0 || plan.n_fixes != 1)
                abort();
        bench("chosen", root, &plan, reps);
        (void) fake_root_remove(root);
        free(root);
}

static void memory_node(const char *what, DtFormat format, unsigned n_lmbs, unsigned reps) {
        _cleanup_(dt_overlay_plan_done) DtOverlayPlan plan = {};
        const TestLmbSet set = { .n_lmbs = n_lmbs, .base = 0, .flags = DRCONF_MEM_ASSIGNED };
        Blob b = {}, size = {};
        char *root = NULL;
        Error e = {};

        if (format == DT_FORMAT_V1) {
                TestLmb *lmbs = calloc(n_lmbs, sizeof(TestLmb));

                if (!lmbs)
                        abort();
                for (unsigned i = 0; i < n_lmbs; i++)
                        lmbs[i] = (TestLmb) { .base = (uint64_t) i * LMB_SIZE, .flags = DRCONF_MEM_ASSIGNED };
                dt_blob_v1(&b, lmbs, n_lmbs);
                free(lmbs);
        } else
                dt_blob_v2(&b, &set, 1);
        dt_blob_lmb_size(&size, LMB_SIZE);
        if (fake_root_create(&root) < 0 || fake_root_write_dt(root, LMB_SIZE, format, &b) < 0 ||
            dt_overlay_plan_add(&plan, "bench", DT_MEMORY_NODE, DT_PROP_LMB_SIZE, DT_FIX_SET, size.data, size.size,
                                &e) < 0)
                abort();
        printf("%-12s %u LMBs, %zu bytes of %s\n", "", n_lmbs, b.size, dt_format_property(format));
        bench(what, root, &plan, reps);
        blob_done(&b);
        blob_done(&size);
        (void) fake_root_remove(root);
        free(root);
}

static void drconf(const char *what, DtFormat format, unsigned n_lmbs, unsigned reps) {
        _cleanup_(dt_overlay_plan_done) DtOverlayPlan plan = {};
        TestLmb *lmbs = calloc(n_lmbs, sizeof(TestLmb));
        TestLmbSet *sets = calloc(n_lmbs, sizeof(TestLmbSet));
        double *v = calloc(reps, sizeof(double));
        char *root = NULL, label[32];
        BenchStats st;
        Blob b = {};
        Error e = {};

        if (!lmbs || !sets || !v)
                abort();
        for (unsigned i = 0; i < n_lmbs; i++) {
                uint32_t flags = i == 0 ? DRCONF_MEM_RESERVED | DRCONF_MEM_ASSIGNED :
                                 i % 2 ? DRCONF_MEM_ASSIGNED : 0;

                lmbs[i] = (TestLmb) { .base = (uint64_t) i * LMB_SIZE, .flags = flags };
                sets[i] = (TestLmbSet) { .n_lmbs = 1, .base = (uint64_t) i * LMB_SIZE, .flags = flags };
        }
        if (format == DT_FORMAT_V1)
                dt_blob_v1(&b, lmbs, n_lmbs);
        else
                dt_blob_v2(&b, sets, n_lmbs);
        if (fake_root_create(&root) < 0 || fake_root_write_dt(root, LMB_SIZE, format, &b) < 0)
                abort();
        for (unsigned i = 0; i < reps; i++) {
                uint64_t t0 = bench_now_ns();

                dt_overlay_plan_done(&plan);
                if (dt_overlay_plan(root, "ro", &plan, &e) < 0 || plan.n_fixes != 1)
                        abort();
                v[i] = (double) (bench_now_ns() - t0) / 1e6;
        }
        st = bench_stats(v, reps);
        printf("%-12s %u LMBs, %zu bytes of %s, %zu bytes in the copy\n", "", n_lmbs, b.size,
               dt_format_property(format), plan.fixes[0].size);
        snprintf(label, sizeof(label), "%s plan", what);
        printf("%-12s median %7.3f ms  min %7.3f  max %7.3f  (%u runs)\n", label, st.median, st.min, st.max, reps);
        snprintf(label, sizeof(label), "%s apply", what);
        bench(label, root, &plan, reps);
        blob_done(&b);
        (void) fake_root_remove(root);
        free(root);
        free(lmbs);
        free(sets);
        free(v);
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                { "lmbs", required_argument, NULL, 'l' },
                { "reps", required_argument, NULL, 'r' },
                {},
        };
        unsigned n_lmbs = 262144, reps = 50;
        int c;

        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (c) {
                case 'l':
                        n_lmbs = (unsigned) strtoul(optarg, NULL, 10);
                        break;
                case 'r':
                        reps = (unsigned) strtoul(optarg, NULL, 10);
                        break;
                default:
                        return 2;
                }
        if (geteuid() != 0) {
                fprintf(stderr, "bench-dt-overlay: needs root (mounts)\n");
                return 2;
        }
        if (reps == 0 || n_lmbs == 0)
                return 2;
        chosen(reps);
        memory_node("memory v1", DT_FORMAT_V1, n_lmbs, reps);
        memory_node("memory v2", DT_FORMAT_V2, n_lmbs, reps);
        drconf("drconf v1", DT_FORMAT_V1, n_lmbs, reps);
        drconf("drconf v2", DT_FORMAT_V2, n_lmbs, reps);
        return 0;
}
