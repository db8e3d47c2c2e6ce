/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <errno.h>
#include <stddef.h>

#include "macro.h"
#include "settle.h"
#include "string-table.h"

static void check_config(const SettleConfig *config) {
        assert(config);
        /* A zero interval would make a wake-up that is already due: the caller would spin. */
        assert(config->poll_interval > 0);
        assert(config->watch_interval > 0);
        assert(config->retry_initial > 0);
        assert(config->retry_max > 0);
        assert(config->hold_interval > 0);
}

void settle_init(Settle *s, const SettleConfig *config) {
        assert(s);
        check_config(config);

        *s = (Settle) {
                .config = *config,
                .state = SETTLE_IDLE,
                .loaded_id = SET_ID_UNKNOWN,
        };
}

void settle_set_config(Settle *s, const SettleConfig *config) {
        assert(s);
        check_config(config);

        s->config = *config;
}

/* Whether what the DT describes now is what the loaded crash kernel was built from. */
static bool loaded_matches(const Settle *s) {
        return s->loaded_id != SET_ID_UNKNOWN &&
                s->verdict.valid &&
                s->verdict.set_id == s->loaded_id;
}

/* The caller sets last_event: quiet is counted from the last input, which may precede this. */
static void begin_request(Settle *s, usec_t now) {
        s->state = SETTLE_PENDING;
        s->request_start = now;
        s->dt_changed_at = 0;
        s->hold_fresh = false;
        s->rescanned = false;
        /* The state changed: a later failure backs off from the start again. */
        s->retry_delay = 0;
        s->counters.n_requests++;
}

static void enter_watching(Settle *s, usec_t now) {
        s->state = SETTLE_WATCHING;
        s->watch_at = usec_add(now, s->config.watch_interval);
        s->recheck_delay = s->config.watch_interval;
        s->recheck_at = s->watch_at;
}

static void check_verdict(const SettleVerdict *v) {
        assert(v);
        assert(!v->consistent || v->valid);
        assert(!v->provisional || (v->valid && !v->consistent));
}

/* A provisional disagreement that nothing resolved within the quiet period after the last event
 * is none: what it waited for (a DLPAR remove detaching the node) would have come by then. */
static void accept_provisional(Settle *s, usec_t now) {
        if (!s->verdict.provisional || now < usec_add(s->last_event, s->config.quiet))
                return;
        s->verdict.provisional = false;
        s->verdict.consistent = true;
}

void settle_start(Settle *s, const SettleVerdict *v, uint64_t dt_generation, uint64_t loaded_id, usec_t now) {
        assert(s);
        check_verdict(v);
        assert(s->state == SETTLE_IDLE);

        s->verdict = *v;
        s->verdict_stale = false;
        s->evaluating = false;
        s->dt_generation = dt_generation;
        s->requested = false;

        if (v->consistent && loaded_id == v->set_id) {
                s->loaded_id = v->set_id;
                return;
        }

        /* Inconsistent, or what is loaded differs or is not known: a reload is owed. */
        s->loaded_id = loaded_id;
        s->last_event = now;
        begin_request(s, now);
}

/* A uevent or an explicit request: both mean "something to look at once things are quiet". */
static void input(Settle *s, usec_t now) {
        s->verdict_stale = true;
        s->hold_fresh = false;
        s->last_event = now;

        switch (s->state) {
        case SETTLE_PENDING:
                break;
        case SETTLE_RELOADING:
                s->reload_dirty = true;
                break;
        case SETTLE_IDLE:
        case SETTLE_BACKOFF:
        case SETTLE_WATCHING:
                begin_request(s, now);
                break;
        default:
                assert_not_reached();
        }
}

void settle_event(Settle *s, usec_t now) {
        assert(s);

        s->counters.n_events++;
        input(s, now);
}

void settle_state_event(Settle *s, usec_t now) {
        assert(s);

        s->counters.n_events++;
        if (s->state == SETTLE_RELOADING) {
                /* Seen by the next request, if one comes; no reason for one by itself. */
                s->last_event = now;
                return;
        }
        input(s, now);
}

void settle_request(Settle *s, usec_t now) {
        assert(s);

        /* Joins whatever is pending; while reloading, the dirty flag gives exactly one more. */
        s->requested = true;
        input(s, now);
}

