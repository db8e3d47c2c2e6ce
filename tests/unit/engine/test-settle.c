/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "macro.h"
#include "settle.h"

#define SET_A UINT64_C(0xa1a1a1a1)
#define SET_B UINT64_C(0xb2b2b2b2)
#define SET_C UINT64_C(0xc3c3c3c3)

#define QUIET (50 * USEC_PER_MSEC)
#define DT_GRACE (10 * USEC_PER_MSEC)
#define MAX_WAIT (30 * USEC_PER_SEC)
#define POLL (5 * USEC_PER_MSEC)
#define WATCH USEC_PER_SEC

static SettleVerdict consistent(uint64_t set_id) {
        return (SettleVerdict) { .valid = true, .consistent = true, .set_id = set_id };
}

static SettleVerdict inconsistent(uint64_t set_id) {
        return (SettleVerdict) { .valid = true, .consistent = false, .set_id = set_id };
}

static SettleVerdict invalid(void) {
        return (SettleVerdict) { .valid = false };
}

/* loaded_id 0 with a consistent DT: what the DT describes (the crash kernel loaded at boot from
 * it, as lib/engine/startup.h decides when nothing changed); with an inconsistent one: not known. */
static void start(Settle *s, SettleVerdict v, uint64_t loaded_id, usec_t now) {
        SettleConfig c = SETTLE_CONFIG_DEFAULT;

        settle_init(s, &c);
        settle_start(s, &v, 1, loaded_id == 0 && v.consistent ? v.set_id : loaded_id, now);
}

static void expect_wait(Settle *s, usec_t now, usec_t wake_at, bool poll_dt) {
        SettleAction a = settle_next(s, now);

        assert_int_equal(a.kind, SETTLE_WAIT);
        assert_int_equal(a.wake_at, wake_at);
        assert_int_equal(a.poll_dt, poll_dt);
}

static void expect_evaluate(Settle *s, usec_t now, SettleVerdict v) {
        SettleAction a = settle_next(s, now);

        assert_int_equal(a.kind, SETTLE_EVALUATE);
        settle_model(s, &v);
}

/* The look with a fresh scan of the kernel's sets that comes before a timeout. */
static void expect_rescan(Settle *s, usec_t now, SettleVerdict v) {
        SettleAction a = settle_next(s, now);

        assert_int_equal(a.kind, SETTLE_EVALUATE);
        assert_true(a.rescan);
        settle_model(s, &v);
}

static void expect_reload(Settle *s, usec_t now, SettleReason reason) {
        SettleAction a = settle_next(s, now);

        assert_int_equal(a.kind, SETTLE_RELOAD);
        assert_int_equal(a.reason, reason);
        assert_int_equal(s->state, SETTLE_RELOADING);
}

/* A pending request inside its quiet period, from `now` to its end at `end`: only DT polls, never
 * more than POLL apart, the last one exactly at `end`, each finding generation `gen` (unchanged).
 * Not one evaluation before `end`; the caller says what happens at `end`. */
static void expect_polls_until(Settle *s, usec_t now, usec_t end, uint64_t gen) {
        assert_true(now < end);
        while (now < end) {
                SettleAction a = settle_next(s, now);

                if (a.kind != SETTLE_WAIT || !a.poll_dt || a.wake_at <= now || a.wake_at > MIN(now + POLL, end))
                        fail_msg("at %llu (quiet ends %llu): kind %d poll_dt %d wake_at %llu",
                                 (unsigned long long) now, (unsigned long long) end, a.kind, a.poll_dt,
                                 (unsigned long long) a.wake_at);
                now = a.wake_at;
                assert_int_equal(s->dt_generation, gen);
                settle_dt_generation(s, gen, now);
        }
        assert_int_equal(now, end);
        assert_int_equal(s->state, SETTLE_PENDING);
}

/* From the consistent state `from` (loaded), one event at t, then a consistent `to`: reloading. */
static void reload_after_event(Settle *s, usec_t t, uint64_t to) {
        settle_event(s, t);
        expect_polls_until(s, t, t + QUIET, s->dt_generation);
        expect_evaluate(s, t + QUIET, consistent(to));
        expect_reload(s, t + QUIET, SETTLE_REASON_SETTLED);
}

static void test_idle_has_no_timer(void **state) {
        const usec_t t = 30 * USEC_PER_SEC;
        Settle s;

        start(&s, consistent(SET_A), 0, 0);
        assert_int_equal(s.state, SETTLE_IDLE);
        expect_wait(&s, 0, USEC_INFINITY, false);
        expect_wait(&s, 10 * USEC_PER_SEC, USEC_INFINITY, false);

        /* An unchanged generation changes nothing... */
        settle_dt_generation(&s, 1, 20 * USEC_PER_SEC);
        assert_int_equal(s.state, SETTLE_IDLE);
        assert_false(s.verdict_stale);
        expect_wait(&s, 20 * USEC_PER_SEC, USEC_INFINITY, false);
        assert_int_equal(s.counters.n_requests, 0);

        /* ...a changed one starts a request (negative control), and being a DT replacement, it
         * ends it dt_grace later rather than quiet later. */
        settle_dt_generation(&s, 2, t);
        assert_int_equal(s.state, SETTLE_PENDING);
        assert_int_equal(s.counters.n_requests, 1);
        assert_int_equal(s.dt_changed_at, t);
        expect_wait(&s, t, t + POLL, true);
        expect_polls_until(&s, t, t + DT_GRACE, 2);
        expect_evaluate(&s, t + DT_GRACE, consistent(SET_B));
        expect_reload(&s, t + DT_GRACE, SETTLE_REASON_SETTLED);
}

static void test_burst_reloads_once(void **state) {
        const unsigned n = 2 * 262144;
        const usec_t t0 = 100 * USEC_PER_SEC;
        usec_t t = t0, last, poll_at = 0;
        unsigned polls = 0;
        Settle s;

        start(&s, consistent(SET_A), 0, 0);

        for (unsigned i = 0; i < n; i++, t += 3) {
                if (poll_at != 0 && t >= poll_at) {
                        /* The poll timer fired (a little late: the events keep the loop busy). */
                        settle_dt_generation(&s, 1, t);
                        polls++;
                }
                settle_event(&s, t);
                /* The poll schedule is kept while it is due within one interval. */
                if (poll_at <= t)
                        poll_at = t + POLL;
                /* Not one evaluation during the burst: only DT polls until its end. */
                SettleAction a = settle_next(&s, t);
                if (a.kind != SETTLE_WAIT || a.wake_at != poll_at || !a.poll_dt)
                        fail_msg("event %u at %llu: kind %d wake_at %llu poll_dt %d", i, (unsigned long long) t,
                                 a.kind, (unsigned long long) a.wake_at, a.poll_dt);
        }
        last = t - 3;
        assert_int_equal(s.counters.n_events, n);
        assert_int_equal(s.counters.n_requests, 1);
        assert_true(polls >= (last - t0) / POLL - 1);

        expect_polls_until(&s, last, last + QUIET, 1);
        /* The kernel added the blocks; the DT is updated last, after the quiet period here. */
        expect_evaluate(&s, last + QUIET, inconsistent(SET_A));
        /* The poll schedule of the quiet period goes on. */
        SettleAction a = settle_next(&s, last + QUIET);
        assert_int_equal(a.kind, SETTLE_WAIT);
        assert_true(a.poll_dt);
        assert_true(a.wake_at > last + QUIET && a.wake_at <= last + QUIET + POLL);
        t = a.wake_at;
        settle_dt_generation(&s, 1, t);
        expect_wait(&s, t, t + POLL, true);
        settle_dt_generation(&s, 2, t + POLL);
        /* Quiet has passed already: evaluated at once, no dt_grace on top. */
        expect_evaluate(&s, t + POLL, consistent(SET_B));
        expect_reload(&s, t + POLL, SETTLE_REASON_SETTLED);

        settle_dt_generation(&s, 2, last + USEC_PER_SEC);
        settle_reload_finished(&s, true, last + USEC_PER_SEC);
        assert_int_equal(s.state, SETTLE_IDLE);
        assert_int_equal(s.loaded_id, SET_B);
        expect_wait(&s, last + USEC_PER_SEC, USEC_INFINITY, false);
        assert_int_equal(s.counters.n_reloads, 1);
        assert_int_equal(s.counters.n_skipped, 0);
}

static void test_events_during_reload_give_one_more(void **state) {
        Settle s;

        start(&s, consistent(SET_A), 0, 0);
        reload_after_event(&s, USEC_PER_SEC, SET_B);

        /* Events while the reload runs: never a second RELOAD before it finishes. */
        for (usec_t t = USEC_PER_SEC + 60 * USEC_PER_MSEC; t < USEC_PER_SEC + 500 * USEC_PER_MSEC; t += USEC_PER_MSEC) {
                settle_event(&s, t);
                expect_wait(&s, t, USEC_INFINITY, false);
        }
        /* Well after the quiet period, still no second reload. */
        expect_wait(&s, 3 * USEC_PER_SEC, USEC_INFINITY, false);
        assert_int_equal(s.counters.n_reloads, 1);

        settle_dt_generation(&s, 1, 3 * USEC_PER_SEC);
        settle_reload_finished(&s, true, 3 * USEC_PER_SEC);
        assert_int_equal(s.state, SETTLE_PENDING);
        /* What the dirty reload read is uncertain. */
        assert_int_equal(s.loaded_id, 0);
        assert_int_equal(s.counters.n_requests, 2);

        /* Same set as before: with loaded unknown, it cannot be skipped. */
        expect_evaluate(&s, 3 * USEC_PER_SEC, consistent(SET_B));
        expect_reload(&s, 3 * USEC_PER_SEC, SETTLE_REASON_SETTLED);
        settle_reload_finished(&s, true, 4 * USEC_PER_SEC);
        assert_int_equal(s.state, SETTLE_IDLE);
        assert_int_equal(s.loaded_id, SET_B);
        expect_wait(&s, 4 * USEC_PER_SEC, USEC_INFINITY, false);
        assert_int_equal(s.counters.n_reloads, 2);
}

static void test_quiet_counts_from_last_event_during_reload(void **state) {
        Settle s;
        usec_t last = USEC_PER_SEC + 900 * USEC_PER_MSEC;

        start(&s, consistent(SET_A), 0, 0);
        reload_after_event(&s, USEC_PER_SEC, SET_B);
        settle_event(&s, last);
        settle_reload_finished(&s, true, last + 10 * USEC_PER_MSEC);
        expect_polls_until(&s, last + 10 * USEC_PER_MSEC, last + QUIET, 1);
        expect_evaluate(&s, last + QUIET, consistent(SET_B));
        expect_reload(&s, last + QUIET, SETTLE_REASON_SETTLED);
}

static void test_clean_reload_is_not_repeated(void **state) {
        Settle s;

        /* Negative control for the dirty cases: nothing during the reload, nothing after it. */
        start(&s, consistent(SET_A), 0, 0);
        reload_after_event(&s, USEC_PER_SEC, SET_B);
        settle_dt_generation(&s, 1, 2 * USEC_PER_SEC);
        settle_reload_finished(&s, true, 2 * USEC_PER_SEC);
        assert_int_equal(s.state, SETTLE_IDLE);
        assert_int_equal(s.loaded_id, SET_B);
        assert_int_equal(s.counters.n_requests, 1);
        expect_wait(&s, 2 * USEC_PER_SEC, USEC_INFINITY, false);
}

static void test_dt_change_during_reload_gives_one_more(void **state) {
        Settle s;

        start(&s, consistent(SET_A), 0, 0);
        reload_after_event(&s, USEC_PER_SEC, SET_B);
        /* The daemon feeds the generation right before the end. */
        settle_dt_generation(&s, 7, 2 * USEC_PER_SEC);
        settle_reload_finished(&s, true, 2 * USEC_PER_SEC);
        assert_int_equal(s.state, SETTLE_PENDING);
        assert_int_equal(s.loaded_id, 0);
        expect_evaluate(&s, 2 * USEC_PER_SEC, consistent(SET_C));
        expect_reload(&s, 2 * USEC_PER_SEC, SETTLE_REASON_SETTLED);
        settle_reload_finished(&s, true, 3 * USEC_PER_SEC);
        assert_int_equal(s.loaded_id, SET_C);
        assert_int_equal(s.state, SETTLE_IDLE);
}

