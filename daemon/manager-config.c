/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc-util.h"
#include "backend.h"
#include "defaults.h"
#include "kexec-help.h"
#include "log.h"
#include "manager-config.h"
#include "path-lookup.h"
#include "strv.h"


static void help(void) {
        printf("%s [OPTIONS...]\n\n"
               "Reload the kdump crash kernel once per memory hot-plug request, after the device\n"
               "tree agrees with the kernel's memory blocks.\n\n"
               "  -h --help                   Show this help\n"
               "     --version                Show the version\n"
               "     --config=PATH            Config file (default " DEFAULT_CONFIG_PATH ");\n"
               "                              drop-ins are read from PATH.d/*.conf\n"
               "     --root=DIR               Read sysfs and the device tree under DIR (default /)\n"
               "     --runtime-dir=DIR        Control socket and lock (default $RUNTIME_DIRECTORY,\n"
               "                              else " DEFAULT_RUNTIME_DIR ")\n"
               "     --state-dir=DIR          State file, kept across stops (default $STATE_DIRECTORY,\n"
               "                              else the runtime directory)\n"
               "     --uevent-source=SOURCE   " CONFIG_UEVENT_SOURCE_DEFAULT_TEXT " (default) or kernel\n"
               "     --quiet-sec=SPAN         Quiet period that ends a burst (default " CONFIG_QUIET_DEFAULT_TEXT ")\n"
               "     --max-wait-sec=SPAN      Reload anyway after this long (default " CONFIG_MAX_WAIT_DEFAULT_TEXT ")\n"
               "     --poll-interval-sec=SPAN Device tree poll while waiting (default " CONFIG_POLL_INTERVAL_DEFAULT_TEXT ")\n"
               "     --wait-for-drmgr=BOOL    A request lasts while drmgr runs (default " CONFIG_WAIT_FOR_DRMGR_DEFAULT_TEXT ")\n"
               "     --reload-backend=NAME    " CONFIG_RELOAD_BACKEND_DEFAULT_TEXT " (default), kdumpctl, kdump-config, suse-kdump\n"
               "                              or kexec\n"
               "     --reload-command=CMD     Reload command, split on white space, no shell\n"
               "     --reload-timeout-sec=SPAN Kill a reload running longer (default " CONFIG_RELOAD_TIMEOUT_DEFAULT_TEXT ")\n"
               "     --kexec-kernel=PATH      Kernel for the kexec -p fallback\n"
               "     --kexec-initrd=PATH      Initrd for the kexec -p fallback\n"
               "     --kexec-append=ARGS      Command line for the kexec -p fallback\n"
               "     --kexec-hotplug=WHEN     " CONFIG_KEXEC_HOTPLUG_DEFAULT_TEXT " (default), yes or no: kexec -p --hotplug\n"
               "                              (auto: only with kexec-tools after 2.0.32)\n"
               "  -d --debug                  Log debug messages\n",
               program_invocation_short_name);
}

static const char *option_name(const struct option *options, int val) {
        for (const struct option *o = options; o->name; o++)
                if (o->val == val)
                        return o->name;
        return "?";
}

