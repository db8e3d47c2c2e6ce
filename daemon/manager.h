/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <time.h>
#include <systemd/sd-event.h>

#include "capture-cpus.h"
#include "capture-memory.h"
#include "capture-model.h"
#include "config.h"
#include "control.h"
#include "dump-mode.h"
#include "loaded-state.h"
#include "monitor.h"
#include "reload.h"
#include "settle.h"

/* The manager: the daemon's state and event sources. It feeds the settle engine (lib/engine/settle.h)
 * with uevents, DT polls and reload requests, asks the capture model (lib/model/capture-model.h) for
 * verdicts, and does what the engine says: arm the timer, start the crash-kernel reload.
 *
 * Three things are called "reload" from outside; here each has its own name: a *reload* is the
 * crash-kernel reload child (reload.h); *reconfigure* is re-reading the configuration on SIGHUP
 * (manager-config.h); a *reload request* is the control socket's "reload" (manager-control.h). */

#define LOCK_FILE "lock"

/* A command-line option that overrides a config key; kept so that a reconfigure re-applies it. */
typedef struct Override {
        const char *section;
        const char *key;
        const char *value;
} Override;

typedef struct Manager {
        sd_event *event;
        sd_event_source *timer;    /* the engine's next wake-up; disabled when it has none */
        bool timer_polls_dt;       /* that wake-up is a DT poll (SettleAction.poll_dt) */
        sd_event_source *uevents;
        Monitor *monitor;

        /* Configuration: manager-config.c. */
        const char *root;
        const char *config_path;
        const char *runtime_dir;   /* control socket, lock */
        const char *state_dir;     /* state file (lib/engine/loaded-state.h) */
        Override *overrides;
        size_t n_overrides;
        Config config;
        char **reload_argv;
        const char *reload_backend;     /* its name, in the log and status */
        const char *reload_gate_backend; /* what gates it (reload_start()'s backend): the same but for
                                          * RELOAD_FADUMP_BACKEND, gated as the tool it stands in for */
        KexecHotplug kexec_hotplug; /* the kexec fallback loads with --hotplug (reload.h) */
        KexecHotplug kexec_path_hotplug; /* the kexec in PATH asked as check asks it: status's hazard */
        char *fadump_registered;   /* set: fadump is on and the kernel does not update it itself; a
                                    * reload without reload_argv re-registers it through this file */
        DumpMode dump_mode;        /* as read last: manager_refresh_dump_mode() */
        bool dump_mode_read;

        int lock_fd;               /* flock()ed runtime_dir/LOCK_FILE: one daemon per runtime directory */
        ControlServer *control;
        LoadedState saved;         /* what the state file says now */
        bool saved_valid;
        bool save_failing;         /* the last write of the state file failed, and said so */
        char boot_id[BOOT_ID_LEN + 1];  /* "": not known */

        Settle settle;
        CaptureModel model;
        CaptureMemory *memory;     /* in model */
        CaptureCpus *cpus;         /* in model; NULL: no CPU nodes to follow (manager-cpus.c) */
        uint64_t cpu_events;       /* CPU uevents received */
        usec_t cpu_dump_mode_until; /* CPU uevents read the dump mode again from then on */
        bool request_cpus;         /* the current request has CPU uevents that need a reload */
        bool request_memory;       /* the current request has memory uevents */

        Reload *reload;
        bool kdump_gate_closed;    /* the last reload was skipped, its gate closed (logged once) */
        uint64_t request_events;   /* uevents since the last reload started */
        usec_t last_reload_duration;
        time_t last_reload_time;   /* wall clock, for people; 0: none yet */
        bool last_reload_ok;       /* true until a reload fails */
        char last_reload_result[96];
        bool exiting;
        char status[128];

        /* drmgr's lock, as probed last (WaitForDrmgr=) */
        pid_t drmgr_pid;           /* its holder, 0 if unknown */
        bool drmgr_held;
        bool drmgr_probe_failed;   /* the last probe failed: warned once */
        pid_t drmgr_hook_holder;   /* the drmgr a hook's `wait` came from, said once */
} Manager;

/* Defaults for everything but the configuration. */
void manager_init(Manager *m);
/* The event loop, its signals and timer, the engine, the runtime directory, the control socket and
 * the uevent monitor. Needs the configuration loaded. */
int manager_start(Manager *m);
void manager_done(Manager *m);

usec_t manager_now(Manager *m);

/* Reads the dump mode again (per request, on SIGHUP), saying a change once; a change of the
 * fadump registration also re-resolves the reload backend unless `reconfiguring` (the caller
 * does). 0, or the negative errno of a backend that cannot be resolved any more. */
int manager_refresh_dump_mode(Manager *m, bool reconfiguring);
/* Whether hot-plug of `res` needs no reload now (dump_mode_kernel_handles()), as read last. */
bool manager_kernel_handles(const Manager *m, DumpResource res);

/* Reads the DT generation and feeds it to the engine; true if it moved. */
bool manager_poll_dt(Manager *m);
/* Asks the capture model, logging what it found; *ret_generation (may be NULL): the verdict's. */
SettleVerdict manager_evaluate(Manager *m, uint64_t *ret_generation);
/* Asks the engine what to do until it says wait, doing what it says on the way. */
void manager_dispatch(Manager *m);
