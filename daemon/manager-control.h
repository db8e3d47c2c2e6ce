/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "manager.h"

/* What the control socket's requests (control.h) mean to the manager: status, a reload request,
 * and wait. */

/* Opens the socket in the runtime directory. Logs failures. */
int manager_open_control(Manager *m);

/* Whether a `wait` now pending runs under drmgr, which holds its lock (pid holder): from one of its
 * hooks, which drmgr runs with the lock held and waits for. Its change is then done and it waits
 * for us, so its lock holds no request open. Says so once per drmgr. */
bool manager_drmgr_waits_for_us(Manager *m, pid_t holder);
