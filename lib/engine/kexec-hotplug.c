/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "alloc-util.h"
#include "escape.h"
#include "fileio.h"
#include "kexec-hotplug.h"
#include "string-table.h"

static const char *const kexec_hotplug_table[_KEXEC_HOTPLUG_MAX] = {
        [KEXEC_HOTPLUG_ON]        = "yes",
        [KEXEC_HOTPLUG_NO_KERNEL] = "no-kernel",
        [KEXEC_HOTPLUG_NO_KEXEC]  = "no-kexec",
        [KEXEC_HOTPLUG_UNUSED]    = "unused",
        [KEXEC_HOTPLUG_NO_RESERVE_FIX] = "no-reserve-fix",
        [KEXEC_HOTPLUG_OFF]       = "off",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(kexec_hotplug, KexecHotplug);

static const char *const kexec_hotplug_hazard_table[_KEXEC_HOTPLUG_HAZARD_MAX] = {
        [KEXEC_HOTPLUG_HAZARD_NONE]       = "none",
        [KEXEC_HOTPLUG_HAZARD_NOT_LOADED] = "not-loaded",
        [KEXEC_HOTPLUG_HAZARD_LOADED]     = "loaded",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(kexec_hotplug_hazard, KexecHotplugHazard);

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

#define KEXEC_VERSION_PREFIX "kexec-tools "

/* A decimal number of at most 4 digits (no sign, no spaces) at *p, which it passes. */
static bool parse_small(const char **p, unsigned *ret) {
        size_t n = strspn(*p, "0123456789");

        if (n == 0 || n > 4)
                return false;
        *ret = (unsigned) strtoul(*p, NULL, 10);
        *p += n;
        return true;
}

int kexec_version_parse(const char *text, KexecVersion *ret, Error *e) {
        char quoted[TEXT_QUOTE_SIZE(40)];
        KexecVersion v = {};
        const char *p;
        size_t len;

        assert(ret);

        if (!text)
                text = "";
        len = strcspn(text, "\n");
        if (strncmp(text, KEXEC_VERSION_PREFIX, strlen(KEXEC_VERSION_PREFIX)) != 0)
                goto fail;
        p = text + strlen(KEXEC_VERSION_PREFIX);
        if (!parse_small(&p, &v.major) || *p++ != '.' || !parse_small(&p, &v.minor) || *p++ != '.' ||
            !parse_small(&p, &v.patch))
                goto fail;
        if (strncmp(p, ".git", 4) == 0) {
                v.snapshot = true;
                p += 4;
        } else if (strncmp(p, "-rc", 3) == 0) {
                p += 3;
                if (!parse_small(&p, &v.rc) || v.rc == 0)
                        goto fail;
        }
        if (p != text + len)
                goto fail;
        *ret = v;
        return 0;

fail:
        {
                _cleanup_free_ char *line = strndup(text, len);

                return error_set(e, -EINVAL, "kexec --version: not a kexec-tools version: \"%s\"",
                                 text_quote(line ?: "", quoted, sizeof(quoted)));
        }
}

bool kexec_version_has_reserve_fix(const KexecVersion *v) {
        assert(v);

        /* 2.0.33's -rcN are cut from master after the fix; 2.0.32.git may predate it. */
        if (v->major != 2)
                return v->major > 2;
        if (v->minor != 0)
                return v->minor > 0;
        return v->patch > 32;
}

KexecHotplug kexec_hotplug_decide(KexecHotplugChoice choice, bool kernel, bool kexec, bool reserve_fix) {
        if (choice == KEXEC_HOTPLUG_CHOICE_NO)
                return KEXEC_HOTPLUG_OFF;
        if (!kernel)
                return KEXEC_HOTPLUG_NO_KERNEL;
        if (!kexec)
                return KEXEC_HOTPLUG_NO_KEXEC;
        if (choice == KEXEC_HOTPLUG_CHOICE_AUTO && !reserve_fix)
                return KEXEC_HOTPLUG_NO_RESERVE_FIX;
        return KEXEC_HOTPLUG_ON;
}

KexecHotplugHazard kexec_hotplug_hazard(KexecHotplug auto_mode, bool memory_crash_hotplug, int crash_loaded) {
        if (auto_mode != KEXEC_HOTPLUG_NO_RESERVE_FIX)
                return KEXEC_HOTPLUG_HAZARD_NONE;
        /* On a kexec_load system only a --hotplug load makes the kernel update the image. */
        return memory_crash_hotplug && crash_loaded == 1 ? KEXEC_HOTPLUG_HAZARD_LOADED : KEXEC_HOTPLUG_HAZARD_NOT_LOADED;
}

const char *kexec_hotplug_reason(KexecHotplug k) {
        switch (k) {
        case KEXEC_HOTPLUG_ON:
                return "the kernel keeps the crash image current across hot-plug, which then needs no reload "
                        "(kexec-tools reserves the whole elfcorehdr: after 2.0.32 by its --version, or "
                        "KexecHotplug=yes).";
        case KEXEC_HOTPLUG_NO_KERNEL:
                return "this kernel does not update a loaded crash image (no /" KEXEC_CRASH_ELFCOREHDR_SIZE_PATH
                        ": before 6.10 on powerpc, or no CONFIG_CRASH_HOTPLUG); hot-plug reloads it.";
        case KEXEC_HOTPLUG_NO_KEXEC:
                return "kexec does not list it in --help (kexec-tools before 2.0.29); hot-plug reloads the crash "
                        "kernel.";
        case KEXEC_HOTPLUG_NO_RESERVE_FIX:
                return "this kexec-tools (2.0.29 to 2.0.32, by kexec --version) reserves only the elfcorehdr's "
                        "initial size in the capture kernel's FDT, so the header the kernel grows on hot-plug "
                        "could be overwritten (fixed by 600c2f9512b5, after 2.0.32); hot-plug reloads the crash "
                        "kernel. KexecHotplug=yes if this kexec has the fix.";
        case KEXEC_HOTPLUG_OFF:
                return "KexecHotplug=no; hot-plug reloads the crash kernel.";
        case KEXEC_HOTPLUG_UNUSED:
                return "the reload backend neither is the kexec fallback nor replays a kexec command: --hotplug "
                        "is its own business.";
        default:
                assert_not_reached();
        }
}
