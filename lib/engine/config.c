/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "alloc-util.h"
#include "config.h"
#include "fileio.h"
#include "macro.h"
#include "string-table.h"
#include "strv.h"

typedef enum ItemKind {
        ITEM_TIMESPAN,
        ITEM_UEVENT_SOURCE,
        ITEM_BOOLEAN,
        ITEM_RELOAD_BACKEND,
        ITEM_KEXEC_HOTPLUG,
        ITEM_COMMAND,
        ITEM_PATH,
        ITEM_STRING,
} ItemKind;

typedef struct ConfigItem {
        ConfigKeyInfo info;
        ItemKind kind;
        size_t offset;
        /* ITEM_TIMESPAN only */
        usec_t def;
        usec_t min;
        bool infinity_ok;
} ConfigItem;

static const ConfigItem items[] = {
        { { "Settle", "QuietSec",         "quiet-sec",          CONFIG_QUIET_DEFAULT_TEXT },          ITEM_TIMESPAN,      offsetof(Config, quiet),          CONFIG_QUIET_DEFAULT,          1,             false },
        { { "Settle", "MaxWaitSec",       "max-wait-sec",       CONFIG_MAX_WAIT_DEFAULT_TEXT },       ITEM_TIMESPAN,      offsetof(Config, max_wait),       CONFIG_MAX_WAIT_DEFAULT,       1,             true  },
        { { "Settle", "PollIntervalSec",  "poll-interval-sec",  CONFIG_POLL_INTERVAL_DEFAULT_TEXT },  ITEM_TIMESPAN,      offsetof(Config, poll_interval),  CONFIG_POLL_INTERVAL_DEFAULT,  USEC_PER_MSEC, false },
        { { "Settle", "UeventSource",     "uevent-source",      CONFIG_UEVENT_SOURCE_DEFAULT_TEXT },  ITEM_UEVENT_SOURCE, offsetof(Config, uevent_source),  0,                             0,             false },
        { { "Settle", "WaitForDrmgr",     "wait-for-drmgr",     CONFIG_WAIT_FOR_DRMGR_DEFAULT_TEXT }, ITEM_BOOLEAN,       offsetof(Config, wait_for_drmgr), CONFIG_WAIT_FOR_DRMGR_DEFAULT, 0,             false },
        { { "Reload", "ReloadBackend",    "reload-backend",     CONFIG_RELOAD_BACKEND_DEFAULT_TEXT }, ITEM_RELOAD_BACKEND, offsetof(Config, reload_backend), 0,                             0,             false },
        { { "Reload", "ReloadCommand",    "reload-command",     NULL },                               ITEM_COMMAND,       offsetof(Config, reload_command), 0,                             0,             false },
        { { "Reload", "ReloadTimeoutSec", "reload-timeout-sec", CONFIG_RELOAD_TIMEOUT_DEFAULT_TEXT }, ITEM_TIMESPAN,      offsetof(Config, reload_timeout), CONFIG_RELOAD_TIMEOUT_DEFAULT, 1,             false },
        { { "Reload", "KexecKernel",      "kexec-kernel",       NULL },                               ITEM_PATH,          offsetof(Config, kexec_kernel),   0,                             0,             false },
        { { "Reload", "KexecInitrd",      "kexec-initrd",       NULL },                               ITEM_PATH,          offsetof(Config, kexec_initrd),   0,                             0,             false },
        { { "Reload", "KexecAppend",      "kexec-append",       NULL },                               ITEM_STRING,        offsetof(Config, kexec_append),   0,                             0,             false },
        { { "Reload", "KexecHotplug",     "kexec-hotplug",      CONFIG_KEXEC_HOTPLUG_DEFAULT_TEXT },  ITEM_KEXEC_HOTPLUG, offsetof(Config, kexec_hotplug),  0,                             0,             false },
};

const ConfigKeyInfo *config_key_info(size_t i) {
        return i < ELEMENTSOF(items) ? &items[i].info : NULL;
}

const ConfigKeyInfo *config_key_info_by_option(const char *option) {
        for (size_t i = 0; i < ELEMENTSOF(items); i++)
                if (strcmp(items[i].info.option, option) == 0)
                        return &items[i].info;
        return NULL;
}

