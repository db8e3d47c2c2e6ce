/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
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

/* The reply's first line, and an error's message. */
#define CONTROL_KEY_RESULT "result"
#define CONTROL_RESULT_OK "ok"
#define CONTROL_RESULT_ERROR "error"
#define CONTROL_KEY_MESSAGE "message"
#define CONTROL_REPLY_OK CONTROL_KEY_RESULT "=" CONTROL_RESULT_OK "\n"
#define CONTROL_MESSAGE_PERMISSION_DENIED "permission denied"

/* The keys of a status reply, after result=ok, shared by the daemon (which writes them in this
 * order) and kdump-settlectl (which prints them). Counters are decimal, ids 16 hex digits. */
#define CONTROL_STATUS_STATE                   "state"                   /* the engine's state */
#define CONTROL_STATUS_STATUS                  "status"                  /* the daemon's one-line status */
#define CONTROL_STATUS_PENDING_EVENTS          "pending_events"
#define CONTROL_STATUS_DT_GENERATION           "dt_generation"
#define CONTROL_STATUS_CONSISTENT              "consistent"              /* yes, no or unknown */
#define CONTROL_STATUS_DT_SET                  "dt_set"
#define CONTROL_STATUS_LOADED_SET              "loaded_set"
#define CONTROL_STATUS_LAST_RELOAD_TIME        "last_reload_time"        /* seconds since the epoch, 0: never */
#define CONTROL_STATUS_LAST_RELOAD_DURATION_MS "last_reload_duration_ms"
#define CONTROL_STATUS_LAST_RELOAD_RESULT      "last_reload_result"
#define CONTROL_STATUS_EVENTS                  "events"
#define CONTROL_STATUS_REQUESTS                "requests"
#define CONTROL_STATUS_RELOADS                 "reloads"
#define CONTROL_STATUS_FAILURES                "failures"
#define CONTROL_STATUS_SKIPPED                 "skipped"
#define CONTROL_STATUS_TIMEOUTS                "timeouts"
#define CONTROL_STATUS_UEVENT_SOURCE           "uevent_source"
#define CONTROL_STATUS_RELOAD_BACKEND          "reload_backend"
#define CONTROL_STATUS_KEXEC_HOTPLUG           "kexec_hotplug"           /* lib/engine/kexec-hotplug.h: yes, no-kexec, no-reserve-fix, ... */
#define CONTROL_STATUS_KEXEC_HOTPLUG_HAZARD    "kexec_hotplug_hazard"    /* the same: none, not-loaded or loaded (as check) */
#define CONTROL_STATUS_MEMORY_LIMIT            "memory_limit"            /* absent, kept, corrected or unknown */
#define CONTROL_STATUS_PFT_SIZE                "pft_size"                /* absent, radix, current, corrected, static or unknown */
#define CONTROL_STATUS_CPU_INPUT               "cpu_input"               /* none, watched, kernel or fadump */
#define CONTROL_STATUS_CPU_EVENTS              "cpu_events"
#define CONTROL_STATUS_CPUS_CONSISTENT         "cpus_consistent"         /* yes, no or unknown; with CPU input */
#define CONTROL_STATUS_CPUS_ONLINE             "cpus_online"
#define CONTROL_STATUS_CPUS_DT_THREADS         "cpus_dt_threads"

typedef enum ControlCommand {
        CONTROL_STATUS,
        CONTROL_RELOAD,
        CONTROL_WAIT,
        _CONTROL_COMMAND_MAX,
        _CONTROL_COMMAND_INVALID = -EINVAL,
} ControlCommand;

const char *control_command_to_string(ControlCommand c);
ControlCommand control_command_from_string(const char *s);  /* -EINVAL if unknown */

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
