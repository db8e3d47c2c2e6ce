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

# Start-up and the daemon's own state (issue 11: 1, 4, 6, 9, 10, 13): the real daemon on umockdev.
if ENABLE_TESTS
check_PROGRAMS += tests/integration/test-startup
TESTS += tests/integration/test-startup
endif

tests_integration_test_startup_SOURCES = tests/integration/test-startup.c
tests_integration_test_startup_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_test_startup_CFLAGS = $(AM_CFLAGS) $(UMOCKDEV_CFLAGS) $(FDT_CFLAGS)
tests_integration_test_startup_LDADD = $(TEST_SUPPORT) $(LIBKS) $(UMOCKDEV_LIBS) $(FDT_LIBS)
EXTRA_tests_integration_test_startup_DEPENDENCIES = daemon/kdump-settled$(EXEEXT) daemon/kdump-settlectl$(EXEEXT)

# A stat() shim test-startup preloads into the daemon to replace the DT at a chosen moment. Built
# without the project's flags: it must not pull in the sanitizers' runtime.
tests/integration/stat-shim.so: tests/integration/stat-shim.c
	@$(MKDIR_P) tests/integration
	$(AM_V_CC)$(CC) -O2 -Wall -shared -fPIC -o $@ $< -ldl
EXTRA_tests_integration_test_startup_DEPENDENCIES += tests/integration/stat-shim.so
CLEANFILES += tests/integration/stat-shim.so
EXTRA_DIST += tests/integration/stat-shim.c

# The reload's corrected device tree (daemon/dt-overlay-mount.c) in a real mount namespace: root
# only (it skips otherwise).
if ENABLE_TESTS
check_PROGRAMS += tests/integration/test-dt-overlay
TESTS += tests/integration/test-dt-overlay
endif
tests_integration_test_dt_overlay_SOURCES = tests/integration/test-dt-overlay.c \
	daemon/dt-overlay-mount.c daemon/mount-namespace.c daemon/log.c
tests_integration_test_dt_overlay_CPPFLAGS = $(TEST_CPPFLAGS) -I$(top_srcdir)/daemon
tests_integration_test_dt_overlay_CFLAGS = $(AM_CFLAGS) $(FDT_CFLAGS)
tests_integration_test_dt_overlay_LDADD = $(TEST_SUPPORT) $(LIBKS) $(FDT_LIBS)

# daemon/run-capture.c, the one way the programs run a helper and read its answer, with fake programs.
if ENABLE_TESTS
check_PROGRAMS += tests/integration/test-run-capture
TESTS += tests/integration/test-run-capture
endif
tests_integration_test_run_capture_SOURCES = tests/integration/test-run-capture.c daemon/run-capture.c
tests_integration_test_run_capture_CPPFLAGS = $(TEST_CPPFLAGS) -I$(top_srcdir)/daemon
tests_integration_test_run_capture_CFLAGS = $(AM_CFLAGS) $(FDT_CFLAGS)
tests_integration_test_run_capture_LDADD = $(TEST_SUPPORT) $(LIBKS) $(FDT_LIBS)
