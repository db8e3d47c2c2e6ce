/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kdump-settlectl: the administrator's side of kdump-settle. */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "alloc-util.h"
#include "check.h"
#include "control-protocol.h"
#include "defaults.h"
#include "distro-rules.h"
#include "dtb.h"
#include "fd-util.h"
#include "fileio.h"
#include "log.h"
#include "time-util.h"
#include "udev-start.h"

/* One exit-code policy for every command (man/kdump-settlectl.8, EXIT STATUS): a verb returns 0
 * (yes: done, agree), 1 (the answer is no: check disagrees, wait's --timeout passed) or a negative
 * errno, logged, which exits EXIT_ERROR, like a usage error. */
#define EXIT_OK 0
#define EXIT_NO 1
#define EXIT_ERROR 2

/* How long status and reload wait for the daemon's answer. */
#define CONTROL_CALL_TIMEOUT (5 * USEC_PER_SEC)

typedef struct Args {
        const char *root;
        const char *runtime_dir;
        const char *dtb;
        bool json;
        usec_t timeout;
} Args;

static void help(void) {
        printf("%s [OPTIONS...] COMMAND\n\n"
               "Inspect and control kdump-settle.\n\n"
               "Commands:\n"
               "  status                Show the daemon's state, counters and last reload\n"
               "  reload                Ask for a crash-kernel reload; it joins a pending\n"
               "                        hot-plug request instead of racing it\n"
               "  wait                  Wait until no request is pending and the last reload\n"
               "                        succeeded\n"
               "  check                 Compare the device tree's memory and CPUs with the\n"
               "                        kernel's memory blocks and CPUs\n"
               "  dump-dt FILE          Write the device tree's memory node to FILE as a .dtb\n"
               "  mask-distro-rules     Where kdump-settled runs, mask the distribution's kdump\n"
               "                        udev rules, which would reload on every memory event;\n"
               "                        elsewhere, unmask what it masked\n"
               "  unmask-distro-rules   Remove the masks mask-distro-rules made\n"
               "  udev-start            For the udev rule: start kdump-settled.service once per\n"
               "                        burst of memory events unless it is disabled\n"
               "                        (--timeout=SPAN: the burst ends after SPAN without one;\n"
               "                        default 5s)\n\n"
               "Options:\n"
               "  -h --help             Show this help\n"
               "     --version          Show the version\n"
               "     --json             status: print JSON\n"
               "     --timeout=SPAN     wait: give up after SPAN (default: wait forever)\n"
               "     --root=DIR         check, dump-dt, *-distro-rules: work under DIR (default /)\n"
               "     --dtb=FILE         check: read the device tree from a .dtb made by dump-dt\n"
               "     --runtime-dir=DIR  The daemon's runtime directory (default " DEFAULT_RUNTIME_DIR ")\n\n"
               "Exit status: 0 done (check: they agree), 1 the answer is no (check: they\n"
               "disagree; wait: --timeout passed), 2 an error or a usage error.\n",
               program_invocation_short_name);
}

