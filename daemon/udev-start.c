/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
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

/* The systemctl to run, in buf: PATH first, so that a test (or the e2e guest) can put its own
 * there. -ENOENT when there is none. */
static int find_systemctl(char *buf, size_t size) {
        const char *path = getenv("PATH");

        for (const char *p = path ?: "", *end; *p; p = *end ? end + 1 : end) {
                end = p + strcspn(p, ":");
                snprintf(buf, size, "%.*s/systemctl", (int) (end - p), p);
                if (end > p && access(buf, X_OK) == 0)
                        return 0;
        }
        for (const char *p = SYSTEMCTL_PATHS, *end; *p; p = *end ? end + 1 : end) {
                end = p + strcspn(p, ":");
                snprintf(buf, size, "%.*s", (int) (end - p), p);
                if (access(buf, X_OK) == 0)
                        return 0;
        }
        return -ENOENT;
}

/* Whether the administrator turned the unit off (`systemctl disable` or `mask`): what
 * `systemctl is-enabled` prints. Anything else, and no answer within
 * UDEV_START_QUERY_TIMEOUT (udevd waits for this program, and its workers for the lock), counts
 * as not off: a needless start costs a daemon that finds nothing to do, a missed one a reload
 * while the distribution's rules are masked. */
static bool unit_turned_off(const char *systemctl) {
        _cleanup_close_ int rfd = -EBADF, wfd = -EBADF;
        struct timespec start, now;
        char answer[64] = "";
        size_t n = 0;
        pid_t pid;
        int fds[2];

        if (pipe2(fds, O_CLOEXEC) < 0)
                return false;
        rfd = fds[0];
        wfd = fds[1];
        pid = fork();
        if (pid < 0)
                return false;
        if (pid == 0) {
                int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

                if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(wfd, STDOUT_FILENO) < 0)
                        _exit(127);
                execl(systemctl, "systemctl", "is-enabled", UDEV_START_UNIT, (char *) NULL);
                _exit(127);
        }
        closep(&wfd);

        clock_gettime(CLOCK_MONOTONIC, &start);
        while (n < sizeof(answer) - 1) {
                struct pollfd p = { .fd = rfd, .events = POLLIN };
                usec_t elapsed;
                ssize_t k;

                clock_gettime(CLOCK_MONOTONIC, &now);
                elapsed = timespec_usec(&now) - timespec_usec(&start);
                if (elapsed >= UDEV_START_QUERY_TIMEOUT ||
                    poll(&p, 1, (int) ((UDEV_START_QUERY_TIMEOUT - elapsed) / USEC_PER_MSEC) + 1) == 0) {
                        log_warning("systemctl is-enabled %s did not answer in time; starting it anyway.", UDEV_START_UNIT);
                        (void) kill(pid, SIGKILL);
                        n = 0;
                        break;
                }
                k = read(rfd, answer + n, sizeof(answer) - 1 - n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                n += (size_t) k;
        }
        (void) waitpid(pid, NULL, 0);

        answer[n] = 0;
        answer[strcspn(answer, "\n")] = 0;
        return strcmp(answer, "disabled") == 0 || strcmp(answer, "masked") == 0 ||
                strcmp(answer, "masked-runtime") == 0;
}

static _Noreturn void exec_systemctl(const char *systemctl) {
        execl(systemctl, "systemctl", "--no-block", "start", UDEV_START_UNIT, (char *) NULL);
        log_error("Cannot execute %s to start %s: %m", systemctl, UDEV_START_UNIT);
        _exit(1);
}

int udev_start(const char *runtime_dir, usec_t quiet) {
        _cleanup_free_ char *stamp = NULL;
        _cleanup_close_ int fd = -EBADF;
        char systemctl[4096];
        struct timespec now;
        struct stat st;

        /* Running: the rule tests this too, but it may have started since. */
        if (access(runtime_dir, F_OK) == 0)
                return 0;
        if (find_systemctl(systemctl, sizeof(systemctl)) < 0)
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
