/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc-util.h"
#include "block-set.h"
#include "drmgr-lock.h"
#include "dt-cell.h"
#include "dtb.h"
#include "fake-root.h"
#include "fd-util.h"
#include "fileio.h"
#include "macro.h"
#include "memory-limit.h"
#include "startup.h"

int fake_root_create(char **ret) {
        const char *tmp = getenv("TMPDIR");
        char *p;

        assert(ret);

        if (!tmp || !*tmp)
                tmp = "/tmp";
        if (asprintf(&p, "%s/kdump-settle-test-XXXXXX", tmp) < 0)
                return -ENOMEM;
        if (!mkdtemp(p)) {
                int r = negative_errno();
                free(p);
                return r;
        }

        *ret = p;
        return 0;
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw) {
        return remove(path) < 0 ? -1 : 0;
}

int fake_root_remove(const char *root) {
        assert(root);

        /* Depth first, so directories are empty when their turn comes; never follow symlinks. */
        if (nftw(root, remove_one, 16, FTW_DEPTH | FTW_PHYS) < 0) {
                if (errno == ENOENT)
                        return 0;
                return negative_errno();
        }
        return 0;
}

/* mkdir -p of path's parent directory. Modifies path temporarily. */
static int mkdir_parents(char *path) {
        for (char *p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
                *p = 0;
                int r = mkdir(path, 0755) < 0 && errno != EEXIST ? negative_errno() : 0;
                *p = '/';
                if (r < 0)
                        return r;
        }
        return 0;
}

static int write_all(int fd, const void *data, size_t size) {
        const uint8_t *p = data;

        while (size > 0) {
                ssize_t n = write(fd, p, size);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                p += n;
                size -= (size_t) n;
        }
        return 0;
}

int fake_root_write_file(const char *root, const char *path, const void *data, size_t size) {
        _cleanup_free_ char *full = NULL, *tmp = NULL;
        _cleanup_close_ int fd = -1;
        const char *slash;
        int r;

        assert(root);
        assert(path);
        assert(data || size == 0);

        r = path_join_root(root, path, &full);
        if (r < 0)
                return r;
        r = mkdir_parents(full);
        if (r < 0)
                return r;

        /* A dot name in the same directory: rename() must not cross file systems, and readers
         * scanning for memoryN or property names never match it. */
        slash = strrchr(full, '/');
        if (asprintf(&tmp, "%.*s/.#%s.XXXXXX", (int) (slash - full), full, slash + 1) < 0) {
                tmp = NULL;
                return -ENOMEM;
        }

        fd = mkstemp(tmp);
        if (fd < 0)
                return negative_errno();

        r = fchmod(fd, 0644) < 0 ? negative_errno() : 0;
        if (r >= 0 && size > 0)
                r = write_all(fd, data, size);
        if (r >= 0 && close(TAKE_FD(fd)) < 0)
                r = negative_errno();
        if (r >= 0 && rename(tmp, full) < 0)
                r = negative_errno();
        if (r < 0)
                (void) unlink(tmp);
        return r;
}

int fake_root_set_block_size(const char *root, uint64_t block_size) {
        char text[32];
        int l;

        l = snprintf(text, sizeof(text), "%" PRIx64 "\n", block_size);
        assert(l > 0 && (size_t) l < sizeof(text));
        return fake_root_write_file(root, MEMORY_SYSFS_DIR "/block_size_bytes", text, (size_t) l);
}

int fake_root_add_block(const char *root, uint64_t n) {
        char path[sizeof(MEMORY_SYSFS_DIR) + 64];

        snprintf(path, sizeof(path), MEMORY_SYSFS_DIR "/memory%" PRIu64 "/state", n);
        return fake_root_write_file(root, path, "online\n", strlen("online\n"));
}

int fake_root_remove_block(const char *root, uint64_t n) {
        _cleanup_free_ char *full = NULL;
        char path[sizeof(MEMORY_SYSFS_DIR) + 64];
        struct stat st;
        int r;

        snprintf(path, sizeof(path), MEMORY_SYSFS_DIR "/memory%" PRIu64, n);
        r = path_join_root(root, path, &full);
        if (r < 0)
                return r;

        /* A test removing a block it never added has a bug: say so. */
        if (lstat(full, &st) < 0)
                return negative_errno();
        return fake_root_remove(full);
}

int fake_root_write_dt(const char *root, uint64_t lmb_size, DtFormat format, const Blob *property) {
        Blob size_cells = {};
        const char *name;
        int r;

        assert(property);

        switch (format) {
        case DT_FORMAT_V1:
                name = DT_MEMORY_NODE "/" DT_PROP_DYNAMIC_MEMORY;
                break;
        case DT_FORMAT_V2:
                name = DT_MEMORY_NODE "/" DT_PROP_DYNAMIC_MEMORY_V2;
                break;
        default:
                return -EINVAL;
        }

        dt_blob_lmb_size(&size_cells, lmb_size);
        r = fake_root_write_file(root, DT_MEMORY_NODE "/" DT_PROP_LMB_SIZE, size_cells.data, size_cells.size);
        blob_done(&size_cells);
        if (r < 0)
                return r;

        /* Last, so that a reader that sees the new property also sees its LMB size. */
        r = fake_root_write_file(root, name, property->data, property->size);
        if (r < 0)
                return r;

        /* The first DT is the one the fake system booted with. */
        _cleanup_free_ char *fdt = NULL;
        if (asprintf(&fdt, "%s/%s", root, BOOT_FDT_PATH) < 0)
                return -ENOMEM;
        if (access(fdt, F_OK) < 0 && errno == ENOENT)
                r = fake_root_write_boot_fdt(root);
        return r;
}

int fake_root_write_boot_fdt(const char *root) {
        _cleanup_free_ void *blob = NULL;
        size_t size;
        int r;

        r = dtb_from_memory_node(root, &blob, &size, NULL);
        if (r < 0)
                return r;
        return fake_root_write_file(root, BOOT_FDT_PATH, blob, size);
}

int fake_root_hold_drmgr_lock(const char *root, short type) {
        _cleanup_free_ char *path = NULL;
        int p[2], r;
        pid_t pid;
        char c;

        r = path_join_root(root, DRMGR_LOCK_PATH, &path);
        if (r >= 0 && access(path, F_OK) < 0)
                r = fake_root_write_file(root, DRMGR_LOCK_PATH + 1, "", 0);
        if (r < 0)
                return r;
        if (pipe(p) < 0)
                return -errno;
        pid = fork();
        if (pid < 0) {
                r = -errno;
                close(p[0]);
                close(p[1]);
                return r;
        }
        if (pid == 0) {
                struct flock fl = { .l_type = type, .l_whence = SEEK_SET };
                int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

                if (fd < 0 || fcntl(fd, F_SETLK, &fl) < 0)
                        _exit(1);
                (void) !write(p[1], "x", 1);
                pause();
                _exit(0);
        }
        close(p[1]);
        r = read(p[0], &c, 1) == 1 ? pid : -EIO;  /* -EIO: it could not take the lock */
        close(p[0]);
        return r;
}

int fake_root_write_memory_limit(const char *root, uint64_t limit, const char *cmdline) {
        uint8_t cell[8];
        int r;

        dt_cell64_put(cell, limit);
        r = fake_root_write_file(root, DT_CHOSEN_NODE "/" DT_PROP_MEMORY_LIMIT, cell, sizeof(cell));
        if (r < 0 || !cmdline)
                return r;
        return fake_root_write_file(root, PROC_CMDLINE, cmdline, strlen(cmdline));
}
