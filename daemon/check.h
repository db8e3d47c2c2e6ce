/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdio.h>

/* `kdump-settlectl check`: compares the DT model (from the live tree under root, or from a .dtb
 * when dtb is non-NULL) with the memory blocks under root, and on the live tree the /cpus nodes
 * with the kernel's CPUs (where there are CPU nodes), and names the hazards of the live tree that
 * cost a dump (/chosen/linux,memory-limit), saying whether the daemon (running when runtime_dir
 * exists) corrects them, and the kexec --hotplug hazard where the kernel and the kexec in PATH
 * have it (never a "no"); prints one summary to out. Returns 0 when they agree and no uncorrected
 * hazard is there, 1 otherwise, a negative errno (logged) when something cannot be read. */
int check_run(const char *root, const char *runtime_dir, const void *dtb, size_t dtb_size, FILE *out);
