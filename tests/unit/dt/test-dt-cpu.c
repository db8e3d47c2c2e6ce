/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "alloc-util.h"
#include "dt-blob.h"
#include "dt-cpu.h"
#include "fake-cpus.h"
#include "fake-root.h"
#include "fileio.h"
#include "macro.h"

#define _cleanup_dt_cpus_ _cleanup_(dt_cpus_done)

static void blob_donep(Blob *b) {
        blob_done(b);
}
#define _cleanup_blob_ _cleanup_(blob_donep)

/* Malformed input: -EBADMSG and a message naming the node, the property and a byte offset. */
static void assert_bad(int r, const Error *e, const char *node, const char *property, const char *detail) {
        assert_int_equal(r, -EBADMSG);
        if (!strstr(e->message, node))
                fail_msg("message does not name node %s: %s", node, e->message);
        if (!strstr(e->message, property))
                fail_msg("message does not name property %s: %s", property, e->message);
        if (!strstr(e->message, "byte"))
                fail_msg("message names no byte offset: %s", e->message);
        if (detail && !strstr(e->message, detail))
                fail_msg("message lacks \"%s\": %s", detail, e->message);
}

/* A missing property: nothing to give an offset in. */
static void assert_missing(int r, const Error *e, const char *node, const char *property) {
        assert_int_equal(r, -EBADMSG);
        if (!strstr(e->message, node) || !strstr(e->message, property) || !strstr(e->message, "no "))
                fail_msg("message does not say %s of %s is missing: %s", property, node, e->message);
}

static void cells(Blob *b, const uint32_t *v, size_t n) {
        for (size_t i = 0; i < n; i++)
                blob_put32(b, v[i]);
}

/* --- ibm,ppc-interrupt-server#s ----------------------------------------------------------------- */

static void test_servers_smt8(void **state) {
        const uint32_t want[] = { 8, 9, 10, 11, 12, 13, 14, 15 };
        _cleanup_blob_ Blob b = {};
        uint32_t got[DT_CPU_THREADS_MAX];
        Error e = {};

        cells(&b, want, ELEMENTSOF(want));
        assert_int_equal(dt_cpu_parse_interrupt_servers("PowerPC,POWER9@8", b.data, b.size, got, &e), 8);
        assert_memory_equal(got, want, sizeof(want));
}

static void test_servers_unaligned(void **state) {
        const uint32_t want[] = { 0x12345678, 0x9abcdef0, 0xffffffff };
        _cleanup_blob_ Blob b = {};
        uint32_t got[DT_CPU_THREADS_MAX];
        uint8_t *odd;

        /* Properties come at any address: read through memcpy, as big-endian. */
        cells(&b, want, ELEMENTSOF(want));
        odd = malloc(b.size + 1);
        assert_non_null(odd);
        memcpy(odd + 1, b.data, b.size);
        assert_int_equal(dt_cpu_parse_interrupt_servers("n", odd + 1, b.size, got, NULL), 3);
        assert_memory_equal(got, want, sizeof(want));
        free(odd);
}

static void test_servers_bounds(void **state) {
        _cleanup_blob_ Blob b = {};
        uint32_t got[DT_CPU_THREADS_MAX];
        Error e = {};

        for (uint32_t i = 0; i < DT_CPU_THREADS_MAX; i++)
                blob_put32(&b, 1000 + i);
        assert_int_equal(dt_cpu_parse_interrupt_servers("n@3e8", b.data, b.size, got, &e), DT_CPU_THREADS_MAX);
        assert_int_equal(got[DT_CPU_THREADS_MAX - 1], 1000 + DT_CPU_THREADS_MAX - 1);

        blob_put32(&b, 7);
        assert_bad(dt_cpu_parse_interrupt_servers("n@3e8", b.data, b.size, got, &e), &e,
                   "n@3e8", DT_PROP_INTERRUPT_SERVERS, "more than 64");
}

