/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "time-util.h"

/* Each default once, as the value the code uses and as the text the documents show (the man
 * pages, units/kdump-settle.conf, kdump-settled --help). tests/unit/engine/test-defaults fails when a
 * text does not parse to its value or when any of those documents says otherwise. */

#define DEFAULT_CONFIG_PATH SYSCONFDIR "/kdump-settle.conf"
#define DEFAULT_RUNTIME_DIR "/run/kdump-settle"

#define CONFIG_QUIET_DEFAULT (50 * USEC_PER_MSEC)
#define CONFIG_QUIET_DEFAULT_TEXT "50ms"
#define CONFIG_MAX_WAIT_DEFAULT (30 * USEC_PER_SEC)
#define CONFIG_MAX_WAIT_DEFAULT_TEXT "30s"
#define CONFIG_POLL_INTERVAL_DEFAULT (5 * USEC_PER_MSEC)
#define CONFIG_POLL_INTERVAL_DEFAULT_TEXT "5ms"
#define CONFIG_UEVENT_SOURCE_DEFAULT_TEXT "udev"
#define CONFIG_WAIT_FOR_DRMGR_DEFAULT true
#define CONFIG_WAIT_FOR_DRMGR_DEFAULT_TEXT "yes"
#define CONFIG_RELOAD_BACKEND_DEFAULT_TEXT "auto"
#define CONFIG_KEXEC_HOTPLUG_DEFAULT_TEXT "auto"
#define CONFIG_RELOAD_TIMEOUT_DEFAULT (120 * USEC_PER_SEC)
#define CONFIG_RELOAD_TIMEOUT_DEFAULT_TEXT "120s"

/* The engine's timings that are not configurable (lib/engine/settle.h's SETTLE_CONFIG_DEFAULT). */
#define SETTLE_DT_GRACE_DEFAULT (10 * USEC_PER_MSEC)
#define SETTLE_WATCH_INTERVAL_DEFAULT (1 * USEC_PER_SEC)
#define SETTLE_RETRY_INITIAL_DEFAULT (1 * USEC_PER_SEC)
#define SETTLE_RETRY_MAX_DEFAULT (5 * USEC_PER_MINUTE)
#define SETTLE_HOLD_INTERVAL_DEFAULT (100 * USEC_PER_MSEC)
