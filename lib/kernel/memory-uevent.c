/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "block-set.h"
#include "escape.h"
#include "memory-uevent.h"
#include "string-table.h"

#define MEMORY_DEVPATH_PREFIX "/devices/system/memory/"

static const char *const memory_action_table[_MEMORY_ACTION_MAX] = {
        [MEMORY_ACTION_ADD] = "add",
        [MEMORY_ACTION_REMOVE] = "remove",
        [MEMORY_ACTION_ONLINE] = "online",
        [MEMORY_ACTION_OFFLINE] = "offline",
        [MEMORY_ACTION_CHANGE] = "change",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(memory_action, MemoryAction);
DEFINE_PRIVATE_STRING_TABLE_LOOKUP_FROM_STRING(memory_action, MemoryAction);

/* Actions that are part of a burst without changing a block: all "change" to us. */
static const char *const memory_action_other_table[] = { "move", "bind", "unbind" };

static int memory_action_parse(const char *s, MemoryAction *ret) {
        MemoryAction a = memory_action_from_string(s);

        if (a < 0 && string_table_lookup(memory_action_other_table, ELEMENTSOF(memory_action_other_table), s) >= 0)
                a = MEMORY_ACTION_CHANGE;
        if (a < 0)
                return -EINVAL;
        *ret = a;
        return 0;
}

int memory_uevent_parse(const char *action, const char *subsystem, const char *devpath,
                        MemoryUevent *ret, Error *e) {
        char q[TEXT_QUOTE_SIZE(32)];
        MemoryUevent u;

        if (!action)
                return error_set(e, -EBADMSG, "uevent without ACTION");
        if (memory_action_parse(action, &u.action) < 0)
                return error_set(e, -EBADMSG, "uevent ACTION=%s is not a known action",
                                 text_quote(action, q, sizeof(q)));

        if (!subsystem)
                return error_set(e, -EBADMSG, "uevent without SUBSYSTEM");
        if (strcmp(subsystem, "memory") != 0)
                return error_set(e, -EBADMSG, "uevent SUBSYSTEM=%s is not \"memory\"",
                                 text_quote(subsystem, q, sizeof(q)));

        if (!devpath)
                return error_set(e, -EBADMSG, "uevent without DEVPATH");
        if (strncmp(devpath, MEMORY_DEVPATH_PREFIX, strlen(MEMORY_DEVPATH_PREFIX)) != 0 ||
            memory_block_name_parse(devpath + strlen(MEMORY_DEVPATH_PREFIX), &u.block) < 0)
                return error_set(e, -EBADMSG, "uevent DEVPATH=%s is not %smemoryN",
                                 text_quote(devpath, q, sizeof(q)), MEMORY_DEVPATH_PREFIX);

        *ret = u;
        return 0;
}
