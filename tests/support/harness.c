/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alloc-util.h"
#include "drconf-usable.h"
#include "harness.h"
#include "macro.h"
#include "mount-namespace.h"

extern char **environ;


int64_t harness_now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * SEC + ts.tv_nsec / 1000;
}

void harness_sleep_usec(int64_t usec) {
        struct timespec ts = { .tv_sec = usec / SEC, .tv_nsec = (usec % SEC) * 1000 };

        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

char *harness_read_all(const char *path, size_t *ret_size) {
        FILE *f = fopen(path, "re");
        char *data = NULL;
        size_t size = 0, allocated = 0;

        if (!f)
                return NULL;
        for (;;) {
                /* Doubling: the daemon's log after a flood is megabytes. */
                if (size + 4096 + 1 > allocated) {
                        allocated = (size + 4096 + 1) * 2;
                        char *n = realloc(data, allocated);
                        if (!n)
                                abort();
                        data = n;
                }
                size_t k = fread(data + size, 1, allocated - size - 1, f);
                size += k;
                if (k == 0)
                        break;
        }
        fclose(f);
        data[size] = '\0';
        if (ret_size)
                *ret_size = size;
        return data;
}

int harness_write_text(const char *path, const char *text) {
        FILE *f = fopen(path, "we");

        if (!f)
                return -errno;
        fputs(text, f);
        return fclose(f) == 0 ? 0 : -errno;
}

char *harness_path_in(const char *dir, const char *name) {
        char *p;

        if (asprintf(&p, "%s/%s", dir, name) < 0)
                abort();
        return p;
}

char *harness_block_syspath(unsigned n) {
        char *p;

        if (asprintf(&p, "/sys/devices/system/memory/memory%u", n) < 0)
                abort();
        return p;
}

int harness_notify_socket(const char *path) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd;

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                int r = -errno;

                close(fd);
                return r;
        }
        return fd;
}

char **harness_environ_with(const char *assignment, ...) {
        const char *assignments[8];
        size_t n_assignments = 0, n = 0;
        char **envp;
        va_list ap;

        va_start(ap, assignment);
        for (const char *a = assignment; a; a = va_arg(ap, const char *)) {
                if (n_assignments >= ELEMENTSOF(assignments))
                        abort();
                assignments[n_assignments++] = a;
        }
        va_end(ap);

        for (char **e = environ; *e; e++)
                n++;
        envp = calloc(n + n_assignments + 1, sizeof(char *));
        if (!envp)
                abort();
        n = 0;
        for (char **e = environ; *e; e++) {
                bool replaced = false;

                for (size_t i = 0; i < n_assignments; i++)
                        if (strncmp(*e, assignments[i], strcspn(assignments[i], "=") + 1) == 0)
                                replaced = true;
                if (!replaced)
                        envp[n++] = *e;
        }
        for (size_t i = 0; i < n_assignments; i++)
                envp[n++] = (char *) assignments[i];
        return envp;
}

void harness_fail(const char *name, bool *failed, const char *format, ...) {
        char buf[1024];
        va_list ap;

        va_start(ap, format);
        vsnprintf(buf, sizeof(buf), format, ap);
        va_end(ap);
        printf("# %s: FAIL: %s\n", name, buf);
        fflush(stdout);
        *failed = true;
}

void harness_diag_lines(const char *prefix, const char *text) {
        const char *p = text;

        while (*p) {
                size_t n = strcspn(p, "\n");

                printf("#   %s%.*s\n", prefix, (int) n, p);
                p += n;
                if (*p == '\n')
                        p++;
        }
}

