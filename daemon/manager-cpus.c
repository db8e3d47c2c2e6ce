/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "log.h"
#include "manager-cpus.h"

int manager_cpus_start(Manager *m) {
        Error e = {};
        int r;

        r = capture_cpus_present(m->root, &e);
        if (r < 0) {
                /* Memory is still worth following: reloads just do not wait for CPUs. */
                log_warning_errno(r, "Not following CPU hot-plug: %s", error_message(&e, r));
                return 0;
        }
        if (r == 0) {
                log_debug("No CPU nodes under /" DT_CPUS_NODE ": not following CPU hot-plug.");
                return 0;
        }

        r = capture_cpus_new(m->root, &m->cpus);
        if (r >= 0)
                r = capture_model_add(&m->model, &m->cpus->base);
        if (r < 0) {
                m->cpus = NULL;
                return log_oom();
        }
        return 0;
}

void manager_cpus_log_start(Manager *m, const SettleVerdict *v) {
        const CaptureCpus *cc = m->cpus;

        if (!cc || !v->valid)
                return;
        log_info("Watching CPUs: %zu /cpus nodes listing %zu threads, %u CPUs online; %s.",
                 cc->dt.n_nodes, cc->dt.n_threads, (unsigned) cc->cpus.online.n_set,
                 cc->last_consistent > 0 ? "they agree" : "they disagree");
}

/* Why CPU hot-plug needs no reload here by the dump mode as read last, for people, or NULL. */
static const char *cpu_reload_needless_why(const Manager *m) {
        if (!manager_kernel_handles(m, DUMP_RESOURCE_CPU))
                return NULL;
        return m->dump_mode.cpu_crash_hotplug ? "kernel" : "fadump";
}

/* The dump mode read once per burst, where the distributions' rules read it once per uevent. */
static bool cpu_reload_needless(Manager *m, usec_t now) {
        const char *why;

        if (now < m->cpu_dump_mode_until)
                return manager_kernel_handles(m, DUMP_RESOURCE_CPU);

        (void) manager_refresh_dump_mode(m, false);
        m->cpu_dump_mode_until = now + settle_config(&m->settle)->quiet;
        why = cpu_reload_needless_why(m);
        if (why)
                log_debug("CPU hot-plug needs no reload here (%s).",
                          strcmp(why, "kernel") == 0 ? "crash_hotplug=1" : "firmware-assisted dump");
        return why != NULL;
}

void manager_cpus_uevent(Manager *m, const CpuUevent *u) {
        usec_t now = manager_now(m);
        int r;

        log_debug("uevent %s cpu%u", cpu_action_to_string(u->action), (unsigned) u->cpu);
        m->cpu_events++;
        if (!m->cpus)
                return;

        if (cpu_reload_needless(m, now)) {
                /* Still the resource's business: a later memory request compares CPUs too. */
                cpu_set_forget(&m->cpus->cpus, u->cpu);
                return;
        }

        r = capture_cpus_uevent(m->cpus, u);
        if (r < 0)
                log_warning_errno(r, "Cannot track cpu%u: %m; rescanning CPUs before the next check.",
                                  (unsigned) u->cpu);
        m->request_events++;
        m->request_cpus = true;
        if (cpu_action_changes_set(u->action))
                settle_event(&m->settle, now);
        else
                settle_state_event(&m->settle, now);
}

void manager_cpus_request_end(Manager *m) {
        m->cpu_dump_mode_until = 0;
        m->request_cpus = false;
        if (m->cpus)
                capture_cpus_burst_end(m->cpus);
}

void manager_cpus_status(Manager *m, FILE *f) {
        const CaptureCpus *cc = m->cpus;
        const char *why = cc ? cpu_reload_needless_why(m) : NULL;

        /* none: no CPU nodes to follow; kernel, fadump: followed, but CPU hot-plug reloads nothing. */
        fprintf(f, CONTROL_STATUS_CPU_INPUT "=%s\n", !cc ? "none" : why ?: "watched");
        fprintf(f, CONTROL_STATUS_CPU_EVENTS "=%llu\n", (unsigned long long) m->cpu_events);
        if (!cc)
                return;
        fprintf(f, CONTROL_STATUS_CPUS_CONSISTENT "=%s\n", cc->last_consistent < 0 ? "unknown" : cc->last_consistent ? "yes" : "no");
        fprintf(f, CONTROL_STATUS_CPUS_ONLINE "=%u\n", (unsigned) cc->cpus.online.n_set);
        fprintf(f, CONTROL_STATUS_CPUS_DT_THREADS "=%zu\n", cc->dt.n_threads);
}
