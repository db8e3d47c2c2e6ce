/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Benchmark 5: one generated DLPAR event stream through three reload policies, on a simulated
 * clock (deterministic: same output on every machine):
 *
 *   kdump-settle  the real settle engine, block set and consistency check (lib/), driven as the
 *                 daemon drives them: uevents, timer wake-ups that poll the DT generation, reload
 *                 ends; default QuietSec=50ms, PollIntervalSec=5ms, MaxWaitSec=30s.
 *   throttler     a model of Fedora's kdump-udev-throttler: the first event takes a lock, sleeps
 *                 1 s, waits for the udev queue to drain (udevadm settle, at most 3 s), drops the
 *                 lock and runs the reload; events while the lock is held exit at once; reloads
 *                 are serialized by kdumpctl's own lock.
 *   per-event     a udev rule running the reload on every memory uevent, serialized by the
 *                 reload command's lock.
 *
 * Each LMB of the request gives two uevents (add+online, or offline+remove), half an LMB period
 * apart; the kernel replaces the DT property once, dt_delay after the last uevent. A reload takes
 * RELOAD_USEC and reads the DT when it starts: a reload that starts before the replacement loads
 * a stale memory map. Reported per policy: reloads, stale ones, whether the last one saw the final
 * DT, the latency from the DT replacement to the start of the first reload that saw it, and to the
 * end of the last reload (when the reloading is over).
 *
 *   bench-compare [--reload-ms=N] [--no-huge]   (--no-huge skips the 64 TiB stream)
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "block-set.h"
#include "consistency.h"
#include "dt-blob.h"
#include "dt-memory.h"
#include "macro.h"
#include "settle.h"

#define MiB ((uint64_t) 1024 * 1024)
#define LMB_SIZE (256 * MiB)
#define N_BOOT 8  /* QEMU-like boot memory: reserved in the DT, blocks in sysfs */
#define FLAGS_QEMU_BOOT (DRCONF_MEM_RESERVED | DRCONF_MEM_DRC_INVALID)

static usec_t arg_reload = 300 * USEC_PER_MSEC;

typedef struct Scenario {
        const char *name;
        bool add;           /* add, else remove */
        uint64_t n_lmbs;    /* hot-plugged LMBs, after the boot ones */
        usec_t lmb_period;  /* time per LMB: its two uevents are half of it apart */
        usec_t dt_delay;    /* DT replacement after the last uevent */
} Scenario;

typedef struct Ev {
        usec_t t;
        uint64_t block;
        bool changes;       /* add or remove (the block set changes), else online/offline */
} Ev;

typedef struct Result {
        uint64_t reloads, stale;
        bool final_fresh;
        usec_t first_fresh;  /* start of the first reload at or after the DT replacement */
        usec_t last_end;
        uint64_t wakeups;    /* kdump-settle only: timer wake-ups */
        uint64_t timeouts;   /* kdump-settle only: reloads at max wait */
} Result;

static void record_reload(Result *r, usec_t start, usec_t t_dt) {
        r->reloads++;
        if (start < t_dt)
                r->stale++;
        else if (r->first_fresh == USEC_INFINITY)
                r->first_fresh = start;
        r->final_fresh = start >= t_dt;
        r->last_end = MAX(r->last_end, start + arg_reload);
}

static Ev *make_events(const Scenario *s, size_t *ret_n, usec_t *ret_t_dt) {
        size_t n = 2 * s->n_lmbs;
        Ev *ev = calloc(n, sizeof(Ev));
        usec_t t0 = USEC_PER_SEC;

        if (!ev)
                abort();
        for (uint64_t i = 0; i < s->n_lmbs; i++) {
                usec_t t = t0 + i * s->lmb_period;
                uint64_t block = N_BOOT + i;

                /* add then online; offline then remove */
                ev[2 * i] = (Ev) { .t = t, .block = block, .changes = s->add };
                ev[2 * i + 1] = (Ev) { .t = t + s->lmb_period / 2, .block = block, .changes = !s->add };
        }
        *ret_n = n;
        *ret_t_dt = ev[n - 1].t + s->dt_delay;
        return ev;
}

static void make_dt(uint64_t n_hot, bool hot_present, DtMemory *ret) {
        TestLmbSet sets[] = {
                { .n_lmbs = N_BOOT, .base = 0, .flags = FLAGS_QEMU_BOOT },
                { .n_lmbs = (uint32_t) n_hot, .base = N_BOOT * LMB_SIZE, .flags = hot_present ? DRCONF_MEM_ASSIGNED : 0 },
        };
        Blob b = {};
        Error e = {};

        dt_blob_v2(&b, sets, ELEMENTSOF(sets));
        if (dt_memory_parse_v2(b.data, b.size, LMB_SIZE, ret, &e) < 0)
                abort();
        blob_done(&b);
}

