/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Benchmark 6: the CPU model at 240 and 1024 SMT-8 cores (1,920 and 8,192 hardware threads).
 *
 * Against a generated fake root (one /cpus node per core, named and laid out as pseries does; all
 * CPUs present and online, physical_id = logical id):
 *   parse         dt_cpus_add_node() for every node + dt_cpus_finish(), from in-memory properties
 *   dt load       dt_cpus_load(): readdir of /cpus, three small reads per node, parse
 *   generation    dt_cpus_generation(): one readdir of /cpus, what a poll costs
 *   kernel load   cpu_set_load() from scratch: present, online, and every physical_id
 *   kernel reuse  cpu_set_load() with the previous set: present and online only
 *   consistency   cpu_consistency_check() of the two (consistent: the full walk)
 *   per event     cpu_uevent_parse() + cpu_action_changes_set() + cpu_set_forget() of an `online`
 *                 uevent, what the daemon does per CPU uevent (no file is read)
 *   daemon event  cpu_uevent_parse() + capture_cpus_uevent() (forget, the burst's offlined mark, the
 *                 nodes marked for a re-read): the daemon's whole per-uevent path (no file is read)
 *   evaluate      a CPU uevent then capture_model_evaluate() of the CPU resource: what the end of a
 *                 CPU burst costs (the /cpus nodes read once, present and online, the rule)
 * The fake root lives on the build machine's file system, not kernfs: the file-reading rows are
 * an order of magnitude, not the figure on an LPAR.
 *
 *   bench-cpu [--cores=N[,N...]] [--smt=N] [--reps=N] [--events=N]
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc-util.h"
#include "bench-util.h"
#include "capture-cpus.h"
#include "cpu-consistency.h"
#include "cpu-set.h"
#include "cpu-uevent.h"
#include "dt-blob.h"
#include "dt-cpu.h"
#include "fake-cpus.h"
#include "fake-root.h"
#include "macro.h"

static void die(const char *what, int r, const Error *e) {
        fprintf(stderr, "%s failed: %s\n", what, error_message(e, r));
        exit(1);
}

static double ms_since(uint64_t start) {
        return (double) (bench_now_ns() - start) / 1e6;
}

static void print_row(const char *what, unsigned cores, unsigned smt, double *v, unsigned reps) {
        BenchStats s = bench_stats(v, reps);

        printf("%-14s %5u cores x SMT%u  median %9.3f ms  min %9.3f ms  max %9.3f ms\n",
               what, cores, smt, s.median, s.min, s.max);
}

static void make_root(const char *root, unsigned cores, unsigned smt) {
        char list[32];
        int r;

        for (unsigned c = 0; c < cores; c++) {
                r = fake_cpus_write_core(root, c * smt, smt);
                if (r < 0)
                        die("fake_cpus_write_core", r, NULL);
        }
        snprintf(list, sizeof(list), "0-%u\n", cores * smt - 1);
        r = fake_cpus_set_lists(root, list, list);
        for (unsigned c = 0; r >= 0 && c < cores * smt; c++)
                r = fake_cpus_set_physical_id(root, c, (int32_t) c);
        if (r < 0)
                die("fake root", r, NULL);
}

