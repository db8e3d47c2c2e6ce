/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "alloc-util.h"
#include "cpu-consistency.h"
#include "macro.h"
#include "string-table.h"

static const char *const cpu_disagreement_kind_table[_CPU_DISAGREEMENT_KIND_MAX] = {
        [CPU_MISSING_IN_DT] = "missing-in-dt",
        [CPU_UNKNOWN_HW_ID] = "unknown-hw-id",
        [CPU_STALE_IN_DT] = "stale-in-dt",
        [CPU_NODE_LEAVING] = "node-leaving",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(cpu_disagreement_kind, CpuDisagreementKind);

const char *cpu_disagreement_describe(const CpuDisagreement *d, char *buf, size_t size) {
        assert(d);
        assert(buf || size == 0);

        switch (d->kind) {
        case CPU_MISSING_IN_DT:
                snprintf(buf, size, "CPU %" PRIu32 " (thread %" PRIu32 ") is online, but no /cpus node lists its thread",
                         d->cpu, d->hw_id);
                break;
        case CPU_UNKNOWN_HW_ID:
                snprintf(buf, size, "CPU %" PRIu32 " is online, but its physical_id is -1 (being removed?)", d->cpu);
                break;
        case CPU_STALE_IN_DT:
                snprintf(buf, size, "thread %" PRIu32 " is in a /cpus node, but no present CPU has it", d->hw_id);
                break;
        case CPU_NODE_LEAVING:
                snprintf(buf, size, "the /cpus node with reg 0x%" PRIx32 " has all its threads just offlined: removal in progress?",
                         d->hw_id);
                break;
        default:
                snprintf(buf, size, "unknown disagreement %d", (int) d->kind);
        }
        return buf;
}

/* A present CPU by its thread id. */
typedef struct HwCpu {
        uint32_t hw_id;
        uint32_t cpu;
} HwCpu;

static int cmp_hw(const void *a, const void *b) {
        const HwCpu *x = a, *y = b;

        if (x->hw_id != y->hw_id)
                return x->hw_id < y->hw_id ? -1 : 1;
        return x->cpu < y->cpu ? -1 : x->cpu > y->cpu;
}

static bool sorted_contains(const uint32_t *v, size_t n, uint32_t x) {
        size_t lo = 0, hi = n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (v[mid] == x)
                        return true;
                if (v[mid] < x)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return false;
}

static const HwCpu *find_hw(const HwCpu *v, size_t n, uint32_t hw_id) {
        HwCpu key = { .hw_id = hw_id };
        size_t lo = 0, hi = n;

        /* Lower bound, so that two CPUs claiming one id (a kernel bug) still find the first. */
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (cmp_hw(&v[mid], &key) < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo < n && v[lo].hw_id == hw_id ? &v[lo] : NULL;
}

static void record(CpuConsistency *c, size_t max_report, CpuDisagreementKind kind, uint32_t cpu, uint32_t hw_id) {
        c->n_disagreeing++;
        if (c->n_first < max_report)
                c->first[c->n_first++] = (CpuDisagreement) {
                        .kind = kind,
                        .cpu = cpu,
                        .hw_id = hw_id,
                };
}

int cpu_consistency_check(const DtCpus *dt, const CpuSet *kernel, const CpuMask *offlined,
                          size_t max_report, CpuConsistency *ret, Error *e) {
        _cleanup_free_ HwCpu *present = NULL;
        CpuConsistency c = {};
        size_t n_present = 0;
        uint32_t cpu;

        assert(dt);
        assert(kernel);
        assert(ret);
        assert(max_report <= CPU_CONSISTENCY_REPORT_MAX);

        /* 1. */
        for (cpu = cpu_mask_next(&kernel->online, 0); cpu != UINT32_MAX; cpu = cpu_mask_next(&kernel->online, cpu + 1)) {
                uint32_t hw = cpu_set_hw_id(kernel, cpu);

                c.n_online++;
                if (hw == CPU_HW_ID_NONE)
                        record(&c, max_report, CPU_UNKNOWN_HW_ID, cpu, hw);
                else if (!sorted_contains(dt->threads, dt->n_threads, hw))
                        record(&c, max_report, CPU_MISSING_IN_DT, cpu, hw);
        }

        if (kernel->present.n_set > 0) {
                present = reallocarray(NULL, kernel->present.n_set, sizeof(HwCpu));
                if (!present)
                        return error_set(e, -ENOMEM, "Out of memory for %" PRIu32 " CPUs", kernel->present.n_set);
        }
        for (cpu = cpu_mask_next(&kernel->present, 0); cpu != UINT32_MAX; cpu = cpu_mask_next(&kernel->present, cpu + 1)) {
                uint32_t hw = cpu_set_hw_id(kernel, cpu);

                if (hw != CPU_HW_ID_NONE && n_present < kernel->present.n_set)
                        present[n_present++] = (HwCpu) { .hw_id = hw, .cpu = cpu };
        }
        if (n_present > 1)
                qsort(present, n_present, sizeof(HwCpu), cmp_hw);

        /* 2. and 3., node by node. */
        c.n_dt_threads = dt->n_threads;
        for (size_t i = 0; i < dt->n_nodes; i++) {
                const DtCpuNode *node = dt->nodes + i;
                bool all_offline = node->n_threads > 0, just_offlined = false;

                for (uint32_t k = 0; k < node->n_threads; k++) {
                        uint32_t hw = dt->node_threads[node->first + k];
                        const HwCpu *p = find_hw(present, n_present, hw);

                        if (!p) {
                                record(&c, max_report, CPU_STALE_IN_DT, UINT32_MAX, hw);
                                all_offline = false;
                                continue;
                        }
                        if (cpu_set_online(kernel, p->cpu))
                                all_offline = false;
                        else if (offlined && cpu_mask_test(offlined, p->cpu))
                                just_offlined = true;
                }
                if (all_offline && just_offlined) {
                        record(&c, max_report, CPU_NODE_LEAVING, UINT32_MAX, node->reg);
                        c.n_leaving++;
                }
        }

        *ret = c;
        return 0;
}
