/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include "error.h"

/* The control socket's protocol: one SOCK_SEQPACKET message per request and per reply.
 *
 * A request is one word, optionally followed by a newline: "status", "reload" or "wait".
 * A reply is lines of key=value; the first is result=ok or result=error, an error has message=.
 * Keys are [a-z_]+, values printable ASCII without newlines. */

#define CONTROL_SOCKET_NAME "control"
#define CONTROL_REQUEST_MAX 64
#define CONTROL_REPLY_MAX 4096

typedef enum ControlCommand {
        CONTROL_STATUS,
        CONTROL_RELOAD,
        CONTROL_WAIT,
        _CONTROL_COMMAND_MAX,
} ControlCommand;

const char *control_command_to_string(ControlCommand c);

/* -EBADMSG with a message for empty, oversized (> CONTROL_REQUEST_MAX), non-printable or unknown
 * requests. */
int control_request_parse(const void *data, size_t size, ControlCommand *ret, Error *e);

typedef struct ControlField {
        char *key;
        char *value;
} ControlField;

typedef struct ControlReply {
        ControlField *fields;
        size_t n_fields;
} ControlReply;

void control_reply_done(ControlReply *r);

/* Parses and validates a reply; -EBADMSG naming the line for anything malformed, including a
 * missing result= first line. */
int control_reply_parse(const void *data, size_t size, ControlReply *ret, Error *e);

/* The value of key, or NULL. */
const char *control_reply_get(const ControlReply *r, const char *key);

/* Whether a value is printable ASCII without '\n': what the daemon may put in a reply. */
int control_value_valid(const char *value);
