/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc-util.h"
#include "cpu-set.h"
#include "dt-blob.h"
#include "dt-cpu.h"
#include "fake-cpus.h"
#include "fake-root.h"
#include "fileio.h"
#include "macro.h"

const char *fake_cpus_node_name(uint32_t reg, char *buf, size_t size) {
        snprintf(buf, size, "PowerPC,POWER9@%" PRIx32, reg);
        return buf;
}

static int write_prop(const char *root, const char *node, const char *prop, const void *data, size_t size) {
        _cleanup_free_ char *path = NULL;

        if (asprintf(&path, DT_CPUS_NODE "/%s/%s", node, prop) < 0)
                return -ENOMEM;
        return fake_root_write_file(root, path, data, size);
}

int fake_cpus_write_node(const char *root, const char *name, uint32_t reg, const uint32_t *threads, size_t n) {
        Blob b = {};
        int r;

        r = write_prop(root, name, DT_PROP_DEVICE_TYPE, "cpu", sizeof("cpu"));
        if (r < 0)
                return r;
        blob_put32(&b, reg);
        r = write_prop(root, name, DT_PROP_REG, b.data, b.size);
        blob_done(&b);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++)
                blob_put32(&b, threads[i]);
        r = write_prop(root, name, DT_PROP_INTERRUPT_SERVERS, b.data, b.size);
        blob_done(&b);
        return r;
}

int fake_cpus_write_core(const char *root, uint32_t reg, unsigned smt) {
        uint32_t threads[DT_CPU_THREADS_MAX];
        char name[64];

        assert(smt <= DT_CPU_THREADS_MAX);
        for (unsigned i = 0; i < smt; i++)
                threads[i] = reg + i;
        return fake_cpus_write_node(root, fake_cpus_node_name(reg, name, sizeof(name)), reg, threads, smt);
}

int fake_cpus_remove_node(const char *root, const char *name) {
        _cleanup_free_ char *path = NULL, *full = NULL;
        int r;

        if (asprintf(&path, DT_CPUS_NODE "/%s", name) < 0)
                return -ENOMEM;
        r = path_join_root(root, path, &full);
        if (r < 0)
                return r;
        return fake_root_remove(full);
}

int fake_cpus_remove_core(const char *root, uint32_t reg) {
        char name[64];

        return fake_cpus_remove_node(root, fake_cpus_node_name(reg, name, sizeof(name)));
}

int fake_cpus_set_lists(const char *root, const char *present, const char *online) {
        int r;

        r = fake_root_write_file(root, CPU_SYSFS_DIR "/present", present, strlen(present));
        if (r < 0)
                return r;
        return fake_root_write_file(root, CPU_SYSFS_DIR "/online", online, strlen(online));
}

int fake_cpus_set_physical_id(const char *root, uint32_t cpu, int32_t hw_id) {
        char path[sizeof(CPU_SYSFS_DIR) + 64], text[32];
        int l;

        snprintf(path, sizeof(path), CPU_SYSFS_DIR "/cpu%" PRIu32 "/physical_id", cpu);
        l = snprintf(text, sizeof(text), "%" PRId32 "\n", hw_id);
        return fake_root_write_file(root, path, text, (size_t) l);
}

int fake_cpus_root_setup(void **state) {
        char *root;

        if (fake_root_create(&root) < 0)
                return -1;
        *state = root;
        return 0;
}

int fake_cpus_root_teardown(void **state) {
        int r = fake_root_remove(*state);

        free(*state);
        return r < 0 ? -1 : 0;
}