/* Issue 22.6: the kernel replaces the DT property by removing it and adding a new one, and under
 * load it is absent for up to 180 ms. The poll that saw it absent (generation 5) is the last one
 * before the evaluation, which found the new property (6) and agreement: the reload loads 6. The
 * poll at its end finds 6 again: nothing moved while it ran, so nothing more is owed. Taking the
 * polled generation for the reload's (as before) made 5 -> 6 look like a change during the reload
 * and gave a second reload for the same DT (k612 scenarios 21-22 under load). */
static void reload_after_absent_poll(Settle *s, usec_t t, SettleVerdict v) {
        start(s, consistent(SET_A), 0, 0);
        settle_event(s, t);
        settle_dt_generation(s, 5, t + POLL);           /* the property absent: a change */
        expect_polls_until(s, t + POLL, t + POLL + DT_GRACE, 5);
        expect_evaluate(s, t + POLL + DT_GRACE, v);
        expect_reload(s, t + POLL + DT_GRACE, SETTLE_REASON_SETTLED);
}

static void test_verdict_newer_than_poll(void **state) {
        usec_t t = USEC_PER_SEC;
        SettleVerdict v = consistent(SET_B);
        Settle s;

        v.generation = 6;
        reload_after_absent_poll(&s, t, v);
        settle_dt_generation(&s, 6, 2 * t);
        settle_reload_finished(&s, true, 2 * t);
        assert_int_equal(s.state, SETTLE_IDLE);
        assert_int_equal(s.loaded_id, SET_B);
        assert_int_equal(s.counters.n_reloads, 1);

        /* Its negative control: the DT replaced again while the reload ran (7) still gives one more. */
        reload_after_absent_poll(&s, t, v);
        settle_dt_generation(&s, 7, 2 * t);
        settle_reload_finished(&s, true, 2 * t);
        assert_int_equal(s.state, SETTLE_PENDING);
        assert_int_equal(s.loaded_id, SET_ID_UNKNOWN);
}

static void test_rollback_skips(void **state) {
        Settle s;
        SettleAction a;

        start(&s, consistent(SET_A), 0, 0);
        for (usec_t t = USEC_PER_SEC; t < USEC_PER_SEC + 20 * USEC_PER_MSEC; t += 100)
                settle_event(&s, t);
        expect_evaluate(&s, 2 * USEC_PER_SEC, consistent(SET_A));
        a = settle_next(&s, 2 * USEC_PER_SEC);
        assert_int_equal(a.kind, SETTLE_SKIP);
        assert_int_equal(a.wake_at, USEC_INFINITY);
        assert_int_equal(s.state, SETTLE_IDLE);
        assert_int_equal(s.counters.n_skipped, 1);
        assert_int_equal(s.counters.n_reloads, 0);
        assert_int_equal(s.loaded_id, SET_A);
        /* The skip is given once; then the engine is idle. */
        expect_wait(&s, 2 * USEC_PER_SEC, USEC_INFINITY, false);
        assert_int_equal(s.counters.n_skipped, 1);

        /* Negative control: a different set is reloaded. */
        reload_after_event(&s, 3 * USEC_PER_SEC, SET_B);
        assert_int_equal(s.counters.n_skipped, 1);
        assert_int_equal(s.counters.n_reloads, 1);
}

static void test_timeout_then_watch(void **state) {
        const usec_t t0 = 10 * USEC_PER_SEC;
        usec_t now = t0, polls = 0, evaluations = 0, evaluated_at = 0, rescans = 0;
        SettleAction a;
        Settle s;

        start(&s, consistent(SET_A), 0, 0);
        settle_event(&s, t0);
        for (;;) {
                a = settle_next(&s, now);
                if (a.kind == SETTLE_EVALUATE) {
                        SettleVerdict v = inconsistent(SET_B);
                        settle_model(&s, &v);
                        if (a.rescan) {
                                /* Once, at max wait, before concluding (issue 11.6). */
                                assert_int_equal(now, t0 + MAX_WAIT);
                                rescans++;
                                continue;
                        }
                        evaluated_at = now;
                        if (++evaluations > 1)
                                fail_msg("evaluated again at %llu without any input", (unsigned long long) now);
                        continue;
                }
                if (a.kind == SETTLE_RELOAD)
                        break;
                assert_int_equal(a.kind, SETTLE_WAIT);
                assert_true(a.wake_at > now);
                /* Pending: every wake-up is a DT poll, during the quiet period too. */
                assert_true(a.poll_dt);
                assert_true(a.wake_at == now + POLL || a.wake_at == t0 + QUIET || a.wake_at == t0 + MAX_WAIT);
                polls++;
                now = a.wake_at;
                settle_dt_generation(&s, 1, now);
        }
        assert_int_equal(now, t0 + MAX_WAIT);
        assert_int_equal(a.reason, SETTLE_REASON_TIMEOUT);
        assert_int_equal(s.counters.n_timeouts, 1);
        assert_int_equal(evaluations, 1);
        assert_int_equal(rescans, 1);
        assert_int_equal(evaluated_at, t0 + QUIET);
        assert_int_equal(polls, MAX_WAIT / POLL);

        now += 2 * USEC_PER_SEC;
        settle_dt_generation(&s, 1, now);
        settle_reload_finished(&s, true, now);
        assert_int_equal(s.state, SETTLE_WATCHING);
        /* What it loaded is not the stale DT's set for every backend (kexec_file_load reads the
         * kernel's memory): unknown. */
        assert_int_equal(s.loaded_id, 0);

        /* DT polls every WATCH; the verdict taken again, with a fresh scan, after 1, 3, 7 ... s
         * (issue 19.8), still disagreeing here. */
        for (int i = 1; i <= 8; i++) {
                expect_wait(&s, now, now + WATCH, true);
                now += WATCH;
                settle_dt_generation(&s, 1, now);
                if (i == 1 || i == 3 || i == 7)
                        expect_rescan(&s, now, inconsistent(SET_B));
        }
        assert_int_equal(s.state, SETTLE_WATCHING);
        /* The late DT update: the end of the request, so dt_grace rather than quiet. */
        settle_dt_generation(&s, 2, now);
        assert_int_equal(s.state, SETTLE_PENDING);
        expect_polls_until(&s, now, now + DT_GRACE, 2);
        expect_evaluate(&s, now + DT_GRACE, consistent(SET_C));
        expect_reload(&s, now + DT_GRACE, SETTLE_REASON_SETTLED);
        settle_reload_finished(&s, true, now + USEC_PER_SEC);
        assert_int_equal(s.state, SETTLE_IDLE);
        assert_int_equal(s.loaded_id, SET_C);
        assert_int_equal(s.counters.n_reloads, 2);
        assert_int_equal(s.counters.n_timeouts, 1);
}

/* Issue 19.8: watching ends when the verdict comes to agree without a DT update (the kernel's CPUs
 * changed without a uevent, a lost one): one more request, which reloads, since what the timeout
 * loaded is not known; then idle. The rechecks back off to retry_max. */
static void test_watching_ends_without_dt_update(void **state) {
        SettleConfig c = SETTLE_CONFIG_DEFAULT;
        usec_t now = 0, last = 0;
        unsigned rechecks = 0;
        Settle s;

        start(&s, consistent(SET_A), 0, 0);
        settle_event(&s, 0);
        expect_evaluate(&s, QUIET, inconsistent(SET_B));
        expect_wait(&s, MAX_WAIT - 1, MAX_WAIT, true);
        expect_rescan(&s, MAX_WAIT, inconsistent(SET_B));
        expect_reload(&s, MAX_WAIT, SETTLE_REASON_TIMEOUT);
        settle_reload_finished(&s, true, MAX_WAIT + 1);
        assert_int_equal(s.state, SETTLE_WATCHING);

        /* An hour of disagreement: rechecks at doubling gaps, never more than retry_max apart. */
        for (now = MAX_WAIT + 1; now < MAX_WAIT + USEC_PER_HOUR;) {
                SettleAction a = settle_next(&s, now);

                if (a.kind == SETTLE_EVALUATE) {
                        assert_true(a.rescan);
                        assert_true(last == 0 || now - last <= c.retry_max);
                        last = now;
                        rechecks++;
                        settle_model(&s, &(SettleVerdict) { .valid = true, .set_id = SET_B });
                        continue;
                }
                assert_int_equal(a.kind, SETTLE_WAIT);
                assert_true(a.wake_at <= now + WATCH);
                now = a.wake_at;
                settle_dt_generation(&s, 1, now);
        }
        /* 1, 2, 4 ... 256 s, then every 300 s. */
        assert_true(rechecks >= 9 + 9 && rechecks <= 9 + 12);
        assert_int_equal(s.counters.n_reloads, 1);

        /* Negative control above: disagreeing, it watched. Now it agrees. */
        while (settle_next(&s, now).kind != SETTLE_EVALUATE) {
                now = s.recheck_at;
                settle_dt_generation(&s, 1, now);
        }
        settle_model(&s, &(SettleVerdict) { .valid = true, .consistent = true, .set_id = SET_B });
        expect_polls_until(&s, now, now + QUIET, 1);
        expect_reload(&s, now + QUIET, SETTLE_REASON_SETTLED);
        settle_reload_finished(&s, true, now + QUIET + 1);
        assert_int_equal(s.state, SETTLE_IDLE);
        assert_int_equal(s.loaded_id, SET_B);
        assert_int_equal(s.counters.n_requests, 2);
}

static SettleVerdict provisional(uint64_t set_id) {
        return (SettleVerdict) { .valid = true, .provisional = true, .set_id = set_id };
}

/* Issue 19.8: a provisional verdict (a core just offlined, its node still there) holds a request
 * until quiet after the last event, also when a DT replacement would end it sooner, and then counts
 * as agreement: a skip when that set is loaded. */
static void test_provisional(void **state) {
        const usec_t t = USEC_PER_SEC;
        SettleAction a;
        Settle s;

        /* At the end of a plain burst, quiet has passed already: agreement at once. */
        start(&s, consistent(SET_A), 0, 0);
        settle_state_event(&s, t);
        expect_polls_until(&s, t, t + QUIET, 1);
        expect_evaluate(&s, t + QUIET, provisional(SET_A));
        assert_int_equal(settle_next(&s, t + QUIET).kind, SETTLE_SKIP);
        assert_true(settle_verdict(&s)->consistent);
        assert_int_equal(s.counters.n_timeouts, 0);

        /* A DT replacement ends the burst after dt_grace; the provisional verdict waits for the
         * quiet period, and the node's detach then gives a fresh, agreeing verdict. */
        start(&s, consistent(SET_A), 0, 0);
        settle_state_event(&s, t);
        settle_dt_generation(&s, 2, t + 1);
        expect_polls_until(&s, t, t + 1 + DT_GRACE, 2);
        expect_evaluate(&s, t + 1 + DT_GRACE, provisional(SET_A));
        a = settle_next(&s, t + 1 + DT_GRACE);
        assert_int_equal(a.kind, SETTLE_WAIT);
        assert_true(a.poll_dt && a.wake_at <= t + 1 + DT_GRACE + POLL);
        settle_dt_generation(&s, 3, a.wake_at);
        expect_polls_until(&s, a.wake_at, a.wake_at + DT_GRACE, 3);
        expect_evaluate(&s, a.wake_at + DT_GRACE, consistent(SET_B));
        expect_reload(&s, a.wake_at + DT_GRACE, SETTLE_REASON_SETTLED);

        /* Negative control: no detach. No reload before quiet, then a reload of that set. */
        start(&s, consistent(SET_A), SET_C, 0);
        settle_state_event(&s, t);
        settle_dt_generation(&s, 2, t + 1);
        expect_polls_until(&s, t, t + 1 + DT_GRACE, 2);
        expect_evaluate(&s, t + 1 + DT_GRACE, provisional(SET_A));
        for (usec_t now = t + 1 + DT_GRACE; now < t + QUIET;) {
                a = settle_next(&s, now);
                assert_int_equal(a.kind, SETTLE_WAIT);
                assert_true(a.wake_at <= t + QUIET);
                now = a.wake_at;
                settle_dt_generation(&s, 2, now);
        }
        expect_reload(&s, t + QUIET, SETTLE_REASON_SETTLED);
        settle_reload_finished(&s, true, t + QUIET + 1);
        assert_int_equal(s.state, SETTLE_IDLE);
        assert_int_equal(s.loaded_id, SET_A);
}

