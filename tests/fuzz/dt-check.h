/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dt-memory.h"

/* Shared by the v1 and v2 fuzz targets. Their input is the 8 bytes of ibm,lmb-size followed by
 * the bytes of the property. */
#define DT_FUZZ_LMB_SIZE_BYTES 8

/* Expanding a v2 set into v1 LMBs (or back) is only done below this many LMBs, to stay fast. */
#define DT_FUZZ_EXPAND_MAX 4096

/* Parses the lmb-size prefix and checks dt_memory_parse_lmb_size() against the raw value. Returns
 * false when the input is shorter than the prefix. *ret_raw is the raw value either way (the
 * parsers must reject a bad one themselves), *ret_valid whether ibm,lmb-size accepted it. */
bool dt_fuzz_lmb_size(const uint8_t *data, size_t size, uint64_t *ret_raw, bool *ret_valid);

/* What a parser returns: success with every documented invariant of DtMemory, or a documented
 * error with an empty result and a message. */
void dt_check_result(int r, const DtMemory *m, const Error *e, DtFormat format, uint64_t lmb_size,
                     bool lmb_size_valid);

/* Same memory, whatever the format it came from. */
bool dt_memory_same(const DtMemory *a, const DtMemory *b);

/* Encodes m's ranges as ibm,dynamic-memory-v2 and parses it again: must give the same memory. */
void dt_check_v2_reencoding(const DtMemory *m);