void settle_dt_generation(Settle *s, uint64_t generation, usec_t now) {
        assert(s);

        if (generation == s->dt_generation)
                return;

        s->dt_generation = generation;
        s->verdict_stale = true;
        s->hold_fresh = false;

        switch (s->state) {
        case SETTLE_PENDING:
                /* Not an event, but the likely end of the request: see pending_next(). */
                s->dt_changed_at = now;
                break;
        case SETTLE_RELOADING:
                if (generation != s->reload_generation)
                        s->reload_dirty = true;
                break;
        case SETTLE_IDLE:
        case SETTLE_BACKOFF:
        case SETTLE_WATCHING:
                s->last_event = now;
                begin_request(s, now);
                s->dt_changed_at = now;
                break;
        default:
                assert_not_reached();
        }
}

void settle_model(Settle *s, const SettleVerdict *v) {
        assert(s);
        check_verdict(v);

        s->verdict = *v;
        s->verdict_stale = false;
        s->evaluating = false;
}

void settle_reload_finished(Settle *s, bool success, usec_t now) {
        assert(s);
        assert(s->state == SETTLE_RELOADING);

        if (success) {
                s->retry_delay = 0;
                /* Inputs during the reload make the DT it read uncertain. */
                s->loaded_id = s->reload_dirty ? SET_ID_UNKNOWN : s->reload_set_id;
        } else {
                s->counters.n_failures++;
                /* A failed reload may have unloaded the old crash kernel. */
                s->loaded_id = SET_ID_UNKNOWN;
                s->requested = s->requested || s->reload_requested;
        }

        if (s->reload_dirty) {
                /* Exactly one more request cycle; quiet counts from the last input during the reload. */
                begin_request(s, now);
                return;
        }

        if (success) {
                /* No input during the reload, so the verdict still describes what it loaded. */
                if (s->verdict.consistent)
                        s->state = SETTLE_IDLE;
                else
                        enter_watching(s, now);
                return;
        }

        if (s->retry_delay == 0)
                s->retry_delay = s->config.retry_initial;
        else
                s->retry_delay = usec_add(s->retry_delay, s->retry_delay);
        s->retry_delay = MIN(s->retry_delay, s->config.retry_max);
        s->retry_at = usec_add(now, s->retry_delay);
        s->state = SETTLE_BACKOFF;
}

void settle_external_hold(Settle *s, bool held, usec_t now) {
        assert(s);

        s->held = held;
        s->hold_fresh = true;
        s->hold_probe_at = usec_add(now, s->config.hold_interval);
}

static SettleAction action_wait(usec_t wake_at, bool poll_dt) {
        return (SettleAction) {
                .kind = SETTLE_WAIT,
                .reason = SETTLE_REASON_NONE,
                .wake_at = wake_at,
                .poll_dt = poll_dt,
        };
}

static SettleAction start_reload(Settle *s, SettleReason reason, usec_t now) {
        s->state = SETTLE_RELOADING;
        s->reload_reason = reason;
        /* Only a consistent DT says what the reload loads: after a timeout, a kexec_file_load
         * backend built the image from the kernel's memory, not from the stale DT, so its set is
         * unknown and any later consistent set reloads (a roll-back to the stale set included). */
        s->reload_set_id = s->verdict.consistent ? s->verdict.set_id : SET_ID_UNKNOWN;
        /* What the reload reads is the DT the verdict read, which may be newer than the last poll
         * (the DT replaced in between, or absent while the kernel replaced it): a poll at the end
         * that finds that one again is no change during the reload. */
        s->reload_generation = !s->verdict_stale && s->verdict.generation != 0 ? s->verdict.generation
                                                                               : s->dt_generation;
        s->reload_dirty = false;
        s->reload_requested = s->requested;
        s->requested = false;
        s->counters.n_reloads++;

        return (SettleAction) {
                .kind = SETTLE_RELOAD,
                .reason = reason,
                .wake_at = USEC_INFINITY,
        };
}

/* Keeps the poll schedule when it is due within one interval, so calls at the same time agree. */
static usec_t next_poll(Settle *s, usec_t interval, usec_t now) {
        if (s->watch_at <= now || s->watch_at > usec_add(now, interval))
                s->watch_at = usec_add(now, interval);
        return s->watch_at;
}

