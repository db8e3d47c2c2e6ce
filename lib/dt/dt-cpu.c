/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc-util.h"
#include "dt-cell.h"
#include "dt-cpu.h"
#include "fileio.h"
#include "hash.h"
#include "macro.h"

#define CELL_SIZE 4
/* device_type is "cpu\0"; anything much longer is not a cpu node and not worth reading. */
#define DEVICE_TYPE_FILE_MAX ((size_t) 64)
#define REG_FILE_MAX ((size_t) 64)
/* A few bytes past the largest valid property, so that a longer one is reported by its size. */
#define SERVERS_FILE_MAX ((size_t) DT_CPU_THREADS_MAX * CELL_SIZE + CELL_SIZE)

void dt_cpus_done(DtCpus *c) {
        if (!c)
                return;
        free(c->nodes);
        free(c->node_threads);
        free(c->threads);
        free(c->seen);
        *c = (DtCpus) {};
}

int dt_cpu_parse_interrupt_servers(const char *node, const void *data, size_t size,
                                   uint32_t ret[static DT_CPU_THREADS_MAX], Error *e) {
        const uint8_t *p = data;
        size_t n;

        assert(node);
        assert(data || size == 0);

        if (size == 0)
                return error_set(e, -EBADMSG, "%s: %s: empty at byte 0, expected at least one thread id",
                                 node, DT_PROP_INTERRUPT_SERVERS);
        if (size % CELL_SIZE != 0)
                return error_set(e, -EBADMSG, "%s: %s: %zu bytes, not a multiple of 4: the last cell, at byte %zu, is cut short",
                                 node, DT_PROP_INTERRUPT_SERVERS, size, size - size % CELL_SIZE);
        n = size / CELL_SIZE;
        if (n > DT_CPU_THREADS_MAX)
                return error_set(e, -EBADMSG, "%s: %s: %zu thread ids, more than %d: byte %d onwards is too much",
                                 node, DT_PROP_INTERRUPT_SERVERS, n, DT_CPU_THREADS_MAX,
                                 DT_CPU_THREADS_MAX * CELL_SIZE);

        for (size_t i = 0; i < n; i++) {
                ret[i] = dt_cell32(p + i * CELL_SIZE);
                /* At most 64 threads: a quadratic look-back is cheaper than sorting a copy. */
                for (size_t j = 0; j < i; j++)
                        if (ret[j] == ret[i])
                                return error_set(e, -EBADMSG, "%s: %s: thread id %" PRIu32 " at byte %zu repeats the one at byte %zu",
                                                 node, DT_PROP_INTERRUPT_SERVERS, ret[i], i * CELL_SIZE, j * CELL_SIZE);
        }

        return (int) n;
}

/* array (n of *allocated elements of size) with room for one more: doubled from 64 when full. NULL
 * on failure, array unchanged. */
static void *grow_one(void *array, size_t n, size_t *allocated, size_t size) {
        size_t na;
        void *p;

        if (n < *allocated)
                return array;
        na = *allocated ? *allocated * 2 : 64;
        p = reallocarray(array, na, size);
        if (p)
                *allocated = na;
        return p;
}