static void test_timeout_invalid_dt(void **state) {
        Settle s;

        start(&s, consistent(SET_A), 0, 0);
        settle_event(&s, 0);
        expect_polls_until(&s, 0, QUIET, 1);
        expect_evaluate(&s, QUIET, invalid());
        expect_wait(&s, QUIET, QUIET + POLL, true);
        expect_wait(&s, MAX_WAIT - 1, MAX_WAIT, true);
        expect_reload(&s, MAX_WAIT, SETTLE_REASON_TIMEOUT);
        settle_reload_finished(&s, true, MAX_WAIT + USEC_PER_SEC);
        assert_int_equal(s.loaded_id, 0);
        assert_int_equal(s.state, SETTLE_WATCHING);
}

static void test_timeout_with_loaded_set_still_reloads(void **state) {
        Settle s;

        /* Uevents came but the DT was never updated: it still describes what is loaded. The
         * kernel's memory changed all the same, so the reload happens anyway, then watching. */
        start(&s, consistent(SET_A), 0, 0);
        settle_event(&s, 0);
        expect_evaluate(&s, QUIET, inconsistent(SET_A));
        expect_wait(&s, QUIET, QUIET + POLL, true);
        expect_wait(&s, MAX_WAIT - 1, MAX_WAIT, true);
        expect_rescan(&s, MAX_WAIT, inconsistent(SET_A));
        expect_reload(&s, MAX_WAIT, SETTLE_REASON_TIMEOUT);
        assert_int_equal(s.counters.n_timeouts, 1);

        settle_dt_generation(&s, 1, MAX_WAIT + 1);
        settle_reload_finished(&s, true, MAX_WAIT + 1);
        assert_int_equal(s.state, SETTLE_WATCHING);
        expect_wait(&s, MAX_WAIT + 1, MAX_WAIT + 1 + WATCH, true);

        /* Issue 11.10: the DLPAR then rolls back to the stale DT's set: a reload, not a skip, as
         * the image loaded at the timeout may hold the memory that went. */
        settle_event(&s, MAX_WAIT + 2);
        expect_evaluate(&s, MAX_WAIT + 2 + QUIET, consistent(SET_A));
        expect_reload(&s, MAX_WAIT + 2 + QUIET, SETTLE_REASON_SETTLED);
        settle_reload_finished(&s, true, MAX_WAIT + 3 + QUIET);
        assert_int_equal(s.loaded_id, SET_A);
        assert_int_equal(s.state, SETTLE_IDLE);

        /* Negative control: had the DT agreed by then, the same request would have been a skip. */
        start(&s, consistent(SET_A), 0, 0);
        settle_event(&s, 0);
        expect_evaluate(&s, QUIET, consistent(SET_A));
        assert_int_equal(settle_next(&s, QUIET).kind, SETTLE_SKIP);
        assert_int_equal(s.counters.n_reloads, 0);
}

/* Issue 11.6: a uevent lost upstream leaves the kept set wrong and the DT (never replaced, a
 * DLPAR that rolled back) disagreeing with it. At max wait one look with a fresh scan comes first:
 * it agrees, so no timeout, no WATCHING forever. Asked once per request. */
static void test_max_wait_rescan(void **state) {
        const usec_t t = USEC_PER_SEC;
        Settle s;

        start(&s, consistent(SET_A), 0, 0);
        settle_event(&s, t);
        expect_evaluate(&s, t + QUIET, inconsistent(SET_A));
        expect_wait(&s, t + MAX_WAIT - 1, t + MAX_WAIT, true);
        expect_rescan(&s, t + MAX_WAIT, consistent(SET_A));
        assert_int_equal(settle_next(&s, t + MAX_WAIT).kind, SETTLE_SKIP);
        assert_int_equal(s.state, SETTLE_IDLE);
        assert_int_equal(s.counters.n_timeouts, 0);

        /* The scan changed nothing: the timeout, and no second scan in the same request. */
        settle_event(&s, 2 * MAX_WAIT);
        expect_evaluate(&s, 2 * MAX_WAIT + QUIET, inconsistent(SET_B));
        expect_rescan(&s, 3 * MAX_WAIT, inconsistent(SET_B));
        expect_reload(&s, 3 * MAX_WAIT, SETTLE_REASON_TIMEOUT);
        settle_reload_finished(&s, true, 3 * MAX_WAIT + 1);
        expect_wait(&s, 3 * MAX_WAIT + 1, 3 * MAX_WAIT + 1 + WATCH, true);

        /* An invalid DT is not the kernel's set's fault: no scan. */
        start(&s, consistent(SET_A), 0, 0);
        settle_event(&s, t);
        expect_evaluate(&s, t + QUIET, invalid());
        expect_reload(&s, t + MAX_WAIT, SETTLE_REASON_TIMEOUT);
}

static void test_backoff_schedule(void **state) {
        static const unsigned delays[] = { 1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300 };
        usec_t now = 2 * USEC_PER_SEC;
        Settle s;

        start(&s, consistent(SET_A), 0, 0);
        reload_after_event(&s, USEC_PER_SEC, SET_B);

        for (size_t i = 0; i < ELEMENTSOF(delays); i++) {
                usec_t d = delays[i] * USEC_PER_SEC;

                settle_dt_generation(&s, 1, now);
                settle_reload_finished(&s, false, now);
                assert_int_equal(s.state, SETTLE_BACKOFF);
                assert_int_equal(s.loaded_id, 0);
                expect_wait(&s, now, now + d, false);
                expect_wait(&s, now + d - 1, now + d, false);
                expect_reload(&s, now + d, SETTLE_REASON_RETRY);
                now += d + 3 * USEC_PER_SEC;
        }
        assert_int_equal(s.counters.n_failures, ELEMENTSOF(delays));
        assert_int_equal(s.counters.n_reloads, ELEMENTSOF(delays) + 1);

        settle_reload_finished(&s, true, now);
        assert_int_equal(s.state, SETTLE_IDLE);
        assert_int_equal(s.retry_delay, 0);
        assert_int_equal(s.loaded_id, SET_B);

        /* Success reset the back-off. */
        reload_after_event(&s, now + USEC_PER_SEC, SET_C);
        now += 2 * USEC_PER_SEC;
        settle_reload_finished(&s, false, now);
        expect_wait(&s, now, now + USEC_PER_SEC, false);
}

static void fail_twice(Settle *s, usec_t *now) {
        settle_reload_finished(s, false, *now);
        expect_reload(s, *now + USEC_PER_SEC, SETTLE_REASON_RETRY);
        *now += 2 * USEC_PER_SEC;
        settle_reload_finished(s, false, *now);
        expect_wait(s, *now, *now + 2 * USEC_PER_SEC, false);
}

static void test_backoff_reset_by_event(void **state) {
        usec_t now = 2 * USEC_PER_SEC;
        Settle s;

        start(&s, consistent(SET_A), 0, 0);
        reload_after_event(&s, USEC_PER_SEC, SET_B);
        fail_twice(&s, &now);

        now += USEC_PER_SEC;
        settle_event(&s, now);
        assert_int_equal(s.state, SETTLE_PENDING);
        assert_int_equal(s.counters.n_requests, 2);
        expect_polls_until(&s, now, now + QUIET, 1);
        now += QUIET;
        expect_evaluate(&s, now, consistent(SET_B));
        /* Loaded is unknown after a failure: the same set is reloaded. */
        expect_reload(&s, now, SETTLE_REASON_SETTLED);
        now += USEC_PER_SEC;
        settle_reload_finished(&s, false, now);
        expect_wait(&s, now, now + USEC_PER_SEC, false);
}

static void test_backoff_reset_by_dt_change(void **state) {
        usec_t now = 2 * USEC_PER_SEC;
        Settle s;

        start(&s, consistent(SET_A), 0, 0);
        reload_after_event(&s, USEC_PER_SEC, SET_B);
        fail_twice(&s, &now);

        /* Unchanged: the back-off goes on. */
        settle_dt_generation(&s, 1, now + 1);
        assert_int_equal(s.state, SETTLE_BACKOFF);
        settle_dt_generation(&s, 2, now + 1);
        assert_int_equal(s.state, SETTLE_PENDING);
        assert_int_equal(s.dt_changed_at, now + 1);
        /* A DT replacement began the request: it ends dt_grace later. */
        expect_polls_until(&s, now + 1, now + 1 + DT_GRACE, 2);
        expect_evaluate(&s, now + 1 + DT_GRACE, consistent(SET_C));
        expect_reload(&s, now + 1 + DT_GRACE, SETTLE_REASON_SETTLED);
        now += 2 * USEC_PER_SEC;
        settle_reload_finished(&s, false, now);
        expect_wait(&s, now, now + USEC_PER_SEC, false);
}

static void test_dirty_failure_starts_fresh_request(void **state) {
        usec_t now = 2 * USEC_PER_SEC;
        Settle s;

        start(&s, consistent(SET_A), 0, 0);
        reload_after_event(&s, USEC_PER_SEC, SET_B);
        fail_twice(&s, &now);
        expect_reload(&s, now + 2 * USEC_PER_SEC, SETTLE_REASON_RETRY);
        now += 2 * USEC_PER_SEC + 10 * USEC_PER_MSEC;
        settle_event(&s, now);
        now += USEC_PER_SEC;
        settle_reload_finished(&s, false, now);
        assert_int_equal(s.state, SETTLE_PENDING);
        expect_evaluate(&s, now, consistent(SET_B));
        expect_reload(&s, now, SETTLE_REASON_SETTLED);
        now += USEC_PER_SEC;
        settle_reload_finished(&s, false, now);
        /* Back-off starts over rather than going on at 4s. */
        expect_wait(&s, now, now + USEC_PER_SEC, false);
}

static void test_request_with_unchanged_set(void **state) {
        const usec_t t = 5 * USEC_PER_SEC;
        Settle s;

        start(&s, consistent(SET_A), 0, 0);
        settle_request(&s, t);
        assert_int_equal(s.state, SETTLE_PENDING);
        assert_int_equal(s.counters.n_events, 0);
        expect_polls_until(&s, t, t + QUIET, 1);
        expect_evaluate(&s, t + QUIET, consistent(SET_A));
        expect_reload(&s, t + QUIET, SETTLE_REASON_REQUESTED);
        settle_reload_finished(&s, true, t + USEC_PER_SEC);
        assert_int_equal(s.state, SETTLE_IDLE);
        assert_int_equal(s.loaded_id, SET_A);
        assert_int_equal(s.counters.n_skipped, 0);

        /* The request was served: the next event with the same set skips again. */
        settle_event(&s, t + 2 * USEC_PER_SEC);
        expect_evaluate(&s, t + 2 * USEC_PER_SEC + QUIET, consistent(SET_A));
        assert_int_equal(settle_next(&s, t + 2 * USEC_PER_SEC + QUIET).kind, SETTLE_SKIP);
}

static void test_request_waits_for_consistency(void **state) {
        Settle s;

        start(&s, consistent(SET_A), 0, 0);
        settle_request(&s, 0);
        expect_evaluate(&s, QUIET, inconsistent(SET_B));
        expect_wait(&s, QUIET, QUIET + POLL, true);
        settle_dt_generation(&s, 2, QUIET + POLL);
        expect_evaluate(&s, QUIET + POLL, consistent(SET_B));
        expect_reload(&s, QUIET + POLL, SETTLE_REASON_REQUESTED);
}

