/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Device-tree cells are big-endian and properties are not aligned: read and write them through
 * memcpy and libfdt's byte order helpers, never by casting. */

#include <stdint.h>
#include <string.h>

#include <libfdt_env.h>

static inline uint32_t dt_cell32(const void *p) {
        fdt32_t v;

        memcpy(&v, p, sizeof(v));
        return fdt32_to_cpu(v);
}

static inline uint64_t dt_cell64(const void *p) {
        fdt64_t v;

        memcpy(&v, p, sizeof(v));
        return fdt64_to_cpu(v);
}

static inline void dt_cell32_put(void *p, uint32_t v) {
        fdt32_t be = cpu_to_fdt32(v);

        memcpy(p, &be, sizeof(be));
}

static inline void dt_cell64_put(void *p, uint64_t v) {
        fdt64_t be = cpu_to_fdt64(v);

        memcpy(p, &be, sizeof(be));
}
