/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc-util.h"
#include "fd-util.h"
#include "fileio.h"
#include "trusted-file.h"

int trusted_file_check(const struct stat *st, uid_t owner, bool dir, const char *what, Error *e) {
        if (dir ? !S_ISDIR(st->st_mode) : !S_ISREG(st->st_mode))
                return error_set(e, -EPERM, "%s is not a %s", what, dir ? "directory" : "regular file");
        if (st->st_uid != 0 && st->st_uid != owner)
                return error_set(e, -EPERM, "%s is owned by uid %u, not root", what, (unsigned) st->st_uid);
        if (st->st_mode & (S_IWGRP | S_IWOTH))
                return error_set(e, -EPERM, "%s is writable by %s (mode %04o)", what,
                                 st->st_mode & S_IWOTH ? "others" : "its group", (unsigned) (st->st_mode & 07777));
        return 0;
}

/* Checks the fd's file; -errno, e set. */
static int check_fd(int fd, uid_t owner, bool dir, const char *what, Error *e) {
        struct stat st;

        if (fstat(fd, &st) < 0)
                return error_set(e, negative_errno(), "Cannot stat %s: %m", what);
        return trusted_file_check(&st, owner, dir, what, e);
}

/* root/path up to p, for the messages. */
static char *name_up_to(const char *root, const char *path, const char *p) {
        _cleanup_free_ char *prefix = strndup(path, (size_t) (p - path));
        char *full = NULL;

        if (!prefix || path_join_root(root, prefix, &full) < 0)
                return NULL;
        return full;
}

int trusted_file_open(const char *root, const char *path, uid_t owner, Error *e) {
        const char *top = root && *root ? root : "/";
        _cleanup_close_ int dir_fd = -1;
        int r;

        if (path[0] != '/')
                return error_set(e, -EINVAL, "%s is not an absolute path", path);

        /* The root is the administrator's choice (--root): followed, but checked like the rest. */
        dir_fd = open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0)
                return error_set(e, negative_errno(), "Cannot open %s: %m", top);
        r = check_fd(dir_fd, owner, true, top, e);
        if (r < 0)
                return r;

        for (const char *p = path;;) {
                _cleanup_free_ char *component = NULL, *full = NULL;
                size_t n;
                bool last;
                int fd;

                p += strspn(p, "/");
                n = strcspn(p, "/");
                last = !p[n + strspn(p + n, "/")];
                component = strndup(p, n);
                full = name_up_to(root, path, p + n);
                if (!component || !full)
                        return error_set(e, -ENOMEM, "Out of memory");
                if (n == 0 || strcmp(component, ".") == 0 || strcmp(component, "..") == 0)
                        return error_set(e, -EINVAL, "%s: an empty, \".\" or \"..\" component", full);
                p += n;

                fd = openat(dir_fd, component,
                            last ? O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC
                                 : O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0) {
                        if (errno == ELOOP || (!last && errno == ENOTDIR))
                                return error_set(e, -ELOOP, "%s is a symbolic link or not a directory", full);
                        return error_set(e, negative_errno(), "Cannot open %s: %m", full);
                }
                close(dir_fd);
                dir_fd = fd;
                r = check_fd(dir_fd, owner, !last, full, e);
                if (r < 0)
                        return r;
                if (last)
                        return TAKE_FD(dir_fd);
        }
}

int trusted_file_read(const char *root, const char *path, uid_t owner, size_t max_size, char **ret, Error *e) {
        _cleanup_free_ char *full = NULL;
        _cleanup_close_ int fd = -1;

        fd = trusted_file_open(root, path, owner, e);
        if (fd < 0)
                return fd;
        if (path_join_root(root, path, &full) < 0)
                return error_set(e, -ENOMEM, "Out of memory");
        return read_full_fd(fd, full, max_size, ret, NULL, e);
}
