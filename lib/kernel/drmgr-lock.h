/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

/* drmgr (powerpc-utils) holds a POSIX write lock (fcntl F_SETLK, F_WRLCK, the whole file) on this
 * file from shortly after it starts until just before it exits: one drmgr command may be many
 * kernel DLPAR requests, and the lock says the command is still running. */
#define DRMGR_LOCK_PATH "/var/lock/dr_config_lock"

typedef struct DrmgrLock {
        bool held;
        pid_t pid;  /* the holder when held, 0 if unknown (an open file description lock) */
} DrmgrLock;

/* Whether root/path is locked, without taking the lock: the file is opened read-only and asked
 * with F_GETLK for a whole-file write lock (taking it, even briefly, would make a drmgr starting
 * then fail). A missing file means no drmgr ran: not held. 0, or -errno with e naming the file. */
int drmgr_lock_probe(const char *root, const char *path, DrmgrLock *ret, Error *e);
