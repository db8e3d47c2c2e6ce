/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alloc-util.h"
#include "fd-util.h"
#include "reload.h"
#include "strv.h"

struct Reload {
        pid_t pid;
        sd_event_source *child;
        sd_event_source *timeout;
        usec_t started_at;
        usec_t timeout_usec;
        bool timed_out;
        reload_done_t done;
        void *userdata;
};

/* The full path of an executable: name itself if it has a slash, else the first match in path. */
static int find_executable(const char *name, const char *path, char **ret) {
        _cleanup_free_ char *copy = NULL;
        char *saveptr = NULL;

        if (strchr(name, '/')) {
                if (access(name, X_OK) < 0)
                        return negative_errno();
                *ret = strdup(name);
                return *ret ? 0 : -ENOMEM;
        }

        copy = strdup(path ?: "");
        if (!copy)
                return -ENOMEM;
        for (char *dir = strtok_r(copy, ":", &saveptr); dir; dir = strtok_r(NULL, ":", &saveptr)) {
                char *full;

                if (asprintf(&full, "%s/%s", dir, name) < 0)
                        return -ENOMEM;
                if (access(full, X_OK) == 0) {
                        *ret = full;
                        return 0;
                }
                free(full);
        }
        return -ENOENT;
}

static bool find_in_path(const char *name, const char *path) {
        _cleanup_free_ char *full = NULL;

        return find_executable(name, path, &full) >= 0;
}

int reload_argv_resolve(const Config *c, const char *path, char ***ret, const char **ret_backend, Error *e) {
        _cleanup_free_ char *initrd = NULL, *append = NULL;
        int r;

        if (c->reload_command) {
                r = strv_split_whitespace(c->reload_command, ret);
                if (r < 0)
                        return error_set(e, r, "ReloadCommand=%s cannot be used", c->reload_command);
                *ret_backend = "ReloadCommand=";
                return 0;
        }

        if (find_in_path("kdumpctl", path)) {
                *ret_backend = "kdumpctl";
                r = strv_copy((const char *const[]) { "kdumpctl", "reload", NULL }, ret);
        } else if (find_in_path("kdump-config", path)) {
                *ret_backend = "kdump-config";
                r = strv_copy((const char *const[]) { "kdump-config", "reload", NULL }, ret);
        } else if (c->kexec_kernel) {
                *ret_backend = "kexec";
                if (c->kexec_initrd && asprintf(&initrd, "--initrd=%s", c->kexec_initrd) < 0)
                        return error_set(e, -ENOMEM, "Out of memory");
                /* Without KexecAppend=, the capture kernel gets this kernel's command line. */
                if (asprintf(&append, c->kexec_append ? "--append=%s" : "--reuse-cmdline",
                             c->kexec_append ?: "") < 0)
                        return error_set(e, -ENOMEM, "Out of memory");
                /* No KexecInitrd=: initrd is NULL and ends the vector. */
                r = strv_copy((const char *const[]) { "kexec", "-p", c->kexec_kernel, append, initrd, NULL }, ret);
        } else
                return error_set(e, -ENOENT,
                                 "No reload backend: neither kdumpctl nor kdump-config is in PATH, "
                                 "and neither ReloadCommand= nor KexecKernel= is set");

        return r < 0 ? error_set(e, r, "Out of memory") : 0;
}

static usec_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (usec_t) ts.tv_sec * USEC_PER_SEC + (usec_t) ts.tv_nsec / 1000;
}

usec_t reload_started_at(const Reload *r) {
        return r->started_at;
}

Reload *reload_free(Reload *r) {
        if (!r)
                return NULL;
        if (r->pid > 0) {
                (void) kill(-r->pid, SIGKILL);
                (void) waitpid(r->pid, NULL, 0);
        }
        sd_event_source_disable_unref(r->child);
        sd_event_source_disable_unref(r->timeout);
        free(r);
        return NULL;
}