/* Sends one request and returns the parsed reply; waits at most timeout (USEC_INFINITY: forever). */
static int control_call(const Args *args, ControlCommand cmd, usec_t timeout, ControlReply *ret) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = -1;
        char buf[CONTROL_REPLY_MAX + 1];
        const char *request = control_command_to_string(cmd);
        struct pollfd p;
        Error e = {};
        ssize_t n;
        int r;

        if ((size_t) snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", args->runtime_dir,
                              CONTROL_SOCKET_NAME) >= sizeof(sa.sun_path))
                return log_error_errno(-ENAMETOOLONG, "Runtime directory path is too long.");

        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return log_error_errno(errno, "Cannot create a socket: %m");
        if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                r = -errno;
                if (r == -EACCES || r == -EPERM)
                        return log_error_errno(r, "Permission denied: talking to kdump-settled needs root.");
                if (r == -ENOENT || r == -ECONNREFUSED)
                        return log_error_errno(r, "kdump-settled is not running (no %s).", sa.sun_path);
                return log_error_errno(r, "Cannot connect to %s: %m", sa.sun_path);
        }
        if (send(fd, request, strlen(request), MSG_NOSIGNAL) < 0)
                return log_error_errno(errno, "Cannot send the request: %m");

        p = (struct pollfd) { .fd = fd, .events = POLLIN };
        r = poll(&p, 1, timeout == USEC_INFINITY ? -1 : (int) MIN(timeout / USEC_PER_MSEC, (usec_t) INT32_MAX));
        if (r < 0)
                return log_error_errno(errno, "Cannot wait for the reply: %m");
        if (r == 0)
                return log_error_errno(-ETIME, "Timed out.");

        n = recv(fd, buf, sizeof(buf), MSG_TRUNC);
        if (n < 0)
                return log_error_errno(errno, "Cannot receive the reply: %m");
        if (n == 0)
                return log_error_errno(-ECONNRESET, "kdump-settled closed the connection.");
        if ((size_t) n > CONTROL_REPLY_MAX)
                return log_error_errno(-EBADMSG, "Reply from kdump-settled is too large.");

        r = control_reply_parse(buf, (size_t) n, ret, &e);
        if (r < 0)
                return log_error_errno(r, "Malformed reply from kdump-settled: %s", error_message(&e, r));
        if (strcmp(control_reply_get(ret, CONTROL_KEY_RESULT), CONTROL_RESULT_OK) != 0) {
                const char *message = control_reply_get(ret, CONTROL_KEY_MESSAGE);

                log_error("kdump-settled: %s", message ?: "error");
                control_reply_done(ret);
                return message && strcmp(message, CONTROL_MESSAGE_PERMISSION_DENIED) == 0 ? -EACCES : -EIO;
        }
        return 0;
}

static void print_json_string(const char *s) {
        putchar('"');
        for (; *s; s++)
                if (*s == '"' || *s == '\\')
                        printf("\\%c", *s);
                else
                        putchar(*s);
        putchar('"');
}

static bool all_digits(const char *s) {
        if (!*s || (s[0] == '0' && s[1]))
                return false;
        for (; *s; s++)
                if (*s < '0' || *s > '9')
                        return false;
        return true;
}

static const char *field(const ControlReply *r, const char *key) {
        return control_reply_get(r, key) ?: "?";
}

