/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>

#include "alloc-util.h"
#include "backend.h"
#include "capture-cmdline.h"
#include "dt-overlay-mount.h"
#include "fd-util.h"
#include "fileio.h"
#include "kexec-help.h"
#include "log.h"
#include "reload-watch.h"
#include "path-lookup.h"
#include "reload.h"
#include "strv.h"

/* Look at a reload past its timeout (lib/kernel/reload-watch.h): its CPU time and kexec_crash_loaded. */
#define RELOAD_WATCH_POLL_USEC (1 * USEC_PER_SEC)
/* Beyond the earliest kill, for the kill and the exit after it. */
#define RELOAD_STOP_SLACK_USEC (10 * USEC_PER_SEC)

struct Reload {
        pid_t pid;
        sd_event_source *child;
        sd_event_source *timeout;
        usec_t started_at;
        usec_t timeout_usec;
        ReloadWatch watch;         /* past the timeout: killed only when stalled */
        bool timed_out;
        bool waiting_unloaded;     /* past the timeout, stalled, not killed: no crash kernel is loaded */
        bool waiting_busy;         /* past the timeout, not killed: it makes progress */
        KdumpGate gate;            /* what the kdump-enabled gate said; not OPEN: nothing was run */
        int gate_fd;               /* the child writes the gate's word and why here */
        int loaded_before;         /* kexec_crash_loaded when the reload started (-1: unknown) */
        bool fadump;               /* the daemon's own fadump re-registration, not a command */
        bool stopping;             /* the daemon waits for it to exit: keep systemd's stop timeout ahead */
        const char *root;
        char **argv;               /* the backend's own, when it prepared one for this reload */
        char *lock;                /* the file the backend's own scripts flock, taken around the command */
        reload_done_t done;
        void *userdata;
};

static bool find_in_path(const char *name, const char *path) {
        _cleanup_free_ char *full = NULL;

        return find_executable(name, path, &full) >= 0;
}

/* The kexec fallback's --append=: KexecAppend= as given, else this kernel's command line made
 * into a capture kernel's (lib/model/capture-cmdline.c). */
static int kexec_append(const Config *c, const char *root, char **ret, Error *e) {
        _cleanup_free_ char *cmdline = NULL, *built = NULL;
        int r;

        if (c->kexec_append)
                return asprintf(ret, "--append=%s", c->kexec_append) < 0 ? error_set(e, -ENOMEM, "Out of memory") : 0;
        r = read_full_file_root(root, "/proc/cmdline", 64 * 1024, &cmdline, NULL, e);
        if (r < 0)
                return r;
        r = capture_cmdline_build(cmdline, &built, e);
        if (r < 0)
                return r;
        return asprintf(ret, "--append=%s", built) < 0 ? error_set(e, -ENOMEM, "Out of memory") : 0;
}

