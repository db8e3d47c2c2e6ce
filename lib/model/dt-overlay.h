/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include "error.h"

/* The corrected device tree the reload runs over. kexec-tools builds the capture kernel's tree
 * and the dump's memory map from /proc/device-tree, and some of what it reads there the kernel
 * leaves stale. The correctors below say which properties of which nodes the reload's copy of the
 * tree changes; the daemon (daemon/dt-overlay.c) copies those nodes, applies the fixes and mounts
 * the copies over the originals in the reload's own mount namespace.
 *
 * One table of correctors (lib/model/dt-overlay.c): a new correction (a stale ibm,pft-size, a stale
 * ibm,dynamic-memory-v2) is one function and one line there. */

typedef enum DtFixAction {
        DT_FIX_DROP,   /* the property is left out of the copy */
        DT_FIX_SET,    /* the property gets value */
        _DT_FIX_ACTION_MAX,
} DtFixAction;

typedef struct DtFix {
        const char *corrector;  /* the table entry that asked for it */
        char *node;             /* the node's directory under the root, without a leading slash */
        char *property;
        DtFixAction action;
        void *value;            /* DT_FIX_SET */
        size_t size;
} DtFix;

typedef struct DtOverlayPlan {
        DtFix *fixes;
        size_t n_fixes;
} DtOverlayPlan;

void dt_overlay_plan_done(DtOverlayPlan *p);

/* What every corrector wants changed in the tree under root, given the kernel command line
 * (cmdline: /proc/cmdline's text; NULL when unknown, which corrects nothing that depends on it).
 * n_fixes 0: the reload runs over the real tree. -errno with e naming the corrector and what it
 * could not read. */
int dt_overlay_plan(const char *root, const char *cmdline, DtOverlayPlan *ret, Error *e);

/* Adds one fix (node and property copied, value copied for DT_FIX_SET); for the correctors. */
int dt_overlay_plan_add(DtOverlayPlan *p, const char *corrector, const char *node, const char *property,
                        DtFixAction action, const void *value, size_t size, Error *e);

/* The fix for property of node, or NULL: what the copy does with it. */
const DtFix *dt_overlay_plan_find(const DtOverlayPlan *p, const char *node, const char *property);

/* The correctors' names, comma-separated, that have a fix in p ("" when none), in buf. */
const char *dt_overlay_plan_describe(const DtOverlayPlan *p, char *buf, size_t size);
