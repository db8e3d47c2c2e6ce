/* e2e-watch: the Debian e2e's 1 ms observer inside the guest.
 *
 *   e2e-watch DT-PROPERTY [FILE]
 *
 * Prints one line per change, time-stamped with CLOCK_MONOTONIC (the clock of
 * `journalctl -o short-monotonic`, so the runner can order both):
 *   <t> dt <inode> <size>      the device-tree property file was replaced
 *                              (the kernel removes and re-adds it: inode 0 while gone)
 *   <t> crash_loaded <0|1>     /sys/kernel/kexec_crash_loaded changed
 *   <t> file <content>         FILE's first line changed (the CPU scenario watches
 *                              /sys/devices/system/cpu/present: a core's DT node arrived)
 * Runs until killed. Polling, because neither file can be watched with inotify.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void stamp(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        printf("%lld.%06ld ", (long long) ts.tv_sec, ts.tv_nsec / 1000);
}

static int crash_loaded(void) {
        char c = '?';
        int fd = open("/sys/kernel/kexec_crash_loaded", O_RDONLY | O_CLOEXEC);

        if (fd >= 0) {
                if (read(fd, &c, 1) != 1)
                        c = '?';
                close(fd);
        }
        return c;
}

/* FILE's first line (at most 63 bytes, no newline), or "-" when it cannot be read. */
static void first_line(const char *path, char buf[static 64]) {
        ssize_t n = -1;
        int fd = open(path, O_RDONLY | O_CLOEXEC);

        if (fd >= 0) {
                n = read(fd, buf, 63);
                close(fd);
        }
        if (n <= 0) {
                strcpy(buf, "-");
                return;
        }
        buf[n] = '\0';
        buf[strcspn(buf, "\n")] = '\0';
}

int main(int argc, char **argv) {
        const struct timespec period = { .tv_sec = 0, .tv_nsec = 1000000 };
        unsigned long long last_ino = ~0ULL;
        long long last_size = -2;
        int last_loaded = 0;
        char last_line[64] = "", line[64];

        if (argc != 2 && argc != 3) {
                fprintf(stderr, "usage: e2e-watch DT-PROPERTY [FILE]\n");
                return 2;
        }
        for (;;) {
                struct stat st;
                unsigned long long ino = 0;
                long long size = -1;
                int loaded = crash_loaded();

                if (stat(argv[1], &st) == 0) {
                        ino = st.st_ino;
                        size = st.st_size;
                }
                if (ino != last_ino || size != last_size) {
                        stamp();
                        printf("dt %llu %lld\n", ino, size);
                        last_ino = ino;
                        last_size = size;
                }
                if (loaded != last_loaded) {
                        stamp();
                        printf("crash_loaded %c\n", loaded);
                        last_loaded = loaded;
                }
                if (argc == 3) {
                        first_line(argv[2], line);
                        if (strcmp(line, last_line) != 0) {
                                stamp();
                                printf("file %s\n", line);
                                strcpy(last_line, line);
                        }
                }
                fflush(stdout);
                nanosleep(&period, NULL);
        }
}
