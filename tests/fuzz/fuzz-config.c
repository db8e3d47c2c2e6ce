/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* config_parse(): the input is the text of one config file. Invariants: an accepted file gives
 * values within the documented limits; a rejected one leaves the Config untouched and names
 * file:line; the same text gives the same result every time, and applying it twice is the same
 * as applying it once. */
#include <errno.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"
#include "strv.h"

#define FILENAME "fuzz.conf"

static bool streq_null(const char *a, const char *b) {
        if (!a || !b)
                return a == b;
        return strcmp(a, b) == 0;
}

static bool config_same(const Config *a, const Config *b) {
        return a->quiet == b->quiet &&
                a->max_wait == b->max_wait &&
                a->poll_interval == b->poll_interval &&
                a->uevent_source == b->uevent_source &&
                streq_null(a->reload_command, b->reload_command) &&
                a->reload_timeout == b->reload_timeout &&
                streq_null(a->kexec_kernel, b->kexec_kernel) &&
                streq_null(a->kexec_initrd, b->kexec_initrd) &&
                streq_null(a->kexec_append, b->kexec_append) &&
                a->kexec_hotplug == b->kexec_hotplug;
}

/* Not the defaults, so that "unchanged on error" and "reset to default" both show. */
static void config_base(Config *c) {
        Error e = {};

        config_init(c);
        FUZZ_CHECK(config_set(c, "Settle", "QuietSec", "70ms", &e) == 0);
        FUZZ_CHECK(config_set(c, "Settle", "UeventSource", "kernel", &e) == 0);
        FUZZ_CHECK(config_set(c, "Reload", "ReloadCommand", "/bin/true reload", &e) == 0);
        FUZZ_CHECK(config_set(c, "Reload", "KexecKernel", "/boot/vmlinux", &e) == 0);
}

static bool is_blank(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static void check_string(const char *s) {
        size_t n;

        if (!s)
                return;
        n = strlen(s);
        /* Values are stripped, one line each, and blank means "default", stored as NULL. */
        FUZZ_CHECK(n > 0);
        FUZZ_CHECK(!is_blank(s[0]) && !is_blank(s[n - 1]));
        FUZZ_CHECK(!strchr(s, '\n'));
        FUZZ_CHECK(n <= CONFIG_LINE_MAX);
}

static void check_valid(const Config *c) {
        FUZZ_CHECK(c->quiet > 0 && c->quiet != USEC_INFINITY);
        FUZZ_CHECK(c->max_wait > 0);
        FUZZ_CHECK(c->poll_interval >= USEC_PER_MSEC && c->poll_interval != USEC_INFINITY);
        FUZZ_CHECK(c->reload_timeout > 0 && c->reload_timeout != USEC_INFINITY);
        FUZZ_CHECK(uevent_source_to_string(c->uevent_source));
        FUZZ_CHECK(uevent_source_from_string(uevent_source_to_string(c->uevent_source)) == c->uevent_source);
        FUZZ_CHECK(kexec_hotplug_choice_from_string(kexec_hotplug_choice_to_string(c->kexec_hotplug)) == c->kexec_hotplug);

        check_string(c->reload_command);
        check_string(c->kexec_kernel);
        check_string(c->kexec_initrd);
        check_string(c->kexec_append);
        FUZZ_CHECK(!c->kexec_kernel || c->kexec_kernel[0] == '/');
        FUZZ_CHECK(!c->kexec_initrd || c->kexec_initrd[0] == '/');
        if (c->reload_command) {
                char **argv = NULL;

                FUZZ_CHECK(strv_split_whitespace(c->reload_command, &argv) >= 0);
                FUZZ_CHECK(argv && argv[0]);
                strv_free(argv);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *text = (const char *) data;
        Config a, b, base;
        Error e1 = {}, e2 = {};
        int r1, r2;

        /* config_load() never passes more. */
        if (size > CONFIG_FILE_MAX)
                return 0;

        config_base(&base);
        config_base(&a);
        config_base(&b);

        r1 = config_parse(&a, text, size, FILENAME, &e1);
        r2 = config_parse(&b, text, size, FILENAME, &e2);
        FUZZ_CHECK(r1 == r2);
        FUZZ_CHECK(config_same(&a, &b));

        if (r1 < 0) {
                FUZZ_CHECK(r1 == -EINVAL);
                FUZZ_CHECK(strcmp(e1.message, e2.message) == 0);
                FUZZ_CHECK(strncmp(e1.message, FILENAME ":", strlen(FILENAME ":")) == 0);
                FUZZ_CHECK(config_same(&a, &base));
        } else {
                FUZZ_CHECK(r1 == 0);
                check_valid(&a);

                /* Later assignments win, so the text applied on top of its own result changes nothing. */
                r2 = config_parse(&b, text, size, FILENAME, &e2);
                FUZZ_CHECK(r2 == 0);
                FUZZ_CHECK(config_same(&a, &b));
        }

        config_done(&a);
        config_done(&b);
        config_done(&base);
        return 0;
}