static const char *const uevent_source_table[_UEVENT_SOURCE_MAX] = {
        [UEVENT_SOURCE_UDEV] = "udev",
        [UEVENT_SOURCE_KERNEL] = "kernel",
};

DEFINE_STRING_TABLE_LOOKUP(uevent_source, UeventSource);

static const char *const reload_backend_choice_table[_RELOAD_BACKEND_MAX] = {
        [RELOAD_BACKEND_AUTO] = "auto",
        [RELOAD_BACKEND_KDUMPCTL] = "kdumpctl",
        [RELOAD_BACKEND_KDUMP_CONFIG] = "kdump-config",
        [RELOAD_BACKEND_SUSE_KDUMP] = "suse-kdump",
        [RELOAD_BACKEND_KEXEC] = "kexec",
};

DEFINE_STRING_TABLE_LOOKUP(reload_backend_choice, ReloadBackendChoice);

static const char *const kexec_hotplug_choice_table[_KEXEC_HOTPLUG_CHOICE_MAX] = {
        [KEXEC_HOTPLUG_CHOICE_AUTO] = "auto",
        [KEXEC_HOTPLUG_CHOICE_YES] = "yes",
        [KEXEC_HOTPLUG_CHOICE_NO] = "no",
};

DEFINE_STRING_TABLE_LOOKUP(kexec_hotplug_choice, KexecHotplugChoice);

/* A value not in a key's string table: the error lists the table. */
static int choice_error(const char *key, const char *value, const char *const *table, size_t n, Error *e) {
        char names[128] = "";

        for (size_t i = 0; i < n; i++)
                snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s", i > 0 ? ", " : "", table[i]);
        return error_set(e, EINVAL, "%s=: expected one of %s, got '%s'", key, names, value);
}

void config_init(Config *c) {
        assert(c);

        *c = (Config) {
                .quiet = CONFIG_QUIET_DEFAULT,
                .max_wait = CONFIG_MAX_WAIT_DEFAULT,
                .poll_interval = CONFIG_POLL_INTERVAL_DEFAULT,
                .uevent_source = UEVENT_SOURCE_UDEV,
                .wait_for_drmgr = CONFIG_WAIT_FOR_DRMGR_DEFAULT,
                .reload_backend = RELOAD_BACKEND_AUTO,
                .kexec_hotplug = KEXEC_HOTPLUG_CHOICE_AUTO,
                .reload_timeout = CONFIG_RELOAD_TIMEOUT_DEFAULT,
        };
}

void config_done(Config *c) {
        assert(c);

        free(c->reload_command);
        free(c->kexec_kernel);
        free(c->kexec_initrd);
        free(c->kexec_append);
        c->reload_command = c->kexec_kernel = c->kexec_initrd = c->kexec_append = NULL;
}

static int strdup_or_null(const char *s, char **ret) {
        if (!s) {
                *ret = NULL;
                return 0;
        }
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

/* A deep copy, so that a failed parse can be thrown away without touching the original. */
static int config_copy(Config *dst, const Config *src) {
        Config t = *src;

        t.reload_command = t.kexec_kernel = t.kexec_initrd = t.kexec_append = NULL;
        if (strdup_or_null(src->reload_command, &t.reload_command) < 0 ||
            strdup_or_null(src->kexec_kernel, &t.kexec_kernel) < 0 ||
            strdup_or_null(src->kexec_initrd, &t.kexec_initrd) < 0 ||
            strdup_or_null(src->kexec_append, &t.kexec_append) < 0) {
                config_done(&t);
                return -ENOMEM;
        }

        *dst = t;
        return 0;
}

static bool is_blank(char ch) {
        return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
}

static bool string_is_blank(const char *s) {
        for (; *s; s++)
                if (!is_blank(*s))
                        return false;
        return true;
}

/* Trims blanks on both sides, in place. */
static char *strstrip(char *s) {
        size_t n;

        while (is_blank(*s))
                s++;
        n = strlen(s);
        while (n > 0 && is_blank(s[n - 1]))
                n--;
        s[n] = 0;
        return s;
}

static bool section_known(const char *section) {
        for (size_t i = 0; i < ELEMENTSOF(items); i++)
                if (strcmp(items[i].info.section, section) == 0)
                        return true;
        return false;
}

static int set_timespan(const ConfigItem *item, usec_t *u, const char *value, Error *e) {
        char buf[FORMAT_TIMESPAN_MAX];
        usec_t t;
        int r;

        r = parse_timespan(value, &t);
        if (r == -ERANGE)
                return error_set(e, EINVAL, "%s=: time span too large '%s'", item->info.key, value);
        if (r < 0)
                return error_set(e, EINVAL, "%s=: invalid time span '%s'", item->info.key, value);
        if (t == USEC_INFINITY && !item->infinity_ok)
                return error_set(e, EINVAL, "%s=: 'infinity' is not allowed here", item->info.key);
        if (t == 0 && item->min > 0)
                return error_set(e, EINVAL, "%s=: time span must be greater than 0", item->info.key);
        if (t < item->min)
                return error_set(e, EINVAL, "%s=: time span must be at least %s, got '%s'", item->info.key,
                                 format_timespan(buf, sizeof(buf), item->min), value);

        *u = t;
        return 0;
}

/* systemd's words for yes and no: 1 or 0, -EINVAL for anything else. */
static int parse_boolean(const char *v) {
        static const char *const yes[] = { "1", "yes", "y", "true", "t", "on" };
        static const char *const no[] = { "0", "no", "n", "false", "f", "off" };

        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                if (strcasecmp(v, yes[i]) == 0)
                        return 1;
                if (strcasecmp(v, no[i]) == 0)
                        return 0;
        }
        return -EINVAL;
}

