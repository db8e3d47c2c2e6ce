/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The real kdump-settled against the distributions' reload backends, faked: a fake root (--root)
 * with the sysfs memory blocks, the DT, /proc/cmdline, kexec_crash_loaded and the kdump tools'
 * files, and tests/integration/fake-kdump-tool in PATH under the names of the tools (kexec,
 * kdumpctl, kdump-config, kdumptool, systemctl), recording every call. Reloads are requested
 * over the control socket; no uevent is needed, and none may come: the udev source, not the
 * kernel's, whose real memory uevents (test-kernel-uevents writes them) would reach the daemon.
 * Covers issue 11 points 2, 3, 8, 11, 12, issue 14 point 3 and issue 19 points 2, 5, 6, 7, 11, 12,
 * 15. No root, no umockdev.
 *
 * Environment: KDUMP_SETTLED, KDUMP_SETTLE_SRCDIR. Speaks TAP; every wait is bounded. For
 * debugging: KDUMP_SETTLE_TEST_ONLY=N runs case N only, KDUMP_SETTLE_TEST_KEEP=1 keeps the
 * directories. */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dt-blob.h"
#include "dt-memory.h"
#include "fake-root.h"
#include "alloc-util.h"
#include "daemon-runner.h"
#include "harness.h"
#include "macro.h"
#include "memory-limit.h"

#define N_LMBS 4

#define WAIT_MAX (20 * SEC)  /* generous: the fake tools are shell scripts on a shared machine */

#define LOADED "sys/kernel/kexec_crash_loaded"

typedef struct Test {
        DaemonRun d;       /* root: a fake root; dir: also bin/; log: fake-kdump-tool's */
        char notify[8192]; /* every sd_notify line */
} Test;

/* --- files ------------------------------------------------------------------------------------ */

static void put(Test *t, const char *path, const char *text) {
        int r = fake_root_write_file(t->d.root, path, text, strlen(text));

        CHECK(&t->d, r >= 0, "cannot write %s: %s", path, strerror(-r));
}

static char *in_dir(Test *t, const char *name) {
        return harness_path_in(t->d.dir, name);
}

/* How many lines of the tool log start with prefix ("kdumpctl|reload", "kexec|-p"). */
static size_t calls(Test *t, const char *prefix) {
        char *text = harness_read_all(t->d.log, NULL), *save = NULL;
        size_t n = 0;

        if (!text)
                return 0;
        for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
                n += strncmp(l, prefix, strlen(prefix)) == 0;
        free(text);
        return n;
}

/* Calls other than systemctl's and kexec --help. */
static size_t loads(Test *t) {
        char *text = harness_read_all(t->d.log, NULL), *save = NULL;
        size_t n = 0;

        if (!text)
                return 0;
        for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
                n += strncmp(l, "systemctl|", 10) != 0 && strncmp(l, "kexec|--help|", 13) != 0 &&
                     strncmp(l, "kexec|--version|", 16) != 0;
        free(text);
        return n;
}

static bool tool_log_has(Test *t, const char *text) {
        char *all = harness_read_all(t->d.log, NULL);
        bool found = all && strstr(all, text);

        free(all);
        return found;
}

static size_t daemon_log_count(Test *t, const char *text) {
        char *path = in_dir(t, "daemon.stderr"), *all = harness_read_all(path, NULL);
        size_t n = 0;

        for (const char *p = all; p && (p = strstr(p, text)); p += strlen(text))
                n++;
        free(all);
        free(path);
        return n;
}

/* --- the daemon ------------------------------------------------------------------------------- */

static void on_notify(const char *line, void *userdata) {
        Test *t = userdata;

        if (strlen(t->notify) + strlen(line) + 2 < sizeof(t->notify)) {
                strcat(t->notify, line);
                strcat(t->notify, "\n");
        }
}

typedef bool (*Predicate)(Test *t, const void *arg);

/* Pumps until pred holds, failing the case after WAIT_MAX or if the daemon exits. */
static bool wait_for(Test *t, Predicate pred, const void *arg, const char *what) {
        return DAEMON_RUN_WAIT(&t->d, WAIT_MAX, pred(t, arg), what);
}

static bool pred_ready(Test *t, const void *arg) {
        return t->d.ready;
}

static bool pred_idle(Test *t, const void *arg) {
        return strncmp(t->d.status, "idle", 4) == 0;
}

static bool pred_log(Test *t, const void *arg) {
        return daemon_log_count(t, arg) > 0;
}

static bool pred_loads(Test *t, const void *arg) {
        return loads(t) >= *(const size_t *) arg;
}

/* Starts the daemon with PATH=DIR/bin:/usr/bin:/bin and the config text; waits for READY=1 unless
 * expect_exit. */
static bool start_daemon(Test *t, const char *config, bool expect_exit) {
        _cleanup_free_ char *conf = in_dir(t, "kdump-settle.conf"), *notify = in_dir(t, "notify"), *bin = in_dir(t, "bin");
        _cleanup_free_ char *a_root = NULL, *e_notify = NULL, *e_path = NULL, *e_log = NULL, *e_root = NULL;
        _cleanup_free_ char **envp = NULL;

        if (harness_write_text(conf, config) < 0 || asprintf(&a_root, "--root=%s", t->d.root) < 0 ||
            asprintf(&e_notify, "NOTIFY_SOCKET=%s", notify) < 0 || asprintf(&e_path, "PATH=%s:/usr/bin:/bin", bin) < 0 ||
            asprintf(&e_log, "FAKE_TOOL_LOG=%s", t->d.log) < 0 || asprintf(&e_root, "FAKE_TOOL_ROOT=%s", t->d.root) < 0)
                abort();
        envp = harness_environ_with(e_notify, e_path, e_log, e_root, NULL);
        daemon_run_start_env(&t->d, envp, (const char *const[]) { a_root, "--uevent-source=udev", NULL });
        if (expect_exit)
                return true;
        return wait_for(t, pred_ready, NULL, "READY=1") && wait_for(t, pred_idle, NULL, "idle after start-up");
}

static void stop_daemon(Test *t) {
        (void) daemon_run_stop(&t->d, WAIT_MAX);
}

static int control_connect(Test *t) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/run/control", t->d.dir);
        if (fd < 0)
                abort();
        if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                TEST_FAIL(&t->d, "cannot connect to %s: %m", sa.sun_path);
                close(fd);
                return -1;
        }
        return fd;
}

/* A request and its reply; the reply in buf. */
static bool control(Test *t, const char *request, char *buf, size_t size) {
        struct timeval tv = { .tv_sec = WAIT_MAX / SEC };
        int fd = control_connect(t);
        ssize_t n;

        if (fd < 0)
                return false;
        (void) setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        if (send(fd, request, strlen(request), MSG_NOSIGNAL) < 0 || (n = recv(fd, buf, size - 1, 0)) <= 0) {
                close(fd);
                return CHECK(&t->d, false, "no reply to \"%s\": %m", request);
        }
        close(fd);
        buf[n] = 0;
        return true;
}

static bool request_reload(Test *t) {
        char reply[4096];

        return control(t, "reload", reply, sizeof(reply)) &&
               CHECK(&t->d, strstr(reply, "result=ok"), "reload refused: %s", reply);
}

/* The status field's value (up to the line's end) in buf. */
static bool status_field(Test *t, const char *field, char *buf, size_t size) {
        char reply[4096], key[64];
        const char *p;

        if (!control(t, "status", reply, sizeof(reply)))
                return false;
        snprintf(key, sizeof(key), "\n%s=", field);
        p = strstr(reply, key);
        if (!CHECK(&t->d, p, "no %s in the status reply", field))
                return false;
        p += strlen(key);
        snprintf(buf, size, "%.*s", (int) strcspn(p, "\n"), p);
        return true;
}

/* Until the status has a last reload result other than before (a reload ran, or was skipped). */
static bool wait_result_change(Test *t, const char *before, char *result, size_t size) {
        int64_t end = harness_now_usec() + WAIT_MAX;

        while (status_field(t, "last_reload_result", result, size) && strcmp(result, before) == 0) {
                if (harness_now_usec() >= end)
                        return CHECK(&t->d, false, "no reload result within %.0f s", (double) WAIT_MAX / SEC);
                daemon_run_watch(&t->d, 50 * MSEC);
        }
        return !t->d.failed;
}

/* --- the fake LPAR and tools ------------------------------------------------------------------- */

