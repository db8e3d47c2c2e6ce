/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <systemd/sd-event.h>

#include "config.h"
#include "error.h"
#include "kdump-gate.h"
#include "kexec-hotplug.h"
#include "settle.h"

/* The reload backend: which command loads the crash kernel, and running it as a child. */

/* Where commands are looked up when the environment has no PATH (as under some init systems). */
#define RELOAD_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* ReloadCommand= split on white space; else the first backend of daemon/backend.c whose tool is in
 * PATH (kdumpctl, kdump-config, SUSE's kdumptool); else `kexec -p KexecKernel ...`, loading over
 * the old image so that there is never a moment without a crash kernel, with KexecAppend= or a
 * capture command line built from root/proc/cmdline, and with --hotplug where the kernel and kexec
 * have it (lib/engine/kexec-hotplug.h: asks `kexec --help`). *ret_backend is the backend's name,
 * *ret_hotplug the kexec fallback's mode, or that of the kexec a backend replays a record with
 * (Debian: whether the record's --hotplug stays), KEXEC_HOTPLUG_UNUSED for the others. */
int reload_argv_resolve(const Config *c, const char *root, const char *path, char ***ret, const char **ret_backend,
                        KexecHotplug *ret_hotplug, Error *e);

/* With firmware-assisted dump the "reload" is a re-registration, which makes the kernel rebuild
 * the dump's memory ranges: kdumpctl does it itself; in the other backends' stead the child writes
 * /sys/kernel/fadump/registered (fadump_registered, under root) instead of exec'ing anything. */

/* The backend's name (status, log) when the daemon re-registers fadump itself. */
#define RELOAD_FADUMP_BACKEND "fadump re-registration"

typedef struct Reload Reload;
typedef void (*reload_done_t)(Reload *r, bool success, const char *how, void *userdata);

/* Forks and execs argv (no shell) in its own process group, with KDUMP_SETTLE_REASON set, or with
 * argv NULL re-registers fadump through fadump_registered; done is called once when it exits, or
 * after it was killed at timeout. backend (reload_argv_resolve()'s name) may replace argv for this
 * reload (a replay keeps --hotplug by hotplug, reload_argv_resolve()'s mode) and gates it (also a
 * re-registration) on kdump being on: when the gate is not open the
 * child runs nothing, reload_gate() says how and `how` why; done gets success when it is closed
 * (nothing to do), failure when deferred (retry). A reload past its timeout is killed only once it
 * stalls, and not before twice the timeout while nothing is loaded (lib/kernel/reload-watch.h). */
int reload_start(sd_event *event, const char *root, const char *backend, KexecHotplug hotplug, char * const *argv,
                 const char *fadump_registered, SettleReason reason, usec_t timeout, reload_done_t done,
                 void *userdata, Reload **ret, Error *e);

/* Kills a running child and releases everything; done is not called. */
Reload *reload_free(Reload *r);

usec_t reload_started_at(const Reload *r);
/* The daemon is stopping and waits for it: tells systemd (EXTEND_TIMEOUT_USEC) to wait until
 * reload_deadline() and a little more, now and whenever the deadline moves. */
void reload_extend_stop_timeout(Reload *r, usec_t now);
/* Whether it is the daemon's own fadump re-registration (argv NULL). */
bool reload_is_fadump(const Reload *r);
/* What the kdump-enabled gate said: OPEN, the backend ran; else nothing ran. */
KdumpGate reload_gate(const Reload *r);
/* The earliest it is killed at if it makes no more progress. */
usec_t reload_deadline(const Reload *r);
