/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* The value of a hex digit (either case), or -EINVAL. */
int unhexchar(char c);

/* The len bytes at s as one unsigned hex number, digits only (no "0x", no sign, no white space),
 * either case. -EINVAL when len is 0 or a byte is not a hex digit, -ERANGE when the value does not
 * fit 64 bits; whichever comes first from the left. *ret is untouched on failure. */
int parse_hex_u64(const char *s, size_t len, uint64_t *ret);
