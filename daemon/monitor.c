/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <libudev.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "monitor.h"

/* A DLPAR of 64 TiB sends half a million uevents; do not drop them while a reload runs. Beyond
 * rmem_max this needs CAP_NET_ADMIN, which libudev uses when it has it. */
#define MONITOR_RECEIVE_BUFFER (64 * 1024 * 1024)

struct Monitor {
        struct udev *udev;
        struct udev_monitor *monitor;
};

Monitor *monitor_free(Monitor *m) {
        if (!m)
                return NULL;
        udev_monitor_unref(m->monitor);
        udev_unref(m->udev);
        free(m);
        return NULL;
}

int monitor_new(UeventSource source, bool cpus, Monitor **ret, Error *e) {
        static const char *const subsystems[] = { "memory", "cpu" };  /* memory first: always */
        size_t n_subsystems = cpus ? ELEMENTSOF(subsystems) : 1;
        Monitor *m;
        int r;

        m = calloc(1, sizeof(*m));
        if (!m)
                return error_set(e, -ENOMEM, "Out of memory");

        m->udev = udev_new();
        if (!m->udev) {
                r = error_set(e, negative_errno(), "Cannot create a udev context: %m");
                goto fail;
        }

        m->monitor = udev_monitor_new_from_netlink(m->udev, uevent_source_to_string(source));
        if (!m->monitor) {
                r = error_set(e, negative_errno(), "Cannot open the %s uevent monitor: %m",
                              uevent_source_to_string(source));
                goto fail;
        }

        /* On the kernel source libudev filters in user space; on udevd's it installs a socket
         * filter too. Either way only memory (and CPU) devices get through. */
        for (size_t i = 0; i < n_subsystems; i++) {
                r = udev_monitor_filter_add_match_subsystem_devtype(m->monitor, subsystems[i], NULL);
                if (r < 0) {
                        r = error_set(e, r, "Cannot filter the uevent monitor for %s: %s", subsystems[i],
                                      strerror(-r));
                        goto fail;
                }
        }

        (void) udev_monitor_set_receive_buffer_size(m->monitor, MONITOR_RECEIVE_BUFFER);

        r = udev_monitor_enable_receiving(m->monitor);
        if (r < 0) {
                r = error_set(e, r, "Cannot listen for %s uevents: %s",
                              uevent_source_to_string(source), strerror(-r));
                goto fail;
        }

        *ret = m;
        return 0;

fail:
        monitor_free(m);
        return r;
}

int monitor_get_fd(Monitor *m) {
        return udev_monitor_get_fd(m->monitor);
}

int monitor_receive(Monitor *m, Uevent *ret, Error *e) {
        struct udev_device *d;
        const char *subsystem;
        int r;

        errno = 0;
        d = udev_monitor_receive_device(m->monitor);
        if (!d) {
                if (errno == ENOBUFS)
                        return -ENOBUFS;
                /* EAGAIN, or a message libudev dropped itself (wrong sender, filtered out). */
                return 0;
        }

        /* Each parser checks SUBSYSTEM again: this only picks the parser. */
        subsystem = udev_device_get_subsystem(d);
        if (subsystem && strcmp(subsystem, "cpu") == 0) {
                ret->kind = UEVENT_CPU;
                r = cpu_uevent_parse(udev_device_get_action(d), subsystem, udev_device_get_devpath(d),
                                     &ret->cpu, e);
        } else {
                ret->kind = UEVENT_MEMORY;
                r = memory_uevent_parse(udev_device_get_action(d), subsystem, udev_device_get_devpath(d),
                                        &ret->memory, e);
        }
        udev_device_unref(d);
        return r < 0 ? r : 1;
}
