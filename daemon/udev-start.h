/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "time-util.h"

/* `kdump-settlectl udev-start`, what the udev rule runs on a memory event while the daemon is not
 * running: asks systemd to start kdump-settled.service once per burst of events. The first event
 * of a burst stamps RUNTIME_DIR.start (under an flock, so that udevd's parallel workers agree)
 * and execs `systemctl --no-block start`; every later one only moves the stamp, and a burst ends
 * after quiet without events. A start that fails therefore blocks nothing beyond its own burst.
 * A unit the administrator disabled or masked (`systemctl is-enabled`, asked once per burst and
 * for at most UDEV_START_QUERY_TIMEOUT) is not started.
 * Returns 0 or -errno (logged); execs systemctl when it starts. */

#define UDEV_START_QUIET_DEFAULT (5 * USEC_PER_SEC)
#define UDEV_START_QUERY_TIMEOUT (5 * USEC_PER_SEC)
#define UDEV_START_UNIT "kdump-settled.service"

int udev_start(const char *runtime_dir, usec_t quiet);
