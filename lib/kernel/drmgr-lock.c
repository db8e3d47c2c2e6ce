/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "alloc-util.h"
#include "drmgr-lock.h"
#include "fd-util.h"
#include "fileio.h"

int drmgr_lock_probe(const char *root, const char *path, DrmgrLock *ret, Error *e) {
        _cleanup_free_ char *full = NULL;
        _cleanup_close_ int fd = -1;
        struct flock fl = {
                .l_type = F_WRLCK,
                .l_whence = SEEK_SET,
                .l_start = 0,
                .l_len = 0,  /* the whole file */
        };
        int r;

        assert(path);
        assert(ret);

        r = path_join_root(root, path, &full);
        if (r < 0)
                return error_set(e, r, "%s: out of memory", path);

        /* O_NONBLOCK: never wait on a FIFO someone put there. */
        fd = open(full, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                if (errno == ENOENT) {
                        *ret = (DrmgrLock) {};
                        return 0;
                }
                return error_set(e, errno, "Cannot open %s: %s", full, strerror(errno));
        }

        if (fcntl(fd, F_GETLK, &fl) < 0)
                return error_set(e, errno, "Cannot query the lock on %s: %s", full, strerror(errno));

        *ret = (DrmgrLock) {
                .held = fl.l_type != F_UNLCK,
                .pid = fl.l_type != F_UNLCK && fl.l_pid > 0 ? fl.l_pid : 0,
        };
        return 0;
}
