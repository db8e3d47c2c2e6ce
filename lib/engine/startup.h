/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "loaded-state.h"
#include "settle.h"

/* The flattened DT the kernel booted with, under the root directory; DLPAR does not change it. */
#define BOOT_FDT_PATH "sys/firmware/fdt"

/* What the crash kernel loaded before the daemon started was built from. The daemon is started
 * because memory changed (the udev rule) or at boot, after the distribution's kdump service
 * loaded the crash kernel: a change it did not see must give a reload, a system nobody changed
 * must not. When unsure, reload: an extra reload costs seconds, a missing one loses a dump.
 *
 *  1. A state file of this boot says what this daemon loaded last and whether a reload was owed.
 *  2. Else (the first start in this boot) the crash kernel was loaded in this boot from the DT as
 *     it was then: if the DT describes the set it described at boot (the boot's flattened DT,
 *     /sys/firmware/fdt), whatever was loaded matches it.
 *  3. Else the DT changed in this boot, maybe after the load: reload once it agrees. */

typedef enum StartupBasis {
        STARTUP_SAVED,            /* 1 */
        STARTUP_AS_BOOTED,        /* 2 */
        STARTUP_CHANGED,          /* 3: the boot's set is known and differs */
        STARTUP_UNKNOWN,          /* 3: the boot's set, or the DT, cannot be read */
        _STARTUP_BASIS_MAX,
} StartupBasis;

typedef struct StartupFacts {
        const LoadedState *saved;  /* the state file, NULL: none or unreadable */
        const char *boot_id;       /* this boot's, "" or NULL: not known */
        uint64_t boot_set_id;      /* the set the boot's DT describes, SET_ID_UNKNOWN: not known */
} StartupFacts;

typedef struct StartupDecision {
        StartupBasis basis;
        uint64_t loaded_id;  /* for settle_start(): SET_ID_UNKNOWN makes a consistent DT reload */
        bool owed;           /* a request was cut short: reload even if the set matches */
} StartupDecision;

/* v: the first verdict. */
StartupDecision startup_decide(const StartupFacts *f, const SettleVerdict *v);

/* Whether saved was written in the boot boot_id (both known and equal). */
bool startup_saved_this_boot(const LoadedState *saved, const char *boot_id);

/* For the log: "the state file of this boot", ... */
const char *startup_basis_to_string(StartupBasis b);
