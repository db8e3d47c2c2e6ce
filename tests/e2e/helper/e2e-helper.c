/* e2e-helper: tiny static guest-side tool for the e2e tests.
 *
 * Built with powerpc64le-linux-gnu-gcc -static so it runs in both the test
 * initramfs and the capture initramfs without any shared library.
 *
 *   e2e-helper now              print CLOCK_MONOTONIC as "SEC.NSEC"
 *   e2e-helper dtwatch PATH     every 1 ms stat() PATH; print "T ino size" on
 *                               start and whenever the inode or size changes
 *   e2e-helper uevents          print "T ACTION DEVPATH SUBSYSTEM" for every
 *                               kernel uevent (netlink group 1)
 *   e2e-helper vmcore [PATH]    print the PT_LOAD headers of an ELF64 core
 *                               (default /proc/vmcore) and whether the first
 *                               and last byte of each can be read
 *   e2e-helper t0 PROG [ARG...] exec PROG with E2E_T0 set to the time of this
 *                               exec: the reload command's start as the
 *                               daemon launched it, without shell start-up
 *   e2e-helper stamp            copy stdin to stdout, each line prefixed
 *                               with the time it was read (the daemon log)
 *   e2e-helper lockwatch PATH   every 1 ms read /proc/locks; print "T -" on
 *                               start and "T TYPE ACCESS PID START END" (or
 *                               "T -" when none) whenever the locks on PATH's
 *                               inode change (drmgr's dr_config_lock)
 *   e2e-helper hold PATH        take a POSIX write lock on PATH (F_SETLKW, as
 *                               drmgr takes dr_config_lock), print "T locked"
 *                               and keep it until killed
 *
 * All times use one clock (CLOCK_MONOTONIC) so the runner can order events
 * from different guest processes. Output is line-buffered for the same reason.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void print_now(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        printf("%lld.%09ld", (long long) ts.tv_sec, ts.tv_nsec);
}

static int cmd_now(void) {
        print_now();
        putchar('\n');
        return 0;
}

static int cmd_dtwatch(const char *path) {
        /* A property replacement shows up as a new sysfs inode (and usually a
         * new size); a missing file is reported as inode 0. */
        unsigned long long last_ino = ~0ULL;
        long long last_size = -2;
        const struct timespec period = { .tv_sec = 0, .tv_nsec = 1000000 };

        for (;;) {
                struct stat st;
                unsigned long long ino = 0;
                long long size = -1;

                if (stat(path, &st) == 0) {
                        ino = st.st_ino;
                        size = st.st_size;
                }
                if (ino != last_ino || size != last_size) {
                        print_now();
                        printf(" %llu %lld\n", ino, size);
                        fflush(stdout);
                        last_ino = ino;
                        last_size = size;
                }
                nanosleep(&period, NULL);
        }
        return 0; /* not reached: killed by the runner */
}

static int cmd_uevents(void) {
        struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 1 };
        static char buf[16384];
        int fd, rcvbuf = 4 * 1024 * 1024;

        fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
        if (fd < 0) {
                perror("socket");
                return 1;
        }
        /* A 1 GiB add is only a handful of events, but don't lose any under load. */
        setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
        if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                perror("bind");
                return 1;
        }
        /* Tell the runner the listener is live before anything is plugged. */
        print_now();
        printf(" listening - -\n");
        fflush(stdout);

        for (;;) {
                const char *action = "-", *devpath = "-", *subsystem = "-";
                ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == ENOBUFS) {
                                print_now();
                                printf(" OVERFLOW - -\n");
                                fflush(stdout);
                                continue;
                        }
                        perror("recv");
                        return 1;
                }
                buf[n] = '\0';
                /* Payload: "action@devpath\0KEY=VALUE\0..." */
                for (char *p = buf + strlen(buf) + 1; p < buf + n; p += strlen(p) + 1) {
                        if (!strncmp(p, "ACTION=", 7))
                                action = p + 7;
                        else if (!strncmp(p, "DEVPATH=", 8))
                                devpath = p + 8;
                        else if (!strncmp(p, "SUBSYSTEM=", 10))
                                subsystem = p + 10;
                }
                print_now();
                printf(" %s %s %s\n", action, devpath, subsystem);
                fflush(stdout);
        }
}

/* The first /proc/locks entry on inode `ino`, as "POSIX WRITE 123 0 EOF"
 * (type, access, pid, range), or "-" when there is none. Lines look like
 * "1: POSIX  ADVISORY  WRITE 123 00:13:4567 0 EOF"; blocked waiters
 * ("1: -> POSIX ...") are skipped. */
