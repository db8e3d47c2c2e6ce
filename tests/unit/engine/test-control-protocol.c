/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "control-protocol.h"

static void test_requests(void **state) {
        ControlCommand c = _CONTROL_COMMAND_MAX;

        assert_int_equal(control_request_parse("status", 6, &c, NULL), 0);
        assert_int_equal(c, CONTROL_STATUS);
        assert_int_equal(control_request_parse("reload\n", 7, &c, NULL), 0);
        assert_int_equal(c, CONTROL_RELOAD);
        assert_int_equal(control_request_parse("wait", 4, &c, NULL), 0);
        assert_int_equal(c, CONTROL_WAIT);
        for (ControlCommand i = 0; i < _CONTROL_COMMAND_MAX; i++) {
                const char *s = control_command_to_string(i);

                assert_int_equal(control_request_parse(s, strlen(s), &c, NULL), 0);
                assert_int_equal(c, i);
        }
}

static void expect_bad_request(const char *data, size_t size, const char *needle) {
        ControlCommand c = CONTROL_WAIT;
        Error e = {};

        assert_int_equal(control_request_parse(data, size, &c, &e), -EBADMSG);
        assert_non_null(strstr(e.message, needle));
        assert_int_equal(c, CONTROL_WAIT);  /* untouched */
}

static void test_bad_requests(void **state) {
        char big[CONTROL_REQUEST_MAX + 1];

        memset(big, 'a', sizeof(big));
        expect_bad_request("", 0, "empty");
        expect_bad_request(big, sizeof(big), "larger");
        expect_bad_request("stat\0s", 6, "non-printable");
        expect_bad_request("status\n\n", 8, "non-printable");
        expect_bad_request("statu", 5, "unknown request 'statu'");
        expect_bad_request("status ", 7, "unknown");
        expect_bad_request("STATUS", 6, "unknown");
        expect_bad_request("reload now", 10, "unknown");
}

static void test_reply(void **state) {
        static const char text[] = "result=ok\nstate=idle\nstatus=waiting for device tree\nevents=12\n";
        ControlReply r = {};

        assert_int_equal(control_reply_parse(text, strlen(text), &r, NULL), 0);
        assert_int_equal(r.n_fields, 4);
        assert_string_equal(control_reply_get(&r, "result"), "ok");
        assert_string_equal(control_reply_get(&r, "status"), "waiting for device tree");
        assert_string_equal(control_reply_get(&r, "events"), "12");
        assert_null(control_reply_get(&r, "nope"));
        control_reply_done(&r);

        /* No trailing newline, and an empty value. */
        assert_int_equal(control_reply_parse("result=error\nmessage=", 21, &r, NULL), 0);
        assert_string_equal(control_reply_get(&r, "message"), "");
        control_reply_done(&r);
}

static void expect_bad_reply(const char *text, const char *needle) {
        ControlReply r = {};
        Error e = {};

        assert_int_equal(control_reply_parse(text, strlen(text), &r, &e), -EBADMSG);
        assert_non_null(strstr(e.message, needle));
        assert_int_equal(r.n_fields, 0);
}

static void test_bad_replies(void **state) {
        expect_bad_reply("", "result=");
        expect_bad_reply("state=idle\nresult=ok\n", "result=");
        expect_bad_reply("result=maybe\n", "result=");
        expect_bad_reply("result=ok\nnoequals\n", "line 2");
        expect_bad_reply("result=ok\n=value\n", "line 2");
        expect_bad_reply("result=ok\nKey=value\n", "line 2 has an invalid key");
        expect_bad_reply("result=ok\nkey=va\x01lue\n", "line 2 has a non-printable");
}

static void test_value_valid(void **state) {
        assert_true(control_value_valid("exit status 1"));
        assert_false(control_value_valid("two\nlines"));
        assert_false(control_value_valid("bell\a"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_requests),
                cmocka_unit_test(test_bad_requests),
                cmocka_unit_test(test_reply),
                cmocka_unit_test(test_bad_replies),
                cmocka_unit_test(test_value_valid),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
