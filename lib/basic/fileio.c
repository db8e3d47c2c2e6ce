/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc-util.h"
#include "fd-util.h"
#include "fileio.h"

int path_join_root(const char *root, const char *path, char **ret) {
        size_t lr, lp;
        char *p;

        if (!root || !*root)
                root = "/";
        while (*path == '/')
                path++;

        lr = strlen(root);
        while (lr > 0 && root[lr - 1] == '/')
                lr--;
        lp = strlen(path);

        p = malloc(lr + 1 + lp + 1);
        if (!p)
                return -ENOMEM;
        memcpy(p, root, lr);
        p[lr] = '/';
        memcpy(p + lr + 1, path, lp + 1);

        *ret = p;
        return 0;
}

int read_full_file_root(const char *root, const char *path, size_t max_size,
                        char **ret_data, size_t *ret_size, Error *e) {
        _cleanup_free_ char *full = NULL;
        _cleanup_close_ int fd = -1;
        int r;

        r = path_join_root(root, path, &full);
        if (r < 0)
                return error_set(e, r, "Out of memory");

        fd = open(full, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return error_set(e, negative_errno(), "Cannot open %s: %m", full);
        return read_full_fd(fd, full, max_size, ret_data, ret_size, e);
}

int read_full_fd(int fd, const char *full, size_t max_size, char **ret_data, size_t *ret_size, Error *e) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0, allocated;
        struct stat st;

        if (fstat(fd, &st) < 0)
                return error_set(e, negative_errno(), "Cannot stat %s: %m", full);

        /* sysfs and the device tree report the real size of a property; plain sysfs text
         * attributes report 4096. Either way, grow as needed and never trust it blindly. */
        allocated = st.st_size > 0 && (size_t) st.st_size <= max_size ? (size_t) st.st_size + 1 : 4096;
        buf = malloc(allocated);
        if (!buf)
                return error_set(e, -ENOMEM, "Out of memory reading %s", full);

        for (;;) {
                ssize_t n;

                if (size + 1 >= allocated) {
                        char *nbuf;

                        if (allocated > max_size + 1)
                                return error_set(e, -EFBIG, "%s is larger than %zu bytes", full, max_size);
                        allocated = MIN(allocated * 2, max_size + 2);
                        nbuf = realloc(buf, allocated);
                        if (!nbuf)
                                return error_set(e, -ENOMEM, "Out of memory reading %s", full);
                        buf = nbuf;
                }

                n = read(fd, buf + size, allocated - 1 - size);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return error_set(e, negative_errno(), "Cannot read %s: %m", full);
                }
                if (n == 0)
                        break;
                size += (size_t) n;
                if (size > max_size)
                        return error_set(e, -EFBIG, "%s is larger than %zu bytes", full, max_size);
        }

        buf[size] = 0;
        *ret_data = TAKE_PTR(buf);
        if (ret_size)
                *ret_size = size;
        return 0;
}

int loop_write(int fd, const void *buf, size_t size) {
        const char *p = buf;

        while (size > 0) {
                ssize_t n = write(fd, p, size);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return negative_errno();
                if (n == 0)
                        return -EIO;
                p += n;
                size -= (size_t) n;
        }
        return 0;
}

int stat_root(const char *root, const char *path, struct stat *ret) {
        _cleanup_free_ char *full = NULL;
        int r;

        r = path_join_root(root, path, &full);
        if (r < 0)
                return r;
        if (stat(full, ret) < 0)
                return negative_errno();
        return 0;
}

int read_dir_entry(DIR *d, const char *dir, struct dirent **ret, Error *e) {
        errno = 0;
        *ret = readdir(d);
        if (*ret)
                return 1;
        if (errno != 0)
                return error_set(e, negative_errno(), "Cannot read directory %s: %m", dir);
        return 0;
}
