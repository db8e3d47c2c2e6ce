/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kdump-settled: turns each burst of memory hot-plug uevents into one crash-kernel reload, started
 * once the device tree agrees with the kernel's memory blocks. This file is main() and start-up:
 * what kind of dump this system has, the configuration, the first look at memory and the state an
 * earlier run left. The rest is the manager's (manager.h). */

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>

#include "alloc-util.h"
#include "dtb.h"
#include "fileio.h"
#include "hpt-debugfs.h"
#include "log.h"
#include "manager-config.h"
#include "manager-cpus.h"
#include "manager.h"
#include "startup.h"

#define BOOT_ID_PATH "proc/sys/kernel/random/boot_id"

/* What the state file of an earlier run says; NULL when there is none or it cannot be used. */
static const LoadedState *read_saved_state(Manager *m) {
        LoadedState st = {};
        Error e = {};
        int r;

        r = loaded_state_read(m->state_dir, &st, &e);
        if (r == -ENOENT)
                return NULL;
        if (r < 0) {
                log_warning_errno(r, "Ignoring saved state: %s", error_message(&e, r));
                return NULL;
        }
        m->saved = st;
        m->saved_valid = true;
        return &m->saved;
}

/* This boot's id, so that a state file is not taken for another boot's. */
static void read_boot_id(Manager *m) {
        _cleanup_free_ char *text = NULL;
        size_t size = 0;

        /* Not under the root directory: it is the running kernel's, as the clock is. */
        if (read_full_file_root("/", BOOT_ID_PATH, 64, &text, &size, NULL) < 0 || !boot_id_valid(text, size)) {
                log_notice("Cannot read the boot id (%s): a state file left by an earlier run is not trusted.",
                           "/" BOOT_ID_PATH);
                return;
        }
        memcpy(m->boot_id, text, BOOT_ID_LEN);
        m->boot_id[BOOT_ID_LEN] = 0;
}

/* The set the DT described at boot, SET_ID_UNKNOWN when it cannot be told. */
static uint64_t read_boot_set_id(Manager *m) {
        _cleanup_free_ char *fdt = NULL;
        uint64_t id;
        size_t size = 0;
        Error e = {};
        int r;

        r = read_full_file_root(m->root, BOOT_FDT_PATH, DTB_MAX, &fdt, &size, &e);
        if (r >= 0)
                r = capture_model_boot_set_id(&m->model, fdt, size, &id, &e);
        if (r < 0) {
                (void) log_full_errno(LOG_NOTICE, r, "Cannot tell what the device tree described at boot: %s", error_message(&e, r));
                return SET_ID_UNKNOWN;
        }
        return id;
}

/* The first look at memory, and the engine's start from it and from what the crash kernel
 * loaded before this start was built from (lib/engine/startup.h). */
static int first_look(Manager *m) {
        const CaptureMemory *cm = m->memory;
        StartupDecision d;
        StartupFacts facts;
        uint64_t generation;
        SettleVerdict v;
        Error e = {};
        int r;

        r = capture_model_rescan(&m->model, NULL, &e);
        if (r < 0)
                return log_error_errno(r, "%s", error_message(&e, r));

        /* The verdict and the generation it was taken from, together: a DT replaced right after
         * the evaluation must look like a change to the engine. */
        v = manager_evaluate(m, &generation);
        if (v.valid)
                log_info("Watching memory: %llu LMBs of %llu MiB in the device tree (%llu present), "
                         "%llu memory blocks of %llu MiB; %s.",
                         (unsigned long long) cm->dt.n_lmbs, (unsigned long long) (cm->dt.lmb_size >> 20),
                         (unsigned long long) cm->dt.n_present, (unsigned long long) cm->blocks.n_present,
                         (unsigned long long) (cm->blocks.block_size >> 20),
                         v.consistent ? "they agree" : "they disagree, a reload is owed once they agree");
        manager_cpus_log_start(m, &v);

        read_boot_id(m);
        facts = (StartupFacts) {
                .saved = read_saved_state(m),
                .boot_id = m->boot_id,
        };
        if (!startup_saved_this_boot(facts.saved, m->boot_id))
                facts.boot_set_id = read_boot_set_id(m);
        d = startup_decide(&facts, &v);

        settle_start(&m->settle, &v, generation, d.loaded_id, manager_now(m));
        if (d.owed && settle_state(&m->settle) == SETTLE_IDLE) {
                log_info("A reload was owed when the daemon stopped; reloading.");
                settle_request(&m->settle, manager_now(m));
        } else if (v.consistent && settle_state(&m->settle) != SETTLE_IDLE)
                log_info("The loaded crash kernel may not match the memory (%s); reloading it.",
                         startup_basis_to_string(d.basis));
        else
                log_debug("Start-up: %s.", startup_basis_to_string(d.basis));
        return 0;
}

int main(int argc, char *argv[]) {
        Manager m;
        sigset_t mask;
        int r;

        manager_init(&m);
        log_set_prefix_priority(true);

        r = manager_parse_argv(&m, argc, argv);
        if (r <= 0)
                goto finish;

        if (stat_root(m.root, DT_MEMORY_NODE, &(struct stat) {}) < 0) {
                log_info("No ibm,dynamic-reconfiguration-memory node in the device tree: "
                         "not a pseries LPAR with dynamic memory, nothing to do.");
                r = 0;
                goto finish;
        }

        /* Before anything forks: the reload children inherit the namespace. */
        (void) hpt_debugfs_ensure(m.root);

        /* sd-event takes signals through a signalfd, which needs them blocked. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigaddset(&mask, SIGCHLD);
        (void) sigprocmask(SIG_BLOCK, &mask, NULL);

        r = manager_refresh_dump_mode(&m, false);
        if (r >= 0)
                r = manager_load_config(&m);
        if (r >= 0)
                r = manager_start(&m);
        if (r >= 0)
                r = first_look(&m);
        if (r < 0)
                goto finish;

        (void) sd_notify(false, "READY=1");
        manager_dispatch(&m);

        r = sd_event_loop(m.event);
        if (r < 0)
                log_error_errno(r, "Event loop failed: %m");

finish:
        manager_done(&m);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
