/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc-util.h"
#include "fd-util.h"
#include "log.h"
#include "macro.h"
#include "udev-start.h"

/* udevd's workers have a fixed PATH; systemctl lives in one of these. */
#define SYSTEMCTL_PATHS "/usr/bin/systemctl:/bin/systemctl"

static usec_t timespec_usec(const struct timespec *ts) {
        return (usec_t) ts->tv_sec * USEC_PER_SEC + (usec_t) ts->tv_nsec / 1000;
}

static _Noreturn void exec_systemctl(void) {
        const char *path = getenv("PATH");
        char full[4096];

        /* PATH first, so that a test (or the e2e guest) can put its own systemctl there. */
        for (const char *p = path ?: "", *end; *p; p = *end ? end + 1 : end) {
                end = p + strcspn(p, ":");
                snprintf(full, sizeof(full), "%.*s/systemctl", (int) (end - p), p);
                if (end > p && access(full, X_OK) == 0)
                        execl(full, "systemctl", "--no-block", "start", UDEV_START_UNIT, (char *) NULL);
        }
        for (const char *p = SYSTEMCTL_PATHS, *end; *p; p = *end ? end + 1 : end) {
                end = p + strcspn(p, ":");
                snprintf(full, sizeof(full), "%.*s", (int) (end - p), p);
                execl(full, "systemctl", "--no-block", "start", UDEV_START_UNIT, (char *) NULL);
        }
        log_error("Cannot execute systemctl to start %s: %m", UDEV_START_UNIT);
        _exit(1);
}

int udev_start(const char *runtime_dir, usec_t quiet) {
        _cleanup_free_ char *stamp = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct timespec now;
        struct stat st;

        /* Running: the rule tests this too, but it may have started since. */
        if (access(runtime_dir, F_OK) == 0)
                return 0;

        if (asprintf(&stamp, "%s.start", runtime_dir) < 0)
                return log_oom();
        fd = open(stamp, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0 || flock(fd, LOCK_EX) < 0 || fstat(fd, &st) < 0) {
                /* Cannot coalesce: ask anyway, as the rule did before. */
                log_warning("Cannot use %s: %m; asking systemd to start %s.", stamp, UDEV_START_UNIT);
                exec_systemctl();
        }

        clock_gettime(CLOCK_REALTIME, &now);
        /* A new stamp is empty; an old one's mtime is the burst's last event (one in the future:
         * the clock was set back, and it says nothing). */
        if (st.st_size > 0 && timespec_usec(&st.st_mtim) <= timespec_usec(&now) &&
            timespec_usec(&now) < timespec_usec(&st.st_mtim) + quiet) {
                (void) futimens(fd, NULL);
                return 0;
        }
        if (pwrite(fd, "1\n", 2, 0) != 2 || futimens(fd, NULL) < 0)
                log_warning("Cannot stamp %s: %m", stamp);
        /* The lock goes with the descriptor at exec (O_CLOEXEC): the stamp is in place by then. */
        exec_systemctl();
}
