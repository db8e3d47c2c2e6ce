/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "macro.h"

/* Library code does not log: it describes what went wrong here and the caller, the boundary that
 * decides, logs it once. */
typedef struct Error {
        char message[256];
} Error;

/* Stores the formatted message in e (which may be NULL) and returns -abs(r). */
int error_set(Error *e, int r, const char *format, ...) _printf_(3, 4);

/* The message, or strerror(-r) when nothing was stored. */
const char *error_message(const Error *e, int r);
