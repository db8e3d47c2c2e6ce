/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "cpu-set.h"
#include "cpu-uevent.h"
#include "escape.h"
#include "macro.h"
#include "string-table.h"

#define CPU_DEVPATH_PREFIX "/devices/system/cpu/cpu"

static const char *const cpu_action_table[_CPU_ACTION_MAX] = {
        [CPU_ACTION_ADD] = "add",
        [CPU_ACTION_REMOVE] = "remove",
        [CPU_ACTION_ONLINE] = "online",
        [CPU_ACTION_OFFLINE] = "offline",
        [CPU_ACTION_CHANGE] = "change",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(cpu_action, CpuAction);
DEFINE_PRIVATE_STRING_TABLE_LOOKUP_FROM_STRING(cpu_action, CpuAction);

/* Actions that are part of a burst without changing a CPU: all "change" to us. */
static const char *const cpu_action_other_table[] = { "move", "bind", "unbind" };

static int cpu_action_parse(const char *s, CpuAction *ret) {
        CpuAction a = cpu_action_from_string(s);

        if (a < 0 && string_table_lookup(cpu_action_other_table, ELEMENTSOF(cpu_action_other_table), s) >= 0)
                a = CPU_ACTION_CHANGE;
        if (a < 0)
                return -EINVAL;
        *ret = a;
        return 0;
}

/* "cpu" + N: strict decimal, no leading zeros (but "0"), below CPU_SET_MAX_CPUS, nothing after. */
static int cpu_number_parse(const char *s, uint32_t *ret) {
        uint32_t v = 0;

        if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] != 0))
                return -EINVAL;
        for (; *s; s++) {
                if (*s < '0' || *s > '9')
                        return -EINVAL;
                v = v * 10 + (uint32_t) (*s - '0');
                if (v >= CPU_SET_MAX_CPUS)
                        return -EINVAL;
        }
        *ret = v;
        return 0;
}

int cpu_uevent_parse(const char *action, const char *subsystem, const char *devpath,
                     CpuUevent *ret, Error *e) {
        char q[TEXT_QUOTE_SIZE(32)];
        CpuUevent u;

        if (!action)
                return error_set(e, -EBADMSG, "uevent without ACTION");
        if (cpu_action_parse(action, &u.action) < 0)
                return error_set(e, -EBADMSG, "uevent ACTION=%s is not a known action",
                                 text_quote(action, q, sizeof(q)));

        if (!subsystem)
                return error_set(e, -EBADMSG, "uevent without SUBSYSTEM");
        if (strcmp(subsystem, "cpu") != 0)
                return error_set(e, -EBADMSG, "uevent SUBSYSTEM=%s is not \"cpu\"",
                                 text_quote(subsystem, q, sizeof(q)));

        if (!devpath)
                return error_set(e, -EBADMSG, "uevent without DEVPATH");
        if (strncmp(devpath, CPU_DEVPATH_PREFIX, strlen(CPU_DEVPATH_PREFIX)) != 0 ||
            cpu_number_parse(devpath + strlen(CPU_DEVPATH_PREFIX), &u.cpu) < 0)
                return error_set(e, -EBADMSG, "uevent DEVPATH=%s is not %sN",
                                 text_quote(devpath, q, sizeof(q)), CPU_DEVPATH_PREFIX);

        *ret = u;
        return 0;
}
