/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "error.h"
#include "kdump-gate.h"
#include "kexec-hotplug.h"

/* The distributions' kdump tools as reload backends: how each is found, what it runs, which
 * service says kdump is on, and whether its load replaces the old image without unloading it
 * first (so that there is never a moment without a crash kernel). */

typedef struct ReloadBackend ReloadBackend;
struct ReloadBackend {
        ReloadBackendChoice id;      /* its name: reload_backend_name(), in the log and in `status` */
        const char *probe;           /* in PATH: this distribution's tool; NULL: chosen by config */
        const char * const *argv;    /* the reload command (see prepare) */
        const char *gate_unit;       /* reload only while this systemd unit is active; NULL: always */
        const char *gate_defaults;   /* its shell defaults file; USE_KDUMP=0 there turns kdump off */
        bool loads_over_old;
        bool reloads_loaded_only;    /* as the distribution's own rule: nothing loaded, nothing reloaded */
        /* The kexec (under root) its prepare may replay a recorded kexec -p with: that kexec's
         * --hotplug mode (kexec_hotplug_probe(), at start and on SIGHUP) decides whether a
         * recorded --hotplug stays (lib/engine/kexec-record.h); NULL: it replays nothing. */
        const char *replay_kexec;
        /* If set, chooses the command at each reload from the state under root right then: fills
         * *ret_words (static) or *ret_argv (owned), and *ret_lock (owned, or NULL): the file under
         * root the distribution's own scripts flock, taken around the command; hotplug is
         * replay_kexec's mode. 0, or a negative errno with e set when there is nothing to run; what
         * has a fallback it logs itself. */
        int (*prepare)(const ReloadBackend *b, const char *root, KexecHotplug hotplug, const char * const **ret_words,
                       char ***ret_argv, char **ret_lock, Error *e);
};

/* The backend of that id: kdumpctl, kdump-config, SUSE's load.sh, kexec; NULL for
 * RELOAD_BACKEND_AUTO or out of range. */
const ReloadBackend *reload_backend_get(ReloadBackendChoice id);
const char *reload_backend_name(const ReloadBackend *b);

/* The backend of that name, or NULL (ReloadCommand=, fadump re-registration). */
const ReloadBackend *reload_backend_find(const char *name);

/* /sys/kernel/kexec_crash_loaded under root: 1 or 0, or -1 when it cannot be read. */
int crash_kernel_loaded(const char *root);

/* Whether to reload now with b (NULL: ReloadCommand=), or with the daemon's own fadump
 * re-registration in b's stead (b NULL: no distribution tool): OPEN when kdump is on (or when
 * nothing tells: the tool decides then); CLOSED, why in buf, when it is off (USE_KDUMP=0, the unit
 * inactive or failed), when a backend that reloads only a loaded crash kernel finds none, or when
 * fadump is not registered; DEFER, why in buf, while the unit is in a transition. Runs
 * `systemctl is-active`: call it in the reload's child. */
KdumpGate reload_backend_gate(const ReloadBackend *b, const char *root, bool fadump_reregister, char *buf,
                              size_t size);
