/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The real kdump-settled following CPU hot-plug (issue 12) against a fake /sys served by umockdev:
 * /cpus nodes and the kernel's CPU lists as pseries has them, cpu uevents from the testbed in the
 * kernel's order (hot-add: the node, then `online` ~100 ms later; hot-remove: `offline`, then the
 * node goes), and a reload command (tests/integration/record-cpus) recording which /cpus nodes it
 * saw. Each test prints its figures: uevents sent, reloads, DT change to reload in ms.
 *
 * Environment: KDUMP_SETTLED and KDUMP_SETTLE_SRCDIR. Speaks TAP. Re-executes itself under
 * libumockdev-preload. Every wait is bounded. KDUMP_SETTLE_TEST_ONLY=N runs test N only. */

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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <libfdt.h>

#include "cpu-set.h"
#include "dt-cpu.h"
#include "dt-blob.h"
#include "dt-memory.h"
#include "dtb.h"
#include "startup.h"
#include "fake-cpus.h"
#include "fake-root.h"
#include "dump-mode.h"
#include "alloc-util.h"
#include "daemon-runner.h"
#include "harness.h"
#include "macro.h"

/* After macro.h: glib redefines MIN and MAX the same way, with #undef. */
#include <umockdev.h>
#include "daemon-runner-testbed.h"

#define WAIT_MAX (10 * SEC)
#define AFTER_IDLE (300 * MSEC)  /* how long "nothing more happens" is watched */

#define N_BOOT_LMBS 4
#define N_HOT_LMBS 2
#define N_POSSIBLE 4  /* cpu0..cpu3 registered at boot, as for -smp 2,maxcpus=4 */
#define HOT_CORE 2    /* its reg, thread id and logical CPU: one thread per core, as under TCG */
#define MAX_CALLS 8

typedef struct Call {
        double time;          /* CLOCK_REALTIME */
        char reason[32];
        char nodes[256];      /* the /cpus nodes the reload saw */
} Call;

typedef struct Test {
        DaemonRun d;          /* root: the testbed's */
        UMockdevTestbed *testbed;
        unsigned n_uevents;
        const char *max_wait; /* --max-wait-sec=, NULL: 20s */
        const char *quiet;    /* --quiet-sec=, NULL: 50ms */
        char root_arg[512];   /* "--root=" the testbed's, where the daemon looks for drmgr's lock; "": none */
} Test;