static void test_servers_malformed(void **state) {
        const uint32_t two[] = { 4, 5 };
        const uint32_t dup[] = { 4, 5, 6, 5 };
        _cleanup_blob_ Blob b = {}, d = {};
        uint32_t got[DT_CPU_THREADS_MAX];
        Error e = {};

        assert_bad(dt_cpu_parse_interrupt_servers("PowerPC,POWER9@4", NULL, 0, got, &e), &e,
                   "PowerPC,POWER9@4", DT_PROP_INTERRUPT_SERVERS, "empty");

        cells(&b, two, ELEMENTSOF(two));
        for (size_t cut = 1; cut < 4; cut++) {
                assert_bad(dt_cpu_parse_interrupt_servers("PowerPC,POWER9@4", b.data, b.size - cut, got, &e), &e,
                           "PowerPC,POWER9@4", DT_PROP_INTERRUPT_SERVERS, "not a multiple of 4");
                assert_non_null(strstr(e.message, "byte 4"));
        }

        cells(&d, dup, ELEMENTSOF(dup));
        assert_bad(dt_cpu_parse_interrupt_servers("PowerPC,POWER9@4", d.data, d.size, got, &e), &e,
                   "PowerPC,POWER9@4", DT_PROP_INTERRUPT_SERVERS, "at byte 12 repeats the one at byte 4");
}

/* --- building the set --------------------------------------------------------------------------- */

static int add_node(DtCpus *c, const char *name, uint32_t reg, const uint32_t *t, size_t n, Error *e) {
        _cleanup_blob_ Blob r = {}, s = {};

        blob_put32(&r, reg);
        cells(&s, t, n);
        return dt_cpus_add_node(c, name, r.data, r.size, n ? (const void *) s.data : "", s.size, e);
}

static uint64_t set_id_of(const uint32_t *const *nodes, const size_t *sizes, size_t n) {
        _cleanup_dt_cpus_ DtCpus c = {};

        for (size_t i = 0; i < n; i++)
                assert_int_equal(add_node(&c, "n", nodes[i][0], nodes[i], sizes[i], NULL), 0);
        assert_int_equal(dt_cpus_finish(&c, NULL), 0);
        assert_int_not_equal(c.set_id, CPU_SET_ID_UNKNOWN);
        return c.set_id;
}

static void test_build_sorted(void **state) {
        const uint32_t core8[] = { 8, 9, 10, 11 }, core0[] = { 0, 1, 2, 3 }, odd[] = { 21, 20 };
        _cleanup_dt_cpus_ DtCpus c = {};
        Error e = {};

        assert_int_equal(add_node(&c, "PowerPC,POWER9@8", 8, core8, 4, &e), 0);
        assert_int_equal(add_node(&c, "PowerPC,POWER9@14", 20, odd, 2, &e), 0);
        assert_int_equal(add_node(&c, "PowerPC,POWER9@0", 0, core0, 4, &e), 0);
        assert_int_equal(dt_cpus_finish(&c, &e), 0);

        assert_int_equal(c.n_nodes, 3);
        assert_int_equal(c.nodes[0].reg, 0);
        assert_int_equal(c.nodes[1].reg, 8);
        assert_int_equal(c.nodes[2].reg, 20);
        assert_int_equal(c.nodes[2].n_threads, 2);
        /* A node keeps its property's order; the whole set is sorted. */
        assert_int_equal(c.node_threads[c.nodes[2].first], 21);
        assert_int_equal(c.n_threads, 10);
        for (size_t i = 1; i < c.n_threads; i++)
                assert_true(c.threads[i - 1] < c.threads[i]);
        assert_int_equal(c.threads[0], 0);
        assert_int_equal(c.threads[9], 21);
}

static void test_set_id(void **state) {
        const uint32_t a[] = { 0, 1, 2, 3 }, b[] = { 4, 5, 6, 7 }, ab[] = { 0, 1, 2, 3, 4, 5, 6, 7 };
        const uint32_t b2[] = { 4, 5, 6, 8 };
        const uint32_t *const two[] = { a, b }, *const swapped[] = { b, a }, *const one[] = { ab };
        const uint32_t *const other[] = { a, b2 }, *const only_a[] = { a };
        const size_t s44[] = { 4, 4 }, s8[] = { 8 }, s4[] = { 4 };
        uint64_t id = set_id_of(two, s44, 2);

        /* The set of threads, not how nodes split or order them. */
        assert_int_equal(set_id_of(swapped, s44, 2), id);
        assert_int_equal(set_id_of(one, s8, 1), id);
        assert_int_not_equal(set_id_of(other, s44, 2), id);
        assert_int_not_equal(set_id_of(only_a, s4, 1), id);
        assert_int_not_equal(set_id_of(NULL, NULL, 0), id);
}

