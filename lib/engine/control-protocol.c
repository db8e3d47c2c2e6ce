/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "control-protocol.h"
#include "string-table.h"

static const char *const control_command_table[_CONTROL_COMMAND_MAX] = {
        [CONTROL_STATUS] = "status",
        [CONTROL_RELOAD] = "reload",
        [CONTROL_WAIT] = "wait",
};

DEFINE_STRING_TABLE_LOOKUP(control_command, ControlCommand);

static bool printable(char c) {
        return c >= 0x20 && c < 0x7f;
}

int control_request_parse(const void *data, size_t size, ControlCommand *ret, Error *e) {
        char word[CONTROL_REQUEST_MAX + 1];
        const char *s = data;
        ControlCommand c;

        if (size == 0)
                return error_set(e, -EBADMSG, "empty request");
        if (size > CONTROL_REQUEST_MAX)
                return error_set(e, -EBADMSG, "request of %zu bytes is larger than %d", size, CONTROL_REQUEST_MAX);
        if (s[size - 1] == '\n')
                size--;
        for (size_t i = 0; i < size; i++)
                if (!printable(s[i]))
                        return error_set(e, -EBADMSG, "request has a non-printable byte at offset %zu", i);

        memcpy(word, s, size);
        word[size] = 0;
        c = control_command_from_string(word);
        if (c >= 0) {
                *ret = c;
                return 0;
        }

        return error_set(e, -EBADMSG, "unknown request '%.*s'", (int) MIN(size, (size_t) 32), s);
}

void control_reply_done(ControlReply *r) {
        for (size_t i = 0; i < r->n_fields; i++) {
                free(r->fields[i].key);
                free(r->fields[i].value);
        }
        free(r->fields);
        *r = (ControlReply) {};
}

int control_value_valid(const char *value) {
        for (const char *p = value; *p; p++)
                if (!printable(*p))
                        return 0;
        return 1;
}

int control_reply_parse(const void *data, size_t size, ControlReply *ret, Error *e) {
        _cleanup_(control_reply_done) ControlReply r = {};
        const char *p = data, *end = p + size;
        size_t allocated = 0;
        unsigned line = 0;

        if (size > CONTROL_REPLY_MAX)
                return error_set(e, -EBADMSG, "reply of %zu bytes is larger than %d", size, CONTROL_REPLY_MAX);

        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p)), *eq;
                size_t len = (nl ? nl : end) - p;
                ControlField f;

                line++;
                eq = memchr(p, '=', len);
                if (!eq || eq == p)
                        return error_set(e, -EBADMSG, "reply line %u is not key=value", line);
                for (const char *k = p; k < eq; k++)
                        if (!((*k >= 'a' && *k <= 'z') || *k == '_'))
                                return error_set(e, -EBADMSG, "reply line %u has an invalid key", line);
                for (const char *v = eq + 1; v < p + len; v++)
                        if (!printable(*v))
                                return error_set(e, -EBADMSG, "reply line %u has a non-printable value", line);

                if (r.n_fields == allocated) {
                        size_t na = allocated ? allocated * 2 : 16;
                        ControlField *nf = reallocarray(r.fields, na, sizeof(ControlField));
                        if (!nf)
                                return error_set(e, -ENOMEM, "Out of memory");
                        r.fields = nf;
                        allocated = na;
                }
                f.key = strndup(p, (size_t) (eq - p));
                f.value = strndup(eq + 1, len - (size_t) (eq - p) - 1);
                if (!f.key || !f.value) {
                        free(f.key);
                        free(f.value);
                        return error_set(e, -ENOMEM, "Out of memory");
                }
                r.fields[r.n_fields++] = f;

                p += len + (nl ? 1 : 0);
        }

        if (r.n_fields == 0 || strcmp(r.fields[0].key, CONTROL_KEY_RESULT) != 0 ||
            (strcmp(r.fields[0].value, CONTROL_RESULT_OK) != 0 && strcmp(r.fields[0].value, CONTROL_RESULT_ERROR) != 0))
                return error_set(e, -EBADMSG, "reply does not start with result=ok or result=error");

        *ret = r;
        r = (ControlReply) {};
        return 0;
}

const char *control_reply_get(const ControlReply *r, const char *key) {
        for (size_t i = 0; i < r->n_fields; i++)
                if (strcmp(r->fields[i].key, key) == 0)
                        return r->fields[i].value;
        return NULL;
}
