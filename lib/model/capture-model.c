/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "capture-model.h"
#include "set-id.h"

/* A DT input replaced this many times in a row while being read is left for the next look. */
#define LOAD_ATTEMPTS 3

int capture_note(CaptureNotes *n, bool warning, int error, const char *format, ...) {
        CaptureNote *note;
        va_list ap;

        assert(n);

        error = error > 0 ? -error : error;
        if (n->n_notes >= ELEMENTSOF(n->notes))
                return error;

        note = &n->notes[n->n_notes++];
        note->warning = warning;
        note->error = error;
        va_start(ap, format);
        vsnprintf(note->message, sizeof(note->message), format, ap);
        va_end(ap);
        return error;
}

void capture_model_init(CaptureModel *m, const char *root) {
        assert(m);
        assert(root);

        *m = (CaptureModel) { .root = root };
}

void capture_model_done(CaptureModel *m) {
        assert(m);

        for (size_t i = 0; i < m->n_resources; i++)
                m->resources[i]->ops->free(m->resources[i]);
        m->n_resources = 0;
}

int capture_model_add(CaptureModel *m, CaptureResource *r) {
        assert(m);
        assert(r);
        assert(r->ops);

        if (m->n_resources >= ELEMENTSOF(m->resources)) {
                r->ops->free(r);
                return -E2BIG;
        }
        m->resources[m->n_resources++] = r;
        return 0;
}

uint64_t capture_model_generation(const CaptureModel *m) {
        uint64_t g[CAPTURE_RESOURCES_MAX];

        assert(m);

        for (size_t i = 0; i < m->n_resources; i++)
                (void) m->resources[i]->ops->generation(m->resources[i], m->root, &g[i]);
        return set_id_fold(g, m->n_resources);
}

void capture_model_events_lost(CaptureModel *m) {
        assert(m);

        for (size_t i = 0; i < m->n_resources; i++)
                m->resources[i]->rescan = true;
}

int capture_model_rescan(CaptureModel *m, bool *ret_changed, Error *e) {
        bool any = false;
        int ret = 0;

        assert(m);

        for (size_t i = 0; i < m->n_resources; i++) {
                CaptureResource *r = m->resources[i];
                bool changed = false;
                int k;

                k = r->ops->rescan(r, m->root, &changed, ret < 0 ? NULL : e);
                if (k < 0) {
                        if (ret == 0)
                                ret = k;
                        continue;
                }
                r->rescan = false;
                any = any || changed;
        }
        if (ret_changed)
                *ret_changed = any;
        return ret;
}

/* Reads the DT input again if its generation moved since the kept one; true if it kept a new one. */
static bool refresh(CaptureModel *m, CaptureResource *r) {
        for (unsigned attempt = 0; attempt < LOAD_ATTEMPTS; attempt++) {
                uint64_t before = 0, after = 0;
                Error e = {};
                int k;

                (void) r->ops->generation(r, m->root, &before);
                if (before != 0 && before == r->generation)
                        return false;

                k = r->ops->load(r, m->root, &e);
                (void) r->ops->generation(r, m->root, &after);
                if (after != before) {
                        r->ops->commit(r, false);
                        continue;
                }

                r->ops->commit(r, true);
                r->generation = before;
                r->dt_error = k < 0 ? k : 0;
                /* Each generation is read once: a bad one is reported once, and the next may fix it. */
                if (k < 0)
                        r->ops->load_failed(r, m->root, k, &e, &m->notes);
                return true;
        }
        (void) capture_note(&m->notes, false, 0, "The %s keeps changing while read; trying again later.",
                            r->ops->dt_input);
        return false;
}

/* Rescans the kernel's set; a note says why when it fails. */
static int rescan(CaptureModel *m, CaptureResource *r, bool *ret_changed) {
        Error e = {};
        int k;

        k = r->ops->rescan(r, m->root, ret_changed, &e);
        if (k < 0)
                return capture_note(&m->notes, true, k, "Cannot rescan %s: %s", r->ops->kernel_set,
                                    error_message(&e, k));
        r->rescan = false;
        return 0;
}