static double now_real(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* --- the testbed ------------------------------------------------------------------------------ */

static bool add_device(Test *t, const char *desc) {
        GError *error = NULL;

        if (umockdev_testbed_add_from_string(t->testbed, desc, &error))
                return true;
        TEST_FAIL(&t->d, "umockdev cannot add a device: %s", error->message);
        g_error_free(error);
        return false;
}

static bool add_block(Test *t, unsigned n) {
        return daemon_run_add_block(&t->d, t->testbed, n);
}

/* The DT memory property: N_BOOT_LMBS assigned, then N_HOT_LMBS with hot_flags. */
static void memory_dt(Blob *b, uint32_t hot_flags) {
        harness_lpar_dt(b, 0, N_BOOT_LMBS, N_HOT_LMBS, DRCONF_MEM_ASSIGNED, hot_flags);
}

static bool write_memory_dt(Test *t, uint32_t hot_flags) {
        Blob b;
        int r;

        memory_dt(&b, hot_flags);
        r = fake_root_write_dt(t->d.root, LMB_SIZE, DT_FORMAT_V2, &b);
        blob_done(&b);
        return CHECK(&t->d, r >= 0, "cannot write the DT memory property: %s", strerror(-r));
}

static bool set_cpus(Test *t, const char *present, const char *online) {
        int r = fake_cpus_set_lists(t->d.root, present, online);

        return CHECK(&t->d, r >= 0, "cannot write the CPU lists: %s", strerror(-r));
}

static bool set_hw_id(Test *t, unsigned cpu, int hw_id) {
        int r = fake_cpus_set_physical_id(t->d.root, cpu, hw_id);

        return CHECK(&t->d, r >= 0, "cannot write cpu%u/physical_id: %s", cpu, strerror(-r));
}

/* The node is made aside and renamed into /cpus whole: the daemon polling /cpus must not catch it
 * half-written (the kernel's window between a node's directory and its properties is microseconds;
 * this program's, under load, milliseconds). */
static bool write_core(Test *t, uint32_t reg) {
        char name[64], *aside = NULL, *from = NULL, *to = NULL;
        int r;

        fake_cpus_node_name(reg, name, sizeof(name));
        r = fake_root_create(&aside);
        if (r >= 0)
                r = fake_cpus_write_core(aside, reg, 1);
        if (r >= 0 && (asprintf(&from, "%s/" DT_CPUS_NODE "/%s", aside, name) < 0 ||
                       asprintf(&to, "%s/" DT_CPUS_NODE "/%s", t->d.root, name) < 0))
                abort();
        if (r >= 0 && rename(from, to) < 0)
                r = -errno;
        if (aside)
                (void) fake_root_remove(aside);
        free(aside);
        free(from);
        free(to);
        return CHECK(&t->d, r >= 0, "cannot write the /cpus node %u: %s", reg, strerror(-r));
}

static bool remove_core(Test *t, uint32_t reg) {
        int r = fake_cpus_remove_core(t->d.root, reg);

        return CHECK(&t->d, r >= 0, "cannot remove the /cpus node %u: %s", reg, strerror(-r));
}

static void uevent(Test *t, const char *subsystem, unsigned n, const char *action) {
        char path[128];

        snprintf(path, sizeof(path), "/sys/devices/system/%s/%s%u", subsystem, subsystem, n);
        umockdev_testbed_uevent(t->testbed, path, action);
        t->n_uevents++;
}

/* The boot's flattened DT (BOOT_FDT_PATH): the memory node and /cpus with the cores there now. */
static bool write_boot_fdt(Test *t, const uint32_t *cores, size_t n) {
        void *blob = NULL, *big = NULL;
        size_t size = 0;
        int r, cpus;

        r = dtb_from_memory_node(t->d.root, &blob, &size, NULL);
        if (r < 0)
                return CHECK(&t->d, false, "cannot make the boot DT: %s", strerror(-r));
        big = malloc(size + 4096);
        if (!big)
                abort();
        r = fdt_open_into(blob, big, (int) size + 4096);
        cpus = r < 0 ? r : fdt_add_subnode(big, 0, "cpus");
        for (size_t i = 0; i < n && cpus >= 0; i++) {
                char name[64];
                fdt32_t cell = cpu_to_fdt32(cores[i]);
                int node = fdt_add_subnode(big, cpus, fake_cpus_node_name(cores[i], name, sizeof(name)));

                r = node < 0 ? node : fdt_setprop_string(big, node, DT_PROP_DEVICE_TYPE, "cpu");
                if (r >= 0)
                        r = fdt_setprop(big, node, DT_PROP_REG, &cell, sizeof(cell));
                if (r >= 0)
                        r = fdt_setprop(big, node, DT_PROP_INTERRUPT_SERVERS, &cell, sizeof(cell));
                if (r < 0)
                        cpus = r;
        }
        if (cpus >= 0)
                r = fdt_pack(big);
        if (cpus >= 0 && r >= 0)
                r = fake_root_write_file(t->d.root, BOOT_FDT_PATH, big, fdt_totalsize(big));
        free(blob);
        free(big);
        return CHECK(&t->d, cpus >= 0 && r >= 0, "cannot write the boot DT with /cpus");
}

/* A pseries LPAR: 4 LMBs of memory, cores 0 and 1 (and HOT_CORE if with_hot) of one thread each,
 * CPUs 0..N_POSSIBLE-1 registered, the ones without a core not present. */
static bool setup_lpar(Test *t, bool with_hot) {
        const char *list = with_hot ? "0-2\n" : "0-1\n";
        char desc[256];

        if (!CHECK(&t->d, fake_root_set_block_size(t->d.root, LMB_SIZE) >= 0, "cannot write block_size_bytes"))
                return false;
        for (unsigned n = 0; n < N_BOOT_LMBS; n++)
                if (!add_block(t, n))
                        return false;
        if (!write_memory_dt(t, 0))
                return false;

        if (!CHECK(&t->d, fake_root_write_file(t->d.root, DT_CPUS_NODE "/#address-cells", "\0\0\0\1", 4) >= 0,
                   "cannot write /cpus"))
                return false;
        for (unsigned c = 0; c < N_POSSIBLE; c++) {
                bool present = c < 2 || (with_hot && c == HOT_CORE);

                snprintf(desc, sizeof(desc), "P: /devices/system/cpu/cpu%u\nE: SUBSYSTEM=cpu\nA: physical_id=%d\n",
                         c, present ? (int) c : -1);
                if (!add_device(t, desc))
                        return false;
                if (present && !write_core(t, c))
                        return false;
        }
        return set_cpus(t, list, list) &&
               write_boot_fdt(t, (const uint32_t[]) { 0, 1, HOT_CORE }, with_hot ? 3 : 2);
}

/* --- the daemon ------------------------------------------------------------------------------- */

static size_t read_calls(Test *t, Call *calls) {
        char *text = harness_read_all(t->d.log, NULL), *save = NULL;
        size_t n = 0;

        if (!text)
                return 0;
        for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                Call c = {};
                unsigned number;

                if (sscanf(l, "%u %lf %31s %255s", &number, &c.time, c.reason, c.nodes) != 4)
                        TEST_FAIL(&t->d, "bad line in the reload log: \"%s\"", l);
                else if (n < MAX_CALLS)
                        calls[n++] = c;
        }
        free(text);
        return n;
}