static void test_request_joins_burst(void **state) {
        Settle s;
        usec_t t;
        unsigned reloads = 0, evaluations = 0;

        start(&s, consistent(SET_A), 0, 0);
        for (t = USEC_PER_SEC; t < USEC_PER_SEC + 100 * USEC_PER_MSEC; t += USEC_PER_MSEC) {
                SettleAction a;

                settle_event(&s, t);
                if (t == USEC_PER_SEC + 40 * USEC_PER_MSEC)
                        settle_request(&s, t);
                /* Only DT polls during the burst. */
                a = settle_next(&s, t);
                assert_int_equal(a.kind, SETTLE_WAIT);
                assert_true(a.poll_dt);
                assert_true(a.wake_at > t && a.wake_at <= t + POLL);
                settle_dt_generation(&s, 1, t);
        }
        t -= USEC_PER_MSEC;
        assert_int_equal(s.counters.n_requests, 1);

        for (usec_t now = t + USEC_PER_MSEC; now < t + 10 * USEC_PER_SEC; now += USEC_PER_MSEC) {
                SettleAction a = settle_next(&s, now);
                if (a.kind == SETTLE_EVALUATE) {
                        SettleVerdict v = consistent(SET_A);
                        settle_model(&s, &v);
                        if (++evaluations > 1)
                                fail_msg("evaluated again at %llu without any input", (unsigned long long) now);
                        now -= USEC_PER_MSEC; /* answer at the same time */
                } else if (a.kind == SETTLE_RELOAD) {
                        assert_int_equal(a.reason, SETTLE_REASON_REQUESTED);
                        assert_int_equal(now, t + QUIET);
                        reloads++;
                } else
                        assert_true(a.wake_at > now);
        }
        assert_int_equal(reloads, 1);
        assert_int_equal(evaluations, 1);
}

static void test_request_during_reload(void **state) {
        Settle s;

        start(&s, consistent(SET_A), 0, 0);
        reload_after_event(&s, USEC_PER_SEC, SET_B);
        settle_request(&s, USEC_PER_SEC + 100 * USEC_PER_MSEC);
        settle_request(&s, USEC_PER_SEC + 200 * USEC_PER_MSEC);
        expect_wait(&s, USEC_PER_SEC + 200 * USEC_PER_MSEC, USEC_INFINITY, false);
        settle_reload_finished(&s, true, 2 * USEC_PER_SEC);
        assert_int_equal(s.state, SETTLE_PENDING);
        expect_evaluate(&s, 2 * USEC_PER_SEC, consistent(SET_B));
        expect_reload(&s, 2 * USEC_PER_SEC, SETTLE_REASON_REQUESTED);
        settle_reload_finished(&s, true, 3 * USEC_PER_SEC);
        assert_int_equal(s.state, SETTLE_IDLE);
        assert_int_equal(s.counters.n_reloads, 2);
        expect_wait(&s, 3 * USEC_PER_SEC, USEC_INFINITY, false);
}

static void test_dt_poll_interval(void **state) {
        SettleConfig c = SETTLE_CONFIG_DEFAULT;
        SettleVerdict v = consistent(SET_A);
        const usec_t q = 20 * USEC_PER_MSEC, p = 7 * USEC_PER_MSEC;
        usec_t now;
        Settle s;

        c.quiet = q;
        c.poll_interval = p;
        settle_init(&s, &c);
        settle_start(&s, &v, 1, 0, 0);

        settle_event(&s, 0);
        /* The quiet period is polled too (a DT replacement may end it early), on the same schedule. */
        expect_wait(&s, 0, p, true);
        expect_wait(&s, 0, p, true);
        /* A wake-up for some other reason keeps the schedule. */
        expect_wait(&s, p / 2, p, true);
        settle_dt_generation(&s, 1, p);
        expect_wait(&s, p, 2 * p, true);
        settle_dt_generation(&s, 1, 2 * p);
        /* The quiet period ends before the next poll: wake at its end. */
        expect_wait(&s, 2 * p, q, true);
        expect_wait(&s, q - 1, q, true);
        expect_evaluate(&s, q, inconsistent(SET_B));
        /* The schedule begun in the quiet period goes on. */
        expect_wait(&s, q, 3 * p, true);
        now = 3 * p;
        settle_dt_generation(&s, 1, now);
        for (int i = 0; i < 20; i++) {
                expect_wait(&s, now, now + p, true);
                expect_wait(&s, now, now + p, true);
                now += p;
                settle_dt_generation(&s, 1, now);
        }
        /* A wake-up for some other reason keeps the schedule. */
        expect_wait(&s, now, now + p, true);
        expect_wait(&s, now + 2 * USEC_PER_MSEC, now + p, true);
        assert_int_equal(s.counters.n_reloads, 0);
        assert_int_equal(s.state, SETTLE_PENDING);
}

static void test_start_consistent(void **state) {
        Settle s;

        start(&s, consistent(SET_A), 0, 0);
        assert_int_equal(s.state, SETTLE_IDLE);
        assert_int_equal(s.loaded_id, SET_A);
        assert_int_equal(s.counters.n_requests, 0);
        expect_wait(&s, 0, USEC_INFINITY, false);

        /* The same set remembered: still nothing owed. */
        start(&s, consistent(SET_A), SET_A, 0);
        assert_int_equal(s.state, SETTLE_IDLE);
        assert_int_equal(s.loaded_id, SET_A);
        expect_wait(&s, 0, USEC_INFINITY, false);

        /* What is loaded is not known (a change since boot nobody saw, issue 11.1): a consistent
         * DT is reloaded all the same. */
        SettleConfig c = SETTLE_CONFIG_DEFAULT;
        SettleVerdict v = consistent(SET_A);
        settle_init(&s, &c);
        settle_start(&s, &v, 1, 0, 0);
        assert_int_equal(s.state, SETTLE_PENDING);
        expect_polls_until(&s, 0, QUIET, 1);
        expect_reload(&s, QUIET, SETTLE_REASON_SETTLED);
        settle_reload_finished(&s, true, USEC_PER_SEC);
        assert_int_equal(s.loaded_id, SET_A);
}

static void test_start_inconsistent(void **state) {
        const usec_t t = 3 * USEC_PER_SEC;
        Settle s;

        start(&s, inconsistent(SET_A), 0, t);
        assert_int_equal(s.state, SETTLE_PENDING);
        assert_int_equal(s.counters.n_requests, 1);
        assert_int_equal(s.request_start, t);
        expect_polls_until(&s, t, t + QUIET, 1);
        /* The start-up verdict is fresh: no evaluation, straight to polling. */
        expect_wait(&s, t + QUIET, t + QUIET + POLL, true);
        settle_dt_generation(&s, 2, t + QUIET + POLL);
        expect_evaluate(&s, t + QUIET + POLL, consistent(SET_A));
        /* What was loaded at boot is unknown: reload. */
        expect_reload(&s, t + QUIET + POLL, SETTLE_REASON_SETTLED);

        /* The DT replaced within the start-up quiet period: dt_grace after it. */
        start(&s, inconsistent(SET_A), 0, t);
        expect_polls_until(&s, t, t + POLL, 1);
        settle_dt_generation(&s, 2, t + POLL);
        expect_polls_until(&s, t + POLL, t + POLL + DT_GRACE, 2);
        expect_evaluate(&s, t + POLL + DT_GRACE, consistent(SET_A));
        expect_reload(&s, t + POLL + DT_GRACE, SETTLE_REASON_SETTLED);

        start(&s, invalid(), 0, t);
        assert_int_equal(s.state, SETTLE_PENDING);
        expect_wait(&s, t + MAX_WAIT - 1, t + MAX_WAIT, true);
        expect_reload(&s, t + MAX_WAIT, SETTLE_REASON_TIMEOUT);
}

static void test_start_remembered_different(void **state) {
        Settle s;

        start(&s, consistent(SET_A), SET_B, 0);
        assert_int_equal(s.state, SETTLE_PENDING);
        assert_int_equal(s.loaded_id, SET_B);
        expect_polls_until(&s, 0, QUIET, 1);
        expect_reload(&s, QUIET, SETTLE_REASON_SETTLED);
        settle_reload_finished(&s, true, USEC_PER_SEC);
        assert_int_equal(s.loaded_id, SET_A);
        assert_int_equal(s.state, SETTLE_IDLE);
}

static void test_next_is_idempotent(void **state) {
        Settle s;
        usec_t now = 2 * USEC_PER_SEC;

        start(&s, consistent(SET_A), 0, 0);
        settle_event(&s, USEC_PER_SEC);
        for (int i = 0; i < 3; i++)
                expect_wait(&s, USEC_PER_SEC + 1, USEC_PER_SEC + 1 + POLL, true);
        /* Past the poll: the next one, at most the end of the quiet period. */
        for (int i = 0; i < 3; i++)
                expect_wait(&s, USEC_PER_SEC + QUIET - 1, USEC_PER_SEC + QUIET, true);
        expect_evaluate(&s, USEC_PER_SEC + QUIET, inconsistent(SET_B));
        for (int i = 0; i < 3; i++)
                expect_wait(&s, USEC_PER_SEC + QUIET, USEC_PER_SEC + QUIET - 1 + POLL, true);
        settle_dt_generation(&s, 2, USEC_PER_SEC + QUIET + 1);
        expect_evaluate(&s, USEC_PER_SEC + QUIET + 1, consistent(SET_B));
        expect_reload(&s, USEC_PER_SEC + QUIET + 1, SETTLE_REASON_SETTLED);
        for (int i = 0; i < 3; i++)
                expect_wait(&s, USEC_PER_SEC + QUIET + 1, USEC_INFINITY, false);
        settle_reload_finished(&s, false, now);
        for (int i = 0; i < 3; i++)
                expect_wait(&s, now, now + USEC_PER_SEC, false);
        assert_int_equal(s.counters.n_reloads, 1);
}

static void test_evaluate_once_per_change(void **state) {
        Settle s;
        const usec_t t = USEC_PER_SEC + QUIET;

        start(&s, consistent(SET_A), 0, 0);
        settle_event(&s, USEC_PER_SEC);
        expect_evaluate(&s, t, inconsistent(SET_B));
        /* No input since the verdict: polls, not evaluations, however often it is asked. */
        for (usec_t now = t; now < t + USEC_PER_SEC; now += USEC_PER_MSEC) {
                SettleAction a = settle_next(&s, now);
                assert_int_equal(a.kind, SETTLE_WAIT);
                settle_dt_generation(&s, 1, now);
        }
        /* A changed generation once quiet: evaluated at once. */
        settle_dt_generation(&s, 3, t + USEC_PER_SEC);
        expect_evaluate(&s, t + USEC_PER_SEC, inconsistent(SET_B));
        expect_wait(&s, t + USEC_PER_SEC, t + USEC_PER_SEC + POLL, true);
        assert_int_equal(s.state, SETTLE_PENDING);
}

/* (a) The DT replaced a few ms after the last event ends the burst dt_grace after it. */
static void test_dt_change_ends_quiet_early(void **state) {
        const usec_t t = 5 * USEC_PER_SEC, last = t + 2 * USEC_PER_MSEC, seen = last + 3 * USEC_PER_MSEC;
        Settle s;

        start(&s, consistent(SET_A), 0, 0);
        settle_event(&s, t);
        expect_wait(&s, t, t + POLL, true);
        settle_event(&s, t + USEC_PER_MSEC);
        expect_wait(&s, t + USEC_PER_MSEC, t + POLL, true);
        settle_event(&s, last);
        /* The first poll comes 3ms after the last event and finds the DT replaced. */
        expect_polls_until(&s, last, seen, 1);
        settle_dt_generation(&s, 2, seen);
        assert_int_equal(s.dt_changed_at, seen);
        expect_polls_until(&s, seen, seen + DT_GRACE, 2);
        assert_true(seen + DT_GRACE < last + QUIET);
        expect_evaluate(&s, seen + DT_GRACE, consistent(SET_B));
        expect_reload(&s, seen + DT_GRACE, SETTLE_REASON_SETTLED);
        settle_reload_finished(&s, true, seen + USEC_PER_SEC);
        assert_int_equal(s.state, SETTLE_IDLE);
        assert_int_equal(s.loaded_id, SET_B);
        assert_int_equal(s.counters.n_reloads, 1);

        /* Negative control: the same burst without a DT replacement waits the full quiet period. */
        start(&s, consistent(SET_A), 0, 0);
        settle_event(&s, t);
        expect_wait(&s, t, t + POLL, true);
        settle_event(&s, t + USEC_PER_MSEC);
        expect_wait(&s, t + USEC_PER_MSEC, t + POLL, true);
        settle_event(&s, last);
        expect_polls_until(&s, last, seen + DT_GRACE, 1);
        expect_polls_until(&s, seen + DT_GRACE, last + QUIET, 1);
        assert_int_equal(s.dt_changed_at, 0);
        expect_evaluate(&s, last + QUIET, consistent(SET_B));
        expect_reload(&s, last + QUIET, SETTLE_REASON_SETTLED);
}