/* One resource's part of the verdict. */
static SettleVerdict evaluate_one(CaptureModel *m, CaptureResource *r) {
        SettleVerdict v = {};
        bool fresh, scanned = false, changed = false;
        size_t n_notes;
        int k;

        if (r->rescan)
                scanned = rescan(m, r, NULL) >= 0;

        fresh = refresh(m, r);
        if (r->dt_error < 0 || r->generation == 0 || r->rescan)
                return v;

        v.valid = true;
        v.set_id = r->ops->set_id(r);
        n_notes = m->notes.n_notes;
        k = r->ops->compare(r, &m->notes);
        /* A set kept from uevents can be behind the kernel, and a verdict "consistent" is what a
         * reload acts on: the agreement is checked against a fresh scan. On the udev source a
         * request close behind another is in sysfs while udevd still holds its uevents, so the
         * first request's DT agrees with the kept set and lacks the second. The kernel replaces
         * the DT input after it changed its own set, so a new one that disagrees is checked as
         * well: a uevent lost upstream (udevd killed or restarted mid-operation) would otherwise
         * hold every later request until max wait. That is once per DT generation, so a DT still
         * stale costs one scan; an agreement, once per evaluation that finds one. */
        if (!scanned && ((k == 1 && r->ops->confirm_by_rescan) || (k == 0 && fresh)) &&
            rescan(m, r, &changed) >= 0 && changed) {
                m->notes.n_notes = n_notes;
                /* Expected on the udev source, which passes uevents on after the replacement. */
                (void) capture_note(&m->notes, false, 0, "The %s differed from what uevents said so far "
                                    "(late or lost uevents); rescanned them.", r->ops->kernel_set);
                k = r->ops->compare(r, &m->notes);
        }
        v.consistent = k == 1;
        v.provisional = k == CAPTURE_PROVISIONAL;
        r->disagrees = k == 0 || k == CAPTURE_PROVISIONAL;
        return v;
}

/* A verdict's set id from the resources' ones: SET_ID_UNKNOWN is kept for "not known". */
static uint64_t fold_set_ids(const uint64_t *ids, size_t n) {
        uint64_t id = set_id_fold(ids, n);

        return id == SET_ID_UNKNOWN ? 1 : id;
}

int capture_model_boot_set_id(const CaptureModel *m, const void *fdt, size_t size, uint64_t *ret, Error *e) {
        uint64_t ids[CAPTURE_RESOURCES_MAX];

        assert(m);
        assert(ret);

        if (m->n_resources == 0)
                return error_set(e, -EOPNOTSUPP, "No resources");
        for (size_t i = 0; i < m->n_resources; i++) {
                const CaptureResource *r = m->resources[i];
                int k;

                if (!r->ops->boot_set_id)
                        return error_set(e, -EOPNOTSUPP, "The boot's %s is not known", r->ops->dt_input);
                k = r->ops->boot_set_id(r, fdt, size, &ids[i], e);
                if (k < 0)
                        return k;
        }
        *ret = fold_set_ids(ids, m->n_resources);
        return 0;
}

void capture_model_evaluate(CaptureModel *m, SettleVerdict *ret, uint64_t *ret_generation) {
        uint64_t ids[CAPTURE_RESOURCES_MAX], generations[CAPTURE_RESOURCES_MAX];
        bool valid = true, consistent = true, disagree = false;

        assert(m);
        assert(ret);

        m->notes.n_notes = 0;
        for (size_t i = 0; i < m->n_resources; i++) {
                SettleVerdict v;

                m->resources[i]->disagrees = false;
                v = evaluate_one(m, m->resources[i]);

                valid = valid && v.valid;
                consistent = consistent && v.consistent;
                disagree = disagree || (!v.consistent && !v.provisional);
                ids[i] = v.set_id;
                generations[i] = m->resources[i]->generation;
        }

        if (!valid || m->n_resources == 0)
                *ret = (SettleVerdict) {};
        else
                *ret = (SettleVerdict) {
                        .valid = true,
                        .consistent = consistent,
                        /* Every resource agrees, some of them provisionally. */
                        .provisional = !consistent && !disagree,
                        .set_id = fold_set_ids(ids, m->n_resources),
                };
        ret->generation = set_id_fold(generations, m->n_resources);
        if (ret_generation)
                *ret_generation = ret->generation;
}

const char *capture_model_disagreeing(const CaptureModel *m, char *buf, size_t size) {
        size_t n = 0;

        assert(m);
        assert(buf && size > 0);

        buf[0] = 0;
        for (size_t i = 0; i < m->n_resources; i++)
                if (m->resources[i]->disagrees && n < size)
                        n += (size_t) snprintf(buf + n, size - n, "%s%s", n > 0 ? " and " : "",
                                               m->resources[i]->ops->kernel_set);
        if (n == 0)
                snprintf(buf, size, "kernel");
        return buf;
}
