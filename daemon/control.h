/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "control-protocol.h"
#include "error.h"

/* The control socket (/run/kdump-settle/control): root only, mode 0600 and the peer's
 * credentials checked. The protocol is lib/engine/control-protocol.h; what the requests mean is the
 * manager's, through these callbacks. */

typedef struct ControlHandlers {
        void (*status)(void *userdata, FILE *reply);   /* write key=value lines */
        void (*reload)(void *userdata);
        void (*wait_begin)(void *userdata);            /* a waiter arrived: look for news first */
        bool (*wait_done)(void *userdata);             /* nothing pending and the last reload succeeded */
} ControlHandlers;

typedef struct ControlServer ControlServer;

int control_server_new(sd_event *event, const char *path, const ControlHandlers *handlers, void *userdata,
                       ControlServer **ret, Error *e);
ControlServer *control_server_free(ControlServer *s);

/* The state changed: answer the waiters, if wait_done() now holds. */
void control_server_notify(ControlServer *s);

/* The first waiter for which match(its peer's pid, as SO_PEERCRED said at connect) is true: its
 * pid, or 0. */
pid_t control_server_find_waiter(const ControlServer *s, bool (*match)(pid_t pid, void *userdata), void *userdata);
