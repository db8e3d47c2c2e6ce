/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
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
#include "path-lookup.h"
#include "run-capture.h"
#include "udev-start.h"

/* udevd's workers have a fixed PATH; systemctl lives in one of these. PATH first, so that a test
 * (or the e2e guest) can put its own there. */
#define SYSTEMCTL_DIRS "/usr/bin:/bin"
#define UNIT_STATE_MAX 64

static usec_t timespec_usec(const struct timespec *ts) {
        return (usec_t) ts->tv_sec * USEC_PER_SEC + (usec_t) ts->tv_nsec / 1000;
}

/* Whether the administrator turned the unit off (`systemctl disable` or `mask`): what
 * `systemctl is-enabled` prints. Anything else, and no answer within
 * UDEV_START_QUERY_TIMEOUT (udevd waits for this program, and its workers for the lock), counts
 * as not off: a needless start costs a daemon that finds nothing to do, a missed one a reload
 * while the distribution's rules are masked. */
static bool unit_turned_off(const char *systemctl) {
        _cleanup_(run_capture_done) RunCapture c = {};
        Error e = {};
        int r;

        r = run_capture(systemctl, (char *const[]) { "systemctl", "is-enabled", UDEV_START_UNIT, NULL }, UNIT_STATE_MAX,
                        UDEV_START_QUERY_TIMEOUT, &c, &e);
        if (r == -ETIME)
                log_warning("systemctl is-enabled %s did not answer in time; starting it anyway.", UDEV_START_UNIT);
        if (r < 0)
                return false;
        c.output[strcspn(c.output, "\n")] = 0;
        return strcmp(c.output, "disabled") == 0 || strcmp(c.output, "masked") == 0 ||
                strcmp(c.output, "masked-runtime") == 0;
}

static _Noreturn void exec_systemctl(const char *systemctl) {
        execl(systemctl, "systemctl", "--no-block", "start", UDEV_START_UNIT, (char *) NULL);
        log_error("Cannot execute %s to start %s: %m", systemctl, UDEV_START_UNIT);
        _exit(1);
}

int udev_start(const char *runtime_dir, usec_t quiet) {
        _cleanup_free_ char *stamp = NULL;
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *systemctl = NULL, *path = NULL;
        struct timespec now;
        struct stat st;

        /* Running: the rule tests this too, but it may have started since. */
        if (access(runtime_dir, F_OK) == 0)
                return 0;
        if (asprintf(&path, "%s:" SYSTEMCTL_DIRS, getenv("PATH") ?: "") < 0)
                return log_oom();
        if (find_executable("systemctl", path, &systemctl) < 0)
                return log_error_errno(-ENOENT, "Cannot find systemctl to start %s.", UDEV_START_UNIT);

        if (asprintf(&stamp, "%s.start", runtime_dir) < 0)
                return log_oom();
        fd = open(stamp, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0 || flock(fd, LOCK_EX) < 0 || fstat(fd, &st) < 0) {
                /* Cannot coalesce: ask anyway, as the rule did before. */
                log_warning("Cannot use %s: %m; asking systemd to start %s.", stamp, UDEV_START_UNIT);
                exec_systemctl(systemctl);
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
        /* Asked once per burst, like the start: the administrator's `systemctl disable --now` is
         * final, even while the distribution's rules are still masked (README: going back to the
         * stock reloader). */
        if (unit_turned_off(systemctl)) {
                log_info("%s is disabled or masked: not starting it.", UDEV_START_UNIT);
                return 0;
        }
        /* The lock goes with the descriptor at exec (O_CLOEXEC): the stamp is in place by then. */
        exec_systemctl(systemctl);
}
