/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "time-util.h"

/* What a program printed on stdout, and how it ended. */
typedef struct RunCapture {
        char *output;      /* NUL-terminated, at most the limit's bytes */
        size_t size;
        bool truncated;    /* it printed more than the limit: the rest was not read, it was killed */
        int exit_status;   /* its exit code; -1 when it died of a signal (also when truncated) */
} RunCapture;

void run_capture_done(RunCapture *c);

/* Runs executable (a full path: no PATH search, no shell) with argv, stdin and stderr on /dev/null,
 * signals unblocked and at their defaults, and waits for it: the first max bytes of its stdout and
 * its exit status in *ret (to run_capture_done()). 0 when it ended (or said more than max), -ETIME
 * when it had not ended after timeout (killed), -errno when it could not be started (-ENOENT:
 * missing), e saying why. It always blocks, for at most timeout (and a SIGKILL's reaping): for a
 * reload's child or a command-line program, never for the event loop. */
int run_capture(const char *executable, char *const *argv, size_t max, usec_t timeout, RunCapture *ret, Error *e);
