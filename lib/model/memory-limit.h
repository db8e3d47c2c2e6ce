/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "block-set.h"
#include "error.h"

/* /chosen/linux,memory-limit. Since Linux 6.10 (commit 5a799af95226) powerpc sets memory_limit on
 * every boot, to the boot RAM's size when mem= is not given, and export_crashk_values() publishes
 * it once, at boot, never updated on hot-add. kexec-tools (kexec_load path) drops every dump range
 * above it as if it were mem=, so memory hot-added after boot is left out of the dump. */

#define DT_CHOSEN_NODE "sys/firmware/devicetree/base/chosen"
#define DT_PROP_MEMORY_LIMIT "linux,memory-limit"
/* The running kernel's command line, under the root. */
#define PROC_CMDLINE "proc/cmdline"
#define PROC_CMDLINE_MAX (64 * 1024)

/* Whether the kernel command line (cmdline: /proc/cmdline's text) sets mem=: the only case in
 * which the limit is the administrator's. Words as the kernel splits them (double quotes group),
 * up to "--", after which the words are init's. */
bool cmdline_has_mem(const char *cmdline);

/* root/DT_CHOSEN_NODE/DT_PROP_MEMORY_LIMIT: 1 and *ret when present, 0 when absent (older
 * kernels, or not pseries), -errno with e naming the file for anything but one 64-bit cell. */
int memory_limit_read(const char *root, uint64_t *ret, Error *e);

typedef struct MemoryLimitHazard {
        bool present;        /* the property exists */
        bool mem_given;      /* mem= on the command line: the limit is meant */
        uint64_t limit;
        uint64_t memory_end; /* the end of the highest present memory block */
        bool clips;          /* present, not meant, and below memory_end: a kexec_load dump loses memory */
} MemoryLimitHazard;

/* The hazard from the property under root, cmdline (NULL: unknown, taken as no mem=) and the
 * present memory blocks. */
int memory_limit_hazard(const char *root, const char *cmdline, const BlockSet *blocks, MemoryLimitHazard *ret,
                        Error *e);

/* What the reloads' copy of the tree does with the property (the status key memory_limit). */
typedef enum MemoryLimitCorrection {
        MEMORY_LIMIT_ABSENT,     /* no property: nothing to do */
        MEMORY_LIMIT_KEPT,       /* mem= given, or the command line unknown: the limit may be meant */
        MEMORY_LIMIT_CORRECTED,  /* exported without mem=: left out of the copy */
        _MEMORY_LIMIT_CORRECTION_MAX,
        _MEMORY_LIMIT_CORRECTION_INVALID = -EINVAL,
} MemoryLimitCorrection;

const char *memory_limit_correction_to_string(MemoryLimitCorrection c);

/* The rule, from the property under root and cmdline (NULL: unknown). */
int memory_limit_correction(const char *root, const char *cmdline, MemoryLimitCorrection *ret, Error *e);