/* --- kdump-settle: the real engine ------------------------------------------------------------ */

typedef struct Sim {
        Settle settle;
        BlockSet blocks;
        DtMemory before, after;
        usec_t t_dt;
        usec_t wake_at;
        usec_t reload_end;  /* USEC_INFINITY: none running */
        Result *r;
} Sim;

static uint64_t sim_generation(const Sim *s, usec_t now) {
        return now >= s->t_dt ? 2 : 1;
}

static void sim_dispatch(Sim *s, usec_t now) {
        for (;;) {
                SettleAction a = settle_next(&s->settle, now);

                switch (a.kind) {
                case SETTLE_EVALUATE: {
                        const DtMemory *dt = now >= s->t_dt ? &s->after : &s->before;
                        Consistency c;
                        Error e = {};
                        SettleVerdict v = { .valid = true, .set_id = dt->set_id };

                        if (consistency_check(dt, &s->blocks, 1, &c, &e) < 0)
                                abort();
                        v.consistent = consistency_ok(&c);
                        settle_model(&s->settle, &v);
                        continue;
                }
                case SETTLE_RELOAD:
                        record_reload(s->r, now, s->t_dt);
                        s->reload_end = now + arg_reload;
                        s->wake_at = USEC_INFINITY;
                        return;
                case SETTLE_SKIP:
                case SETTLE_WAIT:
                        s->wake_at = a.wake_at;
                        return;
                }
        }
}

static Result run_settle(const Scenario *sc, const Ev *ev, size_t n, usec_t t_dt) {
        Result r = { .first_fresh = USEC_INFINITY };
        Sim s = { .t_dt = t_dt, .wake_at = USEC_INFINITY, .reload_end = USEC_INFINITY, .r = &r };
        SettleConfig config = SETTLE_CONFIG_DEFAULT;
        SettleVerdict v;
        size_t i = 0;

        make_dt(sc->n_lmbs, !sc->add, &s.before);
        make_dt(sc->n_lmbs, sc->add, &s.after);
        if (block_set_init(&s.blocks, LMB_SIZE) < 0)
                abort();
        for (uint64_t b = 0; b < N_BOOT + (sc->add ? 0 : sc->n_lmbs); b++)
                (void) block_set_add(&s.blocks, b);

        settle_init(&s.settle, &config);
        v = (SettleVerdict) { .valid = true, .consistent = true, .set_id = s.before.set_id };
        settle_start(&s.settle, &v, 1, MEMORY_SET_ID_UNKNOWN, 0);

        /* Until everything is delivered and the engine has nothing left to do. */
        for (;;) {
                usec_t t_ev = i < n ? ev[i].t : USEC_INFINITY;
                usec_t now = MIN(t_ev, MIN(s.wake_at, s.reload_end));

                if (now == USEC_INFINITY || now > t_dt + 600 * USEC_PER_SEC)
                        break;
                if (now == t_ev) {
                        if (ev[i].changes) {
                                if (sc->add)
                                        (void) block_set_add(&s.blocks, ev[i].block);
                                else
                                        (void) block_set_remove(&s.blocks, ev[i].block);
                        }
                        settle_event(&s.settle, now);
                        i++;
                        sim_dispatch(&s, now);
                } else if (now == s.reload_end) {
                        s.reload_end = USEC_INFINITY;
                        settle_dt_generation(&s.settle, sim_generation(&s, now), now);
                        settle_reload_finished(&s.settle, true, now);
                        sim_dispatch(&s, now);
                } else {
                        r.wakeups++;
                        settle_dt_generation(&s.settle, sim_generation(&s, now), now);
                        sim_dispatch(&s, now);
                }
                if (i == n && s.reload_end == USEC_INFINITY && s.settle.state == SETTLE_IDLE)
                        break;
        }
        r.timeouts = settle_counters(&s.settle)->n_timeouts;
        block_set_done(&s.blocks);
        dt_memory_done(&s.before);
        dt_memory_done(&s.after);
        return r;
}

/* --- Fedora's throttler, modelled ------------------------------------------------------------- */

#define THROTTLE_SLEEP USEC_PER_SEC
#define SETTLE_TIMEOUT (3 * USEC_PER_SEC)
#define UDEV_EVENT_COST 500  /* µs udevd spends on one memory uevent */

/* When udevd's queue is first empty at or after t: an event is queued from its arrival until
 * UDEV_EVENT_COST later (the streams here space events further apart than that). */
static usec_t udev_queue_empty_after(const Ev *ev, size_t n, usec_t t) {
        usec_t u = t;

        for (size_t i = 0; i < n; i++) {
                if (ev[i].t + UDEV_EVENT_COST <= u)
                        continue;  /* handled before u */
                if (ev[i].t > u)
                        break;     /* arrives after the queue drained */
                u = ev[i].t + UDEV_EVENT_COST;
        }
        return u;
}

