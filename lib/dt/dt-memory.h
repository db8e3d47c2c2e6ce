/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "error.h"
#include "papr-drmem.h"
#include "set-id.h"

/* The device tree's description of hot-pluggable memory, from
 * /ibm,dynamic-reconfiguration-memory/ibm,dynamic-memory{,-v2} and ibm,lmb-size. */

#define DT_MEMORY_NODE "sys/firmware/devicetree/base/ibm,dynamic-reconfiguration-memory"
#define DT_PROP_LMB_SIZE "ibm,lmb-size"
#define DT_PROP_DYNAMIC_MEMORY "ibm,dynamic-memory"
#define DT_PROP_DYNAMIC_MEMORY_V2 "ibm,dynamic-memory-v2"

/* The only flags the model keeps: whether an LMB is present is all that matters here. */
#define DT_MEMORY_STATE_MASK (DRCONF_MEM_ASSIGNED | DRCONF_MEM_RESERVED)

/* Largest property we accept: 1M LMBs in v1 is 256 TiB of 256 MiB LMBs. */
#define DT_MEMORY_PROPERTY_MAX ((size_t) DRMEM_ENTRY_SIZE * 1024 * 1024 + DRMEM_COUNT_SIZE)

typedef enum DtFormat {
        DT_FORMAT_V1 = 1,
        DT_FORMAT_V2 = 2,
} DtFormat;

/* The property that holds the format: DT_PROP_DYNAMIC_MEMORY(_V2). */
const char *dt_format_property(DtFormat format);

/* "Prefer v2, fall back to v1", as the kernel and kexec-tools do (when v2 exists, v1 is stale or
 * absent): calls probe(DT_FORMAT_V2, its property, userdata), and only if that returns -ENOENT,
 * probe(DT_FORMAT_V1, ...). Returns what the last call returned, with its format in *ret_format. */
typedef int (*dt_property_probe_t)(DtFormat format, const char *property, void *userdata);
int dt_memory_find_property(dt_property_probe_t probe, void *userdata, DtFormat *ret_format);

/* A run of LMBs with consecutive bases (base, base + lmb_size, ...) and the same state flags. */
typedef struct LmbRange {
        uint64_t base;
        uint32_t n_lmbs;
        uint32_t flags; /* flags & DT_MEMORY_STATE_MASK */
} LmbRange;

#define MEMORY_SET_ID_UNKNOWN SET_ID_UNKNOWN

typedef struct DtMemory {
        DtFormat format;
        uint64_t lmb_size;

        /* Sorted by base, non-overlapping. Adjacent ranges that continue each other with equal
         * flags are merged, so the same memory gives the same ranges in v1 and v2. */
        LmbRange *ranges;
        size_t n_ranges;

        uint64_t n_lmbs;     /* every LMB described */
        uint64_t n_present;  /* assigned and not reserved: what kexec-tools puts in the memory map */
        uint64_t n_reserved;

        /* Hash of the present LMBs (their merged runs of base and length): equal ids mean equal
         * present sets, whatever the format. Never MEMORY_SET_ID_UNKNOWN. */
        uint64_t set_id;
} DtMemory;

static inline bool lmb_flags_present(uint32_t flags) {
        return (flags & DT_MEMORY_STATE_MASK) == DRCONF_MEM_ASSIGNED;
}

void dt_memory_done(DtMemory *m);

/* ibm,lmb-size: one 64-bit cell (two 32-bit cells), non-zero and a power of two. -EBADMSG otherwise. */
int dt_memory_parse_lmb_size(const void *data, size_t size, uint64_t *ret, Error *e);

/* Pure parsers over the property bytes; data needs no alignment. Malformed input (short, count
 * that does not match the length, overlapping or unsorted LMBs, base + length overflowing 64 bits,
 * base not a multiple of lmb_size, zero LMBs in a v2 set) is rejected with -EBADMSG and a message
 * naming the property and the byte offset; nothing is read out of bounds. A lmb_size that is not a
 * non-zero power of two gives -EINVAL. On success *ret owns its ranges; on failure *ret is left
 * empty. A run longer than UINT32_MAX LMBs is split into full ranges of UINT32_MAX LMBs and the rest. */
int dt_memory_parse_v1(const void *data, size_t size, uint64_t lmb_size, DtMemory *ret, Error *e);
int dt_memory_parse_v2(const void *data, size_t size, uint64_t lmb_size, DtMemory *ret, Error *e);

/* ibm,lmb-size's bytes, then the property of the given format. */
int dt_memory_parse(DtFormat format, const void *lmb_size_data, size_t lmb_size_bytes,
                    const void *data, size_t size, DtMemory *ret, Error *e);

/* The raw bytes of ibm,dynamic-memory-v2 (or, when there is none, ibm,dynamic-memory) and
 * ibm,lmb-size, unvalidated. */
typedef struct DtProperties {
        DtFormat format;
        char *data;
        size_t size;
        char *lmb_size_data;
        size_t lmb_size_bytes;
} DtProperties;

void dt_properties_done(DtProperties *p);

/* Reads them under root/DT_MEMORY_NODE, as the kernel and kexec-tools do. -ENOENT (with a
 * message) when the node or both properties are missing: not a pseries LPAR with dynamic memory. */
int dt_memory_read(const char *root, DtProperties *ret, Error *e);

/* dt_memory_read(), then dt_memory_parse(). */
int dt_memory_load(const char *root, DtMemory *ret, Error *e);

/* The property's generation: the kernel replaces the file on every update (new inode), so a
 * change shows in stat() without reading it. Never 0 for an existing property. dt_memory_generation()
 * stats v2, else v1 (as dt_memory_load() prefers them); when neither exists it returns -ENOENT
 * with *ret = 0, and on any other stat() failure -errno with *ret = 0. */
uint64_t dt_memory_generation_from_stat(DtFormat format, const struct stat *st);
int dt_memory_generation(const char *root, uint64_t *ret);
