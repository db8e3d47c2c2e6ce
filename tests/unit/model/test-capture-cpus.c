/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <libfdt.h>

#include "capture-cpus.h"
#include "capture-model.h"
#include "fake-cpus.h"
#include "fake-root.h"
#include "fileio.h"

/* An LPAR of SMT-2 cores as pseries boots it: core k is the node with reg 2k listing threads 2k and
 * 2k + 1, the kernel's CPUs 2k and 2k + 1. Cores 0 and 1 at boot; core 2 comes and goes. */
#define SMT 2

typedef struct Fixture {
        char *root;
        CaptureModel model;
        CaptureCpus *cpus;
} Fixture;

static void set_ids(const char *root, unsigned first, unsigned n, int32_t id_base) {
        for (unsigned c = first; c < first + n; c++)
                assert_int_equal(fake_cpus_set_physical_id(root, c, id_base < 0 ? -1 : id_base + (int32_t) (c - first)), 0);
}

static int setup(void **state) {
        Fixture *f = calloc(1, sizeof(*f));

        if (!f || fake_root_create(&f->root) < 0)
                return -1;
        for (unsigned core = 0; core < 2; core++)
                if (fake_cpus_write_core(f->root, core * SMT, SMT) < 0)
                        return -1;
        if (fake_cpus_set_lists(f->root, "0-3\n", "0-3\n") < 0)
                return -1;
        set_ids(f->root, 0, 4, 0);

        capture_model_init(&f->model, f->root);
        if (capture_cpus_new(f->root, &f->cpus) < 0 || capture_model_add(&f->model, &f->cpus->base) < 0)
                return -1;
        *state = f;
        return 0;
}

static int teardown(void **state) {
        Fixture *f = *state;

        capture_model_done(&f->model);
        (void) fake_root_remove(f->root);
        free(f->root);
        free(f);
        return 0;
}

static SettleVerdict evaluate(Fixture *f) {
        SettleVerdict v;

        capture_model_evaluate(&f->model, &v, NULL);
        return v;
}

static void uevent(Fixture *f, CpuAction action, uint32_t cpu) {
        CpuUevent u = { .action = action, .cpu = cpu };

        assert_int_equal(capture_cpus_uevent(f->cpus, &u), 0);
}

static void expect_note(const CaptureModel *m, bool warning, const char *text) {
        for (size_t i = 0; i < m->notes.n_notes; i++)
                if (m->notes.notes[i].warning == warning && strstr(m->notes.notes[i].message, text))
                        return;
        fail_msg("no %s note with \"%s\"; %zu notes, first: \"%s\"", warning ? "warning" : "debug", text,
                 m->notes.n_notes, m->notes.n_notes > 0 ? m->notes.notes[0].message : "");
}

/* Hot-add as the kernel does it: the node appears and its CPUs become present (no uevent), then the
 * single `online` 90-170 ms later. The DT agrees all along; its set id moves with the node. */
static void test_hot_add(void **state) {
        Fixture *f = *state;
        SettleVerdict boot, v;

        boot = evaluate(f);
        assert_true(boot.valid);
        assert_true(boot.consistent);
        assert_int_equal(f->cpus->last_consistent, 1);
        assert_int_equal(f->cpus->cpus.online.n_set, 4);

        assert_int_equal(fake_cpus_write_core(f->root, 2 * SMT, SMT), 0);
        assert_int_equal(fake_cpus_set_lists(f->root, "0-5\n", "0-3\n"), 0);
        set_ids(f->root, 4, 2, 4);
        v = evaluate(f);
        assert_true(v.consistent);
        assert_int_not_equal(v.set_id, boot.set_id);

        assert_int_equal(fake_cpus_set_lists(f->root, "0-5\n", "0-5\n"), 0);
        uevent(f, CPU_ACTION_ONLINE, 4);
        uevent(f, CPU_ACTION_ONLINE, 5);
        v = evaluate(f);
        assert_true(v.consistent);
        assert_int_equal(f->cpus->cpus.online.n_set, 6);
}

/* The bug the CPU input exists for: an online CPU whose thread no node lists (the FDT kexec would
 * load has no node to boot it) keeps the verdict inconsistent, naming the CPU. */
