/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The PAPR layout of /ibm,dynamic-reconfiguration-memory's ibm,dynamic-memory (v1) and
 * ibm,dynamic-memory-v2 properties, as the kernel (arch/powerpc/mm/drmem.c) reads them. The one
 * home of these offsets: the parser, the fuzz targets and the test blob builders use them.
 *
 * Both: a 32-bit count, then count entries of DRMEM_ENTRY_SIZE bytes, all cells big-endian.
 *   v1 entry, one LMB:      base(64) drc-index(32) reserved(32) aa-index(32) flags(32)
 *   v2 entry, a set of LMBs: n-lmbs(32) base(64) first-drc-index(32) aa-index(32) flags(32)
 * Cells are read with dt-cell.h. */

#include "dt-cell.h"

#define DRMEM_COUNT_SIZE 4
#define DRMEM_ENTRY_SIZE 24

#define DRMEM_V1_BASE_OFFSET 0
#define DRMEM_V1_DRC_INDEX_OFFSET 8
#define DRMEM_V1_RESERVED_OFFSET 12
#define DRMEM_V1_AA_INDEX_OFFSET 16
#define DRMEM_V1_FLAGS_OFFSET 20

#define DRMEM_V2_N_LMBS_OFFSET 0
#define DRMEM_V2_BASE_OFFSET 4
#define DRMEM_V2_DRC_INDEX_OFFSET 12
#define DRMEM_V2_AA_INDEX_OFFSET 16
#define DRMEM_V2_FLAGS_OFFSET 20

/* Where entry i starts. */
#define DRMEM_ENTRY_OFFSET(i) (DRMEM_COUNT_SIZE + (size_t) (i) * DRMEM_ENTRY_SIZE)

/* LMB flags, as PAPR defines them. */
#define DRCONF_MEM_ASSIGNED     0x00000008u
#define DRCONF_MEM_DRC_INVALID  0x00000020u
#define DRCONF_MEM_AI_INVALID   0x00000040u
#define DRCONF_MEM_RESERVED     0x00000080u
#define DRCONF_MEM_HOTREMOVABLE 0x00000100u
