/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>

#include "alloc-util.h"
#include "control-protocol.h"
#include "drmgr-lock.h"
#include "fileio.h"
#include "kexec-help.h"
#include "log.h"
#include "manager-control.h"
#include "manager-cpus.h"
#include "memory-limit.h"
#include "pft-size.h"
#include "proc-ancestry.h"

/* What the reloads' corrected device tree does with /chosen/linux,memory-limit; read per status
 * (kernel memory in sysfs and procfs: it never blocks). */
static void memory_limit_status(const Manager *m, FILE *f) {
        _cleanup_free_ char *cmdline = NULL;
        MemoryLimitCorrection c;

        (void) read_full_file_root(m->root, PROC_CMDLINE, PROC_CMDLINE_MAX, &cmdline, NULL, NULL);
        fprintf(f, CONTROL_STATUS_MEMORY_LIMIT "=%s\n",
                memory_limit_correction(m->root, cmdline, &c, NULL) < 0 ? "unknown" :
                memory_limit_correction_to_string(c));
}

/* What it does with the /cpus nodes' ibm,pft-size (hash MMU: the HPT order in use); the same
 * kernel files, read per status. */
static void pft_size_status(const Manager *m, FILE *f) {
        _cleanup_(pft_size_done) PftSize p = {};

        fprintf(f, CONTROL_STATUS_PFT_SIZE "=%s\n",
                pft_size_load(m->root, &p, NULL) < 0 ? "unknown" : pft_size_correction_to_string(p.correction));
}

static void on_status(void *userdata, FILE *f) {
        Manager *m = userdata;
        const Settle *s = &m->settle;
        const SettleVerdict *v = settle_verdict(s);
        const SettleCounters *n = settle_counters(s);

        fprintf(f, CONTROL_STATUS_STATE "=%s\n", settle_state_to_string(settle_state(s)));
        fprintf(f, CONTROL_STATUS_STATUS "=%s\n", m->status);
        fprintf(f, CONTROL_STATUS_PENDING_EVENTS "=%llu\n", (unsigned long long) m->request_events);
        fprintf(f, CONTROL_STATUS_DT_GENERATION "=%016llx\n", (unsigned long long) settle_last_generation(s));
        fprintf(f, CONTROL_STATUS_CONSISTENT "=%s\n", !v->valid ? "unknown" : v->consistent ? "yes" : "no");
        fprintf(f, CONTROL_STATUS_DT_SET "=%016llx\n", (unsigned long long) v->set_id);
        fprintf(f, CONTROL_STATUS_LOADED_SET "=%016llx\n", (unsigned long long) settle_loaded_id(s));
        fprintf(f, CONTROL_STATUS_LAST_RELOAD_TIME "=%lld\n", (long long) m->last_reload_time);
        fprintf(f, CONTROL_STATUS_LAST_RELOAD_DURATION_MS "=%llu\n",
                (unsigned long long) (m->last_reload_duration / USEC_PER_MSEC));
        fprintf(f, CONTROL_STATUS_LAST_RELOAD_RESULT "=%s\n", m->last_reload_result[0] ? m->last_reload_result : "none");
        fprintf(f, CONTROL_STATUS_EVENTS "=%llu\n", (unsigned long long) n->n_events);
        fprintf(f, CONTROL_STATUS_REQUESTS "=%llu\n", (unsigned long long) n->n_requests);
        fprintf(f, CONTROL_STATUS_RELOADS "=%llu\n", (unsigned long long) n->n_reloads);
        fprintf(f, CONTROL_STATUS_FAILURES "=%llu\n", (unsigned long long) n->n_failures);
        fprintf(f, CONTROL_STATUS_SKIPPED "=%llu\n", (unsigned long long) n->n_skipped);
        fprintf(f, CONTROL_STATUS_TIMEOUTS "=%llu\n", (unsigned long long) n->n_timeouts);
        fprintf(f, CONTROL_STATUS_UEVENT_SOURCE "=%s\n",
                manager_kernel_handles(m, DUMP_RESOURCE_MEMORY) ? "none" : uevent_source_to_string(m->config.uevent_source));
        fprintf(f, CONTROL_STATUS_RELOAD_BACKEND "=%s\n", m->reload_backend);
        fprintf(f, CONTROL_STATUS_KEXEC_HOTPLUG "=%s\n", kexec_hotplug_to_string(m->kexec_hotplug));
        /* Whatever the backend: a distribution tool's own --hotplug load (issue 20.4). */
        fprintf(f, CONTROL_STATUS_KEXEC_HOTPLUG_HAZARD "=%s\n",
                kexec_hotplug_hazard_to_string(kexec_hotplug_hazard_now(m->root, m->kexec_path_hotplug)));
        memory_limit_status(m, f);
        pft_size_status(m, f);
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

static bool runs_under(pid_t pid, void *userdata) {
        pid_t holder = *(const pid_t *) userdata;
        Error e = {};
        int r;

        /* The pids are the kernel's (SO_PEERCRED, F_GETLK): their /proc is the real one, not --root's. */
        r = proc_is_ancestor("/", pid, holder, &e);
        if (r < 0)
                log_debug_errno(r, "Cannot tell whether pid %ld runs under drmgr: %s", (long) pid, error_message(&e, r));
        return r > 0;
}

bool manager_drmgr_waits_for_us(Manager *m, pid_t holder) {
        pid_t waiter;

        if (holder <= 0)
                return false;
        waiter = control_server_find_waiter(m->control, runs_under, &holder);
        if (waiter == 0)
                return false;
        if (m->drmgr_hook_holder != holder)
                log_info("kdump-settlectl wait (pid %ld) runs under drmgr (pid %ld), from one of its hooks: its change "
                         "is done, and its %s no longer holds the request.", (long) waiter, (long) holder, DRMGR_LOCK_PATH);
        m->drmgr_hook_holder = holder;
        return true;
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
