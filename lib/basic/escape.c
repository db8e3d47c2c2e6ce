/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "escape.h"

const char *text_quote(const char *text, char *buf, size_t size) {
        size_t o = 0;

        assert(size >= 8);

        for (const char *p = text; *p; p++) {
                unsigned char c = (unsigned char) *p;
                char esc[5];
                size_t l;

                if (c == '\n')
                        l = (size_t) snprintf(esc, sizeof(esc), "\\n");
                else if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
                        l = (size_t) snprintf(esc, sizeof(esc), "\\x%02x", c);
                else {
                        esc[0] = (char) c;
                        esc[1] = 0;
                        l = 1;
                }

                /* Keep room for "..." and the NUL. */
                if (o + l + 4 > size) {
                        memcpy(buf + o, "...", 4);
                        return buf;
                }
                memcpy(buf + o, esc, l);
                o += l;
        }

        buf[o] = 0;
        return buf;
}
