/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "block-set.h"
#include "capture-model.h"
#include "dt-memory.h"
#include "memory-uevent.h"

/* The memory input of the capture model: the DT's ibm,dynamic-memory(-v2) against the kernel's
 * memory blocks, by the rule of consistency.h. */

typedef struct CaptureMemory {
        CaptureResource base;
        DtMemory dt;      /* the DT input kept (of base.generation) */
        DtMemory staged;  /* read, not yet kept */
        BlockSet blocks;  /* the kernel's memory blocks: scanned at the start, then kept by uevents */
} CaptureMemory;

/* An empty resource: the first evaluation (or capture_model_rescan()) scans sysfs. */
int capture_memory_new(CaptureMemory **ret);

/* Follows a memory uevent in the block set: 1 if it changed the set, 0 if the set already said so
 * (a rescan saw the block before its uevent came: no news, and no reason for another reload).
 * -errno when a block cannot be tracked: the set is rescanned at the next evaluation, and the
 * caller says so. */
int capture_memory_uevent(CaptureMemory *cm, const MemoryUevent *u);
