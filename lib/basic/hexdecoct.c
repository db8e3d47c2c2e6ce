/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "hexdecoct.h"

int unhexchar(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -EINVAL;
}

int parse_hex_u64(const char *s, size_t len, uint64_t *ret) {
        uint64_t v = 0;

        if (len == 0)
                return -EINVAL;
        for (size_t i = 0; i < len; i++) {
                int d = unhexchar(s[i]);

                if (d < 0)
                        return d;
                if (v > UINT64_MAX >> 4)
                        return -ERANGE;
                v = v << 4 | (uint64_t) d;
        }
        *ret = v;
        return 0;
}