static void test_missing_cpu(void **state) {
        Fixture *f = *state;
        SettleVerdict v;

        assert_true(evaluate(f).consistent);
        assert_int_equal(fake_cpus_set_lists(f->root, "0-5\n", "0-4\n"), 0);
        set_ids(f->root, 4, 2, 4);
        uevent(f, CPU_ACTION_ONLINE, 4);
        v = evaluate(f);
        assert_true(v.valid);
        assert_false(v.consistent);
        assert_int_equal(f->cpus->last_consistent, 0);
        expect_note(&f->model, false, "CPU 4 (thread 4) is online, but no /cpus node lists its thread");

        assert_int_equal(fake_cpus_write_core(f->root, 2 * SMT, SMT), 0);
        assert_true(evaluate(f).consistent);
}

/* Hot-remove: `offline` first, the node goes ~3 ms later, then present and physical_id. While the
 * node is there with all its threads just offlined the DT is not yet the one to load; once it is
 * gone, the set is the boot one again: a roll-back to a set already loaded. */
static void test_hot_remove(void **state) {
        Fixture *f = *state;
        SettleVerdict boot, v;

        assert_int_equal(fake_cpus_write_core(f->root, 2 * SMT, SMT), 0);
        assert_int_equal(fake_cpus_set_lists(f->root, "0-5\n", "0-5\n"), 0);
        set_ids(f->root, 4, 2, 4);
        v = evaluate(f);
        assert_true(v.consistent);

        assert_int_equal(fake_cpus_set_lists(f->root, "0-5\n", "0-3\n"), 0);
        uevent(f, CPU_ACTION_OFFLINE, 4);
        uevent(f, CPU_ACTION_OFFLINE, 5);
        v = evaluate(f);
        assert_true(v.valid);
        assert_false(v.consistent);
        /* Issue 19.8: only until the burst's quiet period ends (the engine's part). */
        assert_true(v.provisional);
        expect_note(&f->model, false, "removal in progress");

        assert_int_equal(fake_cpus_remove_core(f->root, 2 * SMT), 0);
        v = evaluate(f);
        assert_true(v.consistent);

        assert_int_equal(fake_cpus_set_lists(f->root, "0-3\n", "0-3\n"), 0);
        set_ids(f->root, 4, 2, -1);
        boot = evaluate(f);
        assert_true(boot.consistent);
        assert_int_equal(boot.set_id, v.set_id);
}

/* A core offlined on purpose (SMT or ppc64_cpu --cores-on) keeps its node: a provisional
 * disagreement, in the burst that offlined it only; an `online` of the same CPU clears its mark. */
static void test_offlined_burst_end(void **state) {
        Fixture *f = *state;

        assert_true(evaluate(f).consistent);
        assert_int_equal(fake_cpus_set_lists(f->root, "0-3\n", "0-1\n"), 0);
        uevent(f, CPU_ACTION_OFFLINE, 2);
        uevent(f, CPU_ACTION_OFFLINE, 3);
        assert_true(evaluate(f).provisional);
        assert_int_equal(f->cpus->last_consistent, 0);
        capture_cpus_burst_end(f->cpus);
        /* Status says what the same comparison without the marks says, before the next one. */
        assert_int_equal(f->cpus->last_consistent, 1);
        assert_true(evaluate(f).consistent);

        /* Negative control: a leaving node next to a real disagreement is no provisional one. */
        uevent(f, CPU_ACTION_OFFLINE, 2);
        uevent(f, CPU_ACTION_OFFLINE, 3);
        assert_int_equal(fake_cpus_set_physical_id(f->root, 1, 9), 0);
        uevent(f, CPU_ACTION_CHANGE, 1);
        assert_false(evaluate(f).provisional);
        capture_cpus_burst_end(f->cpus);
        assert_int_equal(f->cpus->last_consistent, 0);
        assert_int_equal(fake_cpus_set_physical_id(f->root, 1, 1), 0);
        uevent(f, CPU_ACTION_CHANGE, 1);
        capture_cpus_burst_end(f->cpus);
        assert_true(evaluate(f).consistent);

        uevent(f, CPU_ACTION_OFFLINE, 2);
        uevent(f, CPU_ACTION_OFFLINE, 3);
        assert_false(evaluate(f).consistent);
        assert_int_equal(fake_cpus_set_lists(f->root, "0-3\n", "0-2\n"), 0);
        uevent(f, CPU_ACTION_ONLINE, 2);
        assert_true(evaluate(f).consistent);
}

