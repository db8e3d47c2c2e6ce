/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* LD_PRELOAD shim for test-startup: at the STAT_SHIM_AT-th stat() of a path ending in
 * /ibm,dynamic-memory-v2, first renames STAT_SHIM_RENAME to STAT_SHIM_TARGET (that property in the
 * umockdev testbed, whose preload does not redirect rename()), as the kernel replaces the
 * property. Makes the window between two looks at the DT deterministic. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int seen;

int stat(const char *path, struct stat *st) {
        static int (*real)(const char *, struct stat *);
        static const char suffix[] = "/ibm,dynamic-memory-v2";
        size_t n = strlen(path);
        const char *at = getenv("STAT_SHIM_AT"), *from = getenv("STAT_SHIM_RENAME"), *to = getenv("STAT_SHIM_TARGET");

        if (!real)
                real = (int (*)(const char *, struct stat *)) dlsym(RTLD_NEXT, "stat");
        if (n >= sizeof(suffix) - 1 && strcmp(path + n - (sizeof(suffix) - 1), suffix) == 0 && at && from && to &&
            ++seen == atoi(at))
                (void) rename(from, to);
        return real(path, st);
}
