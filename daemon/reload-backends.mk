# Included from Makefile.am: the reload backends (issue 11: 2, 3, 5, 11, 12; issue 14: 3) — the
# capture command line, the kdump-enabled gate, the backend table, the udev rule's start verb.
lib_libkdump_settle_a_SOURCES += \
	lib/capture-cmdline.c lib/capture-cmdline.h \
	lib/shell-words.c lib/shell-words.h

if ENABLE_TESTS
check_PROGRAMS += tests/unit/test-capture-cmdline tests/unit/test-shell-words
TESTS += tests/unit/test-capture-cmdline tests/unit/test-shell-words
endif
tests_unit_test_capture_cmdline_SOURCES = tests/unit/test-capture-cmdline.c
tests_unit_test_capture_cmdline_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_capture_cmdline_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_capture_cmdline_LDADD = $(UNIT_LDADD)
tests_unit_test_shell_words_SOURCES = tests/unit/test-shell-words.c
tests_unit_test_shell_words_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_shell_words_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_shell_words_LDADD = $(UNIT_LDADD)

daemon_kdump_settled_SOURCES += \
	daemon/backend.c daemon/backend.h

daemon_kdump_settlectl_SOURCES += \
	daemon/udev-start.c daemon/udev-start.h

# The udev rule names kdump-settlectl by its installed path.
rules.d/90-kdump-settle.rules: rules.d/90-kdump-settle.rules.in Makefile
	$(AM_V_GEN)$(MKDIR_P) rules.d && \
	$(SED) -e 's|@sbindir[@]|$(sbindir)|g' $(srcdir)/rules.d/90-kdump-settle.rules.in > $@.tmp && mv $@.tmp $@
CLEANFILES += rules.d/90-kdump-settle.rules
EXTRA_DIST += rules.d/90-kdump-settle.rules.in
