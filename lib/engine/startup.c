/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <string.h>

#include "startup.h"
#include "string-table.h"

bool startup_saved_this_boot(const LoadedState *saved, const char *boot_id) {
        return saved && boot_id && boot_id[0] && strcmp(saved->boot_id, boot_id) == 0;
}

StartupDecision startup_decide(const StartupFacts *f, const SettleVerdict *v) {
        assert(f);
        assert(v);

        if (startup_saved_this_boot(f->saved, f->boot_id))
                return (StartupDecision) {
                        .basis = STARTUP_SAVED,
                        .loaded_id = f->saved->loaded_id,
                        .owed = f->saved->owed,
                };

        if (!v->valid || f->boot_set_id == SET_ID_UNKNOWN)
                return (StartupDecision) { .basis = STARTUP_UNKNOWN, .loaded_id = SET_ID_UNKNOWN };

        if (v->set_id == f->boot_set_id)
                return (StartupDecision) { .basis = STARTUP_AS_BOOTED, .loaded_id = v->set_id };

        return (StartupDecision) { .basis = STARTUP_CHANGED, .loaded_id = SET_ID_UNKNOWN };
}

static const char *const startup_basis_table[_STARTUP_BASIS_MAX] = {
        [STARTUP_SAVED] = "the state file of this boot",
        [STARTUP_AS_BOOTED] = "the device tree describes the memory this system booted with",
        [STARTUP_CHANGED] = "the device tree changed since boot, perhaps after the crash kernel was loaded",
        [STARTUP_UNKNOWN] = "no state of this boot, and the boot's device tree cannot be compared",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(startup_basis, StartupBasis);