static size_t n_calls(Test *t) {
        Call calls[MAX_CALLS];

        return read_calls(t, calls);
}

/* Whether the daemon logged text. */
static bool log_has(Test *t, const char *text) {
        char *err = daemon_run_path(&t->d, "daemon.stderr"), *data = harness_read_all(err, NULL);
        bool found = data && strstr(data, text);

        free(data);
        free(err);
        return found;
}

typedef bool (*Predicate)(Test *t, const void *arg);

/* Pumps until pred holds, failing the case after WAIT_MAX or if the daemon exits. */
static bool wait_for(Test *t, Predicate pred, const void *arg, const char *what) {
        return DAEMON_RUN_WAIT(&t->d, WAIT_MAX, pred(t, arg), what);
}

static bool pred_idle(Test *t, const void *arg) {
        return t->d.ready && strcmp(t->d.status, "idle") == 0;
}

static bool pred_calls(Test *t, const void *arg) {
        return n_calls(t) >= *(const size_t *) arg && strcmp(t->d.status, "idle") == 0;
}

static bool pred_log(Test *t, const void *arg) {
        return log_has(t, arg);
}

static void spawn_daemon(Test *t) {
        _cleanup_free_ char *a_reload = daemon_run_reload_command(&t->d, "record-cpus");

        daemon_run_start(&t->d, (const char *const[]) { a_reload, t->quiet ?: "--quiet-sec=50ms", "--poll-interval-sec=5ms",
                                                        t->max_wait ?: "--max-wait-sec=20s",
                                                        t->root_arg[0] ? t->root_arg : NULL, NULL });
}

static bool start_daemon(Test *t) {
        spawn_daemon(t);
        /* Consistent at start-up: idle, no reload, and CPUs followed. */
        if (!wait_for(t, pred_idle, NULL, "READY=1 and idle after start-up"))
                return false;
        daemon_run_watch(&t->d, AFTER_IDLE);
        return CHECK(&t->d, n_calls(t) == 0, "%zu reload(s) at start-up", n_calls(t)) &&
               CHECK(&t->d, log_has(t, "Watching CPUs: "), "the daemon does not follow CPUs (no \"Watching CPUs\")");
}

/* Waits until `expected` reloads happened and the daemon is idle, watches a little longer, and
 * checks there were no more. Prints the figures: DT change (at t0, real time) to the first
 * reload. */