/* A uevent costs no sysfs read: a thread id is read again only for a CPU a uevent named (or a newly
 * present one). CPU 3's physical_id changes behind the model's back: unseen until its uevent. */
static void test_uevent_forgets(void **state) {
        Fixture *f = *state;

        assert_true(evaluate(f).consistent);
        assert_int_equal(fake_cpus_set_physical_id(f->root, 3, 9), 0);
        assert_true(evaluate(f).consistent);
        assert_int_equal(cpu_set_hw_id(&f->cpus->cpus, 3), 3);

        uevent(f, CPU_ACTION_CHANGE, 3);
        assert_false(evaluate(f).consistent);
        assert_int_equal(cpu_set_hw_id(&f->cpus->cpus, 3), 9);
        expect_note(&f->model, false, "CPU 3 (thread 9)");
}

/* A node read while the kernel was still adding its properties is not noticed by the generation
 * (names and inodes): a CPU uevent has the nodes read again. Here a property changes in place. */
static void test_uevent_rereads_dt(void **state) {
        Fixture *f = *state;
        const uint32_t other[SMT] = { 2, 7 };
        char name[64];

        assert_true(evaluate(f).consistent);
        assert_int_equal(fake_cpus_write_node(f->root, fake_cpus_node_name(2, name, sizeof(name)), 2, other, SMT), 0);
        assert_true(evaluate(f).consistent);  /* the kept nodes: no read */

        uevent(f, CPU_ACTION_ONLINE, 0);
        assert_false(evaluate(f).consistent);
        expect_note(&f->model, false, "CPU 3 (thread 3) is online, but no /cpus node lists its thread");
}

/* capture_model_rescan() reads every thread id afresh and says whether anything changed. */
static void test_rescan_changed(void **state) {
        Fixture *f = *state;
        bool changed = false;

        assert_int_equal(capture_model_rescan(&f->model, &changed, NULL), 0);
        assert_true(changed);
        assert_int_equal(capture_model_rescan(&f->model, &changed, NULL), 0);
        assert_false(changed);
        assert_int_equal(fake_cpus_set_lists(f->root, "0-3\n", "0-2\n"), 0);
        assert_int_equal(capture_model_rescan(&f->model, &changed, NULL), 0);
        assert_true(changed);
        assert_int_equal(capture_model_rescan(&f->model, &changed, NULL), 0);
        assert_false(changed);
        assert_int_equal(fake_cpus_set_physical_id(f->root, 3, 7), 0);
        assert_int_equal(capture_model_rescan(&f->model, &changed, NULL), 0);
        assert_true(changed);
}

/* A corrupt node makes the verdict invalid with a warning naming the property; a kernel CPU list
 * that cannot be read makes it inconsistent with a warning. */
static void test_bad_inputs(void **state) {
        Fixture *f = *state;
        static const uint8_t odd[3] = { 0, 0, 4 };
        SettleVerdict v;
        char name[64];
        char path[256];

        /* A new node (a new /cpus child: a new generation) with an odd-sized thread list. */
        snprintf(path, sizeof(path), DT_CPUS_NODE "/%s/" DT_PROP_INTERRUPT_SERVERS,
                 fake_cpus_node_name(2 * SMT, name, sizeof(name)));
        assert_int_equal(fake_cpus_write_core(f->root, 2 * SMT, SMT), 0);
        assert_int_equal(fake_root_write_file(f->root, path, odd, sizeof(odd)), 0);
        v = evaluate(f);
        assert_false(v.valid);
        expect_note(&f->model, true, "Cannot use the device tree CPU nodes: ");
        expect_note(&f->model, true, DT_PROP_INTERRUPT_SERVERS);

        assert_int_equal(fake_cpus_remove_core(f->root, 2 * SMT), 0);
        assert_true(evaluate(f).consistent);

        assert_int_equal(fake_cpus_set_lists(f->root, "0-3\n", "0-3,x\n"), 0);
        v = evaluate(f);
        assert_true(v.valid);
        assert_false(v.consistent);
        expect_note(&f->model, true, "Cannot read the kernel's CPUs: ");
        assert_int_equal(f->cpus->last_consistent, -1);
}

