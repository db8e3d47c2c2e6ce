/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "dt-overlay.h"
#include "error.h"

/* In the reload child, just before it execs the backend: puts the child in a mount namespace of
 * its own in which the device-tree nodes that lib/model/dt-overlay.c corrects are corrected copies on
 * tmpfs, mounted read-only over the originals under root. The daemon keeps the real tree: it
 * judges consistency from it. Never costs the reload: when the overlay cannot be made, the tree
 * stays as it was and one warning says why. Returns 1 when the backend runs over corrections, 0
 * when there was nothing to correct, a negative errno (warned) when it runs over the plain tree. */
int dt_overlay_enter(const char *root);

/* The mount part of dt_overlay_enter(), for a plan made elsewhere (the benchmark): 1 mounted, 0
 * nothing to do, -errno with e set and nothing left mounted. */
int dt_overlay_apply(const char *root, const DtOverlayPlan *plan, Error *e);
