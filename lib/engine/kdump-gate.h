/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>

#include "error.h"

/* The kdump-enabled gate of a reload backend: whether a reload runs now, is skipped (kdump is off,
 * or there is nothing to reload), or waits, owed, for the kdump service to finish a transition. */

typedef enum KdumpGate {
        KDUMP_GATE_OPEN,     /* run the backend */
        KDUMP_GATE_CLOSED,   /* run nothing: the request is done, not failed */
        KDUMP_GATE_DEFER,    /* run nothing yet: the request stays owed and is retried */
        _KDUMP_GATE_MAX,
        _KDUMP_GATE_INVALID = -EINVAL,
} KdumpGate;

/* "open", "closed", "defer": how the reload's child tells the daemon. */
const char *kdump_gate_to_string(KdumpGate g);
KdumpGate kdump_gate_from_string(const char *s);

/* systemd's ActiveState values, as `systemctl is-active` prints them. */
typedef enum UnitActiveState {
        UNIT_ACTIVE,
        UNIT_RELOADING,
        UNIT_INACTIVE,
        UNIT_FAILED,
        UNIT_ACTIVATING,
        UNIT_DEACTIVATING,
        UNIT_MAINTENANCE,
        UNIT_REFRESHING,
        _UNIT_ACTIVE_STATE_MAX,
        _UNIT_ACTIVE_STATE_INVALID = -EINVAL,
} UnitActiveState;

const char *unit_active_state_to_string(UnitActiveState s);
UnitActiveState unit_active_state_from_string(const char *s);

/* The state from `systemctl is-active UNIT`'s standard output (one word and a newline); -EINVAL
 * with e naming unit and quoting the text when it is not one of systemd's states. */
int unit_active_state_parse(const char *output, const char *unit, UnitActiveState *ret, Error *e);

/* The gate by the kdump service's state: only inactive and failed mean kdump is off; a service
 * starting, stopping or reloading (a `systemctl restart kdump` over a DLPAR) will load, or not,
 * from a memory layout that may be older than the request's, so the request waits for its end. */
KdumpGate kdump_gate_from_unit_state(UnitActiveState s);
