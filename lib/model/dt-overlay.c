/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "alloc-util.h"
#include "drconf-usable.h"
#include "dt-overlay.h"
#include "macro.h"
#include "memory-limit.h"
#include "pft-size.h"

typedef int (*dt_corrector_t)(const char *name, const char *root, const char *cmdline, DtOverlayPlan *plan,
                              Error *e);

/* Linux 6.10+ exports the boot RAM's size as linux,memory-limit on every boot; kexec-tools clips
 * the dump to it. Meant only when the administrator booted with mem=. */
static int correct_memory_limit(const char *name, const char *root, const char *cmdline, DtOverlayPlan *plan,
                                Error *e) {
        MemoryLimitCorrection c;
        int r;

        r = memory_limit_correction(root, cmdline, &c, e);
        if (r < 0 || c != MEMORY_LIMIT_CORRECTED)
                return r;
        return dt_overlay_plan_add(plan, name, DT_CHOSEN_NODE, DT_PROP_MEMORY_LIMIT, DT_FIX_DROP, NULL, 0, e);
}

/* kexec-tools writes a linux,drconf-usable-memory counter per LMB, the capture kernel reads one per
 * present LMB (issue 21): a property of present LMBs only makes them agree. */
static int correct_drconf_usable(const char *name, const char *root, const char *cmdline, DtOverlayPlan *plan,
                                 Error *e) {
        _cleanup_free_ void *value = NULL;
        DtFormat format;
        size_t size;
        int r;

        r = drconf_usable_correction(root, &format, &value, &size, e);
        if (r <= 0)
                return r;
        return dt_overlay_plan_add(plan, name, DT_MEMORY_NODE, dt_format_property(format), DT_FIX_SET, value, size,
                                   e);
}

/* Hash MMU: the kernel resizes the HPT on memory hot-plug but never updates ibm,pft-size; a
 * capture kernel sized from the boot order hangs after purgatory. Each stale cpu node gets the
 * order in use: the kernel reads the first it finds, and a node added since may have it already. */
static int correct_pft_size(const char *name, const char *root, const char *cmdline, DtOverlayPlan *plan,
                            Error *e) {
        _cleanup_(pft_size_done) PftSize p = {};
        int r;

        r = pft_size_load(root, &p, e);
        if (r < 0 || p.correction != PFT_SIZE_CORRECTED)
                return r;
        for (size_t i = 0; i < p.n_nodes; i++) {
                uint8_t v[PFT_SIZE_BYTES];

                if (p.nodes[i].order == p.order)
                        continue;
                pft_size_value(&p, &p.nodes[i], v);
                r = dt_overlay_plan_add(plan, name, p.nodes[i].node, DT_PROP_PFT_SIZE, DT_FIX_SET, v, sizeof(v), e);
                if (r < 0)
                        return r;
        }
        return 0;
}

static const struct {
        const char *name;
        dt_corrector_t correct;
} dt_correctors[] = {
        { "memory-limit", correct_memory_limit },
        { "drconf-usable", correct_drconf_usable },
        { "pft-size", correct_pft_size },
};

void dt_overlay_plan_done(DtOverlayPlan *p) {
        for (size_t i = 0; i < p->n_fixes; i++) {
                free(p->fixes[i].node);
                free(p->fixes[i].property);
                free(p->fixes[i].value);
        }
        free(p->fixes);
        *p = (DtOverlayPlan) {};
}

int dt_overlay_plan_add(DtOverlayPlan *p, const char *corrector, const char *node, const char *property,
                        DtFixAction action, const void *value, size_t size, Error *e) {
        DtFix *fixes, f = {
                .corrector = corrector,
                .action = action,
                .size = action == DT_FIX_SET ? size : 0,
        };

        while (*node == '/')
                node++;
        f.node = strdup(node);
        f.property = strdup(property);
        if (f.size > 0) {
                f.value = malloc(f.size);
                if (f.value)
                        memcpy(f.value, value, f.size);
        }
        fixes = f.node && f.property && (f.size == 0 || f.value) ?
                reallocarray(p->fixes, p->n_fixes + 1, sizeof(DtFix)) : NULL;
        if (!fixes) {
                free(f.node);
                free(f.property);
                free(f.value);
                return error_set(e, -ENOMEM, "Out of memory");
        }
        p->fixes = fixes;
        p->fixes[p->n_fixes++] = f;
        return 0;
}

const DtFix *dt_overlay_plan_find(const DtOverlayPlan *p, const char *node, const char *property) {
        while (*node == '/')
                node++;
        for (size_t i = 0; i < p->n_fixes; i++)
                if (strcmp(p->fixes[i].node, node) == 0 && strcmp(p->fixes[i].property, property) == 0)
                        return &p->fixes[i];
        return NULL;
}

int dt_overlay_plan(const char *root, const char *cmdline, DtOverlayPlan *ret, Error *e) {
        DtOverlayPlan p = {};

        for (size_t i = 0; i < ELEMENTSOF(dt_correctors); i++) {
                Error ee = {};
                int r;

                r = dt_correctors[i].correct(dt_correctors[i].name, root, cmdline, &p, &ee);
                if (r < 0) {
                        dt_overlay_plan_done(&p);
                        return error_set(e, r, "device tree correction %s: %s", dt_correctors[i].name,
                                         error_message(&ee, r));
                }
        }
        *ret = p;
        return 0;
}

const char *dt_overlay_plan_describe(const DtOverlayPlan *p, char *buf, size_t size) {
        size_t n = 0;

        if (size == 0)
                return buf;
        buf[0] = 0;
        for (size_t i = 0; i < p->n_fixes; i++) {
                const char *name = p->fixes[i].corrector;
                size_t len = strlen(name);
                bool seen = false;

                for (size_t j = 0; j < i; j++)
                        seen = seen || strcmp(p->fixes[j].corrector, name) == 0;
                if (seen || n + (n > 0) + len + 1 > size)
                        continue;
                if (n > 0)
                        buf[n++] = ',';
                memcpy(buf + n, name, len + 1);
                n += len;
        }
        return buf;
}
