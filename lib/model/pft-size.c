/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc-util.h"
#include "dt-cell.h"
#include "dt-cpu.h"
#include "fileio.h"
#include "pft-size.h"
#include "string-table.h"

int mmu_mode_from_cpuinfo(const char *text, MmuMode *ret, Error *e) {
        unsigned line = 1;

        for (const char *p = text; *p; line++) {
                const char *eol = strchrnul(p, '\n'), *v;
                size_t n;

                /* "MMU\t\t: Hash": the key, blanks, a colon, a blank, the value. */
                if (strncmp(p, "MMU", 3) == 0 && (p[3] == '\t' || p[3] == ' ' || p[3] == ':')) {
                        for (v = p + 3; v < eol && (*v == '\t' || *v == ' '); v++)
                                ;
                        if (v < eol && *v == ':') {
                                for (v++; v < eol && (*v == '\t' || *v == ' '); v++)
                                        ;
                                n = (size_t) (eol - v);
                                if (n == 4 && strncmp(v, "Hash", 4) == 0)
                                        return *ret = MMU_MODE_HASH, 0;
                                if (n == 5 && strncmp(v, "Radix", 5) == 0)
                                        return *ret = MMU_MODE_RADIX, 0;
                                return error_set(e, -EBADMSG, "%s line %u: MMU is neither Hash nor Radix",
                                                 PROC_CPUINFO, line);
                        }
                }
                p = *eol ? eol + 1 : eol;
        }
        *ret = MMU_MODE_UNKNOWN;
        return 0;
}

int hpt_order_parse(const char *text, size_t size, unsigned *ret, Error *e) {
        unsigned v = 0;
        size_t i;

        for (i = 0; i < size && text[i] >= '0' && text[i] <= '9' && i < 3; i++)
                v = v * 10 + (unsigned) (text[i] - '0');
        if (i == 0 || i + 1 != size || text[i] != '\n')
                return error_set(e, -EBADMSG, "%s: expected a decimal number and a newline (byte %zu)",
                                 HPT_ORDER_PATH, i);
        if (v < HPT_ORDER_MIN || v > HPT_ORDER_MAX)
                return error_set(e, -EBADMSG, "%s: order %u outside %u..%u", HPT_ORDER_PATH, v, HPT_ORDER_MIN,
                                 HPT_ORDER_MAX);
        *ret = v;
        return 0;
}

bool hpt_resize_offered(const void *data, size_t size) {
        const char *p = data, *end = p + size;

        while (p < end) {
                size_t n = strnlen(p, (size_t) (end - p));

                if (n == strlen(HYPERTAS_HPT_RESIZE) && memcmp(p, HYPERTAS_HPT_RESIZE, n) == 0)
                        return true;
                p += n + 1;
        }
        return false;
}

