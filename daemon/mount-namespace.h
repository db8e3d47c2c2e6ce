/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "error.h"

/* Puts this process in a mount namespace of its own that still receives the mounts of the one it
 * came from (the service's, with PrivateMounts=yes; the host's when run by hand) but never sends
 * it any: what the daemon mounts (debugfs, daemon/hpt-debugfs.c) and what a reload child mounts (the
 * corrected device tree, daemon/dt-overlay-mount.c) stay out of everyone else's view. Not
 * MS_PRIVATE: a mount made outside later (a hot-added disk the backend writes to) still shows. 0,
 * or -errno with e naming the step that failed. */
int mount_namespace_own(Error *e);