static int verb_status(const Args *args, char **argv) {
        _cleanup_(control_reply_done) ControlReply reply = {};
        long long when;
        char buf[64] = "never";
        int r;

        r = control_call(args, CONTROL_STATUS, CONTROL_CALL_TIMEOUT, &reply);
        if (r < 0)
                return r;

        if (args->json) {
                /* Every field but result; counters as numbers, the rest as strings. */
                printf("{");
                for (size_t i = 1; i < reply.n_fields; i++) {
                        printf(i > 1 ? ", " : "");
                        print_json_string(reply.fields[i].key);
                        printf(": ");
                        if (all_digits(reply.fields[i].value))
                                printf("%s", reply.fields[i].value);
                        else
                                print_json_string(reply.fields[i].value);
                }
                printf("}\n");
                return 0;
        }

        when = strtoll(field(&reply, CONTROL_STATUS_LAST_RELOAD_TIME), NULL, 10);
        if (when > 0) {
                time_t t = (time_t) when;
                struct tm tm;

                strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", localtime_r(&t, &tm));
        }

        printf("State:          %s (%s)\n", field(&reply, CONTROL_STATUS_STATE), field(&reply, CONTROL_STATUS_STATUS));
        printf("Pending:        %s uevent(s)\n", field(&reply, CONTROL_STATUS_PENDING_EVENTS));
        printf("Consistent:     %s\n", field(&reply, CONTROL_STATUS_CONSISTENT));
        printf("DT generation:  %s\n", field(&reply, CONTROL_STATUS_DT_GENERATION));
        printf("DT memory set:  %s\n", field(&reply, CONTROL_STATUS_DT_SET));
        printf("Loaded set:     %s\n", field(&reply, CONTROL_STATUS_LOADED_SET));
        if (when > 0)
                printf("Last reload:    %s, %s ms, %s\n", buf, field(&reply, CONTROL_STATUS_LAST_RELOAD_DURATION_MS),
                       field(&reply, CONTROL_STATUS_LAST_RELOAD_RESULT));
        else
                printf("Last reload:    never\n");
        printf("Counts:         %s events, %s requests, %s reloads, %s failures, %s skipped, %s timeouts\n",
               field(&reply, CONTROL_STATUS_EVENTS), field(&reply, CONTROL_STATUS_REQUESTS), field(&reply, CONTROL_STATUS_RELOADS),
               field(&reply, CONTROL_STATUS_FAILURES), field(&reply, CONTROL_STATUS_SKIPPED), field(&reply, CONTROL_STATUS_TIMEOUTS));
        printf("Uevent source:  %s\n", field(&reply, CONTROL_STATUS_UEVENT_SOURCE));
        if (strcmp(field(&reply, CONTROL_STATUS_KEXEC_HOTPLUG), "unused") == 0)
                printf("Reload backend: %s\n", field(&reply, CONTROL_STATUS_RELOAD_BACKEND));
        else  /* the kexec fallback or a replay: does the kernel keep the image current (kexec -p --hotplug)? */
                printf("Reload backend: %s, --hotplug: %s\n", field(&reply, CONTROL_STATUS_RELOAD_BACKEND),
                       field(&reply, CONTROL_STATUS_KEXEC_HOTPLUG));
        printf("Hotplug hazard: %s\n", field(&reply, CONTROL_STATUS_KEXEC_HOTPLUG_HAZARD));
        printf("Memory limit:   %s\n", field(&reply, CONTROL_STATUS_MEMORY_LIMIT));
        printf("ibm,pft-size:   %s\n", field(&reply, CONTROL_STATUS_PFT_SIZE));
        if (strcmp(field(&reply, CONTROL_STATUS_CPU_INPUT), "none") == 0)
                printf("CPUs:           not followed (no CPU nodes in the device tree)\n");
        else
                printf("CPUs:           %s, consistent: %s, %s online, %s DT threads, %s uevents\n",
                       field(&reply, CONTROL_STATUS_CPU_INPUT), field(&reply, CONTROL_STATUS_CPUS_CONSISTENT),
                       field(&reply, CONTROL_STATUS_CPUS_ONLINE), field(&reply, CONTROL_STATUS_CPUS_DT_THREADS),
                       field(&reply, CONTROL_STATUS_CPU_EVENTS));
        return 0;
}

static int verb_reload(const Args *args, char **argv) {
        _cleanup_(control_reply_done) ControlReply reply = {};

        return control_call(args, CONTROL_RELOAD, CONTROL_CALL_TIMEOUT, &reply);
}

static int verb_wait(const Args *args, char **argv) {
        _cleanup_(control_reply_done) ControlReply reply = {};
        int r;

        r = control_call(args, CONTROL_WAIT, args->timeout, &reply);
        /* Not settled within --timeout: an answer, not a failure. */
        return r == -ETIME ? EXIT_NO : r;
}

static int verb_check(const Args *args, char **argv) {
        _cleanup_free_ char *blob = NULL;
        size_t size = 0;
        Error e = {};
        int r;

        if (args->dtb) {
                r = read_full_file_root(NULL, args->dtb, DTB_MAX, &blob, &size, &e);
                if (r < 0)
                        return log_error_errno(r, "%s", error_message(&e, r));
        }

        r = check_run(args->root, args->runtime_dir, blob, size, stdout);
        return r < 0 ? r : r == 0 ? EXIT_OK : EXIT_NO;
}

static int verb_dump_dt(const Args *args, char **argv) {
        const char *path = argv[0];
        _cleanup_free_ void *blob = NULL;
        _cleanup_close_ int fd = -1;
        struct stat st;
        size_t size;
        Error e = {};
        int r;

        r = dtb_from_memory_node(args->root, &blob, &size, &e);
        if (r < 0)
                return log_error_errno(r, "%s", error_message(&e, r));

        /* Run as root, often into /tmp: never through a link someone planted there (it would name
         * the file overwritten), never onto a FIFO or a device; truncated only once it is a file. */
        fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0644);
        if (fd < 0)
                return log_error_errno(negative_errno(), "Cannot open %s%s: %m", path,
                                       errno == ELOOP ? " (a symbolic link)" : "");
        if (fstat(fd, &st) < 0)
                return log_error_errno(negative_errno(), "Cannot stat %s: %m", path);
        if (!S_ISREG(st.st_mode))
                return log_error_errno(-EINVAL, "%s is not a regular file.", path);
        r = ftruncate(fd, 0) < 0 ? negative_errno() : loop_write(fd, blob, size);
        if (r < 0)
                return log_error_errno(r, "Cannot write %s: %m", path);
        printf("Wrote %zu bytes to %s.\n", size, path);
        return 0;
}

