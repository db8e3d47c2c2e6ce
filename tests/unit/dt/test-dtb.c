/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <libfdt.h>

#include "alloc-util.h"
#include "dt-blob.h"
#include "dtb.h"
#include "fake-root.h"

#define LMB (256ULL << 20)

static int setup(void **state) {
        char *root;
        Blob b = {};
        const TestLmbSet sets[] = {
                { 8, 0, 0xa0 },
                { 4, 8 * LMB, 0x8 },
                { 4, 12 * LMB, 0x0 },
        };

        if (fake_root_create(&root) < 0)
                return -1;
        dt_blob_v2(&b, sets, 3);
        if (fake_root_write_dt(root, LMB, DT_FORMAT_V2, &b) < 0 ||
            fake_root_write_file(root, DT_MEMORY_NODE "/name", "ibm,dynamic-reconfiguration-memory", 35) < 0 ||
            fake_root_write_file(root, DT_MEMORY_NODE "/ibm,memory-flags-mask", "\0\0\0\xff", 4) < 0)
                return -1;
        blob_done(&b);
        *state = root;
        return 0;
}

static int teardown(void **state) {
        fake_root_remove(*state);
        free(*state);
        return 0;
}

static void test_round_trip(void **state) {
        const char *root = *state;
        _cleanup_(dt_memory_done) DtMemory live = {}, back = {};
        _cleanup_free_ void *blob = NULL;
        const void *p;
        size_t size;
        Error e = {};
        int node, len;

        assert_int_equal(dtb_from_memory_node(root, &blob, &size, &e), 0);
        assert_int_equal(fdt_check_full(blob, size), 0);
        node = fdt_path_offset(blob, DTB_MEMORY_NODE_PATH);
        assert_true(node >= 0);
        /* Every property file, but "name", which is the node's own name. */
        assert_non_null(fdt_getprop(blob, node, "ibm,memory-flags-mask", &len));
        assert_int_equal(len, 4);
        assert_null(fdt_getprop(blob, node, "name", &len));
        p = fdt_getprop(blob, node, DT_PROP_DYNAMIC_MEMORY_V2, &len);
        assert_non_null(p);
        assert_int_equal(len, 4 + 3 * 24);

        assert_int_equal(dt_memory_load(root, &live, &e), 0);
        assert_int_equal(dt_memory_from_dtb(blob, size, &back, &e), 0);
        assert_int_equal(back.set_id, live.set_id);
        assert_int_equal(back.n_present, 4);
        assert_int_equal(back.n_reserved, 8);
}

static void test_bad_blobs(void **state) {
        const char *root = *state;
        _cleanup_free_ void *blob = NULL;
        DtMemory m = {};
        size_t size;
        Error e = {};
        void *copy;

        assert_int_equal(dt_memory_from_dtb("nonsense", 8, &m, &e), -EBADMSG);
        assert_non_null(strstr(e.message, "not a valid device tree blob"));

        assert_int_equal(dtb_from_memory_node(root, &blob, &size, &e), 0);
        /* Truncated: libfdt's full check catches it before anything is read. */
        assert_int_equal(dt_memory_from_dtb(blob, size / 2, &m, &e), -EBADMSG);

        /* A valid blob without the memory node. */
        assert_non_null(copy = malloc(size));
        assert_int_equal(fdt_create_empty_tree(copy, (int) size), 0);
        assert_int_equal(dt_memory_from_dtb(copy, size, &m, &e), -ENOENT);
        assert_non_null(strstr(e.message, DTB_MEMORY_NODE_PATH));

        /* The node, without the properties. */
        assert_true(fdt_add_subnode(copy, 0, DTB_MEMORY_NODE_NAME) >= 0);
        assert_int_equal(dt_memory_from_dtb(copy, size, &m, &e), -EBADMSG);
        assert_non_null(strstr(e.message, DT_PROP_LMB_SIZE));
        free(copy);
}

static void test_missing_node(void **state) {
        _cleanup_free_ char *empty = NULL;
        void *blob = NULL;
        size_t size;
        Error e = {};

        assert_int_equal(fake_root_create(&empty), 0);
        assert_true(dtb_from_memory_node(empty, &blob, &size, &e) < 0);
        assert_non_null(strstr(e.message, "ibm,dynamic-reconfiguration-memory"));
        assert_null(blob);
        fake_root_remove(empty);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_round_trip),
                cmocka_unit_test(test_bad_blobs),
                cmocka_unit_test(test_missing_node),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
