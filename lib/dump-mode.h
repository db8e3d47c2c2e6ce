/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "block-set.h"

/* What kind of dump this system has, which says what memory hot-plug needs: nothing when the
 * kernel updates the crash image itself (crash_hotplug=1, since 6.10 a property of the *loaded*
 * image, so a `kdumpctl restart` can change it), a re-registration with firmware-assisted dump,
 * else a crash-kernel reload. Read per request and on SIGHUP, not once. A resource's own flag
 * (CPUs: cpu_crash_hotplug_read()) is one more field here. */

#define MEMORY_CRASH_HOTPLUG_PATH MEMORY_SYSFS_DIR "/crash_hotplug"
#define FADUMP_DIR "sys/kernel/fadump"

typedef struct DumpMode {
        bool fadump;                /* FADUMP_DIR/enabled */
        bool fadump_hotplug_ready;  /* FADUMP_DIR/hotplug_ready: the kernel handles hot-plug for it */
        bool memory_crash_hotplug;  /* MEMORY_CRASH_HOTPLUG_PATH */
} DumpMode;

/* Reads the flags under root. An absent or unreadable flag reads as 0: an older kernel, which
 * leaves the reload to user space. */
void dump_mode_read(const char *root, DumpMode *ret);

bool dump_mode_equal(const DumpMode *a, const DumpMode *b);

/* Whether the kernel keeps the crash image up to date across memory hot-plug by itself. */
bool dump_mode_kernel_handles_memory(const DumpMode *d);

/* One sentence for the log: what memory hot-plug needs, and why. */
const char *dump_mode_describe(const DumpMode *d);
