/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The reload command of bench-latency: appends "<CLOCK_MONOTONIC ns> <KDUMP_SETTLE_REASON>\n" to
 * the file named by its argument, reading the clock first thing. Plain libc, no shell, so that the
 * time between the daemon's fork and this clock read is as short as a process start allows. */

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char *argv[]) {
        struct timespec ts;
        char line[128];
        const char *reason;
        int fd, n;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        if (argc != 2) {
                fprintf(stderr, "usage: %s LOG\n", argv[0]);
                return 2;
        }
        reason = getenv("KDUMP_SETTLE_REASON");
        n = snprintf(line, sizeof(line), "%lld %s\n",
                     (long long) ts.tv_sec * 1000000000LL + ts.tv_nsec, reason ? reason : "-");
        fd = open(argv[1], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0 || write(fd, line, (size_t) n) != n || close(fd) < 0) {
                perror(argv[1]);
                return 1;
        }
        return 0;
}
