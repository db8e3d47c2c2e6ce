/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "error.h"

/* The little shell syntax the kdump tools write and read: Debian's kdump-config records the kexec
 * command it last ran (KDUMP_COREDIR/kexec_cmd) as one line with double-quoted words, and keeps its
 * settings (/etc/default/kdump-tools) as shell assignments. No expansion, no command
 * substitution: what needs either is refused, never guessed. */

/* Splits one command line into words: white space separates, "..." and '...' quote (inside "...",
 * a backslash escapes " \ $ and `), a backslash outside quotes escapes the next character. $ or `
 * outside single quotes, an unterminated quote, or a line with no word give -EINVAL naming what
 * and where (what names the source, e.g. the file). */
int shell_words_split(const char *line, const char *what, char ***ret, Error *e);

/* The value of the last top-level assignment KEY=VALUE (optionally after "export ") in text, a
 * shell defaults file, unquoted as shell_words_split() does. 1 and *ret set when found, 0 when
 * not assigned, -EINVAL (naming what and the line) when the value needs a shell to evaluate. */
int shell_assignment_find(const char *text, const char *key, const char *what, char **ret, Error *e);