static bool setup(Test *t, const char *const *tools, const char *loaded) {
        const TestLmbSet sets[] = { { .n_lmbs = N_LMBS, .base = 0, .flags = DRCONF_MEM_ASSIGNED } };
        Blob dt = {};
        char *bin = in_dir(t, "bin"), *script;
        int r;

        dt_blob_v2(&dt, sets, ELEMENTSOF(sets));
        r = fake_root_set_block_size(t->d.root, LMB_SIZE);
        for (unsigned n = 0; r >= 0 && n < N_LMBS; n++)
                r = fake_root_add_block(t->d.root, n);
        if (r >= 0)
                r = fake_root_write_dt(t->d.root, LMB_SIZE, DT_FORMAT_V2, &dt);
        blob_done(&dt);
        if (!CHECK(&t->d, r >= 0, "cannot build the fake root: %s", strerror(-r)))
                return false;
        if (loaded)
                put(t, LOADED, loaded);
        put(t, "proc/cmdline", "BOOT_IMAGE=/boot/vmlinux-6.1.0 root=/dev/sda2 ro crashkernel=512M hugepages=8 quiet\n");

        if (mkdir(bin, 0755) < 0 || asprintf(&script, "%s/tests/integration/fake-kdump-tool", daemon_runner_env()->srcdir) < 0)
                abort();
        for (; tools && *tools; tools++) {
                char *link = harness_path_in(bin, *tools);
                if (symlink(script, link) < 0)
                        abort();
                free(link);
        }
        free(script);
        free(bin);
        return !t->d.failed;
}

static void set_active(Test *t, const char *unit, bool active) {
        char *path;

        if (asprintf(&path, "%s/active/%s", t->d.root, unit) < 0)
                abort();
        if (active)
                put(t, path + strlen(t->d.root) + 1, "");
        else
                (void) unlink(path);
        free(path);
}

/* The unit's ActiveState as the fake systemctl reports it ("activating", "failed", ...). */
static void set_unit_state(Test *t, const char *unit, const char *state) {
        char *path, *text;

        if (asprintf(&path, "active/%s", unit) < 0 || asprintf(&text, "%s\n", state) < 0)
                abort();
        put(t, path, text);
        free(text);
        free(path);
}

static void set_modes(Test *t, const char *modes) {
        char *ctl;

        if (asprintf(&ctl, "%s.ctl", t->d.log) < 0)
                abort();
        CHECK(&t->d, harness_write_text(ctl, modes) >= 0, "cannot write %s", ctl);
        free(ctl);
}

static bool wait_loads(Test *t, size_t n, const char *what) {
        if (!wait_for(t, pred_loads, &n, what) || !wait_for(t, pred_idle, NULL, "idle"))
                return false;
        daemon_run_watch(&t->d, 300 * MSEC);
        return CHECK(&t->d, loads(t) == n, "%zu tool call(s) after %s, expected %zu", loads(t), what, n);
}

/* --- the cases -------------------------------------------------------------------------------- */

/* 1 (issue 11.8): clients that send "reload" and close at once (epoll IN|HUP) each count. */
static void test_fire_and_forget(Test *t) {
        if (!setup(t, (const char *[]) { "kdumpctl", "systemctl", NULL }, "1\n"))
                return;
        set_active(t, "kdump.service", true);
        if (!start_daemon(t, "", false))
                return;
        for (int i = 0; i < 5; i++) {
                int fd = control_connect(t);
                if (fd < 0)
                        return;
                CHECK(&t->d, send(fd, "reload", 6, MSG_NOSIGNAL) == 6, "send: %m");
                close(fd);
        }
        {
                char result[256];
                (void) wait_result_change(t, "none", result, sizeof(result));
        }
        daemon_run_watch(&t->d, 300 * MSEC);
        CHECK(&t->d, daemon_log_count(t, "Reload requested over the control socket.") == 5,
              "%zu of 5 fire-and-forget requests were read",
              daemon_log_count(t, "Reload requested over the control socket."));
        /* The first starts a reload, the others join the one after it. */
        CHECK(&t->d, calls(t, "kdumpctl|reload|") >= 1, "no reload for 5 requests");
}

/* 2 (issue 11.2): the kexec fallback's capture kernel gets a capture command line built from
 * /proc/cmdline, not this kernel's whole line (--reuse-cmdline). */
static void test_kexec_cmdline(Test *t) {
        if (!setup(t, (const char *[]) { "kexec", NULL }, "1\n") ||
            !start_daemon(t, "[Reload]\nKexecKernel=/boot/vmlinux-capture\nKexecInitrd=/boot/initrd-capture\n", false) ||
            !request_reload(t) || !wait_loads(t, 1, "the requested reload"))
                return;
        CHECK(&t->d, calls(t, "kexec|-p|/boot/vmlinux-capture|--append=root=/dev/sda2 ro irqpoll nr_cpus=16 ") == 1,
              "kexec did not get the capture command line");
        CHECK(&t->d, !tool_log_has(t, "crashkernel") && !tool_log_has(t, "--reuse-cmdline") && !tool_log_has(t, "hugepages=8"),
              "the capture kernel would get this kernel's crashkernel=, hugepages= or whole line");
        CHECK(&t->d, tool_log_has(t, "|--initrd=/boot/initrd-capture|"), "no --initrd=");

        /* KexecAppend= still overrides it entirely. */
        stop_daemon(t);
        t->d.exited = false, t->d.ready = false, t->notify[0] = 0;
        if (!start_daemon(t, "[Reload]\nKexecKernel=/k\nKexecAppend=console=hvc0 maxcpus=1\n", false) ||
            !request_reload(t) || !wait_loads(t, 2, "the second requested reload"))
                return;
        CHECK(&t->d, calls(t, "kexec|-p|/k|--append=console=hvc0 maxcpus=1|") == 1, "KexecAppend= was not used as is");
}

/* Sends SIGHUP and waits for the daemon to say it read its configuration again. */
static bool reconfigure(Test *t) {
        size_t before = daemon_log_count(t, "Configuration reloaded.");
        int64_t end = harness_now_usec() + WAIT_MAX;

        kill(t->d.pid, SIGHUP);
        while (daemon_log_count(t, "Configuration reloaded.") == before) {
                if (harness_now_usec() >= end)
                        return CHECK(&t->d, false, "no \"Configuration reloaded.\" within %.0f s of SIGHUP",
                                     (double) WAIT_MAX / SEC);
                daemon_run_watch(&t->d, 20 * MSEC);
        }
        return true;
}

static void remove_file(Test *t, const char *name) {
        char *path = harness_path_in(t->d.root, name);

        CHECK(&t->d, unlink(path) == 0, "cannot remove %s: %m", path);
        free(path);
}

static bool status_is(Test *t, const char *field, const char *want) {
        char got[256];

        return status_field(t, field, got, sizeof(got)) &&
               CHECK(&t->d, strcmp(got, want) == 0, "status %s=%s, expected %s", field, got, want);
}

/* A kernel that can update a loaded crash image (sys/kernel/crash_elfcorehdr_size) and a kexec that
 * lists --hotplug in its --help, of kexec-tools version (its --version; 2.0.33: the reservation fix). */
static void put_hotplug_kexec(Test *t, const char *version) {
        _cleanup_free_ char *line = NULL;

        if (asprintf(&line, "kexec-tools %s\n", version) < 0)
                abort();
        put(t, "sys/kernel/crash_elfcorehdr_size", "65536\n");
        put(t, "kexec-hotplug", "");
        put(t, "kexec-version", line);
}

/* 10 (issue 13.4): the kexec fallback loads with --hotplug where the kernel
 * (sys/kernel/crash_elfcorehdr_size) and kexec (its --help) both have it, so that the kernel keeps
 * the image current; asked at start and on SIGHUP; status and the log say which. Negative
 * controls: a kexec without it (older kexec-tools), a kernel without it (before 6.10). */
static void test_kexec_hotplug(Test *t) {
        const char *conf = "[Reload]\nKexecKernel=/k\nKexecAppend=console=hvc0\n";

        if (!setup(t, (const char *[]) { "kexec", NULL }, "1\n"))
                return;
        put_hotplug_kexec(t, "2.0.33");
        if (!start_daemon(t, conf, false) || !status_is(t, "kexec_hotplug", "yes") ||
            !request_reload(t) || !wait_loads(t, 1, "the requested reload"))
                return;
        CHECK(&t->d, calls(t, "kexec|-p|--hotplug|/k|--append=console=hvc0|") == 1, "kexec -p did not get --hotplug");
        CHECK(&t->d, calls(t, "kexec|--help|") == 1, "kexec --help asked %zu times at start, expected once",
              calls(t, "kexec|--help|"));
        CHECK(&t->d, daemon_log_count(t, "loads with --hotplug") == 1, "the mode was not logged once");

        /* kexec-tools downgraded (before 2.0.29), then SIGHUP: asked again, no --hotplug. */
        remove_file(t, "kexec-hotplug");
        if (!reconfigure(t) || !status_is(t, "kexec_hotplug", "no-kexec") ||
            !request_reload(t) || !wait_loads(t, 2, "the second requested reload"))
                return;
        CHECK(&t->d, calls(t, "kexec|--help|") == 2, "kexec --help not asked again on SIGHUP");
        CHECK(&t->d, calls(t, "kexec|-p|/k|--append=console=hvc0|") == 1, "kexec -p without --hotplug expected");
        CHECK(&t->d, daemon_log_count(t, "does not list it in --help") == 1, "the change was not logged");

        /* A kernel before 6.10: no --hotplug, and kexec is not even asked. */
        put(t, "kexec-hotplug", "");
        remove_file(t, "sys/kernel/crash_elfcorehdr_size");
        if (!reconfigure(t) || !status_is(t, "kexec_hotplug", "no-kernel") ||
            !request_reload(t) || !wait_loads(t, 3, "the third requested reload"))
                return;
        CHECK(&t->d, calls(t, "kexec|--help|") == 2, "kexec --help asked for a kernel without crash hot-plug");
        CHECK(&t->d, calls(t, "kexec|-p|/k|--append=console=hvc0|") == 2, "kexec -p without --hotplug expected");

        /* Not the kexec fallback: the mode does not apply. */
        stop_daemon(t);
        t->d.exited = false, t->d.ready = false, t->notify[0] = 0;
        if (start_daemon(t, "[Reload]\nReloadCommand=kexec -p /k\n", false))
                (void) status_is(t, "kexec_hotplug", "unused");
}

