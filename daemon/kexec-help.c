/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc-util.h"
#include "backend.h"
#include "dump-mode.h"
#include "fileio.h"
#include "kexec-help.h"
#include "log.h"
#include "macro.h"
#include "path-lookup.h"
#include "run-capture.h"

int kexec_ask(const char *executable, const char *option, char **ret, Error *e) {
        RunCapture c;
        int r;

        r = run_capture(executable, (char *const[]) { (char *) executable, (char *) option, NULL }, KEXEC_HELP_MAX,
                        KEXEC_HELP_TIMEOUT, &c, e);
        if (r < 0)
                return r;
        /* Its exit status does not matter, nor a long tail: the options come first. */
        *ret = TAKE_PTR(c.output);
        return 0;
}

/* Whether kexec lists --hotplug; a kexec that cannot be asked has not. */
static bool kexec_has_hotplug(const char *executable) {
        _cleanup_free_ char *help = NULL;
        Error e = {};
        int r;

        r = kexec_ask(executable, "--help", &help, &e);
        if (r < 0) {
                log_warning("Cannot ask kexec whether it has --hotplug: %s", error_message(&e, r));
                return false;
        }
        return kexec_help_has_hotplug(help);
}

/* Whether kexec's --version shows the elfcorehdr reservation fix; a version not understood has not. */
static bool kexec_has_reserve_fix(const char *executable, char **ret_version) {
        _cleanup_free_ char *text = NULL;
        KexecVersion v;
        Error e = {};
        int r;

        r = kexec_ask(executable, "--version", &text, &e);
        if (r >= 0)
                r = kexec_version_parse(text, &v, &e);
        if (r < 0) {
                log_warning("Cannot tell whether kexec reserves the whole elfcorehdr, so no --hotplug "
                            "(KexecHotplug=yes if it does): %s", error_message(&e, r));
                return false;
        }
        if (ret_version)
                *ret_version = strndup(text, strcspn(text, "\n"));
        return kexec_version_has_reserve_fix(&v);
}

KexecHotplug kexec_hotplug_probe(const char *root, const char *executable, KexecHotplugChoice choice,
                                 char **ret_version) {
        bool kernel = false, kexec, fix = false;
        Error e = {};
        int r;

        if (ret_version)
                *ret_version = NULL;
        if (choice == KEXEC_HOTPLUG_CHOICE_NO)
                return kexec_hotplug_decide(choice, false, false, false);
        r = kexec_hotplug_kernel_supports(root, &kernel, &e);
        if (r < 0)
                log_warning_errno(r, "%s; loading without --hotplug.", error_message(&e, r));
        if (kernel && !executable)
                log_warning("Cannot ask kexec whether it has --hotplug: kexec not found in PATH");
        /* Each question only when the answers before it leave it open. */
        kexec = kernel && executable && kexec_has_hotplug(executable);
        if (kexec && choice == KEXEC_HOTPLUG_CHOICE_AUTO)
                fix = kexec_has_reserve_fix(executable, ret_version);
        return kexec_hotplug_decide(choice, kernel, kexec, fix);
}

KexecHotplug kexec_hotplug_probe_path(const char *root, const char *path, KexecHotplugChoice choice,
                                      char **ret_version) {
        _cleanup_free_ char *kexec = NULL;

        if (ret_version)
                *ret_version = NULL;
        if (find_executable("kexec", path, &kexec) < 0)
                return KEXEC_HOTPLUG_NO_KEXEC;
        return kexec_hotplug_probe(root, kexec, choice, ret_version);
}

bool kexec_same_file(const char *root, const char *executable, const char *other) {
        _cleanup_free_ char *mine = NULL;
        struct stat a, b;

        return path_join_root(root, executable, &mine) >= 0 && stat(mine, &a) >= 0 && stat(other, &b) >= 0 &&
               a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

KexecHotplugHazard kexec_hotplug_hazard_now(const char *root, KexecHotplug auto_mode) {
        DumpMode d;

        dump_mode_read(root, &d);
        return kexec_hotplug_hazard(auto_mode, d.memory_crash_hotplug, crash_kernel_loaded(root));
}
