/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <sched.h>
#include <sys/mount.h>

#include "macro.h"
#include "mount-namespace.h"

int mount_namespace_own(Error *e) {
        if (unshare(CLONE_NEWNS) < 0)
                return error_set(e, negative_errno(), "Cannot make a mount namespace: %m");
        if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
                return error_set(e, negative_errno(), "Cannot keep the new mount namespace's mounts to itself: %m");
        return 0;
}
