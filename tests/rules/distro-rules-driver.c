/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Runs distro_rules_mask()/distro_rules_unmask() on a root directory for tests/rules/test-rules:
 *   distro-rules-driver mask|unmask ROOT
 *   distro-rules-driver list
 *   distro-rules-driver node       the device-tree node the unit's condition names (no leading "/")
 *   distro-rules-driver covers     one "NAME SUBSYSTEM ACTION" line per uevent a rule reloads on
 * Exit status 0 on success, 1 when the function failed, 2 on bad usage. */

#include <stdio.h>
#include <string.h>

#include "distro-rules.h"
#include "dt-memory.h"
#include "log.h"

int main(int argc, char *argv[]) {
        int r;

        if (argc == 2 && strcmp(argv[1], "list") == 0) {
                for (const DistroRule *d = distro_rules; d->name; d++)
                        printf("%s\n", d->name);
                return 0;
        }
        if (argc == 2 && strcmp(argv[1], "node") == 0) {
                printf("%s\n", DT_MEMORY_NODE);
                return 0;
        }
        if (argc == 2 && strcmp(argv[1], "covers") == 0) {
                for (const DistroRule *d = distro_rules; d->name; d++)
                        for (const char *p = d->reloads_on; *p;) {
                                size_t n = strcspn(p, " "), colon = strcspn(p, ":");

                                for (const char *a = p + colon + 1; a < p + n;) {
                                        size_t k = strcspn(a, "| ");

                                        printf("%s %.*s %.*s\n", d->name, (int) colon, p, (int) k, a);
                                        a += k + (a[k] == '|');
                                }
                                p += n + (p[n] == ' ');
                        }
                return 0;
        }
        if (argc != 3) {
                fprintf(stderr, "usage: %s mask|unmask ROOT | list | node | covers\n", argv[0]);
                return 2;
        }

        if (strcmp(argv[1], "mask") == 0)
                r = distro_rules_mask(argv[2], stdout);
        else if (strcmp(argv[1], "unmask") == 0)
                r = distro_rules_unmask(argv[2], stdout);
        else {
                log_error("Unknown verb '%s'.", argv[1]);
                return 2;
        }
        return r < 0 ? 1 : 0;
}
