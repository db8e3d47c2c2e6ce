/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc-util.h"
#include "distro-rules.h"
#include "fd-util.h"
#include "log.h"

#define MASK_TARGET "/dev/null"
#define ADMIN_RULES_DIR "etc/udev/rules.d"

const DistroRule distro_rules[] = {
        /* kdump-utils (kexec-tools before): 98-kexec.rules, on ppc64 installed from
         * 98-kexec.rules.ppc64; runs kdump-udev-throttler, which runs kdumpctl reload (CPUs: not
         * with fadump). */
        { "98-kexec.rules",       "Fedora, RHEL",   "memory:online|offline cpu:online" },
        /* kdump-tools: kdump-config try-reload. Ubuntu 20.04's has cpu offline, Debian's online. */
        { "50-kdump-tools.rules", "Debian, Ubuntu", "memory:online|offline cpu:add|remove|online|offline" },
        /* kdump: generated into /run/udev/rules.d when the crash kernel is loaded; cpu on ppc. */
        { "70-kdump.rules",       "SUSE",           "memory:add|remove cpu:online" },
        {}
};

/* Where the distributions install them; only to say whether a mask has anything to hide. */
static const char *const vendor_dirs[] = {
        "usr/lib/udev/rules.d",
        "lib/udev/rules.d",
        "run/udev/rules.d",
        NULL
};

/* The vendor directory (without its leading "/") that has name, or NULL. */
static const char *vendor_dir_of(int root_fd, const char *name) {
        for (const char *const *d = vendor_dirs; *d; d++) {
                _cleanup_free_ char *path = NULL;

                if (asprintf(&path, "%s/%s", *d, name) < 0)
                        return NULL;
                if (faccessat(root_fd, path, F_OK, 0) == 0)
                        return *d;
        }
        return NULL;
}