#define HOLD (100 * USEC_PER_MSEC)

/* One drmgr command, two kernel requests: events and a DT replacement each, its lock held from
 * before the first to after the last. Nothing reloads while held, though the DT agrees after each;
 * one reload after the release, noticed at the next probe. */
static void test_hold_gives_one_reload(void **state) {
        const usec_t t = 5 * USEC_PER_SEC, t2 = t + 300 * USEC_PER_MSEC, release = t2 + 150 * USEC_PER_MSEC;
        usec_t now;
        Settle s;

        start(&s, consistent(SET_A), 0, 0);
        assert_false(settle_hold_due(&s, t));
        settle_event(&s, t);
        assert_false(settle_hold_due(&s, t));  /* the burst is not over */
        settle_dt_generation(&s, 2, t + POLL);
        expect_polls_until(&s, t + POLL, t + POLL + DT_GRACE, 2);
        now = t + POLL + DT_GRACE;
        /* The burst is over: probe before anything else, even before evaluating. */
        assert_true(settle_hold_due(&s, now));
        settle_external_hold(&s, true, now);
        assert_false(settle_hold_due(&s, now));
        expect_wait(&s, now, now + HOLD, true);
        assert_int_equal(settle_phase(&s, now), SETTLE_PHASE_WAITING_HOLD);
        assert_int_equal(settle_state(&s), SETTLE_PENDING);
        /* Re-probed at its time, still held. */
        now += HOLD;
        assert_true(settle_hold_due(&s, now));
        settle_external_hold(&s, true, now);
        expect_wait(&s, now, now + HOLD, true);

        /* drmgr's second request: collecting again, then waiting for the hold again. */
        settle_event(&s, t2);
        assert_int_equal(settle_phase(&s, t2), SETTLE_PHASE_COLLECTING);
        settle_dt_generation(&s, 3, t2 + POLL);
        expect_polls_until(&s, t2 + POLL, t2 + POLL + DT_GRACE, 3);
        now = t2 + POLL + DT_GRACE;
        assert_true(settle_hold_due(&s, now));
        settle_external_hold(&s, true, now);
        expect_wait(&s, now, now + HOLD, true);
        now += HOLD;
        settle_external_hold(&s, true, now);
        expect_wait(&s, now, now + HOLD, true);
        assert_int_equal(s.counters.n_reloads, 0);

        /* Released: the next probe finds it free, and the request ends with one reload. */
        now += HOLD;
        assert_true(now > release);
        assert_true(settle_hold_due(&s, now));
        settle_external_hold(&s, false, now);
        assert_false(settle_hold_due(&s, now));
        expect_evaluate(&s, now, consistent(SET_C));
        expect_reload(&s, now, SETTLE_REASON_SETTLED);
        settle_reload_finished(&s, true, now + USEC_PER_SEC);
        assert_int_equal(s.state, SETTLE_IDLE);
        assert_int_equal(s.loaded_id, SET_C);
        assert_int_equal(s.counters.n_reloads, 1);
        assert_false(settle_hold_due(&s, now + USEC_PER_SEC));

        /* Negative control: the same two requests, nobody feeding a hold: two reloads. */
        start(&s, consistent(SET_A), 0, 0);
        settle_event(&s, t);
        settle_dt_generation(&s, 2, t + POLL);
        expect_polls_until(&s, t + POLL, t + POLL + DT_GRACE, 2);
        expect_evaluate(&s, t + POLL + DT_GRACE, consistent(SET_B));
        expect_reload(&s, t + POLL + DT_GRACE, SETTLE_REASON_SETTLED);
        settle_reload_finished(&s, true, t + 100 * USEC_PER_MSEC);
        settle_event(&s, t2);
        settle_dt_generation(&s, 3, t2 + POLL);
        expect_polls_until(&s, t2 + POLL, t2 + POLL + DT_GRACE, 3);
        expect_evaluate(&s, t2 + POLL + DT_GRACE, consistent(SET_C));
        expect_reload(&s, t2 + POLL + DT_GRACE, SETTLE_REASON_SETTLED);
        assert_int_equal(s.counters.n_reloads, 2);
}

/* A hung drmgr: max_wait from the last event ends the wait, with its own reason; the hold is not
 * probed past it. */
static void test_hold_max_wait(void **state) {
        const usec_t t = 5 * USEC_PER_SEC, end = t + QUIET;
        usec_t now = end;
        Settle s;

        start(&s, consistent(SET_A), 0, 0);
        settle_event(&s, t);
        expect_polls_until(&s, t, end, 1);
        assert_true(settle_hold_due(&s, end));
        settle_external_hold(&s, true, end);
        while (now + HOLD < t + MAX_WAIT) {
                expect_wait(&s, now, now + HOLD, true);
                now += HOLD;
                assert_true(settle_hold_due(&s, now));
                settle_external_hold(&s, true, now);
                assert_int_equal(settle_phase(&s, now), SETTLE_PHASE_WAITING_HOLD);
        }
        /* The last wait ends at the deadline, not past it. */
        expect_wait(&s, now, t + MAX_WAIT, true);
        now = t + MAX_WAIT;
        assert_false(settle_hold_due(&s, now));
        expect_evaluate(&s, now, consistent(SET_B));
        expect_reload(&s, now, SETTLE_REASON_HOLD_TIMEOUT);
        assert_int_equal(s.counters.n_reloads, 1);
        settle_reload_finished(&s, true, now + USEC_PER_SEC);
        assert_int_equal(s.state, SETTLE_IDLE);

        /* Still held at max_wait, and the DT still disagrees: the DT's timeout, as without a hold. */
        start(&s, consistent(SET_A), 0, 0);
        settle_event(&s, t);
        expect_polls_until(&s, t, end, 1);
        settle_external_hold(&s, true, end);
        for (now = end; now + HOLD < t + MAX_WAIT; now += HOLD)
                settle_external_hold(&s, true, now);
        settle_external_hold(&s, true, now);
        expect_wait(&s, now, t + MAX_WAIT, true);
        expect_evaluate(&s, t + MAX_WAIT, inconsistent(SET_B));
        expect_rescan(&s, t + MAX_WAIT, inconsistent(SET_B));
        expect_reload(&s, t + MAX_WAIT, SETTLE_REASON_TIMEOUT);
}

/* (b) An event after the DT replacement: the burst was not over; full quiet from that event. */
/* Uevents after the DT replacement (udevd passing the request's tail on late) end with a lull of
 * DT_GRACE after the last of them, not with the full quiet period. */
static void test_event_after_dt_change_ends_after_lull(void **state) {
        const usec_t t = 5 * USEC_PER_SEC, late = t + 8 * USEC_PER_MSEC;
        Settle s;

        start(&s, consistent(SET_A), 0, 0);
        settle_event(&s, t);
        expect_polls_until(&s, t, t + POLL, 1);
        settle_dt_generation(&s, 2, t + POLL);
        assert_int_equal(s.dt_changed_at, t + POLL);
        expect_wait(&s, t + POLL, t + 2 * POLL, true);
        settle_event(&s, late);
        /* Not at t + POLL + DT_GRACE (the event came after), nor at late + QUIET. */
        expect_polls_until(&s, late, late + DT_GRACE, 2);
        expect_evaluate(&s, late + DT_GRACE, consistent(SET_B));
        expect_reload(&s, late + DT_GRACE, SETTLE_REASON_SETTLED);

        /* The same for a state event. */
        start(&s, consistent(SET_A), 0, 0);
        settle_event(&s, t);
        expect_polls_until(&s, t, t + POLL, 1);
        settle_dt_generation(&s, 2, t + POLL);
        settle_state_event(&s, t + 6 * USEC_PER_MSEC);
        expect_polls_until(&s, t + 6 * USEC_PER_MSEC, t + 6 * USEC_PER_MSEC + DT_GRACE, 2);
        expect_evaluate(&s, t + 6 * USEC_PER_MSEC + DT_GRACE, consistent(SET_B));
        expect_reload(&s, t + 6 * USEC_PER_MSEC + DT_GRACE, SETTLE_REASON_SETTLED);

        /* If the late events begin another request instead, the DT disagrees: no reload, the wait
         * goes on, and that request's own replacement settles it. */
        start(&s, consistent(SET_A), 0, 0);
        settle_event(&s, t);
        expect_polls_until(&s, t, t + POLL, 1);
        settle_dt_generation(&s, 2, t + POLL);
        settle_event(&s, late);
        expect_polls_until(&s, late, late + DT_GRACE, 2);
        expect_evaluate(&s, late + DT_GRACE, inconsistent(SET_B));
        settle_dt_generation(&s, 3, late + 40 * USEC_PER_MSEC);
        expect_polls_until(&s, late + 40 * USEC_PER_MSEC, late + 40 * USEC_PER_MSEC + DT_GRACE, 3);
        expect_evaluate(&s, late + 40 * USEC_PER_MSEC + DT_GRACE, consistent(SET_C));
        expect_reload(&s, late + 40 * USEC_PER_MSEC + DT_GRACE, SETTLE_REASON_SETTLED);
        assert_int_equal(s.counters.n_reloads, 1);

        /* Negative control: without any DT replacement the same late event waits the full quiet. */
        start(&s, consistent(SET_A), 0, 0);
        settle_event(&s, t);
        settle_event(&s, late);
        expect_polls_until(&s, late, late + QUIET, 1);
        expect_evaluate(&s, late + QUIET, consistent(SET_B));
}

/* The follow-up to a reload made dirty by a DT replacement: the DT change that ended the previous
 * request must not end this one too; dt_grace after the new replacement at the earliest. */
static void test_dt_change_during_reload_follow_up(void **state) {
        const usec_t t = 5 * USEC_PER_SEC, r = t + POLL + DT_GRACE, again = r + 3 * USEC_PER_MSEC;
        usec_t now, evaluated_at = 0;
        Settle s;

        start(&s, consistent(SET_A), 0, 0);
        settle_event(&s, t);
        expect_polls_until(&s, t, t + POLL, 1);
        settle_dt_generation(&s, 2, t + POLL);
        expect_polls_until(&s, t + POLL, r, 2);
        expect_evaluate(&s, r, consistent(SET_B));
        expect_reload(&s, r, SETTLE_REASON_SETTLED);
        settle_dt_generation(&s, 3, again);
        assert_true(s.reload_dirty);
        settle_reload_finished(&s, true, again + USEC_PER_MSEC);
        assert_int_equal(s.state, SETTLE_PENDING);
        for (now = again + USEC_PER_MSEC; now <= t + QUIET; now += 100) {
                SettleAction a = settle_next(&s, now);
                if (a.kind == SETTLE_EVALUATE) {
                        evaluated_at = now;
                        break;
                }
                assert_int_equal(a.kind, SETTLE_WAIT);
                assert_true(a.poll_dt);
        }
        /* Neither at once (the old replacement) nor later than the quiet period. */
        if (evaluated_at < again + DT_GRACE || evaluated_at > t + QUIET)
                fail_msg("evaluated at %llu, DT replaced at %llu", (unsigned long long) evaluated_at,
                         (unsigned long long) again);
        SettleVerdict v = consistent(SET_C);
        settle_model(&s, &v);
        expect_reload(&s, now, SETTLE_REASON_SETTLED);
        settle_reload_finished(&s, true, now + USEC_PER_SEC);
        assert_int_equal(s.loaded_id, SET_C);
        assert_int_equal(s.state, SETTLE_IDLE);
}

