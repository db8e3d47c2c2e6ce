/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* daemon/run-capture.c with fake programs (scripts in a scratch directory): the output and the exit
 * status, output over the limit and exactly at it, the timeout (also for a program that closes its
 * stdout and goes on), a missing program, death by a signal the caller had blocked. Every child is
 * reaped. TAP. */

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc-util.h"
#include "fake-root.h"
#include "harness.h"
#include "run-capture.h"

typedef struct Test {
        const char *name;
        bool failed;
} Test;

/* dir/name, a shell script with body, executable. */
static char *script(const char *dir, const char *name, const char *body) {
        char *path;
        FILE *f;

        if (asprintf(&path, "%s/%s", dir, name) < 0 || !(f = fopen(path, "we")))
                abort();
        fprintf(f, "#!/bin/sh\n%s\n", body);
        if (fclose(f) != 0 || chmod(path, 0755) < 0)
                abort();
        return path;
}

/* No child left behind, zombie or running. */
static void check_reaped(Test *t) {
        CHECK(t, waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD, "a child was left behind");
}

static int run(const char *path, size_t max, usec_t timeout, RunCapture *c, Error *e, usec_t *ret_took) {
        usec_t t0 = (usec_t) harness_now_usec();
        int r = run_capture(path, (char *const[]) { (char *) path, "an argument", NULL }, max, timeout, c, e);

        *ret_took = (usec_t) harness_now_usec() - t0;
        return r;
}

/* The script name with body run to its end within 5 s: whether run_capture() said 0. */
static bool run_ok(Test *t, const char *dir, const char *name, const char *body, size_t max, RunCapture *c,
                   usec_t *ret_took) {
        _cleanup_free_ char *p = script(dir, name, body);
        Error e = {};
        usec_t took;
        int r = run(p, max, 5 * USEC_PER_SEC, c, &e, ret_took ?: &took);

        return CHECK(t, r == 0, "run_capture: %d (%s)", r, error_message(&e, r));
}

static void test_output_and_status(Test *t, const char *dir) {
        RunCapture c = {};

        if (run_ok(t, dir, "status", "printf 'inactive\\n%s\\n' \"$1\"; read x && echo stdin; echo err >&2; exit 3", 64,
                   &c, NULL)) {
                CHECK(t, strcmp(c.output, "inactive\nan argument\n") == 0, "output \"%s\"", c.output);
                CHECK(t, c.size == strlen("inactive\nan argument\n"), "size %zu", c.size);
                CHECK(t, !c.truncated, "truncated");
                CHECK(t, c.exit_status == 3, "exit status %d, not 3", c.exit_status);
        }
        run_capture_done(&c);
        CHECK(t, !c.output, "output not freed");
        check_reaped(t);
}

static void test_over_limit(Test *t, const char *dir) {
        RunCapture c = {};
        usec_t took;

        if (run_ok(t, dir, "chatty", "while :; do echo 0123456789abcdef; done", 1000, &c, &took)) {
                CHECK(t, c.size == 1000 && strlen(c.output) == 1000, "size %zu, length %zu", c.size, strlen(c.output));
                CHECK(t, strncmp(c.output, "0123456789abcdef\n0123", 21) == 0, "output starts \"%.21s\"", c.output);
                CHECK(t, c.truncated, "not truncated");
                CHECK(t, c.exit_status == -1, "exit status %d of a program killed at the limit", c.exit_status);
                CHECK(t, took < 2 * USEC_PER_SEC, "took %llu ms: not stopped at the limit", (unsigned long long) took / 1000);
        }
        run_capture_done(&c);
        check_reaped(t);
}

static void test_at_limit(Test *t, const char *dir) {
        RunCapture c = {};

        if (run_ok(t, dir, "exact", "printf 0123456789; exit 0", 10, &c, NULL)) {
                CHECK(t, strcmp(c.output, "0123456789") == 0, "output \"%s\"", c.output);
                CHECK(t, !c.truncated, "truncated at exactly the limit");
                CHECK(t, c.exit_status == 0, "exit status %d", c.exit_status);
        }
        run_capture_done(&c);
        check_reaped(t);
}