static const char *const pft_size_correction_table[_PFT_SIZE_CORRECTION_MAX] = {
        [PFT_SIZE_ABSENT] = "absent",
        [PFT_SIZE_RADIX] = "radix",
        [PFT_SIZE_CURRENT] = "current",
        [PFT_SIZE_CORRECTED] = "corrected",
        [PFT_SIZE_STATIC] = "static",
        [PFT_SIZE_UNKNOWN] = "unknown",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(pft_size_correction, PftSizeCorrection);

void pft_size_done(PftSize *p) {
        for (size_t i = 0; i < p->n_nodes; i++)
                free(p->nodes[i].node);
        free(p->nodes);
        *p = (PftSize) {};
}

/* One /cpus child: 1 and the node added when it is a cpu with the property, 0 when not. */
static int load_node(const char *root, const char *name, PftSize *p, Error *e) {
        _cleanup_free_ char *node = NULL, *path = NULL, *data = NULL;
        size_t size = 0;
        PftSizeNode *nodes;
        int r;

        if (asprintf(&node, "%s/%s", DT_CPUS_NODE, name) < 0 ||
            asprintf(&path, "%s/%s", node, DT_PROP_DEVICE_TYPE) < 0)
                return error_set(e, -ENOMEM, "Out of memory");
        r = read_full_file_root(root, path, 64, &data, &size, NULL);
        if (r < 0 || size != sizeof("cpu") || memcmp(data, "cpu", sizeof("cpu")) != 0)
                return 0;  /* not a cpu (a cache node, or one still being made) */

        free(data);
        data = NULL;
        free(path);
        path = NULL;
        if (asprintf(&path, "%s/%s", node, DT_PROP_PFT_SIZE) < 0)
                return error_set(e, -ENOMEM, "Out of memory");
        r = read_full_file_root(root, path, 64, &data, &size, e);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        if (size != PFT_SIZE_BYTES)
                return error_set(e, -EBADMSG, "%s: %zu bytes, expected two 32-bit cells", path, size);

        nodes = reallocarray(p->nodes, p->n_nodes + 1, sizeof(PftSizeNode));
        if (!nodes)
                return error_set(e, -ENOMEM, "Out of memory");
        p->nodes = nodes;
        p->nodes[p->n_nodes++] = (PftSizeNode) {
                .node = TAKE_PTR(node),
                .cookie = dt_cell32(data),
                .order = dt_cell32(data + 4),
        };
        return 1;
}

static int load_nodes(const char *root, PftSize *p, Error *e) {
        _cleanup_free_ char *dir = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int r;

        if (path_join_root(root, DT_CPUS_NODE, &dir) < 0)
                return error_set(e, -ENOMEM, "Out of memory");
        d = opendir(dir);
        if (!d)
                return errno == ENOENT ? 0 : error_set(e, negative_errno(), "Cannot open %s: %m", dir);
        while ((r = read_dir_entry(d, dir, &de, e)) > 0) {
                if (de->d_name[0] == '.' || de->d_type == DT_REG || de->d_type == DT_LNK)
                        continue;
                r = load_node(root, de->d_name, p, e);
                if (r < 0)
                        return r;
        }
        return r;
}

static int load_order(const char *root, PftSize *p, Error *e) {
        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        int r;

        /* Absent (no debugfs, or not pseries) or refused (lockdown: hpt_order is writable): unknown. */
        r = read_full_file_root(root, HPT_ORDER_PATH, 64, &text, &size, NULL);
        if (r < 0) {
                p->order_error = r;
                return 0;
        }
        r = hpt_order_parse(text, size, &p->order, e);
        if (r < 0)
                return r;
        p->order_known = true;
        return 0;
}

int pft_size_load(const char *root, PftSize *ret, Error *e) {
        _cleanup_free_ char *cpuinfo = NULL, *hypertas = NULL;
        _cleanup_(pft_size_done) PftSize p = {};
        size_t size = 0;
        int r;

        r = load_nodes(root, &p, e);
        if (r < 0)
                return r;
        if (read_full_file_root(root, PROC_CPUINFO, PROC_CPUINFO_MAX, &cpuinfo, NULL, NULL) >= 0) {
                r = mmu_mode_from_cpuinfo(cpuinfo, &p.mmu, e);
                if (r < 0)
                        return r;
        }
        if (read_full_file_root(root, DT_HYPERTAS_FUNCTIONS, 64 * 1024, &hypertas, &size, NULL) >= 0)
                p.resizable = hpt_resize_offered(hypertas, size);
        /* Radix has no HPT: the kernel's hpt_order reads 0 there, no order to parse. */
        if (p.mmu != MMU_MODE_RADIX) {
                r = load_order(root, &p, e);
                if (r < 0)
                        return r;
        }

        for (size_t i = 0; p.order_known && i < p.n_nodes; i++)
                p.n_stale += p.nodes[i].order != p.order;
        p.correction = p.n_nodes == 0 ? PFT_SIZE_ABSENT :
                       p.mmu == MMU_MODE_RADIX ? PFT_SIZE_RADIX :
                       p.order_known ? (p.n_stale > 0 ? PFT_SIZE_CORRECTED : PFT_SIZE_CURRENT) :
                       p.resizable ? PFT_SIZE_UNKNOWN : PFT_SIZE_STATIC;
        *ret = p;
        p = (PftSize) {};
        return 0;
}

void pft_size_value(const PftSize *p, const PftSizeNode *n, uint8_t ret[static PFT_SIZE_BYTES]) {
        dt_cell32_put(ret, n->cookie);
        dt_cell32_put(ret + 4, p->order);
}