/* The boot's flattened DT gives the set the live nodes give for the same cores; garbage and a blob
 * without /cpus are errors, not a set. */
static void test_boot_set_id(void **state) {
        Fixture *f = *state;
        char buf[4096], name[64];
        uint64_t id = 0;
        int cpus;

        assert_int_equal(fdt_create_empty_tree(buf, sizeof(buf)), 0);
        assert_int_equal(capture_model_boot_set_id(&f->model, buf, fdt_totalsize(buf), &id, NULL), -ENOENT);
        cpus = fdt_add_subnode(buf, 0, "cpus");
        assert_true(cpus >= 0);
        assert_true(fdt_add_subnode(buf, cpus, "l2-cache@100") >= 0);  /* not a cpu: skipped */
        for (uint32_t reg = 0; reg < 2 * SMT; reg += SMT) {
                fdt32_t cells[SMT] = { cpu_to_fdt32(reg), cpu_to_fdt32(reg + 1) };
                int node = fdt_add_subnode(buf, cpus, fake_cpus_node_name(reg, name, sizeof(name)));

                assert_true(node >= 0);
                assert_int_equal(fdt_setprop_string(buf, node, DT_PROP_DEVICE_TYPE, "cpu"), 0);
                assert_int_equal(fdt_setprop(buf, node, DT_PROP_REG, &cells[0], sizeof(cells[0])), 0);
                assert_int_equal(fdt_setprop(buf, node, DT_PROP_INTERRUPT_SERVERS, cells, sizeof(cells)), 0);
        }
        assert_int_equal(capture_model_boot_set_id(&f->model, buf, fdt_totalsize(buf), &id, NULL), 0);
        assert_int_equal(id, evaluate(f).set_id);

        memset(buf, 0x5a, 64);
        assert_true(capture_model_boot_set_id(&f->model, buf, sizeof(buf), &id, NULL) < 0);
}

/* The daemon follows CPUs only where /cpus has cpu nodes. */
static void test_present(void **state) {
        char *root = *state;
        char name[64];

        assert_int_equal(capture_cpus_present(root, NULL), 0);
        assert_int_equal(fake_root_write_file(root, DT_CPUS_NODE "/#size-cells", "\0\0\0\0", 4), 0);
        assert_int_equal(capture_cpus_present(root, NULL), 0);
        assert_int_equal(fake_cpus_write_core(root, 0, 1), 0);
        assert_int_equal(capture_cpus_present(root, NULL), 1);
        assert_int_equal(fake_cpus_remove_node(root, fake_cpus_node_name(0, name, sizeof(name))), 0);
        assert_int_equal(fake_cpus_write_node(root, "PowerPC,POWER9@0", 0, NULL, 0), 0);
        assert_int_equal(capture_cpus_present(root, NULL), -EBADMSG);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_hot_add, setup, teardown),
                cmocka_unit_test_setup_teardown(test_missing_cpu, setup, teardown),
                cmocka_unit_test_setup_teardown(test_hot_remove, setup, teardown),
                cmocka_unit_test_setup_teardown(test_offlined_burst_end, setup, teardown),
                cmocka_unit_test_setup_teardown(test_uevent_forgets, setup, teardown),
                cmocka_unit_test_setup_teardown(test_uevent_rereads_dt, setup, teardown),
                cmocka_unit_test_setup_teardown(test_rescan_changed, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bad_inputs, setup, teardown),
                cmocka_unit_test_setup_teardown(test_boot_set_id, setup, teardown),
                cmocka_unit_test_setup_teardown(test_present, fake_cpus_root_setup, fake_cpus_root_teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