/* 10b (issue 20.2): kexec-tools 2.0.29 to 2.0.32 list --hotplug but reserve only the elfcorehdr's
 * initial size in the capture FDT (600c2f9512b5 fixes it after 2.0.32): the kexec fallback loads
 * without --hotplug and reloads once per request; status and one log line say why. KexecHotplug=yes
 * (a backport) takes the administrator's word, =no never asks; a version not understood counts as
 * without the fix. Fails on main, which loaded 2.0.32 with --hotplug. */
static void test_kexec_hotplug_reserve_fix(Test *t) {
        const char *conf = "[Reload]\nKexecKernel=/k\nKexecAppend=console=hvc0\n";
        _cleanup_free_ char *conf_path = in_dir(t, "kdump-settle.conf");

        if (!setup(t, (const char *[]) { "kexec", NULL }, "1\n"))
                return;
        put_hotplug_kexec(t, "2.0.32");
        if (!start_daemon(t, conf, false) || !status_is(t, "kexec_hotplug", "no-reserve-fix") ||
            !request_reload(t) || !wait_loads(t, 1, "the first requested reload") ||
            !request_reload(t) || !wait_loads(t, 2, "the second requested reload"))
                return;
        CHECK(&t->d, calls(t, "kexec|-p|/k|--append=console=hvc0|") == 2,
              "kexec -p without --hotplug expected for each request");
        CHECK(&t->d, calls(t, "kexec|-p|--hotplug|") == 0, "kexec 2.0.32 loaded with --hotplug");
        CHECK(&t->d, calls(t, "kexec|--version|") == 1, "kexec --version asked %zu times at start, expected once",
              calls(t, "kexec|--version|"));
        CHECK(&t->d, daemon_log_count(t, "reserves only the elfcorehdr's initial size") == 1,
              "the reason was not logged once");

        /* The administrator says this kexec has the fix backported: --version is not asked. */
        if (!CHECK(&t->d, harness_write_text(conf_path, "[Reload]\nKexecKernel=/k\nKexecAppend=console=hvc0\n"
                                                        "KexecHotplug=yes\n") >= 0, "cannot write %s", conf_path) ||
            !reconfigure(t) || !status_is(t, "kexec_hotplug", "yes") ||
            !status_is(t, "kexec_hotplug_hazard", "none") ||
            !request_reload(t) || !wait_loads(t, 3, "the reload with KexecHotplug=yes"))
                return;
        CHECK(&t->d, calls(t, "kexec|-p|--hotplug|/k|--append=console=hvc0|") == 1, "KexecHotplug=yes: no --hotplug");
        CHECK(&t->d, calls(t, "kexec|--version|") == 1, "kexec --version asked with KexecHotplug=yes");

        /* A version not understood: without the fix, and the text named in the log. */
        put(t, "kexec-version", "kexec-tools 2.0.33-beta\n");
        if (!CHECK(&t->d, harness_write_text(conf_path, conf) >= 0, "cannot write %s", conf_path) ||
            !reconfigure(t) || !status_is(t, "kexec_hotplug", "no-reserve-fix"))
                return;
        CHECK(&t->d, daemon_log_count(t, "not a kexec-tools version: \"kexec-tools 2.0.33-beta\"") == 1,
              "the version not understood was not named");

        /* KexecHotplug=no: never; kexec is asked only for status's hazard (test 24), as check asks. */
        if (!CHECK(&t->d, harness_write_text(conf_path, "[Reload]\nKexecKernel=/k\nKexecHotplug=no\n") >= 0,
                   "cannot write %s", conf_path) ||
            !reconfigure(t) || !status_is(t, "kexec_hotplug", "off") ||
            !status_is(t, "kexec_hotplug_hazard", "not-loaded"))
                return;
        CHECK(&t->d, calls(t, "kexec|--help|") == 4, "kexec --help asked %zu times with KexecHotplug=no, expected "
              "once, for the hazard", calls(t, "kexec|--help|") - 3);
}

/* 24 (issue 20.4): status carries check's --hotplug hazard whatever the backend: kdumpctl here, whose
 * KEXEC_ARGS the daemon does not see, with kexec 2.0.32 in PATH on a kernel with crash hot-plug.
 * "loaded" while the crash kernel loaded is one the kernel updates (memory crash_hotplug 1), read
 * per status; "not-loaded" once it is not. Negative controls: kexec 2.0.33 after SIGHUP, none; a
 * kernel without crash hot-plug, none. Fails on main, whose status had no such key. */
static void test_hotplug_hazard_status(Test *t) {
        if (!setup(t, (const char *[]) { "kdumpctl", "kexec", NULL }, "1\n"))
                return;
        put_hotplug_kexec(t, "2.0.32");
        put(t, "sys/devices/system/memory/crash_hotplug", "1\n");
        if (!start_daemon(t, "", false) || !status_is(t, "reload_backend", "kdumpctl") ||
            !status_is(t, "kexec_hotplug", "unused") || !status_is(t, "kexec_hotplug_hazard", "loaded"))
                return;
        put(t, "sys/devices/system/memory/crash_hotplug", "0\n");
        if (!status_is(t, "kexec_hotplug_hazard", "not-loaded"))
                return;
        put(t, "sys/devices/system/memory/crash_hotplug", "1\n");
        put(t, "kexec-version", "kexec-tools 2.0.33\n");
        if (!reconfigure(t) || !status_is(t, "kexec_hotplug_hazard", "none"))
                return;
        put(t, "kexec-version", "kexec-tools 2.0.32\n");
        remove_file(t, "sys/kernel/crash_elfcorehdr_size");
        if (!reconfigure(t) || !status_is(t, "kexec_hotplug_hazard", "none"))
                return;
        CHECK(&t->d, calls(t, "kexec|--version|") == 2, "kexec --version asked %zu times, expected at start and "
              "at the first SIGHUP", calls(t, "kexec|--version|"));
}

/* Debian: kdump-config and systemctl in PATH, kdump-tools active, /sbin/kexec under the root (what
 * kdump-config runs, and so what a replay runs), the lock file's path for fake-kdump-tool's
 * "|lock=" and the directories down to /var/crash as root leaves them (0755: the test's umask may
 * differ; the test's user stands in for root). */
static bool setup_debian_tools(Test *t, const char *const *tools, const char *loaded) {
        _cleanup_free_ char *sbin = NULL, *kexec = NULL, *script = NULL, *lockpath = NULL, *lock = NULL;

        if (!setup(t, tools, loaded))
                return false;
        set_active(t, "kdump-tools.service", true);
        put(t, "etc/default/kdump-tools", "USE_KDUMP=1\nKDUMP_COREDIR=\"/var/crash\"\n");
        put(t, "var/crash/.keep", "");
        sbin = harness_path_in(t->d.root, "sbin");
        kexec = harness_path_in(t->d.root, "sbin/kexec");
        lock = harness_path_in(t->d.root, "var/crash/kdump_lock");
        if (asprintf(&script, "%s/tests/integration/fake-kdump-tool", daemon_runner_env()->srcdir) < 0 ||
            asprintf(&lockpath, "%s.lockpath", t->d.log) < 0)
                abort();
        CHECK(&t->d, mkdir(sbin, 0755) == 0 && symlink(script, kexec) == 0, "cannot make %s: %m", kexec);
        CHECK(&t->d, harness_write_text(lockpath, lock) >= 0, "cannot write %s", lockpath);
        for (const char *const *d = (const char *const[]) { "", "var", "var/crash", NULL }; *d; d++) {
                _cleanup_free_ char *dir = harness_path_in(t->d.root, *d);

                CHECK(&t->d, chmod(dir, 0755) == 0, "chmod %s: %m", dir);
        }
        return !t->d.failed;
}

static bool setup_debian(Test *t, const char *loaded) {
        return setup_debian_tools(t, (const char *[]) { "kdump-config", "systemctl", NULL }, loaded);
}