static int set_string(const ConfigItem *item, char **s, const char *value, Error *e) {
        char *copy;

        if (item->kind == ITEM_PATH && value[0] != '/')
                return error_set(e, EINVAL, "%s=: path is not absolute '%s'", item->info.key, value);

        if (item->kind == ITEM_COMMAND) {
                _cleanup_strv_free_ char **argv = NULL;
                int r;

                /* Only checked here; the caller splits it again when it runs it. */
                r = strv_split_whitespace(value, &argv);
                if (r == -ENOMEM)
                        return error_set(e, r, "%s=: out of memory", item->info.key);
                if (r < 0)
                        return error_set(e, EINVAL, "%s=: no command given", item->info.key);
        }

        copy = strdup(value);
        if (!copy)
                return error_set(e, ENOMEM, "%s=: out of memory", item->info.key);
        free(*s);
        *s = copy;
        return 0;
}

int config_set(Config *c, const char *section, const char *key, const char *value, Error *e) {
        const ConfigItem *item = NULL;
        void *field;

        assert(c);
        assert(section);
        assert(key);
        assert(value);

        if (!section_known(section))
                return error_set(e, EINVAL, "%s=: unknown section [%s]", key, section);

        for (size_t i = 0; i < ELEMENTSOF(items); i++)
                if (strcmp(items[i].info.section, section) == 0 && strcmp(items[i].info.key, key) == 0) {
                        item = &items[i];
                        break;
                }
        if (!item)
                return error_set(e, EINVAL, "%s=: unknown key in section [%s]", key, section);

        field = (char *) c + item->offset;

        if (string_is_blank(value)) {
                switch (item->kind) {
                case ITEM_TIMESPAN:
                        *(usec_t *) field = item->def;
                        break;
                case ITEM_UEVENT_SOURCE:
                        *(UeventSource *) field = UEVENT_SOURCE_UDEV;
                        break;
                case ITEM_BOOLEAN:
                        *(bool *) field = item->def;
                        break;
                case ITEM_RELOAD_BACKEND:
                        *(ReloadBackendChoice *) field = RELOAD_BACKEND_AUTO;
                        break;
                case ITEM_KEXEC_HOTPLUG:
                        *(KexecHotplugChoice *) field = KEXEC_HOTPLUG_CHOICE_AUTO;
                        break;
                case ITEM_COMMAND:
                case ITEM_PATH:
                case ITEM_STRING:
                        free(*(char **) field);
                        *(char **) field = NULL;
                        break;
                }
                return 0;
        }

        switch (item->kind) {
        case ITEM_TIMESPAN:
                return set_timespan(item, field, value, e);

        case ITEM_UEVENT_SOURCE: {
                UeventSource s = uevent_source_from_string(value);

                if (s < 0)
                        return error_set(e, EINVAL, "%s=: expected 'udev' or 'kernel', got '%s'", key, value);
                *(UeventSource *) field = s;
                return 0;
        }

        case ITEM_BOOLEAN: {
                int b = parse_boolean(value);

                if (b < 0)
                        return error_set(e, EINVAL, "%s=: expected 'yes' or 'no', got '%s'", key, value);
                *(bool *) field = b;
                return 0;
        }

        case ITEM_RELOAD_BACKEND: {
                ReloadBackendChoice b = reload_backend_choice_from_string(value);

                if (b < 0)
                        return choice_error(key, value, reload_backend_choice_table,
                                            ELEMENTSOF(reload_backend_choice_table), e);
                *(ReloadBackendChoice *) field = b;
                return 0;
        }

        case ITEM_KEXEC_HOTPLUG: {
                KexecHotplugChoice k = kexec_hotplug_choice_from_string(value);

                if (k < 0)
                        return choice_error(key, value, kexec_hotplug_choice_table,
                                            ELEMENTSOF(kexec_hotplug_choice_table), e);
                *(KexecHotplugChoice *) field = k;
                return 0;
        }

        case ITEM_COMMAND:
        case ITEM_PATH:
        case ITEM_STRING:
                return set_string(item, field, value, e);
        }

        assert_not_reached();
}

