/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cpu-consistency.h"
#include "dt-blob.h"
#include "macro.h"

/* An LPAR of SMT-8 cores: core k has threads 8k .. 8k + 7 in the node with reg 8k, and the kernel
 * numbers them CPUs 8k .. 8k + 7 (hardware and logical ids match, as after boot on pseries). */
#define SMT 8

static void dt_cores(DtCpus *dt, const unsigned *cores, size_t n) {
        *dt = (DtCpus) {};
        for (size_t i = 0; i < n; i++) {
                Blob reg = {}, srv = {};
                char name[32];

                snprintf(name, sizeof(name), "PowerPC,POWER9@%x", cores[i] * SMT);
                blob_put32(&reg, cores[i] * SMT);
                for (unsigned t = 0; t < SMT; t++)
                        blob_put32(&srv, cores[i] * SMT + t);
                assert_int_equal(dt_cpus_add_node(dt, name, reg.data, reg.size, srv.data, srv.size, NULL), 0);
                blob_done(&reg);
                blob_done(&srv);
        }
        assert_int_equal(dt_cpus_finish(dt, NULL), 0);
}

static void mask(CpuMask *m, const char *list) {
        Error e = {};

        *m = (CpuMask) {};
        if (cpu_mask_parse("test", list, strlen(list), m, &e) < 0)
                fail_msg("%s: %s", list, e.message);
}

/* present and online as kernel lists; each present CPU's thread id is its number. */
static void kernel(CpuSet *s, const char *present, const char *online) {
        *s = (CpuSet) {};
        mask(&s->present, present);
        mask(&s->online, online);
        s->n_hw_ids = s->present.n_words * 64;
        s->hw_ids = calloc(s->n_hw_ids ? s->n_hw_ids : 1, sizeof(uint32_t));
        assert_non_null(s->hw_ids);
        for (size_t c = 0; c < s->n_hw_ids; c++)
                s->hw_ids[c] = cpu_mask_test(&s->present, (uint32_t) c) ? (uint32_t) c : CPU_HW_ID_NONE;
}

typedef struct Case {
        const unsigned *cores;
        size_t n_cores;
        const char *present, *online, *offlined;  /* offlined NULL: no hint */
} Case;

static CpuConsistency check(const Case *k) {
        _cleanup_(dt_cpus_done) DtCpus dt = {};
        _cleanup_(cpu_set_done) CpuSet s = {};
        _cleanup_(cpu_mask_done) CpuMask off = {};
        CpuConsistency c;
        Error e = {};

        dt_cores(&dt, k->cores, k->n_cores);
        kernel(&s, k->present, k->online);
        if (k->offlined)
                mask(&off, k->offlined);
        assert_int_equal(cpu_consistency_check(&dt, &s, k->offlined ? &off : NULL, CPU_CONSISTENCY_REPORT_MAX, &c, &e), 0);
        return c;
}

#define CORES(...) .cores = (const unsigned[]) { __VA_ARGS__ }, .n_cores = ELEMENTSOF(((const unsigned[]) { __VA_ARGS__ }))

static void assert_ok(const Case *k) {
        CpuConsistency c = check(k);

        if (!cpu_consistency_ok(&c))
                fail_msg("present %s online %s: %" PRIu64 " disagreements, first %s cpu %u hw %u", k->present, k->online,
                         c.n_disagreeing, cpu_disagreement_kind_to_string(c.first[0].kind), c.first[0].cpu, c.first[0].hw_id);
}

static void test_consistent(void **state) {
        assert_ok(&(Case) { CORES(0, 1), .present = "0-15\n", .online = "0-15\n" });
        /* Boot with nothing hot-plugged, more CPUs possible than present. */
        assert_ok(&(Case) { CORES(0), .present = "0-7\n", .online = "0-7\n" });
        /* Nothing at all is trivially consistent. */
        assert_ok(&(Case) { .present = "", .online = "" });
}

static void test_smt_offline(void **state) {
        /* ppc64_cpu --smt=4: threads 4-7 of each core offline, still present, nodes stay. */
        assert_ok(&(Case) { CORES(0, 1), .present = "0-15\n", .online = "0-3,8-11\n" });
        /* ...even when it happened in this burst: the cores keep online threads. */
        assert_ok(&(Case) { CORES(0, 1), .present = "0-15\n", .online = "0-3,8-11\n", .offlined = "4-7,12-15" });
        /* A whole core offlined long ago (ppc64_cpu --cores-on=1), not in this burst. */
        assert_ok(&(Case) { CORES(0, 1), .present = "0-15\n", .online = "0-7\n", .offlined = "" });
}

