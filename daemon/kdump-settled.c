/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kdump-settled: turns each burst of memory hot-plug uevents into one crash-kernel reload, started
 * once the device tree agrees with the kernel's memory blocks. This file is main() and start-up:
 * what kind of dump this system has, the configuration, the first look at memory and the state an
 * earlier run left. The rest is the manager's (manager.h). */

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>

#include "alloc-util.h"
#include "fileio.h"
#include "log.h"
#include "manager-config.h"
#include "manager-cpus.h"
#include "manager.h"

#define CRASH_HOTPLUG_PATH MEMORY_SYSFS_DIR "/crash_hotplug"
#define FADUMP_DIR "sys/kernel/fadump"

/* Whether a sysfs flag reads "1". */
static bool sysfs_flag(const char *root, const char *path) {
        _cleanup_free_ char *text = NULL;

        if (read_full_file_root(root, path, 64, &text, NULL, NULL) < 0)
                return false;
        return text[0] == '1' && (text[1] == 0 || text[1] == '\n');
}

/* Which reload memory hot-plug needs: none when the kernel updates the crash image itself, a
 * re-registration with firmware-assisted dump, else the reload command. */
static int detect_dump_mode(Manager *m) {
        if (sysfs_flag(m->root, FADUMP_DIR "/enabled")) {
                if (sysfs_flag(m->root, FADUMP_DIR "/hotplug_ready")) {
                        log_info("Firmware-assisted dump is enabled and the kernel handles memory hot-plug for it "
                                 "(hotplug_ready=1); memory events need no reload.");
                        m->kernel_handles_hotplug = true;
                        return 0;
                }
                if (path_join_root(m->root, FADUMP_DIR "/registered", &m->fadump_registered) < 0)
                        return log_oom();
                log_info("Firmware-assisted dump is enabled: memory hot-plug re-registers it.");
                return 0;
        }

        if (sysfs_flag(m->root, CRASH_HOTPLUG_PATH)) {
                log_info("The kernel updates the crash image on memory hot-plug itself (crash_hotplug=1); "
                         "memory events need no reload.");
                m->kernel_handles_hotplug = true;
        }
        return 0;
}

/* What the state file of an earlier run says was loaded, and whether a reload was owed. */
static LoadedState read_saved_state(Manager *m) {
        LoadedState st = {};
        Error e = {};
        int r;

        r = loaded_state_read(m->runtime_dir, &st, &e);
        if (r == -ENOENT)
                return (LoadedState) {};
        if (r < 0) {
                log_warning_errno(r, "Ignoring saved state: %s", error_message(&e, r));
                return (LoadedState) { .owed = true };  /* unknown: reload to be sure */
        }
        m->saved = st;
        m->saved_valid = true;
        return st;
}

/* The first look at memory, and the engine's start from it and from the saved state. */
static int first_look(Manager *m) {
        const CaptureMemory *cm = m->memory;
        LoadedState saved;
        SettleVerdict v;
        Error e = {};
        int r;

        r = capture_model_rescan(&m->model, NULL, &e);
        if (r < 0)
                return log_error_errno(r, "%s", error_message(&e, r));

        v = manager_evaluate(m, NULL);
        if (v.valid)
                log_info("Watching memory: %llu LMBs of %llu MiB in the device tree (%llu present), "
                         "%llu memory blocks of %llu MiB; %s.",
                         (unsigned long long) cm->dt.n_lmbs, (unsigned long long) (cm->dt.lmb_size >> 20),
                         (unsigned long long) cm->dt.n_present, (unsigned long long) cm->blocks.n_present,
                         (unsigned long long) (cm->blocks.block_size >> 20),
                         v.consistent ? "they agree" : "they disagree, a reload is owed once they agree");
        manager_cpus_log_start(m, &v);

        /* A restart: the state file says what is loaded and whether a request was cut short. */
        saved = read_saved_state(m);
        settle_start(&m->settle, &v, capture_model_generation(&m->model), saved.loaded_id, manager_now(m));
        if (saved.owed && settle_state(&m->settle) == SETTLE_IDLE) {
                log_info("A reload was owed when the daemon stopped; reloading.");
                settle_request(&m->settle, manager_now(m));
        }
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

        /* sd-event takes signals through a signalfd, which needs them blocked. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigaddset(&mask, SIGCHLD);
        (void) sigprocmask(SIG_BLOCK, &mask, NULL);

        r = detect_dump_mode(&m);
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