/* What kdump-config records after -p (and KDUMP_KEXEC_ARGS), and what the fake kexec logs of it. */
#define RECORD_REST "--command-line=\"root=/dev/sda2 ro reset_devices nr_cpus=1 irqpoll nousb\" " \
                    "--initrd=/var/lib/kdump/initrd.img /var/lib/kdump/vmlinuz\n"
#define REPLAYED_REST "--command-line=root=/dev/sda2 ro reset_devices nr_cpus=1 irqpoll nousb|" \
                      "--initrd=/var/lib/kdump/initrd.img|/var/lib/kdump/vmlinuz|loaded=1"
#define RECORD "/sbin/kexec -p " RECORD_REST
#define REPLAYED "kexec|-p|" REPLAYED_REST

/* 3 (issue 14.3, issue 19.16): Debian with a crash kernel loaded: the kexec command kdump-config
 * recorded is replayed, loading over the old image, with kdump-config's own kexec and under its
 * try-reload lock; kdump-config reload (unload first) is not run. */
static void test_debian_loads_over(Test *t) {
        if (!setup_debian(t, "1\n"))
                return;
        put(t, "var/crash/kexec_cmd", RECORD);

        if (!start_daemon(t, "", false) || !request_reload(t) || !wait_loads(t, 1, "the requested reload"))
                return;
        CHECK(&t->d, calls(t, REPLAYED) == 1, "the recorded kexec command was not replayed over the loaded image");
        CHECK(&t->d, calls(t, REPLAYED "|lock=held") == 1, "the replay did not hold kdump-config's kdump_lock");
        CHECK(&t->d, calls(t, "kdump-config|") == 0, "kdump-config ran (reload unloads first)");
        CHECK(&t->d, daemon_log_count(t, "/var/crash/kexec_cmd replayed with") == 1, "the replay was not logged");

        /* Loaded, but no record: kdump-config reload, as before, and why. */
        put(t, "var/crash/kexec_cmd", "/sbin/kexec -p \"broken\n");
        if (!request_reload(t) || !wait_loads(t, 2, "a reload without a usable record"))
                return;
        CHECK(&t->d, calls(t, "kdump-config|reload|loaded=1") == 1, "no kdump-config reload without a usable record");
        /* The negative control of "lock=held": kdump-config runs without it (its try-reload takes it). */
        CHECK(&t->d, calls(t, "kdump-config|reload|loaded=1|lock=free") == 1, "the lock probe says held for kdump-config");
        CHECK(&t->d, daemon_log_count(t, "Cannot load over the old crash kernel") == 1, "the fallback was not logged");
        /* The negative control of the replay's line: not logged again for kdump-config reload. */
        CHECK(&t->d, daemon_log_count(t, "replayed with") <= 1, "a replay logged for kdump-config reload");
}

#define RECORD_HOTPLUG "/sbin/kexec -p --hotplug " RECORD_REST
#define REPLAYED_HOTPLUG "kexec|-p|--hotplug|" REPLAYED_REST

/* 23 (issue 20.2): a record of Debian's that holds --hotplug (KDUMP_KEXEC_ARGS) is replayed
 * without it where kdump-config's kexec lacks the elfcorehdr reservation fix (2.0.32), as the kexec
 * fallback would load: status and one log line say so, each replay's line too. The negative
 * control: a kexec with the fix (2.0.33) keeps it. Fails on main, which replayed it as it was. */
static void test_debian_record_hotplug(Test *t) {
        if (!setup_debian(t, "1\n"))
                return;
        put(t, "var/crash/kexec_cmd", RECORD_HOTPLUG);
        put_hotplug_kexec(t, "2.0.32");
        if (!start_daemon(t, "", false) || !status_is(t, "kexec_hotplug", "no-reserve-fix") ||
            !request_reload(t) || !wait_loads(t, 1, "the requested reload"))
                return;
        CHECK(&t->d, calls(t, REPLAYED) == 1, "the record was not replayed without --hotplug");
        CHECK(&t->d, calls(t, "kexec|-p|--hotplug|") == 0, "kexec 2.0.32 replayed the record's --hotplug");
        CHECK(&t->d, daemon_log_count(t, "record leave out a --hotplug it holds: this kexec-tools") == 1,
              "why --hotplug goes was not logged once");
        CHECK(&t->d, daemon_log_count(t, "replayed with ") == 1 && daemon_log_count(t, ", without its --hotplug.") == 1,
              "the replay's line does not say --hotplug went");

        /* kexec-tools upgraded to one with the fix, then SIGHUP: the record as it is. */
        put(t, "kexec-version", "kexec-tools 2.0.33\n");
        if (!reconfigure(t) || !status_is(t, "kexec_hotplug", "yes") ||
            !request_reload(t) || !wait_loads(t, 2, "the reload with the fixed kexec"))
                return;
        CHECK(&t->d, calls(t, REPLAYED_HOTPLUG) == 1, "a kexec with the fix lost the record's --hotplug");
        CHECK(&t->d, daemon_log_count(t, "record keep a --hotplug it holds") == 1, "the change was not logged");
        CHECK(&t->d, daemon_log_count(t, ", without its --hotplug.") == 1, "the kept --hotplug was said to go");
}

/* 25: under Debian's backend the kexec in PATH (status's hazard, as check asks) is kdump-config's
 * /sbin/kexec (the replay's) on a merged-/usr system: the same file is asked its --hotplug
 * questions once at start and once per SIGHUP, not twice. Here both are links to the one fake. */
static void test_debian_one_kexec_asked_once(Test *t) {
        if (!setup_debian_tools(t, (const char *[]) { "kdump-config", "kexec", "systemctl", NULL }, "1\n"))
                return;
        put(t, "var/crash/kexec_cmd", RECORD_HOTPLUG);
        put_hotplug_kexec(t, "2.0.33");
        if (!start_daemon(t, "", false) || !status_is(t, "kexec_hotplug", "yes") ||
            !status_is(t, "kexec_hotplug_hazard", "none"))
                return;
        CHECK(&t->d, calls(t, "kexec|--help|") == 1 && calls(t, "kexec|--version|") == 1,
              "one kexec asked %zu times --help, %zu times --version at start, expected once each",
              calls(t, "kexec|--help|"), calls(t, "kexec|--version|"));
        if (!reconfigure(t) || !status_is(t, "kexec_hotplug_hazard", "none"))
                return;
        CHECK(&t->d, calls(t, "kexec|--help|") == 2, "one kexec asked --help %zu times by start and SIGHUP, "
              "expected twice", calls(t, "kexec|--help|"));
}

/* A record the replay must refuse: kdump-config reload runs instead, the notice says why (once,
 * on one line), and nothing the record named ran. */
static bool refused(Test *t, size_t n, const char *why) {
        char what[256];

        snprintf(what, sizeof(what), "the reload after a record refused for \"%s\"", why);
        if (!request_reload(t) || !wait_loads(t, n, what))
                return false;
        return CHECK(&t->d, calls(t, "kdump-config|reload|loaded=1") == n - 1, "no kdump-config reload after %s", what) &&
               CHECK(&t->d, calls(t, "kexec|") == 1, "the record was replayed after %s", what) &&
               CHECK(&t->d, daemon_log_count(t, why) == 1, "the notice does not say \"%s\" once", why);
}

/* 11 (issue 19.1, 19.15): what Debian's replay runs comes from no file another user can write: a
 * planted record naming another program runs kdump-config's kexec with its arguments (or nothing);
 * a group-writable record, one in a world-writable directory (Ubuntu's /var/crash), a symbolic
 * link, a FIFO (which blocked the event loop) and a command that is no panic load are refused;
 * a multi-line record gives one line in the log. Reproduced on a581995: the planted program ran,
 * the rest were replayed, and the FIFO hung the daemon. */
