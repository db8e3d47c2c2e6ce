# Included from Makefile.am: the udev rules checker and the test of masking the distributions'
# kdump rules (daemon/distro-rules.c, driven by a small program).
if ENABLE_TESTS
check_PROGRAMS += tests/rules/distro-rules-driver
TESTS += tests/rules/test-rules
endif

tests_rules_distro_rules_driver_SOURCES = \
	tests/rules/distro-rules-driver.c \
	daemon/distro-rules.c daemon/distro-rules.h \
	daemon/log.c daemon/log.h
tests_rules_distro_rules_driver_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/daemon
tests_rules_distro_rules_driver_LDADD = $(LIBKS)

EXTRA_DIST += tests/rules/test-rules
