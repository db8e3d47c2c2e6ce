/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc-util.h"
#include "fd-util.h"
#include "fileio.h"
#include "hexdecoct.h"
#include "loaded-state.h"

static bool has_upper(const char *s, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (s[i] >= 'A' && s[i] <= 'Z')
                        return true;
        return false;
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
                        const char *v = p + strlen("loaded_set=");
                        size_t n = len - strlen("loaded_set=");

                        /* The file's format is ours: at most 16 lower-case digits, as written. */
                        if (n > 16 || has_upper(v, n) ||
                            parse_hex_u64(v, n, &s.loaded_id) < 0)
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
        r = loop_write(fd, buf, (size_t) n);
        if (r >= 0 && fchmod(fd, 0644) < 0)
                r = negative_errno();
        if (r < 0) {
                r = error_set(e, r, "Cannot write %s: %s", tmp, strerror(-r));
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
