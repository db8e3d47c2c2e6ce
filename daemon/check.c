/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "alloc-util.h"
#include "backend.h"
#include "block-set.h"
#include "check.h"
#include "consistency.h"
#include "cpu-consistency.h"
#include "dt-memory.h"
#include "dtb.h"
#include "dump-mode.h"
#include "fileio.h"
#include "kexec-help.h"
#include "log.h"
#include "path-lookup.h"
#include "reload.h"
#include "memory-limit.h"
#include "pft-size.h"

#define CHECK_REPORT 8

static void print_size(FILE *out, const char *label, uint64_t bytes) {
        if (bytes >= (1ULL << 30) && bytes % (1ULL << 30) == 0)
                fprintf(out, "%-16s %llu GiB\n", label, (unsigned long long) (bytes >> 30));
        else
                fprintf(out, "%-16s %llu MiB\n", label, (unsigned long long) (bytes >> 20));
}

/* The /cpus nodes against the kernel's CPUs: 0 agree (or nothing to compare), 1 disagree, -errno
 * (logged). Without the daemon's record of a burst's offline uevents, a core being removed right
 * now shows as agreeing until its node goes. */
static int check_cpus(const char *root, FILE *out) {
        _cleanup_(dt_cpus_done) DtCpus dt = {};
        _cleanup_(cpu_set_done) CpuSet cpus = {};
        CpuConsistency c;
        char buf[160];
        Error e = {};
        int r;

        if (stat_root(root, DT_CPUS_NODE, &(struct stat) {}) < 0)
                return 0;
        r = dt_cpus_load(root, &dt, &e);
        if (r >= 0 && dt.n_nodes == 0)
                return 0;  /* not pseries: nothing the daemon follows */
        if (r >= 0)
                r = cpu_set_load(root, NULL, &cpus, &e);
        if (r >= 0)
                r = cpu_consistency_check(&dt, &cpus, NULL, CHECK_REPORT, &c, &e);
        if (r < 0)
                return log_error_errno(r, "%s", error_message(&e, r));

        fprintf(out, "%-16s /cpus: %zu nodes, %zu threads\n", "Device tree:", dt.n_nodes, dt.n_threads);
        fprintf(out, "%-16s %u present, %u online\n", "CPUs:", (unsigned) cpus.present.n_set,
                (unsigned) cpus.online.n_set);
        if (cpu_consistency_ok(&c)) {
                fprintf(out, "%-16s agree (%u online CPUs, %zu threads compared)\n", "CPU consistency:",
                        (unsigned) c.n_online, c.n_dt_threads);
                return 0;
        }
        fprintf(out, "%-16s %llu disagreement(s)\n", "CPU consistency:", (unsigned long long) c.n_disagreeing);
        for (size_t i = 0; i < c.n_first; i++)
                fprintf(out, "  %s\n", cpu_disagreement_describe(&c.first[i], buf, sizeof(buf)));
        if (c.n_disagreeing > c.n_first)
                fprintf(out, "  ... and %llu more\n", (unsigned long long) (c.n_disagreeing - c.n_first));
        return 1;
}

static int check_memory(const char *root, const void *dtb, size_t dtb_size, FILE *out) {
        _cleanup_(dt_memory_done) DtMemory dt = {};
        _cleanup_(block_set_done) BlockSet blocks = {};
        Consistency c;
        Error e = {};
        int r;

        r = dtb ? dt_memory_from_dtb(dtb, dtb_size, &dt, &e) : dt_memory_load(root, &dt, &e);
        if (r < 0)
                return log_error_errno(r, "%s", error_message(&e, r));
        r = block_set_load(root, &blocks, &e);
        if (r < 0)
                return log_error_errno(r, "%s", error_message(&e, r));
        r = consistency_check(&dt, &blocks, CHECK_REPORT, &c, &e);
        if (r < 0)
                return log_error_errno(r, "%s", error_message(&e, r));

        print_size(out, "LMB size:", dt.lmb_size);
        print_size(out, "Block size:", blocks.block_size);
        fprintf(out, "%-16s %s: %llu LMBs, %llu present, %llu reserved\n", "Device tree:",
                dt_format_property(dt.format),
                (unsigned long long) dt.n_lmbs, (unsigned long long) dt.n_present,
                (unsigned long long) dt.n_reserved);
        fprintf(out, "%-16s %llu present\n", "Memory blocks:", (unsigned long long) blocks.n_present);

        if (consistency_ok(&c)) {
                fprintf(out, "%-16s agree (%llu LMBs compared)\n", "Consistency:",
                        (unsigned long long) c.n_compared);
                return 0;
        }

        fprintf(out, "%-16s %llu of %llu LMBs disagree\n", "Consistency:",
                (unsigned long long) c.n_disagreeing, (unsigned long long) c.n_compared);
        for (size_t i = 0; i < c.n_first; i++)
                fprintf(out, "  0x%016llx  %s\n", (unsigned long long) c.first[i].address,
                        c.first[i].in_dt ? "present in the device tree, no memory block in sysfs"
                                         : "memory block in sysfs, absent from the device tree");
        if (c.n_disagreeing > c.n_first)
                fprintf(out, "  ... and %llu more\n", (unsigned long long) (c.n_disagreeing - c.n_first));
        return 1;
}

