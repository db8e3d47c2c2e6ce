/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "capture-cmdline.h"

/* crashkernel= and BOOT_IMAGE= are what kexec-tools' --reuse-cmdline drops; the rest is the union
 * of what kdumpctl (ppc64le) and kdump-config drop: huge pages and CMA reserve memory the small
 * crashkernel region does not have, resume= must never run in a capture kernel, and debug or
 * buffer-size options cost memory there. */
const char * const capture_cmdline_drop[] = {
        "crashkernel", "BOOT_IMAGE", "resume",
        "hugepages", "hugepagesz", "default_hugepagesz", "hugetlb_cma", "cma",
        "slub_debug", "log_buf_len", "swiotlb", "quiet", "abm", "isolcpus",
        "ignition.firstboot",
        NULL,
};

/* Fedora's kdumpctl defaults for ppc64le, the distribution IBM supports kdump on pseries with:
 * polled interrupts and reset devices (the crashed kernel left them running), few CPUs, no
 * memory cgroup, NUMA or transparent huge pages (memory), reboot 10 s after a panic. */
const char * const capture_cmdline_append[] = {
        "irqpoll", "nr_cpus=16", "noirqdistrib", "reset_devices", "cgroup_disable=memory", "numa=off",
        "udev.children-max=2", "ehea.use_mcs=0", "panic=10", "kvm_cma_resv_ratio=0",
        "transparent_hugepage=never", "novmcoredd", "hugetlb_cma=0", "kfence.sample_interval=0",
        NULL,
};

/* Whether word (up to its '=' or end) is name. */
static bool param_is(const char *word, size_t len, const char *name) {
        size_t n = strlen(name);

        return len >= n && strncmp(word, name, n) == 0 && (len == n || word[n] == '=');
}

static bool dropped(const char *word, size_t len) {
        /* maxcpus= too: a leftover one would override nr_cpus= on the capture kernel. */
        if (param_is(word, len, "maxcpus"))
                return true;
        for (const char * const *d = capture_cmdline_drop; *d; d++)
                if (param_is(word, len, *d))
                        return true;
        for (const char * const *a = capture_cmdline_append; *a; a++) {
                size_t n = strcspn(*a, "=");
                if (len >= n && strncmp(word, *a, n) == 0 && (len == n || word[n] == '='))
                        return true;
        }
        return false;
}

int capture_cmdline_build(const char *cmdline, char **ret, Error *e) {
        size_t size = strlen(cmdline) + 1, used = 0;
        const char *p = cmdline;
        char *out;

        for (const char * const *a = capture_cmdline_append; *a; a++)
                size += strlen(*a) + 1;
        out = malloc(size);
        if (!out)
                return error_set(e, -ENOMEM, "Out of memory");

        for (;;) {
                const char *start;
                bool quoted = false;

                p += strspn(p, " \t\n");
                if (!*p)
                        break;
                /* The kernel's next_arg(): white space inside double quotes does not split. */
                for (start = p; *p && (quoted || !strchr(" \t\n", *p)); p++)
                        if (*p == '"')
                                quoted = !quoted;
                if (dropped(start, (size_t) (p - start)))
                        continue;
                if (used > 0)
                        out[used++] = ' ';
                memcpy(out + used, start, (size_t) (p - start));
                used += (size_t) (p - start);
        }
        for (const char * const *a = capture_cmdline_append; *a; a++) {
                if (used > 0)
                        out[used++] = ' ';
                memcpy(out + used, *a, strlen(*a));
                used += strlen(*a);
        }
        out[used] = 0;
        *ret = out;
        return 0;
}
