/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc-util.h"
#include "distro-rules.h"
#include "dt-memory.h"
#include "escape.h"
#include "fd-util.h"
#include "fileio.h"
#include "log.h"
#include "trusted-file.h"

#define MASK_TARGET "/dev/null"
#define ADMIN_RULES_DIR "etc/udev/rules.d"
/* The unit's StateDirectory=; the record of the masks made here, so that unmasking never removes
 * an administrator's own mask of the same name. */
#define STATE_DIR "var/lib/kdump-settle"
#define RECORD_NAME "masked-distro-rules"
#define RECORD_MAX 4096

const DistroRule distro_rules[] = {
        /* kdump-utils (kexec-tools before): 98-kexec.rules, on ppc64 installed from
         * 98-kexec.rules.ppc64; runs kdump-udev-throttler, which runs kdumpctl reload (CPUs: not
         * with fadump). */
        { "98-kexec.rules",       "Fedora, RHEL",   "memory:online|offline cpu:online" },
        /* kdump-tools: kdump-config try-reload. Ubuntu 20.04's has cpu offline, Debian's online. */
        { "50-kdump-tools.rules", "Debian, Ubuntu", "memory:online|offline cpu:add|remove|online|offline" },
        /* kdump: generated into /run/udev/rules.d when the crash kernel is loaded; cpu on ppc. */
        { "70-kdump.rules",       "SUSE",           "memory:add|remove cpu:online" },
        {}
};

/* Where the distributions install them; only to say whether a mask has anything to hide. */
static const char *const vendor_dirs[] = {
        "usr/lib/udev/rules.d",
        "lib/udev/rules.d",
        "run/udev/rules.d",
        NULL
};

/* The vendor directory (without its leading "/") that has name, or NULL. */
static const char *vendor_dir_of(int root_fd, const char *name) {
        for (const char *const *d = vendor_dirs; *d; d++) {
                _cleanup_free_ char *path = NULL;

                if (asprintf(&path, "%s/%s", *d, name) < 0)
                        return NULL;
                if (faccessat(root_fd, path, F_OK, 0) == 0)
                        return *d;
        }
        return NULL;
}

/* A set of distro_rules[] entries, bit i for entry i. */
typedef unsigned RuleSet;

static RuleSet rule_bit(const DistroRule *d) {
        return 1u << (d - distro_rules);
}

