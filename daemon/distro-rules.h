/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdio.h>

/* The distributions' udev rules that reload kdump on every memory (and CPU) uevent. With kdump-settled
 * running they would still reload on each uevent, reading the stale device tree; the udev way to
 * switch a rule off is a same-named file in /etc/udev/rules.d/, which takes precedence over
 * /usr/lib, /lib and /run: a symlink to /dev/null masks it. */

typedef struct DistroRule {
        const char *name;   /* file name in a udev rules directory */
        const char *owner;  /* who ships it, for the messages */
        /* The uevents it reloads on, "SUBSYSTEM:ACTION|ACTION ...": once it is masked, the daemon
         * must follow each of them and the project's rule start the daemon on each
         * (tests/rules/test-rules checks rules.d/90-kdump-settle.rules.in against this). */
        const char *reloads_on;
} DistroRule;

/* The known rules, terminated by an entry with name NULL. */
extern const DistroRule distro_rules[];

/* Where kdump-settled runs (ROOT/DT_MEMORY_NODE exists, the unit's ConditionPathExists=; root
 * NULL or "" means "/"): creates ROOT/etc/udev/rules.d/NAME -> /dev/null for every known NAME,
 * creating the directory if needed, and records the links it made in
 * ROOT/var/lib/kdump-settle/masked-distro-rules. A mask that is already there and not in the
 * record, and a real file (or a symlink elsewhere), are the administrator's: reported and never
 * replaced or recorded. Where the daemon does not run: what distro_rules_unmask() does.
 * Prints one line per name to out. Returns 0, or the first negative errno after trying every
 * name (each failure is logged). */
int distro_rules_mask(const char *root, FILE *out);

/* Removes the masks the record lists that are still symlinks to /dev/null, and nothing else: the
 * administrator's own masks stay. Prints one line per name to out. Returns 0, or the first
 * negative errno after trying every name (each failure is logged); a record that is not a regular
 * file owned by the caller (root) and writable only by it, or holds anything but known names, is
 * an error and nothing is removed. */
int distro_rules_unmask(const char *root, FILE *out);
