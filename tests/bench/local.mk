# Included from Makefile.am. Benchmarks: built by `make`, never run by `make check`; see BENCHMARKS.md.

BENCH_CFLAGS = $(AM_CFLAGS) $(FDT_CFLAGS)
BENCH_LDADD = $(TEST_SUPPORT) $(LIBKS) $(FDT_LIBS)

noinst_PROGRAMS += \
	tests/bench/bench-dt \
	tests/bench/bench-settle \
	tests/bench/bench-compare \
	tests/bench/bench-record-exec \
	tests/bench/bench-cpu \
	tests/bench/bench-dt-overlay

# 1. DT parse, sysfs scan, consistency and `kdump-settlectl check` at 65,536 and 262,144 LMBs.
tests_bench_bench_dt_SOURCES = tests/bench/bench-dt.c tests/bench/bench-util.h
tests_bench_bench_dt_CPPFLAGS = $(TEST_CPPFLAGS)
tests_bench_bench_dt_CFLAGS = $(BENCH_CFLAGS)
tests_bench_bench_dt_LDADD = $(BENCH_LDADD)
# It runs kdump-settlectl: build it first.
EXTRA_tests_bench_bench_dt_DEPENDENCIES = daemon/kdump-settlectl$(EXEEXT)

# 2. Settle engine and block set throughput: 2 x 262,144 events.
tests_bench_bench_settle_SOURCES = tests/bench/bench-settle.c tests/bench/bench-util.h
tests_bench_bench_settle_CPPFLAGS = $(TEST_CPPFLAGS)
tests_bench_bench_settle_CFLAGS = $(BENCH_CFLAGS)
tests_bench_bench_settle_LDADD = $(BENCH_LDADD)

# 5. The same event streams through kdump-settle, a Fedora-throttler model and a per-event reloader.
tests_bench_bench_compare_SOURCES = tests/bench/bench-compare.c tests/bench/bench-util.h
tests_bench_bench_compare_CPPFLAGS = $(TEST_CPPFLAGS)
tests_bench_bench_compare_CFLAGS = $(BENCH_CFLAGS)
tests_bench_bench_compare_LDADD = $(BENCH_LDADD)

# 6. The CPU model: /cpus parse and load, kernel CPU set, rule, per-uevent cost; 240 and 1024 SMT-8 cores.
tests_bench_bench_cpu_SOURCES = tests/bench/bench-cpu.c tests/bench/bench-util.h
tests_bench_bench_cpu_CPPFLAGS = $(TEST_CPPFLAGS)
tests_bench_bench_cpu_CFLAGS = $(BENCH_CFLAGS)
tests_bench_bench_cpu_LDADD = $(BENCH_LDADD)

# 3. The reload command of bench-latency: appends CLOCK_MONOTONIC at its exec to a file. Plain
# libc, so that it starts as fast as a process can.
tests_bench_bench_record_exec_SOURCES = tests/bench/bench-record-exec.c

# 3. End-to-end latency of the real daemon under umockdev: needs umockdev, like the integration test.
if ENABLE_TESTS
noinst_PROGRAMS += tests/bench/bench-latency
tests_bench_bench_latency_SOURCES = tests/bench/bench-latency.c tests/bench/bench-util.h
tests_bench_bench_latency_CPPFLAGS = $(TEST_CPPFLAGS)
tests_bench_bench_latency_CFLAGS = $(AM_CFLAGS) $(UMOCKDEV_CFLAGS) $(FDT_CFLAGS)
tests_bench_bench_latency_LDADD = $(TEST_SUPPORT) $(LIBKS) $(UMOCKDEV_LIBS) $(FDT_LIBS)
EXTRA_tests_bench_bench_latency_DEPENDENCIES = \
	daemon/kdump-settled$(EXEEXT) tests/bench/bench-record-exec$(EXEEXT)
endif

EXTRA_DIST += tests/bench/callgrind-settle tests/bench/idle-wakeups

# 12. The reload's corrected device tree: /chosen, and the memory node at 262,144 LMBs (root only).
tests_bench_bench_dt_overlay_SOURCES = tests/bench/bench-dt-overlay.c tests/bench/bench-util.h \
	daemon/dt-overlay-mount.c daemon/mount-namespace.c daemon/log.c
tests_bench_bench_dt_overlay_CPPFLAGS = $(TEST_CPPFLAGS) -I$(top_srcdir)/daemon
tests_bench_bench_dt_overlay_CFLAGS = $(BENCH_CFLAGS)
tests_bench_bench_dt_overlay_LDADD = $(BENCH_LDADD)