/* Sets of as many threads are told apart by which threads they are: a core at another id, and
 * threads with the same count, sum and xor ({0, 3, 5, 6} against {1, 2, 4, 7}). */
static void test_set_id_same_count(void **state) {
        const uint32_t a[] = { 0, 1, 2, 3 }, shifted[] = { 8, 9, 10, 11 };
        const uint32_t even[] = { 0, 3, 5, 6 }, odd[] = { 1, 2, 4, 7 };
        const uint32_t *const na[] = { a }, *const nshifted[] = { shifted };
        const uint32_t *const neven[] = { even }, *const nodd[] = { odd };
        const size_t s4[] = { 4 };

        assert_int_not_equal(set_id_of(na, s4, 1), set_id_of(nshifted, s4, 1));
        assert_int_not_equal(set_id_of(neven, s4, 1), set_id_of(nodd, s4, 1));
}

static void test_build_errors(void **state) {
        const uint32_t a[] = { 0, 1 }, b[] = { 2, 1 };
        _cleanup_dt_cpus_ DtCpus c = {};
        _cleanup_blob_ Blob r = {}, s = {};
        Error e = {};

        blob_put32(&r, 0);
        cells(&s, a, 2);
        assert_missing(dt_cpus_add_node(&c, "PowerPC,POWER9@0", NULL, 0, s.data, s.size, &e), &e,
                       "PowerPC,POWER9@0", "reg");
        assert_bad(dt_cpus_add_node(&c, "PowerPC,POWER9@0", s.data, 8, s.data, s.size, &e), &e,
                   "PowerPC,POWER9@0", "reg", "exactly 4");
        assert_missing(dt_cpus_add_node(&c, "PowerPC,POWER9@0", r.data, r.size, NULL, 0, &e), &e,
                       "PowerPC,POWER9@0", DT_PROP_INTERRUPT_SERVERS);
        /* Nothing was added by the failures. */
        assert_int_equal(c.n_nodes, 0);
        assert_int_equal(c.n_threads, 0);

        assert_int_equal(add_node(&c, "PowerPC,POWER9@0", 0, a, 2, &e), 0);
        assert_int_equal(add_node(&c, "PowerPC,POWER9@2", 2, b, 2, &e), 0);
        assert_int_equal(dt_cpus_finish(&c, &e), -EBADMSG);
        assert_non_null(strstr(e.message, "thread id 1 is listed by the nodes with reg 0x0 and 0x2"));
}

static void test_too_many_nodes(void **state) {
        _cleanup_dt_cpus_ DtCpus c = {};
        Error e = {};

        for (uint32_t i = 0; i < DT_CPU_NODES_MAX; i++)
                assert_int_equal(add_node(&c, "n", i, &i, 1, &e), 0);
        assert_int_equal(add_node(&c, "PowerPC,POWER9@last", DT_CPU_NODES_MAX, (const uint32_t[]) { DT_CPU_NODES_MAX }, 1, &e), -E2BIG);
        assert_non_null(strstr(e.message, "PowerPC,POWER9@last: more than 16384 cpu nodes"));
        assert_int_equal(dt_cpus_finish(&c, &e), 0);
        assert_int_equal(c.n_threads, DT_CPU_NODES_MAX);
}

/* --- reading /cpus ------------------------------------------------------------------------------ */

static void write_text(const char *root, const char *path, const char *text, size_t size) {
        assert_int_equal(fake_root_write_file(root, path, text, size), 0);
}

