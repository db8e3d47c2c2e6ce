/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc-util.h"
#include "backend.h"
#include "dump-mode.h"
#include "fd-util.h"
#include "fileio.h"
#include "kexec-record.h"
#include "log.h"
#include "path-lookup.h"
#include "run-capture.h"
#include "shell-words.h"
#include "strv.h"
#include "trusted-file.h"

#define DEBIAN_DEFAULTS "/etc/default/kdump-tools"
#define DEBIAN_COREDIR_DEFAULT "/var/crash"
/* `systemctl is-active` answers in milliseconds; a systemd busy for longer is asked again later. */
#define UNIT_GATE_TIMEOUT (10 * USEC_PER_SEC)
#define UNIT_GATE_MAX 64  /* an ActiveState and its newline */

/* A value of the defaults file; *ret NULL when the file or the assignment is missing. */
static int defaults_value(const char *root, const char *file, const char *key, char **ret, Error *e) {
        _cleanup_free_ char *text = NULL;
        int r;

        *ret = NULL;
        r = read_full_file_root(root, file, 1024 * 1024, &text, NULL, e);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        r = shell_assignment_find(text, key, file, ret, e);
        return r < 0 ? r : 0;
}

/* What kdump-config itself runs (its KEXEC=), and the file its try-reload flocks (lock_file=). */
#define DEBIAN_KEXEC "/sbin/kexec"
#define DEBIAN_LOCK "kdump_lock"
#define DEBIAN_RECORD "kexec_cmd"
#define DEBIAN_RECORD_MAX (64 * 1024)

/* SUSE's load.sh: in /usr/lib/kdump since kdump 1.0 (openSUSE/kdump e88c30e, 2022), in /lib/kdump
 * before (SLES 12, SLES 15 up to at least SP3). Its udev rule runs it through load-once.sh, which
 * holds this lock (flock) around it. */
static const char *const suse_load_sh[] = { "/usr/lib/kdump/load.sh", "/lib/kdump/load.sh", NULL };
#define SUSE_LOCK "/var/run/kdump.lock"

/* Debian's kdump-config: `reload` and `try-reload` unload before they load, and `load` refuses
 * to run while a crash kernel is loaded ("Cannot change symbolic links when kdump is loaded").
 * What loads over the old image is the kexec command its last load ran, which it records in
 * KDUMP_COREDIR/kexec_cmd: replayed, it reads the current memory layout. Only its arguments are
 * replayed, with kdump-config's own kexec, under its try-reload lock, and only from a record no
 * one but root can have written: on Ubuntu /var/crash is world-writable (apport). Nothing
 * loaded: nothing (the gate closes). A missing, untrusted or unusable record: `reload`, as before. */
static int debian_prepare(const ReloadBackend *b, const char *root, KexecHotplug hotplug,
                          const char * const **ret_words, char ***ret_argv, char **ret_lock, Error *ret_error) {
        _cleanup_free_ char *coredir = NULL, *path = NULL, *lock = NULL, *text = NULL, *kexec = NULL;
        bool dropped = false;
        Error e = {};
        int r;

        /* The gate closes then (reload_backend_gate()): kdump-tools' rule reloads only a loaded one. */
        if (crash_kernel_loaded(root) == 0) {
                *ret_words = b->argv;
                return 0;
        }

        r = defaults_value(root, DEBIAN_DEFAULTS, "KDUMP_COREDIR", &coredir, &e);
        if (r >= 0) {
                const char *dir = coredir && *coredir ? coredir : DEBIAN_COREDIR_DEFAULT;

                if (asprintf(&path, "%s/" DEBIAN_RECORD, dir) < 0 || asprintf(&lock, "%s/" DEBIAN_LOCK, dir) < 0 ||
                    path_join_root(root, b->replay_kexec, &kexec) < 0)
                        return error_set(ret_error, -ENOMEM, "Out of memory");
                r = trusted_file_read(root, path, geteuid(), DEBIAN_RECORD_MAX, &text, &e);
        }
        if (r >= 0)
                r = kexec_record_argv(text, path, kexec, hotplug, ret_argv, &dropped, &e);
        if (r >= 0 && path_join_root(root, lock, ret_lock) < 0)
                r = -ENOMEM;
        if (r == -ENOMEM)
                return error_set(ret_error, r, "Out of memory");
        if (r < 0) {
                log_notice("Cannot load over the old crash kernel (%s); using kdump-config reload, which unloads first.",
                           error_message(&e, r));
                *ret_argv = (strv_free(*ret_argv), NULL);
                *ret_words = b->argv;
        } else
                /* What runs is not the command the log's "Reload command" line shows: say so. Why
                 * --hotplug goes was said once, with kexec_hotplug (daemon/manager-config.c). */
                log_info("Loading over the old crash kernel: %s replayed with %s%s.", path, kexec,
                         dropped ? ", without its " KEXEC_HOTPLUG_OPTION : "");
        return 0;
}