/* kexec -p --hotplug with a kexec-tools that reserves only the elfcorehdr's initial size (issue 20.2):
 * 0 no hazard, or one no loaded image has: kdump-settled's kexec backend loads without --hotplug then;
 * 1 the loaded crash kernel is kept current by the kernel (memory crash_hotplug reads 1, which on a
 * kexec_load system means it was loaded with --hotplug): kdump-settled reloads nothing the kernel
 * updates, so nothing corrects it. */
static int check_kexec_hotplug(const char *root, FILE *out) {
        _cleanup_free_ char *version = NULL;
        KexecHotplugHazard h;

        h = kexec_hotplug_hazard_now(root, kexec_hotplug_probe_path(root, getenv("PATH") ?: RELOAD_DEFAULT_PATH,
                                                                     KEXEC_HOTPLUG_CHOICE_AUTO, &version));
        if (h == KEXEC_HOTPLUG_HAZARD_NONE)
                return 0;
        fprintf(out, "%-16s hazard: %s offers --hotplug but reserves only the elfcorehdr's initial size in the "
                "capture kernel's FDT (fixed by 600c2f9512b5, after 2.0.32): a crash kernel loaded with kexec -p "
                "--hotplug may overwrite what hot-plug grew.\n", "kexec --hotplug:", version ?: "kexec");
        if (h == KEXEC_HOTPLUG_HAZARD_LOADED) {
                fprintf(out, "  The loaded crash kernel is one the kernel updates on hot-plug (%s reads 1): loaded "
                        "with --hotplug, and kdump-settled reloads nothing the kernel updates.\n"
                        "  To do: reload without --hotplug (drop it from the distribution tool's kexec arguments, "
                        "e.g. KDUMP_KEXEC_ARGS, then reload it, or kdump-settlectl reload with kdump-settled's "
                        "kexec or kdump-config backend), or update kexec-tools.\n", MEMORY_CRASH_HOTPLUG_PATH);
                return 1;
        }
        fprintf(out, "  kdump-settled's kexec backend avoids it: it loads without --hotplug and reloads per request, "
                "and its replay of kdump-config's record leaves the record's --hotplug out "
                "(KexecHotplug=yes only for a kexec with the fix backported). No loaded crash kernel has it now.\n"
                "  To do: keep --hotplug out of a distribution tool's kexec arguments, or update kexec-tools.\n");
        return 0;
}

/* The runtime directory is the daemon's marker, as for the udev rule: are its reloads the ones
 * that would correct a hazard? */
static bool daemon_running(const char *runtime_dir) {
        return access(runtime_dir, F_OK) == 0;
}

/* /chosen/linux,memory-limit against the end of present memory: 0 no hazard, or one the daemon's
 * reloads correct; 1 a kexec_load dump would lose memory and nothing corrects it; -errno (logged). */