static int on_child(sd_event_source *s, const siginfo_t *si, void *userdata) {
        Reload *r = userdata;
        char how[128];
        bool success = false;

        if (r->timed_out) {
                char span[FORMAT_TIMESPAN_MAX];
                snprintf(how, sizeof(how), "timed out after %s and was killed",
                         format_timespan(span, sizeof(span), r->timeout_usec));
        } else if (si->si_code == CLD_EXITED) {
                success = si->si_status == 0;
                snprintf(how, sizeof(how), "exit status %d", si->si_status);
        } else
                snprintf(how, sizeof(how), "killed by signal %s", strsignal(si->si_status));

        r->pid = 0;  /* reaped by sd-event */
        r->done(r, success, how, r->userdata);
        return 0;
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        Reload *r = userdata;

        /* The whole group: kdumpctl and kdump-config run kexec and more below them. */
        r->timed_out = true;
        (void) kill(-r->pid, SIGKILL);
        return 0;
}

static int write_string(const char *path, const char *value) {
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);

        if (fd < 0)
                return negative_errno();
        if (write(fd, value, strlen(value)) < 0)
                return negative_errno();
        return 0;
}

/* Newer kernels accept a re-registration directly; older ones want an unregister first. */
static _Noreturn void fadump_reregister(const char *registered) {
        int r;

        r = write_string(registered, "1");
        if (r < 0) {
                r = write_string(registered, "0");
                if (r >= 0)
                        r = write_string(registered, "1");
        }
        if (r < 0) {
                errno = -r;
                fprintf(stderr, "<3>Cannot re-register firmware-assisted dump through %s: %m\n", registered);
                _exit(1);
        }
        _exit(0);
}

static _Noreturn void exec_child(const char *executable, char * const *argv, const char *fadump_registered,
                                 SettleReason reason) {
        sigset_t all;
        int fd;

        /* sd-event blocked these in the parent; the reload command must get them as usual. */
        sigemptyset(&all);
        (void) sigprocmask(SIG_SETMASK, &all, NULL);
        for (int sig = 1; sig < NSIG; sig++)
                (void) signal(sig, SIG_DFL);

        (void) setpgid(0, 0);

        fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fd >= 0 && fd != STDIN_FILENO)
                (void) dup2(fd, STDIN_FILENO);
        /* Its output joins ours on stderr, so the journal keeps it next to the daemon's lines. */
        (void) dup2(STDERR_FILENO, STDOUT_FILENO);

        (void) setenv("KDUMP_SETTLE_REASON", settle_reason_to_string(reason), 1);

        if (fadump_registered)
                fadump_reregister(fadump_registered);

        /* execv(), not execvp(): the latter hands a file without a #! line to /bin/sh. */
        execv(executable, argv);
        fprintf(stderr, "<3>Cannot execute reload command %s: %m\n", argv[0]);
        _exit(127);
}

int reload_start(sd_event *event, char * const *argv, const char *fadump_registered, SettleReason reason,
                 usec_t timeout, reload_done_t done, void *userdata, Reload **ret, Error *e) {
        _cleanup_free_ char *executable = NULL;
        Reload *r;
        int k;

        /* Looked up now, not when the config was read: the tool may have been installed since. */
        if (!fadump_registered) {
                k = find_executable(argv[0], getenv("PATH") ?: RELOAD_DEFAULT_PATH, &executable);
                if (k < 0)
                        return error_set(e, k, "Reload command %s not found or not executable: %s", argv[0],
                                         strerror(-k));
        }

        r = calloc(1, sizeof(*r));
        if (!r)
                return error_set(e, -ENOMEM, "Out of memory");
        r->done = done;
        r->userdata = userdata;
        r->timeout_usec = timeout;
        r->started_at = now_usec();

        fflush(stderr);
        r->pid = fork();
        if (r->pid < 0) {
                k = error_set(e, negative_errno(), "Cannot fork the reload command: %m");
                free(r);
                return k;
        }
        if (r->pid == 0)
                exec_child(executable, argv, fadump_registered, reason);

        /* Also in the parent, so that a kill at timeout never races the child's own setpgid(). */
        (void) setpgid(r->pid, r->pid);

        k = sd_event_add_child(event, &r->child, r->pid, WEXITED, on_child, r);
        if (k < 0)
                goto fail;
        if (timeout != USEC_INFINITY) {
                k = sd_event_add_time_relative(event, &r->timeout, CLOCK_MONOTONIC, timeout, 0, on_timeout, r);
                if (k < 0)
                        goto fail;
        }

        *ret = r;
        return 0;

fail:
        reload_free(r);
        return error_set(e, k, "Cannot watch the reload command: %s", strerror(-k));
}