static void run(unsigned cores, unsigned smt, unsigned reps) {
        _cleanup_free_ char *root = NULL;
        _cleanup_free_ double *v = calloc(reps, sizeof(double));
        Blob *props = calloc(cores, sizeof(Blob)), *regs = calloc(cores, sizeof(Blob));
        DtCpus dt = {};
        CpuSet kernel = {};
        CpuConsistency c = {};
        Error e = {};
        uint64_t g = 0;
        int r;

        if (!v || !props || !regs || fake_root_create(&root) < 0)
                die("setup", -ENOMEM, NULL);
        make_root(root, cores, smt);
        for (unsigned k = 0; k < cores; k++) {
                blob_put32(&regs[k], k * smt);
                for (unsigned t = 0; t < smt; t++)
                        blob_put32(&props[k], k * smt + t);
        }

        for (unsigned i = 0; i < reps; i++) {
                DtCpus p = {};
                uint64_t t = bench_now_ns();

                for (unsigned k = 0; k < cores; k++) {
                        r = dt_cpus_add_node(&p, "PowerPC,POWER9@0", regs[k].data, regs[k].size,
                                             props[k].data, props[k].size, &e);
                        if (r < 0)
                                die("dt_cpus_add_node", r, &e);
                }
                r = dt_cpus_finish(&p, &e);
                v[i] = ms_since(t);
                if (r < 0)
                        die("dt_cpus_finish", r, &e);
                bench_keep(p.set_id);
                dt_cpus_done(&p);
        }
        print_row("parse", cores, smt, v, reps);

        for (unsigned i = 0; i < reps; i++) {
                uint64_t t;

                dt_cpus_done(&dt);
                t = bench_now_ns();
                r = dt_cpus_load(root, &dt, &e);
                v[i] = ms_since(t);
                if (r < 0)
                        die("dt_cpus_load", r, &e);
        }
        print_row("dt load", cores, smt, v, reps);
        if (dt.n_threads != (size_t) cores * smt)
                die("dt_cpus_load: wrong thread count", -EBADMSG, NULL);

        for (unsigned i = 0; i < reps; i++) {
                uint64_t t = bench_now_ns();

                r = dt_cpus_generation(root, &dt, &g);
                v[i] = ms_since(t);
                if (r < 0)
                        die("dt_cpus_generation", r, NULL);
                bench_keep(g);
        }
        print_row("generation", cores, smt, v, reps);

        for (unsigned i = 0; i < reps; i++) {
                uint64_t t;

                cpu_set_done(&kernel);
                t = bench_now_ns();
                r = cpu_set_load(root, NULL, &kernel, &e);
                v[i] = ms_since(t);
                if (r < 0)
                        die("cpu_set_load", r, &e);
        }
        print_row("kernel load", cores, smt, v, reps);

        for (unsigned i = 0; i < reps; i++) {
                CpuSet again = {};
                uint64_t t = bench_now_ns();

                r = cpu_set_load(root, &kernel, &again, &e);
                v[i] = ms_since(t);
                if (r < 0)
                        die("cpu_set_load (reuse)", r, &e);
                cpu_set_done(&again);
        }
        print_row("kernel reuse", cores, smt, v, reps);

        for (unsigned i = 0; i < reps; i++) {
                uint64_t t = bench_now_ns();

                r = cpu_consistency_check(&dt, &kernel, NULL, CPU_CONSISTENCY_REPORT_MAX, &c, &e);
                v[i] = ms_since(t);
                if (r < 0)
                        die("cpu_consistency_check", r, &e);
        }
        print_row("consistency", cores, smt, v, reps);
        if (!cpu_consistency_ok(&c) || c.n_online != cores * smt)
                die("cpu_consistency_check: not consistent", -EBADMSG, NULL);

        {
                CaptureModel m;
                CaptureCpus *cc;
                SettleVerdict verdict;

                capture_model_init(&m, root);
                if (capture_cpus_new(root, &cc) < 0 || capture_model_add(&m, &cc->base) < 0)
                        die("capture_cpus_new", -ENOMEM, NULL);
                capture_model_evaluate(&m, &verdict, NULL);  /* the start-up scan */
                for (unsigned i = 0; i < reps; i++) {
                        CpuUevent u = { .action = CPU_ACTION_ONLINE, .cpu = (i * smt) % (cores * smt) };
                        uint64_t t = bench_now_ns();

                        (void) capture_cpus_uevent(cc, &u);
                        capture_model_evaluate(&m, &verdict, NULL);
                        v[i] = ms_since(t);
                        if (!verdict.consistent)
                                die("capture_model_evaluate: not consistent", -EBADMSG, NULL);
                }
                print_row("evaluate", cores, smt, v, reps);
                capture_model_done(&m);
        }

        for (unsigned k = 0; k < cores; k++) {
                blob_done(&props[k]);
                blob_done(&regs[k]);
        }
        free(props);
        free(regs);
        dt_cpus_done(&dt);
        cpu_set_done(&kernel);
        (void) fake_root_remove(root);
}

/* What the daemon does with one parsed uevent: the model alone, or the capture model's resource. */
typedef void (*ApplyEvent)(void *userdata, const CpuUevent *u);

static void apply_forget(void *userdata, const CpuUevent *u) {
        CpuSet *s = userdata;

        bench_keep(cpu_action_changes_set(u->action));
        cpu_set_forget(s, u->cpu);
}

