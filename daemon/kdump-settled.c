/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kdump-settled: turns each burst of memory hot-plug uevents into one crash-kernel reload, started
 * once the device tree agrees with the kernel's memory blocks. The decisions are the settle
 * engine's (lib/settle.c); this file only wires it to the event loop, udev, the clock and the
 * reload command. */

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "block-set.h"
#include "config.h"
#include "consistency.h"
#include "control.h"
#include "dt-memory.h"
#include "fileio.h"
#include "loaded-state.h"
#include "log.h"
#include "monitor.h"
#include "reload.h"
#include "settle.h"
#include "strv.h"

#define DEFAULT_CONFIG_PATH SYSCONFDIR "/kdump-settle.conf"
#define CRASH_HOTPLUG_PATH MEMORY_SYSFS_DIR "/crash_hotplug"
#define FADUMP_DIR "sys/kernel/fadump"
#define DEFAULT_RUNTIME_DIR "/run/kdump-settle"

/* A command-line option that overrides a config key; kept so that SIGHUP can re-apply them. */
typedef struct Override {
        const char *section;
        const char *key;
        const char *value;
} Override;

typedef struct Manager {
        sd_event *event;
        sd_event_source *timer;    /* the engine's next wake-up; disabled when it has none */
        sd_event_source *uevents;
        Monitor *monitor;

        const char *root;
        const char *config_path;
        const char *runtime_dir;
        Override *overrides;
        size_t n_overrides;
        Config config;
        char **reload_argv;
        const char *reload_backend;
        char *fadump_registered;   /* set: a reload is a firmware-assisted dump re-registration */
        bool kernel_handles_hotplug;

        ControlServer *control;
        LoadedState saved;         /* what the state file says now */
        bool saved_valid;

        Settle settle;
        BlockSet blocks;
        bool blocks_rescan;        /* uevents were lost: rescan sysfs before trusting the set */

        DtMemory dt;
        uint64_t dt_generation;    /* the generation dt was read at; 0: none read */
        int dt_error;              /* < 0: the DT of dt_generation could not be read */

        Reload *reload;
        uint64_t request_events;   /* uevents since the last reload started */
        usec_t last_reload_duration;
        time_t last_reload_time;   /* wall clock, for people; 0: none yet */
        bool last_reload_ok;       /* true until a reload fails */
        char last_reload_result[96];
        bool exiting;
        char status[128];
} Manager;

