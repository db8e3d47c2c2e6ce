/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

/* What survives a daemon restart, in the runtime directory (/run/kdump-settle/state): the set id
 * the crash kernel was last loaded with, whether a reload is owed (a request was pending), and the
 * boot it was written in (/proc/sys/kernel/random/boot_id), so a state of an earlier boot is not
 * taken for this one's.
 * A daemon killed mid-request reloads after its restart; one started on a settled system whose
 * loaded set still matches does not reload for nothing. Text, so an administrator can read it:
 *
 *   loaded_set=0123456789abcdef
 *   owed=1
 *   boot_id=0f3c1a52-5d4e-4b6c-9a0e-2d1b7c8e9f10
 *
 * boot_id is optional (a state file of an older version has none): without it, no boot is its. */

#define LOADED_STATE_FILE "state"
#define LOADED_STATE_MAX 256
/* A boot id: a UUID as the kernel prints it, 36 characters. */
#define BOOT_ID_LEN 36

typedef struct LoadedState {
        uint64_t loaded_id;  /* 0: unknown */
        bool owed;
        char boot_id[BOOT_ID_LEN + 1];  /* "": not known */
} LoadedState;

/* Whether text (of size bytes, a trailing newline allowed) is a boot id: 36 characters of lower
 * case hex digits and dashes. */
bool boot_id_valid(const char *text, size_t size);

/* -EBADMSG naming the line for anything but the keys with valid values (each at most once;
 * loaded_set= and owed= required). */
int loaded_state_parse(const char *text, size_t size, LoadedState *ret, Error *e);

/* dir/LOADED_STATE_FILE. -ENOENT (no message) if absent. */
int loaded_state_read(const char *dir, LoadedState *ret, Error *e);

/* Writes a temporary file in dir and renames it over, so a reader never sees half a file. */
int loaded_state_write(const char *dir, const LoadedState *s, Error *e);
