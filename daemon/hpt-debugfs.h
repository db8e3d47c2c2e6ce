/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The HPT order in use (lib/model/pft-size.h) is only in debugfs. On a hash-MMU LPAR whose
 * hypervisor can resize the HPT, and where the system did not mount debugfs, mounts it at
 * root/sys/kernel/debug in a mount namespace of the daemon's own (the service's PrivateMounts=
 * one already; by hand, not the host's), so that the reloads' corrected tree and the status can
 * read the order. Once, at start-up; the reload children inherit it. 1 mounted, 0 not needed (or
 * already there), -errno logged once (the order stays unknown). */
int hpt_debugfs_ensure(const char *root);
