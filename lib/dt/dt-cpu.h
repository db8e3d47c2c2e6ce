/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* The device tree's CPUs: the children of /cpus with device_type "cpu" (one per core on pseries,
 * "PowerPC,POWER9@2"), each listing its hardware threads in ibm,ppc-interrupt-server#s. This is
 * what kexec-tools copies into the capture kernel's FDT: a CPU missing here cannot boot it. */

#define DT_CPUS_NODE "sys/firmware/devicetree/base/cpus"
#define DT_PROP_DEVICE_TYPE "device_type"
#define DT_PROP_REG "reg"
#define DT_PROP_INTERRUPT_SERVERS "ibm,ppc-interrupt-server#s"

/* POWER cores have at most 8 threads; the bound only keeps a corrupt property from costing much. */
#define DT_CPU_THREADS_MAX 64
/* More nodes than any LPAR has cores (PowerVM: 240 cores, Linux NR_CPUS at most 8192 threads). */
#define DT_CPU_NODES_MAX 16384

/* 0 is never a valid set id: it means "unknown". */
#define CPU_SET_ID_UNKNOWN ((uint64_t) 0)

typedef struct DtCpuNode {
        uint32_t reg;        /* its reg: the first thread's id on pseries */
        size_t first;        /* its threads are node_threads[first .. first + n_threads), in property order */
        uint32_t n_threads;
} DtCpuNode;

/* A /cpus child as dt_cpus_load() found it complete (see dt_cpus_generation()). */
typedef struct DtCpuSeen {
        uint64_t ino;        /* the node directory's: kernfs gives each new node a new one */
        uint64_t name_hash;  /* so that a file system that reuses inodes cannot confuse two */
        unsigned props;      /* what dt_cpus_generation() counts of its properties */
} DtCpuSeen;

typedef struct DtCpus {
        DtCpuNode *nodes;    /* sorted by reg */
        size_t n_nodes;
        uint32_t *node_threads;

        uint32_t *threads;   /* every thread of every node, sorted; no duplicates */
        size_t n_threads;

        /* Hash of the sorted thread ids: equal ids mean equal sets, whatever the node names or
         * order. Never CPU_SET_ID_UNKNOWN. */
        uint64_t set_id;

        /* dt_cpus_load() only: the children whose properties were all there (or whose device_type
         * says they are no cpu), sorted by ino then name_hash; dt_cpus_generation() trusts these
         * instead of looking at their properties again. */
        DtCpuSeen *seen;
        size_t n_seen;

        size_t allocated_nodes, allocated_threads, allocated_seen;  /* builder's, while adding */
} DtCpus;

void dt_cpus_done(DtCpus *c);

/* ibm,ppc-interrupt-server#s of node `node` (for messages): a non-empty array of big-endian 32-bit
 * thread ids, at most DT_CPU_THREADS_MAX, no duplicates. data needs no alignment. Returns the
 * count and fills ret[DT_CPU_THREADS_MAX]; -EBADMSG naming node, property and byte offset. */
int dt_cpu_parse_interrupt_servers(const char *node, const void *data, size_t size,
                                   uint32_t ret[static DT_CPU_THREADS_MAX], Error *e);

/* One /cpus child whose device_type is "cpu": reg (one 32-bit cell) and its interrupt servers.
 * reg_data NULL or servers NULL: the property is missing, an error. On failure c is unchanged. */
int dt_cpus_add_node(DtCpus *c, const char *node, const void *reg_data, size_t reg_size,
                     const void *servers, size_t servers_size, Error *e);

/* After the last dt_cpus_add_node(): sorts, refuses a thread listed by two nodes (-EBADMSG naming
 * both) and computes the set id. */
int dt_cpus_finish(DtCpus *c, Error *e);

/* Reads every child of root/DT_CPUS_NODE with device_type "cpu" (others, such as a cache node or
 * a node without device_type, are skipped). -ENOENT with a message when /cpus is missing. */
int dt_cpus_load(const char *root, DtCpus *ret, Error *e);

/* Cheap change detector for polling /cpus, without reading a property. DLPAR attaches or detaches
 * whole cpu nodes (of_attach_node/of_detach_node), and kernfs gives every new node a new inode
 * number (cyclic ids), so the set of (child name, inode) pairs changes with every add and remove,
 * even when a node of the same name comes back. A node is attached as its directory first and its
 * properties one by one after it, so each child also counts with whether its device_type exists
 * and whether device_type, reg and ibm,ppc-interrupt-server#s all do: a load that caught a node
 * half-made (skipped, or refused for a missing property) is followed by a new generation once they
 * are all there. That costs up to three fstatat() per child, except for the children `known` (a
 * dt_cpus_load() result, may be NULL) saw complete or typed as no cpu, which only change with
 * the node: with it a poll is one readdir of /cpus, and the value is the same either way.
 * Never 0 when /cpus exists; -ENOENT when it does not, other -errno on failure, *ret = 0 on any
 * failure. */
int dt_cpus_generation(const char *root, const DtCpus *known, uint64_t *ret);
