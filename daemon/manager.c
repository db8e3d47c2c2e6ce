/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>

#include "drmgr-lock.h"
#include "fileio.h"
#include "log.h"
#include "manager-config.h"
#include "manager-control.h"
#include "manager-cpus.h"
#include "manager.h"
#include "strv.h"

void manager_init(Manager *m) {
        *m = (Manager) {
                .root = "/",
                .last_reload_ok = true,
                .lock_fd = -1,
                .kexec_hotplug = KEXEC_HOTPLUG_UNUSED,
                .kexec_path_hotplug = KEXEC_HOTPLUG_NO_KEXEC,
        };
}

usec_t manager_now(Manager *m) {
        uint64_t t;

        /* The loop's cached time is that of the current iteration: a burst handled in one
         * dispatch gets one timestamp, which is what the quiet period should measure. Before
         * the first iteration there is none yet: read the clock. */
        if (!m->event || sd_event_now(m->event, CLOCK_MONOTONIC, &t) < 0) {
                struct timespec ts;

                clock_gettime(CLOCK_MONOTONIC, &ts);
                t = (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
        }
        return t;
}

/* The current request's resources by its uevents, for the log and the status: [0] capitalized,
 * [1] not. One table, so that both say the same. */
static const char *const *request_words(bool memory, bool cpus) {
        static const char *const words[4][2] = {
                { "Hot-plug", "hot-plug" },
                { "Memory", "memory" },
                { "CPUs", "CPU" },
                { "Memory and CPUs", "memory and CPU" },
        };

        return words[memory | cpus << 1];
}

/* What a reload is, in the log: the daemon's fadump re-registration or a crash-kernel reload. */
static const char *reload_noun(bool fadump, bool capital) {
        if (fadump)
                return capital ? "Firmware-assisted dump re-registration" : "firmware-assisted dump re-registration";
        return capital ? "Crash kernel reload" : "crash kernel reload";
}

static const char *reload_verb(bool fadump) {
        return fadump ? "re-registering firmware-assisted dump" : "reloading the crash kernel";
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
        usec_t retry_at;

        switch (settle_phase(&m->settle, now)) {
        case SETTLE_PHASE_IDLE:
                manager_set_status(m, "idle");
                break;
        case SETTLE_PHASE_COLLECTING:
                snprintf(buf, sizeof(buf), "collecting %s events", request_words(m->request_memory, m->request_cpus)[1]);
                manager_set_status(m, buf);
                break;
        case SETTLE_PHASE_WAITING_DT:
                manager_set_status(m, "waiting for device tree");
                break;
        case SETTLE_PHASE_RELOADING:
                manager_set_status(m, "reloading");
                break;
        case SETTLE_PHASE_BACKOFF:
                retry_at = settle_retry_at(&m->settle);
                snprintf(buf, sizeof(buf), "retrying in %llu s",
                         (unsigned long long) ((retry_at - MIN(now, retry_at) + USEC_PER_SEC - 1) / USEC_PER_SEC));
                manager_set_status(m, buf);
                break;
        case SETTLE_PHASE_WATCHING:
                manager_set_status(m, "waiting for device tree (crash kernel loaded at max wait)");
                break;
        case SETTLE_PHASE_WAITING_HOLD:
                if (m->drmgr_pid > 0)
                        snprintf(buf, sizeof(buf), "waiting for drmgr (pid %ld)", (long) m->drmgr_pid);
                else
                        snprintf(buf, sizeof(buf), "waiting for drmgr");
                manager_set_status(m, buf);
                break;
        default:
                break;
        }
}

int manager_refresh_dump_mode(Manager *m, bool reconfiguring) {
        DumpMode now;
        bool fadump_changed;

        dump_mode_read(m->root, &now);
        if (m->dump_mode_read && dump_mode_equal(&now, &m->dump_mode))
                return 0;

        if (m->dump_mode_read)
                log_notice("The dump mode changed: %s %s", dump_mode_describe(&now), dump_mode_describe_cpus(&now));
        else
                log_info("%s %s", dump_mode_describe(&now), dump_mode_describe_cpus(&now));
        fadump_changed = !m->dump_mode_read || now.fadump != m->dump_mode.fadump ||
                now.fadump_hotplug_ready != m->dump_mode.fadump_hotplug_ready;
        m->dump_mode = now;
        m->dump_mode_read = true;
        if (!fadump_changed)
                return 0;

        free(m->fadump_registered);
        m->fadump_registered = NULL;
        if (now.fadump && !now.fadump_hotplug_ready &&
            path_join_root(m->root, FADUMP_DIR "/registered", &m->fadump_registered) < 0)
                return log_oom();
        /* The backend depends on fadump: resolve it again (not at start-up, before the first). */
        if (m->reload_backend && !reconfiguring)
                return manager_reconfigure(m);
        return 0;
}

bool manager_kernel_handles(const Manager *m, DumpResource res) {
        return dump_mode_kernel_handles(&m->dump_mode, res);
}

bool manager_poll_dt(Manager *m) {
        uint64_t generation = capture_model_generation(&m->model);
        bool moved = generation != settle_last_generation(&m->settle);

        settle_dt_generation(&m->settle, generation, manager_now(m));
        return moved;
}

SettleVerdict manager_evaluate(Manager *m, uint64_t *ret_generation) {
        SettleVerdict v;

        capture_model_evaluate(&m->model, &v, ret_generation);
        for (size_t i = 0; i < m->model.notes.n_notes; i++) {
                const CaptureNote *n = &m->model.notes.notes[i];

                (void) log_full_errno(n->warning ? LOG_WARNING : LOG_DEBUG, n->error, "%s", n->message);
        }
        return v;
}

static void manager_save_state(Manager *m);

static void on_reload_done(Reload *r, bool success, const char *how, void *userdata) {
        Manager *m = userdata;
        usec_t now = manager_now(m);
        KdumpGate gate = reload_gate(r);  /* not open: nothing ran, how says why */
        bool fadump = reload_is_fadump(r);

        /* The gate is logged when it closes and opens, not once per request. A deferral (the
         * kdump service in a transition) leaves it as it was. */
        if (gate == KDUMP_GATE_CLOSED && !m->kdump_gate_closed)
                log_notice("Not %s: %s. Hot-plug requests are dropped while that lasts; a crash kernel loaded "
                           "later is built from the layout of then.", reload_verb(fadump), how);
        else if (gate == KDUMP_GATE_OPEN && m->kdump_gate_closed)
                log_info("The kdump gate is open again: %s on hot-plug.", reload_verb(fadump));
        if (gate != KDUMP_GATE_DEFER)
                m->kdump_gate_closed = gate == KDUMP_GATE_CLOSED;

        m->last_reload_duration = now - reload_started_at(r);
        m->last_reload_time = time(NULL);
        /* A deferral is no failure: the request waits for the service. */
        if (gate != KDUMP_GATE_DEFER)
                m->last_reload_ok = success;
        snprintf(m->last_reload_result, sizeof(m->last_reload_result), "%s%s",
                 gate == KDUMP_GATE_CLOSED ? "skipped: " : gate == KDUMP_GATE_DEFER ? "deferred: " : "",
                 success && gate == KDUMP_GATE_OPEN ? "success" : how);
        m->reload = reload_free(m->reload);

        if (gate == KDUMP_GATE_DEFER)
                log_notice("Not %s yet: %s; the request stays owed and is retried.", reload_verb(fadump), how);
        else if (success && gate == KDUMP_GATE_OPEN)
                log_info("%s in %.1f ms.", fadump ? "Firmware-assisted dump re-registered" : "Crash kernel reloaded",
                         (double) m->last_reload_duration / USEC_PER_MSEC);
        else if (!success)
                log_error("%s failed (%s) after %.1f ms.", reload_noun(fadump, true), how,
                          (double) m->last_reload_duration / USEC_PER_MSEC);

        /* A DT replaced while the reload ran means it may have read either version. */
        (void) manager_poll_dt(m);
        settle_reload_finished(&m->settle, success, now);

        if (m->exiting) {
                /* What is owed now, not what was owed when the reload started: else the next
                 * start would reload again what this one loaded. */
                manager_save_state(m);
                (void) sd_event_exit(m->event, 0);
                return;
        }
        manager_dispatch(m);
}

/* cpus: the request had CPU uevents (their flag is reset by now). */
static int manager_start_reload(Manager *m, SettleReason reason, bool cpus) {
        const char *const *words = request_words(m->request_memory, cpus);
        bool fadump = !m->reload_argv;
        const char *what = reload_verb(fadump);
        char sets[128];
        Error e = {};
        int r;

        switch (reason) {
        case SETTLE_REASON_TIMEOUT:
                log_warning("Device tree still disagrees with the %s after %.1f s; %s anyway and watching for "
                            "its update.", capture_model_disagreeing(&m->model, sets, sizeof(sets)),
                            (double) settle_config(&m->settle)->max_wait / USEC_PER_SEC, what);
                break;
        case SETTLE_REASON_HOLD_TIMEOUT:
                log_warning("drmgr (pid %ld) still holds %s %.1f s after the last %s event; %s anyway.",
                            (long) m->drmgr_pid, DRMGR_LOCK_PATH,
                            (double) settle_config(&m->settle)->max_wait / USEC_PER_SEC, words[1], what);
                break;
        case SETTLE_REASON_RETRY:
                log_notice("Retrying the %s.", reload_noun(fadump, false));
                break;
        case SETTLE_REASON_REQUESTED:
                log_info("%s as requested.", fadump ? "Re-registering firmware-assisted dump" : "Reloading the crash kernel");
                break;
        default:
                if (m->request_events > 0)
                        log_info("%s settled after %llu uevent(s) and the device tree agrees; %s.", words[0],
                                 (unsigned long long) m->request_events, what);
                else
                        log_info("The device tree now agrees with the kernel; %s.", what);
        }
        m->request_events = 0;
        m->request_memory = false;

        r = reload_start(m->event, m->root, m->reload_gate_backend, m->kexec_hotplug, m->reload_argv,
                         m->fadump_registered, reason, m->config.reload_timeout, on_reload_done, m, &m->reload, &e);
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

/* Keeps state_dir/state in step with the engine: what is loaded, and whether a reload is
 * owed. Written only when either changes, so once per request at most twice. */
static void manager_save_state(Manager *m) {
        LoadedState now = {
                .loaded_id = settle_loaded_id(&m->settle),
                .owed = settle_reload_owed(&m->settle),
        };
        Error e = {};
        int r;

        memcpy(now.boot_id, m->boot_id, sizeof(now.boot_id));
        if (m->saved_valid && m->saved.loaded_id == now.loaded_id && m->saved.owed == now.owed &&
            strcmp(m->saved.boot_id, now.boot_id) == 0)
                return;
        r = loaded_state_write(m->state_dir, &now, &e);
        if (r < 0) {
                /* Retried at every dispatch, said once per failure episode. */
                if (!m->save_failing)
                        log_warning_errno(r, "Cannot save state: %s (retrying quietly)", error_message(&e, r));
                m->save_failing = true;
                return;
        }
        if (m->save_failing)
                log_info("State saved again.");
        m->save_failing = false;
        m->saved = now;
        m->saved_valid = true;
}

static int manager_arm_timer(Manager *m, const SettleAction *a) {
        int r;

        m->timer_polls_dt = a->poll_dt;
        if (a->wake_at == USEC_INFINITY)
                return sd_event_source_set_enabled(m->timer, SD_EVENT_OFF);

        r = sd_event_source_set_time(m->timer, a->wake_at);
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(m->timer, SD_EVENT_ONESHOT);
}

/* While drmgr holds its lock, the DLPAR command behind the request still runs: it may be many
 * kernel requests, and the engine waits for its end. A probe that fails counts as not held. */
static void manager_probe_drmgr(Manager *m, usec_t now) {
        DrmgrLock l = {};
        Error e = {};
        int r;

        r = drmgr_lock_probe(m->root, DRMGR_LOCK_PATH, &l, &e);
        if (r < 0 && !m->drmgr_probe_failed)
                log_warning_errno(r, "Not waiting for drmgr: %s", error_message(&e, r));
        m->drmgr_probe_failed = r < 0;
        if (l.held && manager_drmgr_waits_for_us(m, l.pid))
                l.held = false;  /* drmgr waits for us: not we for it */

        if (l.held && !m->drmgr_held)
                log_info("drmgr (pid %ld) is still running; waiting for it before reloading.", (long) l.pid);
        else if (!l.held && m->drmgr_held)
                log_debug("drmgr released %s.", DRMGR_LOCK_PATH);
        m->drmgr_held = l.held;
        m->drmgr_pid = l.pid;
        settle_external_hold(&m->settle, l.held, now);
}

/* The engine's look with a fresh scan before it concludes "inconsistent" at max wait. */
static void manager_rescan(Manager *m) {
        bool changed = false;
        Error e = {};
        int r;

        r = capture_model_rescan(&m->model, &changed, &e);
        if (r < 0)
                log_warning_errno(r, "Cannot rescan: %s", error_message(&e, r));
        else if (changed)
                log_warning("The kernel's sets differed from what uevents said (a uevent was lost?); rescanned them.");
}

void manager_dispatch(Manager *m) {
        for (;;) {
                usec_t now = manager_now(m);
                SettleAction a;
                SettleVerdict v;
                int r;

                if (m->config.wait_for_drmgr && settle_hold_due(&m->settle, now))
                        manager_probe_drmgr(m, now);
                a = settle_next(&m->settle, now);

                switch (a.kind) {
                case SETTLE_EVALUATE:
                        if (a.rescan)
                                manager_rescan(m);
                        /* The verdict carries the DT generation it read (the reload's, if one starts). */
                        v = manager_evaluate(m, NULL);
                        settle_model(&m->settle, &v);
                        continue;

                case SETTLE_RELOAD: {
                        bool cpus = m->request_cpus;

                        manager_cpus_request_end(m);
                        (void) manager_refresh_dump_mode(m, false);
                        /* The kernel keeps memory current in the crash image; CPUs may still need
                         * the reload (their crash_hotplug is separate), and asked for by name, a
                         * reload still runs. */
                        if (manager_kernel_handles(m, DUMP_RESOURCE_MEMORY) && !cpus && a.reason != SETTLE_REASON_REQUESTED) {
                                log_debug("The kernel updates the crash image itself; no reload.");
                                m->request_events = 0;
                                m->request_memory = false;
                                settle_reload_finished(&m->settle, true, now);
                                continue;
                        }
                        manager_update_status(m, now);
                        manager_save_state(m);
                        if (manager_start_reload(m, a.reason, cpus) < 0)
                                settle_reload_finished(&m->settle, false, now);
                        continue;
                }

                case SETTLE_SKIP:
                        log_info("%s settled after %llu uevent(s) as it was: the loaded crash kernel "
                                 "already matches, no reload needed.",
                                 request_words(m->request_memory, m->request_cpus)[0],
                                 (unsigned long long) m->request_events);
                        m->request_events = 0;
                        m->request_memory = false;
                        manager_cpus_request_end(m);
                        _fallthrough_;
                case SETTLE_WAIT:
                        manager_update_status(m, now);
                        manager_save_state(m);
                        control_server_notify(m->control);
                        r = manager_arm_timer(m, &a);
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

        if (m->timer_polls_dt)
                (void) manager_poll_dt(m);
        manager_dispatch(m);
        return 0;
}

static void manager_handle_uevent(Manager *m, const MemoryUevent *u) {
        int r;

        r = capture_memory_uevent(m->memory, u);
        if (r < 0)
                log_warning_errno(r, "Cannot track memory%llu: %m; rescanning before the next check.",
                                  (unsigned long long) u->block);

        log_debug("uevent %s memory%llu", memory_action_to_string(u->action), (unsigned long long) u->block);
        m->request_events++;
        m->request_memory = true;
        /* An add or remove that a rescan already saw (udevd passes them on late) changes nothing
         * a reload reads: part of the burst, but no reason for one more reload. */
        if (IN_SET(u->action, MEMORY_ACTION_ADD, MEMORY_ACTION_REMOVE) && r != 0)
                settle_event(&m->settle, manager_now(m));
        else
                settle_state_event(&m->settle, manager_now(m));
}

static int on_uevent(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;

        /* Drain what is queued, then ask the engine once: a burst costs one decision. */
        for (;;) {
                Uevent u;
                Error e = {};
                int r;

                r = monitor_receive(m->monitor, &u, &e);
                if (r == 0)
                        break;
                if (r == -ENOBUFS) {
                        log_warning("Uevent socket overflowed, events were lost; rescanning memory blocks%s.",
                                    m->cpus ? " and CPUs" : "");
                        capture_model_events_lost(&m->model);
                        settle_event(&m->settle, manager_now(m));
                        continue;
                }
                if (r < 0) {
                        log_warning_errno(r, "Ignoring uevent: %s", error_message(&e, r));
                        continue;
                }
                if (u.kind == UEVENT_CPU)
                        manager_cpus_uevent(m, &u.cpu);
                else
                        manager_handle_uevent(m, &u.memory);
        }

        manager_dispatch(m);
        return 0;
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;

        if (manager_reconfigure(m) >= 0)
                manager_dispatch(m);
        return 0;
}

static int on_exit_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;

        (void) sd_notify(false, "STOPPING=1");
        m->exiting = true;
        if (m->reload) {
                reload_extend_stop_timeout(m->reload, manager_now(m));
                log_info("Waiting for the running reload to finish before exiting.");
                return 0;
        }
        return sd_event_exit(m->event, 0);
}

/* One daemon per runtime directory: a second one would take over the control socket and share the
 * state file, doubling reloads. Taken before either is touched; the kernel drops it at exit. */
static int manager_lock(Manager *m) {
        _cleanup_free_ char *path = NULL;

        if (path_join_root(m->runtime_dir, LOCK_FILE, &path) < 0)
                return log_oom();
        m->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (m->lock_fd < 0)
                return log_error_errno(errno, "Cannot open %s: %m", path);
        if (flock(m->lock_fd, LOCK_EX | LOCK_NB) < 0) {
                if (errno == EWOULDBLOCK)
                        return log_error_errno(-EBUSY, "Another kdump-settled is running with %s (it holds %s); "
                                               "not starting a second one.", m->runtime_dir, path);
                return log_error_errno(errno, "Cannot lock %s: %m", path);
        }
        return 0;
}

int manager_start(Manager *m) {
        SettleConfig timings = manager_settle_config(m);
        Error e = {};
        int r;

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

        settle_init(&m->settle, &timings);

        capture_model_init(&m->model, m->root);
        r = capture_memory_new(&m->memory);
        if (r >= 0)
                r = capture_model_add(&m->model, &m->memory->base);
        if (r < 0)
                return log_oom();
        r = manager_cpus_start(m);
        if (r < 0)
                return r;

        if (mkdir(m->runtime_dir, 0755) < 0 && errno != EEXIST)
                return log_error_errno(errno, "Cannot create %s: %m", m->runtime_dir);
        r = manager_lock(m);
        if (r < 0)
                return r;
        if (mkdir(m->state_dir, 0755) < 0 && errno != EEXIST)
                return log_error_errno(errno, "Cannot create %s: %m", m->state_dir);
        r = manager_open_control(m);
        if (r < 0)
                return r;

        /* Listen before the caller's first scan, so that nothing happening in between is lost.
         * Also while the kernel updates the crash image itself: that can change (dump-mode.h). */
        r = monitor_new(m->config.uevent_source, m->cpus != NULL, &m->monitor, &e);
        if (r < 0)
                return log_error_errno(r, "%s", error_message(&e, r));
        r = sd_event_add_io(m->event, &m->uevents, monitor_get_fd(m->monitor), EPOLLIN, on_uevent, m);
        if (r < 0)
                return log_error_errno(r, "Cannot watch uevents: %m");
        /* Uevents before control requests: a `wait` right after a DLPAR sees its events. */
        (void) sd_event_source_set_priority(m->uevents, SD_EVENT_PRIORITY_IMPORTANT);
        return 0;
}

void manager_done(Manager *m) {
        m->reload = reload_free(m->reload);
        control_server_free(m->control);
        if (m->lock_fd >= 0)
                (void) close(m->lock_fd);
        free(m->fadump_registered);
        sd_event_source_disable_unref(m->uevents);
        sd_event_source_disable_unref(m->timer);
        monitor_free(m->monitor);
        sd_event_unref(m->event);
        strv_free(m->reload_argv);
        config_done(&m->config);
        capture_model_done(&m->model);
        free(m->overrides);
}