/* (c) A long DLPAR: events every 2ms for 10 minutes, the DT stale meanwhile. Never cut into
 * forced reloads; one TIMEOUT reload max_wait after the last event. */
static void test_long_burst_is_not_cut(void **state) {
        const usec_t t0 = 10 * USEC_PER_SEC, t_end = t0 + 10 * USEC_PER_MINUTE, spacing = 2 * USEC_PER_MSEC;
        usec_t now = t0, next_event = t0, wake = USEC_INFINITY, last = 0, evaluated_at = 0;
        unsigned evaluations = 0, events = 0, rescans = 0;
        SettleAction a;
        Settle s;

        start(&s, consistent(SET_A), 0, 0);
        for (;;) {
                usec_t ev = next_event <= t_end ? next_event : USEC_INFINITY;

                now = MIN(ev, wake);
                assert_true(now != USEC_INFINITY);
                if (now == ev) {
                        /* An add, then the online that follows it. */
                        if (events++ % 2 == 0)
                                settle_event(&s, now);
                        else
                                settle_state_event(&s, now);
                        last = now;
                        next_event += spacing;
                } else
                        /* A poll: the DT is not replaced during the burst. */
                        settle_dt_generation(&s, 1, now);

                for (;;) {
                        a = settle_next(&s, now);
                        if (a.kind != SETTLE_EVALUATE)
                                break;
                        SettleVerdict v = inconsistent(SET_A);
                        settle_model(&s, &v);
                        if (a.rescan) {
                                /* The max-wait look with a fresh scan, once. */
                                assert_int_equal(now, last + MAX_WAIT);
                                rescans++;
                                continue;
                        }
                        evaluated_at = now;
                        evaluations++;
                }
                if (a.kind == SETTLE_RELOAD)
                        break;
                assert_int_equal(a.kind, SETTLE_WAIT);
                assert_true(a.poll_dt);
                assert_true(a.wake_at > now);
                wake = a.wake_at;
        }
        assert_int_equal(events, (t_end - t0) / spacing + 1);
        assert_int_equal(last, t_end);
        assert_int_equal(s.counters.n_events, events);
        assert_int_equal(s.counters.n_requests, 1);
        /* Looked at once, when the events stopped; reloaded max_wait after the last one. */
        assert_int_equal(evaluations, 1);
        assert_int_equal(rescans, 1);
        assert_int_equal(evaluated_at, last + QUIET);
        assert_int_equal(a.reason, SETTLE_REASON_TIMEOUT);
        assert_int_equal(now, last + MAX_WAIT);
        assert_int_equal(s.counters.n_reloads, 1);
        assert_int_equal(s.counters.n_timeouts, 1);
        assert_true(now - s.request_start > 10 * USEC_PER_MINUTE);
}

/* (d) Online/offline during a reload: no reason for another; add/remove: exactly one more. */
static void test_state_event_during_reload(void **state) {
        const usec_t r = USEC_PER_SEC + QUIET;
        Settle s;

        start(&s, consistent(SET_A), 0, 0);
        reload_after_event(&s, USEC_PER_SEC, SET_B);
        for (usec_t t = r + USEC_PER_MSEC; t < r + 300 * USEC_PER_MSEC; t += USEC_PER_MSEC) {
                settle_state_event(&s, t);
                expect_wait(&s, t, USEC_INFINITY, false);
        }
        assert_int_equal(s.counters.n_events, 1 + 299);
        assert_false(s.reload_dirty);
        settle_dt_generation(&s, 1, 2 * USEC_PER_SEC);
        settle_reload_finished(&s, true, 2 * USEC_PER_SEC);
        assert_int_equal(s.state, SETTLE_IDLE);
        assert_int_equal(s.loaded_id, SET_B);
        assert_int_equal(s.counters.n_requests, 1);
        expect_wait(&s, 2 * USEC_PER_SEC, USEC_INFINITY, false);
        expect_wait(&s, 10 * USEC_PER_SEC, USEC_INFINITY, false);
        assert_int_equal(s.counters.n_reloads, 1);

        /* Negative control: add/remove events at the same times give exactly one more. */
        start(&s, consistent(SET_A), 0, 0);
        reload_after_event(&s, USEC_PER_SEC, SET_B);
        for (usec_t t = r + USEC_PER_MSEC; t < r + 300 * USEC_PER_MSEC; t += USEC_PER_MSEC) {
                settle_event(&s, t);
                expect_wait(&s, t, USEC_INFINITY, false);
        }
        assert_true(s.reload_dirty);
        settle_dt_generation(&s, 1, 2 * USEC_PER_SEC);
        settle_reload_finished(&s, true, 2 * USEC_PER_SEC);
        assert_int_equal(s.state, SETTLE_PENDING);
        assert_int_equal(s.loaded_id, 0);
        expect_evaluate(&s, 2 * USEC_PER_SEC, consistent(SET_B));
        expect_reload(&s, 2 * USEC_PER_SEC, SETTLE_REASON_SETTLED);
        settle_reload_finished(&s, true, 3 * USEC_PER_SEC);
        assert_int_equal(s.state, SETTLE_IDLE);
        assert_int_equal(s.loaded_id, SET_B);
        expect_wait(&s, 3 * USEC_PER_SEC, USEC_INFINITY, false);
        assert_int_equal(s.counters.n_reloads, 2);
}

/* One add during a reload makes it dirty however many state events come; the follow-up request's
 * quiet period counts from the last of them all. */
static void test_state_event_during_dirty_reload(void **state) {
        const usec_t last = USEC_PER_SEC + 900 * USEC_PER_MSEC;
        Settle s;

        start(&s, consistent(SET_A), 0, 0);
        reload_after_event(&s, USEC_PER_SEC, SET_B);
        settle_state_event(&s, USEC_PER_SEC + 100 * USEC_PER_MSEC);
        settle_event(&s, USEC_PER_SEC + 200 * USEC_PER_MSEC);
        settle_state_event(&s, last);
        settle_reload_finished(&s, true, last + 10 * USEC_PER_MSEC);
        assert_int_equal(s.state, SETTLE_PENDING);
        expect_polls_until(&s, last + 10 * USEC_PER_MSEC, last + QUIET, 1);
        expect_evaluate(&s, last + QUIET, consistent(SET_B));
        expect_reload(&s, last + QUIET, SETTLE_REASON_SETTLED);
        settle_reload_finished(&s, true, last + USEC_PER_SEC);
        assert_int_equal(s.state, SETTLE_IDLE);
        assert_int_equal(s.counters.n_reloads, 2);
}

/* A state event is part of a burst: it begins a request and restarts the quiet period. */
static void test_state_event_joins_burst(void **state) {
        const usec_t t = 5 * USEC_PER_SEC, late = t + 30 * USEC_PER_MSEC;
        Settle s;

        start(&s, consistent(SET_A), 0, 0);
        settle_event(&s, t);
        expect_polls_until(&s, t, late, 1);
        settle_state_event(&s, late);
        assert_int_equal(s.counters.n_events, 2);
        assert_int_equal(s.counters.n_requests, 1);
        expect_polls_until(&s, late, late + QUIET, 1);
        expect_evaluate(&s, late + QUIET, consistent(SET_B));
        expect_reload(&s, late + QUIET, SETTLE_REASON_SETTLED);
        settle_reload_finished(&s, false, late + USEC_PER_SEC);
        assert_int_equal(s.state, SETTLE_BACKOFF);

        /* From back-off, a state event begins a fresh request (and restarts the back-off). */
        settle_state_event(&s, late + 2 * USEC_PER_SEC);
        assert_int_equal(s.state, SETTLE_PENDING);
        assert_int_equal(s.counters.n_requests, 2);
        assert_int_equal(s.retry_delay, 0);
        expect_polls_until(&s, late + 2 * USEC_PER_SEC, late + 2 * USEC_PER_SEC + QUIET, 1);
        expect_evaluate(&s, late + 2 * USEC_PER_SEC + QUIET, consistent(SET_B));
        expect_reload(&s, late + 2 * USEC_PER_SEC + QUIET, SETTLE_REASON_SETTLED);
}

/* (e) An offline then an online of the same block (a rolled-back operation): a request, then SKIP. */
static void test_state_event_rollback_skips(void **state) {
        const usec_t t = 7 * USEC_PER_SEC, last = t + USEC_PER_MSEC;
        SettleAction a;
        Settle s;

        start(&s, consistent(SET_A), 0, 0);
        settle_state_event(&s, t);
        assert_int_equal(s.state, SETTLE_PENDING);
        assert_int_equal(s.counters.n_requests, 1);
        settle_state_event(&s, last);
        assert_int_equal(s.counters.n_events, 2);
        assert_int_equal(s.counters.n_requests, 1);
        expect_polls_until(&s, last, last + QUIET, 1);
        expect_evaluate(&s, last + QUIET, consistent(SET_A));
        a = settle_next(&s, last + QUIET);
        assert_int_equal(a.kind, SETTLE_SKIP);
        assert_int_equal(a.wake_at, USEC_INFINITY);
        assert_int_equal(s.state, SETTLE_IDLE);
        assert_int_equal(s.counters.n_skipped, 1);
        assert_int_equal(s.counters.n_reloads, 0);
        assert_int_equal(s.loaded_id, SET_A);
        expect_wait(&s, last + QUIET, USEC_INFINITY, false);

        /* Negative control: had the set changed after all, it is reloaded. */
        start(&s, consistent(SET_A), 0, 0);
        settle_state_event(&s, t);
        settle_state_event(&s, last);
        expect_polls_until(&s, last, last + QUIET, 1);
        expect_evaluate(&s, last + QUIET, consistent(SET_B));
        expect_reload(&s, last + QUIET, SETTLE_REASON_SETTLED);
        assert_int_equal(s.counters.n_skipped, 0);
}

/* The engine says what it is doing: the burst ends for status exactly when it ends for the engine,
 * with the DT grace too, and the accessors follow the state. */
static void test_phase(void **state) {
        const usec_t t = 5 * USEC_PER_SEC, seen = t + 3 * USEC_PER_MSEC;
        usec_t now;
        Settle s;

        start(&s, consistent(SET_A), 0, 0);
        assert_int_equal(settle_phase(&s, t), SETTLE_PHASE_IDLE);
        assert_false(settle_reload_owed(&s));
        assert_int_equal(settle_retry_at(&s), USEC_INFINITY);

        /* A burst without a DT replacement: collecting for the full quiet period. */
        settle_event(&s, t);
        assert_true(settle_reload_owed(&s));
        assert_int_equal(settle_phase(&s, t), SETTLE_PHASE_COLLECTING);
        assert_int_equal(settle_phase(&s, t + QUIET - 1), SETTLE_PHASE_COLLECTING);
        assert_int_equal(settle_phase(&s, t + QUIET), SETTLE_PHASE_WAITING_DT);

        /* The DT replaced: the burst ends DT_GRACE later, well before the quiet period. */
        settle_dt_generation(&s, 2, seen);
        assert_int_equal(settle_last_generation(&s), 2);
        assert_int_equal(settle_phase(&s, seen + DT_GRACE - 1), SETTLE_PHASE_COLLECTING);
        assert_int_equal(settle_phase(&s, seen + DT_GRACE), SETTLE_PHASE_WAITING_DT);
        assert_true(seen + DT_GRACE < t + QUIET);
        expect_polls_until(&s, seen, seen + DT_GRACE, 2);
        expect_evaluate(&s, seen + DT_GRACE, consistent(SET_B));
        assert_int_equal(settle_verdict(&s)->set_id, SET_B);
        expect_reload(&s, seen + DT_GRACE, SETTLE_REASON_SETTLED);
        assert_int_equal(settle_phase(&s, seen + DT_GRACE), SETTLE_PHASE_RELOADING);
        assert_int_equal(settle_state(&s), SETTLE_RELOADING);

        /* A failure: back-off until the retry. */
        now = seen + USEC_PER_SEC;
        settle_reload_finished(&s, false, now);
        assert_int_equal(settle_phase(&s, now), SETTLE_PHASE_BACKOFF);
        assert_int_equal(settle_retry_at(&s), now + USEC_PER_SEC);
        assert_true(settle_reload_owed(&s));
        expect_reload(&s, now + USEC_PER_SEC, SETTLE_REASON_RETRY);
        settle_reload_finished(&s, true, now + 2 * USEC_PER_SEC);
        assert_int_equal(settle_phase(&s, now + 2 * USEC_PER_SEC), SETTLE_PHASE_IDLE);
        assert_int_equal(settle_loaded_id(&s), SET_B);
        assert_int_equal(settle_counters(&s)->n_reloads, 2);
        assert_int_equal(settle_counters(&s)->n_failures, 1);

        /* Max wait with the DT stale: watching, and no longer owed. */
        now = 100 * USEC_PER_SEC;
        settle_event(&s, now);
        expect_polls_until(&s, now, now + QUIET, 2);
        expect_evaluate(&s, now + QUIET, inconsistent(SET_B));
        assert_int_equal(settle_phase(&s, now + QUIET), SETTLE_PHASE_WAITING_DT);
        expect_rescan(&s, now + MAX_WAIT, inconsistent(SET_B));
        assert_int_equal(settle_next(&s, now + MAX_WAIT).kind, SETTLE_RELOAD);
        settle_reload_finished(&s, true, now + MAX_WAIT + 1);
        assert_int_equal(settle_phase(&s, now + MAX_WAIT + 1), SETTLE_PHASE_WATCHING);
        assert_false(settle_reload_owed(&s));
}