static usec_t manager_now(Manager *m) {
        uint64_t t;

        /* The loop's cached time is that of the current iteration: a burst handled in one
         * dispatch gets one timestamp, which is what the quiet period should measure. Before
         * the first iteration there is none yet: read the clock. */
        if (sd_event_now(m->event, CLOCK_MONOTONIC, &t) < 0) {
                struct timespec ts;

                clock_gettime(CLOCK_MONOTONIC, &ts);
                t = (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
        }
        return t;
}

static void manager_set_status(Manager *m, const char *status) {
        if (strcmp(m->status, status) == 0)
                return;
        snprintf(m->status, sizeof(m->status), "%s", status);
        (void) sd_notifyf(false, "STATUS=%s", status);
        log_debug("Status: %s", status);
}

static void manager_update_status(Manager *m, usec_t now) {
        char buf[128];

        switch (m->settle.state) {
        case SETTLE_IDLE:
                manager_set_status(m, "idle");
                break;
        case SETTLE_PENDING:
                if (now < usec_add(m->settle.last_event, m->settle.config.quiet))
                        manager_set_status(m, "collecting memory events");
                else
                        manager_set_status(m, "waiting for device tree");
                break;
        case SETTLE_RELOADING:
                manager_set_status(m, "reloading");
                break;
        case SETTLE_BACKOFF:
                snprintf(buf, sizeof(buf), "retrying in %llu s",
                         (unsigned long long) ((m->settle.retry_at - MIN(now, m->settle.retry_at) +
                                                USEC_PER_SEC - 1) / USEC_PER_SEC));
                manager_set_status(m, buf);
                break;
        case SETTLE_WATCHING:
                manager_set_status(m, "waiting for device tree (crash kernel loaded at max wait)");
                break;
        default:
                break;
        }
}

/* Reads the DT model if its generation moved since the last read. A file replaced while being
 * read shows as a generation change afterwards: read again. */
static void manager_refresh_dt(Manager *m) {
        for (unsigned attempt = 0; attempt < 3; attempt++) {
                uint64_t before = 0, after = 0;
                DtMemory dt = {};
                Error e = {};
                int r;

                (void) dt_memory_generation(m->root, &before);
                if (before != 0 && before == m->dt_generation)
                        return;

                r = dt_memory_load(m->root, &dt, &e);
                (void) dt_memory_generation(m->root, &after);
                if (after != before) {
                        dt_memory_done(&dt);
                        continue;
                }

                dt_memory_done(&m->dt);
                m->dt = dt;
                m->dt_generation = before;
                m->dt_error = r < 0 ? r : 0;
                if (r == -ENOENT && stat_root(m->root, DT_MEMORY_NODE, &(struct stat) {}) >= 0)
                        /* The kernel removes the old property before it adds the new one. */
                        log_debug("Device tree memory property absent (being replaced?): %s", error_message(&e, r));
                else if (r == -ENOENT)
                        /* It was there at start-up: this is no "not a pseries LPAR". */
                        log_warning("Device tree node /" DT_MEMORY_NODE " vanished; "
                                    "not reloading until it is back.");
                else if (r < 0)
                        /* Each generation is read once: this is logged once per bad replacement,
                         * and the next one may fix it. */
                        log_warning_errno(r, "Cannot use the device tree memory description: %s",
                                          error_message(&e, r));
                return;
        }
        log_debug("Device tree memory property keeps changing while read; trying again later.");
}

static SettleVerdict manager_evaluate(Manager *m) {
        SettleVerdict v = {};
        Consistency c;
        Error e = {};
        int r;

        if (m->blocks_rescan) {
                BlockSet fresh = {};

                r = block_set_load(m->root, &fresh, &e);
                if (r < 0)
                        log_warning_errno(r, "Cannot rescan memory blocks: %s", error_message(&e, r));
                else {
                        block_set_done(&m->blocks);
                        m->blocks = fresh;
                        m->blocks_rescan = false;
                }
        }

        manager_refresh_dt(m);
        if (m->dt_error < 0 || m->dt_generation == 0 || m->blocks_rescan)
                return v;

        v.valid = true;
        v.set_id = m->dt.set_id;

        r = consistency_check(&m->dt, &m->blocks, 4, &c, &e);
        if (r < 0) {
                log_warning_errno(r, "Cannot compare device tree and memory blocks: %s", error_message(&e, r));
                return v;
        }
        v.consistent = consistency_ok(&c);

        if (!v.consistent)
                log_debug("Device tree disagrees with sysfs on %llu of %llu LMBs, first at 0x%llx (%s)",
                          (unsigned long long) c.n_disagreeing, (unsigned long long) c.n_compared,
                          (unsigned long long) c.first[0].address,
                          c.first[0].in_dt ? "in the device tree only" : "in sysfs only");
        return v;
}

static void manager_dispatch(Manager *m);

static void on_reload_done(Reload *r, bool success, const char *how, void *userdata) {
        Manager *m = userdata;
        usec_t now = manager_now(m);
        uint64_t generation = 0;
        bool skipped = reload_skipped(r);  /* kdump is off: reload.c logged it */

        m->last_reload_duration = now - reload_started_at(r);
        m->last_reload_time = time(NULL);
        m->last_reload_ok = success;
        snprintf(m->last_reload_result, sizeof(m->last_reload_result), "%s%s", skipped ? "skipped: " : "",
                 success && !skipped ? "success" : how);
        m->reload = reload_free(m->reload);

        if (success && !skipped)
                log_info("Crash kernel reloaded in %.1f ms.", (double) m->last_reload_duration / USEC_PER_MSEC);
        else if (!success)
                log_error("Crash kernel reload failed (%s) after %.1f ms.", how,
                          (double) m->last_reload_duration / USEC_PER_MSEC);

        /* A DT replaced while the reload ran means it may have read either version. */
        (void) dt_memory_generation(m->root, &generation);
        settle_dt_generation(&m->settle, generation, now);
        settle_reload_finished(&m->settle, success, now);

        if (m->exiting) {
                (void) sd_event_exit(m->event, 0);
                return;
        }
        manager_dispatch(m);
}

static int manager_start_reload(Manager *m, SettleReason reason) {
        Error e = {};
        int r;

        switch (reason) {
        case SETTLE_REASON_TIMEOUT:
                log_warning("Device tree still disagrees with the memory blocks after %.1f s; "
                            "reloading the crash kernel anyway and watching for its update.",
                            (double) m->settle.config.max_wait / USEC_PER_SEC);
                break;
        case SETTLE_REASON_RETRY:
                log_notice("Retrying the crash kernel reload.");
                break;
        case SETTLE_REASON_REQUESTED:
                log_info("Reloading the crash kernel as requested.");
                break;
        default:
                if (m->request_events > 0)
                        log_info("Memory settled after %llu uevent(s) and the device tree agrees; "
                                 "reloading the crash kernel.", (unsigned long long) m->request_events);
                else
                        log_info("The device tree now agrees with the memory blocks; reloading the crash kernel.");
        }
        m->request_events = 0;

        r = reload_start(m->event, m->root, m->reload_backend, m->reload_argv, m->fadump_registered, reason,
                         m->config.reload_timeout, on_reload_done, m, &m->reload, &e);
        if (r < 0) {
                /* A failed attempt all the same: status shows when and why, not "never". */
                m->last_reload_ok = false;
                m->last_reload_time = time(NULL);
                m->last_reload_duration = 0;
                snprintf(m->last_reload_result, sizeof(m->last_reload_result), "could not start: %s: %s",
                         m->reload_argv && m->reload_argv[0] ? m->reload_argv[0] : "fadump", strerror(-r));
                return log_error_errno(r, "%s", error_message(&e, r));
        }
        return 0;
}

/* Keeps /run/kdump-settle/state in step with the engine: what is loaded, and whether a reload is
 * owed. Written only when either changes, so once per request at most twice. */
static void manager_save_state(Manager *m) {
        LoadedState now = {
                .loaded_id = m->settle.loaded_id,
                .owed = IN_SET(m->settle.state, SETTLE_PENDING, SETTLE_RELOADING, SETTLE_BACKOFF),
        };
        Error e = {};
        int r;

        if (m->saved_valid && m->saved.loaded_id == now.loaded_id && m->saved.owed == now.owed)
                return;
        r = loaded_state_write(m->runtime_dir, &now, &e);
        if (r < 0) {
                log_warning_errno(r, "Cannot save state: %s", error_message(&e, r));
                return;
        }
        m->saved = now;
        m->saved_valid = true;
}

static int manager_arm_timer(Manager *m, usec_t wake_at) {
        int r;

        if (wake_at == USEC_INFINITY)
                return sd_event_source_set_enabled(m->timer, SD_EVENT_OFF);

        r = sd_event_source_set_time(m->timer, wake_at);
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(m->timer, SD_EVENT_ONESHOT);
}

/* Asks the engine what to do until it says wait, doing what it says on the way. */
static void manager_dispatch(Manager *m) {
        for (;;) {
                usec_t now = manager_now(m);
                SettleAction a = settle_next(&m->settle, now);
                SettleVerdict v;
                int r;

                switch (a.kind) {
                case SETTLE_EVALUATE:
                        v = manager_evaluate(m);
                        settle_model(&m->settle, &v, now);
                        continue;

                case SETTLE_RELOAD:
                        manager_update_status(m, now);
                        manager_save_state(m);
                        if (manager_start_reload(m, a.reason) < 0)
                                settle_reload_finished(&m->settle, false, now);
                        continue;

                case SETTLE_SKIP:
                        log_info("Memory settled after %llu uevent(s) as it was: the loaded crash kernel "
                                 "already matches, no reload needed.",
                                 (unsigned long long) m->request_events);
                        m->request_events = 0;
                        _fallthrough_;
                case SETTLE_WAIT:
                        manager_update_status(m, now);
                        manager_save_state(m);
                        control_server_notify(m->control);
                        r = manager_arm_timer(m, a.wake_at);
                        if (r < 0) {
                                /* Without a timer the engine would stall: give up, systemd restarts us. */
                                log_error_errno(r, "Cannot arm the settle timer: %m");
                                (void) sd_event_exit(m->event, r);
                        }
                        return;
                }
        }
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        uint64_t generation = 0;

        /* Every wake-up outside idle is also a DT poll: a stat() is cheap. */
        (void) dt_memory_generation(m->root, &generation);
        settle_dt_generation(&m->settle, generation, manager_now(m));
        manager_dispatch(m);
        return 0;
}

static void manager_handle_uevent(Manager *m, const MemoryUevent *u) {
        int r;

        switch (u->action) {
        case MEMORY_ACTION_ADD:
                r = block_set_add(&m->blocks, u->block);
                if (r < 0) {
                        log_warning_errno(r, "Cannot track memory%llu: %m; rescanning before the next check.",
                                          (unsigned long long) u->block);
                        m->blocks_rescan = true;
                }
                break;
        case MEMORY_ACTION_REMOVE:
                (void) block_set_remove(&m->blocks, u->block);
                break;
        default:
                break;
        }

        log_debug("uevent %s memory%llu", memory_action_to_string(u->action), (unsigned long long) u->block);
        m->request_events++;
        if (IN_SET(u->action, MEMORY_ACTION_ADD, MEMORY_ACTION_REMOVE))
                settle_event(&m->settle, manager_now(m));
        else
                settle_state_event(&m->settle, manager_now(m));
}

static int on_uevent(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;

        /* Drain what is queued, then ask the engine once: a burst costs one decision. */
        for (;;) {
                MemoryUevent u;
                Error e = {};
                int r;

                r = monitor_receive(m->monitor, &u, &e);
                if (r == 0)
                        break;
                if (r == -ENOBUFS) {
                        log_warning("Uevent socket overflowed, events were lost; rescanning memory blocks.");
                        m->blocks_rescan = true;
                        settle_event(&m->settle, manager_now(m));
                        continue;
                }
                if (r < 0) {
                        log_warning_errno(r, "Ignoring uevent: %s", error_message(&e, r));
                        continue;
                }
                manager_handle_uevent(m, &u);
        }

        manager_dispatch(m);
        return 0;
}

static void control_status(void *userdata, FILE *f) {
        Manager *m = userdata;
        const Settle *st = &m->settle;

        fprintf(f, "state=%s\n", settle_state_to_string(st->state));
        fprintf(f, "status=%s\n", m->status);
        fprintf(f, "pending_events=%llu\n", (unsigned long long) m->request_events);
        fprintf(f, "dt_generation=%016llx\n", (unsigned long long) st->dt_generation);
        fprintf(f, "consistent=%s\n", !st->verdict.valid ? "unknown" : st->verdict.consistent ? "yes" : "no");
        fprintf(f, "dt_set=%016llx\n", (unsigned long long) st->verdict.set_id);
        fprintf(f, "loaded_set=%016llx\n", (unsigned long long) st->loaded_id);
        fprintf(f, "last_reload_time=%lld\n", (long long) m->last_reload_time);
        fprintf(f, "last_reload_duration_ms=%llu\n",
                (unsigned long long) (m->last_reload_duration / USEC_PER_MSEC));
        fprintf(f, "last_reload_result=%s\n", m->last_reload_result[0] ? m->last_reload_result : "none");
        fprintf(f, "events=%llu\n", (unsigned long long) st->n_events);
        fprintf(f, "requests=%llu\n", (unsigned long long) st->n_requests);
        fprintf(f, "reloads=%llu\n", (unsigned long long) st->n_reloads);
        fprintf(f, "failures=%llu\n", (unsigned long long) st->n_failures);
        fprintf(f, "skipped=%llu\n", (unsigned long long) st->n_skipped);
        fprintf(f, "timeouts=%llu\n", (unsigned long long) st->n_timeouts);
        fprintf(f, "uevent_source=%s\n", m->kernel_handles_hotplug ? "none" : uevent_source_to_string(m->config.uevent_source));
        fprintf(f, "reload_backend=%s\n", m->reload_backend);
}

static void control_reload(void *userdata) {
        Manager *m = userdata;

        settle_request(&m->settle, manager_now(m));
        manager_dispatch(m);
}

/* A waiter may come right after a DLPAR whose uevents udevd has not passed on yet: compare with
 * a fresh look at sysfs and the DT, and treat any difference as news. */
static void control_wait_begin(void *userdata) {
        Manager *m = userdata;
        BlockSet fresh = {};
        uint64_t generation = 0;
        bool changed;

        if (block_set_load(m->root, &fresh, NULL) < 0)
                return;
        changed = fresh.block_size != m->blocks.block_size || fresh.n_present != m->blocks.n_present ||
                !block_set_equal(&fresh, &m->blocks);
        (void) dt_memory_generation(m->root, &generation);
        changed = changed || generation != m->settle.dt_generation;

        if (changed && !m->kernel_handles_hotplug) {
                log_debug("Memory changed before its uevents arrived; starting a request.");
                block_set_done(&m->blocks);
                m->blocks = fresh;
                settle_dt_generation(&m->settle, generation, manager_now(m));
                settle_event(&m->settle, manager_now(m));
                manager_dispatch(m);
        } else
                block_set_done(&fresh);
}

static bool control_wait_done(void *userdata) {
        Manager *m = userdata;

        return m->settle.state == SETTLE_IDLE && m->last_reload_ok;
}

static const ControlHandlers control_handlers = {
        .status = control_status,
        .reload = control_reload,
        .wait_begin = control_wait_begin,
        .wait_done = control_wait_done,
};

static int manager_load_config(Manager *m, Config *ret, char ***ret_argv, const char **ret_backend) {
        _cleanup_strv_free_ char **argv = NULL;
        const char *backend = NULL;
        Config c;
        Error e = {};
        int r;

        config_init(&c);
        r = config_load(&c, m->config_path, &e);
        if (r < 0)
                goto fail;
        for (size_t i = 0; i < m->n_overrides; i++) {
                r = config_set(&c, m->overrides[i].section, m->overrides[i].key, m->overrides[i].value, &e);
                if (r < 0)
                        goto fail;
        }

        r = reload_argv_resolve(&c, m->root, getenv("PATH") ?: RELOAD_DEFAULT_PATH, &argv, &backend, &e);
        if (r < 0 && !(r == -ENOENT && m->fadump_registered))
                goto fail;
        if (m->fadump_registered && !c.reload_command && (!argv || strcmp(argv[0], "kdumpctl") != 0)) {
                /* Only kdumpctl knows fadump; for the rest, re-register it ourselves. */
                strv_free(TAKE_PTR(argv));
                backend = "fadump re-registration";
        }
        if (argv) {
                char line[512] = "";

                for (char **a = argv; *a; a++)
                        snprintf(line + strlen(line), sizeof(line) - strlen(line), "%s%s", a == argv ? "" : " ", *a);
                log_info("Reload command (%s): %s", backend, line);
        } else
                log_info("Reload: %s.", backend);

        *ret = c;
        *ret_argv = TAKE_PTR(argv);
        *ret_backend = backend;
        return 0;

fail:
        config_done(&c);
        return log_error_errno(r, "%s", error_message(&e, r));
}

static void manager_apply_settle_config(Manager *m) {
        m->settle.config.quiet = m->config.quiet;
        m->settle.config.max_wait = m->config.max_wait;
        m->settle.config.poll_interval = m->config.poll_interval;
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;
        const char *backend;
        char **argv = NULL;
        Config c;

        if (manager_load_config(m, &c, &argv, &backend) < 0) {
                log_warning("Keeping the previous configuration.");
                return 0;
        }
        if (c.uevent_source != m->config.uevent_source)
                log_warning("UeventSource= changes take effect on restart.");
        c.uevent_source = m->config.uevent_source;

        config_done(&m->config);
        m->config = c;
        strv_free(m->reload_argv);
        m->reload_argv = argv;
        m->reload_backend = backend;
        manager_apply_settle_config(m);
        log_info("Configuration reloaded.");
        manager_dispatch(m);
        return 0;
}

static int on_exit_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;

        (void) sd_notify(false, "STOPPING=1");
        m->exiting = true;
        if (m->reload) {
                /* systemd's stop timeout would SIGKILL it, maybe between its unload and load. */
                (void) sd_notifyf(false, "EXTEND_TIMEOUT_USEC=%llu", (unsigned long long)
                                  usec_add(reload_deadline(m->reload) - MIN(reload_deadline(m->reload), manager_now(m)),
                                           10 * USEC_PER_SEC));
                log_info("Waiting for the running reload to finish before exiting.");
                return 0;
        }
        return sd_event_exit(m->event, 0);
}

