/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <stdbool.h>

#include "error.h"

/* Whether the kexec fallback loads the crash kernel so that the kernel keeps the image current
 * across memory and CPU hot-plug itself (`kexec -p --hotplug`): after such a load crash_hotplug
 * reads 1 (lib/dump-mode.h) and hot-plug needs no reload. Needs both sides:
 *  - the kernel: CONFIG_CRASH_HOTPLUG, on powerpc since 6.10; it then has
 *    KEXEC_CRASH_ELFCOREHDR_SIZE_PATH, which kexec --hotplug reads (it refuses without it);
 *  - kexec-tools >= 2.0.29, whose --help lists --hotplug.
 * Not `kexec -s` (kexec_file_load): Debian's kernels lack CONFIG_KEXEC_FILE on ppc64el, and it
 * would change what is loaded (signature checks, the kernel's own purgatory), not only its upkeep. */

#define KEXEC_HOTPLUG_OPTION "--hotplug"
#define KEXEC_CRASH_ELFCOREHDR_SIZE_PATH "sys/kernel/crash_elfcorehdr_size"

typedef enum KexecHotplug {
        KEXEC_HOTPLUG_ON,          /* kexec -p --hotplug: the kernel keeps the image current */
        KEXEC_HOTPLUG_NO_KERNEL,   /* the kernel cannot update a loaded image (< 6.10, no CONFIG_CRASH_HOTPLUG) */
        KEXEC_HOTPLUG_NO_KEXEC,    /* kexec-tools has no --hotplug (< 2.0.29), or its --help could not be read */
        KEXEC_HOTPLUG_UNUSED,      /* the reload backend is not the kexec fallback */
        _KEXEC_HOTPLUG_MAX,
        _KEXEC_HOTPLUG_INVALID = -EINVAL,
} KexecHotplug;

/* "yes", "no-kernel", "no-kexec", "unused": `status`'s kexec_hotplug. */
const char *kexec_hotplug_to_string(KexecHotplug k);

/* Whether `kexec --help` output lists the option: a line whose first word is "--hotplug". */
bool kexec_help_has_hotplug(const char *help);

/* Whether the kernel under root can update a loaded crash image: KEXEC_CRASH_ELFCOREHDR_SIZE_PATH
 * holds a positive number. Absent: *ret false, 0. Unreadable or not a number: -errno with e naming
 * the file (*ret false). */
int kexec_hotplug_kernel_supports(const char *root, bool *ret, Error *e);

/* The mode from the two sides; kernel first, since a newer kexec-tools cannot make up for it. */
KexecHotplug kexec_hotplug_decide(bool kernel, bool kexec);

/* One sentence for the log. */
const char *kexec_hotplug_describe(KexecHotplug k);