static void test_strings(void **state) {
        assert_string_equal(settle_state_to_string(SETTLE_IDLE), "idle");
        assert_string_equal(settle_state_to_string(SETTLE_WATCHING), "watching");
        for (int i = 0; i < _SETTLE_STATE_MAX; i++)
                assert_non_null(settle_state_to_string(i));
        assert_null(settle_state_to_string(_SETTLE_STATE_MAX));
        assert_null(settle_state_to_string((SettleState) -1));

        assert_string_equal(settle_reason_to_string(SETTLE_REASON_TIMEOUT), "timeout");
        for (int i = 0; i < _SETTLE_REASON_MAX; i++)
                assert_non_null(settle_reason_to_string(i));
        assert_null(settle_reason_to_string(_SETTLE_REASON_MAX));
}

/* The randomized property test: a fake world and a fake daemon that acts on every answer, fed
 * random inputs at random times. The world behaves like pseries DLPAR, one operation at a time:
 * the kernel adds or removes blocks (add/remove uevents, sysfs changes, each maybe followed by an
 * online/offline uevent), and the DT is updated last, without a uevent of its own, after a delay
 * that may be a few ms or exceed max_wait, or it is rolled back. Online/offline uevents also come
 * on their own, at any time, reloads included. */

typedef struct Sim {
        Settle s;
        uint64_t rng;
        usec_t now;

        /* The world. */
        uint64_t sysfs_set, dt_set, dt_gen;
        bool dt_valid;
        bool leaving;            /* an offline made the verdict provisional, until the burst ends */
        usec_t tail_at;          /* the DT update of the running operation, USEC_INFINITY: none */
        uint64_t tail_set;
        bool tail_valid;
        usec_t hold_until;       /* drmgr's lock is held until then (USEC_INFINITY: during its burst) */

        /* The fake daemon. */
        bool reloading, reload_ok, finishing;
        usec_t reload_end;
        uint64_t reload_read;    /* the DT's set when the reload began; it may read it then or at its end */
        uint64_t reload_gen;     /* the generation fed when it began */
        bool reload_stale;       /* add/remove or a request while it ran: state events do not count */
        uint64_t truth;          /* what the crash kernel was really built from */
        usec_t wake_at;
        bool poll_dt;

        uint64_t fed_gen;
        SettleVerdict fed;
        bool input_since_model;  /* anything, requests and state events included */
        bool change_since_model; /* add/remove events and generation changes: what makes a verdict stale */
        uint64_t reloads;
        usec_t last_input;       /* last event, state event or request fed */
        usec_t dt_change;        /* last generation change fed since the last reload began or ended,
                                  * USEC_INFINITY: none */

        struct Coverage *coverage;
} Sim;

/* What the random runs reached, so that a generator that stopped reaching something fails. */
typedef struct Coverage {
        unsigned reasons[_SETTLE_REASON_MAX];
        unsigned states[_SETTLE_STATE_MAX];
        unsigned skips, dirty;
        unsigned holds;            /* hold probes that found it held */
        unsigned early;            /* reloads or skips before last_input + quiet: ended by a DT replacement */
        unsigned state_in_reload;  /* state events fed while a reload ran */
        unsigned long_bursts;      /* bursts longer than max_wait */
        unsigned provisional;      /* reloads or skips on a provisional verdict */
} Coverage;

static uint64_t rnd(Sim *m) {
        /* xorshift64*: reproducible from the seed. */
        m->rng ^= m->rng >> 12;
        m->rng ^= m->rng << 25;
        m->rng ^= m->rng >> 27;
        return m->rng * UINT64_C(2685821657736338717);
}

static uint64_t rnd_range(Sim *m, uint64_t lo, uint64_t hi) {
        return lo + rnd(m) % (hi - lo + 1);
}

static SettleVerdict world_verdict(const Sim *m) {
        return (SettleVerdict) {
                .valid = m->dt_valid,
                .consistent = m->dt_valid && m->dt_set == m->sysfs_set && !m->leaving,
                .provisional = m->dt_valid && m->dt_set == m->sysfs_set && m->leaving,
                .set_id = m->dt_valid ? m->dt_set : 0,
        };
}

/* What a reload reading the DT now would load; an unreadable DT loads something no set matches. */
static uint64_t world_load(const Sim *m) {
        return m->dt_valid ? m->dt_set : UINT64_C(0xbad);
}

static void sim_feed_generation(Sim *m) {
        if (m->dt_gen != m->fed_gen) {
                m->input_since_model = m->change_since_model = true;
                /* One fed while a reload runs only marks it dirty: the follow-up does not count it. */
                m->dt_change = m->reloading ? USEC_INFINITY : m->now;
        }
        m->fed_gen = m->dt_gen;
        settle_dt_generation(&m->s, m->dt_gen, m->now);
}

static void sim_input_at(Sim *m) {
        m->input_since_model = true;
        m->last_input = m->now;
}

/* Add or remove. */
static void sim_event(Sim *m) {
        sim_input_at(m);
        m->change_since_model = true;
        m->reload_stale = m->reload_stale || m->reloading;
        settle_event(&m->s, m->now);
}

/* Online or offline: the set does not change, so the last verdict stays true, but for a core
 * offlined with its node kept (issue 19.8): provisional until the burst ends. */
static void sim_state_event(Sim *m) {
        sim_input_at(m);
        if (!m->reloading && rnd(m) % 3 == 0)
                m->leaving = true;
        m->coverage->state_in_reload += m->reloading;
        settle_state_event(&m->s, m->now);
}

static void sim_request(Sim *m) {
        sim_input_at(m);
        m->reload_stale = m->reload_stale || m->reloading;
        settle_request(&m->s, m->now);
}

/* A request ends no sooner than quiet after the last input or, once a DT replacement was seen in
 * it, dt_grace after the later of that and the last input; on a provisional verdict, only once
 * quiet is over. The burst's offlined marks go with it. */
static void sim_check_settled(Sim *m) {
        if (m->fed.provisional) {
                if (m->now < m->last_input + QUIET)
                        fail_msg("ended at %llu on a provisional verdict, last input %llu",
                                 (unsigned long long) m->now, (unsigned long long) m->last_input);
                m->coverage->provisional++;
        }
        m->leaving = false;
        bool quiet = m->now >= m->last_input + QUIET;
        bool grace = m->dt_change != USEC_INFINITY && m->now >= MAX(m->dt_change, m->last_input) + DT_GRACE;

        if (!quiet && !grace)
                fail_msg("ended at %llu: last input %llu, DT change %llu", (unsigned long long) m->now,
                         (unsigned long long) m->last_input, (unsigned long long) m->dt_change);
        m->coverage->early += !quiet;
}

static void sim_act(Sim *m) {
        for (;;) {
                SettleAction a;

                if (settle_hold_due(&m->s, m->now)) {
                        settle_external_hold(&m->s, m->now < m->hold_until, m->now);
                        m->coverage->holds += m->now < m->hold_until;
                }
                a = settle_next(&m->s, m->now);

                switch (a.kind) {
                case SETTLE_EVALUATE:
                        /* Only when something came since the last look, or at max wait with a
                         * fresh scan (the sim loses no uevents: the scan finds the same). */
                        assert_true(m->input_since_model || a.rescan);
                        m->fed = world_verdict(m);
                        m->input_since_model = m->change_since_model = false;
                        settle_model(&m->s, &m->fed);
                        continue;

                case SETTLE_RELOAD:
                        assert_false(m->reloading);
                        assert_int_equal(m->s.state, SETTLE_RELOADING);
                        /* The hold starts before a burst, so it is never missed: only max_wait ends it. */
                        if (m->now < m->hold_until && m->now < m->last_input + MAX_WAIT)
                                fail_msg("%s reload at %llu while held until %llu",
                                         settle_reason_to_string(a.reason), (unsigned long long) m->now,
                                         (unsigned long long) m->hold_until);
                        if (a.reason == SETTLE_REASON_HOLD_TIMEOUT)
                                assert_true(m->now >= m->last_input + MAX_WAIT && m->now < m->hold_until);
                        if (a.reason == SETTLE_REASON_SETTLED || a.reason == SETTLE_REASON_REQUESTED ||
                            a.reason == SETTLE_REASON_HOLD_TIMEOUT) {
                                assert_true(m->fed.consistent || m->fed.provisional);
                                assert_false(m->change_since_model);
                                sim_check_settled(m);
                        } else if (a.reason == SETTLE_REASON_TIMEOUT) {
                                /* Never while events still come: max_wait after the last one. */
                                if (m->now < m->last_input + MAX_WAIT)
                                        fail_msg("timeout at %llu, last input %llu", (unsigned long long) m->now,
                                                 (unsigned long long) m->last_input);
                        } else
                                assert_int_equal(a.reason, SETTLE_REASON_RETRY);
                        m->coverage->reasons[a.reason]++;
                        m->leaving = false;  /* the burst's end, whatever the reason */
                        m->reloading = true;
                        m->dt_change = USEC_INFINITY;
                        m->reload_read = world_load(m);
                        m->reload_gen = m->fed_gen;
                        m->reload_stale = false;
                        m->reloads++;
                        m->reload_end = m->now + rnd_range(m, USEC_PER_MSEC, 3 * USEC_PER_SEC);
                        m->reload_ok = m->finishing || rnd(m) % 10 < 7;
                        m->wake_at = USEC_INFINITY;
                        m->poll_dt = false;
                        break;

                case SETTLE_SKIP:
                case SETTLE_WAIT: {
                        SettleAction again;

                        if (a.kind == SETTLE_SKIP) {
                                if (m->now < m->hold_until && m->now < m->last_input + MAX_WAIT)
                                        fail_msg("skip at %llu while held", (unsigned long long) m->now);
                                m->coverage->skips++;
                                sim_check_settled(m);
                        }
                        assert_true(a.wake_at > m->now);
                        again = settle_next(&m->s, m->now);
                        assert_int_equal(again.kind, SETTLE_WAIT);
                        assert_int_equal(again.wake_at, a.wake_at);
                        assert_int_equal(again.poll_dt, a.poll_dt);
                        if (m->s.state == SETTLE_IDLE)
                                assert_int_equal(a.wake_at, USEC_INFINITY);
                        m->wake_at = a.wake_at;
                        m->poll_dt = a.poll_dt;
                        break;
                }
                default:
                        fail_msg("unknown action %d", a.kind);
                }
                break;
        }

        assert_int_equal(m->s.state == SETTLE_RELOADING, m->reloading);
        assert_int_equal(m->s.counters.n_reloads, m->reloads);
        m->coverage->states[m->s.state]++;
}

