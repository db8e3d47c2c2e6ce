/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "block-set.h"
#include "memory-uevent.h"

#define MEMORY_DEVPATH_PREFIX "/devices/system/memory/"

static const char *const memory_action_table[_MEMORY_ACTION_MAX] = {
        [MEMORY_ACTION_ADD] = "add",
        [MEMORY_ACTION_REMOVE] = "remove",
        [MEMORY_ACTION_ONLINE] = "online",
        [MEMORY_ACTION_OFFLINE] = "offline",
        [MEMORY_ACTION_CHANGE] = "change",
};

const char *memory_action_to_string(MemoryAction a) {
        return a >= 0 && a < _MEMORY_ACTION_MAX ? memory_action_table[a] : NULL;
}

static int memory_action_from_string(const char *s, MemoryAction *ret) {
        static const char *const other[] = { "move", "bind", "unbind" };

        for (MemoryAction a = 0; a < _MEMORY_ACTION_MAX; a++)
                if (strcmp(s, memory_action_table[a]) == 0) {
                        *ret = a;
                        return 0;
                }
        for (size_t i = 0; i < ELEMENTSOF(other); i++)
                if (strcmp(s, other[i]) == 0) {
                        *ret = MEMORY_ACTION_CHANGE;
                        return 0;
                }
        return -EINVAL;
}

/* Printable and short, for quoting input in a message. */
static const char *sanitize(const char *s, char *buf, size_t size) {
        size_t i;

        for (i = 0; s[i] && i + 1 < size; i++)
                buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
        buf[i] = 0;
        return buf;
}

int memory_uevent_parse(const char *action, const char *subsystem, const char *devpath,
                        MemoryUevent *ret, Error *e) {
        char q[64];
        MemoryUevent u;

        if (!action)
                return error_set(e, -EBADMSG, "uevent without ACTION");
        if (memory_action_from_string(action, &u.action) < 0)
                return error_set(e, -EBADMSG, "uevent ACTION=%s is not a known action",
                                 sanitize(action, q, sizeof(q)));

        if (!subsystem)
                return error_set(e, -EBADMSG, "uevent without SUBSYSTEM");
        if (strcmp(subsystem, "memory") != 0)
                return error_set(e, -EBADMSG, "uevent SUBSYSTEM=%s is not \"memory\"",
                                 sanitize(subsystem, q, sizeof(q)));

        if (!devpath)
                return error_set(e, -EBADMSG, "uevent without DEVPATH");
        if (strncmp(devpath, MEMORY_DEVPATH_PREFIX, strlen(MEMORY_DEVPATH_PREFIX)) != 0 ||
            memory_block_name_parse(devpath + strlen(MEMORY_DEVPATH_PREFIX), &u.block) < 0)
                return error_set(e, -EBADMSG, "uevent DEVPATH=%s is not %smemoryN",
                                 sanitize(devpath, q, sizeof(q)), MEMORY_DEVPATH_PREFIX);

        *ret = u;
        return 0;
}
