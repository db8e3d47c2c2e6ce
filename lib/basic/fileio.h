/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <dirent.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>

#include "error.h"
#include "macro.h"

static inline void fclosep(FILE **f) {
        if (*f)
                fclose(*f);
}

static inline void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}

#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_closedir_ _cleanup_(closedirp)

/* root + "/" + path, with no doubled slash; root NULL or "" means "/". */
int path_join_root(const char *root, const char *path, char **ret);

/* Reads all of root/path into a fresh buffer (NUL-terminated one byte past *ret_size, so text can be
 * parsed in place). Fails with -EFBIG, naming the file, if it is larger than max_size. */
int read_full_file_root(const char *root, const char *path, size_t max_size,
                        char **ret_data, size_t *ret_size, Error *e);

/* The same from an open fd (not closed); full names it in the messages. */
int read_full_fd(int fd, const char *full, size_t max_size, char **ret_data, size_t *ret_size, Error *e);

/* The next entry of d (opened from dir, named in the message) in *ret: 1, or 0 at the end, or a
 * negative errno with e set. readdir() signals errors only through errno, so every caller would
 * otherwise repeat this dance. */
int read_dir_entry(DIR *d, const char *dir, struct dirent **ret, Error *e);

/* Writes all of buf, retrying after short writes and EINTR: 0, or -errno (-EIO if write() made
 * no progress without saying why). */
int loop_write(int fd, const void *buf, size_t size);

/* stat() of root/path; -errno on failure, nothing logged or stored: missing files are often fine. */
int stat_root(const char *root, const char *path, struct stat *ret);