static bool expect_reloads(Test *t, size_t expected, double t0, const char *what) {
        Call calls[MAX_CALLS];
        size_t n;

        if (expected > 0 && !wait_for(t, pred_calls, &expected, what))
                return false;
        daemon_run_watch(&t->d, expected > 0 ? AFTER_IDLE : 500 * MSEC);
        n = read_calls(t, calls);
        printf("# %s: %u uevents, %zu reload(s)", what, t->n_uevents, n);
        if (n > 0 && t0 > 0)
                printf(", DT change to reload %.1f ms", (calls[0].time - t0) * 1e3);
        printf("\n");
        return CHECK(&t->d, n == expected, "%zu reload(s) after %s, expected %zu", n, what, expected) &&
               CHECK(&t->d, strcmp(t->d.status, "idle") == 0, "not idle after %s: \"%s\"", what, t->d.status);
}

/* Whether reload i (from 0) saw the hot core's node, as wanted. */
static bool check_saw_core(Test *t, size_t i, bool wanted) {
        Call calls[MAX_CALLS];
        char name[64];
        size_t n = read_calls(t, calls);
        bool saw;

        if (!CHECK(&t->d, i < n, "no reload %zu", i + 1))
                return false;
        fake_cpus_node_name(HOT_CORE, name, sizeof(name));
        saw = strstr(calls[i].nodes, name);
        return CHECK(&t->d, strstr(calls[i].nodes, "PowerPC,POWER9@0"),
                     "reload %zu saw no /cpus nodes (\"%s\"): the command cannot read the testbed?", i + 1,
                     calls[i].nodes) &&
               CHECK(&t->d, saw == wanted, "reload %zu saw the /cpus nodes \"%s\": %s should %sbe there", i + 1,
                     calls[i].nodes, name, wanted ? "" : "not ");
}

/* --- the tests -------------------------------------------------------------------------------- */

/* The kernel's hot-add: the node appears and the CPU becomes present, then the single `online`
 * ~100 ms later. One reload, which saw the new node. */
static bool hot_add(Test *t) {
        return write_core(t, HOT_CORE) && set_hw_id(t, HOT_CORE, HOT_CORE) && set_cpus(t, "0-2\n", "0-1\n");
}

static bool hot_add_online(Test *t) {
        if (!set_cpus(t, "0-2\n", "0-2\n"))
                return false;
        uevent(t, "cpu", HOT_CORE, "online");
        return true;
}

static void test_hot_add(Test *t) {
        double t0;

        if (!setup_lpar(t, false) || !start_daemon(t))
                return;
        t0 = now_real();
        if (!hot_add(t))
                return;
        harness_sleep_usec(100 * MSEC);
        if (!hot_add_online(t) || !expect_reloads(t, 1, t0, "hot-add of a core"))
                return;
        check_saw_core(t, 0, true);
        /* A CPU-only burst is named so (issue 19.15). */
        CHECK(&t->d, log_has(t, "CPUs settled after") && !log_has(t, "Memory settled") &&
              log_has(t, "Status: collecting CPU events") && !log_has(t, "collecting memory"),
              "a CPU-only burst was not called one in the log and status");
}

/* The kernel's hot-remove: `offline` first, the node goes later (3 ms on the e2e guest; 20 ms
 * here, within the quiet period: a node still there after it is a core offlined and kept, see
 * test_offline_core_kept), then present and physical_id. One reload, which saw no node for the
 * core. */
static void test_hot_remove(Test *t) {
        double t0;

        if (!setup_lpar(t, true) || !start_daemon(t))
                return;
        if (!set_cpus(t, "0-2\n", "0-1\n"))
                return;
        uevent(t, "cpu", HOT_CORE, "offline");
        harness_sleep_usec(20 * MSEC);
        t0 = now_real();
        if (!remove_core(t, HOT_CORE))
                return;
        harness_sleep_usec(5 * MSEC);
        if (!set_cpus(t, "0-1\n", "0-1\n") || !set_hw_id(t, HOT_CORE, -1))
                return;
        if (expect_reloads(t, 1, t0, "hot-remove of a core"))
                check_saw_core(t, 0, false);
}

/* The same removal from `drmgr -c cpu -r`, its node going 150 ms after the `offline` (longer than
 * the quiet period: drmgr's own RTAS calls, or a slow firmware): drmgr's lock, held for the whole
 * command, keeps the request open. One reload, after the release, which saw no node. */