int manager_parse_argv(Manager *m, int argc, char *argv[]) {
        enum {
                ARG_VERSION = 0x100,
                ARG_CONFIG,
                ARG_ROOT,
                ARG_RUNTIME_DIR,
                ARG_STATE_DIR,
                ARG_UEVENT_SOURCE,
                ARG_QUIET,
                ARG_MAX_WAIT,
                ARG_POLL,
                ARG_WAIT_FOR_DRMGR,
                ARG_RELOAD_BACKEND,
                ARG_RELOAD_COMMAND,
                ARG_RELOAD_TIMEOUT,
                ARG_KEXEC_KERNEL,
                ARG_KEXEC_INITRD,
                ARG_KEXEC_APPEND,
                ARG_KEXEC_HOTPLUG,
        };
        static const struct option options[] = {
                { "help",               no_argument,       NULL, 'h'                },
                { "version",            no_argument,       NULL, ARG_VERSION        },
                { "debug",              no_argument,       NULL, 'd'                },
                { "config",             required_argument, NULL, ARG_CONFIG         },
                { "root",               required_argument, NULL, ARG_ROOT           },
                { "runtime-dir",        required_argument, NULL, ARG_RUNTIME_DIR    },
                { "state-dir",          required_argument, NULL, ARG_STATE_DIR      },
                { "uevent-source",      required_argument, NULL, ARG_UEVENT_SOURCE  },
                { "quiet-sec",          required_argument, NULL, ARG_QUIET          },
                { "max-wait-sec",       required_argument, NULL, ARG_MAX_WAIT       },
                { "poll-interval-sec",  required_argument, NULL, ARG_POLL           },
                { "wait-for-drmgr",     required_argument, NULL, ARG_WAIT_FOR_DRMGR },
                { "reload-backend",     required_argument, NULL, ARG_RELOAD_BACKEND },
                { "reload-command",     required_argument, NULL, ARG_RELOAD_COMMAND },
                { "reload-timeout-sec", required_argument, NULL, ARG_RELOAD_TIMEOUT },
                { "kexec-kernel",       required_argument, NULL, ARG_KEXEC_KERNEL   },
                { "kexec-initrd",       required_argument, NULL, ARG_KEXEC_INITRD   },
                { "kexec-append",       required_argument, NULL, ARG_KEXEC_APPEND   },
                { "kexec-hotplug",      required_argument, NULL, ARG_KEXEC_HOTPLUG  },
                {}
        };
        /* Options that are config keys, checked by the same code as the files. */
        static const Override keys[] = {
                [ARG_UEVENT_SOURCE - ARG_UEVENT_SOURCE]  = { "Settle", "UeventSource", NULL },
                [ARG_QUIET - ARG_UEVENT_SOURCE]          = { "Settle", "QuietSec", NULL },
                [ARG_MAX_WAIT - ARG_UEVENT_SOURCE]       = { "Settle", "MaxWaitSec", NULL },
                [ARG_POLL - ARG_UEVENT_SOURCE]           = { "Settle", "PollIntervalSec", NULL },
                [ARG_WAIT_FOR_DRMGR - ARG_UEVENT_SOURCE] = { "Settle", "WaitForDrmgr", NULL },
                [ARG_RELOAD_BACKEND - ARG_UEVENT_SOURCE] = { "Reload", "ReloadBackend", NULL },
                [ARG_RELOAD_COMMAND - ARG_UEVENT_SOURCE] = { "Reload", "ReloadCommand", NULL },
                [ARG_RELOAD_TIMEOUT - ARG_UEVENT_SOURCE] = { "Reload", "ReloadTimeoutSec", NULL },
                [ARG_KEXEC_KERNEL - ARG_UEVENT_SOURCE]   = { "Reload", "KexecKernel", NULL },
                [ARG_KEXEC_INITRD - ARG_UEVENT_SOURCE]   = { "Reload", "KexecInitrd", NULL },
                [ARG_KEXEC_APPEND - ARG_UEVENT_SOURCE]   = { "Reload", "KexecAppend", NULL },
                [ARG_KEXEC_HOTPLUG - ARG_UEVENT_SOURCE]  = { "Reload", "KexecHotplug", NULL },
        };
        const char *env;
        int c;

        m->config_path = DEFAULT_CONFIG_PATH;
        m->overrides = calloc((size_t) argc, sizeof(Override));
        if (!m->overrides)
                return log_oom();

        while ((c = getopt_long(argc, argv, "hd", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
                        return 0;
                case 'd':
                        log_set_max_level(LOG_DEBUG);
                        break;
                case ARG_CONFIG:
                        m->config_path = optarg;
                        break;
                case ARG_ROOT:
                        m->root = optarg;
                        break;
                case ARG_RUNTIME_DIR:
                        m->runtime_dir = optarg;
                        break;
                case ARG_STATE_DIR:
                        m->state_dir = optarg;
                        break;
                case ARG_UEVENT_SOURCE ... ARG_KEXEC_HOTPLUG: {
                        Override o = keys[c - ARG_UEVENT_SOURCE];
                        Config probe;
                        Error e = {};
                        int r;

                        /* Reject a bad value now, with the option's name, not at the first SIGHUP. */
                        config_init(&probe);
                        r = config_set(&probe, o.section, o.key, optarg, &e);
                        config_done(&probe);
                        if (r < 0)
                                return log_error_errno(r, "--%s: %s", option_name(options, c),
                                                       error_message(&e, r));
                        o.value = optarg;
                        m->overrides[m->n_overrides++] = o;
                        break;
                }
                case '?':
                        return -EINVAL;
                default:
                        assert_not_reached();
                }

        if (optind < argc)
                return log_error_errno(-EINVAL, "%s takes no arguments.", program_invocation_short_name);

        if (!m->runtime_dir) {
                /* systemd's RuntimeDirectory= may hold several paths; ours is the first. */
                env = getenv("RUNTIME_DIRECTORY");
                m->runtime_dir = env && *env && !strchr(env, ':') ? env : DEFAULT_RUNTIME_DIR;
        }
        if (!m->state_dir) {
                /* StateDirectory= (/var/lib/kdump-settle): the state survives a stop, which removes
                 * the runtime directory. Without it, nothing writes /var/lib behind the admin's back. */
                env = getenv("STATE_DIRECTORY");
                m->state_dir = env && *env && !strchr(env, ':') ? env : m->runtime_dir;
        }
        return 1;
}

/* The configuration as it would be now, without applying it. */
static int read_config(Manager *m, Config *ret, char ***ret_argv, const char **ret_backend,
                       const char **ret_gate_backend, KexecHotplug *ret_hotplug, KexecHotplug *ret_path_hotplug) {
        _cleanup_strv_free_ char **argv = NULL;
        _cleanup_free_ char *path_kexec = NULL;
        KexecHotplug hotplug = KEXEC_HOTPLUG_UNUSED, path_hotplug;
        KexecHotplugChoice path_choice;
        const char *path = getenv("PATH") ?: RELOAD_DEFAULT_PATH;
        bool starting = !m->reload_backend;
        const char *backend = NULL, *gate_backend;
        const ReloadBackend *b;
        Config c;
        Error e = {};
        int r;

        config_init(&c);
        r = config_load(&c, m->config_path, &e);
        if (r < 0 && starting) {
                /* Not exiting: while the distribution's rules are masked, no daemon means no reload at
                 * all. On SIGHUP the previous configuration stays instead. */
                log_error_errno(r, "%s; starting with the default configuration instead.", error_message(&e, r));
                config_done(&c);
                config_init(&c);
        } else if (r < 0)
                goto fail;
        for (size_t i = 0; i < m->n_overrides; i++) {
                r = config_set(&c, m->overrides[i].section, m->overrides[i].key, m->overrides[i].value, &e);
                if (r < 0)
                        goto fail;
        }

        r = reload_argv_resolve(&c, m->root, path, &argv, &backend, &hotplug, &e);
        if (r < 0 && !(r == -ENOENT && m->fadump_registered))
                goto fail;
        /* status's hazard asks the kexec in PATH as check does, but takes KexecHotplug=yes's word
         * that it has the fix (KexecHotplug=no says nothing of the kexec); what the backend's probe
         * asked of that same kexec (the kexec fallback's, Debian's replay's /sbin/kexec when it is
         * that file) is not asked twice. */
        path_choice = c.kexec_hotplug == KEXEC_HOTPLUG_CHOICE_YES ? KEXEC_HOTPLUG_CHOICE_YES : KEXEC_HOTPLUG_CHOICE_AUTO;
        b = backend ? reload_backend_find(backend) : NULL;
        (void) find_executable("kexec", path, &path_kexec);
        if (b && c.kexec_hotplug == path_choice &&
            (b == reload_backend_get(RELOAD_BACKEND_KEXEC) ||
             (b->replay_kexec && path_kexec && kexec_same_file(m->root, b->replay_kexec, path_kexec))))
                path_hotplug = hotplug;
        else
                path_hotplug = path_kexec ? kexec_hotplug_probe(m->root, path_kexec, path_choice, NULL)
                                          : KEXEC_HOTPLUG_NO_KEXEC;
        gate_backend = backend;
        if (m->fadump_registered && !c.reload_command && (!backend || strcmp(backend, "kdumpctl") != 0)) {
                /* kdumpctl re-registers fadump itself, and ReloadCommand= is the administrator's;
                 * in the other tools' stead (they load a kexec crash kernel, which fadump does not
                 * use), re-register it ourselves, gated as the tool would be. */
                strv_free(TAKE_PTR(argv));
                backend = RELOAD_FADUMP_BACKEND;
                hotplug = KEXEC_HOTPLUG_UNUSED;
        }
        if (argv) {
                _cleanup_free_ char *line = strv_join(argv, " ");

                if (!line) {
                        r = -ENOMEM;
                        goto fail;
                }
                log_info("Reload command (%s): %s%s", backend, line,
                         m->fadump_registered && !c.reload_command ? " (it re-registers firmware-assisted dump)" : "");
        } else if (gate_backend)
                log_info("Reload: %s through %s, in %s's stead, run only when it would run.", backend,
                         m->fadump_registered, gate_backend);
        else
                log_info("Reload: %s through %s.", backend, m->fadump_registered);

        if (starting && reload_backend_find(backend) != reload_backend_get(RELOAD_BACKEND_KEXEC) &&
            (c.kexec_kernel || c.kexec_initrd || c.kexec_append))
                log_notice("KexecKernel=, KexecInitrd= and KexecAppend= are not used by the %s backend "
                           "(ReloadBackend=kexec chooses kexec -p with them).", backend);

        /* Said at start and when it changes (kexec-tools upgraded, then SIGHUP). */
        if (hotplug != KEXEC_HOTPLUG_UNUSED && (hotplug != m->kexec_hotplug || !m->reload_backend)) {
                bool on = hotplug == KEXEC_HOTPLUG_ON;

                if (reload_backend_find(backend) == reload_backend_get(RELOAD_BACKEND_KEXEC))
                        log_info("The kexec fallback loads %s " KEXEC_HOTPLUG_OPTION ": %s", on ? "with" : "without",
                                 kexec_hotplug_reason(hotplug));
                else
                        log_info("Replays of %s's kexec record %s " KEXEC_HOTPLUG_OPTION " it holds: %s", backend,
                                 on ? "keep a" : "leave out a", kexec_hotplug_reason(hotplug));
        }

        *ret = c;
        *ret_argv = TAKE_PTR(argv);
        *ret_backend = backend;
        *ret_gate_backend = gate_backend;
        *ret_hotplug = hotplug;
        *ret_path_hotplug = path_hotplug;
        return 0;

fail:
        config_done(&c);
        return log_error_errno(r, "%s", error_message(&e, r));
}

int manager_load_config(Manager *m) {
        return read_config(m, &m->config, &m->reload_argv, &m->reload_backend, &m->reload_gate_backend,
                           &m->kexec_hotplug, &m->kexec_path_hotplug);
}

SettleConfig manager_settle_config(const Manager *m) {
        SettleConfig c = SETTLE_CONFIG_DEFAULT;

        c.quiet = m->config.quiet;
        c.max_wait = m->config.max_wait;
        c.poll_interval = m->config.poll_interval;
        return c;
}

int manager_reconfigure(Manager *m) {
        SettleConfig timings;
        KexecHotplug hotplug, path_hotplug;
        const char *backend, *gate_backend;
        char **argv = NULL;
        Config c;
        int r;

        r = manager_refresh_dump_mode(m, true);
        if (r >= 0)
                r = read_config(m, &c, &argv, &backend, &gate_backend, &hotplug, &path_hotplug);
        if (r < 0) {
                log_warning("Keeping the previous configuration.");
                return r;
        }
        if (c.uevent_source != m->config.uevent_source)
                log_warning("UeventSource= changes take effect on restart.");
        c.uevent_source = m->config.uevent_source;

        config_done(&m->config);
        m->config = c;
        strv_free(m->reload_argv);
        m->reload_argv = argv;
        m->reload_backend = backend;
        m->reload_gate_backend = gate_backend;
        m->kexec_hotplug = hotplug;
        m->kexec_path_hotplug = path_hotplug;
        timings = manager_settle_config(m);
        settle_set_config(&m->settle, &timings);
        log_info("Configuration reloaded.");
        return 0;
}
