/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "error.h"
#include "kexec-hotplug.h"

/* Debian's kdump-config records the kexec command of its last load in KDUMP_COREDIR/kexec_cmd: one
 * line, "$KEXEC -p [-s] [--args-linux] [KDUMP_KEXEC_ARGS] --command-line="..." [--initrd=FILE]
 * KERNEL", $KEXEC being /sbin/kexec. Replayed, it loads over the old crash kernel. Only its
 * arguments are taken from it, never the program: the caller runs its own kexec. */

/* The record's text (what names it in messages) as the argv to run: kexec (the caller's) and the
 * record's arguments, if the record is one line (a trailing newline aside) of a panic load: -p or
 * --load-panic, the options kdump-config and kexec-tools' loading options give (-s, -a, -d,
 * --kexec-syscall, --kexec-file-syscall, --kexec-syscall-auto,
 * --args-linux, --reuse-cmdline, --dt-no-old-root, --hotplug, and --command-line=, --append=,
 * --initrd=, --ramdisk=, --dtb= with their values), and one absolute kernel path last; the
 * initrd, ramdisk and dtb paths absolute too. Anything else (-e, -f, -l, -u, an option it does
 * not know, a relative path) gives -EINVAL, naming what, why and a bounded, escaped part of the
 * text; a line that needs a shell likewise (lib/basic/shell-words.h). -ENOMEM.
 * The record's --hotplug (KDUMP_KEXEC_ARGS) is kept only where the kexec fallback would load with it
 * (hotplug, that kexec's mode, is KEXEC_HOTPLUG_ON), else left out (*ret_dropped true): the daemon
 * reloads once per request anyway, and a kexec-tools without 600c2f9512b5 reserves too little of the
 * header the kernel grows (lib/engine/kexec-hotplug.h). No other option of a panic load needs it. */
int kexec_record_argv(const char *text, const char *what, const char *kexec, KexecHotplug hotplug, char ***ret,
                      bool *ret_dropped, Error *e);
