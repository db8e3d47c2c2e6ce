/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "config.h"
#include "cpu-uevent.h"
#include "error.h"
#include "memory-uevent.h"

/* Memory and CPU uevents from libudev, on udevd's netlink group or the kernel's. libudev itself
 * drops messages from any other sender. */
typedef struct Monitor Monitor;

typedef enum UeventKind {
        UEVENT_MEMORY,
        UEVENT_CPU,
} UeventKind;

typedef struct Uevent {
        UeventKind kind;
        union {
                MemoryUevent memory;
                CpuUevent cpu;
        };
} Uevent;

/* cpus: CPU uevents too (where the CPU input is followed); else they are filtered out. */
int monitor_new(UeventSource source, bool cpus, Monitor **ret, Error *e);
Monitor *monitor_free(Monitor *m);
int monitor_get_fd(Monitor *m);

/* 1 and *ret: a memory or CPU uevent, validated; 0: nothing queued; -ENOBUFS: the socket overflowed and events were
 * lost (the caller rescans); -EBADMSG with e set: a malformed uevent, dropped. */
int monitor_receive(Monitor *m, Uevent *ret, Error *e);
