# Included from Makefile.am: checks of the set-up scripts (.ci/deps).
if ENABLE_TESTS
TESTS += tests/setup/test-deps
endif
EXTRA_DIST += tests/setup/test-deps .ci/deps .ci/run
