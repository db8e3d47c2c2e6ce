/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <stdbool.h>

#include "config.h"
#include "error.h"

/* Whether the kexec fallback loads the crash kernel so that the kernel keeps the image current
 * across memory and CPU hot-plug itself (`kexec -p --hotplug`): after such a load crash_hotplug
 * reads 1 (lib/kernel/dump-mode.h) and hot-plug needs no reload. Needs both sides:
 *  - the kernel: CONFIG_CRASH_HOTPLUG, on powerpc since 6.10; it then has
 *    KEXEC_CRASH_ELFCOREHDR_SIZE_PATH, which kexec --hotplug reads (it refuses without it);
 *  - kexec-tools >= 2.0.29, whose --help lists --hotplug;
 *  - and that kexec-tools reserving the whole header in the capture kernel's FDT: 2.0.29 (b8408c95e7c0)
 *    to 2.0.32 reserve only its initial size, not the memsz the kernel grows it into on hot-plug, so
 *    the capture kernel may overwrite the grown part. The fix, 600c2f9512b5, is in no release up to
 *    2.0.32 (merged on master after 2.0.32.git). No probe short of a load shows the reserve map, so
 *    `kexec --version` tells: 2.0.33 or later (its -rcN and .git snapshots too) has it; 2.0.32.git
 *    may or may not (master between the release and the fix says the same), so counts as without.
 *    A distribution's backport says nothing in the version: KexecHotplug=yes (lib/engine/config.h).
 * Not `kexec -s` (kexec_file_load): Debian's kernels lack CONFIG_KEXEC_FILE on ppc64el, and it
 * would change what is loaded (signature checks, the kernel's own purgatory), not only its upkeep. */

#define KEXEC_HOTPLUG_OPTION "--hotplug"
#define KEXEC_CRASH_ELFCOREHDR_SIZE_PATH "sys/kernel/crash_elfcorehdr_size"

typedef enum KexecHotplug {
        KEXEC_HOTPLUG_ON,          /* kexec -p --hotplug: the kernel keeps the image current */
        KEXEC_HOTPLUG_NO_KERNEL,   /* the kernel cannot update a loaded image (< 6.10, no CONFIG_CRASH_HOTPLUG) */
        KEXEC_HOTPLUG_NO_KEXEC,    /* kexec-tools has no --hotplug (< 2.0.29), or its --help could not be read */
        KEXEC_HOTPLUG_UNUSED,      /* the reload backend is not the kexec fallback, nor replays a kexec -p */
        KEXEC_HOTPLUG_NO_RESERVE_FIX, /* kexec-tools has --hotplug but not 600c2f9512b5 (2.0.29-2.0.32) */
        KEXEC_HOTPLUG_OFF,         /* KexecHotplug=no */
        _KEXEC_HOTPLUG_MAX,
        _KEXEC_HOTPLUG_INVALID = -EINVAL,
} KexecHotplug;

/* "yes", "no-kernel", "no-kexec", "unused", "no-reserve-fix", "off": `status`'s kexec_hotplug. */
const char *kexec_hotplug_to_string(KexecHotplug k);

/* Whether `kexec --help` output lists the option: a line whose first word is "--hotplug". */
bool kexec_help_has_hotplug(const char *help);

/* Whether the kernel under root can update a loaded crash image: KEXEC_CRASH_ELFCOREHDR_SIZE_PATH
 * holds a positive number. Absent: *ret false, 0. Unreadable or not a number: -errno with e naming
 * the file (*ret false). */
int kexec_hotplug_kernel_supports(const char *root, bool *ret, Error *e);

/* kexec-tools' version as `kexec --version` prints it (PACKAGE_STRING: "kexec-tools 2.0.32",
 * "kexec-tools 2.0.32.git", "kexec-tools 2.0.33-rc1"). */
typedef struct KexecVersion {
        unsigned major, minor, patch;
        unsigned rc;    /* -rcN: before the release of that number, after its predecessor's fixes */
        bool snapshot;  /* .git: master some time after that release */
} KexecVersion;

/* Parses the first line of `kexec --version` output. Anything else: -EINVAL with e quoting the text. */
int kexec_version_parse(const char *text, KexecVersion *ret, Error *e);

/* Whether that kexec-tools reserves the whole elfcorehdr (has 600c2f9512b5): after 2.0.32. */
bool kexec_version_has_reserve_fix(const KexecVersion *v);

/* The mode from the administrator's choice and the three sides; kernel first, since a newer
 * kexec-tools cannot make up for it. reserve_fix matters only to KEXEC_HOTPLUG_CHOICE_AUTO. */
KexecHotplug kexec_hotplug_decide(KexecHotplugChoice choice, bool kernel, bool kexec, bool reserve_fix);

/* kexec -p --hotplug with a kexec-tools that reserves only the elfcorehdr's initial size, for
 * `kdump-settlectl check` and `status` alike, whatever the backend: */
typedef enum KexecHotplugHazard {
        KEXEC_HOTPLUG_HAZARD_NONE,       /* that kexec (asked with KexecHotplug=auto) is not NO_RESERVE_FIX */
        KEXEC_HOTPLUG_HAZARD_NOT_LOADED, /* it is, but the crash kernel loaded now is not one the kernel updates */
        KEXEC_HOTPLUG_HAZARD_LOADED,     /* it is, and the loaded crash kernel is one the kernel updates on
                                          * hot-plug (memory crash_hotplug 1: on kexec_load, loaded with
                                          * --hotplug): the daemon reloads nothing the kernel updates, so
                                          * nothing corrects it */
        _KEXEC_HOTPLUG_HAZARD_MAX,
        _KEXEC_HOTPLUG_HAZARD_INVALID = -EINVAL,
} KexecHotplugHazard;

/* "none", "not-loaded", "loaded": `status`'s kexec_hotplug_hazard. */
const char *kexec_hotplug_hazard_to_string(KexecHotplugHazard h);

/* The hazard from the kexec's mode asked with KEXEC_HOTPLUG_CHOICE_AUTO, memory's crash_hotplug and
 * kexec_crash_loaded (1, 0, or -1 not known: not loaded as far as anyone can tell). */
KexecHotplugHazard kexec_hotplug_hazard(KexecHotplug auto_mode, bool memory_crash_hotplug, int crash_loaded);

/* Why, for the log, after what loads with or without --hotplug (the kexec fallback, a replayed
 * record: lib/engine/kexec-record.h): a clause and the sentences after it. */
const char *kexec_hotplug_reason(KexecHotplug k);