/* When the current request's burst ends. The kernel replaces the DT once, after the request's last
 * uevent: seeing that is a better end-of-burst signal than the quiet period, which only guesses.
 * Uevents after it are udevd passing on the request's tail late: a short lull ends those too.
 * (Should they be the start of another request instead, the DT disagrees and nothing reloads.) */
static usec_t burst_end(const Settle *s) {
        usec_t end = usec_add(s->last_event, s->config.quiet);

        if (s->dt_changed_at != 0)
                end = MIN(end, usec_add(MAX(s->dt_changed_at, s->last_event), s->config.dt_grace));
        return end;
}

/* Held as far as the caller said since the last input. */
static bool hold_held(const Settle *s) {
        return s->hold_fresh && s->held;
}

bool settle_hold_due(const Settle *s, usec_t now) {
        assert(s);

        if (s->state != SETTLE_PENDING || now < burst_end(s) ||
            now >= usec_add(s->last_event, s->config.max_wait))
                return false;
        return !s->hold_fresh || (s->held && now >= s->hold_probe_at);
}

static SettleAction pending_next(Settle *s, usec_t now) {
        usec_t quiet_end = burst_end(s);
        usec_t deadline = usec_add(s->last_event, s->config.max_wait);
        bool timed_out = now >= deadline;

        /* Poll the DT meanwhile: its replacement may end the wait early. */
        if (!timed_out && now < quiet_end)
                return action_wait(MIN(MIN(quiet_end, deadline), next_poll(s, s->config.poll_interval, now)), true);

        /* The command behind the request still runs and may send more of it: not over yet, whatever
         * the DT says. Keep polling the DT so that its changes are seen when the hold ends. */
        if (!timed_out && hold_held(s) && s->hold_probe_at > now)
                return action_wait(MIN(s->hold_probe_at, deadline), true);

        if (s->verdict_stale) {
                s->evaluating = true;
                return (SettleAction) { .kind = SETTLE_EVALUATE, .wake_at = USEC_INFINITY };
        }

        accept_provisional(s, now);
        if (s->verdict.consistent) {
                if (!s->requested && loaded_matches(s)) {
                        /* E.g. a DLPAR that failed and rolled back: nothing new to load. */
                        s->state = SETTLE_IDLE;
                        s->counters.n_skipped++;
                        return (SettleAction) { .kind = SETTLE_SKIP, .wake_at = USEC_INFINITY };
                }
                return start_reload(s, s->requested ? SETTLE_REASON_REQUESTED :
                                    timed_out && hold_held(s) ? SETTLE_REASON_HOLD_TIMEOUT : SETTLE_REASON_SETTLED, now);
        }

        if (!timed_out) {
                /* The deadline may come before the poll; polling then is still useful. */
                usec_t wake = MIN(next_poll(s, s->config.poll_interval, now), deadline);

                if (s->verdict.provisional)
                        wake = MIN(wake, usec_add(s->last_event, s->config.quiet));
                return action_wait(wake, true);
        }

        /* Before concluding "inconsistent", one look with a fresh scan: a uevent lost upstream
         * (udevd killed or restarted mid-DLPAR) would otherwise make every request time out. */
        if (s->verdict.valid && !s->rescanned) {
                s->rescanned = true;
                s->evaluating = true;
                return (SettleAction) { .kind = SETTLE_EVALUATE, .wake_at = USEC_INFINITY, .rescan = true };
        }

        /* Reload even when the stale DT is what was loaded: the kernel's memory did change, and
         * a backend using kexec_file_load (kexec -s) builds the map from it, not from the DT. */
        s->counters.n_timeouts++;
        return start_reload(s, SETTLE_REASON_TIMEOUT, now);
}

