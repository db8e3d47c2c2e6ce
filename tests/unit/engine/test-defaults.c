/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every default has one home, lib/engine/defaults.h; the documents restate them. This fails when a text
 * there does not parse to its value, or when the config table, the engine's defaults,
 * units/kdump-settle.conf, man/kdump-settle.conf.5, the man pages' runtime directory, or the
 * --help of the built programs say otherwise. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "alloc-util.h"
#include "config.h"
#include "defaults.h"
#include "harness.h"
#include "settle.h"

/* Whether two default texts mean the same: equal time spans, or equal words. */
static bool same_default(const char *a, const char *b) {
        usec_t ua, ub;

        if (parse_timespan(a, &ua) == 0 && parse_timespan(b, &ub) == 0)
                return ua == ub;
        return strcmp(a, b) == 0;
}

static char *source_file(const char *relative) {
        const char *srcdir = getenv("KDUMP_SETTLE_SRCDIR");
        _cleanup_free_ char *path = NULL;
        char *text;

        if (!srcdir)
                skip();  /* run outside make check */
        path = harness_path_in(srcdir, relative);
        text = harness_read_all(path, NULL);
        if (!text)
                fail_msg("cannot read %s", path);
        return text;
}

static char *help_of(const char *env) {
        _cleanup_free_ char *command = NULL;
        const char *program = getenv(env);
        char buf[4096];
        size_t n;
        FILE *f;

        if (!program)
                skip();
        assert_true(asprintf(&command, "'%s' --help", program) > 0);
        f = popen(command, "r");
        assert_non_null(f);
        n = fread(buf, 1, sizeof(buf) - 1, f);
        buf[n] = 0;
        assert_int_equal(pclose(f), 0);
        return strdup(buf);
}

/* The rest of the line at p, without leading white space, newly allocated. */
static char *rest_of_line(const char *p) {
        p += strspn(p, " \t");
        return strndup(p, strcspn(p, "\n"));
}

static void test_texts_are_the_values(void **state) {
        static const struct {
                const char *text;
                usec_t value;
        } cases[] = {
                { CONFIG_QUIET_DEFAULT_TEXT, CONFIG_QUIET_DEFAULT },
                { CONFIG_MAX_WAIT_DEFAULT_TEXT, CONFIG_MAX_WAIT_DEFAULT },
                { CONFIG_POLL_INTERVAL_DEFAULT_TEXT, CONFIG_POLL_INTERVAL_DEFAULT },
                { CONFIG_RELOAD_TIMEOUT_DEFAULT_TEXT, CONFIG_RELOAD_TIMEOUT_DEFAULT },
        };
        const SettleConfig s = SETTLE_CONFIG_DEFAULT;
        Config c;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                usec_t v;

                assert_int_equal(parse_timespan(cases[i].text, &v), 0);
                assert_int_equal(v, cases[i].value);
        }

        config_init(&c);
        assert_int_equal(c.quiet, s.quiet);
        assert_int_equal(c.max_wait, s.max_wait);
        assert_int_equal(c.poll_interval, s.poll_interval);
        assert_string_equal(uevent_source_to_string(c.uevent_source), CONFIG_UEVENT_SOURCE_DEFAULT_TEXT);

        /* Setting each key to its documented default gives config_init()'s value. */
        for (size_t i = 0; config_key_info(i); i++) {
                const ConfigKeyInfo *k = config_key_info(i);
                Config d;

                config_init(&d);
                assert_int_equal(config_set(&d, k->section, k->key, k->default_text ?: "", NULL), 0);
                assert_memory_equal(&c, &d, offsetof(Config, reload_command));
                assert_int_equal(c.reload_timeout, d.reload_timeout);
                assert_ptr_equal(config_key_info_by_option(k->option), k);
                config_done(&d);
        }
        config_done(&c);
}

/* units/kdump-settle.conf: "#Key=default" under its section, for every key. */
static void test_conf_file(void **state) {
        _cleanup_free_ char *text = source_file("units/kdump-settle.conf");

        for (size_t i = 0; config_key_info(i); i++) {
                const ConfigKeyInfo *k = config_key_info(i);
                _cleanup_free_ char *header = NULL, *line = NULL, *value = NULL;
                const char *section, *p;

                assert_true(asprintf(&header, "\n[%s]\n", k->section) > 0);
                assert_true(asprintf(&line, "\n#%s=", k->key) > 0);
                section = strstr(text, header);
                assert_non_null(section);
                p = strstr(section, line);
                if (!p)
                        fail_msg("units/kdump-settle.conf: no %s under [%s]", line + 1, k->section);
                value = rest_of_line(p + strlen(line));
                if (!same_default(value, k->default_text ?: ""))
                        fail_msg("units/kdump-settle.conf: %s=%s, the default is %s", k->key, value,
                                 k->default_text ?: "empty");
        }
}