/* Opens ROOT/etc/udev/rules.d as an O_PATH directory, creating the missing components if asked. */
static int open_admin_dir(int root_fd, bool create, int *ret) {
        _cleanup_close_ int fd = -1;
        char path[sizeof(ADMIN_RULES_DIR)];

        snprintf(path, sizeof(path), "%s", ADMIN_RULES_DIR);
        fd = fcntl(root_fd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return negative_errno();

        for (char *component = path, *next; component; component = next) {
                int child;

                next = strchr(component, '/');
                if (next)
                        *next++ = 0;

                if (create && mkdirat(fd, component, 0755) < 0 && errno != EEXIST)
                        return negative_errno();
                child = openat(fd, component, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (child < 0)
                        return negative_errno();
                closep(&fd);
                fd = child;
        }

        *ret = TAKE_FD(fd);
        return 0;
}

/* 1 if dir_fd/name is a symlink to /dev/null, 0 if it is something else, -ENOENT if absent. */
static int is_mask(int dir_fd, const char *name) {
        char target[sizeof(MASK_TARGET) + 1];
        struct stat st;
        ssize_t n;

        if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return negative_errno();
        if (!S_ISLNK(st.st_mode))
                return 0;

        n = readlinkat(dir_fd, name, target, sizeof(target));
        if (n < 0)
                return negative_errno();
        return (size_t) n == strlen(MASK_TARGET) && memcmp(target, MASK_TARGET, (size_t) n) == 0;
}

/* The root (NULL or "" means "/") and its admin rules directory, opened (created if asked), and
 * the prefix of the paths in messages: "/" gives "", "/tmp/root/" gives "/tmp/root". -ENOENT
 * (not logged) when the directory is missing and not to be created; other errors are logged. */
static int open_admin(const char *root, bool create, char **ret_prefix, int *ret_root_fd, int *ret_dir_fd) {
        _cleanup_close_ int root_fd = -1, dir_fd = -1;
        _cleanup_free_ char *prefix = NULL;
        size_t n;
        int r;

        if (!root || !*root)
                root = "/";
        n = strlen(root);
        while (n > 0 && root[n - 1] == '/')
                n--;
        prefix = strndup(root, n);
        if (!prefix)
                return log_oom();

        root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                return log_error_errno(negative_errno(), "Cannot open root directory %s: %m", root);
        r = open_admin_dir(root_fd, create, &dir_fd);
        if (r == -ENOENT && !create)
                return r;
        if (r < 0)
                return log_error_errno(r, "Cannot %s %s/" ADMIN_RULES_DIR ": %m", create ? "create" : "open", prefix);

        *ret_prefix = TAKE_PTR(prefix);
        *ret_root_fd = TAKE_FD(root_fd);
        *ret_dir_fd = TAKE_FD(dir_fd);
        return 0;
}

int distro_rules_mask(const char *root, FILE *out) {
        _cleanup_close_ int root_fd = -1, dir_fd = -1;
        _cleanup_free_ char *prefix = NULL;
        int r, ret = 0;

        r = open_admin(root, true, &prefix, &root_fd, &dir_fd);
        if (r < 0)
                return r;

        for (const DistroRule *d = distro_rules; d->name; d++) {
                const char *installed = vendor_dir_of(root_fd, d->name);
                _cleanup_free_ char *where = NULL;

                if (asprintf(&where, "%s/" ADMIN_RULES_DIR "/%s", prefix, d->name) < 0)
                        return log_oom();

                /* Create first and look only if something is there: no window in which an
                 * administrator's file could appear between the check and the link. */
                if (symlinkat(MASK_TARGET, dir_fd, d->name) >= 0) {
                        fprintf(out, "%s: masked, %s -> " MASK_TARGET " (%s; %s%s; its reloads on %s are "
                                "kdump-settled's)\n", d->name, where, d->owner,
                                installed ? "installed in /" : "not installed", installed ?: "", d->reloads_on);
                        continue;
                }
                if (errno != EEXIST) {
                        r = log_error_errno(negative_errno(), "Cannot create %s: %m", where);
                        if (ret == 0)
                                ret = r;
                        continue;
                }

                r = is_mask(dir_fd, d->name);
                if (r < 0) {
                        r = log_error_errno(r, "Cannot inspect %s: %m", where);
                        if (ret == 0)
                                ret = r;
                } else if (r > 0)
                        fprintf(out, "%s: already masked, %s -> " MASK_TARGET "\n", d->name, where);
                else
                        fprintf(out, "%s: skipped, %s is the administrator's own file; not replaced\n",
                                d->name, where);
        }

        return ret;
}

int distro_rules_unmask(const char *root, FILE *out) {
        _cleanup_close_ int root_fd = -1, dir_fd = -1;
        _cleanup_free_ char *prefix = NULL;
        int r, ret = 0;

        r = open_admin(root, false, &prefix, &root_fd, &dir_fd);
        if (r == -ENOENT) {
                for (const DistroRule *d = distro_rules; d->name; d++)
                        fprintf(out, "%s: not masked\n", d->name);
                return 0;
        }
        if (r < 0)
                return r;

        for (const DistroRule *d = distro_rules; d->name; d++) {
                _cleanup_free_ char *where = NULL;

                if (asprintf(&where, "%s/" ADMIN_RULES_DIR "/%s", prefix, d->name) < 0)
                        return log_oom();

                r = is_mask(dir_fd, d->name);
                if (r == -ENOENT) {
                        fprintf(out, "%s: not masked\n", d->name);
                        continue;
                }
                if (r < 0) {
                        r = log_error_errno(r, "Cannot inspect %s: %m", where);
                        if (ret == 0)
                                ret = r;
                        continue;
                }
                if (r == 0) {
                        fprintf(out, "%s: left alone, %s is the administrator's own file\n", d->name, where);
                        continue;
                }

                if (unlinkat(dir_fd, d->name, 0) < 0 && errno != ENOENT) {
                        r = log_error_errno(negative_errno(), "Cannot remove %s: %m", where);
                        if (ret == 0)
                                ret = r;
                        continue;
                }
                fprintf(out, "%s: unmasked, removed %s\n", d->name, where);
        }

        return ret;
}
