/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* The CPU side of a fake root (tests/support/fake-root.h): /cpus nodes as pseries has them and the
 * kernel's /sys/devices/system/cpu. All functions return 0 or a negative errno. */

/* "PowerPC,POWER9@<reg in hex>", as pseries names a core's node; buf of at least 64 bytes. */
const char *fake_cpus_node_name(uint32_t reg, char *buf, size_t size);

/* DT_CPUS_NODE/<name>/: device_type "cpu", reg, and ibm,ppc-interrupt-server#s = threads[0..n). */
int fake_cpus_write_node(const char *root, const char *name, uint32_t reg, const uint32_t *threads, size_t n);
/* A core of smt threads reg, reg + 1, ..., named by fake_cpus_node_name(). */
int fake_cpus_write_core(const char *root, uint32_t reg, unsigned smt);
/* rm -rf of the node, as of_detach_node() removes it. */
int fake_cpus_remove_node(const char *root, const char *name);
int fake_cpus_remove_core(const char *root, uint32_t reg);

/* CPU_SYSFS_DIR/present and online, the text as given (e.g. "0-7\n"). */
int fake_cpus_set_lists(const char *root, const char *present, const char *online);
/* CPU_SYSFS_DIR/cpuN/physical_id, printed as the kernel does ("%d\n"). */
int fake_cpus_set_physical_id(const char *root, uint32_t cpu, int32_t hw_id);

/* cmocka group/test setup and teardown: *state is a fresh fake root (fake_root_create()), removed
 * afterwards even when the test failed (cmocka longjmps out of it). */
int fake_cpus_root_setup(void **state);
int fake_cpus_root_teardown(void **state);