static void test_add_in_progress(void **state) {
        CpuConsistency c;

        /* The kernel's order: node attached, then (same notifier call) CPUs present, then
         * 90-170 ms later online. Between attach and present: a DT thread no CPU has. */
        c = check(&(Case) { CORES(0, 1, 2), .present = "0-15\n", .online = "0-15\n" });
        assert_false(cpu_consistency_ok(&c));
        assert_int_equal(c.n_disagreeing, 8);
        assert_int_equal(c.first[0].kind, CPU_STALE_IN_DT);
        assert_int_equal(c.first[0].hw_id, 16);
        assert_int_equal(c.first[7].hw_id, 23);

        /* Present, not yet online: the node a crash kernel needs is there already. */
        assert_ok(&(Case) { CORES(0, 1, 2), .present = "0-23\n", .online = "0-15\n" });
        /* Online. */
        assert_ok(&(Case) { CORES(0, 1, 2), .present = "0-23\n", .online = "0-23\n", .offlined = "" });
}

static void test_remove_in_progress(void **state) {
        CpuConsistency c;

        /* `offline` uevents for CPUs 8-15 came; the node is still there. */
        c = check(&(Case) { CORES(0, 1), .present = "0-15\n", .online = "0-7\n", .offlined = "8-15" });
        assert_false(cpu_consistency_ok(&c));
        assert_int_equal(c.n_disagreeing, 1);
        assert_int_equal(c.first[0].kind, CPU_NODE_LEAVING);
        assert_int_equal(c.first[0].hw_id, 8);
        /* One offline uevent seen so far is enough: the other threads were offline already. */
        c = check(&(Case) { CORES(0, 1), .present = "0-15\n", .online = "0-7\n", .offlined = "15" });
        assert_int_equal(c.first[0].kind, CPU_NODE_LEAVING);
        /* Still offlining: thread 15 online yet, so nothing to wait for by this rule; the burst
         * is not quiet either. */
        assert_ok(&(Case) { CORES(0, 1), .present = "0-15\n", .online = "0-7,15\n", .offlined = "8-14" });

        /* The node is gone, the CPUs not yet marked absent (the notifier runs after the sysfs
         * removal): consistent, and a reload now reads a DT without the core. */
        assert_ok(&(Case) { CORES(0), .present = "0-15\n", .online = "0-7\n", .offlined = "8-15" });
        /* Done. */
        assert_ok(&(Case) { CORES(0), .present = "0-7\n", .online = "0-7\n", .offlined = "8-15" });
}

static void test_missing_cpu(void **state) {
        CpuConsistency c;

        /* The kexec_load bug this guards against: an online CPU the DT does not describe. */
        c = check(&(Case) { CORES(0), .present = "0-15\n", .online = "0-15\n" });
        assert_false(cpu_consistency_ok(&c));
        assert_int_equal(c.n_online, 16);
        assert_int_equal(c.n_disagreeing, 8);
        assert_int_equal(c.n_first, 8);
        for (size_t i = 0; i < 8; i++) {
                assert_int_equal(c.first[i].kind, CPU_MISSING_IN_DT);
                assert_int_equal(c.first[i].cpu, 8 + i);
                assert_int_equal(c.first[i].hw_id, 8 + i);
        }
        /* A single missing thread is enough. */
        c = check(&(Case) { CORES(0), .present = "0-8\n", .online = "0-8\n" });
        assert_int_equal(c.n_disagreeing, 1);
        assert_int_equal(c.first[0].cpu, 8);
}

static void test_report_capped(void **state) {
        _cleanup_(dt_cpus_done) DtCpus dt = {};
        _cleanup_(cpu_set_done) CpuSet s = {};
        CpuConsistency c;

        dt_cores(&dt, (const unsigned[]) { 0 }, 1);
        kernel(&s, "0-1023\n", "0-1023\n");
        assert_int_equal(cpu_consistency_check(&dt, &s, NULL, CPU_CONSISTENCY_REPORT_MAX, &c, NULL), 0);
        assert_int_equal(c.n_disagreeing, 1016);
        assert_int_equal(c.n_first, CPU_CONSISTENCY_REPORT_MAX);
        assert_int_equal(c.first[CPU_CONSISTENCY_REPORT_MAX - 1].cpu, 8 + CPU_CONSISTENCY_REPORT_MAX - 1);

        assert_int_equal(cpu_consistency_check(&dt, &s, NULL, 0, &c, NULL), 0);
        assert_int_equal(c.n_disagreeing, 1016);
        assert_int_equal(c.n_first, 0);
}

