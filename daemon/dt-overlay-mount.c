/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc-util.h"
#include "dt-overlay.h"
#include "dt-overlay-mount.h"
#include "fd-util.h"
#include "fileio.h"
#include "log.h"
#include "memory-limit.h"
#include "mount-namespace.h"

/* The copies' tmpfs: directories as the real tree's; nothing on it is a device, setuid or run. */
#define DT_OVERLAY_TMPFS_OPTIONS "mode=0755"
#define DT_OVERLAY_MOUNT_FLAGS (MS_NOSUID | MS_NODEV | MS_NOEXEC)

typedef struct OverlayNode {
        const char *node;  /* the plan's */
        char *path;        /* root/node */
        int old_fd;        /* the original directory, opened before anything is mounted over it */
        bool mounted;
} OverlayNode;

static int copy_fd(int from, int to) {
        char buf[64 * 1024];

        for (;;) {
                ssize_t n = read(from, buf, sizeof(buf));
                int r;

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return negative_errno();
                if (n == 0)
                        return 0;
                r = loop_write(to, buf, (size_t) n);
                if (r < 0)
                        return r;
        }
}

static int write_property(int dir_fd, const char *name, mode_t mode, const void *value, size_t size) {
        _cleanup_close_ int fd = openat(dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);

        if (fd < 0)
                return negative_errno();
        return loop_write(fd, value, size);
}

/* The copy of one node: its properties (with the plan's fixes), its subnodes bound from the
 * original so that nothing below it goes missing. */
