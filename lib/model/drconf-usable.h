/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "dt-memory.h"
#include "error.h"

/* The hazard of issue 21 and its correction, for the copy of the DT a crash-kernel reload runs
 * kexec over.
 *
 * kexec-tools (fs2dt's add_dyn_reconf_usable_mem_property__()) writes the capture kernel's
 * linux,drconf-usable-memory with one counter (and its ranges) for every LMB of
 * ibm,dynamic-memory(-v2); the capture kernel (early_init_drmem_lmb(), numa_setup_drmem_lmb())
 * reads a counter only for an LMB that is assigned and not reserved. After the first reserved or
 * unassigned LMB (QEMU's boot RAM, an LMB drmgr removed) every counter lands on a later LMB, whose
 * hot-removable flag then marks the wrong memory: memblock splits the crash region and the capture
 * kernel panics in early_alloc_pgtable() before it has a console (tests/e2e/notes/round26.md).
 *
 * A property that lists only the present LMBs makes both count the same LMBs. The capture kernel
 * loses nothing by it: it never hot-plugs, and kexec-tools builds the dump's memory map from the
 * present LMBs only. */

/* data/size: the bytes of the property of this format; lmb_size: ibm,lmb-size. On success *ret
 * (malloc'd, *ret_size bytes) is the same property with the entries of LMBs that are not present
 * (reserved, or not assigned) left out, in the same order and format, and the return value is the
 * number of LMBs left out (0: the property was already safe, *ret is an equal copy). Malformed
 * input is refused as dt_memory_parse_v1/v2() refuse it (-EBADMSG, the property and byte offset
 * in e); *ret is then NULL. */
int drconf_usable_present_only(DtFormat format, const void *data, size_t size, uint64_t lmb_size,
                               void **ret, size_t *ret_size, Error *e);

/* How many present LMBs would take a counter written for another LMB: those after the first LMB
 * that is not present. 0 when the present LMBs come first (PowerVM before any removal): then the
 * counters line up without a correction. data must have been validated (dt_memory_parse_v1/v2()). */
uint64_t drconf_usable_misplaced(DtFormat format, const void *data, size_t size);

/* The correction for the tree under root (DT_MEMORY_NODE's property, v2 else v1, as
 * dt_memory_read() picks it): 0 when nothing needs it (no such node or property: not a pseries LPAR
 * with dynamic memory; or no counter misplaced), else the number of misplaced LMBs (saturated at
 * INT32_MAX) with *ret_format the property's and *ret (*ret_size bytes) its present-only copy.
 * -errno with e for a property that cannot be read or is malformed. */
int drconf_usable_correction(const char *root, DtFormat *ret_format, void **ret, size_t *ret_size, Error *e);
