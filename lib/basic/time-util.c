/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "time-util.h"

static const struct {
        const char *suffix;
        usec_t usec;
} units[] = {
        /* Longest suffix first, so "ms" is not read as "m" + garbage. */
        { "usec", 1 },
        { "msec", USEC_PER_MSEC },
        { "min",  USEC_PER_MINUTE },
        { "sec",  USEC_PER_SEC },
        { "us",   1 },
        { "ms",   USEC_PER_MSEC },
        { "s",    USEC_PER_SEC },
        { "m",    USEC_PER_MINUTE },
        { "h",    USEC_PER_HOUR },
};

int parse_timespan(const char *s, usec_t *ret) {
        usec_t total = 0;
        bool any = false;

        if (!s || !ret)
                return -EINVAL;

        while (isspace((unsigned char) *s))
                s++;
        if (strncmp(s, "infinity", 8) == 0) {
                const char *t = s + 8;

                /* Trailing white space is accepted after numbers, so accept it here too. */
                while (isspace((unsigned char) *t))
                        t++;
                if (!*t) {
                        *ret = USEC_INFINITY;
                        return 0;
                }
        }

        while (*s) {
                usec_t value = 0, unit = USEC_PER_SEC;
                const char *digits = s;

                while (isdigit((unsigned char) *s)) {
                        unsigned d = (unsigned) (*s - '0');
                        if (value > (UINT64_MAX - d) / 10)
                                return -ERANGE;
                        value = value * 10 + d;
                        s++;
                }
                if (s == digits)
                        return -EINVAL;

                for (size_t i = 0; i < ELEMENTSOF(units); i++) {
                        size_t l = strlen(units[i].suffix);
                        if (strncmp(s, units[i].suffix, l) == 0 && !isalpha((unsigned char) s[l])) {
                                unit = units[i].usec;
                                s += l;
                                break;
                        }
                }
                if (isalpha((unsigned char) *s))
                        return -EINVAL;

                if (value > (USEC_INFINITY - 1) / unit || total > USEC_INFINITY - 1 - value * unit)
                        return -ERANGE;
                total += value * unit;
                any = true;

                while (isspace((unsigned char) *s))
                        s++;
        }

        if (!any)
                return -EINVAL;
        *ret = total;
        return 0;
}

const char *format_timespan(char *buf, size_t size, usec_t t) {
        if (t == USEC_INFINITY)
                snprintf(buf, size, "infinity");
        else if (t == 0)
                snprintf(buf, size, "0");
        else if (t % USEC_PER_MINUTE == 0)
                snprintf(buf, size, "%llumin", (unsigned long long) (t / USEC_PER_MINUTE));
        else if (t % USEC_PER_SEC == 0)
                snprintf(buf, size, "%llus", (unsigned long long) (t / USEC_PER_SEC));
        else if (t >= USEC_PER_SEC) {
                /* Exact to the microsecond, without trailing zeros: "1.5s", "1.0005s". */
                unsigned long long frac = t % USEC_PER_SEC;
                int digits = 6;

                while (frac % 10 == 0) {
                        frac /= 10;
                        digits--;
                }
                snprintf(buf, size, "%llu.%0*llus", (unsigned long long) (t / USEC_PER_SEC), digits, frac);
        } else if (t % USEC_PER_MSEC == 0)
                snprintf(buf, size, "%llums", (unsigned long long) (t / USEC_PER_MSEC));
        else
                snprintf(buf, size, "%lluus", (unsigned long long) t);
        return buf;
}
