/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>

#include "fileio.h"
#include "log.h"
#include "manager-control.h"
#include "manager-cpus.h"

static void on_status(void *userdata, FILE *f) {
        Manager *m = userdata;
        const Settle *s = &m->settle;
        const SettleVerdict *v = settle_verdict(s);
        const SettleCounters *n = settle_counters(s);

        fprintf(f, "state=%s\n", settle_state_to_string(settle_state(s)));
        fprintf(f, "status=%s\n", m->status);
        fprintf(f, "pending_events=%llu\n", (unsigned long long) m->request_events);
        fprintf(f, "dt_generation=%016llx\n", (unsigned long long) settle_last_generation(s));
        fprintf(f, "consistent=%s\n", !v->valid ? "unknown" : v->consistent ? "yes" : "no");
        fprintf(f, "dt_set=%016llx\n", (unsigned long long) v->set_id);
        fprintf(f, "loaded_set=%016llx\n", (unsigned long long) settle_loaded_id(s));
        fprintf(f, "last_reload_time=%lld\n", (long long) m->last_reload_time);
        fprintf(f, "last_reload_duration_ms=%llu\n",
                (unsigned long long) (m->last_reload_duration / USEC_PER_MSEC));
        fprintf(f, "last_reload_result=%s\n", m->last_reload_result[0] ? m->last_reload_result : "none");
        fprintf(f, "events=%llu\n", (unsigned long long) n->n_events);
        fprintf(f, "requests=%llu\n", (unsigned long long) n->n_requests);
        fprintf(f, "reloads=%llu\n", (unsigned long long) n->n_reloads);
        fprintf(f, "failures=%llu\n", (unsigned long long) n->n_failures);
        fprintf(f, "skipped=%llu\n", (unsigned long long) n->n_skipped);
        fprintf(f, "timeouts=%llu\n", (unsigned long long) n->n_timeouts);
        fprintf(f, "uevent_source=%s\n",
                m->kernel_handles_hotplug ? "none" : uevent_source_to_string(m->config.uevent_source));
        fprintf(f, "reload_backend=%s\n", m->reload_backend);
        manager_cpus_status(m, f);
}

static void on_reload_request(void *userdata) {
        Manager *m = userdata;

        settle_request(&m->settle, manager_now(m));
        manager_dispatch(m);
}

/* A waiter may come right after a DLPAR whose uevents udevd has not passed on yet: compare with
 * a fresh look at sysfs and the DT, and treat any difference as news. */
static void on_wait_begin(void *userdata) {
        Manager *m = userdata;
        bool changed = false;

        /* Without memory events to follow there is no news to look for. */
        if (m->kernel_handles_hotplug)
                return;
        if (capture_model_rescan(&m->model, &changed, NULL) < 0)
                return;
        if (manager_poll_dt(m))
                changed = true;
        if (!changed)
                return;

        log_debug("Memory changed before its uevents arrived; starting a request.");
        settle_event(&m->settle, manager_now(m));
        manager_dispatch(m);
}

static bool on_wait_done(void *userdata) {
        Manager *m = userdata;

        return settle_state(&m->settle) == SETTLE_IDLE && m->last_reload_ok;
}

static const ControlHandlers handlers = {
        .status = on_status,
        .reload = on_reload_request,
        .wait_begin = on_wait_begin,
        .wait_done = on_wait_done,
};

int manager_open_control(Manager *m) {
        _cleanup_free_ char *path = NULL;
        Error e = {};
        int r;

        r = path_join_root(m->runtime_dir, CONTROL_SOCKET_NAME, &path);
        if (r < 0)
                return log_oom();
        r = control_server_new(m->event, path, &handlers, m, &m->control, &e);
        if (r < 0)
                return log_error_errno(r, "%s", error_message(&e, r));
        return 0;
}
