/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* /cpus/<cpu>/ibm,pft-size on a hash-MMU LPAR. Its two cells are the NUMA cookie and the order
 * (log2 of the bytes) of the hashed page table the hypervisor gave the partition at boot; the
 * kernel reads cell 1 once (htab_dt_scan_pftsize()). On memory hot-plug the kernel has the
 * hypervisor resize the table (resize_hpt_for_hotplug(), H_RESIZE_HPT_*) and updates only its own
 * ppc64_pft_size, never the property; kexec-tools copies it verbatim, and a capture kernel that
 * sizes its table from a stale order hangs after purgatory. The order in use is ppc64_pft_size,
 * which only debugfs shows (powerpc/hpt_order). */

#define DT_PROP_PFT_SIZE "ibm,pft-size"
#define PFT_SIZE_BYTES 8
/* The kernel's page-table MMU, one "MMU : Hash" or "MMU : Radix" line (Book3S-64, Linux 4.7+). */
#define PROC_CPUINFO "proc/cpuinfo"
#define PROC_CPUINFO_MAX (16 * 1024 * 1024)
#define DEBUGFS_DIR "sys/kernel/debug"
#define HPT_ORDER_PATH DEBUGFS_DIR "/powerpc/hpt_order"
/* The hypervisor offers HPT resizing (the kernel's FW_FEATURE_HPT_RESIZE): without it the table
 * keeps its boot size and the property stays true. */
#define DT_HYPERTAS_FUNCTIONS "sys/firmware/devicetree/base/rtas/ibm,hypertas-functions"
#define HYPERTAS_HPT_RESIZE "hcall-hpt-resize"
/* The architecture's bounds: 2^11 PTEGs of 128 bytes at least; 2^46 bytes at most (PAPR). */
#define HPT_ORDER_MIN 18
#define HPT_ORDER_MAX 46

typedef enum MmuMode {
        MMU_MODE_UNKNOWN,  /* no MMU line: not Book3S-64, or a kernel before radix (then hash) */
        MMU_MODE_HASH,
        MMU_MODE_RADIX,
        _MMU_MODE_MAX,
} MmuMode;

/* The first "MMU" line of /proc/cpuinfo's text. -EBADMSG naming the line for a value that is
 * neither Hash nor Radix. */
int mmu_mode_from_cpuinfo(const char *text, MmuMode *ret, Error *e);

/* debugfs' hpt_order text ("24\n"): -EBADMSG (naming where) unless one decimal number in
 * [HPT_ORDER_MIN, HPT_ORDER_MAX] and a newline. */
int hpt_order_parse(const char *text, size_t size, unsigned *ret, Error *e);

/* Whether ibm,hypertas-functions (NUL-separated strings) names HYPERTAS_HPT_RESIZE. */
bool hpt_resize_offered(const void *data, size_t size);

/* What the reloads' copy of the tree does with ibm,pft-size (the status key pft_size). */
typedef enum PftSizeCorrection {
        PFT_SIZE_ABSENT,     /* no /cpus node has the property (not pseries) */
        PFT_SIZE_RADIX,      /* radix MMU: no hashed page table, the capture kernel ignores it */
        PFT_SIZE_CURRENT,    /* every node has the order in use */
        PFT_SIZE_CORRECTED,  /* some node is stale: the copy gives every node the order in use */
        PFT_SIZE_STATIC,     /* order unreadable, but the hypervisor cannot resize: still true */
        PFT_SIZE_UNKNOWN,    /* order unreadable (no debugfs, lockdown) on a resizable HPT */
        _PFT_SIZE_CORRECTION_MAX,
        _PFT_SIZE_CORRECTION_INVALID = -EINVAL,
} PftSizeCorrection;

const char *pft_size_correction_to_string(PftSizeCorrection c);

typedef struct PftSizeNode {
        char *node;          /* under the root, e.g. "sys/firmware/devicetree/base/cpus/PowerPC,POWER8@0" */
        uint32_t cookie;     /* cell 0, kept */
        uint32_t order;      /* cell 1 */
} PftSizeNode;

typedef struct PftSize {
        MmuMode mmu;
        bool resizable;      /* ibm,hypertas-functions offers HPT resizing */
        bool order_known;
        unsigned order;      /* the order in use (hpt_order), when order_known */
        int order_error;     /* why not known: -errno of reading hpt_order */
        PftSizeNode *nodes;  /* the /cpus nodes of device_type "cpu" with the property */
        size_t n_nodes;
        size_t n_stale;      /* of them, those whose order is not the one in use */
        PftSizeCorrection correction;
} PftSize;

void pft_size_done(PftSize *p);

/* The property of every /cpus cpu node under root against the order in use (root/HPT_ORDER_PATH,
 * its absence or refusal an unknown order, not an error) and the MMU (root/PROC_CPUINFO). -errno
 * with e naming the node, the file and what is wrong for malformed input. */
int pft_size_load(const char *root, PftSize *ret, Error *e);

/* The property as it should read for node n: its cookie and the order in use. */
void pft_size_value(const PftSize *p, const PftSizeNode *n, uint8_t ret[static PFT_SIZE_BYTES]);
