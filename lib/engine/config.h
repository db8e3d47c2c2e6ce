/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "defaults.h"
#include "error.h"
#include "time-util.h"

/* /etc/kdump-settle.conf and /etc/kdump-settle.conf.d/ (*.conf, in lexical order, later wins):
 *
 *   [Settle]
 *   QuietSec=50ms
 *   MaxWaitSec=30s
 *   PollIntervalSec=5ms
 *   UeventSource=udev|kernel
 *   WaitForDrmgr=yes|no
 *   [Reload]
 *   ReloadBackend=auto|kdumpctl|kdump-config|suse-kdump|kexec
 *   KexecHotplug=auto|yes|no
 *   ReloadCommand=
 *   ReloadTimeoutSec=120
 *   KexecKernel=
 *   KexecInitrd=
 *   KexecAppend=
 *
 * An empty value resets a key to its default. Comments start with '#' or ';'.
 *
 * Values: QuietSec and ReloadTimeoutSec > 0 and finite (an infinite quiet period would never end
 * a burst, an infinite timeout would let a hung reload block every later one); PollIntervalSec
 * >= 1ms and finite; MaxWaitSec > 0, "infinity" allowed (never reload while the DT disagrees).
 * ReloadCommand needs at least one word and is stored as given; KexecKernel and KexecInitrd must
 * be absolute paths. Lines longer than CONFIG_LINE_MAX bytes are rejected; CRLF is accepted. */

typedef enum UeventSource {
        UEVENT_SOURCE_UDEV,
        UEVENT_SOURCE_KERNEL,
        _UEVENT_SOURCE_MAX,
        _UEVENT_SOURCE_INVALID = -EINVAL,
} UeventSource;

/* Which reload backend runs (daemon/backend.c): auto picks the first distribution tool in PATH,
 * else kexec; ReloadCommand= overrides them all. The names are the backends' names everywhere. */
typedef enum ReloadBackendChoice {
        RELOAD_BACKEND_AUTO,
        RELOAD_BACKEND_KDUMPCTL,
        RELOAD_BACKEND_KDUMP_CONFIG,
        RELOAD_BACKEND_SUSE_KDUMP,
        RELOAD_BACKEND_KEXEC,
        _RELOAD_BACKEND_MAX,
        _RELOAD_BACKEND_INVALID = -EINVAL,
} ReloadBackendChoice;

/* Whether the kexec backend may load with --hotplug, and a replayed Debian record keep it
 * (lib/engine/kexec-hotplug.h, kexec-record.h): auto when kexec --version shows the reservation fix,
 * yes on the administrator's word that this kexec has it (a distribution's backport), no never. */
typedef enum KexecHotplugChoice {
        KEXEC_HOTPLUG_CHOICE_AUTO,
        KEXEC_HOTPLUG_CHOICE_YES,
        KEXEC_HOTPLUG_CHOICE_NO,
        _KEXEC_HOTPLUG_CHOICE_MAX,
        _KEXEC_HOTPLUG_CHOICE_INVALID = -EINVAL,
} KexecHotplugChoice;

typedef struct Config {
        usec_t quiet;
        usec_t max_wait;
        usec_t poll_interval;
        UeventSource uevent_source;
        bool wait_for_drmgr;  /* a request lasts while drmgr holds its lock (lib/kernel/drmgr-lock.h) */
        ReloadBackendChoice reload_backend;

        char *reload_command;  /* NULL: auto-detect */
        usec_t reload_timeout;
        char *kexec_kernel;
        char *kexec_initrd;
        char *kexec_append;
        KexecHotplugChoice kexec_hotplug;
} Config;

/* What the documents need to know of each key, in the order of the file (see defaults.h). */
typedef struct ConfigKeyInfo {
        const char *section;
        const char *key;
        const char *option;        /* the kdump-settled option that overrides it, without "--" */
        const char *default_text;  /* NULL: empty, no default */
} ConfigKeyInfo;

/* The i-th key, or NULL past the last. */
const ConfigKeyInfo *config_key_info(size_t i);
/* The key set by a kdump-settled option (without "--"), or NULL. */
const ConfigKeyInfo *config_key_info_by_option(const char *option);

/* Largest config file accepted, and longest line (without its line ending). */
#define CONFIG_FILE_MAX ((size_t) 64 * 1024)
#define CONFIG_LINE_MAX ((size_t) 4096)

void config_init(Config *c);  /* defaults */
void config_done(Config *c);

/* Applies the assignments of one file's text on top of c. On error (unknown section or key, bad
 * value, missing '=', line outside a section, NUL byte), -EINVAL with a message naming
 * filename:line and the key; c is left as it was before the call. */
int config_parse(Config *c, const char *text, size_t size, const char *filename, Error *e);

/* main_path (absolute; missing is fine), then the regular files main_path".d/"*.conf in lexical
 * (strcmp) order, hidden ones skipped; a missing directory is fine. Like config_parse, c is
 * unchanged on error: -EINVAL for bad content, -EFBIG for a file over CONFIG_FILE_MAX, or the
 * I/O error, always with a message naming the file. */
int config_load(Config *c, const char *main_path, Error *e);

/* Key=value setters shared by the files and the command line. A value that is empty or only white
 * space resets the key to its default. On error (-EINVAL) c is unchanged and the message starts
 * with "Key=: ". */
int config_set(Config *c, const char *section, const char *key, const char *value, Error *e);

const char *uevent_source_to_string(UeventSource s);
UeventSource uevent_source_from_string(const char *s);
const char *reload_backend_choice_to_string(ReloadBackendChoice c);
ReloadBackendChoice reload_backend_choice_from_string(const char *s);
const char *kexec_hotplug_choice_to_string(KexecHotplugChoice c);
KexecHotplugChoice kexec_hotplug_choice_from_string(const char *s);
