/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "alloc-util.h"
#include "fileio.h"
#include "kexec-hotplug.h"
#include "string-table.h"

static const char *const kexec_hotplug_table[_KEXEC_HOTPLUG_MAX] = {
        [KEXEC_HOTPLUG_ON]        = "yes",
        [KEXEC_HOTPLUG_NO_KERNEL] = "no-kernel",
        [KEXEC_HOTPLUG_NO_KEXEC]  = "no-kexec",
        [KEXEC_HOTPLUG_UNUSED]    = "unused",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(kexec_hotplug, KexecHotplug);

bool kexec_help_has_hotplug(const char *help) {
        size_t n = strlen(KEXEC_HOTPLUG_OPTION);

        if (!help)
                return false;
        /* The option's own line, not a mention in another's text (or --hotplug-something). */
        for (const char *l = help; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
                l += strspn(l, " \t");
                if (strncmp(l, KEXEC_HOTPLUG_OPTION, n) == 0 && strchr(" \t\n", l[n]) && l[n])
                        return true;
        }
        return false;
}

int kexec_hotplug_kernel_supports(const char *root, bool *ret, Error *e) {
        _cleanup_free_ char *text = NULL;
        unsigned long long size;
        char *end;
        int r;

        assert(ret);

        *ret = false;
        r = read_full_file_root(root, KEXEC_CRASH_ELFCOREHDR_SIZE_PATH, 64, &text, NULL, e);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        errno = 0;
        size = strtoull(text, &end, 0);
        if (errno != 0 || end == text || (*end && strcmp(end, "\n") != 0) || text[0] == '-')
                return error_set(e, -EINVAL, "/%s: not a size: \"%.20s\"", KEXEC_CRASH_ELFCOREHDR_SIZE_PATH, text);
        *ret = size > 0;
        return 0;
}

KexecHotplug kexec_hotplug_decide(bool kernel, bool kexec) {
        if (!kernel)
                return KEXEC_HOTPLUG_NO_KERNEL;
        return kexec ? KEXEC_HOTPLUG_ON : KEXEC_HOTPLUG_NO_KEXEC;
}

const char *kexec_hotplug_describe(KexecHotplug k) {
        switch (k) {
        case KEXEC_HOTPLUG_ON:
                return "The kexec fallback loads with --hotplug: the kernel keeps the crash image current "
                        "across hot-plug, which then needs no reload.";
        case KEXEC_HOTPLUG_NO_KERNEL:
                return "The kexec fallback loads without --hotplug: this kernel cannot update a loaded crash "
                        "image (no /" KEXEC_CRASH_ELFCOREHDR_SIZE_PATH ": before 6.10 on powerpc, or no "
                        "CONFIG_CRASH_HOTPLUG); hot-plug reloads it.";
        case KEXEC_HOTPLUG_NO_KEXEC:
                return "The kexec fallback loads without --hotplug: kexec does not list it in --help "
                        "(kexec-tools before 2.0.29); hot-plug reloads the crash kernel.";
        case KEXEC_HOTPLUG_UNUSED:
                return "The reload backend is not the kexec fallback: --hotplug is its own business.";
        default:
                assert_not_reached();
        }
}