static void test_hot_remove_slow_under_drmgr(Test *t) {
        int holder, status;

        snprintf(t->root_arg, sizeof(t->root_arg), "--root=%s", t->d.root);
        if (!setup_lpar(t, true) || !start_daemon(t))
                return;
        holder = fake_root_hold_drmgr_lock(t->d.root, F_WRLCK);
        if (!CHECK(&t->d, holder > 0, "cannot hold drmgr's lock: %s", strerror(-holder)) ||
            !set_cpus(t, "0-2\n", "0-1\n"))
                goto out;
        uevent(t, "cpu", HOT_CORE, "offline");
        harness_sleep_usec(150 * MSEC);
        if (!remove_core(t, HOT_CORE) || !set_cpus(t, "0-1\n", "0-1\n") || !set_hw_id(t, HOT_CORE, -1))
                goto out;
        daemon_run_watch(&t->d, 200 * MSEC);
        CHECK(&t->d, n_calls(t) == 0, "%zu reload(s) while drmgr held its lock", n_calls(t));
out:
        if (holder > 0) {
                (void) kill(holder, SIGKILL);
                (void) waitpid(holder, &status, 0);
        }
        if (!t->d.failed && expect_reloads(t, 1, 0, "a slow core removal under drmgr"))
                check_saw_core(t, 0, false);
}

/* The "node leaving" rule through the daemon: one request (no drmgr: the kernel's own DLPAR, from
 * the hypervisor's hot-plug event) removing a core and adding a DIMM. The DIMM's DT replacement,
 * 3 ms after its uevents, would end the burst 10 ms later; the core's node goes only 150 ms after
 * its `offline`. A node whose threads were all offlined in this burst is a removal under way until
 * QuietSec= (500 ms here) is over: one reload, after the node went, which saw neither it nor the
 * old memory. Without the rule: a reload with the node, then a second one. */
static void test_node_leaving_in_mixed_burst(Test *t) {
        char *path = NULL, *copy = NULL;
        size_t size = 0;
        Blob want;

        t->quiet = "--quiet-sec=500ms";
        if (!setup_lpar(t, true) || !start_daemon(t) || !set_cpus(t, "0-2\n", "0-1\n"))
                return;
        uevent(t, "cpu", HOT_CORE, "offline");
        for (unsigned n = N_BOOT_LMBS; n < N_BOOT_LMBS + N_HOT_LMBS; n++) {
                if (!add_block(t, n))  /* "add" */
                        return;
                t->n_uevents++;
                uevent(t, "memory", n, "online");
        }
        harness_sleep_usec(3 * MSEC);
        if (!write_memory_dt(t, DRCONF_MEM_ASSIGNED))
                return;
        harness_sleep_usec(150 * MSEC);
        if (!remove_core(t, HOT_CORE) || !set_cpus(t, "0-1\n", "0-1\n") || !set_hw_id(t, HOT_CORE, -1))
                return;
        if (!expect_reloads(t, 1, 0, "a core removal and a DIMM in one burst") || !check_saw_core(t, 0, false))
                return;

        path = harness_path_in(t->d.dir, "reload.log.1.dt");
        copy = harness_read_all(path, &size);
        memory_dt(&want, DRCONF_MEM_ASSIGNED);
        CHECK(&t->d, copy && size == want.size && memcmp(copy, want.data, size) == 0,
              "the reload did not see the DT memory property with the DIMM");
        blob_done(&want);
        free(copy);
        free(path);
}

/* A core replaced within one request: core 1 removed and HOT_CORE added, both within a few
 * milliseconds. As many threads as before, at other ids: not the set the crash kernel was loaded
 * with (the boot's), so one reload, which saw the new node; an id that counted the threads but
 * forgot which would call it "already loaded" and skip it. */
