/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

#include "dt-blob.h"
#include "dt-memory.h"

/* A fake root directory with the sysfs memory directory and the DT memory node, for tests and
 * benchmarks. Also works on a umockdev testbed's root (it holds sys/ the same way). All functions
 * return 0 or a negative errno. */

/* mkdtemp() under $TMPDIR (default /tmp); *ret is the new directory. */
int fake_root_create(char **ret);
/* rm -rf. */
int fake_root_remove(const char *root);

/* Writes root/path, creating parent directories; writes a temporary file and renames it over, so
 * the file gets a new inode, as the kernel's property replacement does. */
int fake_root_write_file(const char *root, const char *path, const void *data, size_t size);

/* sys/devices/system/memory/block_size_bytes, as the kernel prints it ("10000000\n"). */
int fake_root_set_block_size(const char *root, uint64_t block_size);
/* sys/devices/system/memory/memoryN/ (with a "state" file reading "online"). */
int fake_root_add_block(const char *root, uint64_t n);
int fake_root_remove_block(const char *root, uint64_t n);

/* DT_MEMORY_NODE/ibm,lmb-size and the property for format (v1: ibm,dynamic-memory, v2:
 * ibm,dynamic-memory-v2), replaced by rename. The first one written is also the DT the fake
 * system booted with (BOOT_FDT_PATH). */
int fake_root_write_dt(const char *root, uint64_t lmb_size, DtFormat format, const Blob *property);
/* DT_CHOSEN_NODE/linux,memory-limit as the kernel exports it (one 64-bit cell), and
 * PROC_CMDLINE with cmdline (NULL: not written). */
int fake_root_write_memory_limit(const char *root, uint64_t limit, const char *cmdline);
/* BOOT_FDT_PATH from the DT memory node as it is now: the system "booted" with it. */
int fake_root_write_boot_fdt(const char *root);

/* A child process that takes drmgr's lock (root/DRMGR_LOCK_PATH, created if missing) as drmgr
 * does (F_SETLK, type, the whole file) and holds it until killed: its pid once it holds it. */
int fake_root_hold_drmgr_lock(const char *root, short type);
