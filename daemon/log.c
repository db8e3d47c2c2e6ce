/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

/* The process's log settings: the one piece of global state, set once at start-up. */
static int max_level = LOG_INFO;
static bool prefix_priority = false;

void log_set_max_level(int level) {
        max_level = level;
}

void log_set_prefix_priority(bool b) {
        prefix_priority = b;
}

int log_internal(int level, int error, const char *format, ...) {
        char buf[1024];
        va_list ap;

        error = error < 0 ? -error : error;
        if (level > max_level)
                return -error;

        /* %m in the format refers to the error passed in, not to whatever errno is by now. */
        errno = error;
        va_start(ap, format);
        vsnprintf(buf, sizeof(buf), format, ap);
        va_end(ap);

        if (prefix_priority)
                fprintf(stderr, "<%d>%s\n", level, buf);
        else
                fprintf(stderr, "%s\n", buf);

        return -error;
}
