/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "error.h"

/* How long `kexec --help` may take before it counts as unreadable. */
#define KEXEC_HELP_TIMEOUT_MSEC 5000
#define KEXEC_HELP_MAX (64 * 1024)

/* Runs `executable --help` (no shell, stdin /dev/null, stderr discarded) and returns what it printed
 * on stdout, at most KEXEC_HELP_MAX bytes: 0, or -errno with e saying why (not startable, killed at
 * the timeout). Its exit status does not matter: some versions exit 1 after printing the usage. */
int kexec_help_read(const char *executable, char **ret, Error *e);