/* Opens ROOT/path as an O_PATH directory, creating the missing components (mode 0755) if asked. */
static int open_dir_under(int root_fd, const char *path, bool create, int *ret) {
        _cleanup_free_ char *copy = strdup(path);
        _cleanup_close_ int fd = -1;

        if (!copy)
                return -ENOMEM;
        fd = fcntl(root_fd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return negative_errno();

        for (char *component = copy, *next; component; component = next) {
                int child;

                next = strchr(component, '/');
                if (next)
                        *next++ = 0;

                if (create && mkdirat(fd, component, 0755) < 0 && errno != EEXIST)
                        return negative_errno();
                child = openat(fd, component, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (child < 0)
                        return negative_errno();
                closep(&fd);
                fd = child;
        }

        *ret = TAKE_FD(fd);
        return 0;
}

/* 1 if dir_fd/name is a symlink to /dev/null, 0 if it is something else, -ENOENT if absent. */
static int is_mask(int dir_fd, const char *name) {
        char target[sizeof(MASK_TARGET) + 1];
        struct stat st;
        ssize_t n;

        if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return negative_errno();
        if (!S_ISLNK(st.st_mode))
                return 0;

        n = readlinkat(dir_fd, name, target, sizeof(target));
        if (n < 0)
                return negative_errno();
        return (size_t) n == strlen(MASK_TARGET) && memcmp(target, MASK_TARGET, (size_t) n) == 0;
}

/* Where things are under the root: its descriptor, the admin rules directory (-1 while it does
 * not exist and need not be created), the prefix of the paths in messages ("/" gives "",
 * "/tmp/root/" gives "/tmp/root"). */
typedef struct Target {
        int root_fd;
        int dir_fd;
        char *prefix;
} Target;

static void target_done(Target *t) {
        closep(&t->root_fd);
        closep(&t->dir_fd);
        free(t->prefix);
        t->prefix = NULL;
}

static int target_open(const char *root, bool create, Target *ret) {
        _cleanup_(target_done) Target t = { .root_fd = -1, .dir_fd = -1 };
        size_t n;
        int r;

        if (!root || !*root)
                root = "/";
        n = strlen(root);
        while (n > 0 && root[n - 1] == '/')
                n--;
        t.prefix = strndup(root, n);
        if (!t.prefix)
                return log_oom();

        t.root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (t.root_fd < 0)
                return log_error_errno(negative_errno(), "Cannot open root directory %s: %m", root);
        r = open_dir_under(t.root_fd, ADMIN_RULES_DIR, create, &t.dir_fd);
        if (r < 0 && (create || r != -ENOENT))
                return log_error_errno(r, "Cannot %s %s/" ADMIN_RULES_DIR ": %m", create ? "create" : "open", t.prefix);

        *ret = t;
        t = (Target) { .root_fd = -1, .dir_fd = -1 };
        return 0;
}

/* The record's directory, opened (created if asked): -ENOENT, not logged, when it is missing and
 * not to be created. A directory others can write to could hold anybody's record: refused. */
static int open_state_dir(const Target *t, bool create, int *ret) {
        _cleanup_free_ char *where = NULL;
        _cleanup_close_ int fd = -1;
        Error e = {};
        struct stat st;
        int r;

        if (asprintf(&where, "%s/" STATE_DIR, t->prefix) < 0)
                return log_oom();
        r = open_dir_under(t->root_fd, STATE_DIR, create, &fd);
        if (r == -ENOENT && !create)
                return r;
        if (r < 0)
                return log_error_errno(r, "Cannot %s %s/" STATE_DIR ": %m", create ? "create" : "open", t->prefix);
        if (fstat(fd, &st) < 0)
                return log_error_errno(negative_errno(), "Cannot inspect %s/" STATE_DIR ": %m", t->prefix);
        r = trusted_file_check(&st, geteuid(), true, where, &e);
        if (r < 0)
                return log_error_errno(r, "%s: not writing a record of masks there", error_message(&e, r));
        *ret = TAKE_FD(fd);
        return 0;
}

/* Parses the record: one known rule name a line. */
static int record_parse(char *text, const char *where, RuleSet *ret) {
        RuleSet set = 0;
        unsigned line = 0;

        for (char *p = text, *end; *p; p = end) {
                const DistroRule *d;
                char quoted[TEXT_QUOTE_SIZE(64)];

                end = p + strcspn(p, "\n");
                line++;
                if (*end != '\n')
                        return log_error_errno(-EBADMSG, "%s:%u: line does not end in a newline", where, line);
                *end++ = 0;
                for (d = distro_rules; d->name; d++)
                        if (strcmp(p, d->name) == 0)
                                break;
                if (!d->name)
                        return log_error_errno(-EBADMSG, "%s:%u: \"%s\" is not a known distribution rule", where, line,
                                               text_quote(p, quoted, sizeof(quoted)));
                set |= rule_bit(d);
        }
        *ret = set;
        return 0;
}

/* The masks kdump-settle made, from the record: none when there is no record. Trusted as a file
 * that decides what root removes (lib/basic/trusted-file.h): owned by the caller (root) and writable by
 * nobody else, as is every directory on the way, no link followed, a FIFO never waited on. */
static int record_read(const Target *t, const char *where, RuleSet *ret) {
        _cleanup_free_ char *text = NULL;
        _cleanup_close_ int fd = -1;
        Error e = {};
        size_t size;
        int r;

        fd = trusted_file_open(t->prefix, "/" STATE_DIR "/" RECORD_NAME, geteuid(), &e);
        if (fd == -ENOENT) {
                *ret = 0;
                return 0;
        }
        if (fd < 0)
                return log_error_errno(fd, "%s: not trusting it", error_message(&e, fd));
        r = read_full_fd(fd, where, RECORD_MAX, &text, &size, &e);
        if (r < 0)
                return log_error_errno(r, "%s", error_message(&e, r));
        if (strlen(text) != size)
                return log_error_errno(-EBADMSG, "%s holds a NUL byte", where);
        return record_parse(text, where, ret);
}

/* Replaces the record atomically (a temporary file renamed over it); an empty set removes it. */
static int record_write(int state_fd, const char *where, RuleSet set) {
        static const char tmp[] = RECORD_NAME ".tmp";
        _cleanup_close_ int fd = -1;
        int r = 0;

        if (set == 0) {
                if (unlinkat(state_fd, RECORD_NAME, 0) < 0 && errno != ENOENT)
                        return log_error_errno(negative_errno(), "Cannot remove %s: %m", where);
                return 0;
        }

        (void) unlinkat(state_fd, tmp, 0);
        fd = openat(state_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0)
                return log_error_errno(negative_errno(), "Cannot create %s.tmp: %m", where);
        for (const DistroRule *d = distro_rules; d->name && r >= 0; d++)
                if (set & rule_bit(d)) {
                        r = loop_write(fd, d->name, strlen(d->name));
                        if (r >= 0)
                                r = loop_write(fd, "\n", 1);
                }
        if (r >= 0 && fsync(fd) < 0)
                r = negative_errno();
        if (r >= 0 && renameat(state_fd, tmp, state_fd, RECORD_NAME) < 0)
                r = negative_errno();
        if (r < 0) {
                (void) unlinkat(state_fd, tmp, 0);
                return log_error_errno(r, "Cannot write %s: %m", where);
        }
        return 0;
}

static int first_error(int ret, int r) {
        return ret < 0 ? ret : r;
}

/* Removes the masks in the record; mask_distro_rules' second half when the daemon does not run. */
static int unmask_recorded(const Target *t, FILE *out) {
        _cleanup_close_ int state_fd = -1;
        _cleanup_free_ char *record = NULL;
        RuleSet recorded = 0, left = 0;
        int r, ret = 0;

        if (asprintf(&record, "%s/" STATE_DIR "/" RECORD_NAME, t->prefix) < 0)
                return log_oom();
        r = open_state_dir(t, false, &state_fd);
        if (r < 0 && r != -ENOENT)
                return r;
        if (r >= 0) {
                r = record_read(t, record, &recorded);
                if (r < 0)
                        return r;
        }

        for (const DistroRule *d = distro_rules; d->name; d++) {
                _cleanup_free_ char *where = NULL;

                if (asprintf(&where, "%s/" ADMIN_RULES_DIR "/%s", t->prefix, d->name) < 0)
                        return log_oom();

                r = t->dir_fd < 0 ? -ENOENT : is_mask(t->dir_fd, d->name);
                if (r == -ENOENT)
                        fprintf(out, "%s: not masked\n", d->name);
                else if (r < 0) {
                        ret = first_error(ret, log_error_errno(r, "Cannot inspect %s: %m", where));
                        left |= recorded & rule_bit(d);
                } else if (r == 0)
                        fprintf(out, "%s: left alone, %s is the administrator's own file\n", d->name, where);
                else if (!(recorded & rule_bit(d)))
                        fprintf(out, "%s: left alone, %s is the administrator's own mask (not in %s)\n",
                                d->name, where, record);
                else if (unlinkat(t->dir_fd, d->name, 0) < 0 && errno != ENOENT) {
                        ret = first_error(ret, log_error_errno(negative_errno(), "Cannot remove %s: %m", where));
                        left |= rule_bit(d);
                } else
                        fprintf(out, "%s: unmasked, removed %s\n", d->name, where);
        }

        if (state_fd >= 0)
                ret = first_error(ret, record_write(state_fd, record, left));
        return ret;
}

int distro_rules_mask(const char *root, FILE *out) {
        _cleanup_(target_done) Target t = { .root_fd = -1, .dir_fd = -1 };
        _cleanup_close_ int state_fd = -1;
        _cleanup_free_ char *record = NULL;
        RuleSet recorded = 0, made = 0;
        int runs, r, ret = 0;

        /* The unit's ConditionPathExists= (generated from the same DT_MEMORY_NODE): where the daemon
         * never runs, the distributions' rules are the only reloader there is. */
        runs = stat_root(root, DT_MEMORY_NODE, &(struct stat) {});
        if (runs < 0 && runs != -ENOENT)
                return log_error_errno(runs, "Cannot inspect " DT_MEMORY_NODE " under %s: %m", root && *root ? root : "/");
        r = target_open(root, runs >= 0, &t);
        if (r < 0)
                return r;
        if (runs < 0) {
                fprintf(out, "kdump-settled does not run here (no %s/" DT_MEMORY_NODE "): the distributions' "
                        "rules stay in force\n", t.prefix);
                return unmask_recorded(&t, out);
        }

        if (asprintf(&record, "%s/" STATE_DIR "/" RECORD_NAME, t.prefix) < 0)
                return log_oom();
        r = open_state_dir(&t, true, &state_fd);
        if (r < 0)
                return r;
        r = record_read(&t, record, &recorded);
        if (r < 0)
                return r;

        for (const DistroRule *d = distro_rules; d->name; d++) {
                const char *installed = vendor_dir_of(t.root_fd, d->name);
                _cleanup_free_ char *where = NULL;

                if (asprintf(&where, "%s/" ADMIN_RULES_DIR "/%s", t.prefix, d->name) < 0)
                        return log_oom();

                /* Create first and look only if something is there: no window in which an
                 * administrator's file could appear between the check and the link. */
                if (symlinkat(MASK_TARGET, t.dir_fd, d->name) >= 0) {
                        made |= rule_bit(d);
                        fprintf(out, "%s: masked, %s -> " MASK_TARGET " (%s; %s%s; its reloads on %s are "
                                "kdump-settled's)\n", d->name, where, d->owner,
                                installed ? "installed in /" : "not installed", installed ?: "", d->reloads_on);
                        continue;
                }
                if (errno != EEXIST) {
                        ret = first_error(ret, log_error_errno(negative_errno(), "Cannot create %s: %m", where));
                        continue;
                }

                r = is_mask(t.dir_fd, d->name);
                if (r < 0)
                        ret = first_error(ret, log_error_errno(r, "Cannot inspect %s: %m", where));
                else if (r == 0)
                        fprintf(out, "%s: skipped, %s is the administrator's own file; not replaced\n",
                                d->name, where);
                else if (recorded & rule_bit(d)) {
                        made |= rule_bit(d);
                        fprintf(out, "%s: already masked, %s -> " MASK_TARGET "\n", d->name, where);
                } else
                        fprintf(out, "%s: already masked by the administrator, %s -> " MASK_TARGET
                                "; left to them\n", d->name, where);
        }

        return first_error(ret, record_write(state_fd, record, made));
}

int distro_rules_unmask(const char *root, FILE *out) {
        _cleanup_(target_done) Target t = { .root_fd = -1, .dir_fd = -1 };
        int r;

        r = target_open(root, false, &t);
        if (r < 0)
                return r;
        return unmask_recorded(&t, out);
}
