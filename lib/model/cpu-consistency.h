/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu-set.h"
#include "dt-cpu.h"
#include "error.h"

/* The CPU rule: a crash kernel loaded from this DT can boot on every CPU that can crash, and
 * lists no core that is gone.
 *   1. every online CPU's hardware thread id is in some /cpus node's ibm,ppc-interrupt-server#s;
 *   2. every thread the DT lists belongs to a present CPU;
 *   3. no node is on its way out: all of its threads offline, one of them in `offlined`.
 * Present but offline threads are fine (an SMT setting such as ppc64_cpu --smt=4 keeps their
 * node), so only online CPUs are held to 1.
 *
 * Why 3: the kernel's orders differ from memory's. Hot-add attaches the node (and marks its CPUs
 * present) first and sends the single `online` uevent 90-170 ms later: rules 1 and 2 hold all
 * along, and the burst's quiet period after that uevent ends it. Hot-remove offlines every thread
 * of the core (the `offline` uevents) and detaches the node about 3 ms later, clearing the CPUs'
 * present bit and hardware id only after the node is gone: in between, the kernel's state alone is
 * that of an SMT-offline core. `offlined` is what tells them apart: the CPUs that went offline
 * during the current burst (the caller's record of its `offline` uevents; NULL: none). Rule 3 is
 * provisional (cpu_consistency_provisional()): nothing the kernel shows tells a core being
 * removed from one offlined on purpose (chcpu -d, ppc64_cpu --cores-on) until the node goes, and
 * dlpar_cpu_remove() offlines, releases the DRC and detaches within milliseconds, while a plain
 * offline never detaches. So the engine waits for the node only until the burst's quiet period
 * is over; the node still there, it is a core offlined and kept, and the DT agrees. drmgr's lock,
 * the other sign of a removal under way, holds the burst open by itself (lib/kernel/drmgr-lock.h). */

#define CPU_CONSISTENCY_REPORT_MAX 16

typedef enum CpuDisagreementKind {
        CPU_MISSING_IN_DT,   /* online CPU whose thread no node lists: the capture kernel cannot boot on it */
        CPU_UNKNOWN_HW_ID,   /* online CPU whose physical_id is -1 */
        CPU_STALE_IN_DT,     /* a DT thread no present CPU has */
        CPU_NODE_LEAVING,    /* a node whose threads were all just offlined: removal in progress */
        _CPU_DISAGREEMENT_KIND_MAX,
} CpuDisagreementKind;

typedef struct CpuDisagreement {
        CpuDisagreementKind kind;
        uint32_t cpu;     /* logical CPU, or UINT32_MAX (CPU_STALE_IN_DT) */
        uint32_t hw_id;   /* thread id; for CPU_NODE_LEAVING the node's reg */
} CpuDisagreement;

typedef struct CpuConsistency {
        uint32_t n_online;      /* online CPUs compared */
        size_t n_dt_threads;    /* DT threads compared */
        uint64_t n_disagreeing;
        uint64_t n_leaving;     /* of them, rule 3's */
        CpuDisagreement first[CPU_CONSISTENCY_REPORT_MAX]; /* rule 1 by CPU, then 2 and 3 by thread/node */
        size_t n_first;
} CpuConsistency;

static inline bool cpu_consistency_ok(const CpuConsistency *c) {
        return c->n_disagreeing == 0;
}

/* Only rule 3 disagrees: agreement unless the nodes go soon. */
static inline bool cpu_consistency_provisional(const CpuConsistency *c) {
        return c->n_disagreeing > 0 && c->n_disagreeing == c->n_leaving;
}

/* Compares; up to max_report (<= CPU_CONSISTENCY_REPORT_MAX) disagreements in ret->first.
 * -ENOMEM is the only failure. */
int cpu_consistency_check(const DtCpus *dt, const CpuSet *kernel, const CpuMask *offlined,
                          size_t max_report, CpuConsistency *ret, Error *e);

/* One line for `kdump-settlectl check` and the log, e.g. "CPU 9 (thread 9) is online, but no /cpus
 * node lists its thread". Returns buf. */
const char *cpu_disagreement_describe(const CpuDisagreement *d, char *buf, size_t size);

/* "missing-in-dt", "unknown-hw-id", "stale-in-dt", "node-leaving". */
const char *cpu_disagreement_kind_to_string(CpuDisagreementKind k);