static void test_load_pseries(void **state) {
        const char *root = *state;
        _cleanup_dt_cpus_ DtCpus c = {};
        Error e = {};

        /* Two SMT-8 cores, an SMT-1 core, and what else /cpus holds. */
        assert_int_equal(fake_cpus_write_core(root, 0, 8), 0);
        assert_int_equal(fake_cpus_write_core(root, 8, 8), 0);
        assert_int_equal(fake_cpus_write_core(root, 0x20, 1), 0);
        write_text(root, DT_CPUS_NODE "/#address-cells", "\0\0\0\1", 4);
        write_text(root, DT_CPUS_NODE "/l2-cache@2010/device_type", "cache", sizeof("cache"));
        write_text(root, DT_CPUS_NODE "/l2-cache@2010/" DT_PROP_INTERRUPT_SERVERS, "x", 1);
        write_text(root, DT_CPUS_NODE "/no-type@5/reg", "\0\0\0\5", 4);
        write_text(root, DT_CPUS_NODE "/cpu-ish@6/device_type", "cpu", 3);       /* no NUL: not "cpu" */
        write_text(root, DT_CPUS_NODE "/cpu-ish@7/device_type", "cpux", 5);

        assert_int_equal(dt_cpus_load(root, &c, &e), 0);
        assert_int_equal(c.n_nodes, 3);
        assert_int_equal(c.n_threads, 17);
        assert_int_equal(c.threads[15], 15);
        assert_int_equal(c.threads[16], 0x20);
        assert_int_not_equal(c.set_id, CPU_SET_ID_UNKNOWN);
}

static void test_load_empty_and_missing(void **state) {
        const char *root = *state;
        _cleanup_dt_cpus_ DtCpus c = {};
        Error e = {};

        assert_int_equal(dt_cpus_load(root, &c, &e), -ENOENT);
        assert_non_null(strstr(e.message, "cpus does not exist"));

        write_text(root, DT_CPUS_NODE "/#size-cells", "\0\0\0\0", 4);
        assert_int_equal(dt_cpus_load(root, &c, &e), 0);
        assert_int_equal(c.n_nodes, 0);
        assert_int_not_equal(c.set_id, CPU_SET_ID_UNKNOWN);
}

static int unlink_prop(const char *root) {
        _cleanup_free_ char *p = NULL;
        int r = path_join_root(root, DT_CPUS_NODE "/PowerPC,POWER9@4/" DT_PROP_INTERRUPT_SERVERS, &p);

        if (r < 0)
                return r;
        return unlink(p) < 0 ? -errno : 0;
}

static void test_load_malformed(void **state) {
        const char *root = *state;
        const uint32_t t[] = { 4, 5 };
        _cleanup_dt_cpus_ DtCpus c = {};
        _cleanup_blob_ Blob big = {};
        Error e = {};

        assert_int_equal(fake_cpus_write_core(root, 0, 4), 0);
        assert_int_equal(fake_cpus_write_node(root, "PowerPC,POWER9@4", 4, t, 2), 0);

        /* Odd length. */
        write_text(root, DT_CPUS_NODE "/PowerPC,POWER9@4/" DT_PROP_INTERRUPT_SERVERS, "\0\0\0\4\0\0", 6);
        assert_bad(dt_cpus_load(root, &c, &e), &e, "PowerPC,POWER9@4", DT_PROP_INTERRUPT_SERVERS, "byte 4");
        /* Empty. */
        write_text(root, DT_CPUS_NODE "/PowerPC,POWER9@4/" DT_PROP_INTERRUPT_SERVERS, "", 0);
        assert_bad(dt_cpus_load(root, &c, &e), &e, "PowerPC,POWER9@4", DT_PROP_INTERRUPT_SERVERS, "empty");
        /* Far too long: refused by its size, never read whole. */
        for (int i = 0; i < 4096; i++)
                blob_put32(&big, (uint32_t) i + 100);
        write_text(root, DT_CPUS_NODE "/PowerPC,POWER9@4/" DT_PROP_INTERRUPT_SERVERS, (const char *) big.data, big.size);
        assert_int_equal(dt_cpus_load(root, &c, &e), -EBADMSG);
        assert_non_null(strstr(e.message, "PowerPC,POWER9@4"));
        assert_non_null(strstr(e.message, "larger than"));
        assert_non_null(strstr(e.message, "byte"));
        /* Missing. */
        assert_int_equal(unlink_prop(root), 0);
        assert_missing(dt_cpus_load(root, &c, &e), &e, "PowerPC,POWER9@4", DT_PROP_INTERRUPT_SERVERS);
        assert_null(c.nodes);
}

