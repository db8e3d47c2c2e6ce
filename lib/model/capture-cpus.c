/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "capture-cpus.h"
#include "dtb.h"
#include "fileio.h"

/* Disagreements worth naming in a message. */
#define REPORT_MAX 4

static CaptureCpus *from_base(CaptureResource *r) {
        return (CaptureCpus *) r;
}

static int cpus_generation(const CaptureResource *r, const char *root, uint64_t *ret) {
        /* The nodes kept are not looked at again: a poll stays one readdir of /cpus. */
        return dt_cpus_generation(root, &((const CaptureCpus *) r)->dt, ret);
}

static int cpus_load(CaptureResource *r, const char *root, Error *e) {
        return dt_cpus_load(root, &from_base(r)->staged, e);
}

static void cpus_commit(CaptureResource *r, bool keep) {
        CaptureCpus *cc = from_base(r);

        if (keep) {
                dt_cpus_done(&cc->dt);
                cc->dt = cc->staged;
        } else
                dt_cpus_done(&cc->staged);
        cc->staged = (DtCpus) {};
}

static void cpus_load_failed(CaptureResource *r, const char *root, int error, const Error *e,
                             CaptureNotes *notes) {
        if (error == -ENOENT && stat_root(root, DT_CPUS_NODE, &(struct stat) {}) < 0)
                /* It had CPU nodes at start-up. */
                (void) capture_note(notes, true, 0, "Device tree node /" DT_CPUS_NODE " vanished; "
                                    "not reloading until it is back.");
        else
                (void) capture_note(notes, true, error, "Cannot use the device tree CPU nodes: %s",
                                    error_message(e, error));
}

static bool cpu_set_equal(const CpuSet *a, const CpuSet *b) {
        const CpuMask *ma[] = { &a->present, &a->online }, *mb[] = { &b->present, &b->online };

        for (size_t i = 0; i < ELEMENTSOF(ma); i++) {
                if (ma[i]->n_set != mb[i]->n_set)
                        return false;
                for (uint32_t c = cpu_mask_next(ma[i], 0); c != UINT32_MAX; c = cpu_mask_next(ma[i], c + 1))
                        if (!cpu_mask_test(mb[i], c))
                                return false;
        }
        for (uint32_t c = cpu_mask_next(&a->present, 0); c != UINT32_MAX; c = cpu_mask_next(&a->present, c + 1))
                if (cpu_set_hw_id(a, c) != cpu_set_hw_id(b, c))
                        return false;
        return true;
}

/* Reads the kernel's CPUs again, reusing the thread ids still known unless fresh. */
static int reload_cpus(CaptureCpus *cc, bool fresh, bool *ret_changed, Error *e) {
        CpuSet s;
        int k;

        k = cpu_set_load(cc->root, fresh ? NULL : &cc->cpus, &s, e);
        if (k < 0)
                return k;
        if (ret_changed)
                *ret_changed = !cpu_set_equal(&s, &cc->cpus);
        cpu_set_done(&cc->cpus);
        cc->cpus = s;
        return 0;
}

static int cpus_rescan(CaptureResource *r, const char *root, bool *ret_changed, Error *e) {
        return reload_cpus(from_base(r), true, ret_changed, e);
}

static int cpus_compare(CaptureResource *r, CaptureNotes *notes) {
        CaptureCpus *cc = from_base(r);
        CpuConsistency c;
        char what[160];
        Error e = {};
        int k;

        cc->last_consistent = -1;
        cc->last_provisional = false;

        /* A hot-added core's CPUs become present with no uevent: always look again. */
        k = reload_cpus(cc, false, NULL, &e);
        if (k < 0)
                return capture_note(notes, true, k, "Cannot read the kernel's CPUs: %s", error_message(&e, k));

        k = cpu_consistency_check(&cc->dt, &cc->cpus, &cc->offlined, REPORT_MAX, &c, &e);
        if (k < 0)
                return capture_note(notes, true, k, "Cannot compare device tree and CPUs: %s", error_message(&e, k));

        cc->last_consistent = cpu_consistency_ok(&c);
        cc->last_provisional = cpu_consistency_provisional(&c);
        if (cpu_consistency_ok(&c))
                return 1;

        (void) capture_note(notes, false, 0, "Device tree disagrees with the kernel's CPUs (%llu disagreement(s)): %s",
                            (unsigned long long) c.n_disagreeing,
                            cpu_disagreement_describe(&c.first[0], what, sizeof(what)));
        return cc->last_provisional ? CAPTURE_PROVISIONAL : 0;
}