static void test_core_replaced(Test *t) {
        if (!setup_lpar(t, false) || !start_daemon(t))
                return;
        if (!set_hw_id(t, HOT_CORE, HOT_CORE) || !set_cpus(t, "0,2\n", "0,2\n") || !set_hw_id(t, 1, -1) ||
            !remove_core(t, 1) || !write_core(t, HOT_CORE))
                return;
        uevent(t, "cpu", 1, "offline");
        uevent(t, "cpu", HOT_CORE, "online");
        if (expect_reloads(t, 1, 0, "a core replaced by another"))
                check_saw_core(t, 0, true);
}

/* One request mixing a DIMM (two LMBs: add and online each, the DT replaced 3 ms after) and a core
 * whose `online` comes in the same burst: one reload, which saw both. */
static void test_mixed(Test *t) {
        char *copy = NULL;
        double t0;
        size_t size = 0;

        if (!setup_lpar(t, false) || !start_daemon(t))
                return;
        if (!hot_add(t))
                return;
        for (unsigned n = N_BOOT_LMBS; n < N_BOOT_LMBS + N_HOT_LMBS; n++) {
                if (!add_block(t, n))  /* "add" */
                        return;
                t->n_uevents++;
                uevent(t, "memory", n, "online");
        }
        if (!hot_add_online(t))
                return;
        harness_sleep_usec(3 * MSEC);
        t0 = now_real();
        if (!write_memory_dt(t, DRCONF_MEM_ASSIGNED))
                return;
        if (!expect_reloads(t, 1, t0, "a DIMM and a core in one request") || !check_saw_core(t, 0, true))
                return;
        CHECK(&t->d, log_has(t, "Memory and CPUs settled after"), "the mixed burst was not named for both");

        char *path = harness_path_in(t->d.dir, "reload.log.1.dt");
        Blob want;

        copy = harness_read_all(path, &size);
        free(path);
        memory_dt(&want, DRCONF_MEM_ASSIGNED);
        CHECK(&t->d, harness_dt_copy_is(copy, size, &want),
              "the reload did not see the DT memory property with the DIMM");
        blob_done(&want);
        free(copy);
}

/* A removal that failed and rolled back: offline, then online again, the node never gone. */
static void test_rollback(Test *t) {
        if (!setup_lpar(t, true) || !start_daemon(t))
                return;
        if (!set_cpus(t, "0-2\n", "0-1\n"))
                return;
        uevent(t, "cpu", HOT_CORE, "offline");
        harness_sleep_usec(100 * MSEC);
        if (!set_cpus(t, "0-2\n", "0-2\n"))
                return;
        uevent(t, "cpu", HOT_CORE, "online");
        if (!wait_for(t, pred_log, "uevent online cpu2", "the online uevent"))
                return;
        expect_reloads(t, 0, 0, "a rolled-back core removal");
        CHECK(&t->d, log_has(t, "no reload needed"), "the daemon did not say the loaded crash kernel matches");
}

/* crash_hotplug = 1: the kernel updates the crash image on CPU hot-plug itself. */
static void test_crash_hotplug(Test *t) {
        if (!setup_lpar(t, false))
                return;
        if (!CHECK(&t->d, fake_root_write_file(t->d.root, CPU_SYSFS_DIR "/crash_hotplug", "1\n", 2) >= 0,
                   "cannot write crash_hotplug") || !start_daemon(t))
                return;
        if (!hot_add(t))
                return;
        harness_sleep_usec(100 * MSEC);
        if (!hot_add_online(t))
                return;
        if (!wait_for(t, pred_log, "uevent online cpu2", "the online uevent"))
                return;
        expect_reloads(t, 0, 0, "a core hot-added with crash_hotplug=1");
        CHECK(&t->d, log_has(t, "CPU hot-plug needs no reload here (crash_hotplug=1)"),
              "the daemon did not say why it does not reload");
}

/* Memory's crash_hotplug = 1 but not CPUs': the kernel keeps memory current in the crash image,
 * not the FDT's CPUs, so a core hot-add still reloads once. */
static void test_memory_crash_hotplug_only(Test *t) {
        double t0;

        if (!setup_lpar(t, false))
                return;
        if (!CHECK(&t->d, fake_root_write_file(t->d.root, MEMORY_CRASH_HOTPLUG_PATH, "1\n", 2) >= 0,
                   "cannot write memory's crash_hotplug") || !start_daemon(t))
                return;
        t0 = now_real();
        if (!hot_add(t))
                return;
        harness_sleep_usec(100 * MSEC);
        if (hot_add_online(t) && expect_reloads(t, 1, t0, "a core hot-added with only memory's crash_hotplug=1"))
                check_saw_core(t, 0, true);
}

