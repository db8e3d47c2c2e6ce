/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "capture-model.h"
#include "cpu-consistency.h"
#include "cpu-set.h"
#include "cpu-uevent.h"
#include "dt-cpu.h"

/* The CPU input of the capture model: the DT's /cpus nodes against the kernel's CPUs, by the rule
 * of cpu-consistency.h. Unlike memory blocks, the kernel's CPU set is not kept from uevents: a
 * hot-added core's CPUs become present without one. A uevent only marks its CPU's thread id
 * unknown (and the nodes to be read again), and every comparison reads present and online again
 * (reusing the thread ids still known): a uevent costs O(1) and no read; an evaluation after CPU
 * uevents reads /cpus once. */

typedef struct CaptureCpus {
        CaptureResource base;
        const char *root;
        DtCpus dt;        /* the DT input kept (of base.generation) */
        DtCpus staged;    /* read, not yet kept */
        CpuSet cpus;      /* the kernel's CPUs at the last comparison or rescan */
        CpuMask offlined; /* CPUs that went offline in the current burst (rule 3) */

        /* The last comparison, for status: -1 none yet, 0 disagreed, 1 agreed. */
        int last_consistent;
        bool last_provisional;  /* it disagreed by rule 3 alone */
} CaptureCpus;

/* An empty resource for the CPUs under root (kept, not copied): the first evaluation (or
 * capture_model_rescan()) reads sysfs. */
int capture_cpus_new(const char *root, CaptureCpus **ret);

/* Whether root's DT has CPU nodes to follow (pseries: /cpus children with device_type "cpu").
 * 1 yes, 0 no (or no /cpus), -errno (with e set) when /cpus cannot be read. */
int capture_cpus_present(const char *root, Error *e);

/* Follows a CPU uevent: the CPU's thread id and the /cpus nodes are read again at the next
 * evaluation, and an offline marks the CPU offlined for the burst (an online clears that). -ENOMEM: the offlined mark was lost;
 * the set is rescanned and the caller says so. */
int capture_cpus_uevent(CaptureCpus *cc, const CpuUevent *u);

/* The request ended (a reload started, or none was needed): the burst's offlined marks go, and
 * with them a disagreement by rule 3 alone. */
void capture_cpus_burst_end(CaptureCpus *cc);
