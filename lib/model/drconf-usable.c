/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "alloc-util.h"
#include "drconf-usable.h"
#include "papr-drmem.h"

int drconf_usable_present_only(DtFormat format, const void *data, size_t size, uint64_t lmb_size,
                               void **ret, size_t *ret_size, Error *e) {
        _cleanup_(dt_memory_done) DtMemory parsed = {};
        _cleanup_free_ uint8_t *out = NULL;
        const uint8_t *in = data;
        size_t flags_offset = format == DT_FORMAT_V2 ? DRMEM_V2_FLAGS_OFFSET : DRMEM_V1_FLAGS_OFFSET;
        uint32_t n, kept = 0;
        uint64_t dropped = 0;
        int r;

        assert(data || size == 0);
        assert(ret);
        assert(ret_size);

        *ret = NULL;
        *ret_size = 0;

        /* The parser's checks are the input's validation: the count matches the length, the
         * entries are sorted and sane. What it builds is not needed. */
        r = format == DT_FORMAT_V2 ? dt_memory_parse_v2(data, size, lmb_size, &parsed, e) :
                                     dt_memory_parse_v1(data, size, lmb_size, &parsed, e);
        if (r < 0)
                return r;

        out = malloc(size);
        if (!out)
                return error_set(e, -ENOMEM, "Out of memory");

        n = dt_cell32(in);
        for (uint32_t i = 0; i < n; i++) {
                const uint8_t *entry = in + DRMEM_ENTRY_OFFSET(i);

                if (!lmb_flags_present(dt_cell32(entry + flags_offset))) {
                        dropped += format == DT_FORMAT_V2 ? dt_cell32(entry + DRMEM_V2_N_LMBS_OFFSET) : 1;
                        continue;
                }
                memcpy(out + DRMEM_ENTRY_OFFSET(kept), entry, DRMEM_ENTRY_SIZE);
                kept++;
        }
        dt_cell32_put(out, kept);

        *ret_size = DRMEM_ENTRY_OFFSET(kept);
        *ret = TAKE_PTR(out);
        /* A count of LMBs fits an int in any property we accept (DT_MEMORY_PROPERTY_MAX); v2 sets
         * may be larger, so saturate rather than wrap. */
        return dropped > INT32_MAX ? INT32_MAX : (int) dropped;
}

uint64_t drconf_usable_misplaced(DtFormat format, const void *data, size_t size) {
        const uint8_t *in = data;
        size_t flags_offset = format == DT_FORMAT_V2 ? DRMEM_V2_FLAGS_OFFSET : DRMEM_V1_FLAGS_OFFSET;
        uint64_t misplaced = 0;
        bool hole = false;

        if (size < DRMEM_COUNT_SIZE)
                return 0;
        for (uint32_t i = 0, n = dt_cell32(in); i < n && DRMEM_ENTRY_OFFSET(i + 1) <= size; i++) {
                const uint8_t *entry = in + DRMEM_ENTRY_OFFSET(i);
                uint32_t n_lmbs = format == DT_FORMAT_V2 ? dt_cell32(entry + DRMEM_V2_N_LMBS_OFFSET) : 1;

                if (!lmb_flags_present(dt_cell32(entry + flags_offset)))
                        hole = true;
                else if (hole)
                        misplaced += n_lmbs;
        }
        return misplaced;
}

int drconf_usable_correction(const char *root, DtFormat *ret_format, void **ret, size_t *ret_size, Error *e) {
        _cleanup_(dt_properties_done) DtProperties p = {};
        _cleanup_free_ void *out = NULL;
        uint64_t lmb_size, misplaced;
        size_t out_size;
        Error ee = {};
        int r;

        assert(ret_format);
        assert(ret);
        assert(ret_size);

        *ret = NULL;
        *ret_size = 0;

        r = dt_memory_read(root, &p, &ee);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return error_set(e, r, "%s", error_message(&ee, r));
        r = dt_memory_parse_lmb_size(p.lmb_size_data, p.lmb_size_bytes, &lmb_size, e);
        if (r < 0)
                return r;
        /* Validates the property before drconf_usable_misplaced() walks it. */
        r = drconf_usable_present_only(p.format, p.data, p.size, lmb_size, &out, &out_size, e);
        if (r < 0)
                return r;
        misplaced = drconf_usable_misplaced(p.format, p.data, p.size);
        if (misplaced == 0)
                return 0;

        *ret_format = p.format;
        *ret_size = out_size;
        *ret = TAKE_PTR(out);
        return misplaced > INT32_MAX ? INT32_MAX : (int) misplaced;
}