static void apply_capture(void *userdata, const CpuUevent *u) {
        int r = capture_cpus_uevent(userdata, u);

        if (r < 0)
                die("capture_cpus_uevent", r, NULL);
}

/* Alternating online and offline uevents over n_cpus CPUs, parsed and applied: ns per event. */
static void time_events(const char *what, char (*paths)[48], unsigned n_cpus, unsigned events, unsigned reps,
                        ApplyEvent apply, void *userdata) {
        _cleanup_free_ double *v = calloc(reps, sizeof(double));

        if (!v)
                die("setup", -ENOMEM, NULL);
        for (unsigned i = 0; i < reps; i++) {
                uint64_t t = bench_now_ns();

                for (unsigned k = 0; k < events; k++) {
                        CpuUevent u;
                        Error e = {};
                        int r = cpu_uevent_parse(k & 1 ? "offline" : "online", "cpu", paths[k % n_cpus], &u, &e);

                        if (r < 0)
                                die("cpu_uevent_parse", r, &e);
                        apply(userdata, &u);
                }
                v[i] = (double) (bench_now_ns() - t) / events;
        }
        BenchStats st = bench_stats(v, reps);
        printf("%-14s %5u events over %u CPUs  median %6.1f ns/event  min %6.1f ns/event\n",
               what, events, n_cpus, st.median, st.min);
}

static void run_events(unsigned n_cpus, unsigned events, unsigned reps) {
        char (*paths)[48] = calloc(n_cpus, sizeof(*paths));
        CaptureCpus *cc;
        CpuSet s = {};
        char list[32];

        if (!paths || capture_cpus_new("/nonexistent", &cc) < 0)
                die("setup", -ENOMEM, NULL);
        snprintf(list, sizeof(list), "0-%u", n_cpus - 1);
        if (cpu_mask_parse("present", list, strlen(list), &s.present, NULL) < 0)
                die("cpu_mask_parse", -EBADMSG, NULL);
        s.n_hw_ids = s.present.n_words * 64;
        s.hw_ids = calloc(s.n_hw_ids, sizeof(uint32_t));
        for (unsigned c = 0; c < n_cpus; c++)
                snprintf(paths[c], sizeof(paths[c]), "/devices/system/cpu/cpu%u", c);

        time_events("per event", paths, n_cpus, events, reps, apply_forget, &s);
        /* The daemon's path: the CPU resource of the capture model, holding this set. */
        cc->cpus = s;
        time_events("daemon event", paths, n_cpus, events, reps, apply_capture, cc);
        cc->base.ops->free(&cc->base);
        free(paths);
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "cores", required_argument, NULL, 'c' },
                { "smt", required_argument, NULL, 's' },
                { "reps", required_argument, NULL, 'r' },
                { "events", required_argument, NULL, 'e' },
                {}
        };
        const char *cores = "240,1024";
        unsigned smt = 8, reps = 51, events = 1u << 20;
        int o;

        while ((o = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (o) {
                case 'c':
                        cores = optarg;
                        break;
                case 's':
                        smt = (unsigned) strtoul(optarg, NULL, 10);
                        break;
                case 'r':
                        reps = (unsigned) strtoul(optarg, NULL, 10);
                        break;
                case 'e':
                        events = (unsigned) strtoul(optarg, NULL, 10);
                        break;
                default:
                        fprintf(stderr, "usage: %s [--cores=N[,N...]] [--smt=N] [--reps=N] [--events=N]\n", argv[0]);
                        return 2;
                }
        if (smt == 0 || smt > DT_CPU_THREADS_MAX || reps == 0 || events == 0) {
                fprintf(stderr, "--smt must be 1..%d, --reps and --events positive\n", DT_CPU_THREADS_MAX);
                return 2;
        }

        for (const char *p = cores; *p;) {
                char *end;
                unsigned long n = strtoul(p, &end, 10);

                if (n == 0 || n * smt > CPU_SET_MAX_CPUS || (*end && *end != ',')) {
                        fprintf(stderr, "--cores: bad list (at most %u threads)\n", CPU_SET_MAX_CPUS);
                        return 2;
                }
                run((unsigned) n, smt, reps);
                run_events((unsigned) n * smt, events, MIN(reps, 21u));
                p = *end ? end + 1 : end;
        }
        return 0;
}