pid_t harness_spawn(char *const *argv, char *const *envp, const char *output_path, const char *print_prefix) {
        pid_t pid;
        int fd;

        if (print_prefix) {
                printf("%s", print_prefix);
                for (size_t i = 0; argv[i]; i++)
                        printf(" %s", argv[i]);
                printf("\n");
        }
        fflush(stdout);
        fflush(stderr);

        fd = open(output_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
                abort();
        pid = fork();
        if (pid < 0)
                abort();
        if (pid == 0) {
                int null = open("/dev/null", O_RDONLY);

                if (null >= 0)
                        dup2(null, STDIN_FILENO);
                dup2(fd, STDOUT_FILENO);
                dup2(fd, STDERR_FILENO);
                /* If this program dies (umockdev aborts it on some errors), so does the child. */
                (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
                execvpe(argv[0], argv, envp);
                _exit(127);
        }
        close(fd);
        return pid;
}

int harness_ensure_preload(char **argv, const char *reexec_var) {
        const char *preload = getenv("LD_PRELOAD");
        char *value;

        if (preload && strstr(preload, "libumockdev-preload"))
                return 0;
        if (getenv(reexec_var))
                return -ELOOP;
        if (asprintf(&value, "libumockdev-preload.so.0%s%s", preload && *preload ? ":" : "",
                     preload && *preload ? preload : "") < 0)
                abort();
        setenv("LD_PRELOAD", value, 1);
        setenv(reexec_var, "1", 1);
        execv("/proc/self/exe", argv);
        return -errno;
}

void harness_lpar_dt(Blob *b, unsigned first_lmb, unsigned n_boot, unsigned n_hot, uint32_t boot_flags,
                     uint32_t hot_flags) {
        const TestLmbSet sets[] = {
                { .n_lmbs = n_boot, .base = (uint64_t) first_lmb * LMB_SIZE, .flags = boot_flags },
                { .n_lmbs = n_hot, .base = (uint64_t) (first_lmb + n_boot) * LMB_SIZE, .flags = hot_flags },
        };

        *b = (Blob) {};
        dt_blob_v2(b, sets, ELEMENTSOF(sets));
}

bool harness_dt_copy_is(const void *data, size_t size, const Blob *expected) {
        _cleanup_free_ void *corrected = NULL;
        size_t corrected_size;
        Error e = {};

        if (!data)
                return false;
        if (size == expected->size && memcmp(data, expected->data, size) == 0)
                return true;
        if (drconf_usable_present_only(DT_FORMAT_V2, expected->data, expected->size, LMB_SIZE, &corrected,
                                       &corrected_size, &e) <= 0)
                return false;
        return size == corrected_size && memcmp(data, corrected, size) == 0;
}

char *harness_umockdev_block(unsigned n) {
        char *desc;

        if (asprintf(&desc,
                     "P: /devices/system/memory/memory%u\n"
                     "E: SUBSYSTEM=memory\n"
                     "A: state=online\n"
                     "A: phys_index=%08x\n",
                     n, n) < 0)
                abort();
        return desc;
}

long harness_proc_status_kb(pid_t pid, const char *field) {
        char path[64], line[256];
        long v = -1;
        FILE *f;

        snprintf(path, sizeof(path), "/proc/%d/status", (int) pid);
        f = fopen(path, "re");
        if (!f)
                return -1;
        while (fgets(line, sizeof(line), f))
                if (strncmp(line, field, strlen(field)) == 0 && line[strlen(field)] == ':') {
                        v = strtol(line + strlen(field) + 1, NULL, 10);
                        break;
                }
        fclose(f);
        return v;
}

bool harness_notify_read(int fd, int64_t timeout, void (*on_line)(const char *line, void *userdata), void *userdata) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        bool got = false;

        if (poll(&p, 1, (int) ((timeout + 999) / 1000)) <= 0)
                return false;
        for (;;) {
                char buf[4096], *line, *save = NULL;
                ssize_t k = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

                if (k < 0)
                        break;
                buf[k] = 0;
                for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
                        on_line(line, userdata);
                got = true;
        }
        return got;
}

int harness_run_forked(int (*fn)(const void *userdata), const void *userdata) {
        int status;
        pid_t pid;

        fflush(stdout);
        pid = fork();
        if (pid < 0)
                abort();
        if (pid == 0)
                _exit(fn(userdata));
        if (waitpid(pid, &status, 0) != pid)
                abort();
        return WIFEXITED(status) ? WEXITSTATUS(status) : HARNESS_CHILD_DIED;
}

static int make_own_namespace(const void *userdata) {
        Error e = {};

        return mount_namespace_own(&e) < 0;
}

bool harness_mount_namespace_usable(void) {
        return harness_run_forked(make_own_namespace, NULL) == 0;
}