static void test_generation(void **state) {
        const char *root = *state;
        uint64_t g0, g1, g2, g3, g4;
        _cleanup_free_ char *old = NULL, *tmp = NULL;

        assert_int_equal(dt_cpus_generation(root, NULL, &g0), -ENOENT);
        assert_int_equal(g0, 0);

        assert_int_equal(fake_cpus_write_core(root, 0, 8), 0);
        assert_int_equal(dt_cpus_generation(root, NULL, &g0), 0);
        assert_int_not_equal(g0, 0);
        assert_int_equal(dt_cpus_generation(root, NULL, &g1), 0);
        assert_int_equal(g1, g0);

        /* Hot-add: a node appears. */
        assert_int_equal(fake_cpus_write_core(root, 8, 8), 0);
        assert_int_equal(dt_cpus_generation(root, NULL, &g2), 0);
        assert_int_not_equal(g2, g1);

        /* Hot-remove, then the same core back: same names as before, new inode. The new node is
         * made before the old one goes, so that the file system cannot hand out the old inode. */
        assert_int_equal(fake_cpus_write_node(root, "new", 8, (const uint32_t[]) { 8 }, 1), 0);
        assert_int_equal(fake_cpus_remove_core(root, 8), 0);
        assert_int_equal(dt_cpus_generation(root, NULL, &g3), 0);
        assert_int_not_equal(g3, g2);
        assert_int_equal(path_join_root(root, DT_CPUS_NODE "/new", &tmp), 0);
        assert_int_equal(path_join_root(root, DT_CPUS_NODE "/PowerPC,POWER9@8", &old), 0);
        assert_int_equal(rename(tmp, old), 0);
        assert_int_equal(dt_cpus_generation(root, NULL, &g4), 0);
        assert_int_not_equal(g4, g2);
        assert_int_not_equal(g4, g3);
        assert_int_not_equal(g4, g1);

        assert_int_equal(fake_cpus_remove_core(root, 8), 0);
        assert_int_equal(dt_cpus_generation(root, NULL, &g4), 0);
        assert_int_equal(g4, g1);
}

/* Issue 19.13: the kernel creates a node's directory, then its properties one by one. A poll that
 * caught the node half-made (skipped without device_type, refused without reg or servers) must see
 * the generation move once the properties are all there, or the node is never read again. */
static void test_generation_half_created(void **state) {
        const char *root = *state;
        _cleanup_free_ char *dir = NULL;
        _cleanup_dt_cpus_ DtCpus c = {};
        uint64_t g_bare, g_type, g_reg, g_all, again;
        Error e = {};

        assert_int_equal(fake_cpus_write_core(root, 0, 8), 0);
        assert_int_equal(path_join_root(root, DT_CPUS_NODE "/PowerPC,POWER9@8", &dir), 0);
        assert_int_equal(mkdir(dir, 0755), 0);
        assert_int_equal(dt_cpus_generation(root, NULL, &g_bare), 0);

        assert_int_equal(fake_root_write_file(root, DT_CPUS_NODE "/PowerPC,POWER9@8/" DT_PROP_DEVICE_TYPE, "cpu", 4), 0);
        assert_int_equal(dt_cpus_generation(root, NULL, &g_type), 0);
        assert_int_not_equal(g_type, g_bare);

        /* Refused while its servers are missing; with them the generation moves. */
        assert_int_equal(fake_root_write_file(root, DT_CPUS_NODE "/PowerPC,POWER9@8/" DT_PROP_REG, "\0\0\0\x08", 4), 0);
        assert_int_equal(dt_cpus_load(root, &c, &e), -EBADMSG);
        assert_int_equal(dt_cpus_generation(root, NULL, &g_reg), 0);
        assert_int_equal(fake_cpus_write_core(root, 8, 8), 0);
        assert_int_equal(dt_cpus_generation(root, NULL, &g_all), 0);
        assert_int_not_equal(g_all, g_reg);
        assert_int_not_equal(g_all, g_type);
        assert_int_not_equal(g_all, g_bare);

        /* Negative control: once whole, it stays put. */
        assert_int_equal(dt_cpus_generation(root, NULL, &again), 0);
        assert_int_equal(again, g_all);
}

