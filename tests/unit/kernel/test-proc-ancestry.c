/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "alloc-util.h"
#include "fake-root.h"
#include "proc-ancestry.h"

static void write_stat(const char *root, int pid, const char *comm, int ppid) {
        char path[64], text[128];

        snprintf(path, sizeof(path), "proc/%d/stat", pid);
        snprintf(text, sizeof(text), "%d (%s) S %d %d %d 0 -1 4194560 0 0 0 0 1 2 0 0 20 0 1 0\n", pid, comm, ppid,
                 pid, pid);
        assert_int_equal(fake_root_write_file(root, path, text, strlen(text)), 0);
}

static void test_fake_tree(void **state) {
        _cleanup_free_ char *root = NULL;
        Error e = {};

        assert_int_equal(fake_root_create(&root), 0);
        /* drmgr (100) runs a hook: /bin/sh (101), which runs kdump-settlectl (102). */
        write_stat(root, 100, "drmgr", 1);
        write_stat(root, 101, "sh", 100);
        write_stat(root, 102, "kdump-settlectl", 101);
        write_stat(root, 200, "kdump-settlectl", 1);

        assert_int_equal(proc_is_ancestor(root, 102, 100, &e), 1);
        assert_int_equal(proc_is_ancestor(root, 101, 100, &e), 1);
        assert_int_equal(proc_is_ancestor(root, 102, 101, &e), 1);
        /* Negative controls: not the other way round, not itself, not a stranger. */
        assert_int_equal(proc_is_ancestor(root, 100, 102, &e), 0);
        assert_int_equal(proc_is_ancestor(root, 100, 100, &e), 0);
        assert_int_equal(proc_is_ancestor(root, 200, 100, &e), 0);
        assert_int_equal(proc_is_ancestor(root, 102, 0, &e), 0);
        assert_int_equal(proc_is_ancestor(root, 0, 100, &e), 0);

        /* A process gone on the way: no. */
        write_stat(root, 301, "sh", 300);
        assert_int_equal(proc_is_ancestor(root, 301, 100, &e), 0);

        /* A loop (never in a real /proc) ends at the depth bound. */
        write_stat(root, 400, "a", 401);
        write_stat(root, 401, "b", 400);
        assert_int_equal(proc_is_ancestor(root, 400, 100, &e), 0);

        /* A stat that is no stat: an error naming it. */
        assert_int_equal(fake_root_write_file(root, "proc/500/stat", "garbage", 7), 0);
        assert_int_equal(proc_is_ancestor(root, 500, 100, &e), -EINVAL);
        assert_non_null(strstr(e.message, "proc/500/stat"));

        assert_int_equal(fake_root_remove(root), 0);
}

/* The real /proc: a child descends from us, we do not descend from it. */
static void test_real_proc(void **state) {
        Error e = {};
        pid_t child;
        int status;

        assert_int_equal(proc_is_ancestor("/", getpid(), getppid(), &e), 1);
        child = fork();
        assert_true(child >= 0);
        if (child == 0) {
                pause();
                _exit(0);
        }
        assert_int_equal(proc_is_ancestor("/", child, getpid(), &e), 1);
        assert_int_equal(proc_is_ancestor("/", getpid(), child, &e), 0);
        assert_int_equal(kill(child, SIGKILL), 0);
        assert_int_equal(waitpid(child, &status, 0), child);
        assert_int_equal(proc_is_ancestor("/", child, getpid(), &e), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_fake_tree),
                cmocka_unit_test(test_real_proc),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
