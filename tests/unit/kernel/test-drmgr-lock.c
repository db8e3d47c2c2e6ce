/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "alloc-util.h"
#include "drmgr-lock.h"
#include "fake-root.h"
#include "harness.h"

/* A child holding the lock as drmgr does until killed. Its pid. */
static pid_t hold_lock(const char *root, short type) {
        int pid = fake_root_hold_drmgr_lock(root, type);

        assert_true(pid > 0);
        return pid;
}

static void stop(pid_t pid) {
        assert_int_equal(kill(pid, SIGKILL), 0);
        assert_int_equal(waitpid(pid, NULL, 0), pid);
}

static int take_write_lock(const void *userdata) {
        _cleanup_free_ char *path = NULL;
        struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
        int fd;

        if (asprintf(&path, "%s%s", (const char *) userdata, DRMGR_LOCK_PATH) < 0)
                return 2;
        fd = open(path, O_RDWR);
        return fd >= 0 && fcntl(fd, F_SETLK, &fl) == 0 ? 0 : 1;
}

/* Whether another process can take the write lock now, as the next drmgr would (POSIX locks are
 * per process: ours would not conflict). */
static bool lockable(const char *root) {
        return harness_run_forked(take_write_lock, root) == 0;
}

static void test_probe(void **state) {
        _cleanup_free_ char *root = NULL;
        DrmgrLock l = { .held = true, .pid = 1 };
        Error e = {};
        pid_t pid;

        assert_int_equal(fake_root_create(&root), 0);

        /* No drmgr ran since boot: no file. */
        assert_int_equal(drmgr_lock_probe(root, DRMGR_LOCK_PATH, &l, &e), 0);
        assert_false(l.held);
        assert_int_equal(l.pid, 0);

        /* drmgr left the file behind and exited. */
        assert_int_equal(fake_root_write_file(root, DRMGR_LOCK_PATH, "", 0), 0);
        assert_int_equal(drmgr_lock_probe(root, DRMGR_LOCK_PATH, &l, &e), 0);
        assert_false(l.held);

        /* Running: held, by whom. The probe leaves it as it was. */
        pid = hold_lock(root, F_WRLCK);
        assert_int_equal(drmgr_lock_probe(root, DRMGR_LOCK_PATH, &l, &e), 0);
        assert_true(l.held);
        assert_int_equal(l.pid, pid);
        assert_false(lockable(root));
        stop(pid);
        assert_int_equal(drmgr_lock_probe(root, DRMGR_LOCK_PATH, &l, &e), 0);
        assert_false(l.held);
        assert_int_equal(l.pid, 0);
        /* The probe took nothing: the next drmgr gets the lock. */
        assert_true(lockable(root));

        /* A read lock conflicts with drmgr's write lock too. */
        pid = hold_lock(root, F_RDLCK);
        assert_int_equal(drmgr_lock_probe(root, DRMGR_LOCK_PATH, &l, &e), 0);
        assert_true(l.held);
        assert_int_equal(l.pid, pid);
        stop(pid);

        assert_int_equal(fake_root_remove(root), 0);
}

static void test_probe_errors(void **state) {
        _cleanup_free_ char *root = NULL;
        DrmgrLock l = {};
        Error e = {};

        assert_int_equal(fake_root_create(&root), 0);
        /* /var/lock is a file: not "no drmgr", an error naming the file. */
        assert_int_equal(fake_root_write_file(root, "var/lock", "", 0), 0);
        assert_int_equal(drmgr_lock_probe(root, DRMGR_LOCK_PATH, &l, &e), -ENOTDIR);
        assert_non_null(strstr(e.message, "dr_config_lock"));
        assert_non_null(strstr(e.message, root));
        assert_int_equal(fake_root_remove(root), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_probe),
                cmocka_unit_test(test_probe_errors),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
