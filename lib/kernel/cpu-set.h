/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* The kernel's view of CPUs, from /sys/devices/system/cpu: which logical CPUs are present and
 * online (range lists such as "0-7,16-23"), and the hardware thread id of each present one
 * (cpuN/physical_id, which powerpc registers for every possible hot-pluggable CPU and which is
 * valid only while the CPU is present). */

#define CPU_SYSFS_DIR "sys/devices/system/cpu"

/* Highest logical CPU accepted, plus one: powerpc's NR_CPUS is at most 8192. */
#define CPU_SET_MAX_CPUS 16384u

/* hw_ids[n] of a CPU whose id is not known: not present, or physical_id said -1 (the kernel
 * clears it when it removes the CPU). Not a thread id any DT can hold: those are 32 bits, but
 * the rule only compares known ones. */
#define CPU_HW_ID_NONE UINT32_MAX

typedef struct CpuMask {
        uint64_t *words;   /* bit n set: CPU n is in the mask */
        size_t n_words;
        uint32_t n_set;
} CpuMask;

void cpu_mask_done(CpuMask *m);
bool cpu_mask_test(const CpuMask *m, uint32_t cpu);
/* Returns 1 if the mask changed, 0 if not, -ERANGE for cpu >= CPU_SET_MAX_CPUS, -ENOMEM. */
int cpu_mask_set(CpuMask *m, uint32_t cpu);
/* Returns 1 if the mask changed, 0 if not. */
int cpu_mask_clear(CpuMask *m, uint32_t cpu);
/* First CPU >= cpu in the mask, or UINT32_MAX. */
uint32_t cpu_mask_next(const CpuMask *m, uint32_t cpu);

/* A kernel CPU list ("0-3,8,10-11", optional trailing newline, "" or "\n" for none), strictly:
 * decimal without sign or leading zeros, a <= b in "a-b", ranges in ascending order and not
 * overlapping, every CPU < CPU_SET_MAX_CPUS. -EBADMSG naming `what` and the byte offset. */
int cpu_mask_parse(const char *what, const char *text, size_t size, CpuMask *ret, Error *e);

typedef struct CpuSet {
        CpuMask present;
        CpuMask online;
        uint32_t *hw_ids;  /* indexed by logical CPU, n_hw_ids entries; CPU_HW_ID_NONE if unknown */
        size_t n_hw_ids;
} CpuSet;

void cpu_set_done(CpuSet *s);

/* Contents of cpuN/physical_id: a decimal int as the kernel prints it ("%d\n"). A value in
 * [0, UINT32_MAX) gives it, -1 gives CPU_HW_ID_NONE; anything else is -EBADMSG naming `what`. */
int cpu_physical_id_parse(const char *what, const char *text, uint32_t *ret, Error *e);

/* Reads present, online and the physical_id of every present CPU under root/CPU_SYSFS_DIR.
 * reuse (may be NULL): an earlier set whose hardware ids are kept for CPUs present in both and
 * known there, so that a re-read costs two small files plus the newly present CPUs (a CPU whose
 * id may have changed must first be forgotten with cpu_set_forget()). An online CPU must be
 * present: -EBADMSG otherwise. */
int cpu_set_load(const char *root, const CpuSet *reuse, CpuSet *ret, Error *e);

/* Marks CPU n's hardware id unknown, for the next cpu_set_load() with reuse: call it on every
 * uevent for cpuN (a removed core's logical number can come back with another core's threads). */
void cpu_set_forget(CpuSet *s, uint32_t cpu);

bool cpu_set_online(const CpuSet *s, uint32_t cpu);
bool cpu_set_present(const CpuSet *s, uint32_t cpu);
uint32_t cpu_set_hw_id(const CpuSet *s, uint32_t cpu);