int dt_cpus_add_node(DtCpus *c, const char *node, const void *reg_data, size_t reg_size,
                     const void *servers, size_t servers_size, Error *e) {
        uint32_t threads[DT_CPU_THREADS_MAX];
        DtCpuNode *nodes;
        int n;

        assert(c);
        assert(node);

        if (!reg_data)
                return error_set(e, -EBADMSG, "%s: no %s property", node, DT_PROP_REG);
        if (reg_size != CELL_SIZE)
                return error_set(e, -EBADMSG, "%s: %s: %zu bytes at byte 0, expected exactly 4 (one cell)",
                                 node, DT_PROP_REG, reg_size);
        if (!servers)
                return error_set(e, -EBADMSG, "%s: no %s property", node, DT_PROP_INTERRUPT_SERVERS);

        n = dt_cpu_parse_interrupt_servers(node, servers, servers_size, threads, e);
        if (n < 0)
                return n;

        if (c->n_nodes >= DT_CPU_NODES_MAX)
                return error_set(e, -E2BIG, "%s: more than %d cpu nodes", node, DT_CPU_NODES_MAX);

        nodes = grow_one(c->nodes, c->n_nodes, &c->allocated_nodes, sizeof(DtCpuNode));
        if (!nodes)
                return error_set(e, -ENOMEM, "Out of memory for %zu cpu nodes", c->n_nodes + 1);
        c->nodes = nodes;
        if (c->n_threads + (size_t) n > c->allocated_threads) {
                size_t na = MAX(c->allocated_threads * 2, c->n_threads + (size_t) n + 256);
                uint32_t *nt = reallocarray(c->node_threads, na, sizeof(uint32_t));

                if (!nt)
                        return error_set(e, -ENOMEM, "Out of memory for %zu cpu threads", na);
                c->node_threads = nt;
                c->allocated_threads = na;
        }

        memcpy(c->node_threads + c->n_threads, threads, (size_t) n * sizeof(uint32_t));
        c->nodes[c->n_nodes++] = (DtCpuNode) {
                .reg = dt_cell32(reg_data),
                .first = c->n_threads,
                .n_threads = (uint32_t) n,
        };
        c->n_threads += (size_t) n;
        return 0;
}

static int cmp_u32(const void *a, const void *b) {
        uint32_t x = *(const uint32_t *) a, y = *(const uint32_t *) b;

        return x < y ? -1 : x > y;
}

static int cmp_node(const void *a, const void *b) {
        const DtCpuNode *x = a, *y = b;

        if (x->reg != y->reg)
                return x->reg < y->reg ? -1 : 1;
        return x->first < y->first ? -1 : x->first > y->first;
}

/* The node listing thread t (for the duplicate message); nodes are few enough to scan. */
static const DtCpuNode *node_of(const DtCpus *c, uint32_t t, const DtCpuNode *skip) {
        for (size_t i = 0; i < c->n_nodes; i++) {
                const DtCpuNode *n = c->nodes + i;

                if (n == skip)
                        continue;
                for (uint32_t k = 0; k < n->n_threads; k++)
                        if (c->node_threads[n->first + k] == t)
                                return n;
        }
        return NULL;
}

int dt_cpus_finish(DtCpus *c, Error *e) {
        uint64_t h = HASH_SEED;

        assert(c);

        free(c->threads);
        c->threads = NULL;
        if (c->n_threads > 0) {
                c->threads = reallocarray(NULL, c->n_threads, sizeof(uint32_t));
                if (!c->threads)
                        return error_set(e, -ENOMEM, "Out of memory for %zu cpu threads", c->n_threads);
                memcpy(c->threads, c->node_threads, c->n_threads * sizeof(uint32_t));
                qsort(c->threads, c->n_threads, sizeof(uint32_t), cmp_u32);
        }
        if (c->n_nodes > 0)
                qsort(c->nodes, c->n_nodes, sizeof(DtCpuNode), cmp_node);

        for (size_t i = 0; i < c->n_threads; i++) {
                if (i > 0 && c->threads[i] == c->threads[i - 1]) {
                        const DtCpuNode *a = node_of(c, c->threads[i], NULL);
                        const DtCpuNode *b = node_of(c, c->threads[i], a);

                        return error_set(e, -EBADMSG, "%s: thread id %" PRIu32 " is listed by the nodes with reg 0x%" PRIx32 " and 0x%" PRIx32,
                                         DT_PROP_INTERRUPT_SERVERS, c->threads[i], a ? a->reg : 0, b ? b->reg : a ? a->reg : 0);
                }
                h = hash_u64(h, c->threads[i]);
        }
        h = hash_u64(h, c->n_threads);

        c->set_id = hash_nonzero(h);
        return 0;
}

