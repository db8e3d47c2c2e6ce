/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "alloc-util.h"
#include "fileio.h"
#include "hpt-debugfs.h"
#include "log.h"
#include "mount-namespace.h"
#include "pft-size.h"

int hpt_debugfs_ensure(const char *root) {
        _cleanup_(pft_size_done) PftSize p = {};
        _cleanup_free_ char *dir = NULL;
        Error e = {};
        int r;

        r = pft_size_load(root, &p, &e);
        if (r < 0)
                return log_warning_errno(r, "Cannot read the HPT order's sources: %s", error_message(&e, r));
        /* Only where the order is needed and missing, not where debugfs is merely refused. */
        if (p.correction != PFT_SIZE_UNKNOWN || p.order_error != -ENOENT)
                return 0;
        if (stat_root(root, DEBUGFS_DIR "/powerpc", &(struct stat) {}) >= 0)
                return 0;  /* debugfs is there, without hpt_order: nothing a mount would add */
        if (path_join_root(root, DEBUGFS_DIR, &dir) < 0)
                return log_oom();

        r = mount_namespace_own(&e);
        if (r >= 0 && mount("debugfs", dir, "debugfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0700") < 0)
                r = error_set(&e, negative_errno(), "%m");
        if (r < 0)
                return log_warning_errno(r, "Cannot mount debugfs at %s for the HPT order (ibm,pft-size stays as "
                                         "the device tree has it): %s", dir, error_message(&e, r));
        log_info("Mounted debugfs at %s in the daemon's own mount namespace: the HPT order in use.", dir);
        return 1;
}
