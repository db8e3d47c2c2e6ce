/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

extern char **environ;

#define USEC_PER_SEC ((int64_t) 1000000)

int64_t harness_now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * USEC_PER_SEC + ts.tv_nsec / 1000;
}

void harness_sleep_usec(int64_t usec) {
        struct timespec ts = { .tv_sec = usec / USEC_PER_SEC, .tv_nsec = (usec % USEC_PER_SEC) * 1000 };

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

char **harness_environ_with(const char *assignment) {
        size_t name_len = strcspn(assignment, "=") + 1, n = 0;
        char **envp;

        for (char **e = environ; *e; e++)
                n++;
        envp = calloc(n + 2, sizeof(char *));
        if (!envp)
                abort();
        n = 0;
        for (char **e = environ; *e; e++)
                if (strncmp(*e, assignment, name_len) != 0)
                        envp[n++] = *e;
        envp[n++] = (char *) assignment;
        return envp;
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
