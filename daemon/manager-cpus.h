/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdio.h>

#include "cpu-uevent.h"
#include "manager.h"

/* The manager's CPU input (issue 12): on pseries, CPU hot-plug changes the /cpus nodes a reload
 * copies into the capture kernel's FDT, so CPU uevents join the burst of memory ones and the CPU
 * resource joins the capture model's verdict. */

/* Adds the CPU resource to the model when the DT has CPU nodes to follow. 0 or -errno (logged). */
int manager_cpus_start(Manager *m);

/* Says what the first evaluation found about CPUs, if they are followed. */
void manager_cpus_log_start(Manager *m, const SettleVerdict *v);

/* A validated CPU uevent: followed by the CPU resource, and fed to the engine unless CPU hot-plug
 * needs no reload on this system (the kernel updates the crash image itself, or fadump is on). */
void manager_cpus_uevent(Manager *m, const CpuUevent *u);

/* A request ended (a reload started, or none was needed). */
void manager_cpus_request_end(Manager *m);

/* The CPU keys of `kdump-settlectl status`. */
void manager_cpus_status(Manager *m, FILE *f);