/* A poll with the nodes a load saw complete gives the value of a full look, without looking at
 * their properties: a cache node (typed, no servers) and a bare directory next to the cores. */
static void test_generation_known(void **state) {
        const char *root = *state;
        _cleanup_free_ char *bare = NULL, *servers = NULL;
        _cleanup_dt_cpus_ DtCpus c = {}, empty = {};
        uint64_t full, known, after;
        Error e = {};

        assert_int_equal(fake_cpus_write_core(root, 0, 8), 0);
        assert_int_equal(fake_cpus_write_core(root, 8, 8), 0);
        assert_int_equal(fake_root_write_file(root, DT_CPUS_NODE "/l2-cache@2010/" DT_PROP_DEVICE_TYPE, "cache", 6), 0);
        assert_int_equal(fake_root_write_file(root, DT_CPUS_NODE "/l2-cache@2010/" DT_PROP_REG, "\0\0\x20\x10", 4), 0);
        assert_int_equal(path_join_root(root, DT_CPUS_NODE "/PowerPC,POWER9@10", &bare), 0);
        assert_int_equal(mkdir(bare, 0755), 0);

        assert_int_equal(dt_cpus_load(root, &c, &e), 0);
        assert_int_equal(c.n_nodes, 2);
        assert_int_equal(c.n_seen, 3);  /* the cores and the cache, not the bare node */
        assert_int_equal(dt_cpus_generation(root, NULL, &full), 0);
        assert_int_equal(dt_cpus_generation(root, &c, &known), 0);
        assert_int_equal(known, full);
        assert_int_equal(dt_cpus_generation(root, &empty, &known), 0);
        assert_int_equal(known, full);

        /* The bare node is still looked at through the known set. */
        assert_int_equal(fake_cpus_write_core(root, 0x10, 8), 0);
        assert_int_equal(dt_cpus_generation(root, &c, &after), 0);
        assert_int_not_equal(after, full);

        /* What it trusts is what is there: a known node's servers gone (never by the kernel) go
         * unseen, the price of not looking. */
        assert_int_equal(path_join_root(root, DT_CPUS_NODE "/PowerPC,POWER9@8/" DT_PROP_INTERRUPT_SERVERS, &servers), 0);
        assert_int_equal(unlink(servers), 0);
        assert_int_equal(dt_cpus_generation(root, &c, &known), 0);
        assert_int_equal(known, after);
        assert_int_equal(dt_cpus_generation(root, NULL, &full), 0);
        assert_int_not_equal(full, after);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_servers_smt8),
                cmocka_unit_test(test_servers_unaligned),
                cmocka_unit_test(test_servers_bounds),
                cmocka_unit_test(test_servers_malformed),
                cmocka_unit_test(test_build_sorted),
                cmocka_unit_test(test_set_id),
                cmocka_unit_test(test_set_id_same_count),
                cmocka_unit_test(test_build_errors),
                cmocka_unit_test(test_too_many_nodes),
                cmocka_unit_test_setup_teardown(test_load_pseries, fake_cpus_root_setup, fake_cpus_root_teardown),
                cmocka_unit_test_setup_teardown(test_load_empty_and_missing, fake_cpus_root_setup, fake_cpus_root_teardown),
                cmocka_unit_test_setup_teardown(test_load_malformed, fake_cpus_root_setup, fake_cpus_root_teardown),
                cmocka_unit_test_setup_teardown(test_generation, fake_cpus_root_setup, fake_cpus_root_teardown),
                cmocka_unit_test_setup_teardown(test_generation_half_created, fake_cpus_root_setup, fake_cpus_root_teardown),
                cmocka_unit_test_setup_teardown(test_generation_known, fake_cpus_root_setup, fake_cpus_root_teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