/* man/kdump-settle.conf.5: each key with a default says "Default:" and then ".BR value ." */
static void test_conf_man_page(void **state) {
        _cleanup_free_ char *text = source_file("man/kdump-settle.conf.5");

        for (size_t i = 0; config_key_info(i); i++) {
                const ConfigKeyInfo *k = config_key_info(i);
                _cleanup_free_ char *entry = NULL, *value = NULL;
                const char *p, *next;

                if (!k->default_text)
                        continue;
                assert_true(asprintf(&entry, "\n.BI %s=", k->key) > 0);
                p = strstr(text, entry);
                if (!p) {
                        free(entry);
                        assert_true(asprintf(&entry, "\n.BR %s=", k->key) > 0);
                        p = strstr(text, entry);
                }
                if (!p) {
                        fail_msg("man/kdump-settle.conf.5: no entry for %s=", k->key);
                        return;  /* not reached; says so to the compiler's overread check */
                }
                next = strstr(p + 1, "\n.TP") ?: p + strlen(p);
                p = strstr(p, "Default:\n.BR ");
                if (!p || p > next) {
                        fail_msg("man/kdump-settle.conf.5: %s= does not give its default", k->key);
                        return;
                }
                value = rest_of_line(p + strlen("Default:\n.BR "));
                if (strlen(value) >= 2 && strcmp(value + strlen(value) - 2, " .") == 0)
                        value[strlen(value) - 2] = 0;
                if (!same_default(value, k->default_text))
                        fail_msg("man/kdump-settle.conf.5: %s= defaults to %s, the code to %s", k->key, value,
                                 k->default_text);
        }
}

static void test_man_pages_runtime_dir(void **state) {
        _cleanup_free_ char *settled = source_file("man/kdump-settled.8");
        _cleanup_free_ char *settlectl = source_file("man/kdump-settlectl.8");

        assert_non_null(strstr(settled, "\n.IR " DEFAULT_RUNTIME_DIR " .\n"));
        assert_non_null(strstr(settlectl, "\n.IR " DEFAULT_RUNTIME_DIR " ).\n"));
}

/* kdump-settled --help: "--option=... (default X)" or "X (default)" on the option's line. */
static void test_daemon_help(void **state) {
        _cleanup_free_ char *help = help_of("KDUMP_SETTLED");

        assert_non_null(strstr(help, "(default " DEFAULT_CONFIG_PATH ")"));
        assert_non_null(strstr(help, "else " DEFAULT_RUNTIME_DIR ")"));

        for (size_t i = 0; config_key_info(i); i++) {
                const ConfigKeyInfo *k = config_key_info(i);
                _cleanup_free_ char *option = NULL, *line = NULL, *shown = NULL;
                const char *p, *d;

                assert_true(asprintf(&option, "--%s=", k->option) > 0);
                p = strstr(help, option);
                if (!p)
                        fail_msg("kdump-settled --help does not list %s", option);
                line = strndup(p, strcspn(p, "\n"));
                d = strstr(line, "(default ");
                if (d)
                        shown = strndup(d + strlen("(default "), strcspn(d + strlen("(default "), ")"));
                else if ((d = strstr(line, " (default)"))) {
                        const char *w = d;

                        while (w > line && w[-1] != ' ')
                                w--;
                        shown = strndup(w, (size_t) (d - w));
                }
                if (!k->default_text) {
                        if (shown)
                                fail_msg("kdump-settled --help gives %s a default, %s; it has none", option, shown);
                        continue;
                }
                if (!shown)
                        fail_msg("kdump-settled --help does not give the default of %s", option);
                if (!same_default(shown, k->default_text))
                        fail_msg("kdump-settled --help: %s defaults to %s, the code to %s", option, shown,
                                 k->default_text);
        }
}

static void test_settlectl_help(void **state) {
        _cleanup_free_ char *help = help_of("KDUMP_SETTLECTL");

        assert_non_null(strstr(help, "(default " DEFAULT_RUNTIME_DIR ")"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_texts_are_the_values),
                cmocka_unit_test(test_conf_file),
                cmocka_unit_test(test_conf_man_page),
                cmocka_unit_test(test_man_pages_runtime_dir),
                cmocka_unit_test(test_daemon_help),
                cmocka_unit_test(test_settlectl_help),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
