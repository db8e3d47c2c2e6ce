/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include "dt-cpu.h"
#include "dt-memory.h"
#include "error.h"

/* The DT memory node as a flattened device tree (.dtb), for bug reports: `kdump-settlectl
 * dump-dt FILE` writes one, `kdump-settlectl check --dtb=FILE` reads it back. */

#define DTB_MAX ((size_t) 64 * 1024 * 1024)
#define DTB_MEMORY_NODE_NAME "ibm,dynamic-reconfiguration-memory"
#define DTB_MEMORY_NODE_PATH "/" DTB_MEMORY_NODE_NAME

/* A blob with the root node and /ibm,dynamic-reconfiguration-memory holding every property file
 * of root/DT_MEMORY_NODE ("name" is the node's own name, not a property, and is left out). */
int dtb_from_memory_node(const char *root, void **ret, size_t *ret_size, Error *e);

/* Validates the blob (it is untrusted input) and parses its memory node as dt_memory_load()
 * does the live one. */
int dt_memory_from_dtb(const void *blob, size_t size, DtMemory *ret, Error *e);

/* Validates the blob and parses the children of its /cpus whose device_type is "cpu" as
 * dt_cpus_load() does the live ones (the boot's DT: /sys/firmware/fdt). -ENOENT without /cpus. */
int dt_cpus_from_dtb(const void *blob, size_t size, DtCpus *ret, Error *e);
