/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

/* What survives a daemon restart, in the runtime directory (/run/kdump-settle/state): the set id
 * the crash kernel was last loaded with, and whether a reload is owed (a request was pending).
 * A daemon killed mid-request reloads after its restart; one started on a settled system whose
 * loaded set still matches does not reload for nothing. Text, so an administrator can read it:
 *
 *   loaded_set=0123456789abcdef
 *   owed=1
 */

#define LOADED_STATE_FILE "state"
#define LOADED_STATE_MAX 256

typedef struct LoadedState {
        uint64_t loaded_id;  /* 0: unknown */
        bool owed;
} LoadedState;

/* -EBADMSG naming the line for anything but the two keys with valid values (each at most once;
 * both required). */
int loaded_state_parse(const char *text, size_t size, LoadedState *ret, Error *e);

/* dir/LOADED_STATE_FILE. -ENOENT (no message) if absent. */
int loaded_state_read(const char *dir, LoadedState *ret, Error *e);

/* Writes a temporary file in dir and renames it over, so a reader never sees half a file. */
int loaded_state_write(const char *dir, const LoadedState *s, Error *e);