static Result run_throttler(const Ev *ev, size_t n, usec_t t_dt) {
        Result r = { .first_fresh = USEC_INFINITY };
        usec_t lock_until = 0, reload_free = 0;

        for (size_t i = 0; i < n; i++) {
                usec_t woke, settled, start;

                if (ev[i].t < lock_until)
                        continue;  /* flock -n fails: another instance waits; exit 0 */
                woke = ev[i].t + THROTTLE_SLEEP;
                settled = MIN(udev_queue_empty_after(ev, n, woke), woke + SETTLE_TIMEOUT);
                lock_until = settled;  /* the lock is dropped before kdumpctl runs */
                start = MAX(settled, reload_free);
                reload_free = start + arg_reload;
                record_reload(&r, start, t_dt);
        }
        return r;
}

/* --- per-event reloads ------------------------------------------------------------------------ */

static Result run_per_event(const Ev *ev, size_t n, usec_t t_dt) {
        Result r = { .first_fresh = USEC_INFINITY };
        usec_t reload_free = 0;

        for (size_t i = 0; i < n; i++) {
                usec_t start = MAX(ev[i].t, reload_free);

                reload_free = start + arg_reload;
                record_reload(&r, start, t_dt);
        }
        return r;
}

/* --- main ------------------------------------------------------------------------------------- */

static void print_ms(usec_t t) {
        if (t == USEC_INFINITY)
                printf(" %12s", "never");
        else
                printf(" %12.1f", (double) t / USEC_PER_MSEC);
}

static void print_row(const char *scenario, const char *policy, const Result *r, usec_t t_dt, bool settle) {
        printf("%-16s %-13s %9" PRIu64 " %9" PRIu64 " %-6s", scenario, policy, r->reloads, r->stale,
               r->final_fresh ? "yes" : "NO");
        print_ms(r->first_fresh == USEC_INFINITY ? USEC_INFINITY : r->first_fresh - t_dt);
        print_ms(r->reloads ? r->last_end - t_dt : USEC_INFINITY);
        if (settle)
                printf(" %9" PRIu64 " %9" PRIu64, r->wakeups, r->timeouts);
        else
                printf(" %9s %9s", "-", "-");
        printf("\n");
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "reload-ms", required_argument, NULL, 'r' },
                { "no-huge",   no_argument,       NULL, 'n' },
                { "help",      no_argument,       NULL, 'h' },
                {}
        };
        const Scenario scenarios[] = {
                { "1GiB-add",    true,  4,      2500, 3 * USEC_PER_MSEC },
                { "64GiB-remove", false, 256,    2 * USEC_PER_MSEC, 1 * USEC_PER_MSEC },
                { "64TiB-remove", false, 262144, 2 * USEC_PER_MSEC, 1 * USEC_PER_MSEC },
        };
        bool huge = true;
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'r': arg_reload = (usec_t) atoi(optarg) * USEC_PER_MSEC; break;
                case 'n': huge = false; break;
                case 'h':
                default:
                        fprintf(stderr, "usage: %s [--reload-ms=N] [--no-huge]\n", argv[0]);
                        return c == 'h' ? 0 : 2;
                }

        printf("# bench-compare: simulated clock; reload takes %.0f ms and reads the DT when it starts\n",
               (double) arg_reload / USEC_PER_MSEC);
        printf("# stale: reloads that started before the DT replacement; final: the last reload saw the final DT\n");
        printf("# latency: DT replacement -> start of the first reload that saw it; done: -> end of the last reload\n");
        printf("%-16s %-13s %9s %9s %-6s %12s %12s %9s %9s\n", "stream", "policy", "reloads", "stale", "final",
               "latency ms", "done ms", "wakeups", "timeouts");

        for (size_t k = 0; k < ELEMENTSOF(scenarios); k++) {
                const Scenario *sc = &scenarios[k];
                usec_t t_dt;
                size_t n;
                Ev *ev;
                Result r;

                if (!huge && sc->n_lmbs > 1024)
                        continue;
                ev = make_events(sc, &n, &t_dt);
                printf("# %s: %zu uevents over %.1f ms, DT replaced %.1f ms after the last\n", sc->name, n,
                       (double) (ev[n - 1].t - ev[0].t) / USEC_PER_MSEC, (double) sc->dt_delay / USEC_PER_MSEC);

                r = run_settle(sc, ev, n, t_dt);
                print_row(sc->name, "kdump-settle", &r, t_dt, true);
                r = run_throttler(ev, n, t_dt);
                print_row(sc->name, "throttler", &r, t_dt, false);
                r = run_per_event(ev, n, t_dt);
                print_row(sc->name, "per-event", &r, t_dt, false);
                free(ev);
        }
        return 0;
}
