/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* control_request_parse() and control_reply_parse(), both on the whole input (one socket message).
 * Invariants: an accepted request is exactly a command's name (plus an optional newline); an
 * accepted reply starts with result=ok|error, has valid keys and values, and writing its fields
 * back as key=value lines gives the input again; errors are -EBADMSG with a printable message. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "alloc-util.h"
#include "control-protocol.h"
#include "fuzz.h"

static void check_message(const Error *e) {
        FUZZ_CHECK(e->message[0]);
        for (const char *p = e->message; *p; p++)
                FUZZ_CHECK(*p >= 0x20 && *p < 0x7f);
}

static void check_request(const char *s, size_t size) {
        ControlCommand c = _CONTROL_COMMAND_MAX;
        const char *name;
        Error e = {};
        int r;

        r = control_request_parse(s, size, &c, &e);
        if (r < 0) {
                FUZZ_CHECK(r == -EBADMSG);
                check_message(&e);
                return;
        }

        FUZZ_CHECK(r == 0);
        FUZZ_CHECK(c >= 0 && c < _CONTROL_COMMAND_MAX);
        name = control_command_to_string(c);
        FUZZ_CHECK(name);
        if (size > 0 && s[size - 1] == '\n')
                size--;
        FUZZ_CHECK(strlen(name) == size && memcmp(name, s, size) == 0);
}

static void check_reply(const char *s, size_t size) {
        _cleanup_free_ char *text = NULL;
        ControlReply reply = {}, again = {};
        size_t n = 0;
        Error e = {};
        int r;

        r = control_reply_parse(s, size, &reply, &e);
        if (r < 0) {
                FUZZ_CHECK(r == -EBADMSG);
                check_message(&e);
                FUZZ_CHECK(!reply.fields && reply.n_fields == 0);
                return;
        }

        FUZZ_CHECK(r == 0);
        FUZZ_CHECK(size <= CONTROL_REPLY_MAX);
        FUZZ_CHECK(reply.n_fields >= 1);
        FUZZ_CHECK(strcmp(reply.fields[0].key, "result") == 0);
        FUZZ_CHECK(strcmp(reply.fields[0].value, "ok") == 0 || strcmp(reply.fields[0].value, "error") == 0);
        FUZZ_CHECK(control_reply_get(&reply, "result") == reply.fields[0].value);

        /* key=value lines joined by '\n' are the input, without its optional final newline. */
        text = malloc(size + 1);
        FUZZ_CHECK(text);
        for (size_t i = 0; i < reply.n_fields; i++) {
                const ControlField *f = &reply.fields[i];
                size_t kl = strlen(f->key), vl = strlen(f->value);

                FUZZ_CHECK(kl > 0);
                for (const char *k = f->key; *k; k++)
                        FUZZ_CHECK((*k >= 'a' && *k <= 'z') || *k == '_');
                FUZZ_CHECK(control_value_valid(f->value));
                FUZZ_CHECK(control_reply_get(&reply, f->key));

                FUZZ_CHECK(n + (i > 0) + kl + 1 + vl <= size);
                if (i > 0)
                        text[n++] = '\n';
                memcpy(text + n, f->key, kl);
                n += kl;
                text[n++] = '=';
                memcpy(text + n, f->value, vl);
                n += vl;
        }
        FUZZ_CHECK(n == size || (n + 1 == size && s[n] == '\n'));
        FUZZ_CHECK(memcmp(text, s, n) == 0);

        /* And it parses to the same fields. */
        FUZZ_CHECK(control_reply_parse(text, n, &again, &e) == 0);
        FUZZ_CHECK(again.n_fields == reply.n_fields);
        for (size_t i = 0; i < reply.n_fields; i++)
                FUZZ_CHECK(strcmp(again.fields[i].key, reply.fields[i].key) == 0 &&
                           strcmp(again.fields[i].value, reply.fields[i].value) == 0);

        control_reply_done(&again);
        control_reply_done(&reply);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        check_request((const char *) data, size);
        check_reply((const char *) data, size);
        return 0;
}