int reload_argv_resolve(const Config *c, const char *root, const char *path, char ***ret, const char **ret_backend,
                        KexecHotplug *ret_hotplug, Error *e) {
        _cleanup_free_ char *initrd = NULL, *append = NULL, *kexec = NULL;
        const ReloadBackend *b;
        Error ee = {};
        int r;

        *ret_hotplug = KEXEC_HOTPLUG_UNUSED;

        if (c->reload_command) {
                r = strv_split_whitespace(c->reload_command, ret);
                if (r < 0)
                        return error_set(e, r, "ReloadCommand=%s cannot be used", c->reload_command);
                *ret_backend = "ReloadCommand=";
                return 0;
        }

        /* ReloadBackend=auto: the first distribution tool in PATH, else kexec. */
        b = reload_backend_get(c->reload_backend);
        for (ReloadBackendChoice id = 0; !b && id < _RELOAD_BACKEND_MAX; id++) {
                const ReloadBackend *candidate = reload_backend_get(id);

                if (candidate && candidate->probe && find_in_path(candidate->probe, path))
                        b = candidate;
        }
        if (b && b->argv) {
                *ret_backend = reload_backend_name(b);
                r = strv_copy(b->argv, ret);
                if (r < 0)
                        return error_set(e, r, "Out of memory");
                /* A replayed kexec -p keeps --hotplug only as the kexec fallback would load. */
                if (b->replay_kexec) {
                        if (path_join_root(root, b->replay_kexec, &kexec) < 0)
                                return error_set(e, -ENOMEM, "Out of memory");
                        *ret_hotplug = kexec_hotplug_probe(root, kexec, c->kexec_hotplug, NULL);
                }
                return 0;
        }

        if (!c->kexec_kernel)
                return error_set(e, -ENOENT, b ? "ReloadBackend=kexec needs KexecKernel="
                                               : "No reload backend: none of kdumpctl, kdump-config, kdumptool is in "
                                                 "PATH, and neither ReloadCommand= nor KexecKernel= is set");
        *ret_backend = reload_backend_name(reload_backend_get(RELOAD_BACKEND_KEXEC));
        if (c->kexec_initrd && asprintf(&initrd, "--initrd=%s", c->kexec_initrd) < 0)
                return error_set(e, -ENOMEM, "Out of memory");
        r = kexec_append(c, root, &append, &ee);
        if (r < 0)
                return error_set(e, r, "KexecKernel=: no capture kernel command line: %s", error_message(&ee, r));
        (void) find_executable("kexec", path, &kexec);
        *ret_hotplug = kexec_hotplug_probe(root, kexec, c->kexec_hotplug, NULL);
        /* With --hotplug the kernel rebuilds the image's memory ranges and CPU list itself. */
        if (*ret_hotplug == KEXEC_HOTPLUG_ON)
                r = strv_copy((const char *const[]) { "kexec", "-p", KEXEC_HOTPLUG_OPTION, c->kexec_kernel, append,
                                                      initrd, NULL }, ret);
        else
                r = strv_copy((const char *const[]) { "kexec", "-p", c->kexec_kernel, append, initrd, NULL }, ret);
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

void reload_extend_stop_timeout(Reload *r, usec_t now) {
        usec_t deadline = reload_deadline(r);

        /* systemd's stop timeout would SIGKILL it, maybe between its unload and load; the deadline
         * moves while it makes progress, so this is said again at each look past the timeout. */
        r->stopping = true;
        (void) sd_notifyf(false, "EXTEND_TIMEOUT_USEC=%llu", (unsigned long long)
                          usec_add(deadline - MIN(deadline, now), RELOAD_STOP_SLACK_USEC));
}

bool reload_is_fadump(const Reload *r) {
        return r->fadump;
}

KdumpGate reload_gate(const Reload *r) {
        return r->gate;
}

usec_t reload_deadline(const Reload *r) {
        return r->timeout_usec == USEC_INFINITY ? USEC_INFINITY : reload_watch_deadline(&r->watch);
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
        if (r->gate_fd >= 0)
                close(r->gate_fd);
        strv_free(r->argv);
        free(r->lock);
        free(r);
        return NULL;
}

static int on_child(sd_event_source *s, const siginfo_t *si, void *userdata) {
        Reload *r = userdata;
        char how[256], gate[256] = "", span[FORMAT_TIMESPAN_MAX];
        bool success = false;
        ssize_t n;

        n = r->gate_fd >= 0 ? read(r->gate_fd, gate, sizeof(gate) - 1) : -1;
        if (n > 0 && si->si_code == CLD_EXITED && si->si_status == 0) {
                /* The gate's word, a space, why: nothing ran. Closed: nothing failed either;
                 * deferred: the request stays owed, a failure to the engine, which retries. */
                size_t w = strcspn(gate, " ");

                gate[n] = gate[w] = 0;
                r->gate = kdump_gate_from_string(gate);
                if (r->gate < 0 || r->gate == KDUMP_GATE_OPEN)
                        r->gate = KDUMP_GATE_DEFER;  /* cannot happen: the child execs then */
                snprintf(how, sizeof(how), "%s", (size_t) n > w ? gate + w + 1 : "");
                success = r->gate == KDUMP_GATE_CLOSED;
        } else if (r->timed_out) {
                /* Killed at the timeout, or later, once it stalled. */
                snprintf(how, sizeof(how), "timed out after %s and was killed%s",
                         format_timespan(span, sizeof(span), r->waiting_unloaded || r->waiting_busy ?
                                         now_usec() - r->started_at : r->timeout_usec),
                         r->waiting_busy ? " once it stopped making progress" : "");
                /* Killed between the backend's unload and its load: say so; the retry loads. */
                if (r->loaded_before == 1 && crash_kernel_loaded(r->root) == 0)
                        snprintf(how + strlen(how), sizeof(how) - strlen(how),
                                 ", leaving no crash kernel loaded");
        } else if (si->si_code == CLD_EXITED) {
                success = si->si_status == 0;
                snprintf(how, sizeof(how), "exit status %d", si->si_status);
        } else
                snprintf(how, sizeof(how), "killed by signal %s", strsignal(si->si_status));

        r->pid = 0;  /* reaped by sd-event */
        r->done(r, success, how, r->userdata);
        return 0;
}

/* The CPU time of the reload's process group so far: every process in it (kdumpctl runs dracut,
 * which runs cpio and compressors), with what each has reaped. /proc, not root/proc: these are our
 * children. procfs does not block. */
static uint64_t group_cpu_usec(pid_t pgrp) {
        _cleanup_closedir_ DIR *d = opendir("/proc");
        long hz = sysconf(_SC_CLK_TCK);
        uint64_t ticks = 0;
        struct dirent *de;

        if (!d || hz <= 0)
                return 0;
        while ((de = readdir(d))) {
                _cleanup_free_ char *path = NULL, *text = NULL;
                uint64_t t;
                pid_t g;

                if (de->d_name[0] < '1' || de->d_name[0] > '9')
                        continue;
                if (asprintf(&path, "proc/%s/stat", de->d_name) < 0)
                        return ticks;
                /* Gone meanwhile, or not ours to read: not in the group. */
                if (read_full_file_root("/", path, 4096, &text, NULL, NULL) < 0 ||
                    proc_stat_parse(text, NULL, &g, &t, NULL) < 0 || g != pgrp)
                        continue;
                ticks += t;
        }
        return ticks * USEC_PER_SEC / (uint64_t) hz;
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        Reload *r = userdata;
        char span[FORMAT_TIMESPAN_MAX];
        int loaded = crash_kernel_loaded(r->root);

        switch (reload_watch_poll(&r->watch, now_usec(), group_cpu_usec(r->pid), loaded)) {
        case RELOAD_WATCH_KEEP:
                if (loaded == 0)
                        goto unloaded;
                break;
        case RELOAD_WATCH_KEEP_BUSY:
                if (!r->waiting_busy)
                        log_notice("The reload command is still running after %s and makes progress (its processes "
                                   "use CPU time): not killing it while it does.",
                                   format_timespan(span, sizeof(span), r->timeout_usec));
                r->waiting_busy = true;
                break;
        case RELOAD_WATCH_KEEP_UNLOADED:
        unloaded:
                /* kdumpctl reload and kdump-config reload unload first, and a retry after a kill
                 * starts with nothing loaded: give either as long as a first attempt. */
                if (!r->waiting_unloaded)
                        log_warning("The reload command is still running after %s and no crash kernel is loaded: "
                                    "not killing it before it loads the new one; waiting up to twice that in all.",
                                    format_timespan(span, sizeof(span), r->timeout_usec));
                r->waiting_unloaded = true;
                break;
        case RELOAD_WATCH_KILL:
                /* The whole group: kdumpctl and kdump-config run kexec and more below them. */
                r->timed_out = true;
                (void) kill(-r->pid, SIGKILL);
                return 0;
        }
        if (r->stopping)
                reload_extend_stop_timeout(r, now_usec());
        (void) sd_event_source_set_time_relative(s, RELOAD_WATCH_POLL_USEC);
        (void) sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        return 0;
}

/* O_TRUNC as the shell's `echo 1 >` of the distributions' scripts: sysfs ignores it. */
static int write_string(const char *path, const char *value) {
        _cleanup_close_ int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);

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

/* Holds path's flock (exclusive, as flock(1) takes it) for the command's lifetime: the fd is
 * inherited through exec. Waits while someone else holds it; the reload's timeout bounds that. */
static int take_lock(const char *path) {
        int fd = open(path, O_RDONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0644);
        struct stat st;

        if (fd < 0 && errno == EROFS) {
                /* Not there, and cannot be made (outside the unit's ReadWritePaths=): no script
                 * has taken it since boot, as each creates it first. */
                fprintf(stderr, "<7>No %s and cannot create it: running without it.\n", path);
                return 0;
        }
        if (fd < 0 || fstat(fd, &st) < 0)
                return negative_errno();
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        if (flock(fd, LOCK_EX | LOCK_NB) >= 0)
                return 0;
        if (errno != EWOULDBLOCK)
                return negative_errno();
        fprintf(stderr, "<6>Waiting for %s, held by the distribution's own reload.\n", path);
        fflush(stderr);
        return flock(fd, LOCK_EX) < 0 ? negative_errno() : 0;
}

static _Noreturn void exec_child(const char *executable, char * const *argv, const char *fadump_registered,
                                 SettleReason reason, const ReloadBackend *backend, const char *root, int gate_fd,
                                 const char *lock) {
        char why[200], word[256];
        KdumpGate g;
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

        /* Here, not in the parent: `systemctl is-active` may take a while, the event loop may not. */
        g = reload_backend_gate(backend, root, !argv, why, sizeof(why));
        if (g != KDUMP_GATE_OPEN) {
                snprintf(word, sizeof(word), "%s %s", kdump_gate_to_string(g), why);
                (void) !write(gate_fd, word, strlen(word));
                _exit(0);
        }

        if (lock) {
                int r = take_lock(lock);

                if (r < 0) {
                        errno = -r;
                        fprintf(stderr, "<3>Cannot lock %s: %m\n", lock);
                        _exit(1);
                }
        }

        (void) setenv("KDUMP_SETTLE_REASON", settle_reason_to_string(reason), 1);

        if (!argv)
                fadump_reregister(fadump_registered);

        /* kexec-tools reads parts of the DT the kernel leaves stale: run over corrected copies. */
        (void) dt_overlay_enter(root);

        /* execv(), not execvp(): the latter hands a file without a #! line to /bin/sh. */
        execv(executable, argv);
        fprintf(stderr, "<3>Cannot execute reload command %s: %m\n", argv[0]);
        _exit(127);
}

int reload_start(sd_event *event, const char *root, const char *backend, KexecHotplug hotplug, char * const *argv,
                 const char *fadump_registered, SettleReason reason, usec_t timeout, reload_done_t done,
                 void *userdata, Reload **ret, Error *e) {
        const ReloadBackend *b = reload_backend_find(backend);
        _cleanup_free_ char *executable = NULL;
        int pipefd[2], k;
        Reload *r;

        r = calloc(1, sizeof(*r));
        if (!r)
                return error_set(e, -ENOMEM, "Out of memory");
        r->done = done;
        r->userdata = userdata;
        r->timeout_usec = timeout;
        r->root = root;
        r->gate_fd = -1;
        r->gate = KDUMP_GATE_OPEN;
        r->loaded_before = argv ? crash_kernel_loaded(root) : -1;
        r->fadump = !argv;

        if (!argv && !fadump_registered) {
                /* The re-registration was resolved, then fadump went and no tool could be found. */
                reload_free(r);
                return error_set(e, -ENOENT, "No reload backend: firmware-assisted dump is off now");
        }

        /* Some backends choose their command from the state right now (Debian: load over the old
         * image when one is loaded). On the event loop, but bounded: a few local files, opened
         * O_NONBLOCK and read only once fstat() says regular; their lock is taken in the child. */
        if (argv && b && b->prepare) {
                const char * const *words = NULL;

                k = b->prepare(b, root, hotplug, &words, &r->argv, &r->lock, e);
                if (k >= 0 && words && strv_copy(words, &r->argv) < 0)
                        k = error_set(e, -ENOMEM, "Out of memory");
                if (k < 0) {
                        reload_free(r);
                        return k;
                }
                argv = r->argv;
        }

        /* Looked up now, not when the config was read: the tool may have been installed since. */
        if (argv) {
                k = find_executable(argv[0], getenv("PATH") ?: RELOAD_DEFAULT_PATH, &executable);
                if (k < 0) {
                        reload_free(r);
                        return error_set(e, k, "Reload command %s not found or not executable: %s", argv[0],
                                         strerror(-k));
                }
        }

        if (pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) < 0) {
                k = error_set(e, negative_errno(), "Cannot make a pipe for the reload command: %m");
                reload_free(r);
                return k;
        }
        r->gate_fd = pipefd[0];

        r->started_at = now_usec();
        reload_watch_init(&r->watch, r->started_at, timeout, 0, r->loaded_before);
        fflush(stderr);
        r->pid = fork();
        if (r->pid < 0) {
                k = error_set(e, negative_errno(), "Cannot fork the reload command: %m");
                close(pipefd[1]);
                reload_free(r);
                return k;
        }
        if (r->pid == 0)
                exec_child(executable, argv, fadump_registered, reason, b, root, pipefd[1], r->lock);
        close(pipefd[1]);

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
