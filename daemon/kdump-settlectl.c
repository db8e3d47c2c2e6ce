/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kdump-settlectl: the administrator's side of kdump-settle. */

#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#include "check.h"
#include "control-protocol.h"
#include "distro-rules.h"
#include "dtb.h"
#include "fileio.h"
#include "log.h"
#include "time-util.h"

#define DEFAULT_RUNTIME_DIR "/run/kdump-settle"

/* Exit codes of `check`, for scripts: agree, disagree, could not tell. */
#define EXIT_AGREE 0
#define EXIT_DISAGREE 1
#define EXIT_ERROR 2

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
               "                        kernel's; exit 0 if they agree, 1 if not, 2 on error\n"
               "  dump-dt FILE          Write the device tree's memory node to FILE as a .dtb\n"
               "  mask-distro-rules     Mask the distribution's kdump udev rules, which would\n"
               "                        reload on every memory event\n"
               "  unmask-distro-rules   Undo mask-distro-rules\n\n"
               "Options:\n"
               "  -h --help             Show this help\n"
               "     --version          Show the version\n"
               "     --json             status: print JSON\n"
               "     --timeout=SPAN     wait: give up after SPAN (default: wait forever)\n"
               "     --root=DIR         check, dump-dt, *-distro-rules: work under DIR (default /)\n"
               "     --dtb=FILE         check: read the device tree from a .dtb made by dump-dt\n"
               "     --runtime-dir=DIR  The daemon's runtime directory (default " DEFAULT_RUNTIME_DIR ")\n",
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
        if (strcmp(control_reply_get(ret, "result"), "ok") != 0) {
                const char *message = control_reply_get(ret, "message");

                log_error("kdump-settled: %s", message ?: "error");
                control_reply_done(ret);
                return message && strcmp(message, "permission denied") == 0 ? -EACCES : -EIO;
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

static int verb_status(const Args *args) {
        _cleanup_(control_reply_done) ControlReply reply = {};
        long long when;
        char buf[64] = "never";
        int r;

        r = control_call(args, CONTROL_STATUS, 5 * USEC_PER_SEC, &reply);
        if (r < 0)
                return 1;

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

        when = strtoll(field(&reply, "last_reload_time"), NULL, 10);
        if (when > 0) {
                time_t t = (time_t) when;
                struct tm tm;

                strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", localtime_r(&t, &tm));
        }

        printf("State:          %s (%s)\n", field(&reply, "state"), field(&reply, "status"));
        printf("Pending:        %s uevent(s)\n", field(&reply, "pending_events"));
        printf("Consistent:     %s\n", field(&reply, "consistent"));
        printf("DT generation:  %s\n", field(&reply, "dt_generation"));
        printf("DT memory set:  %s\n", field(&reply, "dt_set"));
        printf("Loaded set:     %s\n", field(&reply, "loaded_set"));
        if (when > 0)
                printf("Last reload:    %s, %s ms, %s\n", buf, field(&reply, "last_reload_duration_ms"),
                       field(&reply, "last_reload_result"));
        else
                printf("Last reload:    never\n");
        printf("Counts:         %s events, %s requests, %s reloads, %s failures, %s skipped, %s timeouts\n",
               field(&reply, "events"), field(&reply, "requests"), field(&reply, "reloads"),
               field(&reply, "failures"), field(&reply, "skipped"), field(&reply, "timeouts"));
        printf("Uevent source:  %s\n", field(&reply, "uevent_source"));
        printf("Reload backend: %s\n", field(&reply, "reload_backend"));
        return 0;
}

static int verb_simple(const Args *args, ControlCommand cmd, usec_t timeout) {
        _cleanup_(control_reply_done) ControlReply reply = {};

        return control_call(args, cmd, timeout, &reply) < 0 ? 1 : 0;
}

static int verb_check(const Args *args) {
        _cleanup_free_ char *blob = NULL;
        size_t size = 0;
        Error e = {};
        int r;

        if (args->dtb) {
                r = read_full_file_root(NULL, args->dtb, DTB_MAX, &blob, &size, &e);
                if (r < 0) {
                        log_error_errno(r, "%s", error_message(&e, r));
                        return EXIT_ERROR;
                }
        }

        r = check_run(args->root, blob, size, stdout);
        return r < 0 ? EXIT_ERROR : r == 0 ? EXIT_AGREE : EXIT_DISAGREE;
}

static int verb_dump_dt(const Args *args, const char *path) {
        _cleanup_free_ void *blob = NULL;
        _cleanup_close_ int fd = -1;
        size_t size;
        Error e = {};
        int r;

        r = dtb_from_memory_node(args->root, &blob, &size, &e);
        if (r < 0) {
                log_error_errno(r, "%s", error_message(&e, r));
                return 1;
        }

        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || write(fd, blob, size) != (ssize_t) size) {
                log_error_errno(errno, "Cannot write %s: %m", path);
                return 1;
        }
        printf("Wrote %zu bytes to %s.\n", size, path);
        return 0;
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
        const char *verb;
        int c, n_args;

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

        if (optind >= argc) {
                log_error("Missing command; see --help.");
                return EXIT_ERROR;
        }
        verb = argv[optind];
        n_args = argc - optind - 1;

        if (strcmp(verb, "dump-dt") == 0) {
                if (n_args != 1) {
                        log_error("dump-dt takes one argument, the file to write.");
                        return EXIT_ERROR;
                }
                return verb_dump_dt(&args, argv[optind + 1]);
        }
        if (n_args > 0) {
                log_error("%s takes no arguments.", verb);
                return EXIT_ERROR;
        }

        if (strcmp(verb, "check") == 0)
                return verb_check(&args);
        if (strcmp(verb, "status") == 0)
                return verb_status(&args);
        if (strcmp(verb, "reload") == 0)
                return verb_simple(&args, CONTROL_RELOAD, 5 * USEC_PER_SEC);
        if (strcmp(verb, "wait") == 0)
                return verb_simple(&args, CONTROL_WAIT, args.timeout);
        if (strcmp(verb, "mask-distro-rules") == 0)
                return distro_rules_mask(args.root, stdout) < 0 ? 1 : 0;
        if (strcmp(verb, "unmask-distro-rules") == 0)
                return distro_rules_unmask(args.root, stdout) < 0 ? 1 : 0;

        log_error("Unknown command '%s'; see --help.", verb);
        return EXIT_ERROR;
}
