/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "error.h"

/* A CPU uevent, validated: ACTION, SUBSYSTEM and DEVPATH as the kernel (or udevd) sends them for
 * /sys/devices/system/cpu/cpuN. OF_FULLNAME is never read: on the first online of a hot-added
 * core the kernel has been seen to send the wrong node (@0). */

typedef enum CpuAction {
        CPU_ACTION_ADD,
        CPU_ACTION_REMOVE,
        CPU_ACTION_ONLINE,
        CPU_ACTION_OFFLINE,
        CPU_ACTION_CHANGE,  /* "change", "move", "bind", "unbind": part of the burst, nothing to compare changed */
        _CPU_ACTION_MAX,
        _CPU_ACTION_INVALID = -EINVAL,
} CpuAction;

typedef struct CpuUevent {
        CpuAction action;
        uint32_t cpu;  /* N of cpuN, < CPU_SET_MAX_CPUS */
} CpuUevent;

/* -EBADMSG with a message naming the bad property when ACTION is unknown, SUBSYSTEM is not "cpu",
 * or DEVPATH is not /devices/system/cpu/cpuN (decimal, no leading zeros, N < CPU_SET_MAX_CPUS).
 * Any argument may be NULL (missing property), which is an error too. */
int cpu_uevent_parse(const char *action, const char *subsystem, const char *devpath,
                     CpuUevent *ret, Error *e);

const char *cpu_action_to_string(CpuAction a);

/* Whether the action may change what the CPU rule compares, i.e. calls for settle_event() rather
 * than settle_state_event(). Unlike memory, where online and offline leave the DT and the block
 * set alone, here they are the signal: all possible CPUs are registered at boot, so a hot-added
 * core gives no `add`, only an `online` after its node appeared, and a removal gives `offline`
 * before its node goes. add and remove (CPUs registered at run time) count too. */
static inline bool cpu_action_changes_set(CpuAction a) {
        return a == CPU_ACTION_ADD || a == CPU_ACTION_REMOVE || a == CPU_ACTION_ONLINE || a == CPU_ACTION_OFFLINE;
}