static void test_debian_untrusted_record(Test *t) {
        _cleanup_free_ char *evil = in_dir(t, "evil/kexec"), *evil_dir = in_dir(t, "evil"), *marker = in_dir(t, "evil.ran");
        _cleanup_free_ char *record = harness_path_in(t->d.root, "var/crash/kexec_cmd"), *crash = NULL;
        _cleanup_free_ char *planted = NULL, *text = NULL;

        if (!setup_debian(t, "1\n"))
                return;
        crash = harness_path_in(t->d.root, "var/crash");
        if (mkdir(evil_dir, 0755) < 0 || asprintf(&text, "#!/bin/sh\ntouch '%s'\n", marker) < 0 ||
            harness_write_text(evil, text) < 0 || chmod(evil, 0755) < 0 ||
            asprintf(&planted, "%s -p --command-line=\"x\" /var/lib/kdump/vmlinuz\n", evil) < 0)
                abort();
        put(t, "var/crash/kexec_cmd", planted);
        if (!start_daemon(t, "", false) || !request_reload(t) || !wait_loads(t, 1, "the reload with a planted record"))
                return;
        CHECK(&t->d, access(marker, F_OK) < 0, "the program the record named ran: %s", evil);
        CHECK(&t->d, calls(t, "kexec|-p|--command-line=x|/var/lib/kdump/vmlinuz|loaded=1") == 1,
              "kdump-config's kexec did not load the record's arguments");

        /* Group-writable, as a record another user could have written. */
        put(t, "var/crash/kexec_cmd", RECORD);
        CHECK(&t->d, chmod(record, 0664) == 0, "chmod: %m");
        if (!refused(t, 2, "kexec_cmd is writable by its group"))
                return;

        /* A root-owned record in a world-writable, sticky directory: anyone may have put it there. */
        put(t, "var/crash/kexec_cmd", RECORD);
        CHECK(&t->d, chmod(crash, 01777) == 0, "chmod: %m");
        if (!refused(t, 3, "/var/crash is writable by others (mode 1777)"))
                return;
        CHECK(&t->d, chmod(crash, 0755) == 0, "chmod: %m");

        /* A link, even to a trusted file. */
        put(t, "var/lib/kdump/record", RECORD);
        CHECK(&t->d, unlink(record) == 0 && symlink("../lib/kdump/record", record) == 0, "symlink: %m");
        if (!refused(t, 4, "kexec_cmd is a symbolic link"))
                return;

        /* A kexec command that does more than a panic load (-f: boot it now). */
        CHECK(&t->d, unlink(record) == 0, "unlink: %m");
        put(t, "var/crash/kexec_cmd", "/sbin/kexec -p -f /var/lib/kdump/vmlinuz\n");
        if (!refused(t, 5, "not a kexec -p load (an option that is not part of a panic load)"))
                return;

        /* Two lines, the second a journal priority: the notice stays one line. */
        put(t, "var/crash/kexec_cmd", "/sbin/kexec -p \"x\n<0>injected\n");
        if (!refused(t, 6, "kexec_cmd is more than one line"))
                return;
        CHECK(&t->d, daemon_log_count(t, "\n<0>injected") == 0, "the record's second line reached the log as a line");

        /* A FIFO: refused without waiting for a writer; the event loop goes on. */
        CHECK(&t->d, unlink(record) == 0 && mkfifo(record, 0600) == 0, "mkfifo: %m");
        if (!refused(t, 7, "kexec_cmd is not a regular file"))
                return;
        (void) status_is(t, "reload_backend", "kdump-config");
}

/* 4 (issue 11.11): kdump turned off (Debian USE_KDUMP=0; kdump.service inactive): no reload, no
 * failure, no retry, logged once; on again: reloads. */
static void test_gate(Test *t) {
        char result[256];

        if (!setup(t, (const char *[]) { "kdumpctl", "systemctl", NULL }, "1\n") || !start_daemon(t, "", false))
                return;
        for (int i = 0; i < 2; i++) {
                if (!request_reload(t) || !wait_for(t, pred_idle, NULL, "idle after a request"))
                        return;
                daemon_run_watch(&t->d, 400 * MSEC);
        }
        CHECK(&t->d, calls(t, "kdumpctl|") == 0, "kdumpctl reload ran with kdump.service inactive");
        CHECK(&t->d, daemon_log_count(t, "Not reloading the crash kernel: kdump.service is inactive") == 1,
              "the closed gate was logged %zu times over 2 requests, expected once",
              daemon_log_count(t, "Not reloading the crash kernel: kdump.service is inactive"));
        CHECK(&t->d, daemon_log_count(t, "Retrying") == 0 && daemon_log_count(t, "reload failed") == 0,
              "a skipped reload counted as a failure");
        if (status_field(t, "last_reload_result", result, sizeof(result)))
                CHECK(&t->d, strncmp(result, "skipped: ", 9) == 0, "last_reload_result=%s", result);

        set_active(t, "kdump.service", true);
        if (!request_reload(t) || !wait_loads(t, 1, "a reload with kdump.service active"))
                return;
        CHECK(&t->d, calls(t, "kdumpctl|reload|") == 1, "kdumpctl reload did not run once kdump.service was active");
        CHECK(&t->d, daemon_log_count(t, "The kdump gate is open again") == 1, "the open gate was not logged");
}

static void test_gate_debian(Test *t) {
        char result[256];

        if (!setup(t, (const char *[]) { "kdump-config", "systemctl", NULL }, "0\n"))
                return;
        set_active(t, "kdump-tools.service", true);
        put(t, "etc/default/kdump-tools", "# off\nUSE_KDUMP=0\n");
        if (!start_daemon(t, "", false) || !request_reload(t) || !wait_result_change(t, "none", result, sizeof(result)))
                return;
        CHECK(&t->d, calls(t, "kdump-config|") == 0, "kdump-config ran with USE_KDUMP=0");
        CHECK(&t->d, strncmp(result, "skipped: ", 9) == 0, "last_reload_result=%s", result);
        CHECK(&t->d, daemon_log_count(t, "kdump is turned off (USE_KDUMP=0 in /etc/default/kdump-tools)") == 1,
              "USE_KDUMP=0 was not logged once");
}

/* A copy of fake-kdump-tool at path under the root (a copy: a link would be refused), mode 0755 or
 * as given, its directories 0755. */
static void put_tool_copy(Test *t, const char *path, mode_t mode) {
        _cleanup_free_ char *script = NULL, *text = NULL, *full = harness_path_in(t->d.root, path);

        if (asprintf(&script, "%s/tests/integration/fake-kdump-tool", daemon_runner_env()->srcdir) < 0 ||
            !(text = harness_read_all(script, NULL)))
                abort();
        put(t, path, text);
        CHECK(&t->d, chmod(full, mode) == 0, "chmod %s: %m", full);
        for (char *slash = strrchr(full, '/'); slash && slash > full + strlen(t->d.root); slash = strrchr(full, '/')) {
                *slash = 0;
                CHECK(&t->d, chmod(full, 0755) == 0, "chmod %s: %m", full);
        }
}

/* 5 (issue 11.12, issue 19.3): SUSE (kdumptool in PATH) has a backend: load.sh where that SUSE
 * installs it (/lib/kdump before kdump 1.0, /usr/lib/kdump since), run as its own udev rule runs
 * it (load-once.sh: no --update, under flock /var/run/kdump.lock). Reproduced on a581995: only
 * /usr/lib/kdump/load.sh --update was tried, so old SLES never reloaded. Negative controls: none
 * installed, one others can write. */
static void test_suse(Test *t) {
        _cleanup_free_ char *lockpath = NULL, *lock = NULL, *old = NULL;
        size_t n;

        if (!setup(t, (const char *[]) { "kdumptool", "systemctl", NULL }, "1\n"))
                return;
        set_active(t, "kdump.service", true);
        put(t, "var/run/.keep", "");
        lock = harness_path_in(t->d.root, "var/run/kdump.lock");
        if (asprintf(&lockpath, "%s.lockpath", t->d.log) < 0 || harness_write_text(lockpath, lock) < 0)
                abort();
        if (!start_daemon(t, "", false))
                return;
        CHECK(&t->d, daemon_log_count(t, "Reload command (suse-kdump): load.sh") == 1, "no SUSE backend");

        /* None installed: a failed reload that says why (and is retried). */
        if (!request_reload(t) || !wait_for(t, pred_log, "No usable load.sh (/usr/lib/kdump/load.sh or /lib/kdump/load.sh)",
                                            "the failure without load.sh"))
                return;
        CHECK(&t->d, loads(t) == 0, "something ran without load.sh");

        /* SLES 12 and 15 up to SP3: /lib/kdump. */
        put_tool_copy(t, "lib/kdump/load.sh", 0755);
        n = 1;
        if (!request_reload(t) || !wait_for(t, pred_loads, &n, "the reload with /lib/kdump/load.sh") ||
            !wait_for(t, pred_idle, NULL, "idle"))
                return;
        CHECK(&t->d, calls(t, "load.sh|loaded=1|lock=held") == loads(t), "not load.sh without --update under kdump.lock");

        /* kdump 1.0's /usr/lib/kdump; one others can write is refused. */
        old = harness_path_in(t->d.root, "lib/kdump/load.sh");
        CHECK(&t->d, unlink(old) == 0, "unlink: %m");
        put_tool_copy(t, "usr/lib/kdump/load.sh", 0775);
        n = loads(t);
        if (!request_reload(t) || !wait_for(t, pred_log, "usr/lib/kdump/load.sh is writable by its group",
                                            "the refusal of a group-writable load.sh"))
                return;
        CHECK(&t->d, loads(t) == n, "a group-writable load.sh ran");
        put_tool_copy(t, "usr/lib/kdump/load.sh", 0755);
        n++;
        if (!request_reload(t) || !wait_for(t, pred_loads, &n, "the reload with /usr/lib/kdump/load.sh"))
                return;
        CHECK(&t->d, calls(t, "load.sh|loaded=1|lock=held") == loads(t), "/usr/lib/kdump/load.sh did not run as the rule runs it");
}