/* Parses one line (NUL-terminated, without its line ending) into c, tracking the section. */
static int parse_line(Config *c, char *line, char **section, Error *e) {
        char *eq, *key, *value;

        line = strstrip(line);
        if (!*line || *line == '#' || *line == ';')
                return 0;

        if (*line == '[') {
                size_t n = strlen(line);
                char *name;

                if (n < 3 || line[n - 1] != ']')
                        return error_set(e, EINVAL, "invalid section header '%s'", line);
                line[n - 1] = 0;
                if (!section_known(line + 1))
                        return error_set(e, EINVAL, "unknown section [%s]", line + 1);

                name = strdup(line + 1);
                if (!name)
                        return error_set(e, ENOMEM, "out of memory");
                free(*section);
                *section = name;
                return 0;
        }

        eq = strchr(line, '=');
        if (!eq)
                return error_set(e, EINVAL, "missing '=' in '%s'", line);
        *eq = 0;
        key = strstrip(line);
        value = strstrip(eq + 1);
        if (!*key)
                return error_set(e, EINVAL, "missing key before '='");
        if (!*section)
                return error_set(e, EINVAL, "%s=: assignment outside of any section", key);

        return config_set(c, *section, key, value, e);
}

static int config_parse_into(Config *c, const char *text, size_t size, const char *filename, Error *e) {
        _cleanup_free_ char *section = NULL;
        const char *p = text, *end = text + size, *nul;
        char line[CONFIG_LINE_MAX + 1];
        unsigned lineno = 0;

        /* Parsing stops at the first NUL, so refuse the text at once instead of half-applying it. */
        nul = memchr(text, 0, size);
        if (nul) {
                unsigned n = 1;

                for (const char *q = text; q < nul; q++)
                        n += *q == '\n';
                return error_set(e, EINVAL, "%s:%u: NUL byte in line", filename, n);
        }

        /* Editors on other systems may add a UTF-8 byte order mark. */
        if (size >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
                p += 3;

        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                size_t len = (nl ? nl : end) - p;
                Error sub = {};
                int r;

                lineno++;
                if (len > 0 && p[len - 1] == '\r')
                        len--;
                if (len > CONFIG_LINE_MAX)
                        return error_set(e, EINVAL, "%s:%u: line longer than %zu bytes",
                                         filename, lineno, CONFIG_LINE_MAX);
                memcpy(line, p, len);
                line[len] = 0;
                p = nl ? nl + 1 : end;

                r = parse_line(c, line, &section, &sub);
                if (r < 0)
                        return error_set(e, r, "%s:%u: %s", filename, lineno, sub.message);
        }

        return 0;
}

int config_parse(Config *c, const char *text, size_t size, const char *filename, Error *e) {
        Config copy;
        int r;

        assert(c);
        assert(text || size == 0);

        if (!filename)
                filename = "<config>";
        if (size == 0)
                return 0;

        r = config_copy(&copy, c);
        if (r < 0)
                return error_set(e, r, "%s: out of memory", filename);

        r = config_parse_into(&copy, text, size, filename, e);
        if (r < 0) {
                config_done(&copy);
                return r;
        }

        config_done(c);
        *c = copy;
        return 0;
}