static void test_unknown_hw_id(void **state) {
        _cleanup_(dt_cpus_done) DtCpus dt = {};
        _cleanup_(cpu_set_done) CpuSet s = {};
        CpuConsistency c;

        dt_cores(&dt, (const unsigned[]) { 0 }, 1);
        kernel(&s, "0-7\n", "0-7\n");
        s.hw_ids[3] = CPU_HW_ID_NONE;
        assert_int_equal(cpu_consistency_check(&dt, &s, NULL, CPU_CONSISTENCY_REPORT_MAX, &c, NULL), 0);
        /* CPU 3 online without an id; and thread 3 of the DT then has no CPU. */
        assert_int_equal(c.n_disagreeing, 2);
        assert_int_equal(c.first[0].kind, CPU_UNKNOWN_HW_ID);
        assert_int_equal(c.first[0].cpu, 3);
        assert_int_equal(c.first[1].kind, CPU_STALE_IN_DT);
        assert_int_equal(c.first[1].hw_id, 3);
}

static void test_renumbered(void **state) {
        _cleanup_(dt_cpus_done) DtCpus dt = {};
        _cleanup_(cpu_set_done) CpuSet s = {};
        CpuConsistency c;

        /* After a remove and an add, logical CPUs 8-15 hold core 2's threads. */
        dt_cores(&dt, (const unsigned[]) { 0, 2 }, 2);
        kernel(&s, "0-15\n", "0-15\n");
        for (uint32_t cpu = 8; cpu < 16; cpu++)
                s.hw_ids[cpu] = cpu + 8;
        assert_int_equal(cpu_consistency_check(&dt, &s, NULL, CPU_CONSISTENCY_REPORT_MAX, &c, NULL), 0);
        assert_true(cpu_consistency_ok(&c));
        assert_int_equal(c.n_dt_threads, 16);
}

static void test_kind_names(void **state) {
        assert_string_equal(cpu_disagreement_kind_to_string(CPU_MISSING_IN_DT), "missing-in-dt");
        assert_string_equal(cpu_disagreement_kind_to_string(CPU_NODE_LEAVING), "node-leaving");
        assert_null(cpu_disagreement_kind_to_string(_CPU_DISAGREEMENT_KIND_MAX));
}

static void test_describe(void **state) {
        char buf[160];

        assert_string_equal(cpu_disagreement_describe(&(CpuDisagreement) { CPU_MISSING_IN_DT, 9, 9 }, buf, sizeof(buf)),
                            "CPU 9 (thread 9) is online, but no /cpus node lists its thread");
        assert_non_null(strstr(cpu_disagreement_describe(&(CpuDisagreement) { CPU_NODE_LEAVING, UINT32_MAX, 0x10 },
                                                         buf, sizeof(buf)), "reg 0x10"));
        assert_non_null(strstr(cpu_disagreement_describe(&(CpuDisagreement) { CPU_STALE_IN_DT, UINT32_MAX, 23 },
                                                         buf, sizeof(buf)), "thread 23"));
        assert_non_null(strstr(cpu_disagreement_describe(&(CpuDisagreement) { CPU_UNKNOWN_HW_ID, 3, CPU_HW_ID_NONE },
                                                         buf, sizeof(buf)), "CPU 3"));
        /* Cut short, still a string. */
        assert_int_equal(strlen(cpu_disagreement_describe(&(CpuDisagreement) { CPU_MISSING_IN_DT, 9, 9 }, buf, 8)), 7);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_consistent),
                cmocka_unit_test(test_smt_offline),
                cmocka_unit_test(test_add_in_progress),
                cmocka_unit_test(test_remove_in_progress),
                cmocka_unit_test(test_missing_cpu),
                cmocka_unit_test(test_report_capped),
                cmocka_unit_test(test_unknown_hw_id),
                cmocka_unit_test(test_renumbered),
                cmocka_unit_test(test_kind_names),
                cmocka_unit_test(test_describe),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
