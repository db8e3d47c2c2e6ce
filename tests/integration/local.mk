# Included from Makefile.am. The real daemon on a fake root, fed genuine kernel uevents made by
# writing to /sys/devices/system/memory/memoryN/uevent: root only (it skips otherwise), no umockdev.

if ENABLE_TESTS
check_PROGRAMS += tests/integration/test-kernel-uevents
TESTS += tests/integration/test-kernel-uevents
endif

tests_integration_test_kernel_uevents_SOURCES = tests/integration/test-kernel-uevents.c
tests_integration_test_kernel_uevents_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_test_kernel_uevents_CFLAGS = $(AM_CFLAGS) $(FDT_CFLAGS)
tests_integration_test_kernel_uevents_LDADD = $(TEST_SUPPORT) $(LIBKS) $(FDT_LIBS)
# The daemon must exist before the test starts it.
EXTRA_tests_integration_test_kernel_uevents_DEPENDENCIES = daemon/kdump-settled$(EXEEXT)

# kdump-settlectl's exit codes, without a daemon.
if ENABLE_TESTS
check_PROGRAMS += tests/integration/test-settlectl-exit
TESTS += tests/integration/test-settlectl-exit
endif
tests_integration_test_settlectl_exit_SOURCES = tests/integration/test-settlectl-exit.c
tests_integration_test_settlectl_exit_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_test_settlectl_exit_CFLAGS = $(AM_CFLAGS) $(FDT_CFLAGS)
tests_integration_test_settlectl_exit_LDADD = $(TEST_SUPPORT) $(LIBKS) $(FDT_LIBS)
EXTRA_tests_integration_test_settlectl_exit_DEPENDENCIES = daemon/kdump-settlectl$(EXEEXT)
# The reload backends, faked in PATH on a fake root: no root, no umockdev.
if ENABLE_TESTS
check_PROGRAMS += tests/integration/test-reload-backends
TESTS += tests/integration/test-reload-backends
endif
tests_integration_test_reload_backends_SOURCES = tests/integration/test-reload-backends.c
tests_integration_test_reload_backends_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_test_reload_backends_CFLAGS = $(AM_CFLAGS) $(FDT_CFLAGS)
tests_integration_test_reload_backends_LDADD = $(TEST_SUPPORT) $(LIBKS) $(FDT_LIBS)
EXTRA_tests_integration_test_reload_backends_DEPENDENCIES = daemon/kdump-settled$(EXEEXT)
EXTRA_DIST += tests/integration/fake-kdump-tool