static int fill_node(const OverlayNode *n, const DtOverlayPlan *plan, Error *e) {
        _cleanup_close_ int new_fd = -1, list_fd = -1;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int r;

        new_fd = open(n->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (new_fd < 0)
                return error_set(e, negative_errno(), "Cannot open the copy at %s: %m", n->path);

        /* Set properties first: a fix may add one the node lacks. */
        for (size_t i = 0; i < plan->n_fixes; i++) {
                const DtFix *f = &plan->fixes[i];

                if (f->action != DT_FIX_SET || strcmp(f->node, n->node) != 0)
                        continue;
                r = write_property(new_fd, f->property, 0444, f->value, f->size);
                if (r < 0)
                        return error_set(e, r, "Cannot write %s/%s in the copy: %s", n->path, f->property,
                                         strerror(-r));
        }

        list_fd = dup(n->old_fd);
        if (list_fd < 0 || !(d = fdopendir(list_fd)))
                return error_set(e, negative_errno(), "Cannot list %s: %m", n->path);
        TAKE_FD(list_fd);  /* d owns it */

        while ((r = read_dir_entry(d, n->path, &de, e)) > 0) {
                _cleanup_free_ char *target = NULL;
                struct stat st;

                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
                    dt_overlay_plan_find(plan, n->node, de->d_name))
                        continue;
                if (fstatat(n->old_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        return error_set(e, negative_errno(), "Cannot stat %s/%s: %m", n->path, de->d_name);

                if (S_ISREG(st.st_mode)) {
                        _cleanup_close_ int from = -1, to = -1;

                        from = openat(n->old_fd, de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
                        to = openat(new_fd, de->d_name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                                    st.st_mode & 0777);
                        r = from < 0 || to < 0 ? negative_errno() : copy_fd(from, to);
                        if (r < 0)
                                return error_set(e, r, "Cannot copy %s/%s: %s", n->path, de->d_name, strerror(-r));
                } else if (S_ISDIR(st.st_mode)) {
                        _cleanup_close_ int sub = -1;
                        char source[64];

                        sub = openat(n->old_fd, de->d_name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (sub < 0 || mkdirat(new_fd, de->d_name, 0755) < 0)
                                return error_set(e, negative_errno(), "Cannot copy node %s/%s: %m", n->path,
                                                 de->d_name);
                        if (asprintf(&target, "%s/%s", n->path, de->d_name) < 0)
                                return error_set(e, -ENOMEM, "Out of memory");
                        snprintf(source, sizeof(source), "/proc/self/fd/%d", sub);
                        if (mount(source, target, NULL, MS_BIND | MS_REC, NULL) < 0)
                                return error_set(e, negative_errno(), "Cannot bind node %s: %m", target);
                } else
                        return error_set(e, -EBADMSG, "%s/%s is neither a property nor a node", n->path,
                                         de->d_name);
        }
        return r;
}

static int overlay_nodes(OverlayNode *nodes, size_t n_nodes, const DtOverlayPlan *plan, Error *e) {
        int r;

        /* The daemon's view stays the real tree. */
        r = mount_namespace_own(e);
        if (r < 0)
                return r;

        /* Every original opened before anything is mounted, so that nested nodes copy the real
         * tree, not an earlier copy; and after unshare(): a subnode is bound from its fd, which
         * must name a mount of this namespace. */
        for (size_t i = 0; i < n_nodes; i++)
                if ((nodes[i].old_fd = open(nodes[i].path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
                        return error_set(e, negative_errno(), "Cannot open %s: %m", nodes[i].path);

        for (size_t i = 0; i < n_nodes; i++) {
                if (mount("tmpfs", nodes[i].path, "tmpfs", DT_OVERLAY_MOUNT_FLAGS, DT_OVERLAY_TMPFS_OPTIONS) < 0)
                        return error_set(e, negative_errno(), "Cannot mount a tmpfs over %s: %m", nodes[i].path);
                nodes[i].mounted = true;
                r = fill_node(&nodes[i], plan, e);
                if (r < 0)
                        return r;
                /* Read-only, as the real tree: the backend reads it, never writes it. */
                if (mount(NULL, nodes[i].path, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | DT_OVERLAY_MOUNT_FLAGS,
                          NULL) < 0)
                        return error_set(e, negative_errno(), "Cannot make the copy at %s read-only: %m",
                                         nodes[i].path);
        }
        return 0;
}

int dt_overlay_apply(const char *root, const DtOverlayPlan *plan, Error *e) {
        _cleanup_free_ OverlayNode *nodes = NULL;
        size_t n_nodes = 0;
        int r = 0;

        if (plan->n_fixes == 0)
                return 0;
        nodes = calloc(plan->n_fixes, sizeof(OverlayNode));
        if (!nodes)
                return error_set(e, -ENOMEM, "Out of memory");
        for (size_t i = 0; i < plan->n_fixes; i++) {
                bool seen = false;

                for (size_t j = 0; j < n_nodes; j++)
                        seen = seen || strcmp(nodes[j].node, plan->fixes[i].node) == 0;
                if (!seen)
                        nodes[n_nodes++] = (OverlayNode) { .node = plan->fixes[i].node, .old_fd = -1 };
        }

        for (size_t i = 0; i < n_nodes && r >= 0; i++)
                if (path_join_root(root, nodes[i].node, &nodes[i].path) < 0)
                        r = error_set(e, -ENOMEM, "Out of memory");
        if (r >= 0)
                r = overlay_nodes(nodes, n_nodes, plan, e);

        /* Undone on failure: a half-made copy is worse than the plain tree. */
        for (size_t i = n_nodes; i > 0; i--) {
                if (r < 0 && nodes[i - 1].mounted)
                        (void) umount2(nodes[i - 1].path, MNT_DETACH);
                if (nodes[i - 1].old_fd >= 0)
                        close(nodes[i - 1].old_fd);
                free(nodes[i - 1].path);
        }
        return r < 0 ? r : 1;
}

int dt_overlay_enter(const char *root) {
        _cleanup_(dt_overlay_plan_done) DtOverlayPlan plan = {};
        _cleanup_free_ char *cmdline = NULL;
        char what[128];
        Error e = {};
        int r;

        /* Unknown (NULL) corrects nothing that depends on it. */
        (void) read_full_file_root(root, PROC_CMDLINE, PROC_CMDLINE_MAX, &cmdline, NULL, NULL);

        r = dt_overlay_plan(root, cmdline, &plan, &e);
        if (r >= 0)
                r = dt_overlay_apply(root, &plan, &e);
        if (r < 0)
                return log_warning_errno(r, "Reloading over the device tree as it is: %s", error_message(&e, r));
        if (r > 0)
                log_info("Reloading over a corrected device tree: %s",
                          dt_overlay_plan_describe(&plan, what, sizeof(what)));
        return r;
}