/* SUSE: load.sh where this SUSE installs it, as its udev rule runs it (load-once.sh: without
 * --update, which kdump.service's start adds to rebuild the initrd), under the same lock. */
static int suse_prepare(const ReloadBackend *b, const char *root, KexecHotplug hotplug,
                        const char * const **ret_words, char ***ret_argv, char **ret_lock, Error *ret_error) {
        Error e = {};
        int r = -ENOENT;

        for (const char *const *p = suse_load_sh; *p; p++) {
                _cleanup_close_ int fd = -1;
                _cleanup_free_ char *full = NULL;
                Error this = {};

                /* It decides what runs as root: only where no one else can have put it. */
                fd = trusted_file_open(root, *p, geteuid(), &this);
                if (fd < 0) {
                        /* A missing one is the other layout; say why another was refused. */
                        if (r == -ENOENT) {
                                r = fd;
                                e = this;
                        }
                        continue;
                }
                if (path_join_root(root, *p, &full) < 0 || path_join_root(root, SUSE_LOCK, ret_lock) < 0 ||
                    strv_copy((const char *const[]) { full, NULL }, ret_argv) < 0)
                        return error_set(ret_error, -ENOMEM, "Out of memory");
                return 0;
        }
        return error_set(ret_error, r, "No usable load.sh (%s or %s): %s", suse_load_sh[0], suse_load_sh[1],
                         error_message(&e, r));
}

static const ReloadBackend reload_backends[_RELOAD_BACKEND_MAX] = {
        /* Fedora, RHEL: kdumpctl reload unloads first (no load-over option), and re-registers fadump. */
        [RELOAD_BACKEND_KDUMPCTL] = {
                .id = RELOAD_BACKEND_KDUMPCTL, .probe = "kdumpctl",
                .argv = (const char * const[]) { "kdumpctl", "reload", NULL }, .gate_unit = "kdump.service" },
        /* Debian, Ubuntu. */
        [RELOAD_BACKEND_KDUMP_CONFIG] = {
                .id = RELOAD_BACKEND_KDUMP_CONFIG, .probe = "kdump-config",
                .argv = (const char * const[]) { "kdump-config", "reload", NULL },
                .gate_unit = "kdump-tools.service", .gate_defaults = DEBIAN_DEFAULTS, .loads_over_old = true,
                .reloads_loaded_only = true, .replay_kexec = DEBIAN_KEXEC, .prepare = debian_prepare },
        /* SUSE: load.sh loads with kexec -p without unloading. kdumptool is in PATH, load.sh is not;
         * argv is what the log shows, suse_prepare() finds the real one. */
        [RELOAD_BACKEND_SUSE_KDUMP] = {
                .id = RELOAD_BACKEND_SUSE_KDUMP, .probe = "kdumptool",
                .argv = (const char * const[]) { "load.sh", NULL },
                .gate_unit = "kdump.service", .loads_over_old = true, .reloads_loaded_only = true,
                .prepare = suse_prepare },
        /* KexecKernel=: built by reload_argv_resolve(). */
        [RELOAD_BACKEND_KEXEC] = { .id = RELOAD_BACKEND_KEXEC, .loads_over_old = true },
};

const ReloadBackend *reload_backend_get(ReloadBackendChoice id) {
        if (id <= RELOAD_BACKEND_AUTO || id >= _RELOAD_BACKEND_MAX)
                return NULL;
        return &reload_backends[id];
}

const char *reload_backend_name(const ReloadBackend *b) {
        return reload_backend_choice_to_string(b->id);
}

const ReloadBackend *reload_backend_find(const char *name) {
        return reload_backend_get(reload_backend_choice_from_string(name));
}

