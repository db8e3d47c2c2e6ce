/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include "block-set.h"
#include "cpu-set.h"

/* What kind of dump this system has, which says what memory hot-plug needs: nothing when the
 * kernel updates the crash image itself (crash_hotplug=1, since 6.10 a property of the *loaded*
 * image, so a `kdumpctl restart` can change it), a re-registration with firmware-assisted dump,
 * else a crash-kernel reload. CPU hot-plug has a crash_hotplug flag of its own (Linux 6.5 and
 * later). Read per request and on SIGHUP, not once. */

#define MEMORY_CRASH_HOTPLUG_PATH MEMORY_SYSFS_DIR "/crash_hotplug"
#define CPU_CRASH_HOTPLUG_PATH CPU_SYSFS_DIR "/crash_hotplug"
#define FADUMP_DIR "sys/kernel/fadump"

typedef struct DumpMode {
        bool fadump;                /* FADUMP_DIR/enabled */
        bool fadump_hotplug_ready;  /* FADUMP_DIR/hotplug_ready: the kernel handles hot-plug for it */
        bool memory_crash_hotplug;  /* MEMORY_CRASH_HOTPLUG_PATH */
        bool cpu_crash_hotplug;     /* CPU_CRASH_HOTPLUG_PATH */
} DumpMode;

/* What is hot-plugged. */
typedef enum DumpResource {
        DUMP_RESOURCE_MEMORY,
        DUMP_RESOURCE_CPU,
        _DUMP_RESOURCE_MAX,
        _DUMP_RESOURCE_INVALID = -EINVAL,
} DumpResource;

/* Reads the flags under root. An absent or unreadable flag reads as 0: an older kernel, which
 * leaves the reload to user space. */
void dump_mode_read(const char *root, DumpMode *ret);

bool dump_mode_equal(const DumpMode *a, const DumpMode *b);

/* Whether the kernel keeps the crash image up to date across hot-plug of `res` by itself, so that
 * user space reloads nothing: the resource's crash_hotplug flag, but with fadump, for memory
 * hotplug_ready, and for CPUs always (firmware boots the capture kernel with the whole DT). */
bool dump_mode_kernel_handles(const DumpMode *d, DumpResource res);

/* One sentence for the log: what memory hot-plug needs, and why. */
const char *dump_mode_describe(const DumpMode *d);
/* The same for CPU hot-plug. */
const char *dump_mode_describe_cpus(const DumpMode *d);