/* 6 (issue 11.3): a reload past ReloadTimeoutSec= that has unloaded the crash kernel is not killed
 * before it loads; once it has loaded, it is; the retry reloads. */

static bool pred_file(Test *t, const void *arg) {
        return access(arg, F_OK) == 0;
}

/* kdumpctl with a crash kernel loaded and kdump.service active, its calls behaving as modes say
 * (fake-kdump-tool), the daemon with config; one reload requested. */
static bool start_kdumpctl_request(Test *t, const char *modes, const char *config) {
        if (!setup(t, (const char *[]) { "kdumpctl", "systemctl", NULL }, "1\n"))
                return false;
        set_active(t, "kdump.service", true);
        set_modes(t, modes);
        return start_daemon(t, config, false) && request_reload(t);
}

/* kdumpctl whose reload unloads and then hangs, ReloadTimeoutSec=3s (room for the fake tool to
 * unload before it, even on a loaded machine); requested, and hung. The hung pid, or 0. */
static pid_t start_unload_hang(Test *t) {
        char *pidfile, *text;
        pid_t hung = 0;

        if (!start_kdumpctl_request(t, "unload-hang\nok\n", "[Reload]\nReloadTimeoutSec=3s\n"))
                return 0;
        if (asprintf(&pidfile, "%s.pid", t->d.log) < 0)
                abort();
        if (wait_for(t, pred_file, pidfile, "the reload's unload") && (text = harness_read_all(pidfile, NULL))) {
                hung = atoi(text);
                free(text);
        }
        free(pidfile);
        return hung;
}

static void test_timeout_unloaded(Test *t) {
        int64_t start = harness_now_usec();
        pid_t hung = start_unload_hang(t);

        if (!hung)
                return;
        /* Past the timeout: the daemon says it waits, and the reload still runs. */
        if (!wait_for(t, pred_log, "not killing it before it loads", "the wait at the timeout"))
                return;
        daemon_run_watch(&t->d, 500 * MSEC);
        CHECK(&t->d, harness_now_usec() - start >= 3 * SEC, "the wait began before the timeout");
        CHECK(&t->d, kill(hung, 0) == 0 && daemon_log_count(t, "timed out") == 0,
              "the reload was killed between its unload and its load");
        CHECK(&t->d, daemon_log_count(t, "not killing it before it loads") == 1, "the wait was not logged once");

        /* It has loaded (but hangs on): now a kill loses nothing, and the retry runs. */
        put(t, LOADED, "1\n");
        if (!wait_loads(t, 2, "the kill and the retry"))
                return;
        CHECK(&t->d, kill(hung, 0) < 0, "the hung reload still runs");
}

/* 7 (issue 11.3): one that never loads is killed at twice the timeout, and the retry loads. */
static void test_timeout_hard_limit(Test *t) {
        int64_t start = harness_now_usec();

        if (!start_unload_hang(t) || !wait_loads(t, 2, "the kill at the hard limit and the retry"))
                return;
        CHECK(&t->d, harness_now_usec() - start >= 6 * SEC, "killed before twice the timeout");
        CHECK(&t->d, daemon_log_count(t, "leaving no crash kernel loaded") == 1, "the kill's consequence was not logged");
        CHECK(&t->d, calls(t, "kdumpctl|reload|loaded=0") == 1, "the retry did not run with nothing loaded");
}

/* 8 (issue 11.3): stopped during a reload, the daemon asks systemd for time (EXTEND_TIMEOUT_USEC),
 * so that the unit's stop timeout does not SIGKILL the reload. */
static void test_stop_extends(Test *t) {
        const char *p;

        if (!start_unload_hang(t))
                return;
        kill(t->d.pid, SIGTERM);
        daemon_run_watch(&t->d, 300 * MSEC);
        p = strstr(t->notify, "EXTEND_TIMEOUT_USEC=");
        if (CHECK(&t->d, p, "no EXTEND_TIMEOUT_USEC= at SIGTERM during a reload")) {
                unsigned long long v = strtoull(p + 20, NULL, 10);
                /* The reload's hard limit (6 s from its start) plus 10 s, from now. */
                CHECK(&t->d, v > 10 * (unsigned long long) SEC && v <= 16 * (unsigned long long) SEC,
                      "EXTEND_TIMEOUT_USEC=%llu, expected 10..16 s", v);
        }
}

/* 12 (issue 19.16): KexecKernel= where a distribution tool is installed is said to be unused, once at
 * start; ReloadBackend=kexec makes it the reload. Negative control: with kexec in force, no such
 * notice. */
static void test_reload_backend_key(Test *t) {
        const char *unused = "KexecKernel=, KexecInitrd= and KexecAppend= are not used by the kdumpctl backend";

        if (!setup(t, (const char *[]) { "kdumpctl", "kexec", "systemctl", NULL }, "1\n"))
                return;
        set_active(t, "kdump.service", true);
        if (!start_daemon(t, "[Reload]\nKexecKernel=/k\nKexecAppend=console=hvc0\n", false) || !request_reload(t) ||
            !wait_loads(t, 1, "the reload with a tool in PATH"))
                return;
        CHECK(&t->d, calls(t, "kdumpctl|reload|") == 1, "not kdumpctl reload");
        CHECK(&t->d, daemon_log_count(t, unused) == 1, "the unused Kexec* keys were not said once");
        if (!reconfigure(t))
                return;
        CHECK(&t->d, daemon_log_count(t, unused) == 1, "said again on SIGHUP");

        stop_daemon(t);
        t->d.exited = false, t->d.ready = false, t->notify[0] = 0;
        if (!start_daemon(t, "[Reload]\nReloadBackend=kexec\nKexecKernel=/k\nKexecAppend=console=hvc0\n", false) ||
            !status_is(t, "reload_backend", "kexec") || !request_reload(t) ||
            !wait_loads(t, 2, "the reload with ReloadBackend=kexec"))
                return;
        CHECK(&t->d, calls(t, "kexec|-p|/k|--append=console=hvc0|") == 1, "ReloadBackend=kexec did not load KexecKernel=");
        /* daemon.stderr starts anew with each start. */
        CHECK(&t->d, daemon_log_count(t, "are not used by") == 0, "the notice came with kexec in force");
}

/* 13 (issue 19.16): a config error at start does not leave the host without a reloader (the
 * distribution's rules are masked): the daemon starts with the defaults, says what and where
 * (file:line) as an error, and reloads; on SIGHUP the previous configuration stays. Reproduced on
 * a581995: the daemon exited. */
static void test_config_error_at_start(Test *t) {
        if (!setup(t, (const char *[]) { "kdumpctl", "systemctl", NULL }, "1\n"))
                return;
        set_active(t, "kdump.service", true);
        if (!start_daemon(t, "[Reload]\nReloadTimeoutSec=soon\n", false) || !request_reload(t) ||
            !wait_loads(t, 1, "the reload with the default configuration"))
                return;
        CHECK(&t->d, daemon_log_count(t, "<3>") >= 1 &&
              daemon_log_count(t, "kdump-settle.conf:2: ReloadTimeoutSec=: invalid time span 'soon'; starting with "
                               "the default configuration instead.") == 1,
              "the error was not logged as an error naming file:line");
        CHECK(&t->d, calls(t, "kdumpctl|reload|") == 1, "no reload with the defaults");
        (void) status_is(t, "reload_backend", "kdumpctl");

        kill(t->d.pid, SIGHUP);
        if (!wait_for(t, pred_log, "Keeping the previous configuration.", "SIGHUP with the bad file"))
                return;
        CHECK(&t->d, !t->d.exited, "the daemon exited on SIGHUP");
}

/* 14 (issue 19.2): a kdump service that is starting (a `systemctl restart kdump` over the DLPAR)
 * is not "kdump off": nothing runs, the request stays owed and is retried, and once the service is
 * active the retry reloads without a new request. Negative control: failed closes the gate. */
static bool pred_result_prefix(Test *t, const void *arg) {
        char result[256];

        return status_field(t, "last_reload_result", result, sizeof(result)) && strncmp(result, arg, strlen(arg)) == 0;
}

