/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "defaults.h"
#include "set-id.h"
#include "time-util.h"
#include "verdict.h"

/* The settle engine: a state machine with no I/O and no clock. It is fed what happened and when,
 * and answers what to do next: wait until a time, evaluate the model (the caller compares DT and
 * sysfs and feeds back a verdict), or reload the crash kernel now.
 *
 * A burst of memory uevents is one request. The reload starts once no event came for `quiet` AND
 * the DT agrees with sysfs; if the agreed set is the one loaded last, no reload happens at all (a
 * DLPAR that failed and rolled back). The kernel replaces the DT once, at the end of a request, so
 * once a replacement was seen, a lull of `dt_grace` after it and after the last event (udevd may
 * pass uevents on after the replacement) ends the burst sooner. If the DT
 * is still inconsistent `max_wait` after the last event (and after one evaluation with a fresh scan
 * of the kernel's sets, in case a uevent was lost upstream), reload anyway and keep watching the DT,
 * so that its late update gives one more reload; a long DLPAR whose events keep coming is not
 * cut into forced reloads.
 * Events during a reload give exactly one more reload after it, never two at once. A failed
 * reload is retried after retry_initial, doubling up to retry_max, until one succeeds or the state
 * changes (which starts a fresh request).
 * While watching, the verdict is also taken again (with a fresh scan) after watch_interval,
 * doubling up to retry_max: the kernel's sets can come to agree with the DT without a DT update
 * (CPUs made present without a uevent, a burst's offlined CPUs forgotten at its end), and once they
 * do, one more request reloads, as a DT update would, instead of watching forever.
 * A provisional verdict (SettleVerdict.provisional) is a disagreement the kernel resolves by itself
 * within moments if it is resolved at all: it holds the request until `quiet` after the last event
 * (not the shorter dt_grace), and from then on counts as agreement.
 * An external hold (drmgr's lock: the DLPAR command is still running) keeps a burst from ending:
 * while the caller reports it held, nothing reloads even if the DT agrees; once released, the
 * request ends as usual. max_wait still counts from the last event, so a hold never blocks a
 * reload forever. */

typedef struct SettleConfig {
        usec_t quiet;          /* no events for this long ends a burst (default 50ms) */
        usec_t dt_grace;       /* ...or, once the DT was replaced, a lull this long (default 10ms) */
        usec_t max_wait;       /* reload anyway this long after the last event, DT still stale (default 30s) */
        usec_t poll_interval;  /* DT generation poll while a request is pending (default 5ms) */
        usec_t watch_interval; /* DT generation poll after a reload forced by max_wait, and the first look at the verdict then (default 1s) */
        usec_t retry_initial;  /* first back-off after a failed reload (default 1s) */
        usec_t retry_max;      /* back-off cap (default 5min) */
        usec_t hold_interval;  /* re-probe of an external hold while it is held (default 100ms) */
} SettleConfig;

#define SETTLE_CONFIG_DEFAULT                                   \
        ((SettleConfig) {                                       \
                .quiet = CONFIG_QUIET_DEFAULT,                  \
                .dt_grace = SETTLE_DT_GRACE_DEFAULT,            \
                .max_wait = CONFIG_MAX_WAIT_DEFAULT,            \
                .poll_interval = CONFIG_POLL_INTERVAL_DEFAULT,  \
                .watch_interval = SETTLE_WATCH_INTERVAL_DEFAULT, \
                .retry_initial = SETTLE_RETRY_INITIAL_DEFAULT,  \
                .retry_max = SETTLE_RETRY_MAX_DEFAULT,          \
                .hold_interval = SETTLE_HOLD_INTERVAL_DEFAULT,  \
        })

typedef enum SettleState {
        SETTLE_IDLE,        /* nothing owed; no timer */
        SETTLE_PENDING,     /* a request: waiting for quiet, then for the DT to agree */
        SETTLE_RELOADING,   /* a reload runs; the caller reports its end */
        SETTLE_BACKOFF,     /* the last reload failed; retry at retry_at */
        SETTLE_WATCHING,    /* reloaded at max_wait with an inconsistent DT; polling for its update */
        _SETTLE_STATE_MAX,
} SettleState;

/* What the engine is doing, for people: SETTLE_PENDING split at the end of the burst. */
typedef enum SettlePhase {
        SETTLE_PHASE_IDLE,
        SETTLE_PHASE_COLLECTING,  /* a request's events are still coming: quiet (or the DT grace) not over */
        SETTLE_PHASE_WAITING_DT,  /* the burst is over; waiting for the DT to agree */
        SETTLE_PHASE_RELOADING,
        SETTLE_PHASE_BACKOFF,     /* until settle_retry_at() */
        SETTLE_PHASE_WATCHING,
        SETTLE_PHASE_WAITING_HOLD, /* the burst is over, but an external hold (drmgr) is still held */
        _SETTLE_PHASE_MAX,
} SettlePhase;

typedef enum SettleActionKind {
        SETTLE_WAIT,     /* call settle_next() again at wake_at (USEC_INFINITY: on the next input only) */
        SETTLE_EVALUATE, /* compare DT and sysfs now and call settle_model() */
        SETTLE_RELOAD,   /* start the reload now and call settle_reload_finished() when it ends */
        SETTLE_SKIP,     /* the request ended without a reload: the loaded set already matches; then as WAIT */
} SettleActionKind;

typedef enum SettleReason {
        SETTLE_REASON_NONE,
        SETTLE_REASON_SETTLED,   /* quiet, consistent, and different from what is loaded */
        SETTLE_REASON_REQUESTED, /* an explicit reload request, consistent */
        SETTLE_REASON_TIMEOUT,   /* max_wait passed with the DT still inconsistent: warn */
        SETTLE_REASON_RETRY,     /* the previous reload failed */
        SETTLE_REASON_HOLD_TIMEOUT, /* max_wait passed with an external hold still held: warn */
        _SETTLE_REASON_MAX,
} SettleReason;