int crash_kernel_loaded(const char *root) {
        _cleanup_free_ char *text = NULL;

        if (read_full_file_root(root, "/sys/kernel/kexec_crash_loaded", 64, &text, NULL, NULL) < 0)
                return -1;
        if (text[0] == '1' && (text[1] == 0 || text[1] == '\n'))
                return 1;
        if (text[0] == '0' && (text[1] == 0 || text[1] == '\n'))
                return 0;
        return -1;
}

/* The unit's ActiveState from `systemctl is-active UNIT`, which prints it (exit status 3 for any
 * state but active and reloading): the gate for that state, why in buf. OPEN when nothing tells
 * (no systemctl, no answer it could parse: the tool decides), DEFER when systemctl does not answer
 * in time (systemd busy: ask again later). Runs in the reload's child, never on the event loop. */
static KdumpGate unit_gate(const char *unit, char *buf, size_t size) {
        _cleanup_free_ char *full = NULL;
        _cleanup_(run_capture_done) RunCapture c = {};
        UnitActiveState state;
        KdumpGate g;
        Error e = {};
        int r;

        if (find_executable("systemctl", getenv("PATH") ?: "/usr/bin:/bin", &full) < 0)
                return KDUMP_GATE_OPEN;  /* no systemd here: nothing tells */
        /* Bounded: a systemd that does not answer would otherwise hold the reload to its timeout. */
        r = run_capture(full, (char *const[]) { "systemctl", "is-active", (char *) unit, NULL }, UNIT_GATE_MAX,
                        UNIT_GATE_TIMEOUT, &c, &e);
        if (r == -ETIME || (r >= 0 && !c.truncated && c.exit_status < 0)) {
                snprintf(buf, size, "systemctl is-active %s did not answer", unit);
                return KDUMP_GATE_DEFER;
        }
        if (r < 0 || c.truncated || unit_active_state_parse(c.output, unit, &state, &e) < 0)
                return KDUMP_GATE_OPEN;
        g = kdump_gate_from_unit_state(state);
        snprintf(buf, size, "%s is %s", unit, unit_active_state_to_string(state));
        return g < 0 ? KDUMP_GATE_OPEN : g;
}

/* Whether what the reload renews is there: fadump's registration, or a loaded crash kernel. 1
 * yes, 0 no, -1 not known. */
static int armed(const char *root, bool fadump) {
        _cleanup_free_ char *text = NULL;

        if (!fadump)
                return crash_kernel_loaded(root);
        if (read_full_file_root(root, FADUMP_DIR "/registered", 64, &text, NULL, NULL) < 0)
                return -1;
        return text[0] == '0' && (text[1] == 0 || text[1] == '\n') ? 0 : 1;
}

KdumpGate reload_backend_gate(const ReloadBackend *b, const char *root, bool fadump_reregister, char *buf,
                              size_t size) {
        KdumpGate g;

        if (!b && !fadump_reregister)
                return KDUMP_GATE_OPEN;  /* ReloadCommand=: the administrator's command decides */

        if (b && b->gate_defaults) {
                _cleanup_free_ char *use = NULL;
                Error e = {};
                int r = defaults_value(root, b->gate_defaults, "USE_KDUMP", &use, &e);

                /* Unreadable: kdump-config decides and says why. Missing or 0: it refuses to load. */
                if (r >= 0 && (!use || !*use || strcmp(use, "0") == 0)) {
                        snprintf(buf, size, "kdump is turned off (USE_KDUMP=%s in %s)", use ? use : "",
                                 b->gate_defaults);
                        return KDUMP_GATE_CLOSED;
                }
        }
        if (b && b->gate_unit) {
                g = unit_gate(b->gate_unit, buf, size);
                if (g != KDUMP_GATE_OPEN)
                        return g;
        }
        /* SUSE's rule re-registers fadump only while it is registered; kdump-tools' and SUSE's
         * rules reload only a loaded crash kernel. */
        if (fadump_reregister && armed(root, true) == 0) {
                snprintf(buf, size, "firmware-assisted dump is not registered (/" FADUMP_DIR "/registered reads 0)");
                return KDUMP_GATE_CLOSED;
        }
        if (!fadump_reregister && b->reloads_loaded_only && armed(root, false) == 0) {
                snprintf(buf, size, "no crash kernel is loaded, and %s reloads only a loaded one", reload_backend_name(b));
                return KDUMP_GATE_CLOSED;
        }
        return KDUMP_GATE_OPEN;
}