/* The negative control of the CPU rule: an online CPU whose thread no node lists. A reload now
 * would load an FDT the capture kernel cannot boot on that CPU: the daemon waits, says why, and
 * reloads once the node is there. */
static void test_missing_cpu(Test *t) {
        double t0;

        if (!setup_lpar(t, false) || !start_daemon(t))
                return;
        if (!set_hw_id(t, HOT_CORE, HOT_CORE) || !set_cpus(t, "0-2\n", "0-2\n"))
                return;
        uevent(t, "cpu", HOT_CORE, "online");
        if (!wait_for(t, pred_log, "CPU 2 (thread 2) is online, but no /cpus node lists its thread",
                      "the daemon saying CPU 2 is missing from the DT"))
                return;
        daemon_run_watch(&t->d, 500 * MSEC);
        if (!CHECK(&t->d, n_calls(t) == 0, "reloaded while CPU 2 is missing from the DT") ||
            !CHECK(&t->d, strncmp(t->d.status, "waiting for device tree", 23) == 0, "status \"%s\", expected waiting "
                   "for device tree", t->d.status))
                return;
        t0 = now_real();
        if (write_core(t, HOT_CORE) && expect_reloads(t, 1, t0, "the missing node arriving"))
                check_saw_core(t, 0, true);
}

/* State across restarts: a daemon killed while a CPU request waits for the DT owes a reload, and
 * its successor does it once the DT agrees; the next start finds that set loaded and reloads
 * nothing. */
static void test_restart(Test *t) {
        if (!setup_lpar(t, false) || !start_daemon(t))
                return;
        if (!set_hw_id(t, HOT_CORE, HOT_CORE) || !set_cpus(t, "0-2\n", "0-2\n"))
                return;
        uevent(t, "cpu", HOT_CORE, "online");
        if (!wait_for(t, pred_log, "no /cpus node lists its thread", "the daemon waiting for the node"))
                return;
        daemon_run_watch(&t->d, 100 * MSEC);  /* the state file is written when the engine waits */
        daemon_run_kill(&t->d);
        if (!write_core(t, HOT_CORE))
                return;

        spawn_daemon(t);
        /* The saved set is the one without the core: the successor's start-up request reloads. */
        if (!expect_reloads(t, 1, 0, "a restart owing a reload") || !check_saw_core(t, 0, true))
                return;

        if (!daemon_run_stop(&t->d, WAIT_MAX))
                return;
        spawn_daemon(t);
        if (wait_for(t, pred_idle, NULL, "idle after the second restart"))
                expect_reloads(t, 1, 0, "a restart with that set loaded");
}

/* `kdump-settlectl wait --timeout=5s` answers 0 within `within` µs. */
static bool wait_returns(Test *t, int64_t within) {
        static const char *const wait[] = { "wait", "--timeout=5s", NULL };
        int64_t t0 = harness_now_usec();
        int r = daemon_run_ctl(&t->d, wait);

        return CHECK(&t->d, r == 0, "kdump-settlectl wait exited %d after %.1f s", r,
                     (double) (harness_now_usec() - t0) / SEC) &&
               CHECK(&t->d, harness_now_usec() - t0 < within, "kdump-settlectl wait took %.1f s",
                     (double) (harness_now_usec() - t0) / SEC);
}

/* Issue 19.8: a core offlined without DLPAR (chcpu -d, ppc64_cpu --cores-on): its `offline`, and
 * its node stays. Once the burst is over that is no removal under way: no wait until MaxWaitSec=,
 * no timeout reload (the DT is the one loaded: no reload at all), idle, and `wait` returns. */
