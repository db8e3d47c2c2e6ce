# Included from Makefile.am. The soak test: thousands of simulated DLPAR requests through the real
# daemon under umockdev; built by `make`, never run by `make check` (it takes minutes): tests/soak/run.

if ENABLE_TESTS
noinst_PROGRAMS += tests/soak/soak
tests_soak_soak_SOURCES = tests/soak/soak.c
tests_soak_soak_CPPFLAGS = $(TEST_CPPFLAGS)
tests_soak_soak_CFLAGS = $(AM_CFLAGS) $(UMOCKDEV_CFLAGS) $(FDT_CFLAGS)
tests_soak_soak_LDADD = $(TEST_SUPPORT) $(LIBKS) $(UMOCKDEV_LIBS) $(FDT_LIBS)
EXTRA_tests_soak_soak_DEPENDENCIES = daemon/kdump-settled$(EXEEXT)
endif

EXTRA_DIST += tests/soak/run
