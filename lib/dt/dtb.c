/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <libfdt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc-util.h"
#include "dtb.h"
#include "fileio.h"

/* Room for the header, the two nodes and the strings block, beyond the properties' bytes. */
#define DTB_SLACK 4096
#define DTB_PER_PROPERTY 64

int dtb_from_memory_node(const char *root, void **ret, size_t *ret_size, Error *e) {
        _cleanup_closedir_ DIR *d = NULL;
        _cleanup_free_ char *node = NULL;
        _cleanup_free_ void *fdt = NULL;
        size_t capacity = DTB_SLACK;
        struct dirent *de;
        int r;

        r = path_join_root(root, DT_MEMORY_NODE, &node);
        if (r < 0)
                return error_set(e, r, "Out of memory");

        /* Two passes: size first, then write, so the blob is allocated once. */
        d = opendir(node);
        if (!d)
                return error_set(e, negative_errno(), "Cannot open %s: %m", node);
        for (;;) {
                struct stat st;
                char *path;

                r = read_dir_entry(d, node, &de, e);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;

                if (asprintf(&path, "%s/%s", node, de->d_name) < 0)
                        return error_set(e, -ENOMEM, "Out of memory");
                if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
                        capacity += (size_t) st.st_size + strlen(de->d_name) + DTB_PER_PROPERTY;
                free(path);
                if (capacity > DTB_MAX)
                        return error_set(e, -EFBIG, "%s holds more than %zu bytes", node, DTB_MAX);
        }

        fdt = malloc(capacity);
        if (!fdt)
                return error_set(e, -ENOMEM, "Out of memory");

        r = fdt_create(fdt, (int) capacity);
        if (r == 0)
                r = fdt_finish_reservemap(fdt);
        if (r == 0)
                r = fdt_begin_node(fdt, "");
        if (r == 0)
                r = fdt_begin_node(fdt, DTB_MEMORY_NODE_NAME);
        if (r < 0)
                return error_set(e, -EIO, "Cannot build the device tree blob: %s", fdt_strerror(r));

        rewinddir(d);
        for (;;) {
                _cleanup_free_ char *data = NULL;
                struct stat st;
                size_t size;
                char *path;
                bool regular;

                r = read_dir_entry(d, node, &de, e);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;

                if (strcmp(de->d_name, "name") == 0 || de->d_name[0] == '.')
                        continue;
                if (asprintf(&path, "%s/%s", node, de->d_name) < 0)
                        return error_set(e, -ENOMEM, "Out of memory");
                regular = stat(path, &st) == 0 && S_ISREG(st.st_mode);
                free(path);
                if (!regular)
                        continue;

                r = read_full_file_root(node, de->d_name, DT_MEMORY_PROPERTY_MAX, &data, &size, e);
                if (r < 0)
                        return r;
                r = fdt_property(fdt, de->d_name, data, (int) size);
                if (r < 0)
                        /* The file grew between the passes: the kernel replaced it meanwhile. */
                        return error_set(e, -EAGAIN, "Cannot add %s to the device tree blob: %s",
                                         de->d_name, fdt_strerror(r));
        }

        r = fdt_end_node(fdt);
        if (r == 0)
                r = fdt_end_node(fdt);
        if (r == 0)
                r = fdt_finish(fdt);
        if (r < 0)
                return error_set(e, -EIO, "Cannot finish the device tree blob: %s", fdt_strerror(r));

        *ret_size = fdt_totalsize(fdt);
        *ret = TAKE_PTR(fdt);
        return 0;
}

typedef struct FdtProbe {
        const void *blob;
        int node;
        const void *prop;
        int prop_len;
} FdtProbe;

static int fdt_probe(DtFormat format, const char *property, void *userdata) {
        FdtProbe *p = userdata;

        p->prop = fdt_getprop(p->blob, p->node, property, &p->prop_len);
        return p->prop ? 0 : -ENOENT;
}

int dt_memory_from_dtb(const void *blob, size_t size, DtMemory *ret, Error *e) {
        const void *lmb;
        int node, lmb_len, r;
        FdtProbe probe;
        DtFormat format;

        *ret = (DtMemory) {};

        if (size > DTB_MAX)
                return error_set(e, -EBADMSG, "device tree blob of %zu bytes is larger than %zu", size, DTB_MAX);
        r = fdt_check_full(blob, size);
        if (r < 0)
                return error_set(e, -EBADMSG, "not a valid device tree blob: %s", fdt_strerror(r));

        node = fdt_path_offset(blob, DTB_MEMORY_NODE_PATH);
        if (node < 0)
                return error_set(e, -ENOENT, "device tree blob has no %s node", DTB_MEMORY_NODE_PATH);

        lmb = fdt_getprop(blob, node, DT_PROP_LMB_SIZE, &lmb_len);
        if (!lmb)
                return error_set(e, -EBADMSG, "device tree blob: %s has no %s", DTB_MEMORY_NODE_PATH, DT_PROP_LMB_SIZE);

        probe = (FdtProbe) { .blob = blob, .node = node };
        if (dt_memory_find_property(fdt_probe, &probe, &format) < 0)
                return error_set(e, -EBADMSG, "device tree blob: %s has neither %s nor %s", DTB_MEMORY_NODE_PATH,
                                 DT_PROP_DYNAMIC_MEMORY_V2, DT_PROP_DYNAMIC_MEMORY);

        return dt_memory_parse(format, lmb, (size_t) lmb_len, probe.prop, (size_t) probe.prop_len, ret, e);
}

int dt_cpus_from_dtb(const void *blob, size_t size, DtCpus *ret, Error *e) {
        DtCpus c = {};
        int cpus, node, r;

        *ret = (DtCpus) {};

        if (size > DTB_MAX)
                return error_set(e, -EBADMSG, "device tree blob of %zu bytes is larger than %zu", size, DTB_MAX);
        r = fdt_check_full(blob, size);
        if (r < 0)
                return error_set(e, -EBADMSG, "not a valid device tree blob: %s", fdt_strerror(r));

        cpus = fdt_path_offset(blob, "/cpus");
        if (cpus < 0)
                return error_set(e, -ENOENT, "device tree blob has no /cpus node");

        fdt_for_each_subnode(node, blob, cpus) {
                const char *name = fdt_get_name(blob, node, NULL);
                const void *type, *reg, *servers;
                int type_len, reg_len = 0, servers_len = 0;

                /* As dt_cpus_load(): only nodes whose device_type is "cpu". */
                type = fdt_getprop(blob, node, DT_PROP_DEVICE_TYPE, &type_len);
                if (!type || type_len != sizeof("cpu") || memcmp(type, "cpu", sizeof("cpu")) != 0)
                        continue;
                reg = fdt_getprop(blob, node, DT_PROP_REG, &reg_len);
                servers = fdt_getprop(blob, node, DT_PROP_INTERRUPT_SERVERS, &servers_len);
                r = dt_cpus_add_node(&c, name ?: "?", reg, reg ? (size_t) reg_len : 0, servers,
                                     servers ? (size_t) servers_len : 0, e);
                if (r < 0)
                        goto fail;
        }
        if (node < 0 && node != -FDT_ERR_NOTFOUND) {
                r = error_set(e, -EBADMSG, "device tree blob: cannot walk /cpus: %s", fdt_strerror(node));
                goto fail;
        }
        r = dt_cpus_finish(&c, e);
        if (r < 0)
                goto fail;
        *ret = c;
        return 0;

fail:
        dt_cpus_done(&c);
        return r;
}
