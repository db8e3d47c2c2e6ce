/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "manager.h"

/* What the control socket's requests (control.h) mean to the manager: status, a reload request,
 * and wait. */

/* Opens the socket in the runtime directory. Logs failures. */
int manager_open_control(Manager *m);
