/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

/* Untrusted text (sysfs, uevents) quoted in a message: printable ASCII as is, '\n' as "\n", other
 * bytes and '"' and '\\' as "\xNN", cut with "..." to fit size bytes (at least 8). Returns buf. */
const char *text_quote(const char *text, char *buf, size_t size);

/* A buffer for up to n input bytes quoted in full (each at most 4 bytes) plus "..." and the NUL. */
#define TEXT_QUOTE_SIZE(n) ((n) * 4 + 4)