static void lock_on(unsigned long long ino, char *out, size_t size) {
        char line[256];
        FILE *f = fopen("/proc/locks", "re");

        snprintf(out, size, "-");
        if (!f)
                return;
        while (fgets(line, sizeof(line), f)) {
                char type[16], mode[16], access[16], dev[64], start[32], end[32];
                int pid;
                unsigned maj, min;
                unsigned long long i;

                if (strstr(line, "->") ||
                    sscanf(line, "%*[^:]: %15s %15s %15s %d %63s %31s %31s", type, mode, access, &pid, dev,
                           start, end) != 7 ||
                    sscanf(dev, "%x:%x:%llu", &maj, &min, &i) != 3 || i != ino)
                        continue;
                snprintf(out, size, "%s %s %d %s %s", type, access, pid, start, end);
                break;
        }
        fclose(f);
}

static int cmd_lockwatch(const char *path) {
        const struct timespec period = { .tv_sec = 0, .tv_nsec = 1000000 };
        char last[128] = "", now[128];
        struct stat st;

        if (stat(path, &st) < 0) {
                perror(path);
                return 1;
        }
        for (;;) {
                lock_on(st.st_ino, now, sizeof(now));
                if (strcmp(now, last)) {
                        print_now();
                        printf(" %s\n", now);
                        fflush(stdout);
                        strcpy(last, now);
                }
                nanosleep(&period, NULL);
        }
        return 0; /* not reached: killed by the runner */
}

static int cmd_hold(const char *path) {
        struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

        if (fd < 0 || fcntl(fd, F_SETLKW, &fl) < 0) {
                perror(path);
                return 1;
        }
        print_now();
        printf(" locked\n");
        fflush(stdout);
        for (;;)
                pause();
        return 0; /* not reached: killed by the runner, which releases the lock */
}

static int read_ok(int fd, uint64_t off) {
        unsigned char c;

        return pread(fd, &c, 1, (off_t) off) == 1;
}

static int cmd_vmcore(const char *path) {
        Elf64_Ehdr eh;
        int fd = open(path, O_RDONLY | O_CLOEXEC);

        if (fd < 0) {
                printf("VMCORE-ERROR open %s: %s\n", path, strerror(errno));
                return 1;
        }
        if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) ||
            memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
            eh.e_phentsize != sizeof(Elf64_Phdr)) {
                printf("VMCORE-ERROR not an ELF64 core\n");
                return 1;
        }
        for (unsigned i = 0; i < eh.e_phnum; i++) {
                Elf64_Phdr ph;

                if (pread(fd, &ph, sizeof(ph), (off_t) (eh.e_phoff + (uint64_t) i * sizeof(ph))) != sizeof(ph)) {
                        printf("VMCORE-ERROR short read of phdr %u\n", i);
                        return 1;
                }
                if (ph.p_type != PT_LOAD)
                        continue;
                printf("VMCORE-PT_LOAD paddr=0x%" PRIx64 " memsz=0x%" PRIx64 " filesz=0x%" PRIx64
                       " read=%s\n",
                       (uint64_t) ph.p_paddr, (uint64_t) ph.p_memsz, (uint64_t) ph.p_filesz,
                       ph.p_filesz == 0 ? "empty" :
                       read_ok(fd, ph.p_offset) && read_ok(fd, ph.p_offset + ph.p_filesz - 1) ? "ok" : "fail");
        }
        printf("VMCORE-END phnum=%u\n", eh.e_phnum);
        close(fd);
        return 0;
}

static int cmd_t0(char **argv) {
        struct timespec ts;
        char buf[64];

        clock_gettime(CLOCK_MONOTONIC, &ts);
        snprintf(buf, sizeof(buf), "%lld.%09ld", (long long) ts.tv_sec, ts.tv_nsec);
        setenv("E2E_T0", buf, 1);
        execv(argv[0], argv);
        perror(argv[0]);
        return 127;
}

static int cmd_stamp(void) {
        char line[4096];

        while (fgets(line, sizeof(line), stdin)) {
                print_now();
                printf(" %s%s", line, strchr(line, '\n') ? "" : "\n");
                fflush(stdout);
        }
        return 0;
}

int main(int argc, char **argv) {
        if (argc >= 2 && !strcmp(argv[1], "now"))
                return cmd_now();
        if (argc == 3 && !strcmp(argv[1], "dtwatch"))
                return cmd_dtwatch(argv[2]);
        if (argc == 2 && !strcmp(argv[1], "uevents"))
                return cmd_uevents();
        if (argc >= 2 && !strcmp(argv[1], "vmcore"))
                return cmd_vmcore(argc >= 3 ? argv[2] : "/proc/vmcore");
        if (argc >= 3 && !strcmp(argv[1], "t0"))
                return cmd_t0(argv + 2);
        if (argc == 2 && !strcmp(argv[1], "stamp"))
                return cmd_stamp();
        if (argc == 3 && !strcmp(argv[1], "lockwatch"))
                return cmd_lockwatch(argv[2]);
        if (argc == 3 && !strcmp(argv[1], "hold"))
                return cmd_hold(argv[2]);
        fprintf(stderr, "usage: e2e-helper now|dtwatch PATH|uevents|vmcore [PATH]|t0 PROG [ARG...]|stamp|lockwatch PATH|"
                "hold PATH\n");
        return 2;
}