static void test_timeout(Test *t, const char *dir, const char *name, const char *body) {
        _cleanup_free_ char *p = script(dir, name, body);
        RunCapture c = {};
        Error e = {};
        usec_t took;
        int r = run(p, 64, 300 * USEC_PER_MSEC, &c, &e, &took);

        CHECK(t, r == -ETIME, "run_capture: %d (%s), not -ETIME", r, error_message(&e, r));
        CHECK(t, strstr(e.message, p) && strstr(e.message, "300 ms"), "message \"%s\"", e.message);
        CHECK(t, took >= 300 * USEC_PER_MSEC && took < 3 * USEC_PER_SEC, "took %llu ms for a timeout of 300 ms",
              (unsigned long long) took / 1000);
        CHECK(t, !c.output, "output set on a timeout");
        check_reaped(t);
}

static void test_missing(Test *t, const char *dir) {
        _cleanup_free_ char *p = NULL;
        RunCapture c = {};
        Error e = {};
        usec_t took;
        int r;

        if (asprintf(&p, "%s/no-such-program", dir) < 0)
                abort();
        r = run(p, 64, 5 * USEC_PER_SEC, &c, &e, &took);
        CHECK(t, r == -ENOENT, "run_capture: %d (%s), not -ENOENT", r, error_message(&e, r));
        CHECK(t, strstr(e.message, p) != NULL, "message \"%s\" does not name the program", e.message);
        check_reaped(t);
}

/* The caller (sd-event) has SIGTERM blocked: the program still dies of it. */
static void test_signal(Test *t, const char *dir) {
        RunCapture c = {};
        sigset_t term, old;
        bool ok;

        sigemptyset(&term);
        sigaddset(&term, SIGTERM);
        sigprocmask(SIG_BLOCK, &term, &old);
        ok = run_ok(t, dir, "killed", "echo before; kill -TERM $$; echo after; exit 0", 64, &c, NULL);
        sigprocmask(SIG_SETMASK, &old, NULL);
        if (ok) {
                CHECK(t, strcmp(c.output, "before\n") == 0, "output \"%s\": the signal was blocked", c.output);
                CHECK(t, c.exit_status == -1 && !c.truncated, "exit status %d of a program killed by SIGTERM",
                      c.exit_status);
        }
        run_capture_done(&c);
        check_reaped(t);
}

static void test_sleeps(Test *t, const char *dir) {
        test_timeout(t, dir, "sleeps", "echo started; exec sleep 30");
}

/* Its stdout closed, it goes on: the wait for its end is bounded as well. */
static void test_closes_stdout(Test *t, const char *dir) {
        test_timeout(t, dir, "closes", "echo started; exec >&-; exec sleep 30");
}

int main(void) {
        static const struct {
                const char *name;
                void (*run)(Test *t, const char *dir);
        } cases[] = {
                { "run-capture: the output, the arguments, stdin /dev/null, stderr discarded, the exit status", test_output_and_status },
                { "run-capture: more than the limit: the first bytes, truncated, the program killed", test_over_limit },
                { "run-capture: exactly the limit: all of it, not truncated", test_at_limit },
                { "run-capture: a program that does not end: -ETIME at the timeout, killed and reaped", test_sleeps },
                { "run-capture: a program that closes its stdout and goes on: -ETIME, killed and reaped", test_closes_stdout },
                { "run-capture: a missing program: -ENOENT, named", test_missing },
                { "run-capture: a signal the caller blocks reaches the program; killed: exit status -1", test_signal },
        };
        char *dir = NULL;

        if (fake_root_create(&dir) < 0)
                abort();
        printf("1..%zu\n", sizeof(cases) / sizeof(cases[0]));
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                Test t = { .name = cases[i].name };

                cases[i].run(&t, dir);
                printf("%s %zu - %s\n", t.failed ? "not ok" : "ok", i + 1, t.name);
        }
        (void) fake_root_remove(dir);
        free(dir);
        return 0;
}