static int verb_mask_distro_rules(const Args *args, char **argv) {
        return distro_rules_mask(args->root, stdout);
}

static int verb_unmask_distro_rules(const Args *args, char **argv) {
        return distro_rules_unmask(args->root, stdout);
}

static int verb_udev_start(const Args *args, char **argv) {
        return udev_start(args->runtime_dir, args->timeout != USEC_INFINITY ? args->timeout : UDEV_START_QUIET_DEFAULT);
}

typedef struct Verb {
        const char *name;
        unsigned n_args;        /* exactly this many */
        const char *arguments;  /* for the message when they are wrong */
        int (*run)(const Args *args, char **argv);
} Verb;

static const Verb verbs[] = {
        { "status",              0, NULL,                          verb_status              },
        { "reload",              0, NULL,                          verb_reload              },
        { "wait",                0, NULL,                          verb_wait                },
        { "check",               0, NULL,                          verb_check               },
        { "dump-dt",             1, "one argument, the file to write", verb_dump_dt         },
        { "mask-distro-rules",   0, NULL,                          verb_mask_distro_rules   },
        { "unmask-distro-rules", 0, NULL,                          verb_unmask_distro_rules },
        { "udev-start",          0, NULL,                          verb_udev_start          },
};

/* Finds argv[0] in verbs and runs it with the rest; the exit code. */
static int dispatch_verb(const Args *args, int argc, char **argv) {
        const Verb *verb = NULL;
        int r;

        if (argc < 1) {
                log_error("Missing command; see --help.");
                return EXIT_ERROR;
        }
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (strcmp(verbs[i].name, argv[0]) == 0)
                        verb = &verbs[i];
        if (!verb) {
                log_error("Unknown command '%s'; see --help.", argv[0]);
                return EXIT_ERROR;
        }
        if ((unsigned) argc - 1 != verb->n_args) {
                if (verb->arguments)
                        log_error("%s takes %s.", verb->name, verb->arguments);
                else
                        log_error("%s takes no arguments.", verb->name);
                return EXIT_ERROR;
        }

        r = verb->run(args, argv + 1);
        return r < 0 ? EXIT_ERROR : r;
}

int main(int argc, char *argv[]) {
        enum { ARG_VERSION = 0x100, ARG_ROOT, ARG_RUNTIME_DIR, ARG_DTB, ARG_JSON, ARG_TIMEOUT };
        static const struct option options[] = {
                { "help",        no_argument,       NULL, 'h'             },
                { "version",     no_argument,       NULL, ARG_VERSION     },
                { "root",        required_argument, NULL, ARG_ROOT        },
                { "runtime-dir", required_argument, NULL, ARG_RUNTIME_DIR },
                { "dtb",         required_argument, NULL, ARG_DTB         },
                { "json",        no_argument,       NULL, ARG_JSON        },
                { "timeout",     required_argument, NULL, ARG_TIMEOUT     },
                {}
        };
        Args args = {
                .root = "/",
                .runtime_dir = DEFAULT_RUNTIME_DIR,
                .timeout = USEC_INFINITY,
        };
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
                        return 0;
                case ARG_ROOT:
                        args.root = optarg;
                        break;
                case ARG_RUNTIME_DIR:
                        args.runtime_dir = optarg;
                        break;
                case ARG_DTB:
                        args.dtb = optarg;
                        break;
                case ARG_JSON:
                        args.json = true;
                        break;
                case ARG_TIMEOUT:
                        if (parse_timespan(optarg, &args.timeout) < 0) {
                                log_error("--timeout=%s: not a time span.", optarg);
                                return EXIT_ERROR;
                        }
                        break;
                default:
                        return EXIT_ERROR;
                }

        return dispatch_verb(&args, argc - optind, argv + optind);
}
