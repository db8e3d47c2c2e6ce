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
#include "log.h"

static long long now_msec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int kexec_ask(const char *executable, const char *option, char **ret, Error *e) {
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
                return error_set(e, negative_errno(), "Cannot make a pipe for %s %s: %m", executable, option);

        pid = fork();
        if (pid < 0) {
                r = error_set(e, negative_errno(), "Cannot fork %s %s: %m", executable, option);
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
                execl(executable, executable, option, (char *) NULL);
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
                        r = error_set(e, -ETIME, "%s %s did not finish within %d ms", executable, option,
                                      KEXEC_HELP_TIMEOUT_MSEC);
                        break;
                }
                k = poll(&pfd, 1, (int) left);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0) {
                        r = error_set(e, negative_errno(), "Cannot read %s %s: %m", executable, option);
                        break;
                }
                if (k == 0)
                        continue;
                k = read(out, buf + n, KEXEC_HELP_MAX - n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0) {
                        r = error_set(e, negative_errno(), "Cannot read %s %s: %m", executable, option);
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

/* Whether kexec lists --hotplug; a kexec that cannot be asked has not. */
static bool kexec_has_hotplug(const char *executable) {
        _cleanup_free_ char *help = NULL;
        Error e = {};
        int r;

        r = kexec_ask(executable, "--help", &help, &e);
        if (r < 0) {
                log_warning("Cannot ask kexec whether it has --hotplug: %s", error_message(&e, r));
                return false;
        }
        return kexec_help_has_hotplug(help);
}

/* Whether kexec's --version shows the elfcorehdr reservation fix; a version not understood has not. */
static bool kexec_has_reserve_fix(const char *executable, char **ret_version) {
        _cleanup_free_ char *text = NULL;
        KexecVersion v;
        Error e = {};
        int r;

        r = kexec_ask(executable, "--version", &text, &e);
        if (r >= 0)
                r = kexec_version_parse(text, &v, &e);
        if (r < 0) {
                log_warning("Cannot tell whether kexec reserves the whole elfcorehdr, so no --hotplug "
                            "(KexecHotplug=yes if it does): %s", error_message(&e, r));
                return false;
        }
        if (ret_version)
                *ret_version = strndup(text, strcspn(text, "\n"));
        return kexec_version_has_reserve_fix(&v);
}

KexecHotplug kexec_hotplug_probe(const char *root, const char *executable, KexecHotplugChoice choice,
                                 char **ret_version) {
        bool kernel = false, kexec, fix = false;
        Error e = {};
        int r;

        if (ret_version)
                *ret_version = NULL;
        if (choice == KEXEC_HOTPLUG_CHOICE_NO)
                return kexec_hotplug_decide(choice, false, false, false);
        r = kexec_hotplug_kernel_supports(root, &kernel, &e);
        if (r < 0)
                log_warning_errno(r, "%s; loading without --hotplug.", error_message(&e, r));
        if (kernel && !executable)
                log_warning("Cannot ask kexec whether it has --hotplug: kexec not found in PATH");
        /* Each question only when the answers before it leave it open. */
        kexec = kernel && executable && kexec_has_hotplug(executable);
        if (kexec && choice == KEXEC_HOTPLUG_CHOICE_AUTO)
                fix = kexec_has_reserve_fix(executable, ret_version);
        return kexec_hotplug_decide(choice, kernel, kexec, fix);
}
