/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Benchmark 2: settle engine and block set throughput for a 64 TiB DLPAR remove: 262,144 LMBs of
 * 256 MiB, each an "offline" and a "remove" uevent, 2 x 262,144 events, through what the daemon
 * does per uevent (block_set_remove() for "remove", settle_event()), with a fake clock; then the
 * end of the burst: the quiet period passes, the engine asks for an evaluation, consistency_check()
 * of the new DT against the emptied block set, and the reload.
 *
 *   per event      block_set_remove + settle_event; settle_next once per burst (the daemon drains
 *                  the socket and asks the engine once)
 *   per event+next the same with settle_next() after every event (worst case: one uevent per
 *                  dispatch)
 *   final          settle_next (EVALUATE), consistency_check, settle_model, settle_next (RELOAD)
 *
 *   bench-settle [--reps=N]   timed, prints ns per event (median and min over N repetitions)
 *   bench-settle --once       one pass of each, untimed: for callgrind (tests/bench/callgrind-settle)
 */

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench-util.h"
#include "block-set.h"
#include "consistency.h"
#include "dt-blob.h"
#include "dt-memory.h"
#include "macro.h"
#include "settle.h"

#define MiB ((uint64_t) 1024 * 1024)
#define LMB_SIZE (256 * MiB)
#define N_LMBS ((uint64_t) 262144)
#define N_EVENTS (2 * N_LMBS)
/* Events 2 µs apart on the fake clock: far inside the quiet period, as in a real burst. */
#define EVENT_SPACING 2

typedef struct Bench {
        Settle settle;
        BlockSet blocks;
        DtMemory dt_after;  /* every LMB unassigned: the DT after the remove */
        usec_t now;
} Bench;

static void bench_setup(Bench *b) {
        SettleConfig config = SETTLE_CONFIG_DEFAULT;
        SettleVerdict v = { .valid = true, .consistent = true, .set_id = 42 };

        if (block_set_init(&b->blocks, LMB_SIZE) < 0)
                abort();
        for (uint64_t n = 0; n < N_LMBS; n++)
                if (block_set_add(&b->blocks, n) < 0)
                        abort();
        settle_init(&b->settle, &config);
        b->now = 1000;
        settle_start(&b->settle, &v, 1, MEMORY_SET_ID_UNKNOWN, b->now);
}

static void bench_teardown(Bench *b) {
        block_set_done(&b->blocks);
}

/* The measured loops: noinline, so that callgrind can count each alone (--toggle-collect). */
__attribute__((noinline)) static uint64_t run_events(Bench *b) {
        for (uint64_t n = 0; n < N_LMBS; n++) {
                /* "offline": part of the burst, no block change */
                b->now += EVENT_SPACING;
                settle_event(&b->settle, b->now);
                /* "remove" */
                b->now += EVENT_SPACING;
                (void) block_set_remove(&b->blocks, n);
                settle_event(&b->settle, b->now);
        }
        return settle_next(&b->settle, b->now).wake_at;
}

__attribute__((noinline)) static uint64_t run_events_next(Bench *b) {
        uint64_t sink = 0;

        for (uint64_t n = 0; n < N_LMBS; n++) {
                b->now += EVENT_SPACING;
                settle_event(&b->settle, b->now);
                sink += settle_next(&b->settle, b->now).wake_at;
                b->now += EVENT_SPACING;
                (void) block_set_remove(&b->blocks, n);
                settle_event(&b->settle, b->now);
                sink += settle_next(&b->settle, b->now).wake_at;
        }
        return sink;
}

/* The end of the burst: returns the number of reloads the engine asked for (must be 1). */
__attribute__((noinline)) static unsigned run_finish(Bench *b) {
        unsigned reloads = 0;

        b->now += b->settle.config.quiet;
        /* The DT was replaced at the end of the request. */
        settle_dt_generation(&b->settle, 2, b->now);
        for (unsigned i = 0; i < 4; i++) {
                SettleAction a = settle_next(&b->settle, b->now);

                if (a.kind == SETTLE_EVALUATE) {
                        Consistency c;
                        Error e = {};
                        SettleVerdict v;

                        if (consistency_check(&b->dt_after, &b->blocks, 4, &c, &e) < 0)
                                abort();
                        v = (SettleVerdict) { .valid = true, .consistent = consistency_ok(&c),
                                              .set_id = b->dt_after.set_id };
                        settle_model(&b->settle, &v);
                        continue;
                }
                if (a.kind == SETTLE_RELOAD) {
                        reloads++;
                        settle_reload_finished(&b->settle, true, b->now);
                        continue;
                }
                break;
        }
        return reloads;
}

