/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>

#include "block-set.h"
#include "check.h"
#include "consistency.h"
#include "dt-memory.h"
#include "dtb.h"
#include "log.h"

#define CHECK_REPORT 8

static void print_size(FILE *out, const char *label, uint64_t bytes) {
        if (bytes >= (1ULL << 30) && bytes % (1ULL << 30) == 0)
                fprintf(out, "%-16s %llu GiB\n", label, (unsigned long long) (bytes >> 30));
        else
                fprintf(out, "%-16s %llu MiB\n", label, (unsigned long long) (bytes >> 20));
}

int check_run(const char *root, const void *dtb, size_t dtb_size, FILE *out) {
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