static SettleAction watching_next(Settle *s, usec_t now) {
        accept_provisional(s, now);
        if (s->verdict.consistent) {
                /* Agreement came without a DT update. The image loaded at the timeout was built
                 * while they disagreed: one more request, as a DT update would start. */
                s->last_event = now;
                begin_request(s, now);
                return pending_next(s, now);
        }

        if (now >= s->recheck_at) {
                s->recheck_delay = MIN(usec_add(s->recheck_delay, s->recheck_delay), s->config.retry_max);
                s->recheck_at = usec_add(now, s->recheck_delay);
                s->evaluating = true;
                return (SettleAction) { .kind = SETTLE_EVALUATE, .wake_at = USEC_INFINITY, .rescan = true };
        }
        return action_wait(MIN(next_poll(s, s->config.watch_interval, now), s->recheck_at), true);
}

SettleAction settle_next(Settle *s, usec_t now) {
        assert(s);
        /* SETTLE_EVALUATE must be answered first; asking again would evaluate twice. */
        assert(!s->evaluating);

        switch (s->state) {
        case SETTLE_IDLE:
        case SETTLE_RELOADING:
                /* No timer: the next input (or the reload's end) is what moves things on. */
                return action_wait(USEC_INFINITY, false);
        case SETTLE_PENDING:
                return pending_next(s, now);
        case SETTLE_BACKOFF:
                if (now >= s->retry_at)
                        return start_reload(s, SETTLE_REASON_RETRY, now);
                return action_wait(s->retry_at, false);
        case SETTLE_WATCHING:
                return watching_next(s, now);
        default:
                assert_not_reached();
                return action_wait(USEC_INFINITY, false);
        }
}

SettleState settle_state(const Settle *s) {
        assert(s);
        return s->state;
}

SettlePhase settle_phase(const Settle *s, usec_t now) {
        assert(s);

        switch (s->state) {
        case SETTLE_IDLE:
                return SETTLE_PHASE_IDLE;
        case SETTLE_PENDING:
                /* As pending_next() decides: the burst is over at its end, or at max_wait. */
                if (now >= usec_add(s->last_event, s->config.max_wait))
                        return SETTLE_PHASE_WAITING_DT;
                if (now < burst_end(s))
                        return SETTLE_PHASE_COLLECTING;
                return hold_held(s) ? SETTLE_PHASE_WAITING_HOLD : SETTLE_PHASE_WAITING_DT;
        case SETTLE_RELOADING:
                return SETTLE_PHASE_RELOADING;
        case SETTLE_BACKOFF:
                return SETTLE_PHASE_BACKOFF;
        case SETTLE_WATCHING:
                return SETTLE_PHASE_WATCHING;
        default:
                assert_not_reached();
                return SETTLE_PHASE_IDLE;
        }
}

usec_t settle_retry_at(const Settle *s) {
        assert(s);
        return s->state == SETTLE_BACKOFF ? s->retry_at : USEC_INFINITY;
}

bool settle_reload_owed(const Settle *s) {
        assert(s);
        return IN_SET(s->state, SETTLE_PENDING, SETTLE_RELOADING, SETTLE_BACKOFF);
}

uint64_t settle_loaded_id(const Settle *s) {
        assert(s);
        return s->loaded_id;
}

uint64_t settle_last_generation(const Settle *s) {
        assert(s);
        return s->dt_generation;
}

const SettleVerdict *settle_verdict(const Settle *s) {
        assert(s);
        return &s->verdict;
}

const SettleConfig *settle_config(const Settle *s) {
        assert(s);
        return &s->config;
}

const SettleCounters *settle_counters(const Settle *s) {
        assert(s);
        return &s->counters;
}

static const char *const settle_state_table[_SETTLE_STATE_MAX] = {
        [SETTLE_IDLE] = "idle",
        [SETTLE_PENDING] = "pending",
        [SETTLE_RELOADING] = "reloading",
        [SETTLE_BACKOFF] = "backoff",
        [SETTLE_WATCHING] = "watching",
};

static const char *const settle_reason_table[_SETTLE_REASON_MAX] = {
        [SETTLE_REASON_NONE] = "none",
        [SETTLE_REASON_SETTLED] = "settled",
        [SETTLE_REASON_REQUESTED] = "requested",
        [SETTLE_REASON_TIMEOUT] = "timeout",
        [SETTLE_REASON_RETRY] = "retry",
        [SETTLE_REASON_HOLD_TIMEOUT] = "hold-timeout",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(settle_state, SettleState);
DEFINE_STRING_TABLE_LOOKUP_TO_STRING(settle_reason, SettleReason);
