/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* daemon/dt-overlay-mount.c for real: in a forked child (the reload child's place), the corrected
 * copy of /chosen on tmpfs in a mount namespace of the child's own, its properties and subnodes,
 * read-only; the parent (the daemon's place) still sees the real tree; a copy that cannot be made
 * leaves the plain tree, with no mount left behind. Root only (mounts): skipped otherwise. TAP. */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc-util.h"
#include "drconf-usable.h"
#include "dt-blob.h"
#include "dt-memory.h"
#include "dt-overlay-mount.h"
#include "fake-root.h"
#include "harness.h"
#include "memory-limit.h"

#define CMDLINE "root=/dev/sda2 ro quiet\n"

typedef struct Test {
        const char *name;
        bool failed;
} Test;

static char *in_root(const char *root, const char *path) {
        char *p;

        if (asprintf(&p, "%s/%s", root, path) < 0)
                abort();
        return p;
}

static bool exists(const char *root, const char *path) {
        char *p = in_root(root, path);
        bool b = access(p, F_OK) == 0;

        free(p);
        return b;
}

static bool same_text(const char *root, const char *path, const char *want) {
        char *p = in_root(root, path), *text = harness_read_all(p, NULL);
        bool b = text && strcmp(text, want) == 0;

        free(text);
        free(p);
        return b;
}

/* A /chosen as pseries has it, plus a subnode, and the property to drop. */
static void make_tree(Test *t, const char *root, const char *cmdline) {
        int r;

        r = fake_root_write_memory_limit(root, (uint64_t) 2 << 30, cmdline);
        if (r >= 0)
                r = fake_root_write_file(root, DT_CHOSEN_NODE "/bootargs", "ro quiet", 9);
        if (r >= 0)
                r = fake_root_write_file(root, DT_CHOSEN_NODE "/sub/prop", "below", 5);
        CHECK(t, r >= 0, "cannot build the fake root: %s", strerror(-r));
}

/* Runs dt_overlay_enter() in a child, which then checks what it sees: exit 0 when it saw what
 * `corrected` says (1 corrected, 0 nothing to correct, -1 the plain tree after a failure). */
static int child_sees(const char *root, int corrected) {
        int r = dt_overlay_enter(root);
        char *chosen = in_root(root, DT_CHOSEN_NODE "/new");
        bool readonly;

        if ((corrected < 0) != (r < 0) || (corrected >= 0 && r != corrected))
                return 10;
        if (exists(root, DT_CHOSEN_NODE "/" DT_PROP_MEMORY_LIMIT) == (corrected == 1))
                return 11;
        if (!same_text(root, DT_CHOSEN_NODE "/bootargs", "ro quiet") ||
            !same_text(root, DT_CHOSEN_NODE "/sub/prop", "below"))
                return 12;
        readonly = harness_write_text(chosen, "x") == -EROFS;
        if (corrected == 1 && !readonly)
                return 13;
        return 0;
}

typedef struct ChildArgs {
        const char *root;
        int corrected;
        const void *want;  /* child_memory(): the property it must see */
        size_t want_size;
} ChildArgs;

static int child_sees_args(const void *userdata) {
        const ChildArgs *a = userdata;

        return child_sees(a->root, a->corrected);
}

/* In a forked child (the reload child's place): its exit status (harness_run_forked()). */
static int run_child(const char *root, int corrected) {
        return harness_run_forked(child_sees_args, &(const ChildArgs) { .root = root, .corrected = corrected });
}

static void test_corrected(Test *t, const char *root) {
        int r;

        make_tree(t, root, CMDLINE);
        r = run_child(root, 1);
        CHECK(t, r == 0, "the child's tree is not the corrected copy (check %d failed)", r);
        /* The daemon's view: the real tree. */
        CHECK(t, exists(root, DT_CHOSEN_NODE "/" DT_PROP_MEMORY_LIMIT), "the parent lost the real property");
        CHECK(t, !exists(root, DT_CHOSEN_NODE "/new"), "the child wrote into the real tree");
}

/* Negative control: mem= makes the limit the administrator's; nothing is mounted. */
static void test_mem_given(Test *t, const char *root) {
        int r;

        make_tree(t, root, "ro mem=2G\n");
        r = run_child(root, 0);
        CHECK(t, r == 0, "with mem= the child's tree was changed (check %d failed)", r);
}

/* An entry the copy cannot take (a symlink): the plain tree, no tmpfs left over it. */
static void test_fallback(Test *t, const char *root) {
        char *link = in_root(root, DT_CHOSEN_NODE "/odd");
        int r;

        make_tree(t, root, CMDLINE);
        if (!CHECK(t, symlink("bootargs", link) == 0, "symlink: %m"))
                goto out;
        r = run_child(root, -1);
        CHECK(t, r == 0, "after a failed copy the child's tree is not the plain one (check %d failed)", r);
out:
        (void) unlink(link);
        free(link);
}

/* What point 3's correction will do (issue 20): set a property in several nodes at once (each
 * /cpus/NODE's ibm,pft-size), through dt_overlay_apply() with a plan of its own. */
#define CPU0 "sys/firmware/devicetree/base/cpus/PowerPC,POWER8@0"
#define CPU8 "sys/firmware/devicetree/base/cpus/PowerPC,POWER8@8"
static const uint8_t pft_old[8] = { 0, 0, 0, 0, 0, 0, 0, 0x19 }, pft_new[8] = { 0, 0, 0, 0, 0, 0, 0, 0x1c };

static bool same_bytes(const char *root, const char *path, const uint8_t *want, size_t size) {
        char *p = in_root(root, path), *data;
        size_t n = 0;
        bool b;

        data = harness_read_all(p, &n);
        b = data && n == size && memcmp(data, want, size) == 0;
        free(data);
        free(p);
        return b;
}

static int child_set(const void *userdata) {
        _cleanup_(dt_overlay_plan_done) DtOverlayPlan plan = {};
        const char *root = userdata;
        Error e = {};

        if (dt_overlay_plan_add(&plan, "pft-size", CPU0, "ibm,pft-size", DT_FIX_SET, pft_new, 8, &e) < 0 ||
            dt_overlay_plan_add(&plan, "pft-size", CPU8, "ibm,pft-size", DT_FIX_SET, pft_new, 8, &e) < 0)
                return 10;
        if (dt_overlay_apply(root, &plan, &e) != 1) {
                fprintf(stderr, "%s\n", e.message);
                return 11;
        }
        if (!same_bytes(root, CPU0 "/ibm,pft-size", pft_new, 8) || !same_bytes(root, CPU8 "/ibm,pft-size", pft_new, 8))
                return 12;
        if (!same_text(root, CPU0 "/device_type", "cpu") || !same_text(root, CPU8 "/device_type", "cpu"))
                return 13;
        return 0;
}

static void test_set_many(Test *t, const char *root) {
        int r = 0;

        for (const char *const *n = (const char *const[]) { CPU0, CPU8, NULL }; *n && r >= 0; n++) {
                char path[256];

                snprintf(path, sizeof(path), "%s/ibm,pft-size", *n);
                r = fake_root_write_file(root, path, pft_old, 8);
                snprintf(path, sizeof(path), "%s/device_type", *n);
                if (r >= 0)
                        r = fake_root_write_file(root, path, "cpu", 3);
        }
        if (!CHECK(t, r >= 0, "cannot build the fake root: %s", strerror(-r)))
                return;
        r = harness_run_forked(child_set, root);
        CHECK(t, r == 0, "the child's /cpus copies are wrong (check %d failed)", r);
        CHECK(t, same_bytes(root, CPU0 "/ibm,pft-size", pft_old, 8), "the parent's ibm,pft-size changed");
}

/* Issue 21: the memory node's copy with only the present LMBs, in the child; the daemon's tree
 * unchanged. holes: QEMU's reserved boot RAM, an LMB drmgr removed, then present ones. */
#define DRM_PROP(p) DT_MEMORY_NODE "/" p
#define AA_ARRAYS "ibm,associativity-lookup-arrays"

static void memory_tree(Test *t, const char *root, bool holes, Blob *b) {
        const TestLmbSet with_holes[] = {
                { 8, 0, FLAGS_QEMU_BOOT },
                { 1, 8 * LMB_SIZE, 0 },
                { 3, 9 * LMB_SIZE, DRCONF_MEM_ASSIGNED | DRCONF_MEM_HOTREMOVABLE },
        };
        const TestLmbSet present_first[] = { { 4, 0, DRCONF_MEM_ASSIGNED }, { 4, 4 * LMB_SIZE, 0 } };
        int r;

        if (holes)
                dt_blob_v2(b, with_holes, ELEMENTSOF(with_holes));
        else
                dt_blob_v2(b, present_first, ELEMENTSOF(present_first));
        r = fake_root_write_dt(root, LMB_SIZE, DT_FORMAT_V2, b);
        if (r >= 0)
                r = fake_root_write_file(root, DRM_PROP(AA_ARRAYS), "\0\0\0\1\0\0\0\1\0\0\0\0", 12);
        CHECK(t, r >= 0, "cannot build the fake root: %s", strerror(-r));
}

/* The child: exit 0 when it sees the property as `want` (want_size bytes) and the node's other
 * properties as they are; read-only when corrected. */
static int child_memory(const void *userdata) {
        const ChildArgs *a = userdata;
        const char *root = a->root;
        char *path = in_root(root, DRM_PROP(DT_PROP_DYNAMIC_MEMORY_V2)), *data;
        size_t size = 0;
        bool same;

        if (dt_overlay_enter(root) != a->corrected)
                return 10;
        data = harness_read_all(path, &size);
        same = data && size == a->want_size && memcmp(data, a->want, size) == 0;
        free(data);
        free(path);
        if (!same)
                return 11;
        if (!exists(root, DRM_PROP(DT_PROP_LMB_SIZE)) ||
            !same_bytes(root, DRM_PROP(AA_ARRAYS), (const uint8_t *) "\0\0\0\1\0\0\0\1\0\0\0\0", 12))
                return 12;
        path = in_root(root, DRM_PROP("new"));
        same = harness_write_text(path, "x") == -EROFS;
        free(path);
        if (a->corrected == 1 && !same)
                return 13;
        return 0;
}

static int run_memory_child(const char *root, const void *want, size_t want_size, int corrected) {
        return harness_run_forked(child_memory, &(const ChildArgs) {
                .root = root, .corrected = corrected, .want = want, .want_size = want_size });
}

static void test_drconf_usable(Test *t, const char *root) {
        _cleanup_free_ void *want = NULL;
        size_t want_size = 0;
        Blob b = {};
        Error e = {};
        int r;

        memory_tree(t, root, true, &b);
        if (!CHECK(t, drconf_usable_present_only(DT_FORMAT_V2, b.data, b.size, LMB_SIZE, &want, &want_size, &e) == 9,
                   "the present-only property: %s", e.message))
                goto out;
        r = run_memory_child(root, want, want_size, 1);
        CHECK(t, r == 0, "the child's memory node is not the present-only copy (check %d failed)", r);
        CHECK(t, same_bytes(root, DRM_PROP(DT_PROP_DYNAMIC_MEMORY_V2), b.data, b.size),
              "the parent's ibm,dynamic-memory-v2 changed");
out:
        blob_done(&b);
}

/* Negative control: present LMBs first, the counters line up: nothing is mounted. */
static void test_drconf_safe(Test *t, const char *root) {
        Blob b = {};
        int r;

        memory_tree(t, root, false, &b);
        r = run_memory_child(root, b.data, b.size, 0);
        CHECK(t, r == 0, "a tree whose counters line up was changed (check %d failed)", r);
        blob_done(&b);
}

int main(void) {
        static const struct {
                const char *name;
                void (*run)(Test *t, const char *root);
                bool mounts;  /* needs the overlay to be made, not only to fall back */
        } cases[] = {
                { "overlay: linux,memory-limit dropped in the child's copy, the rest there, read-only; parent unchanged", test_corrected, true },
                { "overlay: mem= given: nothing corrected", test_mem_given, false },
                { "overlay: a copy that fails leaves the plain tree", test_fallback, false },
                { "overlay: a property set in two nodes (point 3's ibm,pft-size), the parent unchanged", test_set_many, true },
                { "overlay: drconf-usable: the memory node with only its present LMBs in the child's copy; parent unchanged", test_drconf_usable, true },
                { "overlay: drconf-usable: present LMBs first, nothing corrected", test_drconf_safe, false },
        };
        bool usable = geteuid() == 0 && harness_mount_namespace_usable();

        printf("1..%zu\n", sizeof(cases) / sizeof(cases[0]));
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                Test t = { .name = cases[i].name };
                char *root = NULL;

                if (geteuid() != 0) {
                        printf("ok %zu - %s # SKIP needs root (mounts)\n", i + 1, t.name);
                        continue;
                }
                if (cases[i].mounts && !usable) {
                        printf("ok %zu - %s # SKIP no mount namespace can be made a slave here (a chroot whose / "
                               "is not a mount point); the e2e shows the overlay\n", i + 1, t.name);
                        continue;
                }
                if (fake_root_create(&root) < 0)
                        abort();
                cases[i].run(&t, root);
                printf("%s %zu - %s\n", t.failed ? "not ok" : "ok", i + 1, t.name);
                (void) fake_root_remove(root);
                free(root);
        }
        return 0;
}