typedef struct SettleAction {
        SettleActionKind kind;
        SettleReason reason;  /* for SETTLE_RELOAD */
        usec_t wake_at;       /* for SETTLE_WAIT and SETTLE_SKIP */
        bool poll_dt;         /* for SETTLE_WAIT: at wake_at, feed settle_dt_generation() first (a DT poll) */
        bool rescan;          /* for SETTLE_EVALUATE: rescan the kernel's sets first, a uevent may be lost */
} SettleAction;

typedef struct SettleCounters {
        uint64_t n_events;
        uint64_t n_requests;
        uint64_t n_reloads;
        uint64_t n_failures;
        uint64_t n_skipped;
        uint64_t n_timeouts;
} SettleCounters;

/* The engine's state. Callers other than its unit test use the accessors below, not the fields. */
typedef struct Settle {
        SettleConfig config;
        SettleState state;

        uint64_t loaded_id;     /* set id of the loaded crash kernel, or SET_ID_UNKNOWN */
        uint64_t dt_generation; /* last generation fed */

        SettleVerdict verdict;  /* last verdict fed */
        bool verdict_stale;     /* events, a request or a DT change since that verdict */
        bool evaluating;        /* SETTLE_EVALUATE was returned: settle_model() is owed */

        usec_t request_start;   /* first input of the current request */
        usec_t last_event;      /* last uevent (or request) of the current request */
        usec_t dt_changed_at;   /* last DT replacement seen in the current request, 0: none */
        bool requested;         /* an explicit reload request is part of the current request */
        bool rescanned;         /* the current request's max-wait rescan was asked for */

        uint64_t reload_set_id;     /* what the running reload loads */
        uint64_t reload_generation; /* DT generation when it started: its verdict's, else the last polled */
        SettleReason reload_reason;
        bool reload_dirty;          /* inputs arrived while it ran */
        bool reload_requested;      /* the running reload serves an explicit request */

        usec_t retry_delay;  /* current back-off, 0 when the last reload succeeded */
        usec_t retry_at;
        usec_t watch_at;     /* next DT poll (SETTLE_PENDING waiting for the DT, SETTLE_WATCHING) */
        usec_t recheck_at;   /* SETTLE_WATCHING: next look at the verdict, with a fresh scan */
        usec_t recheck_delay;

        bool held;              /* the external hold, as fed last */
        bool hold_fresh;        /* fed since the last input */
        usec_t hold_probe_at;   /* while held: when to probe it again */

        SettleCounters counters;  /* for status */
} Settle;

void settle_init(Settle *s, const SettleConfig *config);
/* New timings (a configuration re-read); they apply from the next settle_next(). */
void settle_set_config(Settle *s, const SettleConfig *config);

/* Start-up: idle if the DT agrees with sysfs and describes loaded_id, the set the crash kernel was
 * built from (lib/engine/startup.h says which); else a request begins at once. SET_ID_UNKNOWN: not
 * known, so a consistent DT is reloaded too. */
void settle_start(Settle *s, const SettleVerdict *v, uint64_t dt_generation, uint64_t loaded_id, usec_t now);

/* Inputs. */
void settle_event(Settle *s, usec_t now);                              /* a memory uevent: add, remove */
/* online, offline: part of a burst, but they change neither the DT nor the blocks a reload reads,
 * so one arriving during a reload (udevd may pass them on late) does not call for another. */
void settle_state_event(Settle *s, usec_t now);
void settle_request(Settle *s, usec_t now);                            /* an explicit reload request */
void settle_dt_generation(Settle *s, uint64_t generation, usec_t now); /* after every DT poll */
void settle_model(Settle *s, const SettleVerdict *v);                  /* answer to SETTLE_EVALUATE */
/* Feed the DT generation right before this: a change since the reload began means it may have
 * read an old DT, so one more reload follows. */
void settle_reload_finished(Settle *s, bool success, usec_t now);
/* Whether an external hold (drmgr's lock) is held now. A caller that watches one feeds it whenever
 * settle_hold_due() says so, right before settle_next(); one that never feeds it has no hold. */
void settle_external_hold(Settle *s, bool held, usec_t now);
/* The burst is over (or the hold's re-probe is due) and the hold was not fed since: probe it. */
bool settle_hold_due(const Settle *s, usec_t now);

/* What to do now. Call after every input and at every wake-up; acting on SETTLE_RELOAD is
 * mandatory (the engine is in SETTLE_RELOADING from then on), and so is answering SETTLE_EVALUATE
 * with settle_model() before calling again. Repeated calls at the same time with no input in
 * between give the same answer, except that SETTLE_RELOAD and SETTLE_SKIP are given once (the
 * engine has moved on). A SETTLE_WAIT's wake_at is always later than now. */
SettleAction settle_next(Settle *s, usec_t now);

/* Accessors. */
SettleState settle_state(const Settle *s);
SettlePhase settle_phase(const Settle *s, usec_t now);
usec_t settle_retry_at(const Settle *s);                /* SETTLE_BACKOFF: when the retry starts */
bool settle_reload_owed(const Settle *s);               /* a request is not served yet */
uint64_t settle_loaded_id(const Settle *s);
uint64_t settle_last_generation(const Settle *s);       /* the DT generation fed last */
const SettleVerdict *settle_verdict(const Settle *s);   /* the verdict fed last */
const SettleConfig *settle_config(const Settle *s);
const SettleCounters *settle_counters(const Settle *s);

const char *settle_state_to_string(SettleState s);
const char *settle_reason_to_string(SettleReason r);
