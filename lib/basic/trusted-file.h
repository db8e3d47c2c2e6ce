/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "error.h"

/* Files that decide what root runs (Debian's recorded kexec command, SUSE's load.sh): only what
 * no other user can have written or replaced is used.
 *
 * The rule: owned by root or by owner (the caller's own user: the same as root for the daemon,
 * which runs as root; the test user for the tests), not writable by group or others, and a
 * regular file (dir false) or a directory (dir true). 0, or -EPERM naming what and why. */
int trusted_file_check(const struct stat *st, uid_t owner, bool dir, const char *what, Error *e);

/* Opens root/path (absolute, no "." or ".." components) read-only, following no symbolic link
 * below root: root, every directory on the way and the file itself must pass
 * trusted_file_check(). O_NONBLOCK, and the type checked on the open fd before anything reads it,
 * so that a FIFO or a device never blocks the caller. The fd (O_CLOEXEC), or a negative errno:
 * -ENOENT when something on the way is missing, -EPERM (or -ELOOP for a link) when it is not
 * trusted, with e naming the file. */
int trusted_file_open(const char *root, const char *path, uid_t owner, Error *e);

/* trusted_file_open(), then all of it, up to max_size bytes (read_full_fd()). */
int trusted_file_read(const char *root, const char *path, uid_t owner, size_t max_size, char **ret, Error *e);