/* device_type is a string property: "cpu" and its NUL, nothing else. */
static bool is_cpu_type(const char *data, size_t size) {
        return size == sizeof("cpu") && memcmp(data, "cpu", sizeof("cpu")) == 0;
}

/* Reads node/name into *ret (NULL when missing: -ENOENT is not an error here). */
static int read_optional(const char *node, const char *name, size_t max, char **ret, size_t *ret_size, Error *e) {
        _cleanup_free_ char *path = NULL;
        int r;

        *ret = NULL;
        *ret_size = 0;
        if (asprintf(&path, "%s/%s", node, name) < 0)
                return error_set(e, -ENOMEM, "Out of memory");
        r = read_full_file_root(NULL, path, max, ret, ret_size, e);
        if (r == -ENOENT) {
                *ret = NULL;
                return 0;
        }
        if (r == -EFBIG)
                /* Too long to be valid, and not worth reading whole: refuse it as the parser would. */
                return error_set(e, -EBADMSG, "%s: %s: larger than %zu bytes: too long from byte %zu", node, name, max, max);
        return r;
}

/* 1: the node is read for good (a cpu node, or one typed as something else), 0: skipped for now
 * (no device_type yet), -errno. */
static int load_node(DtCpus *c, const char *node, const char *name, Error *e) {
        _cleanup_free_ char *type = NULL, *reg = NULL, *servers = NULL;
        size_t type_size, reg_size, servers_size;
        int r;

        r = read_optional(node, DT_PROP_DEVICE_TYPE, DEVICE_TYPE_FILE_MAX, &type, &type_size, e);
        if (r == -EBADMSG)
                return 1;  /* a long device_type is not "cpu" */
        if (r < 0)
                return r;
        if (!type)
                return 0;
        if (!is_cpu_type(type, type_size))
                return 1;

        r = read_optional(node, DT_PROP_REG, REG_FILE_MAX, &reg, &reg_size, e);
        if (r < 0)
                return r;
        r = read_optional(node, DT_PROP_INTERRUPT_SERVERS, SERVERS_FILE_MAX, &servers, &servers_size, e);
        if (r < 0)
                return r;

        r = dt_cpus_add_node(c, name, reg, reg_size, servers, servers_size, e);
        return r < 0 ? r : 1;
}

/* What dt_cpus_generation() counts of a child's properties: device_type exists (1), and with it
 * reg and the servers too (3). Enough to see a half-made node become whole, whatever order the
 * kernel adds them in; a cache node (no servers) stays 1. */
#define NODE_TYPED 1u
#define NODE_WHOLE 3u