/* The DT updates, reload ends and engine wake-ups up to `until`, in order. */
static void sim_run_until(Sim *m, usec_t until) {
        for (;;) {
                usec_t end = m->reloading ? m->reload_end : USEC_INFINITY;
                usec_t next = MIN(MIN(end, m->wake_at), m->tail_at);

                if (next > until || next == USEC_INFINITY)
                        break;
                m->now = next;
                if (m->tail_at == next) {
                        /* Nobody is told: the engine finds out by polling, or not at all. */
                        m->dt_set = m->tail_set;
                        m->dt_valid = m->tail_valid;
                        m->dt_gen++;
                        m->tail_at = USEC_INFINITY;
                        continue;
                }
                if (end == next) {
                        /* Fed while the reload still runs, as the daemon does before reporting its end. */
                        sim_feed_generation(m);
                        m->reloading = false;
                        m->coverage->dirty += m->s.reload_dirty;
                        if (m->reload_ok)
                                m->truth = rnd(m) % 2 ? m->reload_read : world_load(m);
                        else if (rnd(m) % 2)
                                m->truth = UINT64_C(0xdead); /* unloaded, then failed */
                        settle_reload_finished(&m->s, m->reload_ok, m->now);
                        /* One more request exactly when something other than online/offline came. */
                        assert_int_equal(m->s.state == SETTLE_PENDING,
                                         m->reload_stale || m->fed_gen != m->reload_gen);
                        /* The engine may not know what is loaded, but it never believes a wrong set. */
                        if (m->s.loaded_id != 0 && m->s.loaded_id != m->truth)
                                fail_msg("believes %llx is loaded, but %llx is",
                                         (unsigned long long) m->s.loaded_id, (unsigned long long) m->truth);
                } else if (m->poll_dt)
                        sim_feed_generation(m);
                sim_act(m);
        }
        m->now = until;
}

static usec_t sim_gap(Sim *m) {
        unsigned r = rnd(m) % 100;

        if (r < 60)
                return rnd_range(m, 0, 20 * USEC_PER_MSEC);
        if (r < 85)
                return rnd_range(m, 20 * USEC_PER_MSEC, 200 * USEC_PER_MSEC);
        if (r < 95)
                return rnd_range(m, 200 * USEC_PER_MSEC, 5 * USEC_PER_SEC);
        return rnd_range(m, 5 * USEC_PER_SEC, 60 * USEC_PER_SEC);
}

/* Blocks change one by one: a uevent each, maybe an online/offline after it, at times that may
 * straddle the quiet period; now and then a burst that lasts longer than max_wait. */
static void sim_burst(Sim *m, uint64_t to) {
        unsigned n = rnd_range(m, 1, 100), r = rnd(m) % 40;
        usec_t spacing = r == 0 ? 2 * USEC_PER_SEC : r < 10 ? 30 * USEC_PER_MSEC : 10;
        bool state_events = rnd(m) % 2;
        usec_t begin = m->now;

        m->sysfs_set = to;
        for (unsigned i = 0; i < n; i++) {
                sim_event(m);
                sim_act(m);
                sim_run_until(m, m->now + rnd_range(m, 1, spacing));
                if (state_events) {
                        sim_state_event(m);
                        sim_act(m);
                        sim_run_until(m, m->now + rnd_range(m, 1, spacing));
                }
        }
        m->coverage->long_bursts += m->now - begin > MAX_WAIT;
}

static void sim_input(Sim *m) {
        unsigned r = rnd(m) % 100;

        if (r < 30 && m->tail_at == USEC_INFINITY) {
                uint64_t from = m->sysfs_set;
                bool drmgr = rnd(m) % 4 == 0;

                /* drmgr takes its lock before its first request, and releases it after the last. */
                if (drmgr)
                        m->hold_until = USEC_INFINITY;
                sim_burst(m, rnd_range(m, 1, 4));
                if (drmgr)
                        m->hold_until = m->now + (rnd(m) % 8 == 0 ? rnd_range(m, 25 * USEC_PER_SEC, 45 * USEC_PER_SEC) :
                                                  rnd_range(m, 0, 2 * USEC_PER_SEC));
                if (rnd(m) % 6 == 0) {
                        /* Failed and rolled back: the DT is left alone. */
                        sim_run_until(m, m->now + rnd_range(m, 0, 100 * USEC_PER_MSEC));
                        sim_burst(m, from);
                } else {
                        unsigned d = rnd(m) % 10;
                        m->tail_at = m->now + (d < 6 ? rnd_range(m, 0, 100 * USEC_PER_MSEC) :
                                               d < 9 ? rnd_range(m, 0, 10 * USEC_PER_SEC) :
                                                       rnd_range(m, 25 * USEC_PER_SEC, 45 * USEC_PER_SEC));
                        m->tail_set = m->sysfs_set;
                        m->tail_valid = rnd(m) % 15 != 0;
                }
                return;
        }

        if (r < 50)
                /* Online/offline on its own: no change of set. */
                sim_state_event(m);
        else if (r < 60)
                sim_request(m);
        else if (r < 80)
                /* A DT poll the engine did not ask for. */
                sim_feed_generation(m);
        /* else: a wake-up for another reason. */
        sim_act(m);
}

static void sim_one(uint64_t seed, unsigned steps, Coverage *coverage) {
        Sim m = {
                .rng = seed * UINT64_C(0x9e3779b97f4a7c15) + 1,
                .tail_at = USEC_INFINITY,
                .dt_change = USEC_INFINITY,
                .coverage = coverage,
        };
        SettleConfig c = SETTLE_CONFIG_DEFAULT;
        SettleVerdict v;
        uint64_t loaded, before;
        usec_t t_end;

        m.now = USEC_PER_SEC;
        m.sysfs_set = m.dt_set = rnd_range(&m, 1, 4);
        m.dt_valid = true;
        m.dt_gen = m.fed_gen = 1;
        if (rnd(&m) % 3 == 0) {
                /* Started in the middle of an operation. */
                m.sysfs_set = m.tail_set = rnd_range(&m, 1, 4);
                m.tail_valid = true;
                m.tail_at = m.now + rnd_range(&m, 0, 40 * USEC_PER_SEC);
        }
        /* What was loaded at boot: the DT then, unless remembered otherwise. */
        loaded = rnd(&m) % 3 == 0 ? rnd_range(&m, 1, 4) : 0;
        m.truth = loaded ? loaded : m.dt_set;

        settle_init(&m.s, &c);
        v = m.fed = world_verdict(&m);
        settle_start(&m.s, &v, m.dt_gen, m.truth, m.now);
        sim_act(&m);

        for (unsigned i = 0; i < steps; i++) {
                sim_run_until(&m, m.now + sim_gap(&m));
                sim_input(&m);
        }

        /* Inputs stop; the last DT update lands (a good one, if it comes now) and reloads succeed. */
        m.finishing = true;
        if (m.tail_at == USEC_INFINITY && (!m.dt_valid || m.dt_set != m.sysfs_set))
                m.tail_at = m.now + rnd_range(&m, 0, 40 * USEC_PER_SEC);
        m.tail_set = m.sysfs_set;
        m.tail_valid = true;
        if (m.tail_at != USEC_INFINITY)
                sim_run_until(&m, m.tail_at);
        assert_true(m.dt_valid && m.dt_set == m.sysfs_set);

        t_end = m.now;
        before = m.reloads;
        while (m.s.state != SETTLE_IDLE || m.reloading) {
                usec_t next = MIN(m.wake_at, m.reloading ? m.reload_end : USEC_INFINITY);
                if (next == USEC_INFINITY || next > t_end + 15 * USEC_PER_MINUTE)
                        fail_msg("seed %llu: stuck in %s at %llu", (unsigned long long) seed,
                                 settle_state_to_string(m.s.state), (unsigned long long) m.now);
                sim_run_until(&m, next);
        }
        /* Nothing lost: what is loaded is what the DT and sysfs agree on. */
        if (m.s.loaded_id != m.dt_set || m.truth != m.dt_set)
                fail_msg("seed %llu: loaded %llx (really %llx), final set %llx", (unsigned long long) seed,
                         (unsigned long long) m.s.loaded_id, (unsigned long long) m.truth,
                         (unsigned long long) m.dt_set);
        assert_true(m.reloads - before <= 3);
        assert_int_equal(m.wake_at, USEC_INFINITY);
}

static void test_random_interleavings(void **state) {
        Coverage coverage = {};

        for (uint64_t seed = 1; seed <= 40; seed++)
                sim_one(seed, 2000, &coverage);

        for (int r = SETTLE_REASON_SETTLED; r < _SETTLE_REASON_MAX; r++)
                assert_true(coverage.reasons[r] > 0);
        for (int st = 0; st < _SETTLE_STATE_MAX; st++)
                assert_true(coverage.states[st] > 0);
        assert_true(coverage.skips > 0);
        assert_true(coverage.dirty > 0);
        assert_true(coverage.early > 0);
        assert_true(coverage.state_in_reload > 0);
        assert_true(coverage.long_bursts > 0);
        assert_true(coverage.holds > 0);
        assert_true(coverage.provisional > 0);
        print_message("# reasons settled %u requested %u timeout %u retry %u hold-timeout %u; skips %u; "
                      "dirty %u; early %u; state events in reloads %u; long bursts %u; held probes %u; provisional %u\n",
                      coverage.reasons[SETTLE_REASON_SETTLED], coverage.reasons[SETTLE_REASON_REQUESTED],
                      coverage.reasons[SETTLE_REASON_TIMEOUT], coverage.reasons[SETTLE_REASON_RETRY],
                      coverage.reasons[SETTLE_REASON_HOLD_TIMEOUT], coverage.skips, coverage.dirty,
                      coverage.early, coverage.state_in_reload, coverage.long_bursts, coverage.holds,
                      coverage.provisional);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_idle_has_no_timer),
                cmocka_unit_test(test_burst_reloads_once),
                cmocka_unit_test(test_events_during_reload_give_one_more),
                cmocka_unit_test(test_quiet_counts_from_last_event_during_reload),
                cmocka_unit_test(test_clean_reload_is_not_repeated),
                cmocka_unit_test(test_dt_change_during_reload_gives_one_more),
                cmocka_unit_test(test_verdict_newer_than_poll),
                cmocka_unit_test(test_rollback_skips),
                cmocka_unit_test(test_timeout_then_watch),
                cmocka_unit_test(test_watching_ends_without_dt_update),
                cmocka_unit_test(test_provisional),
                cmocka_unit_test(test_timeout_invalid_dt),
                cmocka_unit_test(test_timeout_with_loaded_set_still_reloads),
                cmocka_unit_test(test_max_wait_rescan),
                cmocka_unit_test(test_backoff_schedule),
                cmocka_unit_test(test_backoff_reset_by_event),
                cmocka_unit_test(test_backoff_reset_by_dt_change),
                cmocka_unit_test(test_dirty_failure_starts_fresh_request),
                cmocka_unit_test(test_request_with_unchanged_set),
                cmocka_unit_test(test_request_waits_for_consistency),
                cmocka_unit_test(test_request_joins_burst),
                cmocka_unit_test(test_request_during_reload),
                cmocka_unit_test(test_dt_poll_interval),
                cmocka_unit_test(test_start_consistent),
                cmocka_unit_test(test_start_inconsistent),
                cmocka_unit_test(test_start_remembered_different),
                cmocka_unit_test(test_next_is_idempotent),
                cmocka_unit_test(test_evaluate_once_per_change),
                cmocka_unit_test(test_dt_change_ends_quiet_early),
                cmocka_unit_test(test_event_after_dt_change_ends_after_lull),
                cmocka_unit_test(test_dt_change_during_reload_follow_up),
                cmocka_unit_test(test_long_burst_is_not_cut),
                cmocka_unit_test(test_state_event_during_reload),
                cmocka_unit_test(test_state_event_during_dirty_reload),
                cmocka_unit_test(test_state_event_joins_burst),
                cmocka_unit_test(test_state_event_rollback_skips),
                cmocka_unit_test(test_phase),
                cmocka_unit_test(test_hold_gives_one_reload),
                cmocka_unit_test(test_hold_max_wait),
                cmocka_unit_test(test_strings),
                cmocka_unit_test(test_random_interleavings),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