/* Missing is fine (returns 0 and does nothing); anything else that is not a regular file is not. */
static int config_load_file(Config *c, const char *path, Error *e) {
        _cleanup_free_ char *data = NULL;
        struct stat st;
        size_t size;
        int r;

        if (stat(path, &st) < 0) {
                if (errno == ENOENT)
                        return 0;
                return error_set(e, negative_errno(), "Cannot stat %s: %m", path);
        }
        /* The null device (--config=/dev/null) is the usual way to say "no configuration". */
        if (S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 3)
                return 0;
        /* Opening a FIFO would block the daemon. */
        if (!S_ISREG(st.st_mode))
                return error_set(e, EINVAL, "%s: not a regular file", path);

        r = read_full_file_root(NULL, path, CONFIG_FILE_MAX, &data, &size, e);
        if (r < 0)
                return r;

        return config_parse(c, data, size, path, e);
}

static bool is_conf_name(const char *name) {
        size_t n = strlen(name);

        /* Hidden files are editor and package-manager leftovers. */
        return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".conf") == 0;
}

static int cmp_strings(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The *.conf names in dir, sorted; a missing directory gives an empty list. */
static int list_drop_ins(const char *dir, char ***ret, Error *e) {
        _cleanup_closedir_ DIR *d = NULL;
        _cleanup_strv_free_ char **names = NULL;
        size_t n = 0;
        struct dirent *de;
        int r;

        d = opendir(dir);
        if (!d) {
                if (errno == ENOENT)
                        goto done;
                return error_set(e, negative_errno(), "Cannot open directory %s: %m", dir);
        }

        for (;;) {
                struct stat st;

                r = read_dir_entry(d, dir, &de, e);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                if (!is_conf_name(de->d_name))
                        continue;

                /* Follows symlinks: a link to a regular file counts, a dangling one is skipped. */
                if (fstatat(dirfd(d), de->d_name, &st, 0) < 0) {
                        if (errno == ENOENT)
                                continue;
                        return error_set(e, negative_errno(), "Cannot stat %s/%s: %m", dir, de->d_name);
                }
                if (!S_ISREG(st.st_mode))
                        continue;

                if (strv_extend(&names, de->d_name) < 0)
                        return error_set(e, ENOMEM, "Out of memory listing %s", dir);
                n++;
        }

done:
        if (!names) {
                names = calloc(1, sizeof(char *));
                if (!names)
                        return error_set(e, ENOMEM, "Out of memory listing %s", dir);
        }
        qsort(names, n, sizeof(char *), cmp_strings);
        *ret = TAKE_PTR(names);
        return 0;
}

static int config_load_into(Config *c, const char *main_path, Error *e) {
        _cleanup_strv_free_ char **names = NULL;
        _cleanup_free_ char *dir = NULL;
        int r;

        r = config_load_file(c, main_path, e);
        if (r < 0)
                return r;

        if (asprintf(&dir, "%s.d", main_path) < 0) {
                dir = NULL;
                return error_set(e, ENOMEM, "Out of memory");
        }

        r = list_drop_ins(dir, &names, e);
        if (r < 0)
                return r;

        for (char **i = names; *i; i++) {
                _cleanup_free_ char *path = NULL;

                if (asprintf(&path, "%s/%s", dir, *i) < 0) {
                        path = NULL;
                        return error_set(e, ENOMEM, "Out of memory");
                }
                r = config_load_file(c, path, e);
                if (r < 0)
                        return r;
        }

        return 0;
}

int config_load(Config *c, const char *main_path, Error *e) {
        Config copy;
        int r;

        assert(c);
        assert(main_path);

        /* read_full_file_root() resolves paths below a root, so a relative one would silently
         * become relative to "/". */
        if (main_path[0] != '/')
                return error_set(e, EINVAL, "Config path is not absolute: %s", main_path);

        r = config_copy(&copy, c);
        if (r < 0)
                return error_set(e, r, "Out of memory");

        r = config_load_into(&copy, main_path, e);
        if (r < 0) {
                config_done(&copy);
                return r;
        }

        config_done(c);
        *c = copy;
        return 0;
}
