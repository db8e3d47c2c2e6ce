/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* daemon-runner.h's case over a umockdev testbed: its root is the daemon's /sys. Inline, so that
 * only the programs that include umockdev.h (before this) link it. */

#include <stdio.h>
#include <stdlib.h>

#include "daemon-runner.h"

/* daemon_run_init() over a new testbed's root; bails out when umockdev's preload is not active. */
static inline UMockdevTestbed *daemon_run_init_testbed(DaemonRun *d, const char *name, const char *log_name,
                                                       bool notify) {
        UMockdevTestbed *testbed = umockdev_testbed_new();

        if (!umockdev_in_mock_environment()) {
                printf("Bail out! umockdev's preload library is not active: /sys is not redirected\n");
                exit(99);
        }
        daemon_run_init(d, name, umockdev_testbed_get_root_dir(testbed), log_name, notify);
        return testbed;
}

/* Adds memory block n (online) to the testbed, with umockdev's "add" uevent; fails the case if it
 * cannot. */
static inline bool daemon_run_add_block(DaemonRun *d, UMockdevTestbed *testbed, unsigned n) {
        char *desc = harness_umockdev_block(n);
        GError *error = NULL;
        bool ok = umockdev_testbed_add_from_string(testbed, desc, &error);

        free(desc);
        if (!ok) {
                TEST_FAIL(d, "umockdev cannot add memory%u: %s", n, error->message);
                g_error_free(error);
        }
        return ok;
}

/* daemon_run_free(), then the testbed (which removes its root) unless KDUMP_SETTLE_TEST_KEEP. */
static inline void daemon_run_free_testbed(DaemonRun *d, UMockdevTestbed *testbed) {
        char *root = d->root;

        daemon_run_free(d);
        g_free(root);
        if (!getenv("KDUMP_SETTLE_TEST_KEEP"))
                g_object_unref(testbed);
}
