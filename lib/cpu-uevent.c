/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "cpu-set.h"
#include "cpu-uevent.h"
#include "macro.h"

#define CPU_DEVPATH_PREFIX "/devices/system/cpu/cpu"

static const char *const cpu_action_table[_CPU_ACTION_MAX] = {
        [CPU_ACTION_ADD] = "add",
        [CPU_ACTION_REMOVE] = "remove",
        [CPU_ACTION_ONLINE] = "online",
        [CPU_ACTION_OFFLINE] = "offline",
        [CPU_ACTION_CHANGE] = "change",
};

const char *cpu_action_to_string(CpuAction a) {
        return a >= 0 && a < _CPU_ACTION_MAX ? cpu_action_table[a] : NULL;
}

static int cpu_action_from_string(const char *s, CpuAction *ret) {
        static const char *const other[] = { "move", "bind", "unbind" };

        for (CpuAction a = 0; a < _CPU_ACTION_MAX; a++)
                if (strcmp(s, cpu_action_table[a]) == 0) {
                        *ret = a;
                        return 0;
                }
        for (size_t i = 0; i < ELEMENTSOF(other); i++)
                if (strcmp(s, other[i]) == 0) {
                        *ret = CPU_ACTION_CHANGE;
                        return 0;
                }
        return -EINVAL;
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

/* Untrusted text in a message: printable ASCII, cut short. */
static const char *printable(const char *s, char *buf, size_t size) {
        size_t i;

        for (i = 0; s[i] && i + 1 < size; i++)
                buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
        buf[i] = 0;
        return buf;
}

int cpu_uevent_parse(const char *action, const char *subsystem, const char *devpath,
                     CpuUevent *ret, Error *e) {
        char q[64];
        CpuUevent u;

        if (!action)
                return error_set(e, -EBADMSG, "uevent without ACTION");
        if (cpu_action_from_string(action, &u.action) < 0)
                return error_set(e, -EBADMSG, "uevent ACTION=%s is not a known action",
                                 printable(action, q, sizeof(q)));

        if (!subsystem)
                return error_set(e, -EBADMSG, "uevent without SUBSYSTEM");
        if (strcmp(subsystem, "cpu") != 0)
                return error_set(e, -EBADMSG, "uevent SUBSYSTEM=%s is not \"cpu\"",
                                 printable(subsystem, q, sizeof(q)));

        if (!devpath)
                return error_set(e, -EBADMSG, "uevent without DEVPATH");
        if (strncmp(devpath, CPU_DEVPATH_PREFIX, strlen(CPU_DEVPATH_PREFIX)) != 0 ||
            cpu_number_parse(devpath + strlen(CPU_DEVPATH_PREFIX), &u.cpu) < 0)
                return error_set(e, -EBADMSG, "uevent DEVPATH=%s is not %sN",
                                 printable(devpath, q, sizeof(q)), CPU_DEVPATH_PREFIX);

        *ret = u;
        return 0;
}
