# Included from Makefile.am. Fuzz targets: one LLVMFuzzerTestOneInput() per parser, each with a
# seed corpus in tests/fuzz/corpus/<target>/ (see tests/fuzz/README.md).
#   default build:              each target is linked with standalone-main.c and run by make check
#                               on its corpus plus a few seconds of mutations
#   --enable-fuzzing CC=clang:  real libFuzzer binaries, built by make, not run by make check

fuzz_targets = \
	tests/fuzz/fuzz-dt-v1 \
	tests/fuzz/fuzz-dt-v2 \
	tests/fuzz/fuzz-config \
	tests/fuzz/fuzz-memory-uevent \
	tests/fuzz/fuzz-control-protocol \
	tests/fuzz/fuzz-dt-cpu

if ENABLE_FUZZING
noinst_PROGRAMS += $(fuzz_targets)
FUZZ_MAIN =
else
FUZZ_MAIN = tests/fuzz/standalone-main.c
if ENABLE_TESTS
check_PROGRAMS += $(fuzz_targets) tests/fuzz/fuzz-canary
TESTS += $(fuzz_targets) tests/fuzz/smoke-selftest
endif
endif

FUZZ_CPPFLAGS = $(TEST_CPPFLAGS) -I$(top_srcdir)/tests/fuzz
FUZZ_CFLAGS = $(AM_CFLAGS) $(FDT_CFLAGS)
FUZZ_LDADD = $(TEST_SUPPORT) $(LIBKS) $(FDT_LIBS)
# Where the standalone driver finds a target's corpus when given no argument.
FUZZ_CORPUS = $(abs_top_srcdir)/tests/fuzz/corpus

tests_fuzz_fuzz_dt_v1_SOURCES = tests/fuzz/fuzz-dt-v1.c tests/fuzz/fuzz.h tests/fuzz/dt-check.c tests/fuzz/dt-check.h $(FUZZ_MAIN)
tests_fuzz_fuzz_dt_v1_CPPFLAGS = $(FUZZ_CPPFLAGS) -DFUZZ_TARGET=\"dt-v1\" -DFUZZ_CORPUS_DIR=\"$(FUZZ_CORPUS)/dt-v1\"
tests_fuzz_fuzz_dt_v1_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_dt_v1_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_dt_v1_LDADD = $(FUZZ_LDADD)

tests_fuzz_fuzz_dt_v2_SOURCES = tests/fuzz/fuzz-dt-v2.c tests/fuzz/fuzz.h tests/fuzz/dt-check.c tests/fuzz/dt-check.h $(FUZZ_MAIN)
tests_fuzz_fuzz_dt_v2_CPPFLAGS = $(FUZZ_CPPFLAGS) -DFUZZ_TARGET=\"dt-v2\" -DFUZZ_CORPUS_DIR=\"$(FUZZ_CORPUS)/dt-v2\"
tests_fuzz_fuzz_dt_v2_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_dt_v2_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_dt_v2_LDADD = $(FUZZ_LDADD)

tests_fuzz_fuzz_config_SOURCES = tests/fuzz/fuzz-config.c tests/fuzz/fuzz.h $(FUZZ_MAIN)
tests_fuzz_fuzz_config_CPPFLAGS = $(FUZZ_CPPFLAGS) -DFUZZ_TARGET=\"config\" -DFUZZ_CORPUS_DIR=\"$(FUZZ_CORPUS)/config\"
tests_fuzz_fuzz_config_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_config_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_config_LDADD = $(FUZZ_LDADD)

tests_fuzz_fuzz_memory_uevent_SOURCES = tests/fuzz/fuzz-memory-uevent.c tests/fuzz/fuzz.h $(FUZZ_MAIN)
tests_fuzz_fuzz_memory_uevent_CPPFLAGS = $(FUZZ_CPPFLAGS) -DFUZZ_TARGET=\"memory-uevent\" -DFUZZ_CORPUS_DIR=\"$(FUZZ_CORPUS)/memory-uevent\"
tests_fuzz_fuzz_memory_uevent_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_memory_uevent_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_memory_uevent_LDADD = $(FUZZ_LDADD)

tests_fuzz_fuzz_control_protocol_SOURCES = tests/fuzz/fuzz-control-protocol.c tests/fuzz/fuzz.h $(FUZZ_MAIN)
tests_fuzz_fuzz_control_protocol_CPPFLAGS = $(FUZZ_CPPFLAGS) -DFUZZ_TARGET=\"control-protocol\" -DFUZZ_CORPUS_DIR=\"$(FUZZ_CORPUS)/control-protocol\"
tests_fuzz_fuzz_control_protocol_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_control_protocol_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_control_protocol_LDADD = $(FUZZ_LDADD)

tests_fuzz_fuzz_dt_cpu_SOURCES = tests/fuzz/fuzz-dt-cpu.c tests/fuzz/fuzz.h $(FUZZ_MAIN)
tests_fuzz_fuzz_dt_cpu_CPPFLAGS = $(FUZZ_CPPFLAGS) -DFUZZ_TARGET=\"dt-cpu\" -DFUZZ_CORPUS_DIR=\"$(FUZZ_CORPUS)/dt-cpu\"
tests_fuzz_fuzz_dt_cpu_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_dt_cpu_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_dt_cpu_LDADD = $(FUZZ_LDADD)

# The smoke runner's negative control: a target with a planted bug.
tests_fuzz_fuzz_canary_SOURCES = tests/fuzz/fuzz-canary.c tests/fuzz/fuzz.h $(FUZZ_MAIN)
tests_fuzz_fuzz_canary_CPPFLAGS = $(FUZZ_CPPFLAGS) -DFUZZ_TARGET=\"canary\" -DFUZZ_CORPUS_DIR=\"/nonexistent\"
tests_fuzz_fuzz_canary_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_canary_LDADD = $(FUZZ_LDADD)

# Writes the seed corpus: make tests/fuzz/gen-corpus && tests/fuzz/gen-corpus $(srcdir)/tests/fuzz/corpus
EXTRA_PROGRAMS = tests/fuzz/gen-corpus
tests_fuzz_gen_corpus_SOURCES = tests/fuzz/gen-corpus.c
tests_fuzz_gen_corpus_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_gen_corpus_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_gen_corpus_LDADD = $(FUZZ_LDADD)

EXTRA_DIST += tests/fuzz/corpus tests/fuzz/README.md tests/fuzz/smoke-selftest \
	tests/fuzz/config.dict tests/fuzz/memory-uevent.dict tests/fuzz/control-protocol.dict


