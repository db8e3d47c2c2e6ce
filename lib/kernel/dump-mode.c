/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>

#include "alloc-util.h"
#include "dump-mode.h"
#include "fileio.h"
#include "macro.h"

/* Whether a sysfs flag reads "1". */
static bool sysfs_flag(const char *root, const char *path) {
        _cleanup_free_ char *text = NULL;

        if (read_full_file_root(root, path, 64, &text, NULL, NULL) < 0)
                return false;
        return text[0] == '1' && (text[1] == 0 || text[1] == '\n');
}

void dump_mode_read(const char *root, DumpMode *ret) {
        assert(root);
        assert(ret);

        *ret = (DumpMode) {
                .fadump = sysfs_flag(root, FADUMP_DIR "/enabled"),
                .fadump_hotplug_ready = sysfs_flag(root, FADUMP_DIR "/hotplug_ready"),
                .memory_crash_hotplug = sysfs_flag(root, MEMORY_CRASH_HOTPLUG_PATH),
                .cpu_crash_hotplug = sysfs_flag(root, CPU_CRASH_HOTPLUG_PATH),
        };
}

bool dump_mode_equal(const DumpMode *a, const DumpMode *b) {
        return a->fadump == b->fadump && a->fadump_hotplug_ready == b->fadump_hotplug_ready &&
                a->memory_crash_hotplug == b->memory_crash_hotplug &&
                a->cpu_crash_hotplug == b->cpu_crash_hotplug;
}

bool dump_mode_kernel_handles(const DumpMode *d, DumpResource res) {
        assert(d);

        switch (res) {
        case DUMP_RESOURCE_MEMORY:
                /* With fadump the capture kernel is firmware's business: crash_hotplug says nothing. */
                return d->fadump ? d->fadump_hotplug_ready : d->memory_crash_hotplug;
        case DUMP_RESOURCE_CPU:
                return d->fadump || d->cpu_crash_hotplug;
        default:
                assert_not_reached();
        }
}

const char *dump_mode_describe(const DumpMode *d) {
        assert(d);

        if (d->fadump)
                return d->fadump_hotplug_ready ?
                        "Firmware-assisted dump is enabled and the kernel handles memory hot-plug for it "
                        "(hotplug_ready=1); memory events need no reload." :
                        "Firmware-assisted dump is enabled: memory hot-plug re-registers it.";
        return d->memory_crash_hotplug ?
                "The kernel updates the crash image on memory hot-plug itself (crash_hotplug=1); "
                "memory events need no reload." :
                "The kernel leaves the crash image to user space on memory hot-plug (crash_hotplug=0): "
                "memory events reload it.";
}

const char *dump_mode_describe_cpus(const DumpMode *d) {
        assert(d);

        if (d->cpu_crash_hotplug)
                return "The kernel updates the crash image on CPU hot-plug itself (CPU crash_hotplug=1); "
                        "CPU events need no reload.";
        return d->fadump ?
                "Firmware boots the capture kernel with every CPU: CPU events need no reload." :
                "CPU events reload the crash image (CPU crash_hotplug=0).";
}
