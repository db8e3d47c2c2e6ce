/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "manager.h"

/* The manager's configuration: the command line, the config files with the options that override
 * them, and the re-read on SIGHUP (a *reconfigure*). */

/* 1: go on; 0: done (--help, --version); -errno: bad arguments (logged). Sets the root, the
 * config path, the runtime directory ($RUNTIME_DIRECTORY, else the default) and the overrides. */
int manager_parse_argv(Manager *m, int argc, char *argv[]);

/* Reads the config files, applies the overrides and resolves the reload command. Logs failures. */
int manager_load_config(Manager *m);

/* SIGHUP: reads everything again; on failure (logged) the previous configuration stays and -errno
 * is returned. UeventSource= keeps its value until a restart. */
int manager_reconfigure(Manager *m);

/* The engine's timings the configuration sets. */
SettleConfig manager_settle_config(const Manager *m);