static void test_offline_core_kept(Test *t) {
        t->max_wait = "--max-wait-sec=2s";
        if (!setup_lpar(t, true) || !start_daemon(t) || !set_cpus(t, "0-2\n", "0-1\n"))
                return;
        uevent(t, "cpu", HOT_CORE, "offline");
        if (!wait_for(t, pred_log, "uevent offline cpu2", "the offline uevent") || !wait_returns(t, SEC))
                return;
        daemon_run_watch(&t->d, 2500 * MSEC);  /* past MaxWaitSec= */
        expect_reloads(t, 0, 0, "a core offlined and kept");
        CHECK(&t->d, !log_has(t, "anyway"), "a reload at MaxWaitSec= for a core offlined and kept");
        CHECK(&t->d, log_has(t, "no reload needed"), "the daemon did not say the loaded crash kernel matches");
}

/* Issue 19.8, the other half: a disagreement that clears without a DT update after the timeout
 * reload. CPU 2 comes online with no node listing its thread (rule 1), MaxWaitSec=1s reloads
 * anyway; then it goes offline again and that uevent is lost (udevd restarted). Watching takes the
 * verdict again: it agrees, one more reload, idle (without a `wait`, whose own rescan would start
 * that request), and `wait` returns. */
static void test_watching_ends(Test *t) {
        t->max_wait = "--max-wait-sec=1s";
        if (!setup_lpar(t, false) || !start_daemon(t) || !set_hw_id(t, HOT_CORE, HOT_CORE) ||
            !set_cpus(t, "0-2\n", "0-2\n"))
                return;
        uevent(t, "cpu", HOT_CORE, "online");
        if (!wait_for(t, pred_log, "anyway", "the reload at MaxWaitSec=") ||
            !DAEMON_RUN_WAIT(&t->d, WAIT_MAX, strncmp(t->d.status, "waiting for device tree (", 25) == 0,
                             "watching after the timeout reload"))
                return;
        /* The daemon on its own: a `wait` would rescan and start the request itself. */
        if (!set_cpus(t, "0-2\n", "0-1\n") ||
            !DAEMON_RUN_WAIT(&t->d, 4 * SEC, strcmp(t->d.status, "idle") == 0, "idle after the CPU went"))
                return;
        if (expect_reloads(t, 2, 0, "a DT that came to agree without an update") && check_saw_core(t, 1, false))
                wait_returns(t, SEC);
}

/* --- set-up, tear-down, main ------------------------------------------------------------------ */

static void test_init(Test *t, const char *name) {
        *t = (Test) {};
        t->testbed = daemon_run_init_testbed(&t->d, name, "reload.log", true);
}

static void test_done(Test *t, unsigned number) {
        daemon_run_finish(&t->d, number, "reload log: ");
        daemon_run_free_testbed(&t->d, t->testbed);
}

DAEMON_RUNNER_CASES(Test) tests[] = {
        { "hot-add of a core: one reload, which saw its node", test_hot_add },
        { "hot-remove of a core: one reload, which saw no node for it", test_hot_remove },
        { "a DIMM and a core in one request: one reload", test_mixed },
        { "a rolled-back core removal: no reload", test_rollback },
        { "crash_hotplug=1: no reload for a CPU-only burst", test_crash_hotplug },
        { "memory's crash_hotplug=1 only: a core hot-add still reloads", test_memory_crash_hotplug_only },
        { "an online CPU missing from the DT: no reload until its node comes", test_missing_cpu },
        { "restarts: a reload owed is done once the DT agrees, a set already loaded is not reloaded", test_restart },
        { "a core offlined and kept (no DLPAR): no wait until MaxWaitSec=, no reload, wait returns", test_offline_core_kept },
        { "after a timeout reload, a DT that comes to agree without an update: one reload, idle", test_watching_ends },
        { "a slow core removal under drmgr's lock: one reload after it, which saw no node", test_hot_remove_slow_under_drmgr },
        { "a core removal and a DIMM in one burst, the node going after the DIMM's DT: one reload, no node", test_node_leaving_in_mixed_burst },
        { "a core replaced by another in one request (as many threads, other ids): one reload", test_core_replaced },
};

DAEMON_RUNNER_MAIN(Test, tests, .program = "test-cpus", .timeout_sec = 120, .umockdev = true, .need_ctl = true)
