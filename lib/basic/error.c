/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

int error_set(Error *e, int r, const char *format, ...) {
        r = r < 0 ? r : -r;

        if (e) {
                va_list ap;

                va_start(ap, format);
                vsnprintf(e->message, sizeof(e->message), format, ap);
                va_end(ap);
        }

        return r;
}

const char *error_message(const Error *e, int r) {
        if (e && e->message[0])
                return e->message;
        return strerror(r < 0 ? -r : r);
}
