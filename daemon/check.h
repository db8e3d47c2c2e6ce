/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdio.h>

/* `kdump-settlectl check`: compares the DT model (from the live tree under root, or from a .dtb
 * when dtb is non-NULL) with the memory blocks under root, and on the live tree the /cpus nodes
 * with the kernel's CPUs (where there are CPU nodes), and prints one summary to out, with the kexec
 * --hotplug hazard where the kernel and the kexec in PATH have it (never a "no"). Returns 0
 * when they agree, 1 when they do not, a negative errno (logged) when either cannot be read. */
int check_run(const char *root, const void *dtb, size_t dtb_size, FILE *out);
