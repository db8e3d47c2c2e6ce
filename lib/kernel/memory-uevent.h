/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <stdint.h>

#include "error.h"

/* A memory block uevent, validated: ACTION, SUBSYSTEM and DEVPATH as the kernel (or udevd) sends
 * them for /sys/devices/system/memory/memoryN. */

typedef enum MemoryAction {
        MEMORY_ACTION_ADD,
        MEMORY_ACTION_REMOVE,
        MEMORY_ACTION_ONLINE,
        MEMORY_ACTION_OFFLINE,
        MEMORY_ACTION_CHANGE,  /* "change", "move", "bind", "unbind": part of the burst, no block change */
        _MEMORY_ACTION_MAX,
        _MEMORY_ACTION_INVALID = -EINVAL,
} MemoryAction;

typedef struct MemoryUevent {
        MemoryAction action;
        uint64_t block;  /* N of memoryN */
} MemoryUevent;

/* -EBADMSG with a message naming the bad property when ACTION is unknown, SUBSYSTEM is not
 * "memory", or DEVPATH is not /devices/system/memory/memoryN. Any argument may be NULL (missing
 * property), which is an error too. */
int memory_uevent_parse(const char *action, const char *subsystem, const char *devpath,
                        MemoryUevent *ret, Error *e);

const char *memory_action_to_string(MemoryAction a);
