/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "reload-watch.h"

#define T (10 * USEC_PER_SEC)
#define START (100 * USEC_PER_SEC)

/* Busy (20% of a CPU) past the timeout and past twice it, something loaded or not: kept. */
static void test_progress_keeps(void **state) {
        ReloadWatch w;
        uint64_t cpu;

        for (int loaded = 0; loaded <= 1; loaded++) {
                reload_watch_init(&w, START, T, 0, loaded);
                for (usec_t t = START + T; t <= START + 10 * T; t += USEC_PER_SEC) {
                        cpu = (t - START) / 5;
                        assert_int_equal(reload_watch_poll(&w, t, cpu, loaded),
                                         (t - START) % T == 0 ? RELOAD_WATCH_KEEP_BUSY : RELOAD_WATCH_KEEP);
                }
                assert_true(reload_watch_deadline(&w) > START + 10 * T);
        }
}

/* Stalled with a crash kernel loaded: killed at the timeout (a kill loses nothing). */
static void test_stalled_loaded(void **state) {
        ReloadWatch w;

        reload_watch_init(&w, START, T, 0, 1);
        assert_int_equal(reload_watch_deadline(&w), START + T);
        assert_int_equal(reload_watch_poll(&w, START + T - 1, 0, 1), RELOAD_WATCH_KEEP);
        assert_int_equal(reload_watch_poll(&w, START + T, 0, 1), RELOAD_WATCH_KILL);

        /* Not known to be unloaded (no kexec_crash_loaded): no allowance either. */
        reload_watch_init(&w, START, T, 0, -1);
        assert_int_equal(reload_watch_deadline(&w), START + T);
        assert_int_equal(reload_watch_poll(&w, START + T, 0, -1), RELOAD_WATCH_KILL);

        /* The line: 5% of a CPU over the window is progress, a microsecond less is not. */
        reload_watch_init(&w, START, T, 0, 1);
        assert_int_equal(reload_watch_poll(&w, START + T, T / 20, 1), RELOAD_WATCH_KEEP_BUSY);
        reload_watch_init(&w, START, T, 0, 1);
        assert_int_equal(reload_watch_poll(&w, START + T, T / 20 - 1, 1), RELOAD_WATCH_KILL);
}

/* Stalled with nothing loaded (a retry after a kill, or an unload): twice the timeout, then killed;
 * the same for a first attempt and a retry. A trickle below 5% of a CPU is no progress. */
static void test_stalled_unloaded(void **state) {
        ReloadWatch w;

        reload_watch_init(&w, START, T, 0, 0);
        assert_int_equal(reload_watch_deadline(&w), START + 2 * T);
        assert_int_equal(reload_watch_poll(&w, START + T, T / 200, 0), RELOAD_WATCH_KEEP_UNLOADED);
        assert_int_equal(reload_watch_poll(&w, START + 2 * T - 1, T / 200, 0), RELOAD_WATCH_KEEP_UNLOADED);
        assert_int_equal(reload_watch_poll(&w, START + 2 * T, T / 20, 0), RELOAD_WATCH_KILL);

        /* Unloaded by the reload itself: progress, then the stall counts from there. */
        reload_watch_init(&w, START, T, 0, 1);
        assert_int_equal(reload_watch_poll(&w, START + T / 2, 0, 0), RELOAD_WATCH_KEEP);
        assert_int_equal(reload_watch_poll(&w, START + T, 0, 0), RELOAD_WATCH_KEEP);
        assert_int_equal(reload_watch_poll(&w, START + T + T / 2, 0, 0), RELOAD_WATCH_KEEP_UNLOADED);
        assert_int_equal(reload_watch_poll(&w, START + 2 * T, 0, 0), RELOAD_WATCH_KILL);
}

/* Busy, then hung: killed one timeout after its last progress. */
static void test_busy_then_hung(void **state) {
        ReloadWatch w;

        reload_watch_init(&w, START, T, 0, 1);
        assert_int_equal(reload_watch_poll(&w, START + T, T, 1), RELOAD_WATCH_KEEP_BUSY);
        assert_int_equal(reload_watch_deadline(&w), START + 2 * T);
        assert_int_equal(reload_watch_poll(&w, START + 2 * T - 1, T, 1), RELOAD_WATCH_KEEP);
        assert_int_equal(reload_watch_poll(&w, START + 2 * T, T, 1), RELOAD_WATCH_KILL);
}

static void test_proc_stat(void **state) {
        pid_t pgrp = 0, ppid = -1;
        uint64_t ticks = 0;
        Error e = {};

        assert_int_equal(proc_stat_parse("4242 (kdumpctl) S 1 4242 4242 0 -1 4194560 800 1200 0 0 "
                                         "3 4 50 60 20 0 1 0 12345 1000 200 18446744073709551615\n",
                                         &ppid, &pgrp, &ticks, &e), 0);
        assert_int_equal(ppid, 1);
        assert_int_equal(pgrp, 4242);
        assert_int_equal(ticks, 3 + 4 + 50 + 60);
        /* A comm with spaces and parentheses. */
        assert_int_equal(proc_stat_parse("7 (a) b (c) R 1 99 99 0 -1 0 0 0 0 0 1 1 1 1 20", &ppid, &pgrp, &ticks, &e), 0);
        assert_int_equal(ppid, 1);
        assert_int_equal(pgrp, 99);
        assert_int_equal(ticks, 4);
        /* Negative controls: cut short, no comm, a bad group. */
        assert_int_equal(proc_stat_parse("7 (a) R 1 99 99 0 -1 0 0 0", &ppid, &pgrp, &ticks, &e), -EINVAL);
        assert_int_equal(proc_stat_parse("7 a R 1 99 99 0 -1 0 0 0 0 0 1 1 1 1", &ppid, &pgrp, &ticks, &e), -EINVAL);
        assert_int_equal(proc_stat_parse("7 (a) R 1 0 99 0 -1 0 0 0 0 0 1 1 1 1", &ppid, &pgrp, &ticks, &e), -EINVAL);
        assert_non_null(strstr(e.message, "/proc/PID/stat"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_progress_keeps),
                cmocka_unit_test(test_stalled_loaded),
                cmocka_unit_test(test_stalled_unloaded),
                cmocka_unit_test(test_busy_then_hung),
                cmocka_unit_test(test_proc_stat),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
