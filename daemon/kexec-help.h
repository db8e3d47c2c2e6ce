/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "error.h"
#include "kexec-hotplug.h"
#include "time-util.h"

/* How long `kexec --help` (or --version) may take before it counts as unreadable. */
#define KEXEC_HELP_TIMEOUT (5 * USEC_PER_SEC)
#define KEXEC_HELP_MAX (64 * 1024)

/* Runs `executable option` (daemon/run-capture.h) and returns what it printed on stdout, at most
 * KEXEC_HELP_MAX bytes: 0, or -errno with e saying why (not startable, killed at the timeout). Its
 * exit status does not matter: some versions exit 1 after printing the usage. Blocks: at start-up,
 * at a reconfigure, in `check`. */
int kexec_ask(const char *executable, const char *option, char **ret, Error *e);

/* The kexec fallback's mode (lib/engine/kexec-hotplug.h) for the kernel under root and executable (NULL:
 * none found), asking kexec --help and then --version only when the answers before leave it open;
 * what cannot be asked counts as without, logged. *ret_version (if not NULL): the version line when
 * it was asked and understood, else NULL. */
KexecHotplug kexec_hotplug_probe(const char *root, const char *executable, KexecHotplugChoice choice,
                                 char **ret_version);

/* The same for the kexec in path (none: KEXEC_HOTPLUG_NO_KEXEC, not logged): what `check` (choice
 * auto) judges the --hotplug hazard by, whatever the backend; `status` asks the same kexec so
 * (daemon/manager-config.c), or reuses the backend's answer when it asked that very file. */
KexecHotplug kexec_hotplug_probe_path(const char *root, const char *path, KexecHotplugChoice choice,
                                      char **ret_version);

/* Whether other (a kexec found in PATH) is the file root/executable names (stat: the same device
 * and inode, after symlinks): Debian's replay asks /sbin/kexec, status the one in PATH, on merged
 * /usr usually the same file, whose answers are then the same. */
bool kexec_same_file(const char *root, const char *executable, const char *other);

/* That hazard now (lib/engine/kexec-hotplug.h), from such a mode and memory's crash_hotplug and
 * kexec_crash_loaded under root as they read now (sysfs: never blocks). */
KexecHotplugHazard kexec_hotplug_hazard_now(const char *root, KexecHotplug auto_mode);
