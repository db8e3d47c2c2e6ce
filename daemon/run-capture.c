/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alloc-util.h"
#include "fd-util.h"
#include "run-capture.h"

extern char **environ;

static usec_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (usec_t) ts.tv_sec * USEC_PER_SEC + (usec_t) ts.tv_nsec / 1000;
}

/* The poll() timeout until deadline, rounded up so that it never spins at 0. */
static int msec_until(usec_t deadline) {
        usec_t now = now_usec(), left;

        if (now >= deadline)
                return 0;
        left = (deadline - now + USEC_PER_MSEC - 1) / USEC_PER_MSEC;
        return left > 60 * 1000 ? 60 * 1000 : (int) left;
}

void run_capture_done(RunCapture *c) {
        free(c->output);
        c->output = NULL;
}

static int spawn(const char *executable, char *const *argv, int out, pid_t *ret) {
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t attr;
        sigset_t none, all;
        int r;

        sigemptyset(&none);
        sigfillset(&all);
        r = posix_spawn_file_actions_init(&fa);
        if (r != 0)
                return -r;
        r = posix_spawnattr_init(&attr);
        if (r != 0) {
                posix_spawn_file_actions_destroy(&fa);
                return -r;
        }
        /* sd-event blocks the signals it handles: the program gets an ordinary mask. */
        r = posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0) ?:
            posix_spawn_file_actions_adddup2(&fa, out, STDOUT_FILENO) ?:
            posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0) ?:
            posix_spawnattr_setsigmask(&attr, &none) ?:
            posix_spawnattr_setsigdefault(&attr, &all) ?:
            posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF) ?:
            posix_spawn(ret, executable, &fa, &attr, argv, environ);
        posix_spawnattr_destroy(&attr);
        posix_spawn_file_actions_destroy(&fa);
        return -r;
}

int run_capture(const char *executable, char *const *argv, size_t max, usec_t timeout, RunCapture *ret, Error *e) {
        _cleanup_free_ char *buf = NULL;
        _cleanup_close_ int out = -EBADF;
        bool truncated = false, known = true;
        usec_t deadline;
        size_t n = 0;
        int p[2], r = 0, status = 0;
        pid_t pid;

        assert(executable && argv && argv[0] && ret);

        /* One byte more than max tells a program that said more from one that said just that. */
        buf = malloc(max + 1);
        if (!buf)
                return error_set(e, -ENOMEM, "Out of memory");
        if (pipe2(p, O_CLOEXEC) < 0)
                return error_set(e, negative_errno(), "Cannot make a pipe for %s: %m", executable);
        out = p[0];
        r = spawn(executable, argv, p[1], &pid);
        (void) close(p[1]);
        if (r < 0)
                return error_set(e, r, "Cannot execute %s: %s", executable, strerror(-r));

        deadline = usec_add(now_usec(), timeout);
        for (;;) {
                struct pollfd pfd = { .fd = out, .events = POLLIN };
                ssize_t k;

                if (now_usec() >= deadline) {
                        r = -ETIME;
                        break;
                }
                k = poll(&pfd, 1, msec_until(deadline));
                if (k < 0 && errno != EINTR) {
                        r = negative_errno();
                        break;
                }
                if (k <= 0)
                        continue;
                k = read(out, buf + n, max + 1 - n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0) {
                        r = negative_errno();
                        break;
                }
                if (k == 0)
                        break;
                n += (size_t) k;
                if (n > max) {
                        truncated = true;
                        n = max;
                        break;
                }
        }

        /* Its stdout is closed: it is ending, or it closed it and goes on, which counts as not ending. */
        while (r == 0 && !truncated) {
                pid_t w = waitpid(pid, &status, WNOHANG);

                if (w == pid)
                        break;
                if (w < 0 && errno == ECHILD) {
                        known = false;  /* reaped by no one's wait (SIGCHLD ignored): ended, status lost */
                        break;
                }
                if (w < 0 && errno != EINTR) {
                        r = negative_errno();
                        break;
                }
                if (now_usec() >= deadline) {
                        r = -ETIME;
                        break;
                }
                (void) poll(NULL, 0, 1);
        }
        if (r < 0 || truncated) {
                (void) kill(pid, SIGKILL);
                (void) waitpid(pid, &status, 0);
        }

        if (r == -ETIME)
                return error_set(e, r, "%s did not finish within %llu ms", executable,
                                 (unsigned long long) (timeout / USEC_PER_MSEC));
        if (r < 0)
                return error_set(e, r, "Cannot read the output of %s: %s", executable, strerror(-r));
        buf[n] = 0;
        *ret = (RunCapture) {
                .output = TAKE_PTR(buf),
                .size = n,
                .truncated = truncated,
                .exit_status = known && !truncated && WIFEXITED(status) ? WEXITSTATUS(status) : -1,
        };
        return 0;
}