static void test_gate_transition(Test *t) {
        size_t retries;

        if (!setup(t, (const char *[]) { "kdumpctl", "systemctl", NULL }, "1\n"))
                return;
        set_unit_state(t, "kdump.service", "activating");
        if (!start_daemon(t, "", false) || !request_reload(t) ||
            !wait_for(t, pred_result_prefix, "deferred: kdump.service is activating", "the deferred reload"))
                return;
        CHECK(&t->d, calls(t, "kdumpctl|") == 0, "kdumpctl reload ran while kdump.service was activating");
        CHECK(&t->d, daemon_log_count(t, "Not reloading the crash kernel:") == 0, "a starting service closed the gate");
        CHECK(&t->d, daemon_log_count(t, "reload failed") == 0, "a deferral was logged as a failure");

        /* Still starting at the retry: deferred again; then active: the retry reloads. */
        set_unit_state(t, "kdump.service", "reloading");
        if (!wait_for(t, pred_log, "Not reloading the crash kernel yet: kdump.service is reloading", "a second deferral"))
                return;
        set_unit_state(t, "kdump.service", "active");
        if (!wait_loads(t, 1, "the retry once kdump.service is active"))
                return;
        CHECK(&t->d, calls(t, "kdumpctl|reload|") == 1, "no kdumpctl reload after the transition");

        /* Negative control: failed is off. */
        retries = daemon_log_count(t, "Retrying");
        set_unit_state(t, "kdump.service", "failed");
        if (!request_reload(t) || !wait_for(t, pred_result_prefix, "skipped: kdump.service is failed", "the skip"))
                return;
        daemon_run_watch(&t->d, 1500 * MSEC);
        CHECK(&t->d, calls(t, "kdumpctl|") == 1 && daemon_log_count(t, "Retrying") == retries,
              "a failed kdump.service was retried (%zu kdumpctl calls, %zu retries)", calls(t, "kdumpctl|"),
              daemon_log_count(t, "Retrying") - retries);
}

/* 15 (issue 19.5): a retry with nothing loaded gets as long as the first attempt: the first
 * attempt unloads and hangs, killed at twice the timeout; the retry, which needs longer than the
 * timeout (and does nothing on a CPU meanwhile), is not killed at the timeout. */
static void test_timeout_retry_unloaded(Test *t) {
        if (!start_kdumpctl_request(t, "unload-hang\nunload-sleep 3\n", "[Reload]\nReloadTimeoutSec=2s\n") ||
            !wait_loads(t, 2, "the hung first attempt and the slow retry"))
                return;
        CHECK(&t->d, daemon_log_count(t, "timed out") == 1, "%zu reloads timed out, expected 1 (the hung one)",
              daemon_log_count(t, "timed out"));
        CHECK(&t->d, calls(t, "kdumpctl|reload|loaded=0") == 1, "the retry did not start with nothing loaded");
        CHECK(&t->d, daemon_log_count(t, "Crash kernel reloaded in") == 1, "the slow retry did not succeed");
        (void) status_is(t, "last_reload_result", "success");
}

/* 16 (issue 19.5): a reload that keeps a CPU busy (an initramfs rebuild) for four times the timeout
 * with nothing loaded is not killed: it loads. Its negative control is case 7 (one that only
 * sleeps is killed at twice the timeout). */
static void test_timeout_progress(Test *t) {
        if (!start_kdumpctl_request(t, "unload-busy 4\n", "[Reload]\nReloadTimeoutSec=1s\n") ||
            !wait_loads(t, 1, "the busy reload"))
                return;
        CHECK(&t->d, daemon_log_count(t, "timed out") == 0, "a reload making progress was killed");
        CHECK(&t->d, daemon_log_count(t, "makes progress") == 1, "keeping it was not logged once");
        CHECK(&t->d, daemon_log_count(t, "Crash kernel reloaded in") == 1, "the busy reload did not succeed");
}

/* 17 (issue 19.11): Debian with no crash kernel loaded (a deliberate `kdump-config unload`, a boot
 * without crashkernel=): nothing loads, as kdump-tools' own rule; the status says why, nothing
 * failed or is retried, `wait` returns. */
static void test_debian_nothing_loaded(Test *t) {
        char reply[4096];

        if (!setup(t, (const char *[]) { "kdump-config", "kexec", "systemctl", NULL }, "0\n"))
                return;
        set_active(t, "kdump-tools.service", true);
        put(t, "etc/default/kdump-tools", "USE_KDUMP=1\n");
        if (!start_daemon(t, "", false) || !request_reload(t) ||
            !wait_for(t, pred_result_prefix, "skipped: no crash kernel is loaded, and kdump-config reloads only a loaded one",
                      "the skip with nothing loaded"))
                return;
        daemon_run_watch(&t->d, 1500 * MSEC);
        CHECK(&t->d, loads(t) == 0, "%zu load(s) with no crash kernel loaded", loads(t));
        CHECK(&t->d, daemon_log_count(t, "Retrying") == 0, "a skip with nothing loaded was retried");
        if (control(t, "wait", reply, sizeof(reply)))
                CHECK(&t->d, strstr(reply, "result=ok"), "wait did not return ok: %s", reply);

        /* Negative control: loaded again, it reloads. */
        put(t, LOADED, "1\n");
        if (request_reload(t))
                (void) wait_loads(t, 1, "the reload with a crash kernel loaded");
}

/* fadump on, hotplug_ready 0, registered as given. */
static void set_fadump(Test *t, const char *registered) {
        put(t, "sys/kernel/fadump/enabled", "1\n");
        put(t, "sys/kernel/fadump/hotplug_ready", "0\n");
        put(t, "sys/kernel/fadump/registered", registered);
}

static int64_t registered_mtime(Test *t) {
        char *path = harness_path_in(t->d.root, "sys/kernel/fadump/registered");
        struct stat st;
        int64_t m = stat(path, &st) < 0 ? -1 : (int64_t) st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;

        free(path);
        return m;
}

static bool registered_is(Test *t, const char *want) {
        char *path = harness_path_in(t->d.root, "sys/kernel/fadump/registered"), *text = harness_read_all(path, NULL);
        bool is = text && strcmp(text, want) == 0;

        free(text);
        free(path);
        return is;
}

/* Makes registered look written long ago, so that a write shows. */
static void age_registered(Test *t) {
        char *path = harness_path_in(t->d.root, "sys/kernel/fadump/registered");
        struct timespec ts[2] = { { .tv_sec = 1000000 }, { .tv_sec = 1000000 } };

        CHECK(&t->d, utimensat(AT_FDCWD, path, ts, 0) == 0, "cannot set the time of %s: %m", path);
        free(path);
}

/* 18 (issue 19.6): fadump on: kdumpctl and ReloadCommand= run as the man page says (kdumpctl
 * re-registers it itself), not replaced by the daemon's own re-registration; the log says so. */
static void test_fadump_backends(Test *t) {
        if (!setup(t, (const char *[]) { "kdumpctl", "systemctl", "kexec", NULL }, "0\n"))
                return;
        set_fadump(t, "1\n");
        age_registered(t);
        set_active(t, "kdump.service", true);
        if (!start_daemon(t, "", false) || !request_reload(t) || !wait_loads(t, 1, "the kdumpctl reload"))
                return;
        CHECK(&t->d, calls(t, "kdumpctl|reload|") == 1, "kdumpctl did not run with fadump on");
        CHECK(&t->d, registered_mtime(t) == 1000000 * (int64_t) 1000000000, "the daemon re-registered fadump itself");
        CHECK(&t->d, daemon_log_count(t, "Reload command (kdumpctl): kdumpctl reload (it re-registers firmware-assisted dump)") == 1,
              "the log does not say kdumpctl re-registers fadump");

        stop_daemon(t);
        t->d.exited = false, t->d.ready = false, t->notify[0] = 0;
        if (!start_daemon(t, "[Reload]\nReloadCommand=kexec -p /k\n", false) || !request_reload(t) ||
            !wait_loads(t, 2, "the ReloadCommand= reload"))
                return;
        CHECK(&t->d, calls(t, "kexec|-p|/k|") == 1, "ReloadCommand= did not run with fadump on");
        CHECK(&t->d, registered_mtime(t) == 1000000 * (int64_t) 1000000000, "the daemon re-registered fadump itself");
}

/* 19 (issue 19.7, 19.15): the daemon's own re-registration (Debian: kdump-config does not know
 * fadump) is gated as kdump-config would be: not with kdump-tools.service stopped, nor with
 * USE_KDUMP=0, nor while fadump is not registered (SUSE's rule); else it re-registers, and the log
 * says what runs and what was done. */