static unsigned node_props(int dfd, const char *name) {
        static const char *const props[] = { DT_PROP_DEVICE_TYPE, DT_PROP_REG, DT_PROP_INTERRUPT_SERVERS };
        char path[NAME_MAX + sizeof(DT_PROP_INTERRUPT_SERVERS) + 2];
        struct stat st;

        for (size_t i = 0; i < ELEMENTSOF(props); i++) {
                snprintf(path, sizeof(path), "%s/%s", name, props[i]);
                if (fstatat(dfd, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        return i == 0 ? 0 : NODE_TYPED;
        }
        return NODE_WHOLE;
}

static uint64_t name_hash(const char *name) {
        uint64_t h = HASH_SEED;

        for (const char *p = name; *p; p++)
                h = hash_u64(h, (uint8_t) *p);
        return h;
}

static int cmp_seen(const void *a, const void *b) {
        const DtCpuSeen *x = a, *y = b;

        if (x->ino != y->ino)
                return x->ino < y->ino ? -1 : 1;
        return x->name_hash < y->name_hash ? -1 : x->name_hash > y->name_hash;
}

static int add_seen(DtCpus *c, uint64_t ino, const char *name, unsigned props, Error *e) {
        DtCpuSeen *seen = grow_one(c->seen, c->n_seen, &c->allocated_seen, sizeof(DtCpuSeen));

        if (!seen)
                return error_set(e, -ENOMEM, "Out of memory for %zu /cpus children", c->n_seen + 1);
        c->seen = seen;
        c->seen[c->n_seen++] = (DtCpuSeen) { .ino = ino, .name_hash = name_hash(name), .props = props };
        return 0;
}

int dt_cpus_load(const char *root, DtCpus *ret, Error *e) {
        _cleanup_free_ char *dir = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        DtCpus c = {};
        struct dirent *de;
        int r;

        assert(ret);

        *ret = (DtCpus) {};

        r = path_join_root(root, DT_CPUS_NODE, &dir);
        if (r < 0)
                return error_set(e, r, "Out of memory");

        d = opendir(dir);
        if (!d) {
                r = negative_errno();
                if (r == -ENOENT)
                        return error_set(e, r, "%s does not exist: no device tree CPUs", dir);
                return error_set(e, r, "Cannot open %s: %s", dir, strerror(-r));
        }

        while ((r = read_dir_entry(d, dir, &de, e)) > 0) {
                _cleanup_free_ char *node = NULL;

                /* Nodes are directories; properties ("#address-cells") are files. */
                if (de->d_name[0] == '.' || de->d_type == DT_REG || de->d_type == DT_LNK)
                        continue;
                if (asprintf(&node, "%s/%s", dir, de->d_name) < 0) {
                        r = error_set(e, -ENOMEM, "Out of memory");
                        break;
                }
                if (de->d_type == DT_UNKNOWN) {
                        struct stat st;

                        if (stat(node, &st) < 0 || !S_ISDIR(st.st_mode))
                                continue;
                }
                r = load_node(&c, node, de->d_name, e);
                if (r < 0)
                        break;
                /* Looked at after the read: what it found can only have grown since. */
                if (r > 0)
                        r = add_seen(&c, (uint64_t) de->d_ino, de->d_name, node_props(dirfd(d), de->d_name), e);
                if (r < 0)
                        break;
        }
        if (r >= 0 && c.n_seen > 1)
                qsort(c.seen, c.n_seen, sizeof(DtCpuSeen), cmp_seen);
        if (r >= 0)
                r = dt_cpus_finish(&c, e);
        if (r < 0) {
                dt_cpus_done(&c);
                return r;
        }

        *ret = c;
        return 0;
}

static const DtCpuSeen *find_seen(const DtCpus *known, uint64_t ino, uint64_t nh) {
        DtCpuSeen key = { .ino = ino, .name_hash = nh };

        if (!known || known->n_seen == 0)
                return NULL;
        return bsearch(&key, known->seen, known->n_seen, sizeof(DtCpuSeen), cmp_seen);
}

int dt_cpus_generation(const char *root, const DtCpus *known, uint64_t *ret) {
        _cleanup_free_ char *dir = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        uint64_t sum = 0, n = 0;
        struct dirent *de;
        struct stat st;
        int r;

        assert(ret);

        *ret = 0;

        r = path_join_root(root, DT_CPUS_NODE, &dir);
        if (r < 0)
                return r;
        d = opendir(dir);
        if (!d)
                return negative_errno();
        if (fstat(dirfd(d), &st) < 0)
                return negative_errno();

        while ((r = read_dir_entry(d, dir, &de, NULL)) > 0) {
                uint64_t h = name_hash(de->d_name);
                const DtCpuSeen *k;

                if (de->d_name[0] == '.' || de->d_type == DT_REG || de->d_type == DT_LNK)
                        continue;
                k = find_seen(known, (uint64_t) de->d_ino, h);
                h = hash_u64(h, (uint64_t) de->d_ino);
                h = hash_u64(h, k ? k->props : node_props(dirfd(d), de->d_name));
                /* readdir order is the file system's: add, so that it does not matter. */
                sum += h;
                n++;
        }
        if (r < 0)
                return r;

        *ret = hash_nonzero(hash_u64(hash_u64(hash_u64(HASH_SEED, (uint64_t) st.st_ino), n), sum));
        return 0;
}
