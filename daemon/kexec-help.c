/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alloc-util.h"
#include "fd-util.h"
#include "kexec-help.h"

static long long now_msec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int kexec_help_read(const char *executable, char **ret, Error *e) {
        _cleanup_free_ char *buf = NULL;
        _cleanup_close_ int out = -1;
        long long deadline;
        size_t n = 0;
        int p[2], r = 0;
        pid_t pid;

        buf = malloc(KEXEC_HELP_MAX + 1);
        if (!buf)
                return error_set(e, -ENOMEM, "Out of memory");
        if (pipe2(p, O_CLOEXEC) < 0)
                return error_set(e, negative_errno(), "Cannot make a pipe for %s --help: %m", executable);

        pid = fork();
        if (pid < 0) {
                r = error_set(e, negative_errno(), "Cannot fork %s --help: %m", executable);
                close(p[0]);
                close(p[1]);
                return r;
        }
        if (pid == 0) {
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);
                sigset_t all;

                /* sd-event blocked signals in the parent; the child must die of SIGKILL anyway,
                 * but a clean mask keeps kexec's own behaviour ordinary. */
                sigemptyset(&all);
                (void) sigprocmask(SIG_SETMASK, &all, NULL);
                if (null >= 0) {
                        (void) dup2(null, STDIN_FILENO);
                        (void) dup2(null, STDERR_FILENO);
                }
                (void) dup2(p[1], STDOUT_FILENO);
                execl(executable, executable, "--help", (char *) NULL);
                _exit(127);
        }
        close(p[1]);
        out = p[0];

        deadline = now_msec() + KEXEC_HELP_TIMEOUT_MSEC;
        for (;;) {
                struct pollfd pfd = { .fd = out, .events = POLLIN };
                long long left = deadline - now_msec();
                ssize_t k;

                if (left <= 0) {
                        r = error_set(e, -ETIME, "%s --help did not finish within %d ms", executable,
                                      KEXEC_HELP_TIMEOUT_MSEC);
                        break;
                }
                k = poll(&pfd, 1, (int) left);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0) {
                        r = error_set(e, negative_errno(), "Cannot read %s --help: %m", executable);
                        break;
                }
                if (k == 0)
                        continue;
                k = read(out, buf + n, KEXEC_HELP_MAX - n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0) {
                        r = error_set(e, negative_errno(), "Cannot read %s --help: %m", executable);
                        break;
                }
                n += (size_t) k;
                if (k == 0 || n == KEXEC_HELP_MAX)
                        break;  /* the end, or enough: the options come before the long tail */
        }

        (void) kill(pid, SIGKILL);
        (void) waitpid(pid, NULL, 0);
        if (r < 0)
                return r;
        buf[n] = 0;
        *ret = TAKE_PTR(buf);
        return 0;
}