static void test_fadump_gate(Test *t) {
        if (!setup(t, (const char *[]) { "kdump-config", "systemctl", NULL }, "0\n"))
                return;
        set_fadump(t, "1\n");
        age_registered(t);
        put(t, "etc/default/kdump-tools", "USE_KDUMP=1\n");
        if (!start_daemon(t, "", false))
                return;
        CHECK(&t->d, daemon_log_count(t, "Reload: " "fadump re-registration through ") == 1 &&
              daemon_log_count(t, "in kdump-config's stead") == 1, "the log does not name the re-registration");
        if (!request_reload(t) ||
            !wait_for(t, pred_result_prefix, "skipped: kdump-tools.service is inactive", "the skip with the service stopped"))
                return;
        CHECK(&t->d, registered_mtime(t) == 1000000 * (int64_t) 1000000000,
              "fadump re-registered with kdump-tools.service stopped");
        CHECK(&t->d, daemon_log_count(t, "Not re-registering firmware-assisted dump: kdump-tools.service is inactive") == 1,
              "the closed gate does not say what it did not do");

        set_active(t, "kdump-tools.service", true);
        put(t, "sys/kernel/fadump/registered", "0\n");
        if (!request_reload(t) ||
            !wait_for(t, pred_result_prefix, "skipped: firmware-assisted dump is not registered", "the skip while unregistered"))
                return;
        CHECK(&t->d, registered_is(t, "0\n"), "fadump re-registered while not registered");

        /* Positive control: registered, service active: re-registered, and said so. */
        put(t, "sys/kernel/fadump/registered", "1\n");
        age_registered(t);
        if (!request_reload(t) || !wait_for(t, pred_result_prefix, "success", "the re-registration"))
                return;
        CHECK(&t->d, registered_mtime(t) != 1000000 * (int64_t) 1000000000, "fadump was not re-registered");
        CHECK(&t->d, daemon_log_count(t, "Firmware-assisted dump re-registered in") == 1 &&
              daemon_log_count(t, "Crash kernel reloaded") == 0, "the re-registration was logged as a crash kernel reload");
        CHECK(&t->d, calls(t, "kdump-config|") == 0, "kdump-config ran with fadump on");
}

/* 20 (issue 19.12): stopped during a reload, the daemon saves what is owed after it: nothing, so the
 * next start does not reload again. */
static void test_stop_during_reload(Test *t) {
        char *state, *text;
        size_t before;

        if (!start_kdumpctl_request(t, "unload-sleep 1\n", "") || !wait_for(t, pred_loads, &(size_t) { 1 }, "the reload"))
                return;
        if (!daemon_run_stop(&t->d, WAIT_MAX))
                return;
        CHECK(&t->d, daemon_log_count(t, "Crash kernel reloaded in") == 1, "the reload did not finish before the exit");
        if (asprintf(&state, "%s/run/state", t->d.dir) < 0)
                abort();
        text = harness_read_all(state, NULL);
        CHECK(&t->d, text && strstr(text, "owed=0"), "the state file says %s after the reload", text ?: "nothing");
        free(text);
        free(state);

        before = loads(t);
        t->d.exited = false, t->d.ready = false, t->notify[0] = 0;
        if (!start_daemon(t, "", false))
                return;
        daemon_run_watch(&t->d, 1 * SEC);
        CHECK(&t->d, loads(t) == before, "the next start reloaded again (%zu tool calls, %zu before)", loads(t), before);
}

/* --- main ------------------------------------------------------------------------------------- */

/* 21 (issue 20.1, 4): the reload runs over a /chosen without the linux,memory-limit Linux 6.10+
 * exports on every boot (kexec-tools would clip the dump to it); the daemon keeps the real one.
 * status memory_limit: corrected, or kept with mem=. (The fall-back to the plain tree:
 * test-dt-overlay.) */
static void test_memory_limit(Test *t) {
        _cleanup_free_ char *path = NULL, *seen = NULL;
        int r;

        if (!setup(t, (const char *[]) { "kexec", NULL }, "1\n"))
                return;
        r = fake_root_write_memory_limit(t->d.root, 2 * LMB_SIZE, NULL);
        if (r >= 0)
                r = fake_root_write_file(t->d.root, DT_CHOSEN_NODE "/bootargs", "ro", 3);
        if (!CHECK(&t->d, r >= 0, "cannot write /chosen: %s", strerror(-r)) ||
            !start_daemon(t, "[Reload]\nKexecKernel=/boot/vmlinux-capture\n", false) ||
            !request_reload(t) || !wait_loads(t, 1, "the requested reload"))
                return;
        if (asprintf(&path, "%s.chosen", t->d.log) < 0)
                abort();
        seen = harness_read_all(path, NULL);
        if (!CHECK(&t->d, seen && strstr(seen, "bootargs"), "kexec did not see /chosen"))
                return;
        if (harness_mount_namespace_usable()) {
                CHECK(&t->d, !strstr(seen, DT_PROP_MEMORY_LIMIT), "kexec saw %s", DT_PROP_MEMORY_LIMIT);
                CHECK(&t->d, daemon_log_count(t, "Reloading over a corrected device tree: memory-limit") == 1,
                      "the reload did not say it ran over a corrected device tree");
        } else {
                /* A chroot whose / is not a mount point (../shared/fresh-debian): no overlay, and
                 * the reload is not lost for it: the plain tree, with one warning. */
                printf("# no mount namespace can be made a slave here: checking the fall-back\n");
                CHECK(&t->d, strstr(seen, DT_PROP_MEMORY_LIMIT), "kexec did not see the plain tree's %s",
                      DT_PROP_MEMORY_LIMIT);
                CHECK(&t->d, daemon_log_count(t, "Reloading over the device tree as it is") == 1,
                      "the fall-back to the plain tree was not warned about once");
        }
        free(path);
        path = harness_path_in(t->d.root, DT_CHOSEN_NODE "/" DT_PROP_MEMORY_LIMIT);
        CHECK(&t->d, access(path, F_OK) == 0, "the daemon's tree lost %s", DT_PROP_MEMORY_LIMIT);
        /* status says so; with mem= (read per status) the limit is the administrator's. */
        if (!status_is(t, "memory_limit", "corrected"))
                return;
        put(t, "proc/cmdline", "root=/dev/sda2 ro mem=512M\n");
        (void) status_is(t, "memory_limit", "kept");
}

static void test_init(Test *t, const char *name) {
        *t = (Test) {};
        daemon_run_init(&t->d, name, NULL, "tools.log", true);
        t->d.on_notify = on_notify;
        t->d.userdata = t;
}

static void test_done(Test *t, unsigned number) {
        stop_daemon(t);
        daemon_run_finish(&t->d, number, "tools: ");
        daemon_run_free(&t->d);
}

DAEMON_RUNNER_CASES(Test) tests[] = {
        { "control: fire-and-forget reload requests (IN|HUP) each count", test_fire_and_forget },
        { "kexec fallback: a capture command line from /proc/cmdline; KexecAppend= overrides", test_kexec_cmdline },
        { "Debian: loaded, the recorded kexec command loads over the old image; else load / reload", test_debian_loads_over },
        { "gate: kdump.service inactive: skipped, logged once, no failure; active again: reloads", test_gate },
        { "gate: Debian USE_KDUMP=0: skipped", test_gate_debian },
        { "SUSE: load.sh where that SUSE has it, without --update, under kdump.lock; refused where others can write", test_suse },
        { "timeout: not killed while unloaded; killed once loaded; retried", test_timeout_unloaded },
        { "timeout: killed at twice the timeout when it never loads; retried", test_timeout_hard_limit },
        { "stop during a reload: EXTEND_TIMEOUT_USEC= covers the reload's hard limit", test_stop_extends },
        { "kexec fallback: --hotplug where kernel and kexec have it; status kexec_hotplug; SIGHUP asks again", test_kexec_hotplug },
        { "kexec fallback: no --hotplug with kexec-tools 2.0.32 (no FDT reservation fix), one reload per request; KexecHotplug=yes|no", test_kexec_hotplug_reserve_fix },
        { "Debian: only a root-written, one-line panic-load record is replayed, with kdump-config's kexec", test_debian_untrusted_record },
        { "ReloadBackend=kexec loads KexecKernel= beside kdumpctl; unused Kexec* keys said once", test_reload_backend_key },
        { "a config error at start: the defaults, an error naming file:line, reloads; SIGHUP keeps them", test_config_error_at_start },
        { "gate: kdump.service activating or reloading: deferred, owed, retried; failed: skipped", test_gate_transition },
        { "timeout: a retry with nothing loaded gets twice the timeout as the first attempt", test_timeout_retry_unloaded },
        { "timeout: a reload making progress (CPU time) is not killed", test_timeout_progress },
        { "Debian: nothing loaded, nothing loads (kdump-tools' rule); skipped, not retried, wait returns", test_debian_nothing_loaded },
        { "fadump: kdumpctl and ReloadCommand= run, not replaced by the daemon's re-registration", test_fadump_backends },
        { "fadump: the daemon's re-registration is gated (service, registered=0), and logged as what it is", test_fadump_gate },
        { "stop during a reload: the state saved after it owes nothing; the next start does not reload", test_stop_during_reload },
        { "reload over a corrected DT: no linux,memory-limit for kexec, the daemon's tree unchanged", test_memory_limit },
        { "Debian: a recorded --hotplug is replayed only with a kexec that has the elfcorehdr reservation fix", test_debian_record_hotplug },
        { "status: check's --hotplug hazard under kdumpctl: loaded, not-loaded, none with kexec 2.0.33", test_hotplug_hazard_status },
        { "Debian: kdump-config's kexec, also the one in PATH, is asked its --hotplug questions once", test_debian_one_kexec_asked_once },
};

DAEMON_RUNNER_MAIN(Test, tests, .program = "test-reload-backends", .timeout_sec = 240)
