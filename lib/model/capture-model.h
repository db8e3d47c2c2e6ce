/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "macro.h"
#include "verdict.h"

/* What the capture kernel would be built from against what the kernel has. A crash-kernel reload
 * reads the device tree; the kernel's own view is in sysfs. For each resource (memory, CPUs) the
 * model keeps the DT's description, read again only when its generation moves, and the kernel's
 * set, which the caller keeps up to date from uevents and the model rescans when events were lost
 * or may lag (before it calls an agreement). All resources make one verdict for the settle engine:
 * consistent when every one agrees, its set id folded from theirs (set_id_fold()), so a change in
 * any is a new set to load. */

#define CAPTURE_RESOURCES_MAX 4
/* At most a rescan, a DT read and a comparison to report per resource and evaluation. */
#define CAPTURE_NOTES_MAX (3 * CAPTURE_RESOURCES_MAX)

/* Something an evaluation found, for the caller to log. Warnings are problems (a DT that cannot be
 * used, reported once per generation); the rest are expected on the way (a DT being replaced). */
typedef struct CaptureNote {
        bool warning;
        int error;          /* -errno, or 0 */
        char message[512];  /* what and where */
} CaptureNote;

typedef struct CaptureNotes {
        CaptureNote notes[CAPTURE_NOTES_MAX];
        size_t n_notes;
} CaptureNotes;

/* Adds a note (dropped if full). Returns error, as error_set() does. */
int capture_note(CaptureNotes *n, bool warning, int error, const char *format, ...) _printf_(4, 5);

/* compare()'s "agree, unless what just happened is a removal still under way". */
#define CAPTURE_PROVISIONAL 2

typedef struct CaptureResource CaptureResource;

/* What a resource implements. root is the directory sysfs and the DT are under. */
typedef struct CaptureResourceOps {
        /* What the two sides are called in messages. */
        const char *dt_input;    /* "device tree memory property" */
        const char *kernel_set;  /* "memory blocks" */

        /* The DT input's generation, from stat() alone: changes whenever the kernel replaces it.
         * 0 (and -errno) when it does not exist. */
        int (*generation)(const CaptureResource *r, const char *root, uint64_t *ret);
        /* Reads the DT input into a staging slot, then commit() keeps it (keep) or drops it: a
         * file replaced while read is read again. A failure's error is what commit() keeps. */
        int (*load)(CaptureResource *r, const char *root, Error *e);
        void (*commit)(CaptureResource *r, bool keep);
        /* A kept load failed with error (-ENOENT: the DT input is absent): says why, in notes. */
        void (*load_failed)(CaptureResource *r, const char *root, int error, const Error *e,
                            CaptureNotes *notes);
        /* Scans the kernel's set afresh and keeps it; *ret_changed: it differs from the one kept
         * before. On failure the old set stays. */
        int (*rescan)(CaptureResource *r, const char *root, bool *ret_changed, Error *e);
        /* The kernel's set is kept from uevents alone (compare() reads nothing afresh), so an
         * agreement is confirmed against a fresh scan before a verdict says "consistent". */
        bool confirm_by_rescan;
        /* The kept DT input against the kernel's set: 1 they agree, 0 they do not,
         * CAPTURE_PROVISIONAL they do but for a change the kernel may still be making
         * (SettleVerdict.provisional), -errno when they cannot be compared; but for 1, a note
         * says where or why. */
        int (*compare)(CaptureResource *r, CaptureNotes *notes);
        /* The set the kept DT input describes; never SET_ID_UNKNOWN. */
        uint64_t (*set_id)(const CaptureResource *r);
        /* The set the boot's flattened DT (/sys/firmware/fdt, untrusted bytes) describes, as
         * set_id() would for it. Optional: without it the boot's set is not known. */
        int (*boot_set_id)(const CaptureResource *r, const void *fdt, size_t size, uint64_t *ret, Error *e);
        void (*free)(CaptureResource *r);
} CaptureResourceOps;

/* Embedded first in each resource's own struct. */
struct CaptureResource {
        const CaptureResourceOps *ops;
        uint64_t generation;  /* of the DT input kept; 0: none read yet */
        int dt_error;         /* < 0: the DT input of that generation could not be used */
        bool rescan;          /* the kernel's set missed changes: rescan it before trusting it */
        bool disagrees;       /* the last evaluation compared them and they did not agree */
};

typedef struct CaptureModel {
        const char *root;
        CaptureResource *resources[CAPTURE_RESOURCES_MAX];  /* owned */
        size_t n_resources;
        CaptureNotes notes;  /* of the last capture_model_evaluate() */
} CaptureModel;

void capture_model_init(CaptureModel *m, const char *root);
void capture_model_done(CaptureModel *m);
/* Takes r over, also on failure (-E2BIG: too many resources). */
int capture_model_add(CaptureModel *m, CaptureResource *r);

/* Every resource's DT generation, folded: a few stat() calls, for polling. */
uint64_t capture_model_generation(const CaptureModel *m);

/* Events were lost (a uevent socket overflow): every kernel set is rescanned at the next evaluation. */
void capture_model_events_lost(CaptureModel *m);

/* Rescans every kernel set now; *ret_changed (may be NULL): one of them changed. The first
 * failure is returned; the other resources are rescanned all the same. */
int capture_model_rescan(CaptureModel *m, bool *ret_changed, Error *e);

/* The set the boot's flattened DT describes, folded as a verdict's is: what any crash kernel loaded
 * in this boot before the DT changed was built from. -EOPNOTSUPP when a resource cannot say. */
int capture_model_boot_set_id(const CaptureModel *m, const void *fdt, size_t size, uint64_t *ret, Error *e);

/* Rescans the sets that missed events, reads each DT input whose generation moved and compares
 * (an agreement with a set kept from uevents, and a new DT input that disagrees, are compared
 * again with a fresh scan of the kernel's set: uevents lag the kernel or are lost upstream): the
 * verdict, and the folded generation of the DT inputs it was taken from. What it found on the
 * way is in m->notes. */
void capture_model_evaluate(CaptureModel *m, SettleVerdict *ret, uint64_t *ret_generation);

/* The kernel sets the last evaluation found the DT disagreeing with, for messages: "memory blocks",
 * "memory blocks and CPUs"; "kernel" when none did (it could not compare). Returns buf. */
const char *capture_model_disagreeing(const CaptureModel *m, char *buf, size_t size);
