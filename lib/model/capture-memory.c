/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "capture-memory.h"
#include "consistency.h"
#include "dtb.h"
#include "fileio.h"

/* Disagreements worth naming in a message. */
#define REPORT_MAX 4

static CaptureMemory *from_base(CaptureResource *r) {
        return (CaptureMemory *) r;
}

static int memory_generation(const CaptureResource *r, const char *root, uint64_t *ret) {
        return dt_memory_generation(root, ret);
}

static int memory_load(CaptureResource *r, const char *root, Error *e) {
        return dt_memory_load(root, &from_base(r)->staged, e);
}

static void memory_commit(CaptureResource *r, bool keep) {
        CaptureMemory *cm = from_base(r);

        if (keep) {
                dt_memory_done(&cm->dt);
                cm->dt = cm->staged;
        } else
                dt_memory_done(&cm->staged);
        cm->staged = (DtMemory) {};
}

static void memory_load_failed(CaptureResource *r, const char *root, int error, const Error *e,
                               CaptureNotes *notes) {
        if (error == -ENOENT && stat_root(root, DT_MEMORY_NODE, &(struct stat) {}) >= 0)
                /* The kernel removes the old property before it adds the new one. */
                (void) capture_note(notes, false, error, "Device tree memory property absent (being replaced?): %s",
                                    error_message(e, error));
        else if (error == -ENOENT)
                /* It was there at start-up: this is no "not a pseries LPAR". */
                (void) capture_note(notes, true, 0, "Device tree node /" DT_MEMORY_NODE " vanished; "
                                    "not reloading until it is back.");
        else
                (void) capture_note(notes, true, error, "Cannot use the device tree memory description: %s",
                                    error_message(e, error));
}

static int memory_rescan(CaptureResource *r, const char *root, bool *ret_changed, Error *e) {
        CaptureMemory *cm = from_base(r);
        BlockSet fresh = {};
        int k;

        k = block_set_load(root, &fresh, e);
        if (k < 0)
                return k;
        if (ret_changed)
                *ret_changed = fresh.block_size != cm->blocks.block_size ||
                        fresh.n_present != cm->blocks.n_present || !block_set_equal(&fresh, &cm->blocks);
        block_set_done(&cm->blocks);
        cm->blocks = fresh;
        return 0;
}

static int memory_compare(CaptureResource *r, CaptureNotes *notes) {
        CaptureMemory *cm = from_base(r);
        Consistency c;
        Error e = {};
        int k;

        k = consistency_check(&cm->dt, &cm->blocks, REPORT_MAX, &c, &e);
        if (k < 0)
                return capture_note(notes, true, k, "Cannot compare device tree and memory blocks: %s",
                                    error_message(&e, k));
        if (consistency_ok(&c))
                return 1;

        (void) capture_note(notes, false, 0, "Device tree disagrees with sysfs on %llu of %llu LMBs, first at 0x%llx (%s)",
                            (unsigned long long) c.n_disagreeing, (unsigned long long) c.n_compared,
                            (unsigned long long) c.first[0].address,
                            c.first[0].in_dt ? "in the device tree only" : "in sysfs only");
        return 0;
}

static uint64_t memory_set_id(const CaptureResource *r) {
        return ((const CaptureMemory *) r)->dt.set_id;
}

static int memory_boot_set_id(const CaptureResource *r, const void *fdt, size_t size, uint64_t *ret, Error *e) {
        DtMemory dt = {};
        int k;

        k = dt_memory_from_dtb(fdt, size, &dt, e);
        if (k < 0)
                return k;
        *ret = dt.set_id;
        dt_memory_done(&dt);
        return 0;
}

static void memory_free(CaptureResource *r) {
        CaptureMemory *cm = from_base(r);

        dt_memory_done(&cm->dt);
        dt_memory_done(&cm->staged);
        block_set_done(&cm->blocks);
        free(cm);
}

static const CaptureResourceOps memory_ops = {
        .dt_input = "device tree memory property",
        .kernel_set = "memory blocks",
        .generation = memory_generation,
        .load = memory_load,
        .commit = memory_commit,
        .load_failed = memory_load_failed,
        .rescan = memory_rescan,
        .confirm_by_rescan = true,
        .compare = memory_compare,
        .set_id = memory_set_id,
        .boot_set_id = memory_boot_set_id,
        .free = memory_free,
};

int capture_memory_new(CaptureMemory **ret) {
        CaptureMemory *cm;

        assert(ret);

        cm = calloc(1, sizeof(*cm));
        if (!cm)
                return -ENOMEM;
        cm->base = (CaptureResource) { .ops = &memory_ops, .rescan = true };
        *ret = cm;
        return 0;
}

int capture_memory_uevent(CaptureMemory *cm, const MemoryUevent *u) {
        int k;

        assert(cm);
        assert(u);

        switch (u->action) {
        case MEMORY_ACTION_ADD:
                k = block_set_add(&cm->blocks, u->block);
                if (k < 0)
                        cm->base.rescan = true;
                return k;
        case MEMORY_ACTION_REMOVE:
                return block_set_remove(&cm->blocks, u->block);
        default:
                return 0;
        }
}
