/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "escape.h"
#include "kdump-gate.h"
#include "string-table.h"

static const char *const kdump_gate_table[_KDUMP_GATE_MAX] = {
        [KDUMP_GATE_OPEN] = "open",
        [KDUMP_GATE_CLOSED] = "closed",
        [KDUMP_GATE_DEFER] = "defer",
};

DEFINE_STRING_TABLE_LOOKUP(kdump_gate, KdumpGate);

static const char *const unit_active_state_table[_UNIT_ACTIVE_STATE_MAX] = {
        [UNIT_ACTIVE] = "active",
        [UNIT_RELOADING] = "reloading",
        [UNIT_INACTIVE] = "inactive",
        [UNIT_FAILED] = "failed",
        [UNIT_ACTIVATING] = "activating",
        [UNIT_DEACTIVATING] = "deactivating",
        [UNIT_MAINTENANCE] = "maintenance",
        [UNIT_REFRESHING] = "refreshing",
};

DEFINE_STRING_TABLE_LOOKUP(unit_active_state, UnitActiveState);

int unit_active_state_parse(const char *output, const char *unit, UnitActiveState *ret, Error *e) {
        char word[32];
        size_t n = strcspn(output, "\n");
        UnitActiveState s = _UNIT_ACTIVE_STATE_INVALID;

        /* One word, then at most the newline. */
        if (n < sizeof(word) && output[n + (output[n] == '\n')] == 0) {
                memcpy(word, output, n);
                word[n] = 0;
                s = unit_active_state_from_string(word);
        }
        if (s < 0) {
                char quoted[64];

                return error_set(e, -EINVAL, "systemctl is-active %s printed %s, not a unit state", unit,
                                 text_quote(output, quoted, sizeof(quoted)));
        }
        *ret = s;
        return 0;
}

KdumpGate kdump_gate_from_unit_state(UnitActiveState s) {
        switch (s) {
        case UNIT_ACTIVE:
        case UNIT_REFRESHING:     /* a portable service's image refresh: it stays up */
                return KDUMP_GATE_OPEN;
        case UNIT_INACTIVE:
        case UNIT_FAILED:
                return KDUMP_GATE_CLOSED;
        case UNIT_RELOADING:
        case UNIT_ACTIVATING:
        case UNIT_DEACTIVATING:
        case UNIT_MAINTENANCE:    /* cleaning its directories: about to start or stay off */
                return KDUMP_GATE_DEFER;
        default:
                return _KDUMP_GATE_INVALID;
        }
}
