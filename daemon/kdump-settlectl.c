/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kdump-settlectl: the administrator's side of kdump-settle. */

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "log.h"

/* Exit codes of `check`, for scripts: agree, disagree, could not tell. */
#define EXIT_AGREE 0
#define EXIT_DISAGREE 1
#define EXIT_ERROR 2

static void help(void) {
        printf("%s [OPTIONS...] COMMAND\n\n"
               "Inspect and control kdump-settle.\n\n"
               "Commands:\n"
               "  check                 Compare the device tree's memory with the kernel's memory\n"
               "                        blocks; exit 0 if they agree, 1 if not, 2 on error\n\n"
               "Options:\n"
               "  -h --help             Show this help\n"
               "     --version          Show the version\n"
               "     --root=DIR         Read sysfs and the device tree under DIR (default /)\n",
               program_invocation_short_name);
}

int main(int argc, char *argv[]) {
        enum { ARG_VERSION = 0x100, ARG_ROOT };
        static const struct option options[] = {
                { "help",    no_argument,       NULL, 'h'         },
                { "version", no_argument,       NULL, ARG_VERSION },
                { "root",    required_argument, NULL, ARG_ROOT    },
                {}
        };
        const char *root = "/";
        int c, r;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
                        return 0;
                case ARG_ROOT:
                        root = optarg;
                        break;
                default:
                        return EXIT_ERROR;
                }

        if (optind >= argc) {
                log_error("Missing command; see --help.");
                return EXIT_ERROR;
        }
        if (strcmp(argv[optind], "check") == 0) {
                if (optind + 1 < argc) {
                        log_error("check takes no arguments.");
                        return EXIT_ERROR;
                }
                r = check_run(root, stdout);
                return r < 0 ? EXIT_ERROR : r == 0 ? EXIT_AGREE : EXIT_DISAGREE;
        }

        log_error("Unknown command '%s'; see --help.", argv[optind]);
        return EXIT_ERROR;
}