static int check_memory_limit(const char *root, const char *runtime_dir, FILE *out) {
        _cleanup_(block_set_done) BlockSet blocks = {};
        _cleanup_free_ char *cmdline = NULL;
        MemoryLimitHazard h;
        bool running;
        Error e = {};
        int r;

        /* Unreadable: taken as no mem=, which is what a hazard needs to be reported. */
        (void) read_full_file_root(root, PROC_CMDLINE, PROC_CMDLINE_MAX, &cmdline, NULL, NULL);
        r = block_set_load(root, &blocks, &e);
        if (r >= 0)
                r = memory_limit_hazard(root, cmdline, &blocks, &h, &e);
        if (r < 0)
                return log_error_errno(r, "%s", error_message(&e, r));
        if (!h.present)
                return 0;
        if (!h.clips) {
                fprintf(out, "%-16s 0x%llx (%s), %s\n", "Memory limit:", (unsigned long long) h.limit,
                        DT_PROP_MEMORY_LIMIT, h.mem_given ? "set by mem=: kept" : "not below the end of memory");
                return 0;
        }

        running = daemon_running(runtime_dir);
        fprintf(out, "%-16s 0x%llx (%s, no mem=) is below the end of memory (0x%llx): a crash kernel "
                "loaded with kexec_load leaves the memory above it out of the dump; %s\n",
                "Memory limit:", (unsigned long long) h.limit, DT_PROP_MEMORY_LIMIT,
                (unsigned long long) h.memory_end,
                running ? "kdump-settled's reloads run over a device tree without it (it is running)"
                        : "kdump-settled, whose reloads run over a device tree without it, is not running: "
                          "start it and reload (kdump-settlectl reload), or load with a kexec-tools that has "
                          "the fix in kdump-settle's patches/kexec-tools");
        return !running;
}

/* /cpus/<cpu>/ibm,pft-size against the HPT order in use (hash MMU): 0 no hazard, one the daemon's
 * reloads correct, or one that cannot be told; 1 a capture kernel would hang and nothing corrects
 * it; -errno (logged). */
static int check_pft_size(const char *root, const char *runtime_dir, FILE *out) {
        _cleanup_(pft_size_done) PftSize p = {};
        bool running;
        Error e = {};
        int r;

        r = pft_size_load(root, &p, &e);
        if (r < 0)
                return log_error_errno(r, "%s", error_message(&e, r));
        switch (p.correction) {
        case PFT_SIZE_ABSENT:
        case PFT_SIZE_RADIX:
                return 0;  /* no hashed page table for the capture kernel to size */
        case PFT_SIZE_STATIC:
                fprintf(out, "%-16s %s: the hypervisor cannot resize the HPT, the boot order stays true\n",
                        "HPT order:", DT_PROP_PFT_SIZE);
                return 0;
        case PFT_SIZE_UNKNOWN:
                fprintf(out, "%-16s unknown: %s: %s; cannot tell whether %s still has it (hash MMU, the "
                        "HPT is resized on memory hot-plug)\n  To do: mount debugfs (mount -t debugfs none "
                        "/sys/kernel/debug); under kernel lockdown it stays unreadable, and a crash after a "
                        "hot-plug that resized the HPT hangs the capture kernel.\n", "HPT order:",
                        HPT_ORDER_PATH, strerror(-p.order_error), DT_PROP_PFT_SIZE);
                return 0;
        case PFT_SIZE_CURRENT:
                fprintf(out, "%-16s %u, as %s of %zu CPU node(s) says\n", "HPT order:", p.order, DT_PROP_PFT_SIZE,
                        p.n_nodes);
                return 0;
        case PFT_SIZE_CORRECTED:
                break;
        default:
                assert_not_reached();
        }

        running = daemon_running(runtime_dir);
        fprintf(out, "%-16s hazard: %u in use (the HPT was resized on hot-plug), but %zu of %zu CPU node(s) "
                "still have another in %s: a capture kernel loaded from this tree hangs after purgatory; %s\n",
                "HPT order:", p.order, p.n_stale, p.n_nodes, DT_PROP_PFT_SIZE,
                running ? "kdump-settled's reloads run over a device tree with the order in use (it is running)"
                        : "kdump-settled, whose reloads run over a device tree with the order in use, is not "
                          "running: start it and reload (kdump-settlectl reload)");
        return !running;
}

int check_run(const char *root, const char *runtime_dir, const void *dtb, size_t dtb_size, FILE *out) {
        int r, k, h, l, p;

        r = check_memory(root, dtb, dtb_size, out);
        if (r < 0)
                return r;
        /* A .dtb is checked for memory only: CPUs come from the live tree. */
        if (dtb)
                return r;
        k = check_cpus(root, out);
        if (k < 0)
                return k;
        h = check_kexec_hotplug(root, out);
        l = check_memory_limit(root, runtime_dir, out);
        if (l < 0)
                return l;
        p = check_pft_size(root, runtime_dir, out);
        if (p < 0)
                return p;
        return r > 0 || k > 0 || h > 0 || l > 0 || p > 0;
}
