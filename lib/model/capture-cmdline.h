/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "error.h"

/* The capture kernel's command line for the `kexec -p` fallback, built from this kernel's
 * /proc/cmdline the way the distributions' kdump tools build theirs (Fedora's kdumpctl for
 * ppc64le, Debian's kdump-config): parameters that make no sense or cost memory in a small
 * crashkernel region are dropped, and the capture kernel's own ones are appended. */

/* Parameters dropped from this kernel's command line (without "=value"). */
extern const char * const capture_cmdline_drop[];
/* Appended, in this order; any parameter of the same name in this kernel's line is dropped. */
extern const char * const capture_cmdline_append[];

/* cmdline is /proc/cmdline's text (a trailing newline is ignored); double-quoted values stay
 * whole, as the kernel parses them. *ret is the new command line. 0 or -ENOMEM. */
int capture_cmdline_build(const char *cmdline, char **ret, Error *e);
