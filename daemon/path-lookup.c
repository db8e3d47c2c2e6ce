/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc-util.h"
#include "macro.h"
#include "path-lookup.h"

int find_executable(const char *name, const char *path, char **ret) {
        _cleanup_free_ char *copy = NULL;
        char *saveptr = NULL;

        if (strchr(name, '/')) {
                if (access(name, X_OK) < 0)
                        return negative_errno();
                *ret = strdup(name);
                return *ret ? 0 : -ENOMEM;
        }

        copy = strdup(path ?: "");
        if (!copy)
                return -ENOMEM;
        for (char *dir = strtok_r(copy, ":", &saveptr); dir; dir = strtok_r(NULL, ":", &saveptr)) {
                char *full;

                if (asprintf(&full, "%s/%s", dir, name) < 0)
                        return -ENOMEM;
                if (access(full, X_OK) == 0) {
                        *ret = full;
                        return 0;
                }
                free(full);
        }
        return -ENOENT;
}
