/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "alloc-util.h"
#include "dt-cell.h"
#include "fileio.h"
#include "memory-limit.h"
#include "string-table.h"

bool cmdline_has_mem(const char *cmdline) {
        const char *p = cmdline;

        if (!p)
                return false;
        for (;;) {
                char word[8];  /* enough for "mem=" and to see that "memmap=" is longer */
                size_t n = 0;
                bool quoted = false;

                while (*p == ' ' || *p == '\t' || *p == '\n')
                        p++;
                if (!*p)
                        return false;
                for (; *p && (quoted || (*p != ' ' && *p != '\t' && *p != '\n')); p++) {
                        if (*p == '"') {
                                quoted = !quoted;
                                continue;
                        }
                        if (n < sizeof(word) - 1)
                                word[n++] = *p;
                }
                word[n] = 0;
                if (strcmp(word, "--") == 0)
                        return false;
                if (strncmp(word, "mem=", 4) == 0)
                        return true;
        }
}

int memory_limit_read(const char *root, uint64_t *ret, Error *e) {
        _cleanup_free_ char *data = NULL;
        size_t size = 0;
        Error ee = {};
        int r;

        r = read_full_file_root(root, DT_CHOSEN_NODE "/" DT_PROP_MEMORY_LIMIT, 64, &data, &size, &ee);
        if (r == -ENOENT) {
                *ret = 0;
                return 0;
        }
        if (r < 0)
                return error_set(e, r, "%s", error_message(&ee, r));
        if (size != sizeof(uint64_t))
                return error_set(e, -EBADMSG, "%s/%s: %zu bytes, expected one 64-bit cell", DT_CHOSEN_NODE,
                                 DT_PROP_MEMORY_LIMIT, size);
        *ret = dt_cell64(data);
        return 1;
}

/* The end of the highest present block. */
static uint64_t blocks_end(const BlockSet *blocks) {
        uint64_t last = UINT64_MAX;

        for (uint64_t n = block_set_next(blocks, 0); n != UINT64_MAX; n = block_set_next(blocks, n + 1))
                last = n;
        return last == UINT64_MAX ? 0 : (last + 1) * blocks->block_size;
}

int memory_limit_hazard(const char *root, const char *cmdline, const BlockSet *blocks, MemoryLimitHazard *ret,
                        Error *e) {
        MemoryLimitHazard h = {};
        int r;

        r = memory_limit_read(root, &h.limit, e);
        if (r < 0)
                return r;
        h.present = r > 0;
        h.mem_given = cmdline_has_mem(cmdline);
        h.memory_end = blocks_end(blocks);
        h.clips = h.present && !h.mem_given && h.limit < h.memory_end;
        *ret = h;
        return 0;
}

static const char *const memory_limit_correction_table[_MEMORY_LIMIT_CORRECTION_MAX] = {
        [MEMORY_LIMIT_ABSENT] = "absent",
        [MEMORY_LIMIT_KEPT] = "kept",
        [MEMORY_LIMIT_CORRECTED] = "corrected",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(memory_limit_correction, MemoryLimitCorrection);

int memory_limit_correction(const char *root, const char *cmdline, MemoryLimitCorrection *ret, Error *e) {
        uint64_t limit;
        int r;

        r = memory_limit_read(root, &limit, e);
        if (r < 0)
                return r;
        *ret = r == 0 ? MEMORY_LIMIT_ABSENT :
               !cmdline || cmdline_has_mem(cmdline) ? MEMORY_LIMIT_KEPT : MEMORY_LIMIT_CORRECTED;
        return 0;
}