static uint64_t cpus_set_id(const CaptureResource *r) {
        return ((const CaptureCpus *) r)->dt.set_id;
}

static int cpus_boot_set_id(const CaptureResource *r, const void *fdt, size_t size, uint64_t *ret, Error *e) {
        DtCpus dt;
        int k;

        k = dt_cpus_from_dtb(fdt, size, &dt, e);
        if (k < 0)
                return k;
        *ret = dt.set_id;
        dt_cpus_done(&dt);
        return 0;
}

static void cpus_free(CaptureResource *r) {
        CaptureCpus *cc = from_base(r);

        dt_cpus_done(&cc->dt);
        dt_cpus_done(&cc->staged);
        cpu_set_done(&cc->cpus);
        cpu_mask_done(&cc->offlined);
        free(cc);
}

static const CaptureResourceOps cpus_ops = {
        .dt_input = "device tree CPU nodes",
        .kernel_set = "CPUs",
        .generation = cpus_generation,
        .load = cpus_load,
        .commit = cpus_commit,
        .load_failed = cpus_load_failed,
        .rescan = cpus_rescan,
        .compare = cpus_compare,
        .set_id = cpus_set_id,
        .boot_set_id = cpus_boot_set_id,
        .free = cpus_free,
};

int capture_cpus_new(const char *root, CaptureCpus **ret) {
        CaptureCpus *cc;

        assert(root);
        assert(ret);

        cc = calloc(1, sizeof(*cc));
        if (!cc)
                return -ENOMEM;
        cc->base = (CaptureResource) { .ops = &cpus_ops, .rescan = true };
        cc->root = root;
        cc->last_consistent = -1;
        *ret = cc;
        return 0;
}

int capture_cpus_present(const char *root, Error *e) {
        _cleanup_(dt_cpus_done) DtCpus dt = {};
        int k;

        if (stat_root(root, DT_CPUS_NODE, &(struct stat) {}) < 0)
                return 0;
        k = dt_cpus_load(root, &dt, e);
        if (k < 0)
                return k;
        return dt.n_nodes > 0;
}

int capture_cpus_uevent(CaptureCpus *cc, const CpuUevent *u) {
        int k = 0;

        assert(cc);
        assert(u);

        /* Its logical number may come back with another core's thread. */
        cpu_set_forget(&cc->cpus, u->cpu);
        /* And the nodes are read again at the next evaluation, whatever the generation says: a
         * property the kernel changed in place (of_update_property) moves no generation. Hot-add's
         * `online` comes 90 ms and more after the node. */
        cc->base.generation = 0;

        if (u->action == CPU_ACTION_OFFLINE)
                k = cpu_mask_set(&cc->offlined, u->cpu);
        else if (u->action == CPU_ACTION_ONLINE)
                (void) cpu_mask_clear(&cc->offlined, u->cpu);
        if (k < 0) {
                cc->base.rescan = true;
                return k;
        }
        return 0;
}

void capture_cpus_burst_end(CaptureCpus *cc) {
        assert(cc);

        cpu_mask_done(&cc->offlined);
        /* Without the marks, rule 3 is gone from the last comparison too. */
        if (cc->last_provisional)
                cc->last_consistent = 1;
        cc->last_provisional = false;
}