/* Whether a sysfs flag reads "1". */
static bool sysfs_flag(const char *root, const char *path) {
        _cleanup_free_ char *text = NULL;

        if (read_full_file_root(root, path, 64, &text, NULL, NULL) < 0)
                return false;
        return text[0] == '1' && (text[1] == 0 || text[1] == '\n');
}

/* Which reload memory hot-plug needs: none when the kernel updates the crash image itself, a
 * re-registration with firmware-assisted dump, else the reload command. */
static int manager_detect_dump_mode(Manager *m) {
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
static LoadedState manager_read_state(Manager *m) {
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

static int manager_start(Manager *m) {
        LoadedState saved;
        SettleVerdict v;
        uint64_t generation = 0;
        Error e = {};
        int r;

        r = manager_detect_dump_mode(m);
        if (r < 0)
                return r;
        r = manager_load_config(m, &m->config, &m->reload_argv, &m->reload_backend);
        if (r < 0)
                return r;

        r = sd_event_default(&m->event);
        if (r < 0)
                return log_error_errno(r, "Cannot create the event loop: %m");
        (void) sd_event_set_watchdog(m->event, true);

        r = sd_event_add_signal(m->event, NULL, SIGTERM, on_exit_signal, m);
        if (r >= 0)
                r = sd_event_add_signal(m->event, NULL, SIGINT, on_exit_signal, m);
        if (r >= 0)
                r = sd_event_add_signal(m->event, NULL, SIGHUP, on_sighup, m);
        if (r < 0)
                return log_error_errno(r, "Cannot watch signals: %m");

        /* Accuracy 1 µs: the default 250 ms slack would swallow a 5 ms DT poll. */
        r = sd_event_add_time(m->event, &m->timer, CLOCK_MONOTONIC, USEC_INFINITY, 1, on_timer, m);
        if (r < 0)
                return log_error_errno(r, "Cannot create the settle timer: %m");
        (void) sd_event_source_set_enabled(m->timer, SD_EVENT_OFF);

        settle_init(&m->settle, &SETTLE_CONFIG_DEFAULT);
        manager_apply_settle_config(m);

        if (mkdir(m->runtime_dir, 0755) < 0 && errno != EEXIST)
                return log_error_errno(errno, "Cannot create %s: %m", m->runtime_dir);
        {
                _cleanup_free_ char *path = NULL;

                r = path_join_root(m->runtime_dir, CONTROL_SOCKET_NAME, &path);
                if (r < 0)
                        return log_oom();
                r = control_server_new(m->event, path, &control_handlers, m, &m->control, &e);
                if (r < 0)
                        return log_error_errno(r, "%s", error_message(&e, r));
        }

        /* Listen before scanning, so that nothing happening in between is lost. Without memory
         * events to follow, only explicit reload requests move the engine. */
        if (!m->kernel_handles_hotplug) {
                r = monitor_new(m->config.uevent_source, &m->monitor, &e);
                if (r < 0)
                        return log_error_errno(r, "%s", error_message(&e, r));
                r = sd_event_add_io(m->event, &m->uevents, monitor_get_fd(m->monitor), EPOLLIN, on_uevent, m);
                if (r < 0)
                        return log_error_errno(r, "Cannot watch uevents: %m");
                /* Uevents before control requests: a `wait` right after a DLPAR sees its events. */
                (void) sd_event_source_set_priority(m->uevents, SD_EVENT_PRIORITY_IMPORTANT);
        }

        r = block_set_load(m->root, &m->blocks, &e);
        if (r < 0)
                return log_error_errno(r, "%s", error_message(&e, r));

        v = manager_evaluate(m);
        (void) dt_memory_generation(m->root, &generation);
        if (v.valid)
                log_info("Watching memory: %llu LMBs of %llu MiB in the device tree (%llu present), "
                         "%llu memory blocks of %llu MiB; %s.",
                         (unsigned long long) m->dt.n_lmbs, (unsigned long long) (m->dt.lmb_size >> 20),
                         (unsigned long long) m->dt.n_present, (unsigned long long) m->blocks.n_present,
                         (unsigned long long) (m->blocks.block_size >> 20),
                         v.consistent ? "they agree" : "they disagree, a reload is owed once they agree");

        /* A restart: the state file says what is loaded and whether a request was cut short. */
        saved = manager_read_state(m);
        settle_start(&m->settle, &v, generation, saved.loaded_id, manager_now(m));
        if (saved.owed && m->settle.state == SETTLE_IDLE) {
                log_info("A reload was owed when the daemon stopped; reloading.");
                settle_request(&m->settle, manager_now(m));
        }
        return 0;
}

static void manager_done(Manager *m) {
        m->reload = reload_free(m->reload);
        control_server_free(m->control);
        free(m->fadump_registered);
        sd_event_source_disable_unref(m->uevents);
        sd_event_source_disable_unref(m->timer);
        monitor_free(m->monitor);
        sd_event_unref(m->event);
        strv_free(m->reload_argv);
        config_done(&m->config);
        block_set_done(&m->blocks);
        dt_memory_done(&m->dt);
        free(m->overrides);
}

static void help(void) {
        printf("%s [OPTIONS...]\n\n"
               "Reload the kdump crash kernel once per memory hot-plug request, after the device\n"
               "tree agrees with the kernel's memory blocks.\n\n"
               "  -h --help                   Show this help\n"
               "     --version                Show the version\n"
               "     --config=PATH            Config file (default " DEFAULT_CONFIG_PATH ");\n"
               "                              drop-ins are read from PATH.d/*.conf\n"
               "     --root=DIR               Read sysfs and the device tree under DIR (default /)\n"
               "     --runtime-dir=DIR        State file and control socket (default $RUNTIME_DIRECTORY,\n"
               "                              else " DEFAULT_RUNTIME_DIR ")\n"
               "     --uevent-source=SOURCE   udev (default) or kernel\n"
               "     --quiet-sec=SPAN         Quiet period that ends a burst (default 50ms)\n"
               "     --max-wait-sec=SPAN      Reload anyway after this long (default 30s)\n"
               "     --poll-interval-sec=SPAN Device tree poll while waiting (default 5ms)\n"
               "     --reload-command=CMD     Reload command, split on white space, no shell\n"
               "     --reload-timeout-sec=SPAN Kill a reload running longer (default 120s)\n"
               "     --kexec-kernel=PATH      Kernel for the kexec -p fallback\n"
               "     --kexec-initrd=PATH      Initrd for the kexec -p fallback\n"
               "     --kexec-append=ARGS      Command line for the kexec -p fallback\n"
               "  -d --debug                  Log debug messages\n",
               program_invocation_short_name);
}

static const char *option_name(const struct option *options, int val) {
        for (const struct option *o = options; o->name; o++)
                if (o->val == val)
                        return o->name;
        return "?";
}

static int parse_argv(int argc, char *argv[], Manager *m) {
        enum {
                ARG_VERSION = 0x100,
                ARG_CONFIG,
                ARG_ROOT,
                ARG_RUNTIME_DIR,
                ARG_UEVENT_SOURCE,
                ARG_QUIET,
                ARG_MAX_WAIT,
                ARG_POLL,
                ARG_RELOAD_COMMAND,
                ARG_RELOAD_TIMEOUT,
                ARG_KEXEC_KERNEL,
                ARG_KEXEC_INITRD,
                ARG_KEXEC_APPEND,
        };
        static const struct option options[] = {
                { "help",               no_argument,       NULL, 'h'                },
                { "version",            no_argument,       NULL, ARG_VERSION        },
                { "debug",              no_argument,       NULL, 'd'                },
                { "config",             required_argument, NULL, ARG_CONFIG         },
                { "root",               required_argument, NULL, ARG_ROOT           },
                { "runtime-dir",        required_argument, NULL, ARG_RUNTIME_DIR    },
                { "uevent-source",      required_argument, NULL, ARG_UEVENT_SOURCE  },
                { "quiet-sec",          required_argument, NULL, ARG_QUIET          },
                { "max-wait-sec",       required_argument, NULL, ARG_MAX_WAIT       },
                { "poll-interval-sec",  required_argument, NULL, ARG_POLL           },
                { "reload-command",     required_argument, NULL, ARG_RELOAD_COMMAND },
                { "reload-timeout-sec", required_argument, NULL, ARG_RELOAD_TIMEOUT },
                { "kexec-kernel",       required_argument, NULL, ARG_KEXEC_KERNEL   },
                { "kexec-initrd",       required_argument, NULL, ARG_KEXEC_INITRD   },
                { "kexec-append",       required_argument, NULL, ARG_KEXEC_APPEND   },
                {}
        };
        /* Options that are config keys, checked by the same code as the files. */
        static const Override keys[] = {
                [ARG_UEVENT_SOURCE - ARG_UEVENT_SOURCE]  = { "Settle", "UeventSource", NULL },
                [ARG_QUIET - ARG_UEVENT_SOURCE]          = { "Settle", "QuietSec", NULL },
                [ARG_MAX_WAIT - ARG_UEVENT_SOURCE]       = { "Settle", "MaxWaitSec", NULL },
                [ARG_POLL - ARG_UEVENT_SOURCE]           = { "Settle", "PollIntervalSec", NULL },
                [ARG_RELOAD_COMMAND - ARG_UEVENT_SOURCE] = { "Reload", "ReloadCommand", NULL },
                [ARG_RELOAD_TIMEOUT - ARG_UEVENT_SOURCE] = { "Reload", "ReloadTimeoutSec", NULL },
                [ARG_KEXEC_KERNEL - ARG_UEVENT_SOURCE]   = { "Reload", "KexecKernel", NULL },
                [ARG_KEXEC_INITRD - ARG_UEVENT_SOURCE]   = { "Reload", "KexecInitrd", NULL },
                [ARG_KEXEC_APPEND - ARG_UEVENT_SOURCE]   = { "Reload", "KexecAppend", NULL },
        };
        int c;

        m->overrides = calloc((size_t) argc, sizeof(Override));
        if (!m->overrides)
                return log_oom();

        while ((c = getopt_long(argc, argv, "hd", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
                        return 0;
                case 'd':
                        log_set_max_level(LOG_DEBUG);
                        break;
                case ARG_CONFIG:
                        m->config_path = optarg;
                        break;
                case ARG_ROOT:
                        m->root = optarg;
                        break;
                case ARG_RUNTIME_DIR:
                        m->runtime_dir = optarg;
                        break;
                case ARG_UEVENT_SOURCE ... ARG_KEXEC_APPEND: {
                        Override o = keys[c - ARG_UEVENT_SOURCE];
                        Config probe;
                        Error e = {};
                        int r;

                        /* Reject a bad value now, with the option's name, not at the first SIGHUP. */
                        config_init(&probe);
                        r = config_set(&probe, o.section, o.key, optarg, &e);
                        config_done(&probe);
                        if (r < 0)
                                return log_error_errno(r, "--%s: %s", option_name(options, c),
                                                       error_message(&e, r));
                        o.value = optarg;
                        m->overrides[m->n_overrides++] = o;
                        break;
                }
                case '?':
                        return -EINVAL;
                default:
                        abort();
                }

        if (optind < argc)
                return log_error_errno(-EINVAL, "%s takes no arguments.", program_invocation_short_name);
        return 1;
}

int main(int argc, char *argv[]) {
        Manager m = {
                .root = "/",
                .config_path = DEFAULT_CONFIG_PATH,
                .last_reload_ok = true,
        };
        sigset_t mask;
        int r;

        log_set_prefix_priority(true);

        r = parse_argv(argc, argv, &m);
        if (r <= 0)
                goto finish;
        if (!m.runtime_dir) {
                /* systemd's RuntimeDirectory= may hold several paths; ours is the first. */
                const char *env = getenv("RUNTIME_DIRECTORY");
                m.runtime_dir = env && *env && !strchr(env, ':') ? env : DEFAULT_RUNTIME_DIR;
        }

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

        r = manager_start(&m);
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