static void make_dt_after(DtMemory *ret) {
        TestLmbSet set = { .n_lmbs = N_LMBS, .base = 0, .flags = 0 };
        Blob blob = {};
        Error e = {};

        dt_blob_v2(&blob, &set, 1);
        if (dt_memory_parse_v2(blob.data, blob.size, LMB_SIZE, ret, &e) < 0)
                abort();
        blob_done(&blob);
}

static void check_result(Bench *b, unsigned reloads) {
        if (b->blocks.n_present != 0 || settle_counters(&b->settle)->n_events != N_EVENTS || reloads != 1 ||
            b->settle.state != SETTLE_IDLE) {
                fprintf(stderr, "bench-settle: wrong result: %" PRIu64 " blocks left, %" PRIu64
                        " events counted, %u reloads, state %s\n", b->blocks.n_present, settle_counters(&b->settle)->n_events,
                        reloads, settle_state_to_string(b->settle.state));
                exit(1);
        }
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "reps", required_argument, NULL, 'r' },
                { "once", no_argument,       NULL, 'o' },
                { "help", no_argument,       NULL, 'h' },
                {}
        };
        unsigned reps = 21;
        bool once = false;
        DtMemory dt_after = {};
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'r': reps = (unsigned) atoi(optarg); break;
                case 'o': once = true; break;
                case 'h':
                default:
                        fprintf(stderr, "usage: %s [--reps=N | --once]\n", argv[0]);
                        return c == 'h' ? 0 : 2;
                }
        if (reps < 1)
                reps = 1;

        make_dt_after(&dt_after);

        if (once) {
                Bench b = { .dt_after = dt_after };

                bench_setup(&b);
                bench_keep(run_events(&b));
                check_result(&b, run_finish(&b));
                bench_teardown(&b);

                bench_setup(&b);
                bench_keep(run_events_next(&b));
                check_result(&b, run_finish(&b));
                bench_teardown(&b);
                printf("events per pass: %" PRIu64 "\n", (uint64_t) N_EVENTS);
                dt_memory_done(&dt_after);
                return 0;
        }

        double *ev = calloc(reps, sizeof(double)), *evn = calloc(reps, sizeof(double)),
               *fin = calloc(reps, sizeof(double));
        for (unsigned i = 0; i < reps; i++) {
                Bench b = { .dt_after = dt_after };
                uint64_t t;

                bench_setup(&b);
                t = bench_now_ns();
                bench_keep(run_events(&b));
                ev[i] = (double) (bench_now_ns() - t) / (double) N_EVENTS;
                t = bench_now_ns();
                unsigned reloads = run_finish(&b);
                fin[i] = (double) (bench_now_ns() - t) / 1e3;
                check_result(&b, reloads);
                bench_teardown(&b);

                bench_setup(&b);
                t = bench_now_ns();
                bench_keep(run_events_next(&b));
                evn[i] = (double) (bench_now_ns() - t) / (double) N_EVENTS;
                check_result(&b, run_finish(&b));
                bench_teardown(&b);
        }

        BenchStats s_ev = bench_stats(ev, reps), s_evn = bench_stats(evn, reps), s_fin = bench_stats(fin, reps);
        printf("# bench-settle: %" PRIu64 " events (offline+remove of %" PRIu64 " LMBs of 256 MiB), %u repetitions\n",
               (uint64_t) N_EVENTS, N_LMBS, reps);
        printf("%-40s %10s %10s %10s\n", "measure", "median", "min", "max");
        printf("%-40s %10.2f %10.2f %10.2f\n", "ns/event (remove+event)", s_ev.median, s_ev.min, s_ev.max);
        printf("%-40s %10.2f %10.2f %10.2f\n", "ns/event (remove+event+next)", s_evn.median, s_evn.min, s_evn.max);
        printf("%-40s %10.2f %10.2f %10.2f\n", "us whole burst (remove+event)", s_ev.median * N_EVENTS / 1e3,
               s_ev.min * N_EVENTS / 1e3, s_ev.max * N_EVENTS / 1e3);
        printf("%-40s %10.2f %10.2f %10.2f\n", "us final evaluate+reload decision", s_fin.median, s_fin.min, s_fin.max);
        printf("reloads: 1 per pass (checked)\n");
        free(ev);
        free(evn);
        free(fin);
        dt_memory_done(&dt_after);
        return 0;
}
