/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "loaded-state.h"

static int parse_hex64(const char *s, size_t len, uint64_t *ret) {
        uint64_t v = 0;

        if (len == 0 || len > 16)
                return -EINVAL;
        for (size_t i = 0; i < len; i++) {
                char c = s[i];
                unsigned d;

                if (c >= '0' && c <= '9')
                        d = (unsigned) (c - '0');
                else if (c >= 'a' && c <= 'f')
                        d = (unsigned) (c - 'a' + 10);
                else
                        return -EINVAL;
                v = v << 4 | d;
        }
        *ret = v;
        return 0;
}

bool boot_id_valid(const char *text, size_t size) {
        if (size == BOOT_ID_LEN + 1 && text[BOOT_ID_LEN] == '\n')
                size--;
        if (size != BOOT_ID_LEN)
                return false;
        for (size_t i = 0; i < size; i++)
                if (!strchr("0123456789abcdef-", text[i]) || text[i] == 0)
                        return false;
        return true;
}

int loaded_state_parse(const char *text, size_t size, LoadedState *ret, Error *e) {
        bool have_id = false, have_owed = false, have_boot = false;
        const char *p = text, *end = text + size;
        LoadedState s = {};
        unsigned line = 0;

        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                size_t len = (size_t) ((nl ? nl : end) - p);

                line++;
                if (len > strlen("loaded_set=") && memcmp(p, "loaded_set=", strlen("loaded_set=")) == 0 && !have_id) {
                        if (parse_hex64(p + strlen("loaded_set="), len - strlen("loaded_set="), &s.loaded_id) < 0)
                                return error_set(e, -EBADMSG, "line %u: loaded_set= is not a 64-bit hex value", line);
                        have_id = true;
                } else if (len == strlen("owed=0") && memcmp(p, "owed=", strlen("owed=")) == 0 && !have_owed &&
                           (p[5] == '0' || p[5] == '1')) {
                        s.owed = p[5] == '1';
                        have_owed = true;
                } else if (len == strlen("boot_id=") + BOOT_ID_LEN && memcmp(p, "boot_id=", strlen("boot_id=")) == 0 &&
                           !have_boot && boot_id_valid(p + strlen("boot_id="), BOOT_ID_LEN)) {
                        memcpy(s.boot_id, p + strlen("boot_id="), BOOT_ID_LEN);
                        s.boot_id[BOOT_ID_LEN] = 0;
                        have_boot = true;
                } else if (len > 0)
                        return error_set(e, -EBADMSG, "line %u: expected loaded_set=HEX, owed=0|1 or boot_id=UUID, once each",
                                         line);

                p += len + (nl ? 1 : 0);
        }

        if (!have_id || !have_owed)
                return error_set(e, -EBADMSG, "missing %s", have_id ? "owed=" : "loaded_set=");
        *ret = s;
        return 0;
}

int loaded_state_read(const char *dir, LoadedState *ret, Error *e) {
        _cleanup_free_ char *text = NULL;
        size_t size;
        Error inner = {};
        int r;

        r = read_full_file_root(dir, LOADED_STATE_FILE, LOADED_STATE_MAX, &text, &size, &inner);
        if (r == -ENOENT)
                return r;
        if (r < 0)
                return error_set(e, r, "%s", inner.message);
        r = loaded_state_parse(text, size, ret, &inner);
        if (r < 0)
                return error_set(e, r, "%s/%s: %s", dir, LOADED_STATE_FILE, inner.message);
        return 0;
}

int loaded_state_write(const char *dir, const LoadedState *s, Error *e) {
        _cleanup_free_ char *path = NULL, *tmp = NULL;
        _cleanup_close_ int fd = -1;
        char buf[LOADED_STATE_MAX];
        int n, r;

        r = path_join_root(dir, LOADED_STATE_FILE, &path);
        if (r < 0 || asprintf(&tmp, "%s.XXXXXX", path) < 0)
                return error_set(e, -ENOMEM, "Out of memory");

        n = snprintf(buf, sizeof(buf), "loaded_set=%016" PRIx64 "\nowed=%d\n%s%s%s", s->loaded_id, s->owed,
                     s->boot_id[0] ? "boot_id=" : "", s->boot_id, s->boot_id[0] ? "\n" : "");

        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return error_set(e, negative_errno(), "Cannot create %s: %m", tmp);
        if (write(fd, buf, (size_t) n) != n || fchmod(fd, 0644) < 0) {
                r = error_set(e, errno > 0 ? -errno : -EIO, "Cannot write %s: %m", tmp);
                (void) unlink(tmp);
                return r;
        }
        if (rename(tmp, path) < 0) {
                r = error_set(e, negative_errno(), "Cannot rename %s to %s: %m", tmp, path);
                (void) unlink(tmp);
                return r;
        }
        return 0;
}
