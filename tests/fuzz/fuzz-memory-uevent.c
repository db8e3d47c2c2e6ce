/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* memory_uevent_parse(). Input: ACTION, SUBSYSTEM and DEVPATH separated by NUL bytes; a property
 * that would start at the end of the input is missing (NULL): "" has none, "add\0memory" has no
 * DEVPATH. On success the action round-trips through its name and DEVPATH is exactly
 * /devices/system/memory/memoryN; on failure the message is printable. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc-util.h"
#include "block-set.h"
#include "fuzz.h"
#include "memory-uevent.h"

static const char *const other_actions[] = { "move", "bind", "unbind" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *buf = NULL;
        const char *prop[3] = {};
        MemoryUevent u, again;
        char devpath[64];
        Error e = {};
        size_t i = 0;
        int r;

        /* NUL-terminated copy; each property ends at a NUL or at the end of the input. */
        buf = malloc(size + 1);
        FUZZ_CHECK(buf);
        memcpy(buf, data, size);
        buf[size] = 0;
        for (size_t k = 0; k < 3 && i < size; k++) {
                prop[k] = buf + i;
                i += strlen(buf + i) + 1;
        }

        memset(&u, 0xaa, sizeof(u));
        r = memory_uevent_parse(prop[0], prop[1], prop[2], &u, &e);
        if (r < 0) {
                FUZZ_CHECK(r == -EBADMSG);
                FUZZ_CHECK(e.message[0]);
                /* Input is quoted in the message only after sanitizing. */
                for (const char *p = e.message; *p; p++)
                        FUZZ_CHECK(*p >= 0x20 && *p < 0x7f);
                return 0;
        }

        FUZZ_CHECK(r == 0);
        FUZZ_CHECK(prop[0] && prop[1] && prop[2]);
        FUZZ_CHECK(strcmp(prop[1], "memory") == 0);

        /* The action's name parses back to the action; it is the input, or an alias of "change". */
        FUZZ_CHECK(u.action < _MEMORY_ACTION_MAX);
        FUZZ_CHECK(memory_action_to_string(u.action));
        FUZZ_CHECK(memory_uevent_parse(memory_action_to_string(u.action), "memory", prop[2], &again, &e) == 0);
        FUZZ_CHECK(again.action == u.action && again.block == u.block);
        if (strcmp(memory_action_to_string(u.action), prop[0]) != 0) {
                bool alias = false;

                FUZZ_CHECK(u.action == MEMORY_ACTION_CHANGE);
                for (size_t k = 0; k < ELEMENTSOF(other_actions); k++)
                        alias = alias || strcmp(prop[0], other_actions[k]) == 0;
                FUZZ_CHECK(alias);
        }

        /* DEVPATH is canonical: printing the block number gives it back. */
        FUZZ_CHECK(u.block < BLOCK_SET_MAX_BLOCKS);
        snprintf(devpath, sizeof(devpath), "/devices/system/memory/memory%" PRIu64, u.block);
        FUZZ_CHECK(strcmp(devpath, prop[2]) == 0);
        return 0;
}
